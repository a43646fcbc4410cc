"""The case file: loading and validating data/ into one read-only :class:`Casebook`.

Every table is a CSV file in ``data/``; :data:`SCHEMA` says which columns each has,
which are required, their types and allowed values, and which other table an id
refers to. ``data/README.md`` explains the same columns for people; a test keeps
the two in step.

Anything wrong in a file raises :class:`kit.KitDataError` naming the file, the
row (as a spreadsheet shows it: the header is row 1) and the column.
"""
from __future__ import annotations

import csv
import functools
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from .errors import KitDataError

def _find_data_dir() -> Path:
    """The shipped case file: ``kit/data/`` in an installed kit (the build maps the
    repository's top-level ``data/`` there), else ``data/`` beside ``kit/`` in a checkout."""
    here = Path(__file__).resolve().parent
    installed = here / "data"
    return installed if (installed / "items.csv").is_file() else here.parent / "data"


#: Where the shipped case file is, whatever the working directory.
DATA_DIR = _find_data_dir()

#: The kit's leader order everywhere (tables, charts, menus): Trump, then Khamenei.
LEADERS = ("trump", "khamenei")
#: How a leader id reads in learner-facing text.
LEADER_NAMES = MappingProxyType({"trump": "Trump", "khamenei": "Khamenei"})
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LIST_SEP = ";"


@dataclass(frozen=True)
class Column:
    """One column of a table.

    kind is one of: ``text``, ``id`` (the table's key or a plain identifier),
    ``date`` (YYYY-MM-DD), ``int``, ``enum`` (one of ``values``), ``ref`` (an id of
    table ``ref``), ``refs`` (several ids of ``ref`` separated by ``;``), ``url``.
    """

    name: str
    kind: str = "text"
    required: bool = False
    values: tuple = ()
    ref: str | None = None
    doc: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    key: str
    columns: tuple
    optional: bool = False  # a missing file means an empty table

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    @property
    def column_names(self) -> list:
        return [c.name for c in self.columns]


def C(name, kind="text", required=False, values=(), ref=None, doc=""):
    return Column(name, kind, required, tuple(values), ref, doc)


PRECISIONS = ("day", "month", "year")
#: Groups of like items across the two leaders, for the consistency score.
COMPARE_GROUPS = ("violence", "misinformation", "hate", "account")
#: Sides in data/positions.csv ("who argued what"), the same for both leaders: the platform's
#: stated reasoning, calls for (more) action against the leader's account, arguments against
#: acting (or against what was done), and the leader's own response.
SIDES = ("platform_reasoning", "for_action", "against_action", "leader_response")

