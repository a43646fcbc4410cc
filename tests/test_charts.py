"""kit.charts: chart specs (through to_dict), their tables and summaries, offline set-up.

Specs are checked piece by piece (mark, encoding fields and types, scales, title,
description, dataset size), never as a whole dict: $schema carries altair's version.
Expectations are worked out by hand from the small synthetic case below.
"""
from __future__ import annotations

import json
import re

import altair as alt
import numpy as np
import pandas as pd
import pytest

import kit
from kit import charts as C
from kit.errors import KitDataError
from casefiles import make_case, write_table

CDN = "cdn.jsdelivr.net"

ACCOUNTS = [{"handle": "realDonaldTrump", "leader": "trump"},
            {"handle": "khamenei_ir", "leader": "khamenei"},
            {"handle": "khamenei_site", "leader": "khamenei", "attribution": "disputed"},
            {"handle": "nobody", "leader": "khamenei"}]


def _item(item_id, leader, handle, title, date, action="none", action_date="", kind="post"):
    return {"item_id": item_id, "leader": leader, "handle": handle, "title": title, "date": date,
            "twitter_action": action, "twitter_action_date": action_date, "kind": kind}


ITEMS = [_item("T1", "trump", "realDonaldTrump", "Looting", "2020-05-29", "notice", "2020-05-29"),
         _item("T2", "trump", "realDonaldTrump", "Jan 8", "2021-01-08", "suspend", "2021-01-08"),
         _item("T3", "trump", "realDonaldTrump", "Plain", "2020-01-01"),
         _item("K1", "khamenei", "khamenei_ir", "Vaccine", "2021-01-08", "remove", "2021-01-09"),
         _item("K2", "khamenei", "khamenei_site", "Golfer", "2021-01-21", "suspend", "2021-01-22",
               kind="account")]
EVENTS = [
    {"event_id": "E1", "date": "2021-01-08", "leader": "trump", "handle": "realDonaldTrump",
     "event_type": "suspension", "action_id": "suspend", "item_id": "T2", "description": "suspended"},
    {"event_id": "E2", "date": "2021-01-07", "leader": "trump", "platform": "facebook",
     "actor": "Meta", "event_type": "suspension", "description": "Facebook blocks"},
    {"event_id": "E3", "date": "2021-03-18", "leader": "both", "event_type": "consultation",
     "description": "Survey", "source_ids": "S5"},
    {"event_id": "E4", "date": "2021-01-21", "leader": "khamenei", "handle": "khamenei_site",
     "actor": "the account itself", "event_type": "post", "item_id": "K2", "description": "image"},
    {"event_id": "E5", "date": "2021-01-08", "leader": "trump", "handle": "realDonaldTrump",
     "event_type": "removal", "description": "tweets removed", "source_ids": "S2"},
    {"event_id": "E6", "date": "2020-06-01", "leader": "khamenei", "handle": "khamenei_ir",
     "actor": "Iran's government", "event_type": "block", "description": "blocked at home"},
]
FIGURES = [
    {"figure_id": "FK1", "subject": "khamenei_site", "measure": "retweets by state accounts",
     "value": "80", "value_text": "more than 80 times", "reported_by": "ASD"},
    {"figure_id": "FK2", "subject": "@khamenei_site", "measure": "retweets by the Farsi account",
     "value": "", "value_text": "more than 35 times", "reported_by": "ASD"},
    {"figure_id": "FK3", "subject": "khamenei_site", "measure": "followers", "value": "8000",
     "value_text": "8,000", "reported_by": "AP"},
    {"figure_id": "FK4", "subject": "khamenei_ir", "measure": "tweets deleted after the "
     "@khamenei_site suspension", "value": "1", "value_text": "one", "reported_by": "ASD"},
    {"figure_id": "FT1", "subject": "realDonaldTrump", "measure": "followers", "value": "88000000",
     "value_text": "88 million", "reported_by": "AP"},
]
EVIDENCE = [
    {"evidence_id": "EV1", "handle": "khamenei_site", "claim": "Posted his speeches",
     "points_to": "linked", "claimed_by": "AP", "date": "2021-01-22", "source_ids": "S1"},
    {"evidence_id": "EV2", "handle": "khamenei_site", "claim": "Twitter called it fake",
     "points_to": "impostor", "claimed_by": "Twitter", "date": "", "source_ids": "S1"},
    {"evidence_id": "EV3", "handle": "khamenei_site", "claim": "Retweeted by his Farsi account",
     "points_to": "linked", "claimed_by": "ASD", "date": "", "source_ids": "S1;S2"},
    {"evidence_id": "EV4", "handle": "khamenei_ir", "claim": "Official account",
     "points_to": "official", "claimed_by": "Everyone", "date": "", "source_ids": "S1"},
]
EVIDENCE_COLUMNS = list(kit.casebook.SCHEMA["evidence"].column_names)  # every column, blanks allowed


@pytest.fixture
def small(case_factory):
    return case_factory(accounts=ACCOUNTS, items=ITEMS, events=EVENTS, figures=FIGURES)


@pytest.fixture
def small_with_evidence(tmp_path):
    folder = make_case(tmp_path / "ev", accounts=ACCOUNTS, items=ITEMS, events=EVENTS,
                       figures=FIGURES)
    write_table(folder / "evidence.csv", EVIDENCE, EVIDENCE_COLUMNS)
    return kit.load_casebook(folder)


@pytest.fixture
def altair_state():
    """Put altair's global renderer and theme back after a test that changes them."""
    before = alt.renderers.active, dict(alt.renderers.options), alt.theme.active
    yield
    alt.renderers.enable(before[0], **before[1])
    alt.theme.enable(before[2])


def datasets(spec: dict) -> list:
    return list(spec.get("datasets", {}).values())


def only_data(spec: dict) -> list:
    data = datasets(spec)
    assert len(data) == 1
    return data[0]


DECISIONS = pd.DataFrame({"item_id": ["T1", "T2", "K1"], "action": ["remove", "suspend", "none"]})
COMPARISON = pd.DataFrame({
    "item_id": ["T1", "T2", "K1"], "leader": ["trump", "trump", "khamenei"],
    "handle": ["realDonaldTrump", "realDonaldTrump", "khamenei_ir"],
    "title": ["Looting", "Jan 8", "Vaccine"], "compare_group": ["", "", ""],
    "action": ["remove", "suspend", "none"], "level": [3, 5, 0],
    "twitter_action": ["notice", "suspend", "remove"], "twitter_level": [2, 5, 3],
    "gap": [1, 0, -3], "agree": [False, True, False], "rules": [(), (), ()],
    "twitter_rule_ids": [(), (), ()]})
