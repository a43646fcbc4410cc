"""What a policy's predictions mean per account and over time, in tables and in words.

:func:`account_outcomes` and :func:`outcome_timeline` summarise the table
:func:`kit.policy.apply_policy` returns; :func:`outcome_rows` and
:func:`outcome_sentences` say per account what the policy would do next to what
Twitter did; :func:`compare_policies` does it for several policies at once.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from ..casebook import Casebook
from ..errors import KitDataError
from ..words import blank, day
from .apply import apply_policy
from .model import PRESETS, Policy  # noqa: F401 (PRESETS: for the doctests)

#: Columns of :func:`account_outcomes`' table, in order.
OUTCOME_COLUMNS = ("handle", "leader", "attribution", "first_notice", "first_removal",
                   "locked_on", "suspended_on", "twitter_locked_on", "twitter_suspended_on",
                   "outcome", "twitter_outcome")


def _check_predictions(predictions, needed):
    if not isinstance(predictions, pd.DataFrame):
        raise KitDataError("expected the table apply_policy returns, not "
                           f"{type(predictions).__name__}")
    missing = [c for c in needed if c not in predictions.columns]
    if missing:
        raise KitDataError(f"missing column(s) {', '.join(missing)}; pass the table "
                           "apply_policy returns")


def _earliest(known, date):
    return date if known is None or date < known else known


def account_outcomes(predictions: pd.DataFrame, casebook: Casebook) -> pd.DataFrame:
    """Per account: when the policy (and Twitter) first noticed, removed, locked, suspended.

    One row per account that has items, in the kit's leader order
    (``casebook.leader_order``: Trump's accounts, then Khamenei's), then by handle
    (ignoring case), with columns handle, leader, attribution, first_notice,
    first_removal (first post removed, including removals that came with a lock),
    locked_on, suspended_on (dates under the policy, NaT if never),
    twitter_locked_on, twitter_suspended_on (Twitter's action date, or the item's
    date where that is missing), outcome and twitter_outcome (the most severe
    action reached).

    Locks and suspensions belong to the strike pool: when a leader's accounts
    share one, a suspension reaches each of them, dated no earlier than the
    account's first item (an account that first appears after its pool was
    suspended counts as suspended from that first item). A lock counts for an
    account if it fell on or after the account's first item.

    >>> import kit
    >>> cb = kit.load_casebook()
    >>> out = account_outcomes(apply_policy(PRESETS["same_rules"], cb), cb)
    >>> out.outcome.isin(cb.action_levels).all() and out.handle.is_unique
    True
    >>> out.leader.iloc[0], out.leader.iloc[-1]
    ('trump', 'khamenei')
    """
    _check_predictions(predictions, ("item_id", "handle", "leader", "kind", "date", "action",
                                     "account_status"))
    p, items, levels = predictions, casebook.items, casebook.action_levels
    twitter = dict(zip(items.item_id.tolist(), zip(items.twitter_action.tolist(),
                                                   items.twitter_action_date.tolist())))
    pools = (p["pool"].tolist() if "pool" in p.columns
             else ["account:" + h for h in p["handle"].tolist()])
    per = {}  # handle -> what happened to it
    pool_locks, pool_suspended = defaultdict(list), {}
    for item_id, handle, leader, pool, kind, date, action, status in zip(
            p["item_id"].tolist(), p["handle"].tolist(), p["leader"].tolist(), pools,
            p["kind"].tolist(), p["date"].tolist(), p["action"].tolist(),
            p["account_status"].tolist()):
        if item_id not in twitter:
            raise KitDataError(f"item {item_id!r} is not in this case file; pass the table "
                               "apply_policy returns for it")
        tw_action, tw_date = twitter[item_id]
        if blank(tw_date):
            tw_date = date
        f = per.setdefault(handle, {
            "leader": leader, "pool": pool, "start": date, "own": levels[action],
            "tw": levels[tw_action], "first_notice": None, "first_removal": None,
            "twitter_locked_on": None, "twitter_suspended_on": None})
        f["start"] = min(f["start"], date)
        f["own"] = max(f["own"], levels[action])
        f["tw"] = max(f["tw"], levels[tw_action])
        if action == "notice":
            f["first_notice"] = _earliest(f["first_notice"], date)
        if kind == "post" and action in ("remove", "lock"):
            f["first_removal"] = _earliest(f["first_removal"], date)
        if action == "lock":
            pool_locks[pool].append(date)
        if status == "suspended":
            pool_suspended[pool] = _earliest(pool_suspended.get(pool), date)
        if tw_action == "lock":
            f["twitter_locked_on"] = _earliest(f["twitter_locked_on"], tw_date)
        if tw_action == "suspend":
            f["twitter_suspended_on"] = _earliest(f["twitter_suspended_on"], tw_date)

    for f in per.values():  # the pool's lock and suspension reach each of its accounts
        locks = [d for d in pool_locks[f["pool"]] if d >= f["start"]]
        f["locked_on"] = min(locks) if locks else None
        s = pool_suspended.get(f["pool"])
        f["suspended_on"] = None if s is None else max(s, f["start"])
        if f["locked_on"] is not None:
            f["own"] = max(f["own"], levels["lock"])
        if f["suspended_on"] is not None:
            f["own"] = levels["suspend"]
    return _outcome_table(per, p, casebook)


def _outcome_table(per, predictions, casebook) -> pd.DataFrame:
    """:func:`account_outcomes`' table from its facts per handle, in leader order."""
    rank = {leader: n for n, leader in enumerate(casebook.leader_order)}
    order = sorted(per, key=lambda h: (rank.get(per[h]["leader"], len(rank)), h.lower(),
                                       per[h]["leader"], h))
    by_level = {level: action for action, level in casebook.action_levels.items()}
    attribution = dict(zip(casebook.accounts.handle, casebook.accounts.attribution))
    date_type = predictions["date"].dtype
    out = {"handle": pd.array(order, dtype=predictions["handle"].dtype),
           "leader": pd.array([per[h]["leader"] for h in order],
                              dtype=predictions["leader"].dtype),
           "attribution": pd.array([attribution.get(h) for h in order],
                                   dtype=casebook.accounts.attribution.dtype)}
    for col in OUTCOME_COLUMNS[3:9]:
        out[col] = pd.Series([per[h][col] for h in order], dtype=date_type)
    out["outcome"] = [by_level[per[h]["own"]] for h in order]
    out["twitter_outcome"] = [by_level[per[h]["tw"]] for h in order]
    return pd.DataFrame(out)