SCHEMA = MappingProxyType({t.name: t for t in [
    Table("sources", "source_id", (
        C("source_id", "id", True),
        C("title", required=True),
        C("publisher", required=True),
        C("date", "date"),
        C("date_note"),
        C("url", "url"),
        C("archive_url", "url"),
        C("kind", "enum", True, ("primary", "news", "analysis", "advocacy", "reference")),
        C("text_checked", "enum", True, ("original", "reproduction", "unverified")),
        C("note"),
    )),
    Table("actions", "action_id", (
        C("action_id", "id", True),
        C("name", required=True),
        C("level", "int", True),
        C("scope", "enum", True, ("none", "tweet", "account")),
        C("description", required=True),
        C("excerpt"),
        C("source_ids", "refs", True, ref="sources"),
        C("excerpt_checked_in", "refs", ref="sources"),
        C("excerpt_check_note"),
    )),
    Table("rules", "rule_id", (
        C("rule_id", "id", True),
        C("name", required=True),
        C("kind", "enum", True, ("conduct", "framework", "consultation")),
        C("summary", required=True),
        C("excerpt", required=True),
        C("excerpt_source_ids", "refs", True, ref="sources"),
        C("in_force_from", "date"),
        C("in_force_to", "date"),
        C("in_force_note"),
        C("public_interest_exception", "enum", True, ("eligible", "never", "not_applicable")),
        C("source_ids", "refs", True, ref="sources"),
        C("excerpt_checked_in", "refs", ref="sources"),
        C("excerpt_check_note"),
    )),
    Table("accounts", "handle", (
        C("handle", "id", True),
        C("leader", "enum", True, LEADERS),
        C("platform", "enum", True, ("twitter", "facebook", "instagram", "youtube")),
        C("display_name"),
        C("role", "enum", True, ("personal", "office", "media_relay", "language_edition")),
        C("language", required=True),
        C("attribution", "enum", True, ("official", "linked", "disputed", "unknown")),
        C("attribution_note"),
        C("verified", "enum", True, ("yes", "no", "unknown")),
        C("verified_note"),
        C("created", "date"),
        C("followers", "int"),
        C("followers_as_of", "date"),
        C("followers_source_ids", "refs", ref="sources"),
        C("status_note"),
        C("source_ids", "refs", True, ref="sources"),
    )),
    Table("items", "item_id", (
        C("item_id", "id", True),
        C("leader", "enum", True, LEADERS),
        C("handle", "ref", True, ref="accounts"),
        C("kind", "enum", True, ("post", "account")),
        C("title", required=True),
        C("date", "date", True),
        C("date_precision", "enum", True, PRECISIONS),
        C("language"),
        C("content_type", "enum", True, ("verbatim", "description")),
        C("text", required=True),
        C("context", required=True),
        C("content_note"),
        C("twitter_action", "ref", True, ref="actions"),
        C("twitter_action_date", "date"),
        C("twitter_rule_ids", "refs", ref="rules"),
        C("twitter_stated_reason"),
        C("action_note"),
        C("compare_group", "enum", values=COMPARE_GROUPS),
        C("source_ids", "refs", True, ref="sources"),
        C("text_checked_in", "refs", ref="sources"),
        C("text_check_note"),
        C("reason_checked_in", "refs", ref="sources"),
        C("reason_check_note"),
    )),
    Table("allegations", "allegation_id", (
        C("allegation_id", "id", True),
        C("item_id", "ref", True, ref="items"),
        C("rule_id", "ref", True, ref="rules"),
        C("alleged_by", required=True),
        C("alleger_kind", "enum", True,
          ("platform", "government", "advocacy", "journalist", "activist", "researcher",
           "individual", "oversight")),
        C("date", "date"),
        C("quote"),
        C("source_ids", "refs", True, ref="sources"),
        C("quote_checked_in", "refs", ref="sources"),
        C("quote_check_note"),
    )),
    Table("events", "event_id", (
        C("event_id", "id", True),
        C("date", "date", True),
        C("date_precision", "enum", True, PRECISIONS),
        C("leader", "enum", True, (*LEADERS, "both", "none")),
        C("platform", "enum", True, ("twitter", "facebook", "instagram", "youtube", "other")),
        C("handle", "ref", ref="accounts"),
        C("actor", required=True),
        C("event_type", "enum", True, (
            "post", "label", "notice", "removal", "lock", "suspension", "reinstatement",
            "restriction", "block", "deletion", "creation", "statement", "policy",
            "consultation", "decision", "other")),
        C("action_id", "ref", ref="actions"),
        C("item_id", "ref", ref="items"),
        C("description", required=True),
        C("stated_reason"),
        C("source_ids", "refs", True, ref="sources"),
        C("reason_checked_in", "refs", ref="sources"),
        C("reason_check_note"),
    )),
    Table("figures", "figure_id", (
        C("figure_id", "id", True),
        C("subject", required=True),
        C("measure", required=True),
        C("value", "int"),
        C("value_text", required=True),
        C("as_of", "date"),
        C("date_precision", "enum", values=PRECISIONS),
        C("reported_by", required=True),
        C("contested_group"),
        C("note"),
        C("source_ids", "refs", True, ref="sources"),
    )),
    Table("evidence", "evidence_id", (
        C("evidence_id", "id", True),
        C("handle", "ref", True, ref="accounts"),
        C("claim", required=True),
        C("points_to", "enum", True, ("official", "linked", "impostor", "unclear")),
        C("claimed_by", required=True),
        C("date", "date"),
        C("source_ids", "refs", True, ref="sources"),
        C("quote_checked_in", "refs", ref="sources"),
        C("quote_check_note"),
    ), optional=True),
    Table("positions", "position_id", (
        C("position_id", "id", True),
        C("leader", "enum", True, LEADERS),
        C("side", "enum", True, SIDES),
        C("who", required=True),
        C("who_kind", "enum", True,
          ("platform", "staff", "leader", "government", "advocacy", "journalist", "activist",
           "researcher", "individual", "oversight")),
        C("date", "date"),
        C("date_precision", "enum", values=PRECISIONS),
        C("summary", required=True),
        C("quote"),
        C("quote_checked_in", "refs", ref="sources"),
        C("content_note"),
        C("item_id", "ref", ref="items"),
        C("source_ids", "refs", True, ref="sources"),
    ), optional=True),
    Table("quiz", "question_id", (
        C("question_id", "id", True),
        C("topic", required=True),
        C("question", required=True),
        C("choices", required=True),
        C("answer", required=True),
        C("explanation", required=True),
        C("rule_ids", "refs", ref="rules"),
        C("source_ids", "refs", True, ref="sources"),
    ), optional=True),
]})