TIMELINE = pd.DataFrame({
    "handle": ["a"] * 6 + ["b"] * 2, "leader": ["trump"] * 6 + ["khamenei"] * 2,
    "date": pd.to_datetime(["2020-05-29"] * 4 + ["2021-01-08"] * 2 + ["2021-01-09"] * 2),
    "source": ["policy", "Twitter", "policy", "Twitter", "policy", "Twitter", "policy", "Twitter"],
    "action": ["remove", "notice", "none", "label", "suspend", "suspend", "lock", "remove"],
    "level": [3, 2, 0, 1, 5, 5, 4, 3]})
DISTRIBUTION = pd.DataFrame({
    "item_id": ["T1"] * 3 + ["K1"] * 3, "leader": ["trump"] * 3 + ["khamenei"] * 3,
    "title": ["Looting"] * 3 + ["Vaccine"] * 3,
    "action": ["none", "remove", "suspend", "none", "remove", "suspend"],
    "level": [0, 3, 5, 0, 3, 5], "count": [1, 2, 1, 3, 1, 0],
    "share": [0.25, 0.5, 0.25, 0.75, 0.25, 0.0]})
VS_TWITTER = pd.DataFrame({
    "item_id": ["T1", "K1", "K2"], "leader": ["trump", "khamenei", "khamenei"],
    "title": ["Looting", "Vaccine", "Golfer"], "n": [4, 4, 0],
    "twitter_action": ["notice", "remove", "suspend"], "modal_action": ["remove", "none", None],
    "share_agree_twitter": [0.0, 0.25, np.nan], "mean_level": [2.75, 0.75, np.nan],
    "twitter_level": [2, 3, 5], "mean_gap": [0.75, -2.25, np.nan]})


# ---------------------------------------------------------------- palette

def test_palette_is_okabe_ito_and_fixed():
    assert C.LEADER_COLOURS == {"trump": "#D55E00", "khamenei": "#0072B2"}
    assert set(C.LEADER_COLOURS.values()) <= set(C.OKABE_ITO.values())
    # Twitter in the theme's ink (issue 15: charts follow JupyterLab's light or dark theme)
    assert set(C.EVENT_COLOURS) <= set(C.OKABE_ITO.values()) | {C.INK}
    assert set(C.POINTS_TO_COLOURS) <= set(C.OKABE_ITO.values())
    assert C.WHO_COLOURS["twitter"] == C.INK == "currentColor"
    assert len(set(C.LADDER_PALETTE)) == len(C.LADDER_PALETTE) == 6


# ---------------------------------------------------------------- 1. timeline

def test_timeline_table_merges_events_and_items(small):
    t = C.timeline_table(small)
    got = [(r.group, r.lane, f"{r.date:%Y-%m-%d}", r.kind, r.count) for r in t.itertuples()]
    assert got == [
        ("Trump", "@realDonaldTrump", "2020-01-01", "Post", 1),            # T3 (item only)
        ("Trump", "@realDonaldTrump", "2020-05-29", "Post", 1),            # T1
        ("Trump", "@realDonaldTrump", "2020-05-29", "Twitter action", 1),  # T1 notice (item only)
        ("Trump", "@realDonaldTrump", "2021-01-08", "Post", 1),            # T2
        ("Trump", "@realDonaldTrump", "2021-01-08", "Twitter action", 2),  # E1 + E5, not T2 again
        ("Trump", "Facebook", "2021-01-07", "Other platform action", 1),   # E2
        ("Khamenei", "@khamenei_ir", "2020-06-01", "Other event", 1),      # E6: not Twitter acting
        ("Khamenei", "@khamenei_ir", "2021-01-08", "Post", 1),             # K1
        ("Khamenei", "@khamenei_ir", "2021-01-09", "Twitter action", 1),   # K1 remove
        ("Khamenei", "@khamenei_site", "2021-01-21", "Post", 1),           # E4 (K2 is an account)
        ("Khamenei", "@khamenei_site", "2021-01-22", "Twitter action", 1),  # K2 suspend
        ("Both / general", "Twitter", "2021-03-18", "Other event", 1),     # E3
    ]
    merged = t[t["count"] == 2].iloc[0]
    assert merged.description == "suspended; tweets removed"
    assert merged.source_ids == "S1; S2"
    assert list(t.columns) == list(C.TIMELINE_COLUMNS)


def test_timeline_chart_spec(small):
    chart = C.timeline_chart(small)
    spec = chart.to_dict()
    inner = spec   # one view as wide as its container (issue 15), no longer a facet
    assert inner["mark"]["type"] == "point"
    enc = inner["encoding"]
    assert (enc["x"]["field"], enc["x"]["type"]) == ("date", "temporal")
    assert (enc["y"]["field"], enc["y"]["type"]) == ("row", "nominal")   # "group|lane"
    assert inner["width"] == "container"
    assert enc["color"]["field"] == enc["shape"]["field"] == "kind"
    assert enc["color"]["scale"] == {"domain": list(C.EVENT_KINDS), "range": list(C.EVENT_COLOURS)}
    assert {"description", "source_ids", "actor"} <= {t["field"] for t in enc["tooltip"]}
    # grouped by leader in one view: each group's name, then its lanes
    heads = [v for v in enc["y"]["scale"]["domain"] if v.startswith("§")]
    assert heads == ["§Trump", "§Khamenei", "§Both / general"]
    assert "Trump|@realDonaldTrump" in enc["y"]["scale"]["domain"]
    assert spec["title"]["text"] == "Timeline: both cases, account by account"
    assert len(only_data(spec)) == 12
    assert C.text_alternative(chart) == spec["description"] == (
        "Timeline of 13 dated events and posts from January 2020 to March 2021. Twitter acted "
        "3 times on Trump's accounts and 2 times on Khamenei's; other platforms acted 1 time.")


def test_timeline_merges_days_into_months_past_the_row_limit(tmp_path):
    dates = pd.date_range("2000-01-01", periods=6000, freq="D")
    events = [{"event_id": f"E{i}", "date": f"{d:%Y-%m-%d}", "leader": "trump",
               "handle": "realDonaldTrump", "event_type": "statement", "description": f"e{i}"}
              for i, d in enumerate(dates)]
    cb = kit.load_casebook(make_case(tmp_path / "big", accounts=ACCOUNTS[:1], items=ITEMS[2:3],
                                     events=events))
    t = C.timeline_table(cb)
    assert len(t) <= C.MAX_ROWS
    assert int(t["count"].sum()) == 6000 + 1          # every event plus the post T3
    assert (t["date"].dt.day == 1).all()              # merged by month
    spec = C.timeline_chart(cb).to_dict()
    assert len(only_data(spec)) == len(t)


