"""kit.policy: Policy validation, presets, apply_policy on hand-computed synthetic cases,
account outcomes, and a 10k-item comparison with a plain loop-based reference."""
from __future__ import annotations

import csv
import dataclasses
import random
from collections import defaultdict

import pandas as pd
import pytest

import kit
from kit import KitDataError
from kit.policy import (ACCOUNT_RULES, ALREADY_SUSPENDED, PRESETS, Policy, account_outcomes,
                        apply_policy, outcome_timeline)

from casefiles import make_case

LEADER_OF = {}


def acct(handle, leader="trump", **kw):
    LEADER_OF[handle] = leader
    return {"handle": handle, "leader": leader, **kw}


def build(case_factory, accounts, posts):
    """posts: (item_id, handle, date, rules, extra columns) -> a loaded synthetic Casebook.

    Every item's rules become allegations (one per rule), so labels="allegations" sees
    exactly them.
    """
    items, allegations = [], []
    for item_id, handle, date, rules, *extra in posts:
        items.append({"item_id": item_id, "leader": LEADER_OF[handle], "handle": handle,
                      "title": "t", "date": date, **(extra[0] if extra else {})})
        for rule in rules:
            allegations.append({"allegation_id": f"A{len(allegations)}", "item_id": item_id,
                                "rule_id": rule})
    assert allegations, "make_case would add a default allegation"
    return case_factory(accounts=accounts, items=items, allegations=allegations)


def with_rule(cb, rule_id, **fields):
    """The same synthetic case with one rule's columns changed in its rules.csv (reloaded)."""
    path = cb.data_dir / "rules.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        if r["rule_id"] == rule_id:
            r.update(fields)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return kit.load_casebook(cb.data_dir)


def col(pred, name):
    return pred[name].tolist()


HATE = ("hateful_conduct",)


def ladder_case(case_factory, n=6):
    return build(case_factory, [acct("rdt")],
                 [(f"P{i}", "rdt", f"2020-01-0{i}", HATE) for i in range(1, n + 1)])


# ----------------------------------------------------------------------------- ladder

def test_same_rules_strike_ladder_exact_timeline(case_factory):
    cb = ladder_case(case_factory)
    pred = apply_policy(PRESETS["same_rules"], cb)
    assert col(pred, "item_id") == ["P1", "P2", "P3", "P4", "P5", "P6"]
    assert col(pred, "action") == ["remove", "lock", "lock", "lock", "suspend", "suspend"]
    assert col(pred, "level") == [3, 4, 4, 4, 5, 5]
    assert col(pred, "strikes") == [1, 2, 3, 4, 5, 5]
    assert col(pred, "account_status") == ["active", "locked", "locked", "locked", "suspended",
                                           "suspended"]
    assert col(pred, "rules") == [HATE] * 6
    assert pred.reason[0] == "Breaks Hateful conduct: removal, 1 strike so far"
    assert pred.reason[1] == "Breaks Hateful conduct: removal and account lock (2 strikes; locks from 2)"
    assert pred.reason[4] == ("Breaks Hateful conduct: 5 strikes reach the suspension threshold "
                              "of 5: permanent suspension")
    assert pred.reason[5] == ALREADY_SUSPENDED
    assert col(pred, "twitter_action") == ["none"] * 6 and col(pred, "twitter_level") == [0] * 6
    assert list(pred.columns) == ["item_id", "leader", "handle", "kind", "date", "rules", "action",
                                  "level", "strikes", "account_status", "reason", "twitter_action",
                                  "twitter_level", "pool"]


@pytest.mark.parametrize("lock_after, suspend_after, actions, strikes", [
    (1, 3, ["lock", "lock", "suspend", "suspend", "suspend", "suspend"], [1, 2, 3, 3, 3, 3]),
    (3, 3, ["remove", "remove", "suspend", "suspend", "suspend", "suspend"], [1, 2, 3, 3, 3, 3]),
    (None, None, ["remove"] * 6, [1, 2, 3, 4, 5, 6]),
    (2, None, ["remove", "lock", "lock", "lock", "lock", "lock"], [1, 2, 3, 4, 5, 6]),
    (None, 2, ["remove", "suspend", "suspend", "suspend", "suspend", "suspend"], [1, 2, 2, 2, 2, 2]),
    (4, 6, ["remove", "remove", "remove", "lock", "lock", "suspend"], [1, 2, 3, 4, 5, 6]),
])
def test_thresholds_give_exact_strike_timeline(case_factory, lock_after, suspend_after, actions,
                                               strikes):
    cb = ladder_case(case_factory)
    pred = apply_policy(Policy(lock_after=lock_after, suspend_after=suspend_after), cb)
    assert col(pred, "action") == actions
    assert col(pred, "strikes") == strikes