def outcome_timeline(predictions: pd.DataFrame) -> pd.DataFrame:
    """Long-format rows for a chart of each account's actions over time.

    Two rows per item: one with source ``"policy"`` (the predicted action) and one
    with source ``"Twitter"`` (Twitter's actual action), both at the item's date.
    Columns: handle, leader, date, source, action, level; sorted by leader, handle,
    date, then policy before Twitter.

    >>> pred = pd.DataFrame({"item_id": ["T1"], "handle": ["a"], "leader": ["trump"],
    ...                      "date": pd.to_datetime(["2021-01-06"]), "action": ["lock"],
    ...                      "level": [4], "twitter_action": ["remove"], "twitter_level": [3]})
    >>> outcome_timeline(pred)[["source", "action", "level"]].values.tolist()
    [['policy', 'lock', 4], ['Twitter', 'remove', 3]]
    """
    _check_predictions(predictions, ("handle", "leader", "date", "action", "level",
                                     "twitter_action", "twitter_level"))
    p = predictions
    handles, leaders, dates = p["handle"].tolist(), p["leader"].tolist(), p["date"].tolist()
    order = sorted(range(len(p)), key=lambda i: (leaders[i], handles[i], dates[i]))
    twice = [i for i in order for _ in ("policy", "Twitter")]
    actions, tw_actions = p["action"].tolist(), p["twitter_action"].tolist()
    levels, tw_levels = p["level"].tolist(), p["twitter_level"].tolist()
    return pd.DataFrame({
        "handle": p["handle"].array.take(twice), "leader": p["leader"].array.take(twice),
        "date": p["date"].array.take(twice),
        "source": ["policy", "Twitter"] * len(order),
        "action": [a for i in order for a in (actions[i], tw_actions[i])],
        "level": np.array([v for i in order for v in (levels[i], tw_levels[i])], dtype=np.int64),
    })


# --------------------------------------------------------------------------- outcomes in words

def outcome_rows(outcomes: pd.DataFrame, names) -> list:
    """``(handle, leader, policy text, Twitter text)`` per account from ``account_outcomes``.

    ``names`` maps action ids to the words shown (``casebook.action_names``).

    >>> out = pd.DataFrame({"handle": ["a"], "leader": ["trump"],
    ...     "first_notice": [pd.NaT], "first_removal": [pd.Timestamp("2021-01-06")],
    ...     "locked_on": [pd.NaT], "suspended_on": [pd.Timestamp("2021-01-08")],
    ...     "twitter_locked_on": [pd.Timestamp("2021-01-06")], "twitter_suspended_on": [pd.NaT],
    ...     "outcome": ["suspend"], "twitter_outcome": ["lock"]})
    >>> outcome_rows(out, {})
    [('a', 'trump', 'removal from 2021-01-06 · suspended 2021-01-08', 'locked 2021-01-06')]
    """
    rows = []
    for r in outcomes.itertuples(index=False):
        mine = [f"{word} {day(d)}" for word, d in (
            ("notice from", r.first_notice), ("removal from", r.first_removal),
            ("locked", r.locked_on), ("suspended", r.suspended_on)) if day(d)]
        theirs = [f"{word} {day(d)}" for word, d in (
            ("locked", r.twitter_locked_on), ("suspended", r.twitter_suspended_on)) if day(d)]
        if not mine:
            mine = [names.get(r.outcome, r.outcome) if r.outcome != "none" else "no action"]
        if not theirs:
            theirs = [names.get(r.twitter_outcome, r.twitter_outcome)
                      if r.twitter_outcome != "none" else "no action"]
        rows.append((r.handle, r.leader, " · ".join(mine), " · ".join(theirs)))
    return rows


