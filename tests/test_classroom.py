"""kit.classroom: a folder of learner files -> class tables, problems and Fleiss' kappa.

Learner files are written with kit.DecisionLog (live logs and its JSON/CSV exports)
on a tiny synthetic case file, so every count below is worked out by hand.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

import kit
from kit.classroom import (CLASS_DECISION_COLUMNS, CLASS_DISTRIBUTION_COLUMNS, PROBLEM_COLUMNS,
                           VS_TWITTER_COLUMNS, ClassResults, collect_class)
from kit.compare import fleiss_kappa
from kit.decisions import DecisionLog

ACCOUNTS = [{"handle": "t", "leader": "trump"}, {"handle": "k", "leader": "khamenei"}]
LADDER = ["none", "label", "notice", "remove", "lock", "suspend"]  # for building test data only


def item(item_id, leader, action, rules=""):
    return {"item_id": item_id, "leader": leader, "handle": leader[0], "title": f"{item_id} title",
            "date": "2020-06-01", "compare_group": "violence", "twitter_action": action,
            "twitter_rule_ids": rules}


# Twitter: T1 suspend (5), T2 label (1), K1 none (0), K2 remove (3)
ITEMS = [item("T1", "trump", "suspend", "glorification_of_violence"),
         item("T2", "trump", "label", "civic_integrity"),
         item("K1", "khamenei", "none"),
         item("K2", "khamenei", "remove", "abusive_behavior")]


@pytest.fixture
def small(case_factory):
    return case_factory(accounts=ACCOUNTS, items=ITEMS)


def log_for(folder, name, small, decisions):
    log = DecisionLog.for_learner(name, folder=folder, casebook=small)
    for item_id, action, *rules in decisions:
        log.record(item_id, rules, action)
    return log


@pytest.fixture
def class_folder(tmp_path, small):
    """ana: live log; bo: JSON export only; cy: CSV export only."""
    folder = tmp_path / "class"
    folder.mkdir()
    log_for(folder, "ana", small, [("T1", "suspend", "glorification_of_violence"),
                                   ("T2", "none"), ("T2", "label", "civic_integrity"),
                                   ("K1", "remove", "abusive_behavior"), ("K2", "remove")])
    bo = log_for(tmp_path / "bo-home", "bo", small, [("T1", "lock"), ("T2", "none"),
                                                     ("K1", "remove")])
    bo.export(folder / "bo.json")
    cy = log_for(tmp_path / "cy-home", "cy", small, [("T1", "suspend"), ("T2", "label"),
                                                     ("K1", "none"), ("K2", "remove")])
    cy.export(folder / "cy.csv", format="csv")
    return folder


@pytest.fixture
def res(class_folder, small):
    return collect_class(class_folder, small)


# ---------------------------------------------------------------- a good class

def test_learners_and_long_table(res):
    assert isinstance(res, ClassResults)
    assert res.learners == ["ana", "bo", "cy"]
    assert len(res.problems) == 0 and list(res.problems.columns) == list(PROBLEM_COLUMNS)
    d = res.decisions
    assert list(d.columns) == list(CLASS_DECISION_COLUMNS)
    assert list(zip(d.learner, d.item_id)) == [
        ("ana", "T1"), ("ana", "T2"), ("ana", "K1"), ("ana", "K2"),
        ("bo", "T1"), ("bo", "T2"), ("bo", "K1"),
        ("cy", "T1"), ("cy", "T2"), ("cy", "K1"), ("cy", "K2")]
    # ana changed her mind on T2: the latest decision counts
    assert d.action.tolist() == ["suspend", "label", "remove", "remove", "lock", "none", "remove",
                                 "suspend", "label", "none", "remove"]
    assert d.level.tolist() == [5, 1, 3, 3, 4, 0, 3, 5, 1, 0, 3]
    assert d.rules.tolist()[:4] == [("glorification_of_violence",), ("civic_integrity",),
                                    ("abusive_behavior",), ()]


def test_distribution_by_hand(res, small):
    dist = res.distribution
    assert list(dist.columns) == list(CLASS_DISTRIBUTION_COLUMNS)
    assert len(dist) == 4 * len(small.action_levels)  # every item x every action
    counts = {(r.item_id, r.action): r.count for r in dist.itertuples()}
    assert counts[("T1", "suspend")] == 2 and counts[("T1", "lock")] == 1
    assert counts[("T1", "none")] == 0
    assert counts[("T2", "label")] == 2 and counts[("T2", "none")] == 1
    assert counts[("K1", "remove")] == 2 and counts[("K1", "none")] == 1
    assert counts[("K2", "remove")] == 2
    assert sum(counts.values()) == 11
    shares = {(r.item_id, r.action): r.share for r in dist.itertuples()}
    assert shares[("T1", "suspend")] == pytest.approx(2 / 3)
    assert shares[("K2", "remove")] == 1.0 and shares[("K2", "none")] == 0.0
    t1 = dist[dist.item_id == "T1"]
    assert t1.action.tolist() == LADDER and t1.level.tolist() == [0, 1, 2, 3, 4, 5]
    assert set(t1.leader) == {"trump"} and set(t1.title) == {"T1 title"}


def test_vs_twitter_by_hand(res):
    v = res.vs_twitter.set_index("item_id")
    assert list(res.vs_twitter.columns) == list(VS_TWITTER_COLUMNS)
    assert v.index.tolist() == ["T1", "T2", "K1", "K2"]
    assert v.n.tolist() == [3, 3, 3, 2]
    assert v.twitter_action.tolist() == ["suspend", "label", "none", "remove"]
    assert v.modal_action.tolist() == ["suspend", "label", "remove", "remove"]
    assert not v.modal_tied.any()
    assert v.share_agree_twitter.tolist() == pytest.approx([2 / 3, 2 / 3, 1 / 3, 1.0])
    assert v.mean_level.tolist() == pytest.approx([14 / 3, 2 / 3, 2.0, 3.0])
    assert v.twitter_level.tolist() == [5, 1, 0, 3]
    assert v.mean_gap.tolist() == pytest.approx([-1 / 3, -1 / 3, 2.0, 0.0])


def test_fleiss_kappa_over_items_everyone_decided(res):
    # T1, T2, K1 (K2 not decided by bo). Each item: 2 + 1 ratings -> P_i = 1/3.
    # 9 ratings: none 2, label 2, remove 2, lock 1, suspend 2 -> P_e = 17/81
    # kappa = (1/3 - 17/81) / (1 - 17/81) = 10/64
    assert res.kappa_items == 3
    assert res.fleiss_kappa == pytest.approx(10 / 64)
    text = res.summary()
    assert "3 learners" in text and "11 decisions" in text
    assert "Fleiss' kappa 0.16 (slight agreement)" in text and "3 items" in text
    assert "skipped" not in text
    assert str(res) == text


def test_modal_ties_go_to_the_lower_level(tmp_path, small):
    folder = tmp_path / "c"
    log_for(folder, "a", small, [("T1", "suspend")])
    log_for(folder, "b", small, [("T1", "none")])
    v = collect_class(folder, small).vs_twitter.set_index("item_id")
    assert v.at["T1", "modal_action"] == "none" and bool(v.at["T1", "modal_tied"])
    assert v.at["T2", "n"] == 0 and v.at["T2", "modal_action"] is None
    assert math.isnan(v.at["T2", "mean_level"]) and math.isnan(v.at["T2", "share_agree_twitter"])


# ---------------------------------------------------------------- bad and odd files

def test_bad_files_are_skipped_and_reported(class_folder, small):
    (class_folder / "corrupt.json").write_text('{"format": "casebook-kit-decisions", "vers')
    (class_folder / "foreign.json").write_text(json.dumps({"name": "my playlist", "songs": []}))
    export = json.loads((class_folder / "bo.json").read_text())
    export["learner"] = "dee"
    export["decisions"][0]["item_id"] = "X9"  # an item this case file does not have
    (class_folder / "dee.json").write_text(json.dumps(export))
    (class_folder / "empty.csv").write_text("")
    (class_folder / "notes.txt").write_text("remember to collect files")
    (class_folder / ".DS_Store").write_bytes(b"\x00\x01")
    (class_folder / "old").mkdir()
    DecisionLog.for_learner("eve", folder=class_folder, casebook=small).record_answer(
        "survey", "same_rules", "agree")  # a log with answers but no decisions yet

    res = collect_class(class_folder, small)
    assert res.learners == ["ana", "bo", "cy"]  # the good files still count
    assert len(res.decisions) == 11
    p = res.problems.set_index("file")
    assert p.index.tolist() == sorted(p.index.tolist())
    assert set(p.index) == {"corrupt.json", "foreign.json", "dee.json", "empty.csv",
                            "eve.decisions.jsonl", "notes.txt", "old"}
    assert p.kind.to_dict() == {"corrupt.json": "skipped", "foreign.json": "skipped",
                                "dee.json": "skipped", "empty.csv": "skipped",
                                "eve.decisions.jsonl": "skipped", "notes.txt": "ignored",
                                "old": "ignored"}
    assert "not valid JSON" in p.at["corrupt.json", "problem"]
    assert "not a casebook kit decisions file" in p.at["foreign.json", "problem"]
    assert "'X9' is not an item" in p.at["dee.json", "problem"]
    assert "empty" in p.at["empty.csv", "problem"]
    assert "no decisions" in p.at["eve.decisions.jsonl", "problem"]
    assert str(class_folder) not in p.at["dee.json", "problem"]  # the file column says where
    text = res.summary()
    assert "5 file(s) skipped" in text and "2 other file(s) ignored" in text
    assert "- dee.json:" in text
    assert res.fleiss_kappa == pytest.approx(10 / 64)  # unchanged by the bad files


def test_duplicate_learner_keeps_the_latest_decisions(class_folder, small):
    # ana's older export under a name that sorts after her live log ...
    ana = DecisionLog(class_folder / "ana.decisions.jsonl", casebook=small)
    ana.export(class_folder / "zz-ana-old.json")
    # ... and a newer decision in the live log
    ana.record("K2", [], "lock")
    res = collect_class(class_folder, small)
    assert res.learners == ["ana", "bo", "cy"]
    mine = res.decisions[res.decisions.learner == "ana"]
    assert mine.set_index("item_id").action.to_dict()["K2"] == "lock"
    p = res.problems
    assert p.file.tolist() == ["zz-ana-old.json"] and p.kind.tolist() == ["duplicate"]
    assert "ana.decisions.jsonl" in p.problem[0] and "'ana'" in p.problem[0]
    assert "its latest decision is more recent" in p.problem[0]
    assert "appears twice" in res.summary()


def test_duplicate_with_the_same_decisions_keeps_the_last_saved_file(class_folder, small):
    ana = DecisionLog(class_folder / "ana.decisions.jsonl", casebook=small)
    out = ana.export(class_folder / "a-ana.json")  # same decisions, sorts first by name
    os.utime(class_folder / "ana.decisions.jsonl", (1_700_000_000, 1_700_000_000))
    os.utime(out, (1_700_000_100, 1_700_000_100))
    res = collect_class(class_folder, small)
    assert res.problems.file.tolist() == ["ana.decisions.jsonl"]
    assert "a-ana.json" in res.problems.problem[0]
    assert "saved more recently" in res.problems.problem[0]
    assert len(res.decisions[res.decisions.learner == "ana"]) == 4


# ---------------------------------------------------------------- edge cases

def test_empty_folder_is_not_an_error(tmp_path, small):
    (tmp_path / "class").mkdir()
    res = collect_class(tmp_path / "class", small)
    assert res.learners == [] and res.decisions.empty and res.problems.empty
    assert list(res.decisions.columns) == list(CLASS_DECISION_COLUMNS)
    assert len(res.distribution) == 4 * 6 and (res.distribution["count"] == 0).all()
    assert (res.distribution.share == 0).all()
    assert res.vs_twitter.n.tolist() == [0, 0, 0, 0]
    assert math.isnan(res.fleiss_kappa) and "at least 2 learners" in res.kappa_note
    assert res.summary().startswith("No learner decisions yet")


def test_missing_folder_or_a_file_is_an_error(tmp_path, small):
    with pytest.raises(kit.KitDataError, match="does not exist"):
        collect_class(tmp_path / "nope", small)
    f = tmp_path / "a.json"
    f.write_text("{}")
    with pytest.raises(kit.KitDataError, match="not a folder"):
        collect_class(f, small)


def test_one_learner_has_no_kappa(tmp_path, small):
    folder = tmp_path / "class"
    log_for(folder, "solo", small, [("T1", "none"), ("K1", "none")])
    res = collect_class(folder, small)
    assert res.learners == ["solo"]
    assert math.isnan(res.fleiss_kappa) and "found 1" in res.kappa_note
    assert "not available" in res.summary()


def test_full_agreement_on_one_action_is_explained(tmp_path, small):
    folder = tmp_path / "class"
    for name in ("a", "b", "c"):
        log_for(folder, name, small, [("T1", "none"), ("K1", "none")])
    res = collect_class(folder, small)
    assert math.isnan(res.fleiss_kappa) and res.kappa_items == 2
    assert "full agreement" in res.kappa_note


def test_no_item_decided_by_everyone(tmp_path, small):
    folder = tmp_path / "class"
    log_for(folder, "a", small, [("T1", "none")])
    log_for(folder, "b", small, [("K1", "none")])
    res = collect_class(folder, small)
    assert math.isnan(res.fleiss_kappa) and res.kappa_items == 0
    assert "no item was decided by all 2 learners" in res.kappa_note


def test_casebook_is_loaded_once_when_not_given(monkeypatch, class_folder, small):
    calls = []

    def fake_load(data_dir=None):
        calls.append(data_dir)
        return small

    monkeypatch.setattr(kit.casebook, "load_casebook", fake_load)
    res = collect_class(class_folder)
    assert calls == [None] and res.learners == ["ana", "bo", "cy"]


# ---------------------------------------------------------------- a big class

def test_a_thousand_learners(tmp_path, small):
    template = log_for(tmp_path / "t", "template", small, [("T1", "none"), ("T2", "none"),
                                                           ("K1", "none"), ("K2", "none")])
    doc = json.loads(template.export(tmp_path / "t.json").read_text())
    folder = tmp_path / "big"
    folder.mkdir()
    n_learners = 1000
    for n in range(n_learners):
        actions = {"T1": LADDER[n % 6], "T2": "label" if n % 2 else "none", "K1": "remove",
                   "K2": "lock"}
        entries = [{**e, "action": actions[e["item_id"]]} for e in doc["decisions"]
                   if e["item_id"] != "K2" or n % 10 == 0]
        (folder / f"learner{n:04d}.json").write_text(
            json.dumps({**doc, "learner": f"learner {n:04d}", "decisions": entries}))
    res = collect_class(folder, small)
    assert len(res.learners) == n_learners and res.problems.empty
    assert len(res.decisions) == 3 * n_learners + n_learners // 10
    counts = res.distribution.set_index(["item_id", "action"])["count"]
    # T1: n % 6 -> 167 each for none..remove (0-3), 166 for lock, suspend (4, 5)
    assert counts["T1"].tolist() == [167, 167, 167, 167, 166, 166]
    assert counts["T2"].tolist() == [500, 500, 0, 0, 0, 0]
    assert counts["K1"].tolist() == [0, 0, 0, 1000, 0, 0]
    assert counts["K2"].tolist() == [0, 0, 0, 0, 100, 0]
    assert len(res.distribution) == 24 and len(res.vs_twitter) == 4  # small, chartable
    v = res.vs_twitter.set_index("item_id")
    assert v.n.tolist() == [1000, 1000, 1000, 100]
    assert v.at["K1", "share_agree_twitter"] == 0.0 and v.at["K2", "mean_gap"] == 1.0
    assert v.at["T2", "modal_action"] == "none" and bool(v.at["T2", "modal_tied"])
    # Fleiss over T1, T2, K1 (K2 was decided by only 100 learners)
    assert res.kappa_items == 3
    expected = fleiss_kappa([[167, 167, 167, 167, 166, 166], [500, 500, 0, 0, 0, 0],
                             [0, 0, 0, 1000, 0, 0]])
    assert res.fleiss_kappa == pytest.approx(expected)
    assert "1000 learners" in res.summary()


def test_on_the_shipped_case_file(tmp_path, casebook):
    ids = casebook.items.item_id.tolist()
    folder = tmp_path / "class"
    for name, action in (("a", "none"), ("b", "suspend")):
        log = DecisionLog.for_learner(name, folder=folder, casebook=casebook)
        for item_id in ids[:3]:
            log.record(item_id, [], action)
    res = collect_class(folder, casebook)
    n_actions = len(casebook.action_levels)
    assert len(res.distribution) == len(ids) * n_actions < 5000  # Altair's row limit
    assert res.vs_twitter.item_id.tolist() == ids
    assert res.vs_twitter.n.tolist() == [2, 2, 2] + [0] * (len(ids) - 3)
    # two learners who always disagree, each using one action: P-bar = 0, kappa = -1
    assert res.fleiss_kappa == pytest.approx(-1.0) and res.kappa_items == 3
    assert "less agreement than chance" in res.summary()


def test_a_file_without_a_learner_name_stands_for_its_file_name(tmp_path, small):
    folder = tmp_path / "class"
    log = log_for(folder, "placeholder", small, [("T1", "label"), ("T1", "lock")])
    lines = log.path.read_text().splitlines(keepends=True)
    header = json.loads(lines[0])
    header["learner"] = "  "  # a log may carry a blank name; an export may not
    (folder / "nameless.decisions.jsonl").write_text(json.dumps(header) + "\n" + "".join(lines[1:]))
    log.path.unlink()
    res = collect_class(folder, small)
    assert res.problems.empty
    assert res.learners == ["nameless"]
    assert res.decisions.action.tolist() == ["lock"]  # the reader gives the latest decision


def test_an_unexpected_error_in_one_file_does_not_stop_the_class_view(monkeypatch, class_folder,
                                                                      small):
    real_read = kit.classroom.read_decision_records

    def read(path, casebook=None):
        if Path(path).name == "bo.json":
            raise RuntimeError("disk on fire")
        return real_read(path, casebook)

    monkeypatch.setattr(kit.classroom, "read_decision_records", read)
    res = collect_class(class_folder, small)
    assert res.learners == ["ana", "cy"]
    p = res.problems.set_index("file")
    assert p.kind.to_dict() == {"bo.json": "skipped"}
    assert "RuntimeError: disk on fire" in p.at["bo.json", "problem"]
