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

import numpy as np
import pandas as pd

from .casebook import LEADERS, LIST_SEP
from .errors import KitDataError
from .agreement import cohen_kappa, fleiss_kappa  # noqa: F401  (kit.compare.fleiss_kappa etc.)
# The scores of a comparison table live in kit.consistency; kit.compare still offers them.
from .consistency import (PAIR_COLUMNS, Consistency, check_comparison,  # noqa: F401
                          consistency, kappa_vs_twitter)
from .words import missing, not_on_ladder, plural, some

COMPARISON_COLUMNS = (
    "item_id", "leader", "handle", "title", "compare_group", "action", "level",
    "twitter_action", "twitter_level", "gap", "agree", "rules", "twitter_rule_ids",
    "rules_overlap",
)
SUMMARY_COLUMNS = ("leader", "n", "agree_rate", "mean_gap", "mean_level",
                   "twitter_mean_level", "stricter", "more_lenient")
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
    check_comparison(comparison, ("leader", "gap", "level", "twitter_level", "agree"))
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