def test_items_on_the_same_day_are_ordered_by_item_id(case_factory):
    cb = build(case_factory, [acct("rdt")],
               [("B", "rdt", "2020-01-01", HATE), ("A", "rdt", "2020-01-01", HATE),
                ("C", "rdt", "2019-12-31", ())])
    pred = apply_policy(PRESETS["same_rules"], cb)
    assert col(pred, "item_id") == ["C", "A", "B"]
    assert col(pred, "action") == ["none", "remove", "lock"]
    assert pred.reason[0] == "No rule found broken: no action"


# ----------------------------------------------------------------------------- leader treatment

def leader_case(case_factory):
    # abusive_behavior is made never-excused here (the shipped case file has it eligible)
    # so the case has a leader post under a rule the public-interest exception does not cover
    return with_rule(build(case_factory, [acct("rdt"), acct("fan", attribution="unknown")], [
        ("P1", "rdt", "2020-01-01", HATE),
        ("P2", "rdt", "2020-01-02", ("abusive_behavior",)),
        ("P3", "rdt", "2020-01-03", ("violent_organizations", "hateful_conduct")),
        ("P4", "rdt", "2020-01-04", ("glorification_of_violence",)),
        ("P5", "fan", "2020-01-05", HATE),
        ("P6", "rdt", "2020-01-06", ("platform_manipulation",)),
    ]), "abusive_behavior", public_interest_exception="never")


def test_public_interest_notice_only_for_eligible_rules(case_factory):
    pred = apply_policy(Policy(leader_treatment="public_interest"), leader_case(case_factory))
    assert col(pred, "action") == ["notice", "remove", "lock", "notice", "remove", "lock"]
    assert col(pred, "strikes") == [0, 1, 2, 2, 1, 3]
    assert col(pred, "pool") == ["leader:trump"] * 4 + ["account:fan", "leader:trump"]
    assert pred.rules[2] == ("hateful_conduct", "violent_organizations")  # rules-table order
    assert pred.reason[0] == ("Breaks Hateful conduct; qualifies for a public-interest notice "
                              "(leader, 1,000,000 followers, verified)")
    assert pred.reason[1] == ("Breaks Abusive behaviour and violent threats; the public-interest exception does not "
                              "cover Abusive behaviour and violent threats: removal, 1 strike so far")
    assert "does not cover Violent organisations and terrorism:" in pred.reason[2]
    assert pred.reason[4] == "Breaks Hateful conduct: removal, 1 strike so far"
    # platform manipulation is not eligible for the exception either
    assert "does not cover Platform manipulation and spam (fake accounts)" in pred.reason[5]


def test_same_treatment_makes_no_exception(case_factory):
    pred = apply_policy(Policy(leader_treatment="same"), leader_case(case_factory))
    assert col(pred, "action") == ["remove", "lock", "lock", "lock", "remove", "suspend"]
    assert col(pred, "strikes") == [1, 2, 3, 4, 1, 5]


def test_exempt_gives_leaders_no_action_at_all(case_factory):
    cb = build(case_factory, [acct("rdt"), acct("site", attribution="linked"),
                              acct("fan", attribution="unknown")], [
        ("P1", "rdt", "2020-01-01", ("abusive_behavior",)),
        ("P2", "rdt", "2020-01-02", ("violent_organizations",)),
        ("P3", "rdt", "2020-01-03", ("platform_manipulation",), {"kind": "account"}),
        ("P4", "site", "2020-01-04", HATE),
        ("P5", "fan", "2020-01-05", HATE),
    ])
    pred = apply_policy(PRESETS["max_public_interest"], cb)
    assert col(pred, "action") == ["none", "none", "none", "remove", "remove"]
    assert col(pred, "strikes") == [0, 0, 0, 1, 1]
    assert col(pred, "account_status") == ["active"] * 5
    assert pred.reason[0] == ("Breaks Abusive behaviour and violent threats; a world leader's account is exempt under "
                              "this policy: no action")
    linked = apply_policy(PRESETS["max_public_interest"].replace(linked_accounts_count=True), cb)
    assert col(linked, "action") == ["none", "none", "none", "none", "remove"]


def test_notice_criteria_followers_edge_and_verification(case_factory):
    accounts = [acct("a100k", followers="100000"), acct("a100001", followers="100001"),
                acct("unver", verified="no"), acct("unk", followers=""),
                acct("vunk", verified="unknown")]
    cb = build(case_factory, accounts, [
        (f"P{i}", h, f"2020-01-0{i}", HATE) for i, h in enumerate(
            ["a100k", "a100001", "unver", "unk", "vunk"], start=1)])
    base = Policy(leader_treatment="public_interest", lock_after=None, suspend_after=None)
    pred = apply_policy(base, cb)
    assert col(pred, "action") == ["remove", "notice", "remove", "remove", "remove"]
    # all five are the leader's official accounts: one shared pool
    assert col(pred, "strikes") == [1, 1, 2, 3, 4]
    assert pred.reason[0] == ("Breaks Hateful conduct; no public-interest notice (not more than "
                              "100,000 followers): removal, 1 strike so far")
    assert pred.reason[1].endswith("(leader, 100,001 followers, verified)")
    assert "no public-interest notice (account not verified)" in pred.reason[2]
    assert "no public-interest notice (follower count unknown)" in pred.reason[3]
    assert "no public-interest notice (not known to be verified)" in pred.reason[4]

    no_verif = apply_policy(base.replace(notice_requires_verified=False), cb)
    assert col(no_verif, "action") == ["remove", "notice", "notice", "remove", "notice"]
    assert no_verif.reason[2].endswith("(leader, 1,000,000 followers, not verified)")
    assert no_verif.reason[4].endswith("(leader, 1,000,000 followers, verification unknown)")
    lower = apply_policy(base.replace(notice_min_followers=99_999), cb)
    assert col(lower, "action") == ["notice", "notice", "remove", "remove", "remove"]
    # an unknown follower count never meets the criterion, even a threshold of 0
    zero = apply_policy(base.replace(notice_min_followers=0, notice_requires_verified=False), cb)
    assert col(zero, "action") == ["notice", "notice", "notice", "remove", "notice"]


