"""Tables people can read: a DataFrame as an HTML table with named columns and words.

``table(frame, caption, ...)`` returns a :class:`Table`, which Jupyter (JupyterLab, Notebook 7,
Voila, nbval's stored outputs) shows as a real HTML table: a caption, a heading for each column,
no index, and every cell in words.

- Dates read ``2021-01-08``; a missing value reads "not known" (or the word given for its
  column); an empty list of ids reads "none". Never "<NA>", "NaN", "NaT" or a tuple.
- Ids become names where the case file has one: actions (``action``, ``twitter_action``, ...),
  rules (``rule_id``, ``rules``, ``twitter_rule_ids``, ...), leaders, items (``item_id`` shows
  the item's title when the table has no title column of its own), accounts (``@handle``).
- Every text is escaped before it becomes HTML.
- A table with no rows says so in words, under its caption.

The module is pure: it reads no file and displays nothing itself.

>>> import pandas as pd
>>> t = table(pd.DataFrame({"leader": ["trump"], "as_of": [pd.NaT], "count": [1234]}), "Counts")
>>> t.rows
[['Trump', 'not known', '1,234']]
>>> print(t)
Counts (1 row): Leader: Trump; As of: not known; Count: 1,234
"""
from __future__ import annotations

import datetime as _dt
import html
import numbers
import re
from collections.abc import Callable, Mapping

import pandas as pd

from .casebook import LEADER_NAMES, PLATFORM_NAMES
from .errors import KitDataError
from .words import day, plural
from .words import missing as _missing

#: The word for a missing value, unless the table says otherwise for the column.
NOT_KNOWN = "not known"
#: The word for an empty list (of rules, sources...).
NONE = "none"

#: Column headings for the case file's and the kit's usual columns (others: "snake_case"
#: becomes "Snake case").
HEADINGS = {
    "item_id": "Item", "title": "Item", "handle": "Account", "leader": "Leader",
    "action": "Action", "twitter_action": "What Twitter did", "modal_action": "Most common choice",
    "twitter_action_date": "When Twitter acted", "rule_id": "Rule", "name": "Name",
    "rules": "Rules", "twitter_rule_ids": "Rules Twitter cited", "source_ids": "Sources",
    "excerpt_source_ids": "Sources", "followers": "Followers", "followers_as_of": "Followers as of",
    "as_of": "As of", "in_force_from": "In force from", "in_force_to": "In force until",
    "public_interest_exception": "Public-interest notice", "value_text": "Figure",
    "reported_by": "Reported by", "contested_group": "Disputed figure", "measure": "What",
    "subject": "About", "gap": "Gap (steps)", "date": "Date",
    "date_precision": "Date known to the", "event_type": "What happened", "actor": "Who acted",
    "platform": "Platform", "description": "What happened", "points_to": "Points to",
    "claimed_by": "Claimed by", "evidence_id": "Evidence", "kind": "Kind", "role": "Role",
    "language": "Language", "attribution": "Attribution", "publisher": "Publisher",
    "scope": "Applies to", "level": "Step", "strikes": "Strikes", "reason": "Why",
    "content_note": "Content note", "share_agree_twitter": "Share who chose Twitter's action",
    "mean_gap": "Average gap (steps)", "policy": "Policy", "account": "Account",
}

#: Columns whose values are action ids, rule ids, item ids.
ACTION_COLUMNS = frozenset({"action", "twitter_action", "modal_action", "policy_action",
                            "twitter_max_action", "max_action", "action_id"})
RULE_COLUMNS = frozenset({"rule_id", "rules", "rule_ids", "twitter_rule_ids", "twitter_rules",
                          "enforced_rules", "rules_broken", "broken"})
ITEM_COLUMNS = frozenset({"item_id"})
HANDLE_COLUMNS = frozenset({"handle"})

#: Words for the case file's coded values, by column (a value not listed is shown as it is).
VALUE_WORDS = {
    "public_interest_exception": {"eligible": "can be excused", "never": "never excused",
                                  "not_applicable": "does not apply (account rules)"},
    "role": {"media_relay": "media relay", "language_edition": "language edition"},
    "platform": dict(PLATFORM_NAMES),
    "language": None,      # set below: language_name
    "verified": {"unknown": NOT_KNOWN},
    "scope": {"none": "nothing", "tweet": "one Tweet", "account": "the whole account"},
    "alleger_kind": {"platform": "the platform"},
}

def language_name(code) -> str:
    """A language code of the case file as the language's English name ("fa" -> "Persian"),
    from the CLDR data of Babel where it is installed (JupyterLab installs it); else the
    code. "und" (undetermined) reads "not known".

    >>> language_name("und")
    'not known'
    """
    code = str(code).strip()
    if code in ("", "und"):
        return NOT_KNOWN
    try:
        from babel import Locale
        return Locale("en").languages.get(code, code)
    except Exception:  # noqa: BLE001 - no Babel, or a code it does not know: show the code
        return code


VALUE_WORDS["language"] = language_name

