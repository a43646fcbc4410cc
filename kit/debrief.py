"""The debrief: the items the class was most divided on, with opposite rationales side by side.

Pure functions on a :class:`kit.classroom.ClassResults` (no widgets, no files).

**How division is measured.** For each item, over the learners who decided it:
the *spread* is the standard deviation of the ladder levels they chose (population
standard deviation, in ladder steps: 0 when everyone chose the same level; about 2.5
when half chose "no action" and half "permanent suspension"). Ties are broken by the
*entropy* of the actions chosen (Shannon entropy divided by its maximum for the
ladder, 0 to 1), then by how many learners decided the item, then case-file order.
The spread comes first because a split between "no action" and "suspension" is a
deeper disagreement than one between two neighbouring steps. Only items decided by
at least :data:`MIN_LEARNERS` learners with at least two different levels count.

**Opposite rationales.** The learners of an item are split at the class's mean level
for it: the *mild* side chose a level below the mean, the *severe* side a level above
it (a learner exactly at the mean is on neither side). Each pair puts one written
rationale from each side next to each other, the most extreme levels first (then the
longer rationale, then the label), so every pair really is opposite: the mild one's
level is below the severe one's. Learners are named only by their anonymous label.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: How many items the debrief shows, and how many pairs of rationales per item.
DEBRIEF_ITEMS = 4
DEBRIEF_PAIRS = 2
#: An item needs this many learners to count as divided.
MIN_LEARNERS = 2
#: Columns of :func:`division_table`.
DIVISION_COLUMNS = ("item_id", "title", "n", "mean_level", "spread", "entropy", "mild_n",
                    "severe_n")


@dataclass(frozen=True)
class Voice:
    """One learner's side of a pair: label, action, level and rationale as written."""

    label: str
    action: str
    level: int
    rationale: str


@dataclass(frozen=True)
class DebriefItem:
    """One divided item: its division figures, how many chose each action (ladder
    order), and up to :data:`DEBRIEF_PAIRS` pairs ``(mild Voice, severe Voice)``."""

    item_id: str
    title: str
    n: int
    mean_level: float
    spread: float
    entropy: float
    counts: dict = field(default_factory=dict)
    mild_n: int = 0
    severe_n: int = 0
    pairs: list = field(default_factory=list)


def division_table(results, casebook) -> pd.DataFrame:
    """One row per item decided by at least :data:`MIN_LEARNERS` learners with two or
    more different levels, most divided first (see the module text): item_id, title,
    n, mean_level, spread, entropy, mild_n, severe_n.

    >>> import kit, tempfile
    >>> cb = kit.load_casebook()
    >>> folder, first = tempfile.mkdtemp(), cb.items.item_id[0]
    >>> for who, action in (("a", "none"), ("b", "suspend"), ("c", "none")):
    ...     log = kit.DecisionLog.for_learner(who, folder=folder, casebook=cb)
    ...     _ = log.record(first, [], action)
    >>> t = division_table(kit.collect_class(folder, cb), cb)
    >>> t[["item_id", "n", "mild_n", "severe_n"]].values.tolist() == [[first, 3, 2, 1]]
    True
    """
    d = results.decisions
    if not len(d):
        return pd.DataFrame(columns=list(DIVISION_COLUMNS))
    ladder = list(casebook.ladder)
    levels = d.groupby("item_id", sort=False)["level"]
    stats = pd.DataFrame({"n": levels.size(), "mean_level": levels.mean(),
                          "spread": levels.std(ddof=0), "distinct": levels.nunique()})
    counts = pd.crosstab(d["item_id"], pd.Categorical(d["action"], categories=ladder),
                         dropna=False)
    shares = counts.div(counts.sum(axis=1), axis=0).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ent = -np.nansum(np.where(shares > 0, shares * np.log(shares), 0.0), axis=1)
    stats["entropy"] = pd.Series(ent / math.log(len(ladder)) if len(ladder) > 1 else 0.0,
                                 index=counts.index)
    mean = d["item_id"].map(stats["mean_level"])
    stats["mild_n"] = (d["level"] < mean - 1e-9).groupby(d["item_id"]).sum()
    stats["severe_n"] = (d["level"] > mean + 1e-9).groupby(d["item_id"]).sum()
    order = {item: pos for pos, item in enumerate(casebook.item_order)}
    titles = casebook.items.set_index("item_id")["title"]
    stats = stats[(stats["n"] >= MIN_LEARNERS) & (stats["distinct"] >= 2)].copy()
    stats["item_id"] = stats.index
    stats["title"] = stats["item_id"].map(titles)
    stats["_pos"] = stats["item_id"].map(order)
    stats = stats.sort_values(["spread", "entropy", "n", "_pos"],
                              ascending=[False, False, False, True], kind="stable")
    out = stats[list(DIVISION_COLUMNS)].reset_index(drop=True)
    return out.astype({"n": "int64", "mild_n": "int64", "severe_n": "int64"})


def debrief_items(results, casebook, labels, top: int = DEBRIEF_ITEMS,
                  pairs: int = DEBRIEF_PAIRS) -> list:
    """The ``top`` most divided items (:func:`division_table`), each with up to ``pairs``
    pairs of opposite rationales (see the module text). ``labels(name) -> label``
    (e.g. :class:`kit.classnames.AnonymousLabels`) names the learners; rationales are
    as written (escape them before HTML); blank ones are never paired."""
    table = division_table(results, casebook).head(top)
    if not len(table):
        return []
    ladder = list(casebook.ladder)
    r = results.rationales if results.rationales is not None else results.decisions
    wanted = set(table["item_id"])
    rows = r[r["item_id"].isin(wanted)]
    out = []
    for t in table.itertuples(index=False):
        mine = rows[rows["item_id"] == t.item_id]
        counts = mine["action"].value_counts()
        voices = [Voice(labels(w.learner), w.action, int(w.level), str(w.rationale))
                  for w in mine.itertuples(index=False)
                  if isinstance(getattr(w, "rationale", ""), str) and w.rationale.strip()]
        mild = sorted((v for v in voices if v.level < t.mean_level - 1e-9),
                      key=lambda v: (v.level, -len(v.rationale.strip()), v.label))
        severe = sorted((v for v in voices if v.level > t.mean_level + 1e-9),
                        key=lambda v: (-v.level, -len(v.rationale.strip()), v.label))
        out.append(DebriefItem(t.item_id, t.title, int(t.n), float(t.mean_level),
                               float(t.spread), float(t.entropy),
                               {a: int(counts.get(a, 0)) for a in ladder},
                               int(t.mild_n), int(t.severe_n),
                               list(zip(mild, severe))[:pairs]))
    return out