# ----------------------------------------------------------------------------- linked accounts

def linked_case(case_factory, **site):
    return build(case_factory, [acct("main"), acct("site", attribution="linked", **site),
                                acct("dsp", attribution="disputed"),
                                acct("unk", attribution="unknown")], [
        ("M1", "main", "2020-01-01", HATE),
        ("S1", "site", "2020-01-02", HATE),
        ("D1", "dsp", "2020-01-03", HATE),
        ("U1", "unk", "2020-01-04", HATE),
        ("M2", "main", "2020-01-05", HATE),
    ])


def test_linked_accounts_on_their_own_keep_their_own_strikes(case_factory):
    pred = apply_policy(Policy(lock_after=2, suspend_after=3), linked_case(case_factory))
    assert col(pred, "pool") == ["leader:trump", "account:site", "account:dsp", "account:unk",
                                 "leader:trump"]
    assert col(pred, "strikes") == [1, 1, 1, 1, 2]
    assert col(pred, "action") == ["remove", "remove", "remove", "remove", "lock"]


def test_linked_accounts_that_count_pool_strikes_with_the_leader(case_factory):
    policy = Policy(lock_after=2, suspend_after=3, linked_accounts_count=True)
    pred = apply_policy(policy, linked_case(case_factory))
    assert col(pred, "pool") == ["leader:trump"] * 3 + ["account:unk", "leader:trump"]
    assert col(pred, "strikes") == [1, 2, 3, 1, 3]
    assert col(pred, "action") == ["remove", "lock", "suspend", "remove", "suspend"]
    assert col(pred, "account_status") == ["active", "locked", "suspended", "active", "suspended"]
    assert pred.reason[4] == ALREADY_SUSPENDED


def test_linked_accounts_that_count_get_world_leader_treatment(case_factory):
    cb = linked_case(case_factory, followers="2000000")
    policy = Policy(leader_treatment="public_interest")
    assert apply_policy(policy, cb).action[1] == "remove"
    assert apply_policy(policy.replace(linked_accounts_count=True), cb).action[1] == "notice"


# ----------------------------------------------------------------------------- special rules

def test_suspend_immediately_for(case_factory):
    cb = build(case_factory, [acct("rdt")], [
        ("P1", "rdt", "2020-01-01", HATE),
        ("P2", "rdt", "2020-01-02", ("glorification_of_violence",)),
        ("P3", "rdt", "2020-01-03", HATE),
    ])
    policy = Policy(suspend_immediately_for={"glorification_of_violence"})
    pred = apply_policy(policy, cb)
    assert col(pred, "action") == ["remove", "suspend", "suspend"]
    assert col(pred, "strikes") == [1, 2, 2]
    assert pred.reason[1] == ("Breaks Glorification of violence; Glorification of violence leads "
                              "straight to permanent suspension under this policy")
    assert pred.reason[2] == ALREADY_SUSPENDED
    # it beats the public-interest notice, but not a full exemption
    pi = apply_policy(policy.replace(leader_treatment="public_interest"), cb)
    assert col(pi, "action") == ["notice", "suspend", "suspend"]
    assert col(pi, "strikes") == [0, 1, 1]
    assert col(apply_policy(policy.replace(leader_treatment="exempt"), cb), "action") == ["none"] * 3
    assert col(apply_policy(Policy(), cb), "action") == ["remove", "lock", "lock"]