STYLE = ("<style>.kit-table{max-width:100%;overflow-x:auto;}"
         ".kit-table table{border-collapse:collapse;table-layout:auto!important;"
         "margin:0.5em auto 0.5em 0!important;}"
         ".kit-table caption{caption-side:top;text-align:left;font-weight:600;padding:0.25em 0;}"
         ".kit-table th,.kit-table td{text-align:left!important;vertical-align:top!important;"
         "white-space:normal;overflow-wrap:normal;word-break:normal;"
         "padding:0.25em 0.75em 0.25em 0;}"
         ".kit-table td.kit-num{text-align:right!important;}"
         "</style>")


def heading(column: str) -> str:
    """The heading a column gets when none is given.

    >>> heading("twitter_action"), heading("mean_level")
    ('What Twitter did', 'Mean level')
    """
    if column in HEADINGS:
        return HEADINGS[column]
    text = str(column).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def name_maps(casebook=None) -> dict:
    """Column -> {id: name} for the columns :func:`table` names by default.

    Leaders and accounts need no case file; actions, rules and items come from ``casebook``.

    >>> from kit.casebook import load_casebook
    >>> maps = name_maps(load_casebook())
    >>> maps["twitter_action"]["suspend"], maps["rules"]["ban_evasion"], maps["leader"]["trump"]
    ('Permanent suspension', 'Ban evasion', 'Trump')
    """
    maps: dict = {"leader": dict(LEADER_NAMES)}
    if casebook is not None:
        actions = dict(casebook.action_names)
        rules = dict(casebook.rule_names)
        items = dict(zip(casebook.items.item_id, casebook.items.title))
        maps.update({c: actions for c in ACTION_COLUMNS})
        maps.update({c: rules for c in RULE_COLUMNS})
        maps.update({c: items for c in ITEM_COLUMNS})
    return maps


def _is_list(value) -> bool:
    return isinstance(value, (tuple, list, set, frozenset))


def cell_text(value, name=None, missing_word: str = NOT_KNOWN, decimals: int = 2,
              percent: bool = False) -> str:
    """One value in words: ``name`` (a mapping or a function) turns an id into its name.

    >>> cell_text(("S16",)), cell_text(()), cell_text(float("nan")), cell_text(pd.NaT)
    ('S16', 'none', 'not known', 'not known')
    >>> cell_text(True), cell_text(0.256), cell_text(0.256, percent=True), cell_text(88700000)
    ('yes', '0.26', '26%', '88,700,000')
    >>> cell_text(pd.Timestamp("2021-01-08")), cell_text("lock", {"lock": "Account lock"})
    ('2021-01-08', 'Account lock')
    """
    if _is_list(value):
        parts = [cell_text(v, name, missing_word, decimals, percent) for v in value
                 if not _missing(v)]
        return ", ".join(parts) if parts else NONE
    if _missing(value):
        return missing_word
    if isinstance(value, (bool,)) or type(value).__name__ == "bool_":
        return "yes" if value else "no"
    if isinstance(value, (pd.Timestamp, _dt.datetime, _dt.date)):
        return day(value)
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        value = float(value)
        if percent:
            return f"{value:.0%}"
        return f"{value:,.{decimals}f}"
    if name is not None:
        if callable(name) and not isinstance(name, Mapping):
            return str(name(value))
        return str(name.get(value, value))
    return str(value)


class Table:
    """A table ready to show: ``caption``, ``headings`` and ``rows`` (lists of strings).

    Jupyter shows it through :meth:`_repr_html_` as an HTML table; its plain text (``str``,
    ``repr``: what a terminal or a text-only viewer shows) is one line per row.
    """

    def __init__(self, caption: str, headings: list, rows: list, numeric=(), empty: str = ""):
        self.caption = caption
        self.headings = list(headings)
        self.rows = [list(r) for r in rows]
        self.numeric = set(numeric)
        self.empty = empty or "There are no rows to show."

    def __len__(self):
        return len(self.rows)

    @property
    def html(self) -> str:
        """The table as HTML: escaped text, a caption, column headings, no index."""
        e = html.escape
        if not self.rows:
            return (f'<div class="kit-table kit-table-empty" role="note">'
                    f'<p><strong>{e(self.caption)}</strong></p><p>{e(self.empty)}</p></div>')
        head = "".join(f'<th scope="col">{e(h)}</th>' for h in self.headings)
        body = "".join(
            "<tr>" + "".join(
                f'<td class="kit-num">{e(v)}</td>' if i in self.numeric else f"<td>{e(v)}</td>"
                for i, v in enumerate(row)) + "</tr>"
            for row in self.rows)
        # a wide table scrolls inside its own box, which keyboard users can reach (Tab) and
        # screen readers name by the caption
        return (f'<div class="kit-table" role="region" tabindex="0" aria-label="{e(self.caption)}">'
                f'{STYLE}<table><caption>{e(self.caption)}</caption>'
                f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")

    def _repr_html_(self) -> str:
        return self.html

    def text(self) -> str:
        """The table as plain text: the caption, then one line per row (heading: value; ...)."""
        if not self.rows:
            return f"{self.caption}: {self.empty}"
        lines = [f"{self.caption} ({plural(len(self.rows), 'row')}):"]
        for row in self.rows:
            lines.append("; ".join(f"{h}: {v}" for h, v in zip(self.headings, row)))
        if len(lines) == 2:
            return f"{lines[0]} {lines[1]}"
        return "\n".join(lines)

    def __str__(self):
        return self.text()

    def __repr__(self):
        return self.text()

    def frame(self) -> pd.DataFrame:
        """The shown table as a DataFrame of strings (headings as columns)."""
        return pd.DataFrame(self.rows, columns=self.headings)


class Paragraphs:
    """Text shown as paragraphs that wrap between words (a printed line in JupyterLab wraps
    anywhere, even mid-word): a blank line starts a new paragraph, a line break stays one.
    Its plain text is the text itself."""

    def __init__(self, text: str):
        self.text = str(text)

    @property
    def html(self) -> str:
        blocks = [b for b in re.split(r"\n\s*\n", self.text.strip()) if b.strip()]
        body = "".join("<p>" + "<br>".join(html.escape(line.strip()) for line in b.splitlines())
                       + "</p>" for b in blocks)
        return f'<div class="kit-paragraphs">{body}</div>'

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self):
        return self.text

    __str__ = __repr__