# ---------------------------------------------------------------- 2. ladder

def test_ladder_table_twitter_only(small):
    t = C.ladder_table(small)
    assert [(r.group, r.item_id, r.action, r.level, r.pile) for r in t.itertuples()] == [
        ("Trump", "T3", "none", 0, 1), ("Trump", "T1", "notice", 2, 1),
        ("Trump", "T2", "suspend", 5, 1), ("Khamenei", "K1", "remove", 3, 1),
        ("Khamenei", "K2", "suspend", 5, 1)]
    assert set(t.who) == {"Twitter"}


def test_ladder_chart_spec_with_decisions(small):
    chart = C.ladder_chart(small, DECISIONS)
    spec = chart.to_dict()
    # one layered view as wide as its container (issue 15): the marks, then the leaders' names
    marks, names = spec["layer"]
    enc = marks["encoding"]
    steps = ["none", "label", "notice", "remove", "lock", "suspend"]
    assert marks["mark"]["type"] == "point"
    assert (enc["x"]["field"], enc["x"]["type"], enc["x"]["scale"]["domain"]) == ("action", "nominal", steps)
    assert enc["color"]["scale"] == {"domain": steps, "range": list(C.LADDER_PALETTE)}
    assert enc["xOffset"]["field"] == "who" and enc["shape"]["scale"]["domain"] == ["Twitter", "You"]
    assert {"title", "name", "level"} <= {t["field"] for t in enc["tooltip"]}
    assert spec["width"] == "container" and "facet" not in spec
    assert names["mark"]["type"] == "text" and names["encoding"]["text"]["field"] == "group"
    assert len(only_data(spec)) == 5 + 3
    assert C.text_alternative(chart) == (
        "Twitter took action on 2 of 3 Trump items and 2 of 2 Khamenei items; the most severe "
        "was permanent suspension for both. You took action on 2 of 2 Trump items and 0 of 1 "
        "Khamenei item; the most severe was permanent suspension for Trump and no action for "
        "Khamenei.")


def test_ladder_piles_items_by_date(small):
    dec = pd.DataFrame({"item_id": ["T1", "T2", "T3"], "action": ["lock"] * 3})
    t = C.ladder_table(small, dec, label="Mine")
    mine = t[t.who == "Mine"]
    assert list(zip(mine.item_id, mine.pile)) == [("T3", 1), ("T1", 2), ("T2", 3)]


def test_ladder_uses_the_most_common_choice_of_a_class(small):
    ids = ["T1", "T2", "T3", "K1", "K2"]
    rows = []
    for item_id in ids:  # 10,000 decisions per item, 50,000 in all
        if item_id == "T1":  # a tie: the lower level wins
            rows += [(item_id, "lock")] * 5000 + [(item_id, "none")] * 5000
        else:
            rows += [(item_id, "label")] * 6000 + [(item_id, "suspend")] * 4000
    dec = pd.DataFrame(rows, columns=["item_id", "action"])
    assert len(dec) == 50_000
    t = C.ladder_table(small, dec, label="Class")
    cls = t[t.who == "Class"].set_index("item_id")
    assert cls.action.to_dict() == {"T1": "none", "T2": "label", "T3": "label", "K1": "label",
                                    "K2": "label"}
    assert set(cls.n) == {10_000}
    assert len(only_data(C.ladder_chart(small, dec).to_dict())) == 10


@pytest.mark.parametrize("dec, column", [
    (pd.DataFrame({"item_id": ["nope"], "action": ["none"]}), "item_id"),
    (pd.DataFrame({"item_id": ["T1"], "action": ["ban"]}), "action"),
])
def test_ladder_rejects_unknown_items_and_actions(small, dec, column):
    with pytest.raises(KitDataError) as err:
        C.ladder_chart(small, dec)
    assert err.value.column == column and err.value.file == "decisions"


def test_ladder_rejects_a_table_without_action(small):
    with pytest.raises(KitDataError, match="missing column"):
        C.ladder_table(small, pd.DataFrame({"item_id": ["T1"]}))


# ---------------------------------------------------------------- 3. learner vs Twitter

def test_learner_vs_twitter_spec():
    chart = C.learner_vs_twitter_chart(COMPARISON)
    spec = chart.to_dict()
    # one layered view as wide as its container (issue 15): rule, Twitter's open squares,
    # the learner's dots on top (visible on Twitter's step), then the titles and leaders
    rule, squares, dots, titles, second_lines, names = spec["layer"]
    assert spec["width"] == "container"
    assert rule["mark"]["type"] == "rule" and dots["mark"]["type"] == "point"
    assert squares["mark"]["type"] == "point" and squares["mark"]["filled"] is False
    assert dots["mark"]["filled"] is True and dots["mark"]["size"] < squares["mark"]["size"]
    assert (rule["encoding"]["x"]["field"], rule["encoding"]["x2"]["field"]) == ("level", "twitter_level")
    assert rule["encoding"]["x"]["type"] == "quantitative"
    assert dots["encoding"]["color"]["scale"] == {"domain": ["Twitter", "You"],
                                                  "range": ["currentColor", "#CC79A7"]}
    assert "gap" in {t["field"] for t in rule["encoding"]["tooltip"]}
    assert "same_text" in {t["field"] for t in dots["encoding"]["tooltip"]}
    assert dots["encoding"]["y"]["scale"]["domain"] == [
        "§Trump", "t1:T1", "T1", "t1:T2", "T2", "§Khamenei", "t1:K1", "K1"]
    assert titles["mark"]["type"] == "text" and titles["encoding"]["text"]["field"] == "title_1"
    assert titles["mark"]["limit"] == {"expr": "width"}   # titles in full, never cut short
    assert len(only_data(spec)) == 3
    assert spec["title"]["text"] == "Your decisions next to Twitter's"
    assert C.text_alternative(chart) == (
        "Your step matched Twitter's on 1 of 3 items, was stricter on 1 and more lenient on 1. "
        "The largest gap was on 'Vaccine': 3 steps more lenient than Twitter.")