def test_rules_out_of_force_or_not_enforced_are_ignored(case_factory):
    cb = build(case_factory, [acct("kir", leader="khamenei")], [
        ("K1", "kir", "2020-10-13", ("holocaust_denial",)),
        ("K2", "kir", "2020-10-14", ("holocaust_denial",)),
        ("K3", "kir", "2020-10-15", HATE),
        ("K4", "kir", "2020-10-12", ("holocaust_denial", "hateful_conduct")),
    ])
    cb = with_rule(cb, "holocaust_denial", in_force_from="2020-10-14")  # a rule with a start date
    pred = apply_policy(Policy(), cb).set_index("item_id")
    assert pred.loc["K1", "rules"] == () and pred.loc["K1", "action"] == "none"
    assert pred.loc["K1", "reason"] == ("Labelled Hateful conduct: denying violent events (clarified October 2020), which was not in force on this "
                                        "date: no action")
    assert pred.loc["K2", "rules"] == ("holocaust_denial",)
    assert pred.loc["K4", "rules"] == HATE
    assert pred.strikes.tolist() == [1, 1, 2, 3]  # K4, K1, K2, K3
    only = apply_policy(Policy(enforced_rules={"holocaust_denial"}), cb).set_index("item_id")
    assert only.action.to_dict() == {"K4": "none", "K1": "none", "K2": "remove", "K3": "none"}
    assert only.loc["K3", "reason"] == ("Labelled Hateful conduct, which this policy does not "
                                        "enforce: no action")
    assert only.loc["K4", "reason"].startswith("Labelled Hateful conduct, Hateful conduct: denying violent events (clarified October 2020), but none")
    nothing = apply_policy(Policy(enforced_rules=frozenset()), cb)
    assert set(nothing.action) == {"none"}


def test_rule_end_date_is_inclusive(tmp_path):
    accounts = [acct("rdt")]
    items = [{"item_id": f"P{d}", "leader": "trump", "handle": "rdt", "title": "t",
              "date": f"2022-11-{d}"} for d in (22, 23, 24)]
    alleg = [{"allegation_id": f"A{d}", "item_id": f"P{d}", "rule_id": "covid_misinformation"}
             for d in (22, 23, 24)]
    folder = make_case(tmp_path / "c", accounts, items, alleg)
    path = folder / "rules.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        if r["rule_id"] == "covid_misinformation":
            r["in_force_to"] = "2022-11-23"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    pred = apply_policy(Policy(), kit.load_casebook(folder))
    assert col(pred, "action") == ["remove", "lock", "none"]


def test_account_items(case_factory):
    cb = build(case_factory, [acct("rdt"), acct("site", attribution="linked"),
                              acct("other", attribution="linked")], [
        ("A1", "rdt", "2020-01-01", HATE, {"kind": "account"}),
        ("P1", "rdt", "2020-01-02", HATE),
        ("P2", "rdt", "2020-01-03", ("platform_manipulation",)),
        ("A2", "rdt", "2020-01-04", ("abusive_behavior",), {"kind": "account"}),
        ("A3", "site", "2020-01-05", ("platform_manipulation",), {"kind": "account"}),
        ("A4", "other", "2020-01-06", ("ban_evasion", "hateful_conduct"), {"kind": "account"}),
        ("P3", "site", "2020-01-07", HATE),
    ])
    pred = apply_policy(Policy(), cb)
    assert col(pred, "action") == ["none", "remove", "lock", "lock", "suspend", "suspend", "suspend"]
    assert col(pred, "strikes") == [0, 1, 2, 2, 0, 0, 0]
    assert pred.reason[0] == ("Account labelled Hateful conduct, judged on the 0 strikes it already "
                              "has: no action (locks from 2)")
    assert pred.reason[3] == ("Account labelled Abusive behaviour and violent threats, judged on the 2 strikes it "
                              "already has: account lock")
    assert pred.reason[4] == ("Account breaks Platform manipulation and spam (fake accounts), an account-level rule: "
                              "permanent suspension")
    assert pred.reason[5].startswith("Account breaks Ban evasion, an account-level rule")
    assert pred.reason[6] == ALREADY_SUSPENDED
    assert ACCOUNT_RULES == {"platform_manipulation", "ban_evasion"}


# ----------------------------------------------------------------------------- labels

def test_labels_twitter_uses_only_twitters_cited_rules(case_factory):
    cb = build(case_factory, [acct("rdt")], [
        ("P1", "rdt", "2020-11-04", HATE, {"twitter_rule_ids": "civic_integrity",
                                           "twitter_action": "label"}),
        ("P2", "rdt", "2020-11-05", HATE),
    ])
    tw = apply_policy(Policy(labels="twitter"), cb)
    assert col(tw, "rules") == [("civic_integrity",), ()]
    assert col(tw, "twitter_action") == ["label", "none"] and col(tw, "twitter_level") == [1, 0]
    al = apply_policy(Policy(labels="allegations"), cb)
    assert col(al, "rules") == [HATE, HATE]


def test_duplicate_allegations_count_once(case_factory):
    cb = build(case_factory, [acct("rdt")], [("P1", "rdt", "2020-01-01", HATE * 3)])
    pred = apply_policy(Policy(), cb)
    assert pred.rules[0] == HATE and pred.strikes[0] == 1


def decisions_case(case_factory):
    return build(case_factory, [acct("rdt")], [
        ("P1", "rdt", "2020-01-01", ()), ("P2", "rdt", "2020-01-02", ()),
        ("P3", "rdt", "2020-01-03", ()), ("P4", "rdt", "2020-01-04", HATE)])


