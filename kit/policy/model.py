"""The policy a learner designs: :class:`Policy` (its choices, checked) and :data:`PRESETS`.

How a policy decides is :func:`kit.policy.apply_policy`'s docstring, step by step.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from ..errors import KitDataError
from ..words import plural

#: How a policy treats accounts that belong to a world leader.
LEADER_TREATMENTS = ("same", "public_interest", "exempt")
#: Where a policy takes the rules an item broke from.
LABEL_SOURCES = ("allegations", "twitter", "decisions")

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


def _rule_names(casebook=None):
    """rule_id -> name, from ``casebook`` or the shipped case file (ids stay ids if the case
    file cannot be read: a description never fails)."""
    if casebook is None:
        try:
            from ..casebook import default_casebook
            casebook = default_casebook()
        except KitDataError:
            return {}
    return casebook.rule_names


def _names(rule_ids, names) -> str:
    """Rule ids as their names, in the case file's order (unknown ids last, sorted)."""
    order = {r: i for i, r in enumerate(names)}
    ids = sorted(rule_ids, key=lambda r: (order.get(r, len(order)), r))
    return ", ".join(names.get(r, r) for r in ids)


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
    """A world-leader moderation policy (immutable; :func:`kit.policy.apply_policy` says how it decides).

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

    def describe(self, casebook=None) -> str:
        """A short plain-English summary of the policy, naming rules by their names in
        ``casebook`` (default: the shipped case file).

        >>> print(Policy(name="plain", lock_after=None, suspend_after=3).describe())
        plain: enforces every conduct rule; labels from any allegation in the case file (including Twitter's own). World leaders follow the same rules as everyone else. Linked or disputed accounts are treated as ordinary accounts. Each removed post is a strike: never a lock, permanent suspension at 3 strikes.
        """
        names = _rule_names(casebook)
        rules = ("every conduct rule" if self.enforced_rules is None
                 else "no rule" if not self.enforced_rules
                 else _names(self.enforced_rules, names))
        parts = [f"{self.name}: enforces {rules}; labels from {_LABEL_WORDS[self.labels]}."]
        treat = _TREATMENT_WORDS[self.leader_treatment]
        if self.leader_treatment == "public_interest":
            treat += (f" (qualifying: more than {self.notice_min_followers:,} followers"
                      + (", verified)" if self.notice_requires_verified else ")"))
        parts.append(treat[0].upper() + treat[1:] + ".")
        parts.append("Linked or disputed accounts count as the leader's and share its strikes."
                     if self.linked_accounts_count else
                     "Linked or disputed accounts are treated as ordinary accounts.")
        lock = ("never a lock" if self.lock_after is None
                else f"lock from {plural(self.lock_after, 'strike')}")
        susp = ("no suspension for strikes" if self.suspend_after is None
                else f"permanent suspension at {plural(self.suspend_after, 'strike')}")
        parts.append(f"Each removed post is a strike: {lock}, {susp}.")
        if self.suspend_immediately_for:
            parts.append("Straight to permanent suspension for: "
                         + _names(self.suspend_immediately_for, names) + ".")
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