def paragraphs(*texts) -> Paragraphs:
    """``texts`` (each a paragraph; lines within one stay lines) to show as readable text.

    >>> p = paragraphs("One <b>line</b>.", "Two\\nlines.")
    >>> p.html
    '<div class="kit-paragraphs"><p>One &lt;b&gt;line&lt;/b&gt;.</p><p>Two<br>lines.</p></div>'
    >>> print(p)
    One <b>line</b>.
    <BLANKLINE>
    Two
    lines.
    """
    return Paragraphs("\n\n".join(str(t).strip("\n") for t in texts))


def table(frame, caption: str, columns=None, *, casebook=None, names=None, missing=None,
          decimals: int = 2, percent=(), empty: str = "", index: bool = False) -> Table:
    """``frame`` as a :class:`Table` people can read.

    ``columns``: the columns to show, in order: a list of column names (headings from
    :data:`HEADINGS`) or a mapping ``{column: heading}``; default: all. ``casebook`` lets ids
    of actions, rules and items become names; ``names`` adds or overrides ``{column: mapping
    or function}``. ``missing``: ``{column: word}`` for missing values (default "not known").
    ``percent``: columns of shares (0.25 reads "25%"). ``empty``: the sentence for a table with
    no rows. ``index=True`` shows the index as the first column (a grouped table).

    >>> from kit.casebook import load_casebook
    >>> cb = load_casebook()
    >>> t = table(cb.actions.head(2), "The first steps", {"level": "Step", "action_id": "Action"},
    ...           casebook=cb)
    >>> t.headings, t.rows
    (['Step', 'Action'], [['0', 'No action'], ['1', 'Label']])
    >>> print(table(cb.actions.head(0), "Nothing here", empty="No action matches."))
    Nothing here: No action matches.
    >>> "<NA>" in table(cb.accounts, "Accounts", ["handle", "followers"]).html
    False
    """
    if not isinstance(frame, pd.DataFrame):
        raise KitDataError(f"a table needs a DataFrame, got {type(frame).__name__}",
                           file="table")
    if index:
        frame = frame.reset_index()
    if columns is None:
        columns = list(frame.columns)
    if isinstance(columns, Mapping):
        shown, heads = list(columns), [str(h) for h in columns.values()]
    else:
        shown = list(columns)
        heads = [heading(c) for c in shown]
    absent = [c for c in shown if c not in frame.columns]
    if absent:
        raise KitDataError(f"the table has no column {', '.join(map(str, absent))} "
                           f"(it has {', '.join(map(str, frame.columns))})", file=caption)
    maps = name_maps(casebook)
    if "title" in shown:      # the table names its items itself: keep their ids
        for c in ITEM_COLUMNS:
            maps.pop(c, None)
    for c, words in VALUE_WORDS.items():
        maps.setdefault(c, words)
    maps.update(names or {})
    handle_names = {c: (lambda h: f"@{h}") for c in HANDLE_COLUMNS}
    missing = dict(missing or {})
    percent = set(percent)
    rows = []
    for values in frame[shown].itertuples(index=False, name=None):
        row = []
        for column, value in zip(shown, values):
            name = maps.get(column, handle_names.get(column))
            row.append(cell_text(value, name, missing.get(column, NOT_KNOWN), decimals,
                                 column in percent))
        rows.append(row)
    numeric = {i for i, c in enumerate(shown)
               if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])}
    return Table(caption, heads, rows, numeric=numeric, empty=empty)


__all__ = ["table", "Table", "paragraphs", "Paragraphs", "language_name", "cell_text", "heading", "name_maps", "HEADINGS", "VALUE_WORDS",
           "ACTION_COLUMNS", "RULE_COLUMNS", "ITEM_COLUMNS", "NOT_KNOWN", "NONE"]