def test_labels_from_decisions(case_factory):
    cb = decisions_case(case_factory)
    decisions = pd.DataFrame({
        "item_id": ["P1", "P2", "P3", "P3"],
        "rules": [("hateful_conduct",), "abusive_behavior; hateful_conduct", ("civic_integrity",),
                  []],
        "action": ["remove", "remove", "label", "none"],
    })
    policy = Policy(labels="decisions")
    pred = apply_policy(policy, cb, decisions=decisions)
    assert col(pred, "rules") == [HATE, ("abusive_behavior", "hateful_conduct"), (), ()]
    assert col(pred, "action") == ["remove", "lock", "none", "none"]
    assert pred.reason[2] == "No rule found broken: no action"  # the latest decision counts
    assert pred.reason[3] == "No decision recorded for this item: no action"
    # decisions are ignored unless the policy takes its labels from them
    assert col(apply_policy(Policy(), cb, decisions=decisions), "rules") == [(), (), (), HATE]


@pytest.mark.parametrize("decisions, words", [
    (None, "no decisions were given"),
    ([("P1", ("hateful_conduct",))], "must be a table"),
    (pd.DataFrame({"item_id": ["P1"]}), "missing column(s) rules"),
    (pd.DataFrame({"item_id": ["P9"], "rules": [()]}), "'P9' is not in the case file"),
    (pd.DataFrame({"item_id": ["P1"], "rules": [("nonsense",)]}), "'nonsense' (item 'P1') is not a"),
    (pd.DataFrame({"item_id": ["P1"], "rules": ["public_interest_notice"]}), "not a conduct rule"),
    (pd.DataFrame({"item_id": ["P1"], "rules": [(3,)]}), "3 (item 'P1') is not a rule id"),
])
def test_bad_decisions(case_factory, decisions, words):
    cb = decisions_case(case_factory)
    with pytest.raises(KitDataError) as err:
        apply_policy(Policy(labels="decisions"), cb, decisions=decisions)
    assert words in str(err.value)


# ----------------------------------------------------------------------------- Policy object

def test_presets_are_valid_and_as_specified(case_factory):
    assert set(PRESETS) == {"twitter_2019", "same_rules", "strict_leaders", "max_public_interest"}
    for name, p in PRESETS.items():
        assert isinstance(p, Policy) and p.name == name
        assert isinstance(p.note, str) and len(p.note) > 20 and "\n" not in p.note
        assert p.describe().startswith(name + ": ")
    t = PRESETS["twitter_2019"]
    assert (t.leader_treatment, t.notice_min_followers, t.notice_requires_verified,
            t.linked_accounts_count, t.lock_after, t.suspend_after, t.labels) == (
        "public_interest", 100_000, True, False, 2, 5, "allegations")
    assert t.enforced_rules is None and t.suspend_immediately_for == frozenset()
    s = PRESETS["strict_leaders"]
    assert s.leader_treatment == "same" and s.linked_accounts_count
    assert s.lock_after < t.lock_after and s.suspend_after < t.suspend_after
    assert PRESETS["same_rules"].leader_treatment == "same"
    assert PRESETS["max_public_interest"].leader_treatment == "exempt"
    cb = leader_case(case_factory)
    actions = {name: col(apply_policy(p, cb), "action") for name, p in PRESETS.items()}
    assert actions["max_public_interest"] == ["none"] * 4 + ["remove", "none"]
    assert actions["strict_leaders"][:3] == ["lock", "lock", "suspend"]
    assert actions["twitter_2019"] == ["notice", "remove", "lock", "notice", "remove", "lock"]


def test_describe_mentions_the_choices():
    text = Policy(name="x", leader_treatment="public_interest", notice_min_followers=5000,
                  notice_requires_verified=False, linked_accounts_count=True, lock_after=1,
                  suspend_after=None, suspend_immediately_for={"ban_evasion"},
                  enforced_rules={"hateful_conduct", "ban_evasion"}, labels="twitter").describe()
    for words in ("enforces Hateful conduct, Ban evasion", "only the rules Twitter itself cited",
                  "more than 5,000 followers)", "count as the leader's", "lock from 1 strike,",
                  "no suspension for strikes", "Straight to permanent suspension for: Ban evasion"):
        assert words in text


@pytest.mark.parametrize("kwargs, words", [
    ({"name": ""}, "name"),
    ({"name": 3}, "name"),
    ({"leader_treatment": "lenient"}, "same, public_interest, exempt"),
    ({"labels": "mine"}, "allegations, twitter, decisions"),
    ({"notice_min_followers": -1}, "notice_min_followers"),
    ({"notice_min_followers": "100k"}, "notice_min_followers"),
    ({"notice_min_followers": True}, "notice_min_followers"),
    ({"notice_requires_verified": "yes"}, "True or False"),
    ({"linked_accounts_count": 1}, "linked_accounts_count"),
    ({"lock_after": 0}, "None for never"),
    ({"suspend_after": 0}, "suspend_after"),
    ({"suspend_after": 2.5}, "suspend_after"),
    ({"lock_after": True}, "lock_after"),
    ({"lock_after": 3, "suspend_after": 2}, "must not be more than suspend_after (2)"),
    ({"enforced_rules": 5}, "enforced_rules"),
    ({"suspend_immediately_for": {""}}, "suspend_immediately_for"),
    ({"note": None}, "note"),
])
def test_bad_parameters(kwargs, words):
    with pytest.raises(KitDataError) as err:
        Policy(**kwargs)
    assert words in str(err.value)
    assert "Policy parameter" in str(err.value)