def test_learner_vs_twitter_axis_uses_the_ladder(small):
    spec = C.learner_vs_twitter_chart(COMPARISON, small).to_dict()
    axis = spec["layer"][0]["encoding"]["x"]["axis"]
    assert axis["values"] == [0, 1, 2, 3, 4, 5]
    assert "'5 suspend'" in axis["labelExpr"] and "'1 label'" in axis["labelExpr"]
    # without the case file only the actions in the table are named
    axis = C.learner_vs_twitter_chart(COMPARISON).to_dict()["layer"][0]["encoding"]["x"]["axis"]
    assert "'1'" in axis["labelExpr"] and "label" not in axis["labelExpr"].replace("labelExpr", "")


def test_learner_vs_twitter_averages_a_class_of_50000_rows():
    n = 10_000
    rows = []
    for r in COMPARISON.itertuples():
        for i in range(n):
            level = r.level if i % 2 else r.twitter_level   # half agree with Twitter
            action = r.action if i % 2 else r.twitter_action
            rows.append({**r._asdict(), "learner": f"l{i}", "level": level, "action": action,
                         "gap": level - r.twitter_level, "agree": action == r.twitter_action})
    big = pd.DataFrame(rows).drop(columns="Index")
    big = pd.concat([big, big.iloc[:20_000].assign(learner=lambda d: d.learner + "x")])
    assert len(big) == 50_000
    t = C.learner_vs_twitter_table(big)
    assert len(t) == 3
    first = t.set_index("item_id").loc["T1"]
    assert first.n == n + 10_000 and first.share_agree == pytest.approx(0.5)
    assert first.level == pytest.approx(2.5)
    chart = C.learner_vs_twitter_chart(big)
    spec = chart.to_dict()
    assert len(only_data(spec)) == 3
    assert spec["layer"][1]["encoding"]["color"]["scale"]["domain"] == ["Twitter", "Class (mean)"]
    assert C.text_alternative(chart).startswith("Class (mean)'s average step matched Twitter's on 1 of 3")


def test_learner_vs_twitter_with_nothing_decided_says_so():
    chart = C.learner_vs_twitter_chart(COMPARISON.iloc[:0])
    assert chart.to_dict()["mark"]["type"] == "text"
    assert C.text_alternative(chart) == "Your decisions: none yet."


def test_learner_vs_twitter_needs_the_comparison_columns():
    with pytest.raises(KitDataError, match="twitter_level") as err:
        C.learner_vs_twitter_chart(COMPARISON.drop(columns="twitter_level"))
    assert err.value.file == "comparison"
    with pytest.raises(KitDataError, match="DataFrame"):
        C.learner_vs_twitter_chart([1, 2])


def test_learner_vs_twitter_from_real_compare_output(small):
    comparison = kit.compare_decisions(DECISIONS, small)
    chart = C.learner_vs_twitter_chart(comparison, small)
    data = only_data(chart.to_dict())
    assert [(d["item_id"], d["level"], d["twitter_level"]) for d in data] == [
        ("T1", 3.0, 2), ("T2", 5.0, 5), ("K1", 0.0, 3)]
    assert C.text_alternative(chart).startswith("Your step matched Twitter's on 1 of 3 items")


# ---------------------------------------------------------------- 4. policy outcome

def test_policy_outcome_table_keeps_the_most_severe_action_per_day():
    t = C.policy_outcome_table(TIMELINE)
    got = [(r.account, f"{r.date:%Y-%m-%d}", r.source, r.action, r.level, r.items) for r in t.itertuples()]
    assert got == [
        ("@a (Trump)", "2020-05-29", "policy", "remove", 3, 2),
        ("@a (Trump)", "2020-05-29", "Twitter", "notice", 2, 2),
        ("@a (Trump)", "2021-01-08", "policy", "suspend", 5, 1),
        ("@a (Trump)", "2021-01-08", "Twitter", "suspend", 5, 1),
        ("@b (Khamenei)", "2021-01-09", "policy", "lock", 4, 1),
        ("@b (Khamenei)", "2021-01-09", "Twitter", "remove", 3, 1)]


def test_policy_outcome_chart_spec():
    chart = C.policy_outcome_chart(TIMELINE)
    spec = chart.to_dict()
    inner = spec   # one view as wide as its container, a row per account (issue 15)
    assert inner["mark"]["type"] == "line" and inner["mark"]["interpolate"] == "step-after"
    assert inner["width"] == "container"
    enc = inner["encoding"]
    assert (enc["x"]["field"], enc["x"]["type"]) == ("date", "temporal")
    assert (enc["y"]["field"], enc["y"]["type"]) == ("account", "nominal")
    # the level within the account's row; the policy a little apart from Twitter
    assert (enc["yOffset"]["field"], enc["yOffset"]["type"]) == ("shown", "quantitative")
    assert "datum.level" in inner["transform"][0]["calculate"]
    assert enc["color"]["scale"] == {"domain": ["Twitter", "policy"],
                                     "range": ["currentColor", "#CC79A7"]}
    assert enc["strokeDash"]["field"] == "source"
    assert enc["detail"]["field"] == "account"
    assert enc["y"]["sort"] == ["@a (Trump)", "@b (Khamenei)"]
    assert len(only_data(spec)) == 6
    assert C.text_alternative(chart) == (
        "The policy's most severe step matches Twitter's on 1 of 2 accounts. Most severe step "
        "for Trump's accounts: policy suspend, Twitter suspend; for Khamenei's accounts: policy "
        "lock, Twitter remove.")


def test_policy_outcome_aggregates_50000_rows():
    n = 25_000
    dates = pd.date_range("1950-01-01", periods=n, freq="D")
    policy = pd.DataFrame({"handle": "a", "leader": "trump", "date": dates, "source": "policy",
                           "action": np.where(np.arange(n) < 20_000, "none", "suspend"),
                           "level": np.where(np.arange(n) < 20_000, 0, 5)})
    twitter = pd.DataFrame({"handle": "a", "leader": "trump", "date": dates, "source": "Twitter",
                            "action": np.where(np.arange(n) % 2, "remove", "none"),
                            "level": np.where(np.arange(n) % 2, 3, 0)})
    big = pd.concat([policy, twitter], ignore_index=True)
    assert len(big) == 50_000
    t = C.policy_outcome_table(big)
    assert len(t) <= C.MAX_ROWS
    by = t.groupby("source")["level"].agg(["max", "min"])
    assert by.loc["policy"].tolist() == [5, 0] and by.loc["Twitter"].tolist() == [3, 0]
    # Twitter alternates 0/3 daily: merged by week that is 3 (the most severe), except a
    # first week holding only 1 January 1950 (a Sunday), which is 0
    tw = t[t.source == "Twitter"]
    assert (tw["level"] == 0).sum() == 1 and tw.iloc[0].level == 0
    last = t[t.source == "policy"].iloc[-1]
    assert last.level == 5 and last.date >= dates[-1] - pd.Timedelta(days=7)
    # the step where the policy suspends is kept (within the week it happened)
    first_suspend = t[(t.source == "policy") & (t.level == 5)].date.min()
    assert abs(first_suspend - dates[20_000]) <= pd.Timedelta(days=7)
    assert len(only_data(C.policy_outcome_chart(big).to_dict())) == len(t)


