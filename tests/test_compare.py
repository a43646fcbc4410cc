"""kit.compare: decisions vs Twitter, per-leader summary, consistency, kappas.

Expectations are worked out by hand on a tiny synthetic case file (see SMALL below)
and on published textbook examples for the kappas.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kit
from kit.compare import (COMPARISON_COLUMNS, PAIR_COLUMNS, Consistency, as_rule_tuple,
                         cohen_kappa, compare_decisions, consistency, fleiss_kappa,
                         kappa_vs_twitter, leader_summary)

ACCOUNTS = [{"handle": "t", "leader": "trump"}, {"handle": "k", "leader": "khamenei"}]


def item(item_id, leader, group, action, rules=""):
    return {"item_id": item_id, "leader": leader, "handle": leader[0],
            "title": f"{item_id} title", "date": "2020-06-01", "compare_group": group,
            "twitter_action": action, "twitter_rule_ids": rules}


# Twitter's levels: T1 5, T2 1, T3 0, K1 0, K2 3, K3 0
ITEMS = [
    item("T1", "trump", "violence", "suspend", "glorification_of_violence"),
    item("T2", "trump", "misinformation", "label", "civic_integrity"),
    item("T3", "trump", "", "none"),
    item("K1", "khamenei", "violence", "none"),
    item("K2", "khamenei", "violence", "remove", "abusive_behavior"),
    item("K3", "khamenei", "misinformation", "none"),
]

# One learner's decisions, deliberately not in case-file order; K3 left undecided
# (blank action) and one row with rules written as in a CSV file.
DECISIONS = pd.DataFrame({
    "item_id": ["K2", "T1", "T2", "K1", "T3", "K3"],
    "action": ["remove", "lock", "remove", "notice", "none", ""],
    "rules": [("abusive_behavior", "hateful_conduct"), ("glorification_of_violence",), (),
              "abusive_behavior", None, ()],
    "rationale": ["", "", "", "", "", ""],
})


@pytest.fixture
def small(case_factory):
    return case_factory(accounts=ACCOUNTS, items=ITEMS)


@pytest.fixture
def comp(small):
    return compare_decisions(DECISIONS, small)


# ---------------------------------------------------------------- compare_decisions

def test_rows_in_case_file_order_and_undecided_left_out(comp):
    assert list(comp.columns) == list(COMPARISON_COLUMNS)
    assert comp.item_id.tolist() == ["T1", "T2", "T3", "K1", "K2"]
    assert comp.leader.tolist() == ["trump"] * 3 + ["khamenei"] * 2
    assert comp.title.tolist()[0] == "T1 title"
    assert comp.compare_group.tolist() == ["violence", "misinformation", "", "violence", "violence"]


def test_levels_gaps_and_agreement_by_hand(comp):
    assert comp.action.tolist() == ["lock", "remove", "none", "notice", "remove"]
    assert comp.level.tolist() == [4, 3, 0, 2, 3]
    assert comp.twitter_action.tolist() == ["suspend", "label", "none", "none", "remove"]
    assert comp.twitter_level.tolist() == [5, 1, 0, 0, 3]
    assert comp.gap.tolist() == [-1, 2, 0, 2, 0]
    assert comp.agree.tolist() == [False, False, True, False, True]


def test_rules_and_overlap_by_hand(comp):
    assert comp.rules.tolist() == [("glorification_of_violence",), (), (), ("abusive_behavior",),
                                   ("abusive_behavior", "hateful_conduct")]
    assert comp.twitter_rule_ids.tolist() == [("glorification_of_violence",), ("civic_integrity",),
                                              (), (), ("abusive_behavior",)]
    # T1 {g}/{g} = 1; T2 {}/{c} = 0; T3 both empty -> NaN; K1 {a}/{} = 0; K2 {a,h}/{a} = 1/2
    overlap = comp.rules_overlap.tolist()
    assert overlap[0] == 1.0 and overlap[1] == 0.0 and math.isnan(overlap[2])
    assert overlap[3] == 0.0 and overlap[4] == 0.5


def test_levels_come_from_the_ladder_not_hard_coded(small):
    levels = small.action_levels
    out = compare_decisions(pd.DataFrame({"item_id": ["K1"], "action": ["lock"]}), small)
    assert out.level.tolist() == [levels["lock"]]
    assert out.gap.tolist() == [levels["lock"] - levels["none"]]


def test_policy_predictions_without_rules_or_with_learner(small):
    # apply_policy-like output: item_id, action, rules; here without rules at all
    pred = pd.DataFrame({"item_id": ["T3", "T1"], "action": ["label", "suspend"]})
    out = compare_decisions(pred, small)
    assert out.item_id.tolist() == ["T1", "T3"]
    assert out.rules.tolist() == [(), ()]
    assert out.rules_overlap.isna().all()  # no rules given: nothing to compare
    assert out.agree.tolist() == [True, False]

    two = pd.DataFrame({"learner": ["bo", "ana", "ana"], "item_id": ["T1", "T1", "K1"],
                        "action": ["none", "suspend", "none"]})
    out = compare_decisions(two, small)
    assert out.columns[0] == "learner"
    assert list(zip(out.learner, out.item_id)) == [("ana", "T1"), ("ana", "K1"), ("bo", "T1")]
    assert out.gap.tolist() == [0, 0, -5]


def test_empty_decisions_give_an_empty_table(small):
    out = compare_decisions(pd.DataFrame({"item_id": [], "action": []}), small)
    assert len(out) == 0 and list(out.columns) == list(COMPARISON_COLUMNS)


def test_input_is_not_modified(small):
    before = DECISIONS.copy()
    compare_decisions(DECISIONS, small)
    pd.testing.assert_frame_equal(DECISIONS, before)


@pytest.mark.parametrize("frame, words", [
    (pd.DataFrame({"item_id": ["T1"]}), "column 'action'"),
    (pd.DataFrame({"action": ["none"]}), "column 'item_id'"),
    (pd.DataFrame({"item_id": ["T9"], "action": ["none"]}), "'T9' is not an item"),
    (pd.DataFrame({"item_id": ["T1"], "action": ["ban"]}), "'ban' is not an action"),
    (pd.DataFrame({"item_id": ["T1", "T1"], "action": ["none", "lock"]}), "'T1' is decided more"),
    (pd.DataFrame({"item_id": ["T1"], "action": ["none"], "rules": [("no_such_rule",)]}),
     "'no_such_rule' is not a rule"),
    (pd.DataFrame({"item_id": [None], "action": ["none"]}), "item id is blank"),
    (pd.DataFrame({"item_id": ["T1"], "action": ["none"], "learner": [""]}), "learner name is blank"),
])
def test_bad_decisions_raise_kit_data_error(small, frame, words):
    with pytest.raises(kit.KitDataError, match=words):
        compare_decisions(frame, small)


def test_not_a_dataframe(small):
    with pytest.raises(kit.KitDataError, match="expected a table"):
        compare_decisions([{"item_id": "T1", "action": "none"}], small)


def test_as_rule_tuple_forms():
    assert as_rule_tuple(" a ;b;; a") == ("a", "b")
    assert as_rule_tuple(float("nan")) == ()
    assert as_rule_tuple({"b", "a"}) == ("a", "b")
    assert as_rule_tuple(np.array(["x"])) == ("x",)
    with pytest.raises(kit.KitDataError):
        as_rule_tuple(5)
    with pytest.raises(kit.KitDataError):
        as_rule_tuple([1, 2])


# ---------------------------------------------------------------- leader_summary

def test_leader_summary_by_hand(comp):
    s = leader_summary(comp).set_index("leader")
    assert s.index.tolist() == ["trump", "khamenei"]
    t, k = s.loc["trump"], s.loc["khamenei"]
    # trump: levels 4,3,0 vs 5,1,0; gaps -1,2,0; only T3 agrees
    assert t.n == 3 and t.agree_rate == pytest.approx(1 / 3)
    assert t.mean_gap == pytest.approx(1 / 3) and t.mean_level == pytest.approx(7 / 3)
    assert t.twitter_mean_level == pytest.approx(2.0)
    assert (t.stricter, t.more_lenient) == (1, 1)
    # khamenei: levels 2,3 vs 0,3; gaps 2,0; K2 agrees
    assert k.n == 2 and k.agree_rate == 0.5 and k.mean_gap == 1.0
    assert k.mean_level == 2.5 and k.twitter_mean_level == 1.5
    assert (k.stricter, k.more_lenient) == (1, 0)


def test_leader_summary_keeps_both_leaders_when_one_is_undecided(comp):
    s = leader_summary(comp[comp.leader == "trump"])
    assert s.leader.tolist() == ["trump", "khamenei"]
    k = s.set_index("leader").loc["khamenei"]
    assert k.n == 0 and math.isnan(k.agree_rate) and k.stricter == 0


def test_leader_summary_rejects_other_tables():
    with pytest.raises(kit.KitDataError, match="missing column"):
        leader_summary(pd.DataFrame({"leader": ["trump"]}))


# ---------------------------------------------------------------- consistency

def test_consistency_pairs_and_scores_by_hand(comp):
    c = consistency(comp)
    assert isinstance(c, Consistency)
    assert list(c.pairs.columns) == list(PAIR_COLUMNS)
    # violence: T1 x K1, T1 x K2; misinformation: K3 undecided -> no pair; T3 has no group
    p = c.pairs
    assert list(zip(p.trump_item, p.khamenei_item)) == [("T1", "K1"), ("T1", "K2")]
    assert p.trump_level.tolist() == [4, 4] and p.khamenei_level.tolist() == [2, 3]
    assert p["diff"].tolist() == [2, 1]
    assert p.alike.tolist() == [False, True]
    # Twitter: 5 vs 0 and 5 vs 3: neither within 1 step
    assert p.twitter_diff.tolist() == [5, 2] and p.twitter_alike.tolist() == [False, False]
    assert c.score == 0.5 and c.twitter_score == 0.0 and c.n_pairs == 2


def test_consistency_tolerance(comp):
    assert consistency(comp, tolerance=0).score == 0.0
    c2 = consistency(comp, tolerance=2)
    assert c2.score == 1.0 and c2.twitter_score == 0.5
    assert consistency(comp, tolerance=5).twitter_score == 1.0
    for bad in (-1, 1.5, "1", True):
        with pytest.raises(kit.KitDataError, match="tolerance"):
            consistency(comp, tolerance=bad)


def test_consistency_adds_pairs_for_newly_decided_items(small):
    d = DECISIONS.copy()
    d.loc[d.item_id == "K3", "action"] = "remove"  # misinformation: T2 remove(3) vs K3 remove(3)
    c = consistency(compare_decisions(d, small))
    pairs = list(zip(c.pairs.compare_group, c.pairs.trump_item, c.pairs.khamenei_item))
    assert pairs == [("violence", "T1", "K1"), ("violence", "T1", "K2"),
                     ("misinformation", "T2", "K3")]
    assert c.score == pytest.approx(2 / 3)
    # Twitter: T2 label(1) vs K3 none(0) is alike
    assert c.twitter_score == pytest.approx(1 / 3)


def test_consistency_summary_names_the_unlike_pairs(comp):
    text = consistency(comp).summary()
    assert "1 of 2" in text and "50%" in text and "0%" in text
    assert "more consistent" in text
    assert "\u201cT1 title\u201d (Trump, level 4) vs \u201cK1 title\u201d (Khamenei, level 2)" in text
    assert "Not treated alike (1):" in text
    assert "2 steps harsher on Trump" in text
    assert "K2 title" not in text  # that pair was alike
    assert str(consistency(comp)) == text


def test_consistency_summary_lists_at_most_max_listed_pairs(comp):
    c = consistency(comp, tolerance=0)  # both pairs unlike
    assert "Not treated alike (2):" in c.summary() and "more (see .pairs)" not in c.summary()
    short = dataclasses.replace(c, max_listed=1).summary()
    assert "K1 title" in short and "K2 title" not in short
    assert "- ... and 1 more (see .pairs)" in short


def test_consistency_without_pairs_is_nan_and_says_so(comp):
    c = consistency(comp[comp.leader == "trump"])
    assert c.n_pairs == 0 and math.isnan(c.score) and math.isnan(c.twitter_score)
    assert "No pairs" in c.summary()


def test_consistency_and_kappa_are_per_learner(small):
    two = pd.DataFrame({"learner": ["a", "b"], "item_id": ["T1", "K1"], "action": ["none", "none"]})
    comp2 = compare_decisions(two, small)
    with pytest.raises(kit.KitDataError, match="one learner"):
        consistency(comp2)
    with pytest.raises(kit.KitDataError, match="one learner"):
        kappa_vs_twitter(comp2)
    assert consistency(comp2[comp2.learner == "a"]).n_pairs == 0


# ---------------------------------------------------------------- Cohen's kappa

def test_cohen_kappa_wikipedia_example():
    # Wikipedia "Cohen's kappa", simple example: 50 grant proposals read by A and B.
    # yes/yes 20, yes/no 5, no/yes 10, no/no 15: p_o = 0.7, p_e = 0.5, kappa = 0.4
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert cohen_kappa(b, a) == pytest.approx(0.4)
    # two categories: linear weights are the same as none
    assert cohen_kappa(a, b, weights="linear") == pytest.approx(0.4)


def test_cohen_kappa_linear_weights_by_hand():
    # 3 ordered categories 0,1,2; 4 items: (0,0) (1,2) (2,2) (0,2)
    a, b = [0, 1, 2, 0], [0, 2, 2, 2]
    # unweighted: p_o = 2/4; margins a (.5,.25,.25), b (.25,0,.75); p_e = .125+.1875 = .3125
    assert cohen_kappa(a, b) == pytest.approx((0.5 - 0.3125) / (1 - 0.3125))
    # linear: w = |i-j|/2. observed disagreement (1/4)(1/2) + (1/4)(1) = 0.375
    # expected: a0b0 0, a0b2 .5*.75*1 = .375, a1b0 .25*.25*.5 = .03125, a1b2 .25*.75*.5 = .09375,
    #           a2b0 .25*.25*1 = .0625, a2b2 0 -> 0.5625;  kappa = 1 - .375/.5625 = 1/3
    assert cohen_kappa(a, b, weights="linear") == pytest.approx(1 / 3)


def test_cohen_kappa_label_order_matters_only_when_weighted():
    a, b = ["none", "lock", "remove", "none"], ["none", "suspend", "remove", "lock"]
    ladder = ["none", "remove", "lock", "suspend"]
    alpha = sorted(set(a) | set(b))
    assert cohen_kappa(a, b, labels=ladder) == pytest.approx(cohen_kappa(a, b, labels=alpha))
    assert cohen_kappa(a, b, labels=ladder, weights="linear") != pytest.approx(
        cohen_kappa(a, b, labels=alpha, weights="linear"))


def test_cohen_kappa_degenerate_and_bad_input():
    assert math.isnan(cohen_kappa(["a"] * 3, ["a"] * 3))  # p_e = 1: undefined
    assert math.isnan(cohen_kappa([], []))
    assert cohen_kappa(["a", "b"], ["a", "b"]) == 1.0
    assert cohen_kappa(["a", "b"], ["b", "a"]) == -1.0
    with pytest.raises(kit.KitDataError, match="different numbers"):
        cohen_kappa(["a"], ["a", "b"])
    with pytest.raises(kit.KitDataError, match="not among the labels"):
        cohen_kappa(["a", "c"], ["a", "b"], labels=["a", "b"])
    with pytest.raises(kit.KitDataError, match="weights"):
        cohen_kappa(["a"], ["a"], weights="quadratic")
    with pytest.raises(kit.KitDataError, match="missing"):
        cohen_kappa(["a", None], ["a", "b"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=1, max_size=40),
       st.sampled_from([None, "linear"]))
def test_cohen_kappa_is_symmetric_and_at_most_one(pairs, weights):
    a, b = [p[0] for p in pairs], [p[1] for p in pairs]
    k1 = cohen_kappa(a, b, labels=range(6), weights=weights)
    k2 = cohen_kappa(b, a, labels=range(6), weights=weights)
    if math.isnan(k1):
        assert math.isnan(k2) and len(set(a) | set(b)) == 1
    else:
        assert k1 == pytest.approx(k2) and k1 <= 1 + 1e-9
        if a == b:
            assert k1 == pytest.approx(1.0)


def test_kappa_vs_twitter_uses_ladder_distance(comp):
    # levels 4,3,0,2,3 vs Twitter 5,1,0,0,3 over labels 0..5
    mine, tw = [4, 3, 0, 2, 3], [5, 1, 0, 0, 3]
    assert kappa_vs_twitter(comp) == pytest.approx(cohen_kappa(mine, tw, labels=range(6)))
    # p_o = 2/5; margins mine {0:.2,2:.2,3:.4,4:.2}, tw {0:.4,1:.2,3:.2,5:.2}
    # p_e = .2*.4 + .4*.2 = .16 -> kappa = (.4-.16)/.84
    assert kappa_vs_twitter(comp) == pytest.approx(0.24 / 0.84)
    assert kappa_vs_twitter(comp, weights="linear") == pytest.approx(
        cohen_kappa(mine, tw, labels=range(6), weights="linear"))
    assert math.isnan(kappa_vs_twitter(comp.iloc[0:0]))


# ---------------------------------------------------------------- Fleiss' kappa

FLEISS_1971 = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0],
               [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2],
               [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]


def test_fleiss_kappa_textbook_example():
    # Wikipedia "Fleiss' kappa" worked example: P-bar = 0.378, P-bar-e = 0.213, kappa = 0.210
    assert fleiss_kappa(FLEISS_1971) == pytest.approx(0.2099, abs=5e-4)
    frame = pd.DataFrame(FLEISS_1971, columns=list("abcde"))
    assert fleiss_kappa(frame) == pytest.approx(fleiss_kappa(np.array(FLEISS_1971)))


def test_fleiss_kappa_small_by_hand():
    # 3 items, 3 raters, 2 categories: (3,0) (0,3) (2,1)
    # P_i = 1, 1, (2*1)/(3*2) = 1/3 -> P-bar = 7/9; p = (5/9, 4/9) -> P_e = 41/81
    expected = (7 / 9 - 41 / 81) / (1 - 41 / 81)
    assert fleiss_kappa([[3, 0], [0, 3], [2, 1]]) == pytest.approx(expected)
    # empty rows (no raters) are dropped
    assert fleiss_kappa([[3, 0], [0, 0], [0, 3], [2, 1]]) == pytest.approx(expected)


def test_fleiss_kappa_with_two_raters_is_scotts_pi():
    a, b = [0, 1, 2, 0, 1, 1], [0, 1, 1, 0, 2, 1]
    counts = np.zeros((6, 3), int)
    for i, (x, y) in enumerate(zip(a, b)):
        counts[i, x] += 1
        counts[i, y] += 1
    po = np.mean([x == y for x, y in zip(a, b)])
    pooled = np.bincount(a + b, minlength=3) / 12
    pi = (po - (pooled ** 2).sum()) / (1 - (pooled ** 2).sum())
    assert fleiss_kappa(counts) == pytest.approx(pi)


def test_fleiss_kappa_degenerate_cases():
    assert math.isnan(fleiss_kappa([[5, 0, 0], [5, 0, 0]]))  # one category only: undefined
    assert math.isnan(fleiss_kappa(np.zeros((0, 3))))
    assert fleiss_kappa([[4, 0], [0, 4]]) == 1.0  # perfect agreement with variation


def test_fleiss_kappa_rejects_unequal_raters_and_bad_counts():
    with pytest.raises(kit.KitDataError, match="same number of raters") as err:
        fleiss_kappa(pd.DataFrame([[3, 0], [0, 3], [1, 1]], index=["T1", "T2", "K1"]))
    assert "most items have 3 but 'K1' has 2" in str(err.value)
    with pytest.raises(kit.KitDataError, match="at least 2 raters"):
        fleiss_kappa([[1, 0], [0, 1]])
    for bad in ([[1.5, 0.5]], [[-1, 3]], [1, 2, 3], [["a", "b"]]):
        with pytest.raises(kit.KitDataError):
            fleiss_kappa(bad)


# ---------------------------------------------------------------- on the shipped case file

def test_twitter_compared_with_itself(casebook):
    items = casebook.items
    comp = compare_decisions(pd.DataFrame({"item_id": items.item_id, "action": items.twitter_action,
                                           "rules": items.twitter_rule_ids}), casebook)
    assert comp.item_id.tolist() == items.item_id.tolist()
    assert comp.agree.all() and (comp.gap == 0).all()
    cited = comp[comp.twitter_rule_ids.map(len) > 0]
    assert (cited.rules_overlap == 1.0).all()
    assert comp[comp.twitter_rule_ids.map(len) == 0].rules_overlap.isna().all()
    c = consistency(comp)
    assert c.n_pairs > 0 and c.score == c.twitter_score
    assert kappa_vs_twitter(comp) == pytest.approx(1.0)
    s = leader_summary(comp)
    assert s.agree_rate.tolist() == [1.0, 1.0] and s.n.sum() == len(items)


def test_policy_predictions_compare_like_decisions(casebook):
    levels = casebook.action_levels
    for name, policy in kit.PRESETS.items():
        pred = kit.apply_policy(policy, casebook)
        comp = compare_decisions(pred, casebook)
        assert len(comp) == len(casebook.items), name
        assert comp.item_id.tolist() == casebook.items.item_id.tolist()
        merged = comp.merge(pred[["item_id", "action"]], on="item_id", suffixes=("", "_pred"))
        assert (merged.action == merged.action_pred).all()
        assert (comp.gap == comp.action.map(levels) - comp.twitter_action.map(levels)).all()