def outcome_sentences(outcomes: pd.DataFrame, names) -> list:
    """One plain sentence per account that the policy or Twitter suspended, and a count.

    ``outcomes`` is :func:`account_outcomes`' table; ``names`` maps action ids to
    their names (``casebook.action_names``). Accounts neither suspended get no
    sentence of their own.

    >>> out = pd.DataFrame({"handle": ["a", "b", "c"],
    ...     "suspended_on": pd.to_datetime(["2021-01-08", None, None]),
    ...     "twitter_suspended_on": pd.to_datetime(["2021-01-08", "2021-01-22", None]),
    ...     "outcome": ["suspend", "lock", "remove"], "twitter_outcome": ["suspend"] * 2 + ["none"]})
    >>> for line in outcome_sentences(out, {"lock": "Account lock"}):
    ...     print(line)
    Under this policy @a would be suspended on 2021-01-08; Twitter suspended it on 2021-01-08.
    Under this policy @b would not be suspended (strongest action: account lock); Twitter suspended it on 2021-01-22.
    In all, this policy suspends 1 of 3 accounts; Twitter suspended 2.
    """
    lines = []
    for r in outcomes[["handle", "suspended_on", "twitter_suspended_on", "outcome",
                       "twitter_outcome"]].itertuples(index=False):
        mine, theirs = day(r.suspended_on), day(r.twitter_suspended_on)
        if not (mine or theirs):
            continue
        if mine:
            head = f"Under this policy @{r.handle} would be suspended on {mine}"
        elif r.outcome != "none":
            head = (f"Under this policy @{r.handle} would not be suspended (strongest action: "
                    f"{names.get(r.outcome, r.outcome).lower()})")
        else:
            head = f"Under this policy @{r.handle} would face no action"
        if theirs:
            tail = f"Twitter suspended it on {theirs}"
        elif r.twitter_outcome == "none":
            tail = "Twitter took no action against it"
        else:
            tail = (f"Twitter did not suspend it (strongest action: "
                    f"{names.get(r.twitter_outcome, r.twitter_outcome).lower()})")
        lines.append(f"{head}; {tail}.")
    n = int(outcomes.suspended_on.notna().sum())
    k = int(outcomes.twitter_suspended_on.notna().sum())
    lines.append(f"In all, this policy suspends {n} of {len(outcomes)} accounts; "
                 f"Twitter suspended {k}.")
    return lines


def compare_policies(policies: dict, casebook, handles=None) -> pd.DataFrame:
    """Several policies side by side: per policy and account, the outcome in words vs Twitter's.

    ``policies`` maps a label to a :class:`Policy` (e.g. :data:`PRESETS`); ``handles``
    limits the accounts shown. Columns: policy, account, under this policy, what
    Twitter did. Rows follow the order of ``policies``, then of ``handles`` (or
    :func:`account_outcomes`' order when no handles are given).

    >>> import kit
    >>> cb = kit.load_casebook()
    >>> t = compare_policies({"as written": PRESETS["twitter_2019"]}, cb, ["realDonaldTrump"])
    >>> t.iloc[0]["what Twitter did"]
    'locked 2021-01-06 · suspended 2021-01-08'
    """
    rows = []
    for label, policy in policies.items():
        if not isinstance(policy, Policy):
            raise KitDataError(f"{label!r} is not a Policy (got {type(policy).__name__})",
                               column="policies")
        out = account_outcomes(apply_policy(policy, casebook), casebook)
        if handles is not None:
            rank = {h: n for n, h in enumerate(handles)}
            out = out[out.handle.isin(rank)].copy()
            out = out.iloc[sorted(range(len(out)), key=lambda i: rank[out.handle.iat[i]])]
        rows += [(label, "@" + h, mine, theirs)
                 for h, _, mine, theirs in outcome_rows(out, casebook.action_names)]
    return pd.DataFrame(rows, columns=["policy", "account", "under this policy", "what Twitter did"])
