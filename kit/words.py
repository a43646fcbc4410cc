"""Small helpers for the words the kit shows people: plurals, short lists, blanks, days.

One home for each, so a count, an empty cell or a date reads the same in every app,
chart and message.
"""
from __future__ import annotations

import math

import pandas as pd


def blank(value) -> bool:
    """True for a value that says nothing: None, NaN/NA/NaT, or an empty or all-space string.

    >>> [blank(v) for v in (None, float("nan"), pd.NA, pd.NaT, "", "  ", "x", 0)]
    [True, True, True, True, True, True, False, False]
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return math.isnan(value)
    return False


def plural(n: int, word: str, many: str | None = None) -> str:
    """A count with its word: ``1 decision``, ``2 decisions``, ``1,000 learners``.

    >>> plural(1, "decision"), plural(2, "decision"), plural(1000, "learner"), plural(2, "reply", "replies")
    ('1 decision', '2 decisions', '1,000 learners', '2 replies')
    """
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def some(values, limit: int = 5) -> str:
    """The first few distinct values, quoted, and how many more: for error messages.

    >>> some(["a", "b", "a"]), some(range(7), limit=3)
    ("'a', 'b'", '0, 1, 2 and 4 more')
    """
    values = list(dict.fromkeys(values))
    shown = ", ".join(repr(v) for v in values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def day(value) -> str:
    """A date as the kit writes it (YYYY-MM-DD), or "" when there is none.

    >>> day(pd.Timestamp("2021-01-08 17:21")), day(None), day(pd.NaT)
    ('2021-01-08', '', '')
    """
    return "" if blank(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def not_on_ladder(values, ladder) -> str:
    """The one wording for action ids that are not on the enforcement ladder.

    >>> ladder = ("none", "label", "notice", "remove", "lock", "suspend")
    >>> not_on_ladder(["ban"], ladder)
    "'ban' is not an action on the ladder (none, label, notice, remove, lock, suspend)"
    >>> not_on_ladder(["a", "b", "a"], ladder)
    "'a', 'b' are not actions on the ladder (none, label, notice, remove, lock, suspend)"
    """
    distinct = list(dict.fromkeys(values))
    verb = "is not an action" if len(distinct) == 1 else "are not actions"
    return f"{some(distinct)} {verb} on the ladder ({', '.join(ladder)})"


def missing(value) -> bool:
    """A value that says nothing, as :func:`kit.words.blank` has it, and also any other
    missing scalar pandas knows (a NumPy float32 NaN, a datetime64 NaT, ...).

    compare and the kappas take tables and sequences straight from a user, where such NumPy scalars
    turn up; list-likes are never missing.

    >>> import numpy as np
    >>> [missing(v) for v in (None, " ", np.float32("nan"), np.datetime64("NaT"), 0, ["x"])]
    [True, True, True, True, False, False]
    """
    if blank(value):
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # list-likes: not missing
        return False