def test_policy_normalises_and_is_immutable():
    p = Policy(enforced_rules=["hateful_conduct", "hateful_conduct"],
               suspend_immediately_for="ban_evasion")
    assert p.enforced_rules == frozenset({"hateful_conduct"})
    assert p.suspend_immediately_for == frozenset({"ban_evasion"})
    assert Policy(lock_after=None).lock_after is None
    assert hash(p) == hash(Policy(enforced_rules={"hateful_conduct"},
                                  suspend_immediately_for={"ban_evasion"}))
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.lock_after = 3
    q = p.replace(lock_after=3)
    assert q.lock_after == 3 and p.lock_after == 2 and q.enforced_rules == p.enforced_rules
    with pytest.raises(KitDataError, match="no parameter 'strike'"):
        p.replace(strike=3)
    with pytest.raises(KitDataError, match="no parameter 'lock_afer'.*lock_after"):
        Policy(lock_afer=3)
    with pytest.raises(KitDataError, match="lock_after"):
        p.replace(lock_after=-1)


@pytest.mark.parametrize("kwargs, words", [
    ({"enforced_rules": {"hateful_conduct", "nope"}}, "enforced_rules: 'nope' is not a conduct rule"),
    ({"suspend_immediately_for": {"public_interest_notice"}}, "suspend_immediately_for"),
])
def test_rule_ids_are_checked_against_the_case_file(case_factory, kwargs, words):
    cb = ladder_case(case_factory, 1)
    with pytest.raises(KitDataError) as err:
        apply_policy(Policy(**kwargs), cb)
    assert words in str(err.value) and "hateful_conduct" in str(err.value)


def test_apply_policy_bad_arguments(case_factory):
    cb = ladder_case(case_factory, 1)
    with pytest.raises(KitDataError, match="needs a kit.Policy"):
        apply_policy("twitter_2019", cb)
    with pytest.raises(KitDataError, match="needs a case file"):
        apply_policy(Policy(), "casebook")
    with pytest.raises(KitDataError, match="missing column"):
        account_outcomes(pd.DataFrame({"handle": ["x"]}), cb)
    with pytest.raises(KitDataError, match="apply_policy returns"):
        outcome_timeline([1, 2])


def test_deterministic_and_independent_of_row_order(case_factory):
    posts = [(f"P{i:02d}", ["rdt", "site", "kir"][i % 3], f"2020-0{1 + i % 3}-0{1 + i % 7}",
              [HATE, ("abusive_behavior",), ("glorification_of_violence", "hateful_conduct"),
               ()][i % 4]) for i in range(20)]
    accounts = [acct("rdt"), acct("site", attribution="linked"), acct("kir", leader="khamenei")]
    a = build(case_factory, accounts, posts)
    b = build(case_factory, list(reversed(accounts)), list(reversed(posts)))
    for policy in PRESETS.values():
        first = apply_policy(policy, a)
        pd.testing.assert_frame_equal(first, apply_policy(policy, a))
        pd.testing.assert_frame_equal(first, apply_policy(policy, b))
        assert first.date.is_monotonic_increasing


# ----------------------------------------------------------------------------- outcomes

def outcome_case(case_factory):
    return build(case_factory, [acct("main"), acct("pot"), acct("site", attribution="linked")], [
        ("M1", "main", "2020-01-01", HATE),
        ("S1", "site", "2020-01-02", HATE),
        ("M2", "main", "2020-01-03", HATE, {"twitter_action": "lock",
                                            "twitter_action_date": "2020-01-04"}),
        ("M3", "main", "2020-01-05", HATE, {"twitter_action": "suspend"}),
        ("P1", "pot", "2020-01-06", HATE),
    ])