#: Where verbatim text lives and how its check against a stored copy is recorded:
#: table -> ((verbatim column, column naming the source(s) whose stored copy the text
#: was compared with, column with the verdict in words), ...). See data/README.md.
VERBATIM_CHECKS = MappingProxyType({
    "items": (("text", "text_checked_in", "text_check_note"),
              ("twitter_stated_reason", "reason_checked_in", "reason_check_note")),
    "allegations": (("quote", "quote_checked_in", "quote_check_note"),),
    "events": (("stated_reason", "reason_checked_in", "reason_check_note"),),
    "rules": (("excerpt", "excerpt_checked_in", "excerpt_check_note"),),
    "actions": (("excerpt", "excerpt_checked_in", "excerpt_check_note"),),
    "evidence": (("claim", "quote_checked_in", "quote_check_note"),),
})

#: Order in which tables are loaded: a table's references point only to earlier ones.
LOAD_ORDER = ("sources", "actions", "rules", "accounts", "items", "allegations", "events", "figures",
              "evidence", "positions", "quiz")


def _parse_date(text: str):
    if not DATE_RE.match(text):
        raise ValueError
    return dt.date.fromisoformat(text)


def _read_rows(path: Path, table: Table) -> list:
    """Read one CSV file into a list of dicts of stripped strings, checking its shape."""
    name = f"data/{path.name}" if path.parent.name == "data" else str(path)
    if not path.exists():
        raise KitDataError(f"the file is missing (expected the '{table.name}' table here)", file=name)
    raw = path.read_bytes()
    if not raw.strip():
        raise KitDataError("the file is empty: it needs a header row and at least one row of data",
                           file=name)
    if b"\x00" in raw[:4096]:
        raise KitDataError("this is not a CSV text file (it contains binary data)", file=name)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise KitDataError(f"the file is not UTF-8 text (byte {e.start}); save it as 'CSV UTF-8'",
                           file=name) from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as e:
        raise KitDataError(f"this is not a valid CSV file ({e})", file=name) from None
    header = [h.strip() for h in rows[0]]
    expected = table.column_names
    missing = [c for c in expected if c not in header]
    if missing:
        if not set(header) & set(expected):
            raise KitDataError(
                f"this does not look like a comma-separated table of {table.name}: its first row "
                f"should be the header {','.join(expected)}", file=name)
        raise KitDataError(f"missing column(s) {', '.join(missing)}", file=name, row=1)
    unknown = [h for h in header if h not in expected]
    if unknown:
        raise KitDataError(f"unknown column(s) {', '.join(unknown)}; the columns are "
                           f"{', '.join(expected)} (see data/README.md)", file=name, row=1)
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        raise KitDataError(f"column(s) {', '.join(dup)} appear twice", file=name, row=1)
    out = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank line
        if len(row) != len(header):
            raise KitDataError(f"has {len(row)} fields but the header has {len(header)} "
                               "(an unquoted comma or a missing quote?)", file=name, row=n)
        out.append((n, {h: cell.strip() for h, cell in zip(header, row)}))
    if not out:
        raise KitDataError("the table has a header but no rows", file=name)
    return name, out


