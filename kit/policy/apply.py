"""Playing a :class:`~kit.policy.Policy` through the case file: :func:`apply_policy`.

The model is meant to be read: :func:`apply_policy` is one loop over the items in
date order, and each step of its docstring is a branch of that loop, with the
sentence it gives as the reason.
"""
from __future__ import annotations

from collections import defaultdict, namedtuple

import numpy as np
import pandas as pd

from ..casebook import Casebook
from ..errors import KitDataError
from ..words import blank, plural
from .model import PRESETS, Policy  # noqa: F401 (PRESETS: for the doctest)

#: Rules about an account as a whole: labelled on a whole-account item, they suspend it.
ACCOUNT_RULES = frozenset({"platform_manipulation", "ban_evasion"})
#: The actions a policy can predict (their levels always come from the case file).
POLICY_ACTIONS = ("none", "notice", "remove", "lock", "suspend")
#: Columns of :func:`apply_policy`'s table, in order.
PREDICTION_COLUMNS = ("item_id", "leader", "handle", "kind", "date", "rules", "action", "level",
                      "strikes", "account_status", "reason", "twitter_action", "twitter_level",
                      "pool")
ALREADY_SUSPENDED = "account already suspended under this policy"
#: The account's status after an item, from the action the item got.
STATUS_AFTER = {"suspend": "suspended", "lock": "locked"}  # any other action: "active"


# ----------------------------------------------------------------------------- inputs

def _check_inputs(policy, casebook):
    """The conduct rules of the case file, once policy and case file are known to fit."""
    if not isinstance(policy, Policy):
        raise KitDataError(f"apply_policy needs a kit.Policy (for example kit.PRESETS"
                           f"['twitter_2019']), not {type(policy).__name__}")
    if not isinstance(casebook, Casebook):
        raise KitDataError(f"apply_policy needs a case file from kit.load_casebook(), "
                           f"not {type(casebook).__name__}")
    missing = [a for a in POLICY_ACTIONS if a not in casebook.action_levels]
    if missing:
        raise KitDataError(f"the enforcement ladder lacks action(s) {', '.join(missing)}, "
                           "which a policy needs", file="data/actions.csv", column="action_id")
    crules = casebook.conduct_rules
    conduct = list(crules.rule_id)
    for name in ("enforced_rules", "suspend_immediately_for"):
        unknown = sorted(set(getattr(policy, name) or ()) - set(conduct))
        if unknown:
            raise KitDataError(f"Policy parameter {name}: {', '.join(map(repr, unknown))} "
                               f"is not a conduct rule of this case file; the rules are "
                               + ", ".join(conduct))
    return crules


def _split_rule_cell(values: pd.Series, file: str) -> pd.Series:
    """Explode a column of rule lists (tuple, list, set or 'a;b' text) to one id per row."""
    s = values.astype(object).explode()
    if pd.api.types.infer_dtype(s, skipna=True) not in ("string", "empty"):
        bad = s[s.notna() & ~s.map(lambda v: isinstance(v, str))]  # only on the error path
        raise KitDataError(f"{bad.iloc[0]!r} (item {bad.index[0]!r}) is not a rule id",
                           file=file, column="rules")
    if s.isna().all():
        return s.iloc[:0]
    s = s.str.split(";").explode().str.strip()
    return s[s.notna() & (s != "")]


def _decision_labels(decisions, item_ids, conduct):
    """(item_id, rule_id) pairs from a learner's decisions; and the items decided."""
    if decisions is None:
        raise KitDataError("policy labels are 'decisions' but no decisions were given: "
                           "call apply_policy(policy, casebook, decisions=log.table())")
    if not isinstance(decisions, pd.DataFrame):
        raise KitDataError(f"decisions must be a table (DataFrame) with columns item_id and rules, "
                           f"as DecisionLog.table() returns, not {type(decisions).__name__}",
                           file="decisions")
    missing = [c for c in ("item_id", "rules") if c not in decisions.columns]
    if missing:
        raise KitDataError(f"missing column(s) {', '.join(missing)}; decisions need item_id and "
                           "rules", file="decisions")
    d = decisions[["item_id", "rules"]].reset_index(drop=True)
    d = d[d.item_id.notna()]
    d = d.assign(item_id=d.item_id.astype(str).str.strip())
    unknown = ~d.item_id.isin(item_ids)
    if unknown.any():
        pos = int(np.flatnonzero(unknown.to_numpy())[0])
        raise KitDataError(f"item {d.item_id.iloc[pos]!r} is not in the case file",
                           file="decisions", row=pos + 1, column="item_id")
    d = d.drop_duplicates("item_id", keep="last")  # the latest decision per item counts
    rules = _split_rule_cell(d.set_index("item_id").rules, "decisions")
    bad = ~rules.isin(conduct)
    if bad.any():
        raise KitDataError(f"{rules[bad].iloc[0]!r} (item {rules[bad].index[0]!r}) is not a conduct "
                           "rule; the rules are " + ", ".join(conduct),
                           file="decisions", column="rules")
    return zip(rules.index.astype(str), rules), set(d.item_id)


