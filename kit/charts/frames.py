"""The tables charts draw from: input checks, the row limit, and the ladder as a table.

Every chart function checks its input table here (a clear :class:`kit.KitDataError`
naming the table and the missing columns), aggregates in pandas, and checks that
the rows it will draw stay under Altair's limit (:data:`kit.charts.MAX_ROWS`).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..errors import KitDataError
from .style import MAX_ROWS


def require(frame, columns, what: str, hint: str) -> None:
    """Raise a KitDataError unless ``frame`` is a DataFrame with ``columns``.

    >>> require(pd.DataFrame({"a": [1]}), ("a", "b"), "timeline", "pass outcome_timeline(...)")
    Traceback (most recent call last):
    ...
    kit.errors.KitDataError: timeline: missing column(s) b; pass outcome_timeline(...)
    """
    if not isinstance(frame, pd.DataFrame):
        raise KitDataError(f"expected a table (DataFrame), got {type(frame).__name__}; {hint}",
                           file=what)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KitDataError(f"missing column(s) {', '.join(missing)}; {hint}", file=what)


def check_rows(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    """``frame`` itself, or a KitDataError if it has more rows than a chart can draw."""
    if len(frame) > MAX_ROWS:
        raise KitDataError(f"{len(frame):,} rows are too many to draw (at most {MAX_ROWS:,}); "
                           "pass fewer rows", file=what)
    return frame


def first_items(frame: pd.DataFrame, per_item: int) -> tuple[pd.DataFrame, int, int]:
    """Keep whole items, in order, so that at most MAX_ROWS rows remain.

    Returns the rows kept, the number of items kept and the number of items given.
    """
    ids = list(dict.fromkeys(frame["item_id"]))
    keep = max(1, MAX_ROWS // max(1, per_item))
    if len(ids) <= keep:
        return frame, len(ids), len(ids)
    return frame[frame["item_id"].isin(set(ids[:keep]))], keep, len(ids)


def ids_text(value) -> str:
    """A list of source ids as text for a tooltip ("S1; S2"); "" for none.

    >>> ids_text(("S1", "S2")), ids_text(None), ids_text("S3")
    ('S1; S2', '', 'S3')
    """
    if isinstance(value, (tuple, list)):
        return "; ".join(str(v) for v in value)
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


def ladder_frame(casebook=None, pairs=(), span=()) -> pd.DataFrame:
    """The ladder (action_id, name, level), mildest first, for an axis or a colour scale.

    With ``casebook``: the case file's ladder (``casebook.ladder``). Otherwise it is
    built from the (action, level) pairs found in a table, with every whole level
    in between (and up to the levels in ``span``) filled in; a level with no known
    action gets action_id "" (its axis label is the bare number).

    >>> ladder_frame(pairs=[("none", 0), ("lock", 4)], span=[4.5]).values.tolist()
    [['none', 'none', 0], ['', '', 1], ['', '', 2], ['', '', 3], ['lock', 'lock', 4], ['', '', 5]]
    """
    if casebook is not None:
        ids = list(casebook.ladder)
        return pd.DataFrame({"action_id": ids, "name": [casebook.action_names[a] for a in ids],
                             "level": np.array([casebook.action_levels[a] for a in ids],
                                               dtype=np.int64)})
    rows = {}
    for action, level in pairs:
        if action is None or (not isinstance(action, str) and pd.isna(action)):
            continue
        if level is None or pd.isna(level) or float(level) != int(level):
            continue
        rows.setdefault(int(level), str(action))
    span = [float(v) for v in span if not pd.isna(v)]
    found = list(rows) + [math.floor(v) for v in span] + [math.ceil(v) for v in span]
    levels = list(range(min(found), max(found) + 1)) if found else []
    ids = [rows.get(lv, "") for lv in levels]
    return pd.DataFrame({"action_id": ids, "name": ids, "level": levels},
                        columns=["action_id", "name", "level"]).astype({"level": "int64"})