def _check_table(table: Table, name: str, rows: list, known: dict) -> pd.DataFrame:
    """Validate rows of one table against SCHEMA; return a typed DataFrame."""
    seen = {}
    data = {c.name: [] for c in table.columns}
    data["_row"] = []
    for n, row in rows:
        for col in table.columns:
            value = row[col.name]
            if not value:
                if col.required:
                    raise KitDataError("is empty but required", file=name, row=n, column=col.name)
                data[col.name].append(() if col.kind == "refs" else
                                      None if col.kind in ("date", "int") else "")
                continue
            if col.kind == "id":
                if not ID_RE.match(value):
                    raise KitDataError(f"{value!r} is not a valid id (letters, digits, _ . - only)",
                                       file=name, row=n, column=col.name)
            elif col.kind == "date":
                try:
                    value = _parse_date(value)
                except ValueError:
                    raise KitDataError(f"{value!r} is not a date in the form YYYY-MM-DD",
                                       file=name, row=n, column=col.name) from None
            elif col.kind == "int":
                try:
                    value = int(value)
                except ValueError:
                    raise KitDataError(f"{value!r} is not a whole number (write 880000, not 880k)",
                                       file=name, row=n, column=col.name) from None
            elif col.kind == "enum":
                if value not in col.values:
                    raise KitDataError(f"{value!r} is not one of {', '.join(col.values)}",
                                       file=name, row=n, column=col.name)
            elif col.kind == "url":
                if not re.match(r"^https?://\S+$", value):
                    raise KitDataError(f"{value!r} is not a web address (http:// or https://)",
                                       file=name, row=n, column=col.name)
            elif col.kind in ("ref", "refs"):
                ids = [v.strip() for v in value.split(LIST_SEP)] if col.kind == "refs" else [value]
                target = known[col.ref]
                for ref in ids:
                    if ref not in target:
                        raise KitDataError(
                            f"{ref!r} is not a known {SCHEMA[col.ref].key} "
                            f"in data/{SCHEMA[col.ref].file}", file=name, row=n, column=col.name)
                value = tuple(ids) if col.kind == "refs" else value
            data[col.name].append(value)
        key = row[table.key]
        if key in seen:
            raise KitDataError(f"duplicate {table.key} {key!r} (first used in row {seen[key]})",
                               file=name, row=n, column=table.key)
        seen[key] = n
        data["_row"].append(n)
    frame = pd.DataFrame(data)
    for col in table.columns:
        if col.kind == "date":
            frame[col.name] = pd.to_datetime(frame[col.name])
        elif col.kind == "int":
            frame[col.name] = frame[col.name].astype("Int64")
    return frame


def _cross_checks(frames: dict) -> None:
    """Checks that span tables (beyond plain id references)."""
    items, accounts = frames["items"], frames["accounts"]
    leader_of = dict(zip(accounts.handle, accounts.leader))
    for _, it in items.iterrows():
        if leader_of[it.handle] != it.leader:
            raise KitDataError(f"leader {it.leader!r} does not match account @{it.handle}, "
                               f"which belongs to {leader_of[it.handle]!r}",
                               file="data/items.csv", row=it._row, column="leader")
    rules = frames["rules"]
    conduct = set(rules.rule_id[rules.kind == "conduct"])
    for tname, col in (("items", "twitter_rule_ids"), ("allegations", "rule_id")):
        for _, r in frames[tname].iterrows():
            ids = r[col] if isinstance(r[col], tuple) else (r[col],)
            for rid in ids:
                if rid and rid not in conduct:
                    raise KitDataError(f"{rid!r} is a {rules.set_index('rule_id').kind[rid]} entry, "
                                       "not a rule a post can break", file=f"data/{tname}.csv",
                                       row=r._row, column=col)
    _check_positions(frames)
    levels = frames["actions"].level
    if levels.duplicated().any() or (levels < 0).any():
        raise KitDataError("each action needs its own severity level, 0 or more",
                           file="data/actions.csv", column="level")
    _check_quiz(frames["quiz"])


#: What separates the choices in a quiz row's ``choices`` cell.
QUIZ_CHOICE_SEP = "|"


def quiz_choices(text: str) -> list:
    """The choices of a quiz row: the ``choices`` cell split on ``|``, trimmed.

    >>> quiz_choices("Two | Three |  Five or more ")
    ['Two', 'Three', 'Five or more']
    """
    return [c.strip() for c in str(text).split(QUIZ_CHOICE_SEP) if c.strip()]


def _check_quiz(quiz: pd.DataFrame) -> None:
    """Every quiz row offers at least two different choices, and its answer is one of them."""
    where = dict(file="data/quiz.csv")
    for _, q in quiz.iterrows():
        choices = quiz_choices(q.choices)
        if len(choices) < 2:
            raise KitDataError(f"question {q.question_id} needs at least two choices "
                               "separated by ' | '", row=q._row, column="choices", **where)
        if len(set(choices)) != len(choices):
            raise KitDataError(f"question {q.question_id} lists a choice twice",
                               row=q._row, column="choices", **where)
        if q.answer not in choices:
            raise KitDataError(f"the answer of question {q.question_id} ({q.answer!r}) is not "
                               "exactly one of its choices", row=q._row, column="answer", **where)


CURRENT_TO_RE = re.compile(r"^Current to:\s*(.*?)\s*$", re.MULTILINE)