def test_account_outcomes(case_factory):
    cb = outcome_case(case_factory)
    policy = Policy(leader_treatment="public_interest", lock_after=2, suspend_after=3,
                    linked_accounts_count=True)
    pred = apply_policy(policy, cb)
    assert col(pred, "action") == ["notice", "notice", "notice", "notice", "notice"]
    pred = apply_policy(policy.replace(leader_treatment="same"), cb)
    assert col(pred, "action") == ["remove", "lock", "suspend", "suspend", "suspend"]
    out = account_outcomes(pred, cb).set_index("handle")
    ts = pd.Timestamp
    assert list(out.index) == ["main", "pot", "site"]
    assert out.loc["main", "first_removal"] == ts("2020-01-01")
    assert out.loc["main", "locked_on"] == ts("2020-01-02")  # the pool lock, via @site
    assert out.loc["main", "suspended_on"] == ts("2020-01-03")
    assert out.loc["site", "locked_on"] == ts("2020-01-02")
    assert out.loc["site", "first_removal"] == ts("2020-01-02")
    assert out.loc["site", "suspended_on"] == ts("2020-01-03")  # the pool's suspension reaches it
    assert out.loc["pot", "suspended_on"] == ts("2020-01-06")  # first appears after the suspension
    assert pd.isna(out.loc["pot", "locked_on"]) and pd.isna(out.loc["pot", "first_removal"])
    assert out.outcome.to_dict() == {"main": "suspend", "pot": "suspend", "site": "suspend"}
    assert out.loc["main", "twitter_locked_on"] == ts("2020-01-04")  # Twitter's action date
    assert out.loc["main", "twitter_suspended_on"] == ts("2020-01-05")  # no date: the item's
    assert out.twitter_outcome.to_dict() == {"main": "suspend", "pot": "none", "site": "none"}
    assert out.attribution.to_dict() == {"main": "official", "pot": "official", "site": "linked"}
    assert out.first_notice.isna().all()

    separate = apply_policy(Policy(leader_treatment="public_interest", lock_after=2,
                                   suspend_after=3), cb)
    o2 = account_outcomes(separate, cb).set_index("handle")
    assert o2.loc["site", "first_notice"] is pd.NaT or pd.isna(o2.loc["site", "first_notice"])
    assert o2.loc["main", "first_notice"] == ts("2020-01-01")
    assert o2.outcome.to_dict() == {"main": "notice", "pot": "notice", "site": "remove"}


def test_outcome_timeline(case_factory):
    cb = outcome_case(case_factory)
    pred = apply_policy(Policy(lock_after=2, suspend_after=3), cb)
    tl = outcome_timeline(pred)
    assert list(tl.columns) == ["handle", "leader", "date", "source", "action", "level"]
    assert len(tl) == 2 * len(pred)
    main = tl[tl.handle == "main"]
    assert main[["source", "action", "level"]].values.tolist() == [
        ["policy", "remove", 3], ["Twitter", "none", 0],
        ["policy", "lock", 4], ["Twitter", "lock", 4],
        ["policy", "suspend", 5], ["Twitter", "suspend", 5]]
    assert tl.handle.tolist() == ["main"] * 6 + ["pot"] * 2 + ["site"] * 2


# ----------------------------------------------------------------------------- reference

def reference(policy, cb):
    """A plain loop over the items, written straight from the rules of kit.policy.apply_policy."""
    conduct = list(cb.conduct_rules.rule_id)
    rules = cb.conduct_rules.set_index("rule_id")
    start_of, end_of = rules.in_force_from.to_dict(), rules.in_force_to.to_dict()
    exception = rules.public_interest_exception.to_dict()
    acc = {a.handle: a for a in cb.accounts.itertuples()}
    levels = cb.action_levels
    labels = defaultdict(set)
    if policy.labels == "allegations":
        for a in cb.allegations.itertuples():
            labels[a.item_id].add(a.rule_id)
    else:
        for it in cb.items.itertuples():
            labels[it.item_id].update(it.twitter_rule_ids)
    enforced = set(conduct) if policy.enforced_rules is None else policy.enforced_rules

    def in_force(rule, date):
        start, end = start_of[rule], end_of[rule]
        return (pd.isna(start) or start <= date) and (pd.isna(end) or date <= end)

    strikes, suspended, rows = defaultdict(int), set(), []
    for it in sorted(cb.items.itertuples(), key=lambda r: (r.date, r.item_id)):
        a = acc[it.handle]
        counts = a.attribution == "official" or (
            policy.linked_accounts_count and a.attribution in ("linked", "disputed"))
        pool = f"leader:{it.leader}" if counts else f"account:{it.handle}"
        broken = tuple(r for r in conduct
                       if r in labels[it.item_id] and r in enforced and in_force(r, it.date))
        qualifies = (counts and not pd.isna(a.followers)
                     and a.followers > policy.notice_min_followers
                     and (a.verified == "yes" or not policy.notice_requires_verified))
        lock_at = policy.lock_after or float("inf")
        susp_at = policy.suspend_after or float("inf")
        if pool in suspended:
            action = "suspend"
        elif not broken or (counts and policy.leader_treatment == "exempt"):
            action = "none"
        elif it.kind == "account":
            if any(r in policy.suspend_immediately_for or r in ACCOUNT_RULES for r in broken):
                action = "suspend"
            else:
                action = "lock" if strikes[pool] >= lock_at else "none"
        elif any(r in policy.suspend_immediately_for for r in broken):
            strikes[pool] += 1
            action = "suspend"
        elif (policy.leader_treatment == "public_interest" and qualifies
              and all(exception[r] == "eligible" for r in broken)):
            action = "notice"
        else:
            strikes[pool] += 1
            action = ("suspend" if strikes[pool] >= susp_at
                      else "lock" if strikes[pool] >= lock_at else "remove")
        already = pool in suspended
        if action == "suspend":
            suspended.add(pool)
        rows.append({"item_id": it.item_id, "rules": broken, "action": action,
                     "level": levels[action], "strikes": strikes[pool], "pool": pool,
                     "account_status": {"suspend": "suspended", "lock": "locked"}.get(action,
                                                                                     "active"),
                     "already": already})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def big_case(tmp_path_factory):
    rng = random.Random(20210108)
    specs = [("t_main", "trump", "official", "yes", "88000000"),
             ("t_office", "trump", "official", "no", "200000"),
             ("t_linked", "trump", "linked", "yes", "500000"),
             ("t_disp", "trump", "disputed", "yes", "50000"),
             ("t_fan", "trump", "unknown", "yes", "900000"),
             ("k_main", "khamenei", "official", "yes", "900000"),
             ("k_edge", "khamenei", "official", "yes", "100000"),
             ("k_site", "khamenei", "linked", "unknown", ""),
             ("k_disp", "khamenei", "disputed", "no", "300000")]
    accounts = [{"handle": h, "leader": l, "attribution": at, "verified": v, "followers": f}
                for h, l, at, v, f in specs]
    weights = {"hateful_conduct": 60, "glorification_of_violence": 40, "abusive_behavior": 20,
               "civic_integrity": 50, "covid_misinformation": 30, "holocaust_denial": 30,
               "violent_organizations": 1, "platform_manipulation": 1, "ban_evasion": 1}
    pool = [r for r, w in weights.items() for _ in range(w)]
    items, alleg = [], []
    for i in range(10_000):
        h, leader = rng.choice(specs)[:2]
        day = pd.Timestamp("2018-01-01") + pd.Timedelta(days=rng.randrange(1800))
        kind = "account" if rng.random() < 0.02 else "post"
        n_rules = rng.choice([0, 0, 1, 1, 1, 2, 3])
        tw = sorted({rng.choice(pool) for _ in range(rng.choice([0, 0, 1]))})
        items.append({"item_id": f"X{rng.randrange(10**6):06d}_{i}", "leader": leader,
                      "handle": h, "title": "t", "date": day.strftime("%Y-%m-%d"), "kind": kind,
                      "twitter_rule_ids": ";".join(tw)})
        rules = [rng.choice(pool) for _ in range(n_rules)]  # may repeat: alleged twice
        if kind == "account" and rng.random() < 0.1:
            rules.append(rng.choice(sorted(ACCOUNT_RULES)))
        for rule in rules:
            alleg.append({"allegation_id": f"A{len(alleg)}", "item_id": items[-1]["item_id"],
                          "rule_id": rule})
    folder = make_case(tmp_path_factory.mktemp("big"), accounts, items, alleg)
    return kit.load_casebook(folder)