def _labels(policy, casebook, decisions, conduct):
    """Step 1's labels: item_id -> the conduct rules it is labelled with, in rules-table order;
    and the items the learner decided (None unless the labels are the learner's decisions)."""
    items = casebook.items
    decided = None
    if policy.labels == "allegations":
        pairs = zip(casebook.allegations.item_id.tolist(), casebook.allegations.rule_id.tolist())
    elif policy.labels == "twitter":
        rules = _split_rule_cell(items.set_index("item_id").twitter_rule_ids, "data/items.csv")
        pairs = zip(rules.index, rules)
    else:
        pairs, decided = _decision_labels(decisions, set(items.item_id), conduct)
    rank = {rule: n for n, rule in enumerate(conduct)}
    found = defaultdict(set)
    for item_id, rule in pairs:
        if rule in rank:  # labels of other rules (frameworks, notices) do not count
            found[item_id].add(rule)
    labels = {item_id: tuple(rules) if len(rules) == 1 else tuple(sorted(rules, key=rank.get))
              for item_id, rules in found.items()}
    return labels, decided


#: What step 2 and 3 need to know about one account.
_Account = namedtuple("_Account", "is_leaders pool qualifies why why_not")
_VERIFIED_WORDS = {"yes": "verified", "no": "not verified", "unknown": "verification unknown"}


def _accounts(policy, accounts) -> dict:
    """handle -> :data:`_Account`: whether it counts as its leader's, its strike pool, and
    whether it qualifies for a public-interest notice, with the words saying why (not)."""
    counted = ("official", "linked", "disputed") if policy.linked_accounts_count else ("official",)
    out = {}
    columns = ["handle", "leader", "attribution", "followers", "verified"]
    for a in accounts[columns].itertuples(index=False):
        is_leaders = a.attribution in counted
        followers = None if blank(a.followers) else int(a.followers)
        enough = followers is not None and followers > policy.notice_min_followers
        verified_ok = a.verified == "yes" or not policy.notice_requires_verified
        why = (f"leader, {followers or 0:,} followers, "
               + _VERIFIED_WORDS.get(a.verified, "verification unknown"))
        why_not = ("follower count unknown" if followers is None
                   else f"not more than {policy.notice_min_followers:,} followers" if not enough
                   else "not known to be verified" if not verified_ok and a.verified == "unknown"
                   else "account not verified" if not verified_ok else "")
        pool = f"leader:{a.leader}" if is_leaders else f"account:{a.handle}"
        out[a.handle] = _Account(is_leaders, pool, is_leaders and enough and verified_ok,
                                 why, why_not)
    return out


def _windows(crules) -> dict:
    """rule_id -> (in force from, in force to), None where open."""
    def days(col):
        return [None if blank(d) else d for d in crules[col].tolist()]
    return dict(zip(crules.rule_id, zip(days("in_force_from"), days("in_force_to"))))


def _reached(strikes: int, threshold) -> bool:
    return threshold is not None and strikes >= threshold


def _text(rules, names=None) -> str:
    """Rules as learners read them: their names from the case file (an unknown id as it is)."""
    names = names or {}
    return ", ".join(names.get(r, r) for r in rules)


# ----------------------------------------------------------------------------- apply

