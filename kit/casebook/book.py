"""The read-only Casebook, loading it, the shared default copy, and events as text."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from ..errors import KitDataError
from ..words import plural
from .crosschecks import cross_checks, current_to_date
from .schema import DATA_DIR, LEADER_NAMES, LEADERS, LOAD_ORDER, SCHEMA
from .tables import check_table, read_rows


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
        return current_to_date(self.data_dir)

    def summary(self) -> str:
        """The case file in one sentence: what it holds and the date it is current to.

        >>> print(load_casebook().summary())  # doctest: +ELLIPSIS
        The case file (current to 1 December 2026) holds 36 items to decide on, 17 accounts, 82 events, ...
        """
        n = {name: len(self._frames[name]) for name in LOAD_ORDER}
        parts = [plural(n["items"], "item") + " to decide on", plural(n["accounts"], "account"),
                 plural(n["events"], "event"), plural(n["rules"], "rule and framework",
                                                      "rules and frameworks"),
                 plural(n["actions"], "step") + " on the enforcement ladder",
                 plural(n["allegations"], "allegation"), plural(n["figures"], "reported figure"),
                 plural(n["evidence"], "piece") + " of attribution evidence",
                 plural(n["positions"], "argument") + " of who argued what",
                 plural(n["quiz"], "quiz question"), plural(n["sources"], "source")]
        when = self.current_to
        current = f" (current to {when.day} {when:%B %Y})" if when else ""
        return f"The case file{current} holds {', '.join(parts[:-1])} and {parts[-1]}."

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
            frames[tname] = check_table(table, table.file, [], known)
        else:
            name, rows = read_rows(data_dir / table.file, table)
            frames[tname] = check_table(table, name, rows, known)
        known[tname] = frozenset(frames[tname][table.key])
    cross_checks(frames)
    return Casebook(data_dir, frames)


_DEFAULT = None

#: platform id (events.csv, accounts.csv) -> its name as learners read it.
PLATFORM_NAMES = MappingProxyType({"twitter": "Twitter", "facebook": "Facebook",
                                   "instagram": "Instagram", "youtube": "YouTube",
                                   "other": "other"})


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
        where = f"{PLATFORM_NAMES.get(e.platform, e.platform)} · " if platform else ""
        lines.append(f"{e.date:%Y-%m-%d} · {where}{e.actor}: {e.description} "
                     f"({', '.join(e.source_ids)})")
        if e.stated_reason:
            lines.append(f'    Stated reason: "{e.stated_reason}"')
    return "\n".join(lines)