@pytest.mark.parametrize("policy", [
    PRESETS["twitter_2019"].replace(lock_after=40, suspend_after=300),
    PRESETS["twitter_2019"],
    PRESETS["max_public_interest"].replace(lock_after=30, suspend_after=None),
    PRESETS["strict_leaders"].replace(lock_after=10, suspend_after=200, labels="twitter"),
    Policy(leader_treatment="public_interest", linked_accounts_count=True, lock_after=None,
           suspend_after=500, notice_requires_verified=False, notice_min_followers=0,
           suspend_immediately_for={"violent_organizations"}),
    Policy(leader_treatment="public_interest", lock_after=150, suspend_after=150,
           enforced_rules={"hateful_conduct", "holocaust_denial", "civic_integrity",
                           "abusive_behavior"}),
], ids=["twitter_2019_high", "twitter_2019", "exempt", "strict_twitter_labels", "custom_pi",
        "subset"])
def test_matches_loop_reference_on_10k_items(big_case, policy):
    got = apply_policy(policy, big_case)
    want = reference(policy, big_case)
    assert len(got) == 10_000
    assert got.item_id.tolist() == want.item_id.tolist()
    for name in ("rules", "action", "level", "strikes", "account_status", "pool"):
        assert got[name].tolist() == want[name].tolist(), name
    assert ((got.reason == ALREADY_SUSPENDED) == want.already).all()
    assert got.reason.str.len().gt(10).all()
    # the comparison is only meaningful if the run exercises most of the ladder
    assert want.action.nunique() >= 4
    assert (~want.already).sum() >= 40


def test_compare_policies_puts_outcomes_in_words(casebook):
    from kit.policy import compare_policies
    table = compare_policies({"a": PRESETS["same_rules"], "b": PRESETS["max_public_interest"]},
                             casebook, ["khamenei_ir", "realDonaldTrump"])
    assert list(table.columns) == ["policy", "account", "under this policy", "what Twitter did"]
    assert table[["policy", "account"]].values.tolist() == [
        ["a", "@khamenei_ir"], ["a", "@realDonaldTrump"],
        ["b", "@khamenei_ir"], ["b", "@realDonaldTrump"]]
    assert table["under this policy"].iloc[2] == "no action"
    assert table["what Twitter did"].iloc[1] == "locked 2021-01-06 · suspended 2021-01-08"
    with pytest.raises(KitDataError, match="not a Policy"):
        compare_policies({"x": "strict"}, casebook)