def apply_policy(policy: Policy, casebook: Casebook, decisions=None) -> pd.DataFrame:
    """What ``policy`` would have done to every item of the case file.

    How a policy decides, item by item (items in date order, then by item_id):

    1. **Rules broken.** The labels come from ``policy.labels``: every allegation
       of the item (``"allegations"``), only the rules Twitter cited
       (``"twitter"``) or the learner's own decisions (``"decisions"``). Only rules
       in ``policy.enforced_rules`` that were in force on the item's date count
       (``rules.in_force_from`` / ``in_force_to``, both inclusive, empty = open).
    2. **Whose account.** Accounts with attribution ``official`` belong to their
       leader; ``linked`` and ``disputed`` ones do too when
       ``policy.linked_accounts_count`` is True, otherwise (and for ``unknown``)
       they are ordinary accounts. All accounts that belong to one leader share one
       *strike pool*: strikes add up across them, and a lock or suspension of the
       pool applies to each of them.
    3. **World-leader treatment** (only for accounts that belong to a leader):
       ``"exempt"`` gives them no action at all; ``"public_interest"`` gives a
       public-interest notice and no strike to a *post* from a *qualifying*
       account that breaks only rules marked ``eligible`` for the exception
       (qualifying: more than ``notice_min_followers`` followers, unknown counts
       as not meeting it, and verified if ``notice_requires_verified``);
       ``"same"`` makes no exception. A rule in ``suspend_immediately_for`` beats
       the public-interest notice (but not a full exemption).
    4. **Posts** that break a counted rule are removed and give the pool one
       strike. At ``lock_after`` strikes and every strike after it the account is
       also locked; at ``suspend_after`` strikes it is permanently suspended. A
       post breaking a rule in ``suspend_immediately_for`` suspends the account
       at once (it still counts as a strike).
    5. **Whole-account items** (``items.kind == "account"``): a label of an
       account-level rule (:data:`ACCOUNT_RULES`: platform manipulation, ban
       evasion) or of a rule in ``suspend_immediately_for`` suspends the account;
       other labels add no strike and are judged on the strikes the pool already
       has: a lock if it has at least ``lock_after``, otherwise no action.
    6. After a suspension every later item of the pool gets ``suspend`` with the
       reason "account already suspended under this policy", and strikes stop
       counting.

    Locks are temporary (12 hours to 7 days on Twitter's ladder), so
    ``account_status`` is ``"locked"`` only on the item that triggered a lock; the
    next item finds the account active again unless it was suspended.

    The result has one row per item, in that order, with columns: item_id, leader,
    handle, kind, date, rules (tuple of the enforced, in-force rules found broken),
    action (predicted action id), level (its severity from the case file), strikes
    (the strike count of the account's pool after this item), account_status
    (``active``, ``locked`` or ``suspended`` after this item), reason (one plain
    sentence why), twitter_action, twitter_level and pool (the strike pool: a
    leader's accounts share ``leader:<leader>``, other accounts have
    ``account:<handle>``). ``decisions`` (a table with item_id and rules, as
    ``DecisionLog.table()`` returns) is used only when ``policy.labels`` is
    ``"decisions"``; items without a decision then break no rule.

    The loop below is longer than the kit's usual function on purpose: it is the
    model, each step above one branch of it, so a learner reads it top to bottom.

    >>> import kit
    >>> cb = kit.load_casebook()
    >>> pred = apply_policy(PRESETS["twitter_2019"], cb)
    >>> len(pred) == len(cb.items) and bool(pred.action.isin(cb.action_levels).all())
    True
    >>> list(pred.columns[:5])
    ['item_id', 'leader', 'handle', 'kind', 'date']
    >>> why = pred.set_index("item_id").reason
    >>> for item_id in ("T02", "K01"):
    ...     print(why[item_id])
    Breaks Hateful conduct; qualifies for a public-interest notice (leader, 88,700,000 followers, verified)
    Breaks Glorification of violence, Violent organisations and terrorism; no public-interest notice (account not verified): removal, 1 strike so far
    """
    crules = _check_inputs(policy, casebook)
    conduct = list(crules.rule_id)
    names = casebook.rule_names

    def said(rules):
        return _text(rules, names)

    enforced = set(conduct if policy.enforced_rules is None else policy.enforced_rules)
    immediate_rules = policy.suspend_immediately_for
    eligible = set(crules.rule_id[crules.public_interest_exception == "eligible"])
    windows = _windows(crules)
    labels, decided = _labels(policy, casebook, decisions, conduct)       # step 1
    accounts = _accounts(policy, casebook.accounts)                       # step 2
    items = casebook.items.sort_values(["date", "item_id"], kind="stable", ignore_index=True)
    unknown = sorted(set(items.handle.tolist()) - set(accounts))
    if unknown:
        raise KitDataError(f"account {unknown[0]!r} is not in data/accounts.csv",
                           file="data/items.csv", column="handle")
    public_interest = policy.leader_treatment == "public_interest"

    def in_force(rule, date):
        start, end = windows[rule]
        return (start is None or start <= date) and (end is None or date <= end)

    strikes = defaultdict(int)  # strike pool -> strikes so far
    suspended = set()           # strike pools suspended so far
    rows = {"rules": [], "action": [], "strikes": [], "reason": [], "pool": []}  # the answers
    for item_id, handle, kind, date in zip(items.item_id.tolist(), items.handle.tolist(),
                                           items.kind.tolist(), items.date.tolist()):
        account = accounts[handle]
        pool = account.pool
        labelled = labels.get(item_id, ())
        broken = tuple(r for r in labelled if r in enforced and in_force(r, date))
        if pool in suspended:                                             # step 6
            action, reason = "suspend", ALREADY_SUSPENDED
        elif not broken:                                                  # step 1: nothing counts
            action = "none"
            not_enforced = [r for r in labelled if r not in enforced]
            not_in_force = [r for r in labelled if r in enforced]
            if not labelled:
                reason = ("No decision recorded for this item: no action"
                          if decided is not None and item_id not in decided
                          else "No rule found broken: no action")
            elif not not_in_force:
                reason = (f"Labelled {said(not_enforced)}, which this policy does not "
                          "enforce: no action")
            elif not not_enforced:
                reason = (f"Labelled {said(not_in_force)}, which was not in force on this "
                          "date: no action")
            else:
                reason = (f"Labelled {said(labelled)}, but none of these is both enforced by "
                          "this policy and in force on this date: no action")
        elif account.is_leaders and policy.leader_treatment == "exempt":  # step 3: exempt
            action = "none"
            reason = (f"Breaks {said(broken)}; a world leader's account is exempt under this "
                      "policy: no action")
        elif any(r in immediate_rules for r in broken):                   # steps 4, 5: at once
            if kind == "post":
                strikes[pool] += 1
            action = "suspend"
            reason = (f"Breaks {said(broken)}; "
                      f"{said(r for r in broken if r in immediate_rules)} leads straight to "
                      "permanent suspension under this policy")
        elif kind != "post":                                              # step 5: an account
            account_rules = [r for r in broken if r in ACCOUNT_RULES]
            n = strikes[pool]
            if account_rules:
                action = "suspend"
                reason = (f"Account breaks {said(account_rules)}, an account-level rule: "
                          "permanent suspension")
            else:
                action = "lock" if _reached(n, policy.lock_after) else "none"
                outcome = ("account lock" if action == "lock" else "no action" if
                           policy.lock_after is None else
                           f"no action (locks from {policy.lock_after})")
                reason = (f"Account labelled {said(broken)}, judged on the "
                          f"{plural(n, 'strike')} it already has: {outcome}")
        elif (public_interest and account.qualifies                       # step 3: a notice
              and all(r in eligible for r in broken)):
            action = "notice"
            reason = (f"Breaks {said(broken)}; qualifies for a public-interest notice "
                      f"({account.why})")
        else:                                                             # step 4: a strike
            strikes[pool] += 1
            n = strikes[pool]
            note = ""  # why a leader's post got no public-interest notice
            if public_interest and account.is_leaders and not account.qualifies:
                note = f"; no public-interest notice ({account.why_not})"
            elif public_interest and account.is_leaders:
                note = ("; the public-interest exception does not cover "
                        + said(r for r in broken if r not in eligible))
            if _reached(n, policy.suspend_after):
                action = "suspend"
                reason = (f"Breaks {said(broken)}{note}: {plural(n, 'strike')} reach the "
                          f"suspension threshold of {policy.suspend_after}: permanent suspension")
            elif _reached(n, policy.lock_after):
                action = "lock"
                reason = (f"Breaks {said(broken)}{note}: removal and account lock "
                          f"({plural(n, 'strike')}; locks from {policy.lock_after})")
            else:
                action = "remove"
                reason = f"Breaks {said(broken)}{note}: removal, {plural(n, 'strike')} so far"
        if action == "suspend":
            suspended.add(pool)
        rows["rules"].append(broken)
        rows["action"].append(action)
        rows["strikes"].append(strikes[pool])
        rows["reason"].append(reason)
        rows["pool"].append(pool)
    return _prediction_table(items, rows, casebook.action_levels)


def _prediction_table(items, rows, levels) -> pd.DataFrame:
    """The table :func:`apply_policy` returns: the items' own columns and the loop's answers."""
    actions = rows["action"]
    return pd.DataFrame({
        "item_id": items["item_id"].array, "leader": items["leader"].array,
        "handle": items["handle"].array, "kind": items["kind"].array, "date": items["date"].array,
        "rules": pd.Series(rows["rules"], dtype=object),
        "action": actions,
        "level": np.array([levels[a] for a in actions], dtype=np.int64),
        "strikes": np.array(rows["strikes"], dtype=np.int64),
        "account_status": [STATUS_AFTER.get(a, "active") for a in actions],
        "reason": rows["reason"],
        "twitter_action": items["twitter_action"].array,
        "twitter_level": np.array([levels[a] for a in items["twitter_action"].tolist()],
                                  dtype=np.int64),
        "pool": rows["pool"],
    })