def _current_to(data_dir: Path):
    """Parse ``Current to: <day> <Month> <year>`` from data_dir/README.md."""
    readme = Path(data_dir) / "README.md"
    if not readme.exists():
        return None
    m = CURRENT_TO_RE.search(readme.read_text(encoding="utf-8"))
    if not m:
        return None
    try:
        return dt.datetime.strptime(m.group(1), "%d %B %Y").date()
    except ValueError:
        raise KitDataError(f"{m.group(1)!r} is not a date like '1 December 2026' "
                           "(in the line 'Current to: …')", file="data/README.md") from None


def _check_positions(frames: dict) -> None:
    """positions.csv: a quote names the source whose text was checked (one of the row's
    sources); an item belongs to the row's leader."""
    pos = frames.get("positions")
    if pos is None or pos.empty:
        return
    leader_of = dict(zip(frames["items"].item_id, frames["items"].leader))
    for _, r in pos.iterrows():
        if r.quote and not r.quote_checked_in:
            raise KitDataError("a quote needs quote_checked_in: the source whose stored copy "
                               "has the exact words", file="data/positions.csv", row=r._row,
                               column="quote_checked_in")
        if r.quote_checked_in and not r.quote:
            raise KitDataError("quote_checked_in is set but there is no quote",
                               file="data/positions.csv", row=r._row, column="quote_checked_in")
        extra = [s for s in r.quote_checked_in if s not in r.source_ids]
        if extra:
            raise KitDataError(f"{', '.join(extra)} must also be listed in source_ids",
                               file="data/positions.csv", row=r._row, column="quote_checked_in")
        if r.item_id and leader_of[r.item_id] != r.leader:
            raise KitDataError(f"item {r.item_id} belongs to {leader_of[r.item_id]!r}, "
                               f"not {r.leader!r}", file="data/positions.csv", row=r._row,
                               column="item_id")
        if not pd.isna(r.date) and not r.date_precision:
            raise KitDataError("a date needs a date_precision (day, month or year)",
                               file="data/positions.csv", row=r._row, column="date_precision")
        if r.date_precision and pd.isna(r.date):
            raise KitDataError("date_precision is set but there is no date",
                               file="data/positions.csv", row=r._row, column="date_precision")


@dataclass(frozen=True)
class Casebook:
    """The whole case file, read-only.

    Each table is a pandas DataFrame; every access returns a fresh (cheap,
    copy-on-write) copy, so changing it in a notebook never changes the case file.
    Dates are pandas Timestamps (NaT when unknown); id-list columns hold tuples.

    >>> cb = load_casebook()
    >>> cb.actions.set_index("action_id").level.to_dict()["suspend"]
    5
    """

    data_dir: Path
    _frames: dict = field(repr=False)

    def table(self, name: str) -> pd.DataFrame:
        """One table by name (see SCHEMA), as a copy.

        >>> load_casebook().table("actions").action_id.tolist()
        ['none', 'label', 'notice', 'remove', 'lock', 'suspend']
        """
        if name not in self._frames:
            raise KeyError(f"no table {name!r}; tables are {', '.join(LOAD_ORDER)}")
        return self._frames[name].drop(columns="_row").copy(deep=False)

    sources = property(lambda self: self.table("sources"))
    actions = property(lambda self: self.table("actions"))
    rules = property(lambda self: self.table("rules"))
    accounts = property(lambda self: self.table("accounts"))
    items = property(lambda self: self.table("items"))
    allegations = property(lambda self: self.table("allegations"))
    events = property(lambda self: self.table("events"))
    figures = property(lambda self: self.table("figures"))
    evidence = property(lambda self: self.table("evidence"))
    quiz = property(lambda self: self.table("quiz"))
    positions = property(lambda self: self.table("positions"))

    @property
    def conduct_rules(self) -> pd.DataFrame:
        """The rules a post or account can break (what a learner ticks)."""
        r = self.rules
        return r[r.kind == "conduct"].reset_index(drop=True)

    # -- shared facts: the one place each is defined -------------------------------------

    @functools.cached_property
    def action_levels(self) -> MappingProxyType:
        """action_id -> severity level on the enforcement ladder.

        >>> load_casebook().action_levels["lock"]
        4
        """
        a = self._frames["actions"]
        return MappingProxyType(dict(zip(a.action_id, a.level.astype(int))))

    @functools.cached_property
    def action_names(self) -> MappingProxyType:
        """action_id -> the action's name as learners read it.

        >>> load_casebook().action_names["suspend"]
        'Permanent suspension'
        """
        a = self._frames["actions"]
        return MappingProxyType(dict(zip(a.action_id, a.name)))

    @functools.cached_property
    def ladder(self) -> tuple:
        """The action ids from the mildest to the most severe (the enforcement ladder).

        >>> load_casebook().ladder
        ('none', 'label', 'notice', 'remove', 'lock', 'suspend')
        """
        a = self._frames["actions"].sort_values("level", kind="stable")
        return tuple(a.action_id)

    @functools.cached_property
    def rule_names(self) -> MappingProxyType:
        """rule_id -> the rule's name, for every rule and framework in rules.csv.

        >>> load_casebook().rule_names["glorification_of_violence"]
        'Glorification of violence'
        """
        r = self._frames["rules"]
        return MappingProxyType(dict(zip(r.rule_id, r.name)))

    @functools.cached_property
    def item_order(self) -> tuple:
        """The item ids in the order learners meet them: the order of data/items.csv
        (Trump's items, then Khamenei's, grouped by theme within each).

        >>> order = load_casebook().item_order
        >>> order[0], order[-1]
        ('T01', 'K20')
        """
        return tuple(self._frames["items"].item_id)

    #: The leader ids in the kit's order (Trump, then Khamenei).
    leader_order = LEADERS
    #: leader id -> name for learner-facing text.
    leader_names = LEADER_NAMES

    @functools.cached_property
    def _source_index(self) -> dict:
        s = self._frames["sources"]
        return {r.source_id: (r.source_id, r.title, r.publisher, r.url)
                for r in s.itertuples(index=False)}

    def source_links(self, ids) -> list:
        """[(source_id, title, publisher, url)] for a tuple of source ids, in order."""
        index = self._source_index
        return [index[i] for i in ids]

    @functools.cached_property
    def current_to(self):
        """The date the case file is current to, from the line ``Current to: 1 December 2026``
        in the case file's README.md (``None`` when the folder has no such README line).

        >>> load_casebook().current_to
        datetime.date(2026, 12, 1)
        """
        return _current_to(self.data_dir)

    def __repr__(self):
        sizes = ", ".join(f"{n}={len(self._frames[n])}" for n in LOAD_ORDER)
        return f"Casebook({sizes})"


