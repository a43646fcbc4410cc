"""Who ran a disputed account: which way the case file's evidence points, claimant by claimant.

Pure: rows of ``casebook.evidence`` in, a direction out. The attribution board
(``kit.widgets.AttributionBoard``) shows the results; nothing here knows about widgets.
"""
from __future__ import annotations

from collections import Counter

#: The directions a piece of evidence can point, in the order a tie is broken
#: (``evidence.csv``'s ``points_to`` also allows "unclear", which points nowhere).
DIRECTIONS = ("official", "linked", "impostor")
#: A learner weighing a piece as "unsure" agrees with the data's "unclear".
_SAME = {"unsure": "unclear"}


def verdict(evidence, claimant: str):
    """Which way a claimant's evidence points: the commonest direction other than "unclear".

    Rows count when ``claimed_by`` starts with ``claimant`` (case-insensitive).
    Returns ``(direction or None, rows)``; a tie goes to the first in the order
    official, linked, impostor.

    >>> import pandas as pd
    >>> ev = pd.DataFrame({"claimed_by": ["Twitter", "Twitter (again)", "ASD"],
    ...                    "points_to": ["impostor", "unclear", "linked"]})
    >>> verdict(ev, "twitter")[0], len(verdict(ev, "twitter")[1])
    ('impostor', 2)
    >>> verdict(ev, "nobody")[0] is None
    True
    """
    mine = evidence[evidence["claimed_by"].astype(str).str.lower().str.startswith(claimant.lower())]
    counts = Counter(p for p in mine["points_to"] if p != "unclear")
    if not counts:
        return None, mine
    best = max(counts.values())
    return next(p for p in DIRECTIONS if counts.get(p) == best), mine


def weighed_alike(weight: str, points_to: str) -> bool:
    """Whether a learner's weighing of a piece agrees with the way its source reads it.

    The learner's "unsure" matches the data's "unclear"; an empty weighing (not
    weighed yet) never matches.

    >>> weighed_alike("linked", "linked"), weighed_alike("unsure", "unclear"), weighed_alike("", "")
    (True, True, False)
    """
    return bool(weight) and _SAME.get(weight, weight) == points_to
