"""Checks that span tables (leaders and accounts, rules a post can break, quiz rows,
positions), and the date the case file is current to."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from ..errors import KitDataError


def cross_checks(frames: dict) -> None:
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
    check_positions(frames)
    levels = frames["actions"].level
    if levels.duplicated().any() or (levels < 0).any():
        raise KitDataError("each action needs its own severity level, 0 or more",
                           file="data/actions.csv", column="level")
    check_quiz(frames["quiz"])


#: What separates the choices in a quiz row's ``choices`` cell.
QUIZ_CHOICE_SEP = "|"


def quiz_choices(text: str) -> list:
    """The choices of a quiz row: the ``choices`` cell split on ``|``, trimmed.

    >>> quiz_choices("Two | Three |  Five or more ")
    ['Two', 'Three', 'Five or more']
    """
    return [c.strip() for c in str(text).split(QUIZ_CHOICE_SEP) if c.strip()]


def check_quiz(quiz: pd.DataFrame) -> None:
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


def current_to_date(data_dir: Path):
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


def check_positions(frames: dict) -> None:
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