def test_policy_outcome_from_real_policy_output(small):
    from kit.policy import outcome_timeline
    timeline = outcome_timeline(kit.apply_policy(kit.Policy(), small))
    chart = C.policy_outcome_chart(timeline, small)
    data = only_data(chart.to_dict())
    assert {d["source"] for d in data} == {"policy", "Twitter"}
    assert {d["handle"] for d in data} == set(timeline.handle)
    assert 0 < len(data) <= len(timeline)
    twitter = {(d["handle"], d["level"]) for d in data if d["source"] == "Twitter"}
    assert ("realDonaldTrump", 5) in twitter and ("khamenei_ir", 3) in twitter


def test_policy_outcome_needs_its_columns():
    with pytest.raises(KitDataError, match="source") as err:
        C.policy_outcome_chart(TIMELINE.drop(columns="source"))
    assert err.value.file == "timeline"


# ---------------------------------------------------------------- 5. class charts

def test_class_distribution_spec():
    chart = C.class_distribution_chart(DISTRIBUTION)
    spec = chart.to_dict()
    inner = spec["layer"][0]   # bars, then the titles and leaders (issue 15: one view)
    assert spec["width"] == "container" and spec["layer"][1]["mark"]["type"] == "text"
    assert inner["mark"]["type"] == "bar"
    enc = inner["encoding"]
    assert (enc["x"]["field"], enc["x"]["type"]) == ("share", "quantitative")
    assert enc["color"]["field"] == "action"
    # keyed by level: none (0), remove (3), suspend (5) get palette entries 0, 3 and 5
    assert enc["color"]["scale"] == {"domain": ["none", "remove", "suspend"],
                                     "range": [C.LADDER_PALETTE[0], C.LADDER_PALETTE[3],
                                               C.LADDER_PALETTE[5]]}
    assert enc["order"]["field"] == "level"
    assert {"count", "share"} <= {t["field"] for t in enc["tooltip"]}
    data = only_data(spec)
    assert len(data) == 5  # the zero count is dropped
    assert C.text_alternative(chart) == (
        "8 decisions on 2 items. The most common choice was none (50% of decisions); the class "
        "was most divided on 'Looting' (top choice 50%).")


def test_class_distribution_adds_up_50000_single_decisions():
    rng = np.random.default_rng(7)
    actions = np.array(["none", "label", "remove", "suspend"])
    levels = {"none": 0, "label": 1, "remove": 3, "suspend": 5}
    picks = actions[rng.integers(0, 4, 50_000)]
    items = np.where(np.arange(50_000) % 2, "T1", "K1")
    big = pd.DataFrame({"item_id": items, "leader": np.where(items == "T1", "trump", "khamenei"),
                        "title": items, "action": picks, "level": [levels[a] for a in picks],
                        "count": 1, "share": 0.0})
    t = C.class_distribution_table(big)
    assert len(t) == 8
    expected = big.groupby(["item_id", "action"]).size()
    assert t.set_index(["item_id", "action"])["count"].sort_index().tolist() == expected.sort_index().tolist()
    assert t.groupby("item_id").share.sum().tolist() == pytest.approx([1.0, 1.0])
    assert len(only_data(C.class_distribution_chart(big).to_dict())) == 8


def test_class_distribution_keeps_the_first_items_past_the_row_limit():
    n = 6000
    big = pd.DataFrame({"item_id": [f"I{i}" for i in range(n)], "leader": "trump",
                        "title": [f"t{i}" for i in range(n)], "action": "none", "level": 0,
                        "count": 1, "share": 1.0})
    chart = C.class_distribution_chart(big)
    assert len(only_data(chart.to_dict())) == C.MAX_ROWS
    assert "(showing the first 5,000 of 6,000 items)" in C.text_alternative(chart)


def test_class_vs_twitter_spec():
    chart = C.class_vs_twitter_chart(VS_TWITTER)
    spec = chart.to_dict()
    rule, squares, dots = spec["layer"][:3]
    assert rule["mark"]["type"] == "rule" and dots["mark"]["type"] == "point"
    assert dots["encoding"]["color"]["scale"]["domain"] == ["Twitter", "Class (mean)"]
    assert {"share_agree", "gap", "action"} <= {t["field"] for t in rule["encoding"]["tooltip"]}
    data = only_data(spec)
    assert [(d["item_id"], d["level"], d["twitter_level"]) for d in data] == [
        ("T1", 2.75, 2), ("K1", 0.75, 3)]  # K2: nobody decided it
    assert C.text_alternative(chart) == (
        "The class's most common choice matched Twitter's action on 0 of 2 items. Averaged over "
        "the items, the class was 0.75 steps more lenient than Twitter.")


def test_class_vs_twitter_merges_50000_rows():
    big = VS_TWITTER.iloc[np.tile([0, 1], 25_000)].reset_index(drop=True)
    assert len(big) == 50_000
    t = C.class_vs_twitter_table(big).set_index("item_id")
    assert t.n.to_dict() == {"T1": 100_000, "K1": 100_000}
    assert t.level.to_dict() == pytest.approx({"T1": 2.75, "K1": 0.75})
    assert t.gap.to_dict() == pytest.approx({"T1": 0.75, "K1": -2.25})


