"""Decisions or policy predictions against what Twitter actually did: tables and scores.

Everything here is pure: DataFrames in, DataFrames (or small result objects) out,
no files, no globals. The input is any table with ``item_id`` and ``action``
columns, so a learner's decisions (``DecisionLog.table()``) and a policy's
predictions (``apply_policy`` output) are compared the same way.

Severity levels always come from the case file's enforcement ladder
(``casebook.action_levels``); nothing here knows that "suspend" is level 5.

Agreement statistics:

* :func:`cohen_kappa` - two raters (e.g. a learner and Twitter), unweighted or
  linearly weighted (the ladder is ordinal: "remove" is closer to "lock" than to
  "none").
* :func:`fleiss_kappa` - many raters over the same items (a class).

Both return ``nan`` when kappa is undefined: when chance agreement is already
total (every rating falls in one category, so there is nothing for agreement
"beyond chance" to measure) or when there is nothing to rate.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .casebook import COMPARE_GROUPS, LEADERS, LIST_SEP
from .errors import KitDataError
from .agreement import cohen_kappa, fleiss_kappa  # noqa: F401  (kit.compare.fleiss_kappa etc.)
from .words import missing, not_on_ladder, plural, some

COMPARISON_COLUMNS = (
    "item_id", "leader", "handle", "title", "compare_group", "action", "level",
    "twitter_action", "twitter_level", "gap", "agree", "rules", "twitter_rule_ids",
    "rules_overlap",
)
SUMMARY_COLUMNS = ("leader", "n", "agree_rate", "mean_gap", "mean_level",
                   "twitter_mean_level", "stricter", "more_lenient")
PAIR_COLUMNS = ("compare_group", "trump_item", "khamenei_item", "trump_title", "khamenei_title",
                "trump_level", "khamenei_level", "diff", "alike", "twitter_trump_level",
                "twitter_khamenei_level", "twitter_diff", "twitter_alike")

_WHERE = "decisions"  # how error messages name the table handed to compare_decisions


def as_rule_tuple(value, *, where=_WHERE, column="rules") -> tuple:
    """Normalise a rules cell to a tuple of rule ids (order kept, duplicates dropped).

    Accepts a tuple, list or set of ids, a ``;``-separated string (as in the CSV
    files) or a blank value (no rules).

    >>> as_rule_tuple("hateful_conduct; abusive_behavior")
    ('hateful_conduct', 'abusive_behavior')
    >>> as_rule_tuple(None), as_rule_tuple(["a", "a", "b"])
    ((), ('a', 'b'))
    """
    if isinstance(value, str):
        parts = value.split(LIST_SEP)
    elif isinstance(value, (tuple, list, set, frozenset, np.ndarray, pd.Series)):
        parts = sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    elif missing(value):
        return ()
    else:
        raise KitDataError(f"{value!r} is not a list of rule ids", file=where, column=column)
    out = []
    for p in parts:
        if not isinstance(p, str):
            raise KitDataError(f"{p!r} is not a rule id", file=where, column=column)
        p = p.strip()
        if p and p not in out:
            out.append(p)
    return tuple(out)


def _jaccard(a: tuple, b: tuple) -> float:
    sa, sb = set(a), set(b)
    union = sa | sb
    return len(sa & sb) / len(union) if union else math.nan


def compare_decisions(decisions: pd.DataFrame, casebook) -> pd.DataFrame:
    """Each decided item next to Twitter's actual action: one row per decided item.

    ``decisions`` needs ``item_id`` and ``action`` columns; ``rules`` (tuple,
    list or ``;``-separated ids) and ``learner`` are optional and extra columns are
    ignored. Rows whose action is blank are undecided and left out. With a
    ``learner`` column the result has one row per learner and item (learners in
    sorted order) and ``learner`` as its first column.

    Columns, rows in case-file item order:

    ``item_id, leader, handle, title, compare_group`` (from the case file;
    ``compare_group`` is "" for items outside the consistency comparison),
    ``action, level`` (the decision and its ladder level), ``twitter_action,
    twitter_level``, ``gap`` (level - twitter_level in ladder steps: positive =
    stricter than Twitter), ``agree`` (same action as Twitter), ``rules``
    (tuple), ``twitter_rule_ids`` (tuple), ``rules_overlap`` (Jaccard index of the
    two rule sets, shared / either, 0 to 1; NaN when both sets are empty or when
    the decisions carry no ``rules`` column, since then there is nothing to compare).

    Raises :class:`kit.KitDataError` for a missing column, an unknown item,
    action or rule id, a blank item id, or an item decided twice (by one learner).

    >>> import pandas as pd, kit
    >>> cb = kit.load_casebook()
    >>> first = cb.items.iloc[0]
    >>> out = compare_decisions(pd.DataFrame({"item_id": [first.item_id],
    ...                                       "action": ["suspend"]}), cb)
    >>> out.level.tolist(), bool(out.gap[0] == 5 - cb.action_levels[first.twitter_action])
    ([5], True)
    >>> compare_decisions(pd.DataFrame({"item_id": ["no-such-item"], "action": ["suspend"]}), cb)
    Traceback (most recent call last):
    ...
    kit.errors.KitDataError: decisions, column 'item_id': 'no-such-item' is not an item in the case file
    """
    rows = _checked_decisions(decisions, casebook)
    out = _beside_twitter(rows, casebook, with_rules="rules" in decisions.columns)
    cols = (["learner"] if "learner" in decisions.columns else []) + list(COMPARISON_COLUMNS)
    return out[cols]


def _checked_decisions(decisions, casebook) -> pd.DataFrame:
    """A user's table of decisions, checked once, as the decided rows only: learner
    ("" without a learner column), item_id, action (stripped), rules (tuples)."""
    if not isinstance(decisions, pd.DataFrame):
        raise KitDataError(f"expected a table (DataFrame) of decisions, got {type(decisions).__name__}",
                           file=_WHERE)
    for col in ("item_id", "action"):
        if col not in decisions.columns:
            raise KitDataError(f"the column is missing (the table has: "
                               f"{', '.join(map(str, decisions.columns)) or 'no columns'})",
                               file=_WHERE, column=col)
    d = decisions[~decisions["action"].map(missing).astype(bool)]
    if d["item_id"].map(missing).any():
        raise KitDataError("an item id is blank", file=_WHERE, column="item_id")
    item_ids = _known(d["item_id"].astype(str).str.strip(), casebook.item_order, "item_id",
                      ("is not an item", "are not items"), "in the case file")
    actions = d["action"].astype(str).str.strip()
    off_ladder = actions[~actions.isin(set(casebook.ladder))]
    if len(off_ladder):
        raise KitDataError(not_on_ladder(off_ladder, casebook.ladder), file=_WHERE, column="action")
    if "learner" in d.columns:
        if d["learner"].map(missing).any():
            raise KitDataError("a learner name is blank", file=_WHERE, column="learner")
        learners = d["learner"].astype(str)
    else:
        learners = pd.Series("", index=d.index)
    rules = _rule_tuples(d["rules"], casebook) if "rules" in d.columns else [()] * len(d)
    out = pd.DataFrame({"learner": learners.to_numpy(), "item_id": item_ids.to_numpy(),
                        "action": actions.to_numpy(), "rules": pd.Series(rules, dtype=object)})
    dup = out.duplicated(["learner", "item_id"])
    if dup.any():
        who = out.loc[dup].iloc[0]
        by = f" by learner {who.learner!r}" if "learner" in d.columns else ""
        raise KitDataError(f"item {who.item_id!r} is decided more than once{by}; "
                           "give one decision per item", file=_WHERE, column="item_id")
    return out


def _known(values: pd.Series, known, column: str, words: tuple, where: str) -> pd.Series:
    """``values`` when every one is in ``known``; else KitDataError naming them, in the
    wording the decision reader uses too: "'ban' is not an action on the ladder (none, ...)"."""
    bad = values[~values.isin(set(known))]
    if len(bad):
        raise KitDataError(f"{some(bad)} {words[0] if bad.nunique() == 1 else words[1]} {where}",
                           file=_WHERE, column=column)
    return values


def _rule_tuples(cells: pd.Series, casebook) -> list:
    rules = [as_rule_tuple(v) for v in cells]
    known = set(casebook.rule_names)
    unknown = [r for rs in rules for r in rs if r not in known]
    if unknown:
        raise KitDataError(f"{some(unknown)} {'is not a rule' if len(set(unknown)) == 1 else 'are not rules'}"
                           " in the case file", file=_WHERE, column="rules")
    return rules


def _beside_twitter(rows: pd.DataFrame, casebook, with_rules: bool) -> pd.DataFrame:
    """Checked decision rows joined with the case file and Twitter's action, in learner
    then case-file item order, with levels, gap, agreement and rule overlap."""
    levels = casebook.action_levels
    info = casebook.items[["item_id", "leader", "handle", "title", "compare_group",
                           "twitter_action", "twitter_rule_ids"]]
    out = rows.merge(info, on="item_id", how="left", validate="many_to_one")
    position = {item_id: n for n, item_id in enumerate(casebook.item_order)}
    out = out.assign(_order=out["item_id"].map(position))
    out = out.sort_values(["learner", "_order"], kind="stable").reset_index(drop=True)
    out["level"] = out["action"].map(levels).astype("int64")
    out["twitter_level"] = out["twitter_action"].map(levels).astype("int64")
    out["gap"] = out["level"] - out["twitter_level"]
    out["agree"] = (out["action"] == out["twitter_action"]).astype(bool)
    out["compare_group"] = out["compare_group"].fillna("").astype(str)
    tw_rules = [tuple(r) if isinstance(r, tuple) else () for r in out["twitter_rule_ids"]]
    out["twitter_rule_ids"] = pd.Series(tw_rules, dtype=object)
    if with_rules:
        overlap = [_jaccard(a, b) for a, b in zip(out["rules"], tw_rules)]
    else:
        overlap = [math.nan] * len(out)
    out["rules_overlap"] = pd.Series(overlap, dtype="float64")
    return out


def _check_comparison(comparison, needed) -> None:
    if not isinstance(comparison, pd.DataFrame):
        raise KitDataError(f"expected the table from compare_decisions, got {type(comparison).__name__}",
                           file="comparison")
    missing = [c for c in needed if c not in comparison.columns]
    if missing:
        raise KitDataError(f"missing column(s) {', '.join(missing)}; pass the table "
                           "compare_decisions returns", file="comparison")


def _one_learner(comparison, what) -> None:
    if "learner" in comparison.columns and comparison["learner"].nunique() > 1:
        raise KitDataError(f"{what} is worked out for one learner at a time; this table holds "
                           f"{comparison['learner'].nunique()} learners (select one first)",
                           file="comparison", column="learner")


def gap_verdict(level: int, twitter_level: int, rules=(), twitter_rules=()) -> str:
    """How far one decision is from Twitter's, in words: ladder steps, then rules shared.

    ``level`` and ``twitter_level`` are steps on the ladder (``casebook.action_levels``);
    ``rules`` are the rule ids the learner ticked, ``twitter_rules`` those Twitter cited
    (the sentence on rules is left out when Twitter cited none).

    >>> gap_verdict(5, 4, (), ("civic_integrity",))
    'You were 1 step stricter than Twitter. You ticked 0 of the 1 rule(s) Twitter cited.'
    >>> gap_verdict(0, 2)
    'You were 2 steps more lenient than Twitter.'
    >>> gap_verdict(3, 3, ("a", "b"), ("b",))
    'You chose the same step of the ladder as Twitter. You ticked 1 of the 1 rule(s) Twitter cited.'
    """
    gap = int(level) - int(twitter_level)
    if gap == 0:
        words = "You chose the same step of the ladder as Twitter."
    else:
        way = "stricter" if gap > 0 else "more lenient"
        words = f"You were {plural(abs(gap), 'step')} {way} than Twitter."
    if twitter_rules:
        shared = set(rules) & set(twitter_rules)
        words += f" You ticked {len(shared)} of the {len(twitter_rules)} rule(s) Twitter cited."
    return words


def leader_summary(comparison: pd.DataFrame) -> pd.DataFrame:
    """Per leader: how many items, how often Twitter's action was matched, and which way off.

    Columns: ``leader, n, agree_rate`` (share of items with Twitter's action),
    ``mean_gap`` (mean of level - twitter_level), ``mean_level, twitter_mean_level,
    stricter`` (items with gap > 0), ``more_lenient`` (gap < 0). One row per leader
    of the case file, in the kit's order (trump, khamenei), even with no items
    decided (n = 0, rates NaN); any other leader found follows.

    >>> import pandas as pd
    >>> comp = pd.DataFrame({"leader": ["trump", "trump", "khamenei"], "gap": [0, 2, -1],
    ...                      "level": [5, 3, 0], "twitter_level": [5, 1, 1],
    ...                      "agree": [True, False, False]})
    >>> leader_summary(comp).to_dict("records")[0]
    {'leader': 'trump', 'n': 2, 'agree_rate': 0.5, 'mean_gap': 1.0, 'mean_level': 4.0, 'twitter_mean_level': 3.0, 'stricter': 1, 'more_lenient': 0}
    """
    _check_comparison(comparison, ("leader", "gap", "level", "twitter_level", "agree"))
    leaders = list(LEADERS) + sorted(set(comparison["leader"]) - set(LEADERS))
    rows = []
    for leader in leaders:
        c = comparison[comparison["leader"] == leader]
        n = len(c)
        rows.append({
            "leader": leader,
            "n": n,
            "agree_rate": float(c["agree"].mean()) if n else math.nan,
            "mean_gap": float(c["gap"].mean()) if n else math.nan,
            "mean_level": float(c["level"].mean()) if n else math.nan,
            "twitter_mean_level": float(c["twitter_level"].mean()) if n else math.nan,
            "stricter": int((c["gap"] > 0).sum()),
            "more_lenient": int((c["gap"] < 0).sum()),
        })
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


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
    _check_comparison(comparison, ("item_id", "leader", "title", "compare_group", "level",
                                   "twitter_level"))
    _one_learner(comparison, "consistency")
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
    _check_comparison(comparison, ("level", "twitter_level"))
    _one_learner(comparison, "kappa")
    mine = [int(v) for v in comparison["level"]]
    theirs = [int(v) for v in comparison["twitter_level"]]
    if not mine:
        return math.nan
    labels = list(range(min(mine + theirs), max(mine + theirs) + 1))
    return cohen_kappa(mine, theirs, labels=labels, weights=weights)