def load_casebook(data_dir=None) -> Casebook:
    """Load and validate the case file in ``data_dir`` (default: the kit's data/).

    Raises :class:`kit.KitDataError` naming file, row and column on any problem:
    a missing or empty file, a file that is not CSV, a missing column, an empty
    required field, a bad date, an unknown enumeration value, a duplicate id, an
    id that refers to nothing, or a quiz question with fewer than two choices, a
    choice listed twice or an answer that is not one of its choices.

    >>> cb = load_casebook()
    >>> {"realDonaldTrump", "khamenei_ir"} <= set(cb.accounts.handle)
    True
    """
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    if not data_dir.is_dir():
        raise KitDataError("the case-file folder does not exist", file=str(data_dir))
    frames, known = {}, {}
    for tname in LOAD_ORDER:
        table = SCHEMA[tname]
        if table.optional and not (data_dir / table.file).exists():
            frames[tname] = _check_table(table, table.file, [], known)
        else:
            name, rows = _read_rows(data_dir / table.file, table)
            frames[tname] = _check_table(table, name, rows, known)
        known[tname] = frozenset(frames[tname][table.key])
    _cross_checks(frames)
    return Casebook(data_dir, frames)


_DEFAULT = None


def default_casebook() -> Casebook:
    """The shipped case file, loaded once per process and shared (it is read-only).

    What the apps and decision logs use when no casebook is given, so a notebook
    reads data/ once however many apps it shows.

    >>> default_casebook() is default_casebook()
    True
    """
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_casebook()
    return _DEFAULT


def event_lines(events, platform: bool = False) -> str:
    """Events as plain text, one per line: ``date · [platform ·] actor: description (sources)``,
    followed by the actor's stated reason, verbatim, where there is one.

    >>> cb = load_casebook()
    >>> print(event_lines(cb.events[cb.events.platform == "youtube"].head(1)))
    2021-01-06 · YouTube: YouTube removes Trump's video to the crowd at the Capitol. (S57)
    """
    lines = []
    for e in events.itertuples(index=False):
        where = f"{e.platform} · " if platform else ""
        lines.append(f"{e.date:%Y-%m-%d} · {where}{e.actor}: {e.description} "
                     f"({', '.join(e.source_ids)})")
        if e.stated_reason:
            lines.append(f'    Stated reason: "{e.stated_reason}"')
    return "\n".join(lines)