def test_class_charts_from_real_collect_class(small, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    for name, decisions in {"ana": [("T1", "remove"), ("K1", "remove")],
                            "bo": [("T1", "notice"), ("K1", "none")],
                            "cy": [("T1", "remove")]}.items():
        log = kit.DecisionLog.for_learner(name, folder=folder, casebook=small)
        for item_id, action in decisions:
            log.record(item_id, [], action)
    res = kit.collect_class(folder, small)
    dist = C.class_distribution_chart(res.distribution, small)
    rows = {(d["item_id"], d["action"]): d["count"] for d in only_data(dist.to_dict())}
    assert rows == {("T1", "notice"): 1, ("T1", "remove"): 2, ("K1", "none"): 1, ("K1", "remove"): 1}
    assert dist.to_dict()["layer"][0]["encoding"]["color"]["scale"]["range"] == list(C.LADDER_PALETTE)
    vs = C.class_vs_twitter_chart(res.vs_twitter, small)
    data = {d["item_id"]: d for d in only_data(vs.to_dict())}
    assert set(data) == {"T1", "K1"}
    assert data["T1"]["level"] == pytest.approx((3 + 2 + 3) / 3)
    assert data["T1"]["share_agree"] == pytest.approx(1 / 3)
    # T1: modal remove vs Twitter's notice; K1: remove/none tie goes to none vs Twitter's remove.
    # Mean gaps: T1 8/3 - 2 = +0.67, K1 1.5 - 3 = -1.5; their mean is -0.42.
    assert C.text_alternative(vs) == (
        "The class's most common choice matched Twitter's action on 0 of 2 items. Averaged over "
        "the items, the class was 0.42 steps more lenient than Twitter.")


def test_class_charts_need_their_columns():
    with pytest.raises(KitDataError, match="count"):
        C.class_distribution_chart(DISTRIBUTION.drop(columns="count"))
    with pytest.raises(KitDataError, match="mean_level"):
        C.class_vs_twitter_chart(VS_TWITTER.drop(columns="mean_level"))


# ---------------------------------------------------------------- 6. attribution

def test_attribution_table_without_evidence(small):
    t = C.attribution_table(small)
    assert [(r.part, r.label, r.value, r.value_from_text) for r in t.itertuples()] == [
        ("counts", "retweets by state accounts", 80.0, False),
        ("counts", "retweets by the Farsi account", 35.0, True),   # read from "more than 35"
        ("followers", "followers", 8000.0, False),
        ("counts", "tweets deleted after the @khamenei_site suspension (khamenei_ir)", 1.0, False)]
    chart = C.attribution_chart(small)
    spec = chart.to_dict()
    # one layered view as wide as its container (issue 15), parts under their headings
    assert spec["width"] == "container" and "vconcat" not in spec
    parts = sorted({d["group"] for d in only_data(spec)})
    assert parts == ["Followers", "Reported counts"]          # counts and followers, no evidence
    bars = spec["layer"][0]
    assert bars["mark"]["type"] == "bar" and bars["mark"]["color"] == C.LEADER_COLOURS["khamenei"]
    assert bars["encoding"]["x"]["field"] == "bar"
    assert C.text_alternative(chart) == (
        "Reported about @khamenei_site: retweets by state accounts: more than 80 times; retweets "
        "by the Farsi account: more than 35 times; tweets deleted after the @khamenei_site "
        "suspension (khamenei_ir): one; and 1 more figure. No attribution evidence about "
        "@khamenei_site is in the case file yet.")


def test_attribution_chart_with_evidence(small_with_evidence):
    chart = C.attribution_chart(small_with_evidence, "@khamenei_site")
    spec = chart.to_dict()
    assert spec["width"] == "container" and "vconcat" not in spec
    assert len({d["group"] for d in only_data(spec)}) == 3
    evid = [layer for layer in spec["layer"] if layer["mark"]["type"] == "square"][0]
    assert evid["encoding"]["color"]["scale"] == {"domain": list(C.POINTS_TO),
                                                  "range": list(C.POINTS_TO_COLOURS)}
    assert {"claim", "claimed_by", "source_ids"} <= {t["field"] for t in evid["encoding"]["tooltip"]}
    ev_rows = [d for d in only_data(spec) if d["part"] == "evidence" and d["kind"] == "square"]
    assert [(d["points_to"], d["position"]) for d in ev_rows] == [("linked", 1), ("impostor", 1),
                                                                 ("linked", 2)]
    assert C.text_alternative(chart).endswith(
        "Of 3 pieces of attribution evidence, 2 point to linked and 1 points to impostor.")


def test_attribution_of_an_account_with_nothing_on_file(small):
    chart = C.attribution_chart(small, "nobody")
    assert chart.to_dict()["mark"]["type"] == "text"
    assert C.text_alternative(chart) == ("No figures about @nobody are in the case file. No "
                                         "attribution evidence about @nobody is in the case file yet.")


def test_attribution_of_an_unknown_account(small):
    with pytest.raises(KitDataError, match="not an account") as err:
        C.attribution_chart(small, "no_such_account")
    assert err.value.file == "data/accounts.csv"


# ---------------------------------------------------------------- every chart

def all_charts(cb):
    return {
        "timeline": C.timeline_chart(cb),
        "ladder": C.ladder_chart(cb, DECISIONS),
        "learner_vs_twitter": C.learner_vs_twitter_chart(COMPARISON, cb),
        "policy_outcome": C.policy_outcome_chart(TIMELINE, cb),
        "class_distribution": C.class_distribution_chart(DISTRIBUTION, cb),
        "class_vs_twitter": C.class_vs_twitter_chart(VS_TWITTER, cb),
        "attribution": C.attribution_chart(cb),
    }


def _widths(obj):
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "width":
                yield v
            yield from _widths(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _widths(v)


def test_every_chart_is_titled_described_narrow_and_offline(small_with_evidence):
    for name, chart in all_charts(small_with_evidence).items():
        spec = chart.to_dict()
        text = json.dumps(spec)
        assert spec["title"]["text"], name
        assert spec["description"] == C.text_alternative(chart), name
        assert "nan" not in spec["description"].lower().split(), name
        assert 1 <= len(re.findall(r"[.!?](?:\s|$)", spec["description"])) <= 2, name
        assert '"tooltip"' in text, name
        assert CDN not in text, name
        # as wide as their container (issue 15), or a fixed width that fits a narrow panel
        assert all(w == "container" or (isinstance(w, (int, float)) and w <= 560)
                   for w in _widths(spec)), name
        assert sum(len(d) for d in datasets(spec)) <= C.MAX_ROWS, name


def test_every_chart_is_one_view_as_wide_as_its_container(small_with_evidence, casebook):
    # issue 15: Vega-Lite's width="container" takes only a single or layered view, never a
    # facet or a concatenation, so every kit chart (the ladder and attribution charts too)
    # is one view, without a fixed width anywhere inside it
    charts = {**all_charts(small_with_evidence),
              "ladder (shipped)": C.ladder_chart(casebook),
              "attribution (shipped)": C.attribution_chart(casebook)}
    for name, chart in charts.items():
        spec = chart.to_dict()
        assert spec["width"] == "container", name
        assert not {"facet", "vconcat", "hconcat", "concat", "repeat", "spec"} & set(spec), name
        assert set(_widths(spec)) == {"container"}, name
        for layer in spec.get("layer", []):
            assert "layer" not in layer and "facet" not in layer, name


def test_ladder_chart_keeps_each_leader_in_a_block_of_its_own(small):
    # the learner's circle beside Twitter's square on the same step; each leader's items
    # counted from the foot of its own block, its name over it, Trump's block on top
    same = pd.DataFrame({"item_id": ["T2"], "action": ["suspend"]})
    spec = C.ladder_chart(small, same).to_dict()
    marks, names = spec["layer"]
    rows = only_data(spec)
    t2 = {d["who"]: d for d in rows if d["item_id"] == "T2"}
    assert (t2["Twitter"]["action"], t2["You"]["action"]) == ("suspend", "suspend")
    assert t2["Twitter"]["y"] == t2["You"]["y"]
    assert marks["encoding"]["xOffset"]["field"] == "who"       # side by side, both visible
    axis = marks["encoding"]["y"]["axis"]
    block = int(axis["labelExpr"].split("%")[1])
    trump = [d["y"] for d in rows if d["group"] == "Trump"]
    khamenei = [d["y"] for d in rows if d["group"] == "Khamenei"]
    assert min(trump) > max(khamenei) and max(khamenei) < block <= min(trump)
    assert sorted({d["y"] % block for d in rows}) == sorted({d["pile"] for d in rows})
    heads = {d["group"]: d["head"] for d in rows}
    assert heads["Trump"] > max(trump) and max(khamenei) < heads["Khamenei"] < min(trump)
    assert names["transform"][0]["groupby"] == ["group"]


def test_attribution_chart_writes_each_label_in_full_and_every_evidence_row(small_with_evidence,
                                                                            casebook):
    rows = only_data(C.attribution_chart(small_with_evidence).to_dict())
    titles = {d["title"] for d in rows}
    assert {"Points to official: no claims", "Points to linked: 2 claims",
            "Points to impostor: 1 claim", "Points to unclear: no claims"} <= titles
    spec = C.attribution_chart(small_with_evidence).to_dict()
    domain = spec["layer"][0]["encoding"]["y"]["scale"]["domain"]
    assert [r for r in domain if r.startswith("evidence:")] == [
        f"evidence:{p}" for p in C.POINTS_TO]                    # rows in POINTS_TO order
    assert domain.index("§Reported counts") < domain.index("§Followers") < domain.index(
        "§Attribution evidence: one square per claim")
    bars = [d for d in rows if d["kind"] == "bar"]
    for part in ("Reported counts", "Followers"):
        assert max(d["bar"] for d in bars if d["group"] == part) == pytest.approx(0.6)
    # the shipped case file: no measure is shortened any more (it was, to three lines)
    shipped = C.attribution_table(casebook)
    drawn = only_data(C.attribution_chart(casebook).to_dict())
    figures = shipped[shipped.part == "counts"]
    assert set(figures.label) <= {d["title"] for d in drawn}


def test_every_chart_compiles_and_renders_offline(small_with_evidence):
    vlc = pytest.importorskip("vl_convert")
    for name, chart in all_charts(small_with_evidence).items():
        vega = vlc.vegalite_to_vega(chart.to_dict())
        assert vega["description"] == C.text_alternative(chart), name
        svg = vlc.vegalite_to_svg(chart.to_dict())
        width = float(re.search(r'<svg[^>]* width="([\d.]+)"', svg).group(1))
        assert width <= 600, name  # plot plus labels fits a narrow panel


def test_text_alternative_needs_a_kit_chart():
    with pytest.raises(KitDataError, match="no text description"):
        C.text_alternative(alt.Chart(pd.DataFrame({"x": [1]})).mark_point())


# ---------------------------------------------------------------- set-up and show

def test_setup_switches_to_offline_jupyter_rendering(altair_state):
    alt.renderers.enable("default")
    alt.theme.enable("default")
    assert kit.setup is C.setup
    assert kit.setup() is None
    assert alt.renderers.active == "jupyter"
    assert alt.renderers.options == {"offline": True}
    assert alt.theme.active == "kit"
    assert alt.JupyterChart._is_offline
    assert CDN not in alt.JupyterChart._esm
    bundle = alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q")._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in json.dumps(bundle)
    assert CDN not in json.dumps(bundle)
    esm = alt.JupyterChart._esm
    assert C.setup() is None               # again: same state, bundle not rebuilt
    assert alt.JupyterChart._esm is esm
    assert (alt.renderers.active, alt.renderers.options, alt.theme.active) == (
        "jupyter", {"offline": True}, "kit")


def test_setup_theme_sets_fonts_and_follows_the_page_theme(altair_state):
    # issue 15: no white box in a dark theme: a transparent background, text in the page's ink
    C.setup()
    config = alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q").to_dict()["config"]
    assert config["font"] == C.style.FONT
    assert config["title"]["fontSize"] == 15
    assert config["background"] == "transparent"
    assert {config["axis"]["labelColor"], config["title"]["color"], config["legend"]["labelColor"],
            config["header"]["labelColor"]} == {"currentColor"}
    assert "#fff" not in json.dumps(config).lower() and "white" not in json.dumps(config)


def test_show_returns_an_offline_widget_that_can_be_updated(altair_state, small):
    import ipywidgets
    first = C.ladder_chart(small)
    view = C.show(first)
    assert isinstance(view, alt.JupyterChart) and isinstance(view, ipywidgets.DOMWidget)
    assert alt.JupyterChart._is_offline
    view.chart = C.ladder_chart(small, DECISIONS)
    assert C.text_alternative(view.chart).startswith("Twitter took action")
    assert CDN not in json.dumps(view.spec)
    with pytest.raises(KitDataError, match="Altair chart"):
        C.show("not a chart")


# ---------------------------------------------------------------- the shipped case file (structure)

def test_charts_of_the_shipped_case_file(casebook):
    t = C.timeline_table(casebook)
    assert set(t.kind) <= set(C.EVENT_KINDS) and "Twitter action" in set(t.kind)
    assert set(t.group) <= {"Trump", "Khamenei", "Both / general"}
    assert len(C.ladder_table(casebook)) == len(casebook.items)
    a = C.attribution_table(casebook)
    assert set(a.part) <= {"counts", "followers", "evidence"} and "counts" in set(a.part)
    for chart in (C.timeline_chart(casebook), C.ladder_chart(casebook), C.attribution_chart(casebook)):
        spec = chart.to_dict()
        assert spec["description"] and CDN not in json.dumps(spec)


def test_offline_bundle_is_cached_between_kernels(tmp_path, monkeypatch):
    import altair as alt
    from kit.charts import offline

    monkeypatch.setenv("KIT_CACHE_DIR", str(tmp_path))
    offline.setup()
    offline.save_bundle()
    cached = list(tmp_path.glob("altair-*-offline.js"))
    assert len(cached) == 1 and "cdn.jsdelivr" not in cached[0].read_text(encoding="utf-8")[:5000]
    built = alt.JupyterChart._esm
    # a "new kernel": the class forgets its bundle, then loads the cached copy
    monkeypatch.setattr(alt.JupyterChart, "_is_offline", False)
    monkeypatch.setattr(alt.JupyterChart, "_esm", "")
    offline.load_cached_bundle()
    assert alt.JupyterChart._is_offline and alt.JupyterChart._esm == built
    # a truncated cache file is ignored (the bundle is rebuilt instead)
    cached[0].write_text("x", encoding="utf-8")
    monkeypatch.setattr(alt.JupyterChart, "_is_offline", False)
    monkeypatch.setattr(alt.JupyterChart, "_esm", "")
    offline.load_cached_bundle()
    assert not alt.JupyterChart._is_offline



def test_offline_bundle_cache_is_checked_by_hash_before_use(tmp_path, monkeypatch):
    import hashlib
    import os
    import sys

    import altair as alt
    from kit.charts import offline

    monkeypatch.setenv("KIT_CACHE_DIR", str(tmp_path))
    offline.setup()
    offline.save_bundle()
    built = alt.JupyterChart._esm
    path = offline.bundle_path()
    sidecar = path + ".sha256"
    assert open(sidecar).read().strip() == hashlib.sha256(built.encode("utf-8")).hexdigest()

    def new_kernel():
        monkeypatch.setattr(alt.JupyterChart, "_is_offline", False)
        monkeypatch.setattr(alt.JupyterChart, "_esm", "")

    new_kernel()
    assert offline.load_cached_bundle() is True and alt.JupyterChart._esm == built
    # tampered: same length, whole-looking, one injected statement -> not run, rebuilt
    evil = "globalThis.pwned=1;" + built[len("globalThis.pwned=1;"):]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(evil)
    new_kernel()
    assert offline.load_cached_bundle() is False
    assert not alt.JupyterChart._is_offline and "pwned" not in alt.JupyterChart._esm
    offline.setup()   # a new kernel's set-up: builds again and rewrites the cache
    assert alt.JupyterChart._is_offline and "globalThis.pwned" not in alt.JupyterChart._esm
    assert "globalThis.pwned" not in open(path, encoding="utf-8").read()
    new_kernel()
    assert offline.load_cached_bundle() is True and alt.JupyterChart._esm == built
    # tampered together with a matching hash, but writable by others -> not run
    if sys.platform != "win32":
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(evil)
        with open(sidecar, "w", encoding="ascii") as fh:
            fh.write(hashlib.sha256(evil.encode("utf-8")).hexdigest())
        os.chmod(path, 0o666)
        new_kernel()
        assert offline.load_cached_bundle() is False and not alt.JupyterChart._is_offline
        os.chmod(path, 0o600)
        os.remove(path)
        os.symlink(sidecar, path)   # a symlink is not followed either
        new_kernel()
        assert offline.load_cached_bundle() is False
        os.remove(path)
        new_kernel()
        offline.setup()
        new_kernel()
        assert offline.load_cached_bundle() is True and alt.JupyterChart._esm == built
    # no hash next to the bundle (e.g. a cache from an older kit) -> not run
    os.remove(sidecar)
    new_kernel()
    assert offline.load_cached_bundle() is False


# ---------------------------------------------------------------- layout (issue 15, item 5)

def test_long_item_titles_are_written_in_full_on_two_lines():
    long = ("'Ppl who immigrated to Occupied #Palestine' tweet (date unknown; quoted by ADL "
            "on 19 March 2021)")
    comp = COMPARISON.assign(title=["Looting", long, "Vaccine"])
    spec = C.learner_vs_twitter_chart(comp).to_dict()
    row = [d for d in only_data(spec) if d["item_id"] == "T2"][0]
    assert row["title_2"] and f"{row['title_1']} {row['title_2']}" == long   # nothing cut
    assert "…" not in row["title_1"] + row["title_2"]
    domain = spec["layer"][0]["encoding"]["y"]["scale"]["domain"]
    assert domain[domain.index("t1:T2"):domain.index("t1:T2") + 3] == ["t1:T2", "t2:T2", "T2"]


def test_the_learners_mark_stays_visible_on_twitters_step():
    # T2: the learner chose suspend, as Twitter did
    spec = C.learner_vs_twitter_chart(COMPARISON).to_dict()
    marks = [layer["mark"] for layer in spec["layer"]]
    squares = next(i for i, m in enumerate(marks) if m.get("filled") is False)
    dots = next(i for i, m in enumerate(marks) if m.get("filled") is True)
    assert squares < dots, "the learner's dots are drawn after (on top of) Twitter's squares"
    assert marks[dots]["size"] * 2 <= marks[squares]["size"], "a dot fits inside a square"
    t2 = [d for d in only_data(spec) if d["item_id"] == "T2"][0]
    assert t2["same_text"] == "yes"   # and the tooltip says so


def test_kit_charts_fill_their_container_and_have_no_white_box(small_with_evidence, altair_state):
    C.setup()
    for name in ("timeline", "learner_vs_twitter", "policy_outcome", "class_distribution",
                 "class_vs_twitter"):
        spec = all_charts(small_with_evidence)[name].to_dict()
        assert spec["width"] == "container", name
        assert spec["config"]["background"] == "transparent", name


def test_timeline_can_leave_out_what_twitter_did_to_the_items_learners_decide():
    """Before lesson 3's reveal (notebook 1) the timeline keeps Twitter's other actions but
    shows none of its actions on the items the learner is about to decide."""
    import kit
    from kit.charts.case import timeline_table
    cb = kit.load_casebook()
    full = timeline_table(cb)
    hidden = timeline_table(cb, item_actions=False)
    acted = full[full["kind"] == "Twitter action"]
    kept = hidden[hidden["kind"] == "Twitter action"]
    assert 0 < len(kept) < len(acted)
    item_ids = set(cb.items["item_id"])
    linked = set(cb.events.loc[cb.events["item_id"].isin(item_ids), "description"].astype(str))
    assert not set(kept["description"]) & linked
    assert not any(f"({i})" in d for d in kept["description"] for i in item_ids)
    # everything that is not a Twitter action is the same
    others = lambda t: t[t["kind"] != "Twitter action"].reset_index(drop=True)  # noqa: E731
    pd.testing.assert_frame_equal(others(full), others(hidden))
