"""Scores of one comparison table (the table :func:`kit.compare.compare_decisions` returns):
were like items of the two leaders treated alike (:func:`consistency`), and Cohen's kappa
against Twitter (:func:`kappa_vs_twitter`). Pure, like :mod:`kit.compare`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .agreement import cohen_kappa
from .casebook import COMPARE_GROUPS
from .errors import KitDataError

PAIR_COLUMNS = ("compare_group", "trump_item", "khamenei_item", "trump_title", "khamenei_title",
                "trump_level", "khamenei_level", "diff", "alike", "twitter_trump_level",
                "twitter_khamenei_level", "twitter_diff", "twitter_alike")


def check_comparison(comparison, needed) -> None:
    """Raise :class:`kit.KitDataError` unless ``comparison`` is a table with the ``needed``
    columns (the table compare_decisions returns)."""
    if not isinstance(comparison, pd.DataFrame):
        raise KitDataError(f"expected the table from compare_decisions, got {type(comparison).__name__}",
                           file="comparison")
    missing = [c for c in needed if c not in comparison.columns]
    if missing:
        raise KitDataError(f"missing column(s) {', '.join(missing)}; pass the table "
                           "compare_decisions returns", file="comparison")


def one_learner(comparison, what) -> None:
    """Raise :class:`kit.KitDataError` when ``comparison`` holds several learners."""
    if "learner" in comparison.columns and comparison["learner"].nunique() > 1:
        raise KitDataError(f"{what} is worked out for one learner at a time; this table holds "
                           f"{comparison['learner'].nunique()} learners (select one first)",
                           file="comparison", column="learner")


@dataclass(frozen=True)
class Consistency:
    """How alike the two leaders' comparable items were treated (see :func:`consistency`).

    ``score`` and ``twitter_score`` are shares (0 to 1) of the cross-leader pairs
    treated alike, by the learner and by Twitter; NaN when there are no pairs.
    ``pairs`` has one row per pair (columns in :data:`PAIR_COLUMNS`);
    :meth:`summary` (also ``str()``) says it in words.

    >>> import pandas as pd
    >>> comp = pd.DataFrame({"item_id": ["T1", "K1"], "leader": ["trump", "khamenei"],
    ...                      "title": ["a post", "another post"], "compare_group": ["hate"] * 2,
    ...                      "level": [3, 0], "twitter_level": [0, 0]})
    >>> print(consistency(comp).summary())  # doctest: +NORMALIZE_WHITESPACE
    You treated 0 of 1 comparable Trump/Khamenei pairs alike (within 1 ladder step): 0%.
    Twitter treated 1 of the same pairs alike: 100%.
    You were less consistent across the two leaders than Twitter.
    Not treated alike (1):
    - hate: \u201ca post\u201d (Trump, level 3) vs \u201canother post\u201d (Khamenei, level 0): 3 steps harsher on Trump
    """

    score: float
    twitter_score: float
    pairs: pd.DataFrame = field(repr=False)
    tolerance: int = 1
    #: How many unlike pairs :meth:`summary` names before it says "... and N more".
    max_listed: int = 12

    @property
    def n_pairs(self) -> int:
        return len(self.pairs)

    def summary(self) -> str:
        """Plain-language summary naming the pairs that were not treated alike."""
        if not self.n_pairs:
            return ("No pairs to compare: decide at least one Trump item and one Khamenei "
                    "item in the same group (violence, misinformation, hate, account).")
        steps = "step" if self.tolerance == 1 else "steps"
        alike = int(self.pairs["alike"].sum())
        tw = int(self.pairs["twitter_alike"].sum())
        lines = [f"You treated {alike} of {self.n_pairs} comparable Trump/Khamenei pairs alike "
                 f"(within {self.tolerance} ladder {steps}): {self.score:.0%}. "
                 f"Twitter treated {tw} of the same pairs alike: {self.twitter_score:.0%}."]
        if self.score > self.twitter_score:
            lines.append("You were more consistent across the two leaders than Twitter.")
        elif self.score < self.twitter_score:
            lines.append("You were less consistent across the two leaders than Twitter.")
        else:
            lines.append("You were as consistent across the two leaders as Twitter.")
        unlike = self.pairs[~self.pairs["alike"]]
        if len(unlike):
            lines.append(f"Not treated alike ({len(unlike)}):")
            for p in unlike.head(self.max_listed).itertuples():
                harsher = "Trump" if p.diff > 0 else "Khamenei"
                lines.append(f"- {p.compare_group}: \u201c{p.trump_title}\u201d (Trump, level "
                             f"{p.trump_level}) vs \u201c{p.khamenei_title}\u201d (Khamenei, level "
                             f"{p.khamenei_level}): {abs(p.diff)} "
                             f"{'step' if abs(p.diff) == 1 else 'steps'} harsher on {harsher}")
            if len(unlike) > self.max_listed:
                lines.append(f"- ... and {len(unlike) - self.max_listed} more (see .pairs)")
        return "\n".join(lines)

    def headline(self) -> str:
        """The summary's first sentences (the scores and who was more consistent), without
        the list of pairs: for a page that shows :meth:`unlike_pairs` as a table."""
        return "\n".join(self.summary().split("\nNot treated alike (")[0].splitlines())

    def unlike_pairs(self) -> pd.DataFrame:
        """The pairs not treated alike, one row each, in words and numbers: group, the Trump
        item's title and step, the Khamenei item's title and step, how many steps apart and
        on whom harsher.

        >>> comp = pd.DataFrame({"item_id": ["T1", "K1"], "leader": ["trump", "khamenei"],
        ...                      "title": ["a post", "another post"], "compare_group": ["hate"] * 2,
        ...                      "level": [3, 0], "twitter_level": [0, 0]})
        >>> consistency(comp).unlike_pairs().values.tolist()
        [['hate', 'a post', 3, 'another post', 0, 3, 'Trump']]
        """
        unlike = self.pairs[~self.pairs["alike"].astype(bool)]
        return pd.DataFrame({
            "group": unlike["compare_group"].to_numpy(),
            "trump_item": unlike["trump_title"].to_numpy(),
            "trump_level": unlike["trump_level"].to_numpy(),
            "khamenei_item": unlike["khamenei_title"].to_numpy(),
            "khamenei_level": unlike["khamenei_level"].to_numpy(),
            "steps_apart": unlike["diff"].abs().to_numpy(),
            "harsher_on": ["Trump" if d > 0 else "Khamenei" for d in unlike["diff"]],
        })

    def by_group(self) -> pd.DataFrame:
        """Per group of like items: how many pairs, and the share treated alike by the
        learner (``alike``) and by Twitter (``twitter_alike``), groups in the kit's order.

        >>> comp = pd.DataFrame({"item_id": ["T1", "K1"], "leader": ["trump", "khamenei"],
        ...                      "title": ["a post", "another post"], "compare_group": ["hate"] * 2,
        ...                      "level": [3, 0], "twitter_level": [0, 0]})
        >>> consistency(comp).by_group().values.tolist()
        [['hate', 1, 0.0, 1.0]]
        """
        p = self.pairs
        g = (p.assign(alike=p["alike"].astype(float), twitter_alike=p["twitter_alike"].astype(float))
             .groupby("compare_group", sort=False)
             .agg(pairs=("alike", "size"), alike=("alike", "mean"),
                  twitter_alike=("twitter_alike", "mean")))
        order = [c for c in COMPARE_GROUPS if c in g.index] + [c for c in g.index
                                                              if c not in COMPARE_GROUPS]
        return g.loc[order].rename_axis("group").reset_index()

    def __str__(self):
        return self.summary()


def consistency(comparison: pd.DataFrame, tolerance: int = 1) -> Consistency:
    """Were like items of the two leaders treated alike? Scored against Twitter's own record.

    Every decided Trump item is paired with every decided Khamenei item in the same
    ``compare_group`` (items with no group are left out). A pair is *alike* when the
    two ladder levels differ by at most ``tolerance`` steps. ``score`` is the share
    of pairs alike; ``twitter_score`` is the same share for Twitter's actual actions
    on the same pairs, so a learner sees whether they were more or less consistent
    than Twitter. Both are NaN when there are no pairs (``summary()`` says so).
    In ``pairs``, ``diff`` is trump_level - khamenei_level (positive: harsher on Trump).

    Takes one learner's comparison (or a policy's); raises :class:`kit.KitDataError`
    if it holds several learners or ``tolerance`` is not a whole number >= 0.

    >>> import pandas as pd
    >>> comp = pd.DataFrame({
    ...     "item_id": ["T1", "T2", "K1"], "leader": ["trump", "trump", "khamenei"],
    ...     "title": ["a", "b", "c"], "compare_group": ["violence"] * 3,
    ...     "level": [5, 3, 0], "twitter_level": [5, 1, 0]})
    >>> c = consistency(comp)
    >>> c.pairs[["trump_item", "khamenei_item", "diff", "alike"]].values.tolist()
    [['T1', 'K1', 5, False], ['T2', 'K1', 3, False]]
    >>> c.score, c.twitter_score
    (0.0, 0.5)
    """
    check_comparison(comparison, ("item_id", "leader", "title", "compare_group", "level",
                                   "twitter_level"))
    one_learner(comparison, "consistency")
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, np.integer)) or tolerance < 0:
        raise KitDataError(f"tolerance must be a whole number of ladder steps, 0 or more "
                           f"(got {tolerance!r})", column="tolerance")
    tolerance = int(tolerance)
    keep = ["item_id", "title", "compare_group", "level", "twitter_level"]
    grouped = comparison[comparison["compare_group"].fillna("").astype(str) != ""]
    t = grouped.loc[grouped["leader"] == "trump", keep]
    k = grouped.loc[grouped["leader"] == "khamenei", keep]
    pairs = t.merge(k, on="compare_group", suffixes=("_t", "_k"), sort=False)
    pairs = pd.DataFrame({
        "compare_group": pairs["compare_group"].astype(str),
        "trump_item": pairs["item_id_t"], "khamenei_item": pairs["item_id_k"],
        "trump_title": pairs["title_t"], "khamenei_title": pairs["title_k"],
        "trump_level": pairs["level_t"].astype("int64"),
        "khamenei_level": pairs["level_k"].astype("int64"),
        "twitter_trump_level": pairs["twitter_level_t"].astype("int64"),
        "twitter_khamenei_level": pairs["twitter_level_k"].astype("int64"),
    })
    pairs["diff"] = pairs["trump_level"] - pairs["khamenei_level"]
    pairs["alike"] = (pairs["diff"].abs() <= tolerance).astype(bool)
    pairs["twitter_diff"] = pairs["twitter_trump_level"] - pairs["twitter_khamenei_level"]
    pairs["twitter_alike"] = (pairs["twitter_diff"].abs() <= tolerance).astype(bool)
    pairs = pairs[list(PAIR_COLUMNS)].reset_index(drop=True)
    n = len(pairs)
    score = float(pairs["alike"].mean()) if n else math.nan
    twitter_score = float(pairs["twitter_alike"].mean()) if n else math.nan
    return Consistency(score=score, twitter_score=twitter_score, pairs=pairs, tolerance=tolerance)


def kappa_vs_twitter(comparison: pd.DataFrame, weights=None) -> float:
    """Cohen's kappa between one learner's (or policy's) actions and Twitter's, on the ladder.

    Computed on ladder levels, so with ``weights="linear"`` a disagreement costs
    its distance in ladder steps. NaN when undefined (see :func:`cohen_kappa`).
    Raises :class:`kit.KitDataError` for a table holding several learners.

    >>> import pandas as pd
    >>> comp = pd.DataFrame({"level": [5, 0, 3, 0], "twitter_level": [5, 0, 0, 0]})
    >>> round(kappa_vs_twitter(comp), 4)  # 5/9: p_o = 3/4, p_e = 7/16
    0.5556
    >>> round(kappa_vs_twitter(comp, weights="linear"), 4)  # 1 - 0.15/0.45
    0.6667
    """
    check_comparison(comparison, ("level", "twitter_level"))
    one_learner(comparison, "kappa")
    mine = [int(v) for v in comparison["level"]]
    theirs = [int(v) for v in comparison["twitter_level"]]
    if not mine:
        return math.nan
    labels = list(range(min(mine + theirs), max(mine + theirs) + 1))
    return cohen_kappa(mine, theirs, labels=labels, weights=weights)
