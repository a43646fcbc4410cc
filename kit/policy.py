"""A world-leader moderation policy a learner designs, applied to the case file.

:class:`Policy` holds the choices (which rules, how world leaders are treated,
when strikes lead to a lock or a suspension, where the rule labels come from);
:func:`apply_policy` plays every item of the case file through it in date order
and says what the policy would have done, next to what Twitter did.
:func:`account_outcomes` and :func:`outcome_timeline` summarise the result per
account and over time.

Everything here is pure: the same policy and case file always give the same
table, nothing is read from or written to disk.

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
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .casebook import Casebook
from .errors import KitDataError

#: How a policy treats accounts that belong to a world leader.
LEADER_TREATMENTS = ("same", "public_interest", "exempt")
#: Where a policy takes the rules an item broke from.
LABEL_SOURCES = ("allegations", "twitter", "decisions")
#: Rules about an account as a whole: labelled on a whole-account item, they suspend it.
ACCOUNT_RULES = frozenset({"platform_manipulation", "ban_evasion"})
#: The actions a policy can predict (their levels always come from the case file).
POLICY_ACTIONS = ("none", "notice", "remove", "lock", "suspend")
#: Columns of :func:`apply_policy`'s table, in order.
PREDICTION_COLUMNS = ("item_id", "leader", "handle", "kind", "date", "rules", "action", "level",
                      "strikes", "account_status", "reason", "twitter_action", "twitter_level",
                      "pool")
ALREADY_SUSPENDED = "account already suspended under this policy"

_TREATMENT_WORDS = {
    "same": "world leaders follow the same rules as everyone else",
    "public_interest": "a qualifying world leader's post that breaks only rules eligible for the "
                       "public-interest exception gets a notice instead of removal, and no strike",
    "exempt": "world leaders' accounts are fully exempt: no action at all",
}
_LABEL_WORDS = {
    "allegations": "any allegation in the case file (including Twitter's own)",
    "twitter": "only the rules Twitter itself cited",
    "decisions": "the learner's own decisions",
}


def _param_error(name, value, allowed):
    return KitDataError(f"Policy parameter {name}: {value!r} is not allowed; {allowed}")


def _rule_set(name, value, *, default_none):
    """Normalise a collection of rule ids to a frozenset (a single id is accepted)."""
    if value is None and default_none:
        return None
    if isinstance(value, str):
        value = (value,)
    try:
        ids = frozenset(value)
    except TypeError:
        raise _param_error(name, value, "give a set of rule ids, e.g. {'hateful_conduct'}") from None
    bad = [v for v in ids if not isinstance(v, str) or not v.strip()]
    if bad:
        raise _param_error(name, bad[0], "every rule id must be a non-empty text such as "
                                         "'hateful_conduct'")
    return ids


def _strikes_param(name, value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise _param_error(name, value, "use a whole number of strikes, 1 or more, "
                                        "or None for never")
    return int(value)


@dataclass(frozen=True)
class Policy:
    """A world-leader moderation policy (immutable; see the module help for how it decides).

    Parameters (every one has a default, so ``Policy()`` is "same rules for everyone"
    with a lock at 2 strikes and a suspension at 5):

    - ``name``: what to call it.
    - ``enforced_rules``: conduct rule ids the policy enforces; ``None`` (default)
      means every conduct rule in the case file. Checked against the case file by
      :func:`apply_policy`.
    - ``leader_treatment``: ``"same"``, ``"public_interest"`` or ``"exempt"``.
    - ``notice_min_followers`` (default 100,000) and ``notice_requires_verified``
      (default True): an account qualifies for a public-interest notice only with
      *more than* that many followers, and only if verified when required.
    - ``linked_accounts_count``: whether ``linked``/``disputed`` accounts count as
      the leader's (world-leader treatment and a shared strike pool).
    - ``lock_after`` (default 2) and ``suspend_after`` (default 5): strike counts
      for a lock and a permanent suspension; ``None`` means never. When both are
      set, ``lock_after`` must not exceed ``suspend_after``.
    - ``suspend_immediately_for``: rule ids that suspend an account at once.
    - ``labels``: ``"allegations"``, ``"twitter"`` or ``"decisions"``.
    - ``note``: a one-line description (the presets have one).

    Bad values raise :class:`kit.KitDataError` naming the parameter:

    >>> p = Policy(name="mine", leader_treatment="public_interest", lock_after=1)
    >>> p.lock_after, p.suspend_after
    (1, 5)
    >>> Policy(leader_treatment="lenient")
    Traceback (most recent call last):
    ...
    kit.errors.KitDataError: Policy parameter leader_treatment: 'lenient' is not allowed; use one of same, public_interest, exempt
    >>> p.replace(suspend_immediately_for={"glorification_of_violence"}).suspend_immediately_for
    frozenset({'glorification_of_violence'})
    """

    name: str = "my policy"
    enforced_rules: frozenset | None = None
    leader_treatment: str = "same"
    notice_min_followers: int = 100_000
    notice_requires_verified: bool = True
    linked_accounts_count: bool = False
    lock_after: int | None = 2
    suspend_after: int | None = 5
    suspend_immediately_for: frozenset = field(default_factory=frozenset)
    labels: str = "allegations"
    note: str = ""

    def __new__(cls, *args, **kwargs):
        # a misspelt parameter is a learner's typo: say so as a KitDataError, not a TypeError
        names = [f.name for f in dataclasses.fields(cls)]
        unknown = [k for k in kwargs if k not in names]
        if unknown or len(args) > len(names):
            what = f"no parameter {unknown[0]!r}" if unknown else f"only {len(names)} parameters"
            raise KitDataError(f"Policy has {what}; the parameters are " + ", ".join(names))
        return super().__new__(cls)

    def __post_init__(self):
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731 (frozen dataclass)
        if not isinstance(self.name, str) or not self.name.strip():
            raise _param_error("name", self.name, "give the policy a non-empty name")
        set_("enforced_rules", _rule_set("enforced_rules", self.enforced_rules, default_none=True))
        set_("suspend_immediately_for",
             _rule_set("suspend_immediately_for", self.suspend_immediately_for, default_none=False))
        if self.leader_treatment not in LEADER_TREATMENTS:
            raise _param_error("leader_treatment", self.leader_treatment,
                               "use one of " + ", ".join(LEADER_TREATMENTS))
        n = self.notice_min_followers
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise _param_error("notice_min_followers", n, "use a whole number of followers, 0 or more "
                                                          "(for example 100000)")
        set_("notice_min_followers", int(n))
        for name in ("notice_requires_verified", "linked_accounts_count"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise _param_error(name, getattr(self, name), "use True or False")
            set_(name, bool(getattr(self, name)))
        set_("lock_after", _strikes_param("lock_after", self.lock_after))
        set_("suspend_after", _strikes_param("suspend_after", self.suspend_after))
        if (self.lock_after is not None and self.suspend_after is not None
                and self.lock_after > self.suspend_after):
            raise _param_error("lock_after", self.lock_after,
                               f"it must not be more than suspend_after ({self.suspend_after})")
        if self.labels not in LABEL_SOURCES:
            raise _param_error("labels", self.labels, "use one of " + ", ".join(LABEL_SOURCES))
        if not isinstance(self.note, str):
            raise _param_error("note", self.note, "use a short text")

    def replace(self, **changes) -> "Policy":
        """A copy with some parameters changed (checked like a new policy).

        >>> Policy(name="a").replace(name="b", lock_after=3).lock_after
        3
        >>> Policy().replace(strikes=3)
        Traceback (most recent call last):
        ...
        kit.errors.KitDataError: Policy has no parameter 'strikes'; the parameters are name, enforced_rules, leader_treatment, notice_min_followers, notice_requires_verified, linked_accounts_count, lock_after, suspend_after, suspend_immediately_for, labels, note
        """
        return dataclasses.replace(self, **changes)  # checked by __new__ and __post_init__

    def describe(self) -> str:
        """A short plain-English summary of the policy.

        >>> print(Policy(name="plain", lock_after=None, suspend_after=3).describe())
        plain: enforces every conduct rule; labels from any allegation in the case file (including Twitter's own). World leaders follow the same rules as everyone else. Linked or disputed accounts are treated as ordinary accounts. Each removed post is a strike: never a lock, permanent suspension at 3 strikes.
        """
        rules = ("every conduct rule" if self.enforced_rules is None
                 else "no rule" if not self.enforced_rules
                 else ", ".join(sorted(self.enforced_rules)))
        parts = [f"{self.name}: enforces {rules}; labels from {_LABEL_WORDS[self.labels]}."]
        treat = _TREATMENT_WORDS[self.leader_treatment]
        if self.leader_treatment == "public_interest":
            treat += (f" (qualifying: more than {self.notice_min_followers:,} followers"
                      + (", verified)" if self.notice_requires_verified else ")"))
        parts.append(treat[0].upper() + treat[1:] + ".")
        parts.append("Linked or disputed accounts count as the leader's and share its strikes."
                     if self.linked_accounts_count else
                     "Linked or disputed accounts are treated as ordinary accounts.")
        def strikes(n):
            return f"{n} strike" + ("" if n == 1 else "s")
        lock = "never a lock" if self.lock_after is None else f"lock from {strikes(self.lock_after)}"
        susp = ("no suspension for strikes" if self.suspend_after is None
                else f"permanent suspension at {strikes(self.suspend_after)}")
        parts.append(f"Each removed post is a strike: {lock}, {susp}.")
        if self.suspend_immediately_for:
            parts.append("Straight to permanent suspension for: "
                         + ", ".join(sorted(self.suspend_immediately_for)) + ".")
        return " ".join(parts)


#: Ready-made policies to start from or compare with.
PRESETS = {
    "twitter_2019": Policy(
        name="twitter_2019", leader_treatment="public_interest", notice_min_followers=100_000,
        notice_requires_verified=True, linked_accounts_count=False, lock_after=2, suspend_after=5,
        labels="allegations",
        note="Twitter's rules as written 2019-2021: public-interest notices for qualifying "
             "leaders, linked accounts on their own, lock at 2 strikes, suspension at 5."),
    "same_rules": Policy(
        name="same_rules", leader_treatment="same",
        note="Same rules for everyone: world leaders get no exception."),
    "strict_leaders": Policy(
        name="strict_leaders", leader_treatment="same", linked_accounts_count=True,
        lock_after=1, suspend_after=3,
        note="Strict accountability for world leaders: no exception, linked accounts count as "
             "the leader's, lock at 1 strike, suspension at 3."),
    "max_public_interest": Policy(
        name="max_public_interest", leader_treatment="exempt",
        note="Maximum public interest: world leaders' accounts are never actioned."),
}


# ----------------------------------------------------------------------------- helpers

def _check_inputs(policy, casebook):
    if not isinstance(policy, Policy):
        raise KitDataError(f"apply_policy needs a kit.Policy (for example kit.PRESETS"
                           f"['twitter_2019']), not {type(policy).__name__}")
    if not isinstance(casebook, Casebook):
        raise KitDataError(f"apply_policy needs a case file from kit.load_casebook(), "
                           f"not {type(casebook).__name__}")
    levels = casebook.action_levels
    missing = [a for a in POLICY_ACTIONS if a not in levels]
    if missing:
        raise KitDataError(f"the enforcement ladder lacks action(s) {', '.join(missing)}, "
                           "which a policy needs", file="data/actions.csv", column="action_id")
    crules = casebook.conduct_rules
    conduct = list(crules.rule_id)
    for name in ("enforced_rules", "suspend_immediately_for"):
        ids = getattr(policy, name)
        unknown = sorted(set(ids or ()) - set(conduct))
        if unknown:
            raise KitDataError(f"Policy parameter {name}: {', '.join(map(repr, unknown))} "
                               f"is not a conduct rule of this case file; the rules are "
                               + ", ".join(conduct))
    return levels, conduct, crules


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
    """Long table (item_id, rule_id) from a learner's decisions; and the items decided."""
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
    long = pd.DataFrame({"item_id": rules.index.astype(str), "rule_id": rules.to_numpy()})
    return long, set(d.item_id)


def _labels(policy, casebook, items, decisions, conduct):
    """(item ids, rule ids) as two arrays, one pair per label; and the items decided (or None)."""
    if policy.labels == "allegations":
        a = casebook.allegations
        return a.item_id.to_numpy(dtype=object), a.rule_id.to_numpy(dtype=object), None
    if policy.labels == "twitter":
        rules = _split_rule_cell(items.set_index("item_id").twitter_rule_ids, "data/items.csv")
        return rules.index.to_numpy(dtype=object), rules.to_numpy(dtype=object), None
    long, decided = _decision_labels(decisions, set(items.item_id), conduct)
    return long.item_id.to_numpy(dtype=object), long.rule_id.to_numpy(dtype=object), decided


def _obj(values) -> np.ndarray:
    return np.asarray(values, dtype=object)


class _Masks:
    """Turns rule bit masks into rule-id text or tuples (computed once per distinct mask)."""

    def __init__(self, ids):
        self.ids = ids

    def _table(self, masks, make):
        uniq, inv = np.unique(np.asarray(masks, dtype=np.int64), return_inverse=True)
        out = np.empty(len(uniq), dtype=object)
        out[:] = [make(tuple(r for i, r in enumerate(self.ids) if int(m) >> i & 1)) for m in uniq]
        return out[inv.reshape(-1)]

    def text(self, masks):
        return self._table(masks, ", ".join)

    def tuples(self, masks):
        return self._table(masks, lambda t: t)


def _plural(n: np.ndarray, word: str) -> np.ndarray:
    return _obj(n.astype(str)) + (" " + word) + _obj(np.where(n == 1, "", "s"))


def _account_facts(policy, accounts):
    """Per account: counts as the leader's, pool name, notice qualification and its wording."""
    att = accounts.attribution.to_numpy(dtype=object)
    counted = ["official", "linked", "disputed"] if policy.linked_accounts_count else ["official"]
    leader_acct = np.isin(att, counted)
    pool = np.where(leader_acct, _obj("leader:" + accounts.leader.astype(object)),
                    _obj("account:" + accounts.handle.astype(object)))
    followers = pd.to_numeric(accounts.followers, errors="coerce").astype("Float64")
    followers = followers.fillna(-1).to_numpy(dtype=float)
    verified_raw = accounts.verified.to_numpy(dtype=object)
    verified = verified_raw == "yes"
    enough = followers > policy.notice_min_followers
    verified_ok = verified | (not policy.notice_requires_verified)
    words = {"yes": "verified", "no": "not verified", "unknown": "verification unknown"}
    qual_txt = _obj([f"leader, {int(f):,} followers, " + words.get(v, "verification unknown")
                     for f, v in zip(followers, verified_raw)])
    fail_txt = _obj(np.select(
        [followers < 0, ~enough, ~verified_ok & (verified_raw == "unknown"), ~verified_ok],
        ["follower count unknown", f"not more than {policy.notice_min_followers:,} followers",
         "not known to be verified", "account not verified"], ""))
    return dict(leader_acct=leader_acct, pool=_obj(pool),
                qualifies=leader_acct & enough & verified_ok, qual_txt=qual_txt, fail_txt=fail_txt)


# ----------------------------------------------------------------------------- apply

def apply_policy(policy: Policy, casebook: Casebook, decisions=None) -> pd.DataFrame:
    """What ``policy`` would have done to every item of the case file.

    One row per item, sorted by date then item_id, with columns: item_id, leader,
    handle, kind, date, rules (tuple of the enforced, in-force rules found broken),
    action (predicted action id), level (its severity from the case file), strikes
    (the strike count of the account's pool after this item), account_status
    (``active``, ``locked`` or ``suspended`` after this item), reason (one plain
    sentence why), twitter_action, twitter_level and pool (the strike pool: a
    leader's accounts share ``leader:<leader>``, other accounts have
    ``account:<handle>``). ``decisions`` (a table with item_id and rules, as
    ``DecisionLog.table()`` returns) is used only when ``policy.labels`` is
    ``"decisions"``; items without a decision then break no rule.

    >>> import kit
    >>> cb = kit.load_casebook()
    >>> pred = apply_policy(PRESETS["twitter_2019"], cb)
    >>> len(pred) == len(cb.items) and bool(pred.action.isin(cb.action_levels).all())
    True
    >>> list(pred.columns[:5])
    ['item_id', 'leader', 'handle', 'kind', 'date']
    """
    levels, conduct, crules = _check_inputs(policy, casebook)
    if len(conduct) > 62:
        raise KitDataError("a policy can handle at most 62 conduct rules", file="data/rules.csv")
    items = casebook.items[["item_id", "leader", "handle", "kind", "date", "twitter_action",
                            "twitter_rule_ids"]]  # only the columns used below
    order = np.lexsort((items["item_id"].to_numpy(dtype="U"), items["date"].to_numpy()))
    it = items.take(order).reset_index(drop=True)
    n_items = len(it)
    item_ids = it.item_id.to_numpy(dtype=object)
    dates = it.date.to_numpy()
    is_post = it.kind.to_numpy(dtype=object) == "post"

    # 2. whose account (per account, then spread to items)
    accounts = casebook.accounts.reset_index(drop=True)
    acc = _account_facts(policy, accounts)
    a = pd.Index(accounts.handle).get_indexer(it.handle)
    if (a < 0).any():
        raise KitDataError(f"account {it.handle[a < 0].iloc[0]!r} is not in data/accounts.csv",
                           file="data/items.csv", column="handle")
    _, pool_codes = np.unique(acc["pool"].astype(str), return_inverse=True)
    pool_code = pool_codes.reshape(-1)[a]
    leader_acct = acc["leader_acct"][a]
    qualifies = acc["qualifies"][a]

    # 1. rules broken, as bit masks per item: all labels, and those that count
    l_items, l_rules, decided = _labels(policy, casebook, it, decisions, conduct)
    pos = pd.Index(item_ids).get_indexer(l_items)
    rc = pd.Index(conduct).get_indexer(l_rules)
    ok = (pos >= 0) & (rc >= 0)
    pos, rc = pos[ok], rc[ok]
    start = pd.to_datetime(crules.in_force_from).to_numpy()[rc]
    end = pd.to_datetime(crules.in_force_to).to_numpy()[rc]
    d = dates[pos]
    in_force = (np.isnat(start) | (start <= d)) & (np.isnat(end) | (end >= d))
    enforced = set(conduct) if policy.enforced_rules is None else set(policy.enforced_rules)
    is_enforced = np.isin(_obj(conduct), list(enforced))[rc]
    bits = np.left_shift(np.int64(1), rc.astype(np.int64))

    def per_item(sel):
        out = np.zeros(n_items, dtype=np.int64)
        np.bitwise_or.at(out, pos[sel], bits[sel])
        return out

    raw = per_item(np.ones(len(pos), dtype=bool))
    eff = per_item(is_enforced & in_force)
    not_enforced = per_item(~is_enforced)

    def mask_of(ids):
        return sum(1 << conduct.index(r) for r in ids if r in conduct)

    pi_eligible = crules.rule_id[crules.public_interest_exception == "eligible"]
    eligible_mask = mask_of(pi_eligible)
    immediate_mask = mask_of(policy.suspend_immediately_for)
    account_mask = mask_of(ACCOUNT_RULES)

    # 3. world-leader treatment
    has = eff != 0
    exempt = has & leader_acct & (policy.leader_treatment == "exempt")
    immediate = has & ((eff & immediate_mask) != 0) & ~exempt
    acct_rule = has & ~is_post & ((eff & account_mask) != 0) & ~exempt & ~immediate
    pi_post = (policy.leader_treatment == "public_interest") & leader_acct & is_post
    notice = has & pi_post & qualifies & ((eff & ~eligible_mask) == 0) & ~immediate & ~exempt
    strike = has & is_post & ~exempt & ~notice
    judged = has & ~is_post & ~exempt & ~immediate & ~acct_rule

    # 4.-6. strikes, thresholds and suspension, per pool in date order
    # running count per pool, in numpy (a pandas groupby costs more on small case files)
    by_pool = np.argsort(pool_code, kind="stable")
    sorted_codes = pool_code[by_pool]
    starts = np.ones(n_items, dtype=bool)
    starts[1:] = sorted_codes[1:] != sorted_codes[:-1]
    group_of = np.cumsum(starts) - 1

    def cum(flags):
        v = flags.astype(np.int64)[by_pool]
        total = np.cumsum(v)
        out = np.empty(n_items, dtype=np.int64)
        out[by_pool] = total - (total - v)[starts][group_of]
        return out

    big = np.iinfo(np.int64).max
    lock_at = big if policy.lock_after is None else policy.lock_after
    susp_at = big if policy.suspend_after is None else policy.suspend_after
    n = cum(strike)
    suspends = immediate | acct_rule | ((strike | judged) & (n >= susp_at))
    prior = (cum(suspends) - suspends) > 0  # the pool was suspended by an earlier item
    suspends &= ~prior
    n = cum(strike & ~prior)
    locks = (strike | judged) & ~suspends & ~prior & (n >= lock_at)
    threshold_susp = suspends & ~immediate & ~acct_rule
    conds = [prior | suspends, locks, notice, strike]
    action = np.select(conds, ["suspend", "lock", "notice", "remove"], "none")
    level = np.select(conds, [levels["suspend"], levels["lock"], levels["notice"],
                              levels["remove"]], levels["none"])
    status = np.select(conds[:2], ["suspended", "locked"], "active")

    # reasons: one plain sentence per item
    masks = _Masks(conduct)
    rules_txt = masks.text(eff)
    reason = np.full(n_items, "No rule found broken: no action", dtype=object)
    if decided is not None:
        reason[~np.isin(item_ids, list(decided))] = "No decision recorded for this item: no action"
    dropped = (raw != 0) & ~has
    ne, nf = raw & not_enforced, raw & ~not_enforced
    m = dropped & (ne != 0) & (nf == 0)
    reason[m] = "Labelled " + masks.text(ne[m]) + ", which this policy does not enforce: no action"
    m = dropped & (ne == 0)
    reason[m] = "Labelled " + masks.text(nf[m]) + ", which was not in force on this date: no action"
    m = dropped & (ne != 0) & (nf != 0)
    reason[m] = ("Labelled " + masks.text(raw[m]) + ", but none of these is both enforced by this "
                 "policy and in force on this date: no action")
    reason[exempt] = ("Breaks " + rules_txt[exempt]
                      + "; a world leader's account is exempt under this policy: no action")
    reason[notice] = ("Breaks " + rules_txt[notice] + "; qualifies for a public-interest notice ("
                      + acc["qual_txt"][a[notice]] + ")")
    note = np.full(n_items, "", dtype=object)  # why a leader's post got no notice
    m = pi_post & strike & ~qualifies
    note[m] = "; no public-interest notice (" + acc["fail_txt"][a[m]] + ")"
    m = pi_post & strike & qualifies
    note[m] = ("; the public-interest exception does not cover "
               + masks.text(eff[m] & ~eligible_mask))
    m = strike & ~locks & ~suspends
    reason[m] = "Breaks " + rules_txt[m] + note[m] + ": removal, " + _plural(n[m], "strike") + \
        " so far"
    m = strike & locks
    reason[m] = ("Breaks " + rules_txt[m] + note[m] + ": removal and account lock ("
                 + _plural(n[m], "strike") + f"; locks from {policy.lock_after})")
    m = strike & threshold_susp
    reason[m] = ("Breaks " + rules_txt[m] + note[m] + ": " + _plural(n[m], "strike")
                 + f" reach the suspension threshold of {policy.suspend_after}: "
                 "permanent suspension")
    m = immediate & ~prior
    reason[m] = ("Breaks " + rules_txt[m] + "; " + masks.text(eff[m] & immediate_mask)
                 + " leads straight to permanent suspension under this policy")
    m = acct_rule & ~prior
    reason[m] = ("Account breaks " + masks.text(eff[m] & account_mask)
                 + ", an account-level rule: permanent suspension")
    m = judged & ~prior
    if m.any():
        tail = np.select([suspends[m], locks[m]], ["permanent suspension", "account lock"],
                         "no action" + ("" if policy.lock_after is None
                                        else f" (locks from {policy.lock_after})"))
        reason[m] = ("Account labelled " + rules_txt[m] + ", judged on the "
                     + _plural(n[m], "strike") + " it already has: " + _obj(tail))
    reason[prior] = ALREADY_SUSPENDED

    tw_actions = it["twitter_action"]
    try:
        tw_level = np.array([levels[v] for v in tw_actions.tolist()], dtype=np.int64)
    except (KeyError, TypeError):  # let pandas report it exactly as before
        tw_level = tw_actions.map(levels).astype(np.int64)
    return pd.DataFrame({  # arrays, not Series: no index alignment needed
        "item_id": it["item_id"].array, "leader": it["leader"].array,
        "handle": it["handle"].array, "kind": it["kind"].array, "date": it["date"].array,
        "rules": masks.tuples(eff),
        "action": action.astype(object),
        "level": level.astype(np.int64),
        "strikes": n.astype(np.int64),
        "account_status": status.astype(object),
        "reason": reason,
        "twitter_action": tw_actions.array,
        "twitter_level": tw_level,
        "pool": acc["pool"][a],
    })


# ----------------------------------------------------------------------------- summaries

def _check_predictions(predictions, needed):
    if not isinstance(predictions, pd.DataFrame):
        raise KitDataError("expected the table apply_policy returns, not "
                           f"{type(predictions).__name__}")
    missing = [c for c in needed if c not in predictions.columns]
    if missing:
        raise KitDataError(f"missing column(s) {', '.join(missing)}; pass the table "
                           "apply_policy returns")


#: Up to this many rows, the summaries below run in plain Python (pandas overhead
#: dominates small tables, e.g. the shipped case file in the PolicyLab); larger or
#: unusual inputs take the vectorised pandas path. Both give identical tables.
_SMALL = 2000
_NAT = np.iinfo(np.int64).min


def _all_str(values) -> bool:
    return all(type(v) is str for v in values)


def _account_outcomes_small(predictions, casebook, levels):
    """:func:`account_outcomes` in plain Python for small, clean tables (else None)."""
    p = predictions
    n = len(p)
    if not 0 < n <= _SMALL:
        return None
    items, accounts = casebook.items, casebook.accounts
    dtype = p["date"].dtype
    if not (isinstance(dtype, np.dtype) and dtype.kind == "M"
            and items.twitter_action_date.dtype == dtype):
        return None
    dates = p["date"].to_numpy().view(np.int64).tolist()
    if _NAT in dates:
        return None
    handles, leaders = p["handle"].tolist(), p["leader"].tolist()
    pools = p["pool"].tolist() if "pool" in p.columns else ["account:" + h for h in handles
                                                             if type(h) is str]
    if not (_all_str(handles) and _all_str(leaders) and len(pools) == n and _all_str(pools)):
        return None
    acc_handles = accounts.handle.tolist()
    attribution = dict(zip(acc_handles, accounts.attribution.tolist()))
    tw_dates = items.twitter_action_date.to_numpy().view(np.int64).tolist()
    tw_of = dict(zip(items.item_id.tolist(), zip(items.twitter_action.tolist(), tw_dates)))
    item_ids, actions = p["item_id"].tolist(), p["action"].tolist()
    kinds, status = p["kind"].tolist(), p["account_status"].tolist()
    if (len(attribution) != len(acc_handles) or len(tw_of) != len(items)
            or not all(h in attribution for h in handles)
            or not all(i in tw_of for i in item_ids)
            or not all(a in levels for a in actions)
            or not all(tw_of[i][0] in levels for i in item_ids)):
        return None

    per = {}  # handle -> facts
    pool_locks, pool_susp = {}, {}
    for i in range(n):
        h, d = handles[i], dates[i]
        tw_action, tw_date = tw_of[item_ids[i]]
        if tw_date == _NAT:
            tw_date = d
        f = per.get(h)
        if f is None:
            f = per[h] = {"leader": leaders[i], "pool": pools[i], "start": d, "notice": _NAT,
                          "removal": _NAT, "tw_lock": _NAT, "tw_susp": _NAT,
                          "own": levels[actions[i]], "tw": levels[tw_action]}
        else:
            f["start"] = min(f["start"], d)
            f["own"] = max(f["own"], levels[actions[i]])
            f["tw"] = max(f["tw"], levels[tw_action])
        action = actions[i]
        if action == "notice" and (f["notice"] == _NAT or d < f["notice"]):
            f["notice"] = d
        if (kinds[i] == "post" and action in ("remove", "lock")
                and (f["removal"] == _NAT or d < f["removal"])):
            f["removal"] = d
        if action == "lock":
            pool_locks.setdefault(pools[i], []).append(d)
        if status[i] == "suspended":
            s = pool_susp.get(pools[i])
            pool_susp[pools[i]] = d if s is None else min(s, d)
        if tw_action == "lock" and (f["tw_lock"] == _NAT or tw_date < f["tw_lock"]):
            f["tw_lock"] = tw_date
        if tw_action == "suspend" and (f["tw_susp"] == _NAT or tw_date < f["tw_susp"]):
            f["tw_susp"] = tw_date

    by_level = {v: k for k, v in levels.items()}
    order = sorted(per, key=lambda h: (per[h]["leader"], h))
    cols = {k: [] for k in ("first_notice", "first_removal", "locked_on", "suspended_on",
                            "twitter_locked_on", "twitter_suspended_on", "outcome",
                            "twitter_outcome")}
    for h in order:
        f = per[h]
        locks = [d for d in pool_locks.get(f["pool"], ()) if d >= f["start"]]
        locked = min(locks) if locks else _NAT
        s = pool_susp.get(f["pool"])
        susp = _NAT if s is None else max(s, f["start"])
        own = f["own"]
        if locked != _NAT and own < levels["lock"]:
            own = levels["lock"]
        if susp != _NAT:
            own = levels["suspend"]
        for k, v in (("first_notice", f["notice"]), ("first_removal", f["removal"]),
                     ("locked_on", locked), ("suspended_on", susp),
                     ("twitter_locked_on", f["tw_lock"]), ("twitter_suspended_on", f["tw_susp"]),
                     ("outcome", by_level[own]), ("twitter_outcome", by_level[f["tw"]])):
            cols[k].append(v)
    out = {"handle": pd.array(order, dtype=p["handle"].dtype),
           "leader": pd.array([per[h]["leader"] for h in order], dtype=p["leader"].dtype),
           "attribution": pd.array([attribution[h] for h in order],
                                   dtype=accounts.attribution.dtype)}
    for k in ("first_notice", "first_removal", "locked_on", "suspended_on",
              "twitter_locked_on", "twitter_suspended_on"):
        out[k] = np.array(cols[k], dtype=np.int64).view(dtype)
    out["outcome"] = cols["outcome"]  # inferred, as Series.map infers them
    out["twitter_outcome"] = cols["twitter_outcome"]
    return pd.DataFrame(out)


def account_outcomes(predictions: pd.DataFrame, casebook: Casebook) -> pd.DataFrame:
    """Per account: when the policy (and Twitter) first noticed, removed, locked, suspended.

    One row per account that has items, sorted by leader then handle, with columns
    handle, leader, attribution, first_notice, first_removal (first post removed,
    including removals that came with a lock), locked_on, suspended_on (dates under
    the policy, NaT if never), twitter_locked_on, twitter_suspended_on (Twitter's
    action date, or the item's date where that is missing), outcome and
    twitter_outcome (the most severe action reached).

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
    """
    _check_predictions(predictions, ("item_id", "handle", "leader", "kind", "date", "action",
                                     "account_status"))
    levels = casebook.action_levels
    fast = _account_outcomes_small(predictions, casebook, levels)
    if fast is not None:
        return fast
    p = predictions.copy()
    if "pool" not in p.columns:
        p["pool"] = "account:" + p.handle
    acc = casebook.accounts.set_index("handle")
    items = casebook.items.set_index("item_id")
    p["tw_action"] = p.item_id.map(items.twitter_action)
    p["tw_date"] = p.item_id.map(items.twitter_action_date).fillna(p.date)

    g = p.groupby("handle", sort=True)
    out = pd.DataFrame({"leader": g.leader.first()})
    out["attribution"] = acc.attribution.reindex(out.index)
    first_item = g.date.min()

    def first(sel, date_col="date", by="handle"):
        return p[sel].groupby(by)[date_col].min()

    out["first_notice"] = first(p.action == "notice").reindex(out.index)
    removed = (p.kind == "post") & p.action.isin(["remove", "lock"])
    out["first_removal"] = first(removed).reindex(out.index)
    pool_of = g.pool.first()
    pool_locks = p[p.action == "lock"][["pool", "date"]]
    locked = pool_locks.merge(pd.DataFrame({"pool": pool_of, "start": first_item}).reset_index(),
                              on="pool")
    locked = locked[locked.date >= locked.start].groupby("handle").date.min()
    out["locked_on"] = locked.reindex(out.index)
    pool_susp = first(p.account_status == "suspended", by="pool")
    susp = pool_susp.reindex(pool_of.to_numpy()).set_axis(pool_of.index)
    out["suspended_on"] = susp.mask(susp.notna() & (susp < first_item), first_item)
    out["twitter_locked_on"] = first(p.tw_action == "lock", "tw_date").reindex(out.index)
    out["twitter_suspended_on"] = first(p.tw_action == "suspend", "tw_date").reindex(out.index)
    for col in ("first_notice", "first_removal", "locked_on", "suspended_on",
                "twitter_locked_on", "twitter_suspended_on"):
        out[col] = pd.to_datetime(out[col])

    by_level = {v: k for k, v in levels.items()}
    own = p.assign(lv=p.action.map(levels)).groupby("handle").lv.max()
    own = own.mask(out.locked_on.notna() & (own < levels["lock"]), levels["lock"])
    own = own.mask(out.suspended_on.notna(), levels["suspend"])
    out["outcome"] = own.map(by_level)
    tw = p.assign(lv=p.tw_action.map(levels)).groupby("handle").lv.max()
    out["twitter_outcome"] = tw.map(by_level)
    out = out.reset_index().sort_values(["leader", "handle"], kind="mergesort")
    return out[["handle", "leader", "attribution", "first_notice", "first_removal", "locked_on",
                "suspended_on", "twitter_locked_on", "twitter_suspended_on", "outcome",
                "twitter_outcome"]].reset_index(drop=True)


def _outcome_timeline_small(p):
    """:func:`outcome_timeline` in plain Python/numpy for small, clean tables (else None)."""
    n = len(p)
    dtype = p["date"].dtype
    if not (0 < n <= _SMALL and isinstance(dtype, np.dtype) and dtype.kind == "M"
            and p["level"].dtype == np.int64 and p["twitter_level"].dtype == np.int64
            and p["action"].dtype == p["twitter_action"].dtype):
        return None
    handles, leaders = p["handle"].tolist(), p["leader"].tolist()
    dates = p["date"].to_numpy().view(np.int64).tolist()
    if not (_all_str(handles) and _all_str(leaders)) or _NAT in dates:
        return None
    order = sorted(range(n), key=lambda i: (leaders[i], handles[i], dates[i]))
    twice = np.repeat(np.array(order, dtype=np.intp), 2)
    first = np.arange(0, 2 * n, 2)
    action = p["action"].array.take(twice)  # then every second one from twitter_action
    action[first + 1] = p["twitter_action"].array.take(twice[1::2])
    level = p["level"].to_numpy()[twice]
    level[first + 1] = p["twitter_level"].to_numpy()[twice[1::2]]
    return pd.DataFrame({
        "handle": p["handle"].array.take(twice), "leader": p["leader"].array.take(twice),
        "date": p["date"].to_numpy()[twice],
        "source": ["policy", "Twitter"] * n, "action": action, "level": level})


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
    p = predictions.reset_index(drop=True)
    fast = _outcome_timeline_small(p)
    if fast is not None:
        return fast
    cols = ["handle", "leader", "date"]
    policy = p[cols].assign(source="policy", action=p.action, level=p.level, _o=0, _i=p.index)
    twitter = p[cols].assign(source="Twitter", action=p.twitter_action, level=p.twitter_level,
                             _o=1, _i=p.index)
    both = pd.concat([policy, twitter], ignore_index=True)
    both = both.sort_values(["leader", "handle", "date", "_i", "_o"], kind="mergesort")
    both["level"] = both.level.astype("int64")
    return both.drop(columns=["_o", "_i"]).reset_index(drop=True)


# --------------------------------------------------------------------------- outcomes in words

def _day(value) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def outcome_rows(outcomes: pd.DataFrame, names: dict) -> list:
    """``(handle, leader, policy text, Twitter text)`` per account from ``account_outcomes``.

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
        mine = [f"{word} {_day(d)}" for word, d in (
            ("notice from", r.first_notice), ("removal from", r.first_removal),
            ("locked", r.locked_on), ("suspended", r.suspended_on)) if _day(d)]
        theirs = [f"{word} {_day(d)}" for word, d in (
            ("locked", r.twitter_locked_on), ("suspended", r.twitter_suspended_on)) if _day(d)]
        if not mine:
            mine = [names.get(r.outcome, r.outcome) if r.outcome != "none" else "no action"]
        if not theirs:
            theirs = [names.get(r.twitter_outcome, r.twitter_outcome)
                      if r.twitter_outcome != "none" else "no action"]
        rows.append((r.handle, r.leader, " · ".join(mine), " · ".join(theirs)))
    return rows



def compare_policies(policies: dict, casebook, handles=None) -> pd.DataFrame:
    """Several policies side by side: per policy and account, the outcome in words vs Twitter's.

    ``policies`` maps a label to a :class:`Policy` (e.g. :data:`PRESETS`); ``handles``
    limits the accounts shown. Columns: policy, account, under this policy, what
    Twitter did. Rows follow the order of ``policies``, then of ``handles``.

    >>> import kit
    >>> cb = kit.load_casebook()
    >>> t = compare_policies({"as written": PRESETS["twitter_2019"]}, cb, ["realDonaldTrump"])
    >>> t.iloc[0]["what Twitter did"]
    'locked 2021-01-06 · suspended 2021-01-08'
    """
    names = dict(zip(casebook.actions.action_id, casebook.actions.name))
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
        rows += [(label, "@" + h, mine, theirs) for h, _, mine, theirs in outcome_rows(out, names)]
    return pd.DataFrame(rows, columns=["policy", "account", "under this policy", "what Twitter did"])
