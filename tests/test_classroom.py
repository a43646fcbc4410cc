"""kit.classroom: a folder of learner files -> class tables, problems and Fleiss' kappa.

Learner files are written with kit.DecisionLog (live logs and its JSON/CSV exports)
on a tiny synthetic case file, so every count below is worked out by hand.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import unicodedata
from pathlib import Path

import pytest

import kit
from kit.classroom import (CLASS_DECISION_COLUMNS, CLASS_DISTRIBUTION_COLUMNS, PROBLEM_COLUMNS,
                           VS_TWITTER_COLUMNS, ClassResults, collect_class)
from kit.compare import fleiss_kappa
from kit.decisions import DecisionLog
from kit.decisions.readers import read_decision_file

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
    export["decisions"][0]["rules"] = ["X9"]  # a rule this case file does not have
    (class_folder / "dee.json").write_text(json.dumps(export))
    (class_folder / "empty.csv").write_text("")
    (class_folder / "notes.txt").write_text("remember to collect files")
    (class_folder / ".DS_Store").write_bytes(b"\x00\x01")
    (class_folder / "old").mkdir()
    eve = DecisionLog.for_learner("eve", folder=class_folder, casebook=small)
    eve.record_answer("survey", "same_rules", "agree")  # a log with answers but no decisions yet
    eve = eve.path.name

    res = collect_class(class_folder, small)
    assert res.learners == ["ana", "bo", "cy"]  # the good files still count
    assert len(res.decisions) == 11
    p = res.problems.set_index("file")
    assert p.index.tolist() == sorted(p.index.tolist())
    assert set(p.index) == {"corrupt.json", "foreign.json", "dee.json", "empty.csv",
                            eve, "notes.txt", "old"}
    assert p.kind.to_dict() == {"corrupt.json": "skipped", "foreign.json": "skipped",
                                "dee.json": "skipped", "empty.csv": "skipped",
                                eve: "skipped", "notes.txt": "ignored",
                                "old": "ignored"}
    assert "not valid JSON" in p.at["corrupt.json", "problem"]
    assert "not a casebook kit decisions file" in p.at["foreign.json", "problem"]
    assert "'X9' is not a rule" in p.at["dee.json", "problem"]
    assert "empty" in p.at["empty.csv", "problem"]
    assert "no decisions" in p.at[eve, "problem"]
    assert str(class_folder) not in p.at["dee.json", "problem"]  # the file column says where
    text = res.summary()
    assert "5 file(s) skipped" in text and "2 other file(s) ignored" in text
    assert "- dee.json:" in text
    assert res.fleiss_kappa == pytest.approx(10 / 64)  # unchanged by the bad files


def live_log(folder, name):
    """Where ``name``'s live log is in ``folder`` (however the kit names log files)."""
    path = DecisionLog.for_learner(name, folder=folder).path
    assert path.exists()
    return path


def hash8(name):
    """The learner part of a new-style file name, worked out here independently."""
    return hashlib.sha256(unicodedata.normalize("NFC", name).strip().encode("utf-8")
                          ).hexdigest()[:8]


def hashed_log(folder, name, small, decisions, file_name=None):
    """A live log at ``<name>-<hash8>.decisions.jsonl`` (or ``file_name``) whose header says ``name``."""
    log = log_for(folder / ".make", name, small, decisions)
    target = folder / (file_name or f"{name}-{hash8(name)}.decisions.jsonl")
    os.replace(log.path, target)
    return target


def future_export(path, learner, small, decisions, year=2199):
    """An export whose decisions are dated in ``year``."""
    tmp = path.parent / ".make-future"
    doc = json.loads(log_for(tmp, "x", small, decisions).export(tmp / "x.json").read_text())
    for d in doc["decisions"]:
        d["decided_at"] = f"{year}" + d["decided_at"][4:]
    path.write_text(json.dumps({**doc, "learner": learner}))
    return path


def test_learner_hash_and_file_name_check():
    for name in ("Ana", "Zoë Ng", "李雷", "Ali Reza", "Ali-Reza"):
        assert kit.classroom.learner_hash(name) == hash8(name)
    assert hash8("Ali Reza") != hash8("Ali-Reza")
    assert kit.classroom.learner_hash("Zoe\u0308") == hash8("Zoë")  # NFC
    check = kit.classroom.file_name_check
    assert check(f"Ana-{hash8('Ana')}.decisions.jsonl", "Ana") == "match"
    assert check(f"Ana-{hash8('Ana')}.json", "Ana") == "match"
    assert check(f"Ana-{hash8('Ana!')}.decisions.jsonl", "Ana") == "other"  # "Ana!"'s file
    assert check(f"Ben-{hash8('Ben')}.decisions.jsonl", "Ana") == "other"
    assert check(f"Ana-{hash8('Ben')}.json", "Ana") == "other"
    assert check("Ana.decisions.jsonl", "Ana") == "old"
    assert check("Zoë-Ng.decisions.jsonl", "Zoë Ng") == "old"
    assert check("Ben.decisions.jsonl", "Ana") == "other"
    assert check("my work.json", "Ana") == check("ana-old.csv", "Ana") == "free"


def test_two_files_for_one_learner_are_both_shown_as_a_conflict(class_folder, small):
    live = live_log(class_folder, "ana")
    ana = DecisionLog(live, casebook=small)
    ana.export(class_folder / "zz-ana-old.json")  # her older export ...
    ana.record("K2", [], "lock")  # ... and a newer decision in the live log
    os.replace(live, class_folder / f"ana-{hash8('ana')}.decisions.jsonl")
    res = collect_class(class_folder, small)
    assert res.learners == ["ana", "bo", "cy"]
    mine = res.decisions[res.decisions.learner == "ana"].set_index("item_id").action.to_dict()
    assert mine == {"T1": "suspend", "T2": "label", "K1": "remove", "K2": "lock"}  # one file
    p = res.problems.set_index("file")
    log_name = f"ana-{hash8('ana')}.decisions.jsonl"
    assert sorted(p.index) == sorted([log_name, "zz-ana-old.json"])
    assert set(p.kind) == {"conflict"}
    assert p.at[log_name, "problem"].startswith("used for learner 'ana'")
    assert "not used for learner 'ana'" in p.at["zz-ana-old.json", "problem"]
    assert f"{log_name} fits better" in p.at["zz-ana-old.json", "problem"]
    # what differs is said, both ways
    assert "1 item decided differently ('K2')" in p.at["zz-ana-old.json", "problem"]
    assert "vs zz-ana-old.json" in p.at[log_name, "problem"]
    c = res.conflicts.set_index("file")
    assert c.used.to_dict() == {log_name: True, "zz-ana-old.json": False}
    assert c.name_check.to_dict() == {log_name: "match", "zz-ana-old.json": "free"}
    assert set(c.learner) == {"ana"}
    assert "2 file(s) in a conflict" in res.summary() and "nothing was merged" in res.summary()


def test_two_exports_with_the_same_decisions_use_the_last_saved(class_folder, small):
    ana = DecisionLog(live_log(class_folder, "ana"), casebook=small)
    first = ana.export(class_folder / "a-ana.json")
    second = ana.export(class_folder / "b-ana.json")
    live_log(class_folder, "ana").unlink()
    os.utime(first, (1_700_000_100, 1_700_000_100))
    os.utime(second, (1_700_000_000, 1_700_000_000))
    res = collect_class(class_folder, small)
    c = res.conflicts.set_index("file")
    assert c.used.to_dict() == {"a-ana.json": True, "b-ana.json": False}
    assert "the same decisions" in c.at["a-ana.json", "differs"]
    assert len(res.decisions[res.decisions.learner == "ana"]) == 4


def test_an_impostor_from_the_future_does_not_replace_the_real_work(class_folder, small):
    real = hashed_log(class_folder, "Ana", small, [("T1", "none"), ("K1", "none")])
    # Ben hands in a file that claims Ana's name, dated 2199, under his own file name
    fake = class_folder / f"Ben-{hash8('Ben')}.json"
    future_export(fake, "Ana", small, [("T1", "suspend"), ("T2", "suspend")])
    res = collect_class(class_folder, small)
    mine = res.decisions[res.decisions.learner == "Ana"].set_index("item_id").action.to_dict()
    assert mine == {"T1": "none", "K1": "none"}  # the real work, nothing merged in
    p = res.problems
    rows = p[p.file == fake.name]
    assert set(rows.kind) == {"conflict", "note"}
    why = rows[rows.kind == "conflict"].problem.iloc[0]
    assert "not used for learner 'Ana'" in why
    assert "its name is another learner's" in why and "dated in the future" in why
    assert "1 item only in this file ('T2')" in why
    assert "2199-" in rows[rows.kind == "note"].problem.iloc[0]
    assert p[p.file == real.name].problem.iloc[0].startswith("used for learner 'Ana'")


def test_a_lone_file_named_for_another_learner_is_not_counted(tmp_path, small):
    folder = tmp_path / "class"
    folder.mkdir()
    hashed_log(folder, "Ana", small, [("T1", "none")], file_name="Ben.decisions.jsonl")
    hashed_log(folder, "Cy", small, [("T1", "lock")])
    res = collect_class(folder, small)
    assert res.learners == ["Cy"]
    row = res.problems.set_index("file").loc["Ben.decisions.jsonl"]
    assert row.kind == "conflict" and "its name is another learner's" in row.problem
    assert "no file of this learner is used" in row.problem
    assert res.conflicts.used.tolist() == [False]


def test_future_dates_are_flagged_on_a_file_that_is_used(tmp_path, small):
    folder = tmp_path / "class"
    folder.mkdir()
    future_export(folder / "zed.json", "zed", small, [("T1", "none")], year=2150)
    hashed_log(folder, "amy", small, [("T1", "none")])
    res = collect_class(folder, small)
    assert res.learners == ["amy", "zed"]  # one file, no conflict: counted, but flagged
    p = res.problems.set_index("file")
    assert p.kind.to_dict() == {"zed.json": "note"}
    assert "1 decision dated in the future (latest 2150-" in p.at["zed.json", "problem"]


def test_symlinks_are_not_followed(tmp_path, small):
    folder = tmp_path / "class"
    folder.mkdir()
    outside = hashed_log(tmp_path, "amy", small, [("T1", "none")])
    (folder / outside.name).symlink_to(outside)
    (folder / "sub.json").symlink_to(tmp_path)
    res = collect_class(folder, small)
    assert res.learners == []
    p = res.problems.set_index("file")
    assert p.kind.to_dict() == {outside.name: "ignored", "sub.json": "ignored"}
    assert "symbolic link" in p.at[outside.name, "problem"]


def test_control_characters_in_file_names_are_shown_escaped(class_folder, small):
    bo = (class_folder / "bo.json").read_text()
    (class_folder / "e\x1b[31mvil\u202e.json").write_text(bo.replace('"bo"', '"ev"'))
    (class_folder / "x\x07.json").write_text("{")
    res = collect_class(class_folder, small)
    assert "ev" in res.learners
    text = res.summary() + "".join(res.problems.file) + "".join(res.problems.problem)
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "x\\x07.json" in set(res.problems.file)
    odd = class_folder.parent / "class\x1b"
    class_folder.rename(odd)
    assert "class\\x1b, " in collect_class(odd, small).summary().splitlines()[0]
    assert "skipped" in set(res.problems.kind)


def test_the_problems_list_is_capped(class_folder, small):
    for n in range(60):
        (class_folder / f"junk{n:02d}.txt").write_text("x")
    res = collect_class(class_folder, small)
    assert len(res.problems) == 60  # the table keeps them all
    lines = [x for x in res.summary().splitlines() if x.startswith("- ")]
    assert len(lines) == 51 and lines[-1] == "- ... and 10 more (see .problems)"


def test_a_stale_item_id_drops_that_decision_only(class_folder, small):
    log = live_log(class_folder, "ana")
    log.write_text(log.read_text().replace('"item_id": "K1"', '"item_id": "K9"'))
    bo = json.loads((class_folder / "bo.json").read_text())
    bo["decisions"][0]["item_id"] = "OLD1"
    (class_folder / "bo.json").write_text(json.dumps(bo))
    res = collect_class(class_folder, small)
    assert res.learners == ["ana", "bo", "cy"]
    d = res.decisions
    assert d[d.learner == "ana"].item_id.tolist() == ["T1", "T2", "K2"]
    assert d[d.learner == "bo"].item_id.tolist() == ["T2", "K1"]
    p = res.problems.set_index("file")
    assert p.kind.to_dict() == {log.name: "note", "bo.json": "note"}
    assert "item 'K9' is not in this case file" in p.at[log.name, "problem"]
    assert "'OLD1'" in p.at["bo.json", "problem"]
    # the strict reader (DecisionLog.read of a file) still refuses the file
    with pytest.raises(kit.KitDataError, match="'OLD1' is not an item"):
        kit.decisions.read_decision_records(class_folder / "bo.json", small)


def test_a_stale_item_in_a_csv_export(class_folder, small):
    cy = class_folder / "cy.csv"
    cy.write_text(cy.read_text().replace("\nK1,", "\nGONE,").replace(",K1,", ",GONE,"))
    r = read_decision_file(cy, small)
    assert r.stale_items == ["GONE"] and [x["item_id"] for x in r.records] == ["T1", "T2", "K2"]
    assert r.learner == "cy" and not r.torn_tail


def test_a_torn_tail_is_reported_and_a_complete_last_record_is_kept(tmp_path, small):
    folder = tmp_path / "class"
    folder.mkdir()
    torn = hashed_log(folder, "amy", small, [("T1", "none"), ("K1", "lock")])
    with open(torn, "ab") as f:
        f.write(b'{"type": "decision", "item_id": "T2", "ru')
    whole = hashed_log(folder, "bob", small, [("T1", "none"), ("K1", "lock")])
    whole.write_bytes(whole.read_bytes().rstrip(b"\n"))  # no final newline
    junk = hashed_log(folder, "cat", small, [("T1", "none")])
    with open(junk, "ab") as f:
        f.write(b"garbage that is not JSON")
    res = collect_class(folder, small)
    assert res.learners == ["amy", "bob", "cat"]
    d = res.decisions
    assert d[d.learner == "amy"].item_id.tolist() == ["T1", "K1"]
    assert d[d.learner == "bob"].item_id.tolist() == ["T1", "K1"]  # the last one counts
    p = res.problems.set_index("file")
    assert p.kind.to_dict() == {torn.name: "note", junk.name: "note"}
    assert "the last line is cut off" in p.at[torn.name, "problem"]
    r = read_decision_file(torn, small)
    assert r.torn_tail and r.learner == "amy" and r.stale_items == []
    assert not read_decision_file(whole, small).torn_tail


def test_confusable_names_are_flagged(tmp_path, small):
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("Ana", "ana!", "\u0410na", "Ali Reza", "Ali-Reza", "Anna", "Bo"):
        hashed_log(folder, name, small, [("T1", "none")])
    res = collect_class(folder, small)
    assert len(res.learners) == 7  # flagged, not merged
    assert res.check_names == [["Ali Reza", "Ali-Reza"], ["Ana", "ana!", "\u0410na"]]
    assert "Check these names" in res.summary() and "'Ali Reza' / 'Ali-Reza'" in res.summary()
    assert kit.classroom.confusable_names(["Ana", "Anna", "Bo"]) == []


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
    real_read = kit.classroom.read_decision_file

    def read(path, casebook=None):
        if Path(path).name == "bo.json":
            raise RuntimeError("disk on fire")
        return real_read(path, casebook)

    monkeypatch.setattr(kit.classroom, "read_decision_file", read)
    res = collect_class(class_folder, small)
    assert res.learners == ["ana", "cy"]
    p = res.problems.set_index("file")
    assert p.kind.to_dict() == {"bo.json": "skipped"}
    assert "RuntimeError: disk on fire" in p.at["bo.json", "problem"]


# ---------------------------------------------------------------- the dashboard

def test_dashboard_shows_conflicts_notes_and_names_escaped(tmp_path, small):
    from kit.widgets.dashboard import ClassDashboard
    folder = tmp_path / "class"
    folder.mkdir()
    evil = "<img src=x onerror=alert(1)>"
    hashed_log(folder, evil, small, [("T1", "none")])
    hashed_log(folder, evil, small, [("T1", "lock")], file_name="<b>copy.decisions.jsonl")
    hashed_log(folder, "Ana", small, [("T1", "none")])
    hashed_log(folder, "ana!", small, [("T1", "none")])
    (folder / "odd\x1b.json").write_text("{")
    for n in range(55):
        (folder / f"junk{n:02d}.txt").write_text("x")
    dash = ClassDashboard(folder, small)
    html = dash.problems.value
    assert "<img" not in html and "<b>copy" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "&lt;b&gt;copy.decisions.jsonl" in html
    assert "\x1b" not in html and "odd\\x1b.json" in html
    assert "2 files in a conflict" in html and "Nothing was merged" in html
    assert "Check these names" in html and "Ana / ana!" in html
    assert html.count("<tr><td>") == 50  # the first 50 ...
    assert "… and 8 more" in html  # ... of 2 conflicts, 1 skipped and 55 ignored files
    assert "1 file could not be used" in html
    assert html.index(">conflict<") < html.index(">not read<")  # conflicts first
    assert "2 files in conflict" in dash.status_line()
    assert dash.results.learners == ["<img src=x onerror=alert(1)>", "Ana", "ana!"]
    assert "&lt;img" in dash.overview.value and "<img" not in dash.overview.value


# ---------------------------------------------------------------- re-reading only what changed

from kit.classexport import (CLASS_CSV_COLUMNS, chart_png, chart_svg, class_charts,  # noqa: E402
                             class_table_csv, item_table_csv, read_class_table_csv)
from kit.classnames import AnonymousLabels, session_secret  # noqa: E402
from kit.classsources import (ClassCollector, check_class_reply,  # noqa: E402
                              check_latest_reply)
from kit.debrief import debrief_items, division_table  # noqa: E402


class CountingReader:
    """The class view's reader, counting the files it is asked to read (by name)."""

    def __init__(self):
        self.names = []

    def __call__(self, path, casebook=None):
        self.names.append(Path(path).name)
        return read_decision_file(path, casebook)


def same_class(a, b):
    """Two ClassResults hold the same class (tables, problems, agreement)."""
    for name in ("decisions", "problems", "distribution", "vs_twitter", "rationales"):
        assert getattr(a, name).equals(getattr(b, name)), name
    assert a.learners == b.learners and a.check_names == b.check_names
    assert a.kappa_note == b.kappa_note and a.kappa_items == b.kappa_items
    assert (math.isnan(a.fleiss_kappa) and math.isnan(b.fleiss_kappa)) or \
        a.fleiss_kappa == b.fleiss_kappa


def test_the_collector_gives_what_collect_class_gives(class_folder, small):
    (class_folder / "corrupt.json").write_text("{")
    (class_folder / "notes.txt").write_text("x")
    col = ClassCollector(small, folder=class_folder)
    same_class(col.collect(), collect_class(class_folder, small))
    assert col.collect().summary() == collect_class(class_folder, small).summary()


def test_only_new_or_changed_files_are_read_again(class_folder, small):
    reader = CountingReader()
    col = ClassCollector(small, folder=class_folder, reader=reader)
    first = col.collect()
    ana = live_log(class_folder, "ana").name
    assert sorted(reader.names) == sorted([ana, "bo.json", "cy.csv"]) and col.last_read == 3
    reader.names.clear()
    assert col.collect() is first and reader.names == [] and col.last_read == 0  # unchanged
    DecisionLog(class_folder / ana, casebook=small).record("K2", [], "suspend")  # ana changes
    log_for(class_folder, "dee", small, [("T1", "none")])  # a new learner
    res = col.collect()
    assert sorted(reader.names) == sorted([ana, live_log(class_folder, "dee").name])
    assert res.learners == ["ana", "bo", "cy", "dee"]
    assert res.decisions.set_index(["learner", "item_id"]).at[("ana", "K2"), "action"] == "suspend"
    same_class(res, collect_class(class_folder, small))


def test_a_deleted_file_disappears(class_folder, small):
    col = ClassCollector(small, folder=class_folder)
    assert col.collect().learners == ["ana", "bo", "cy"]
    (class_folder / "bo.json").unlink()
    res = col.collect()
    assert res.learners == ["ana", "cy"] and "bo" not in set(res.decisions.learner)
    assert col.last_read == 0


def test_a_file_replaced_by_another_with_the_same_size_and_time_is_read_again(class_folder,
                                                                            small):
    reader = CountingReader()
    col = ClassCollector(small, folder=class_folder, reader=reader)
    col.collect()
    bo = class_folder / "bo.json"
    st = bo.stat()
    text = bo.read_text().replace('"lock"', '"none"')  # same length, another inode
    (class_folder / "new.tmp").write_text(text)
    os.replace(class_folder / "new.tmp", bo)
    os.utime(bo, ns=(st.st_atime_ns, st.st_mtime_ns))
    reader.names.clear()
    res = col.collect()
    assert reader.names == ["bo.json"]
    assert res.decisions.set_index(["learner", "item_id"]).at[("bo", "T1"), "action"] == "none"


# ---------------------------------------------------------------- uploaded files

def test_uploads_are_read_like_folder_files_with_the_same_messages(class_folder, small,
                                                                  tmp_path):
    col = ClassCollector(small)
    export = json.loads((class_folder / "bo.json").read_text())
    export["learner"] = "dee"
    export["decisions"][0]["rules"] = ["X9"]
    bad = json.dumps(export).encode()
    col.add_upload("dee.json", bad)
    col.add_upload("cy.csv", (class_folder / "cy.csv").read_bytes())
    col.add_upload("e\x1b<b>.json", b"{")
    col.add_upload("notes.txt", b"hello")
    res = col.collect()
    assert res.learners == ["cy"]
    p = res.problems.set_index("file")
    folder = tmp_path / "same"
    folder.mkdir()
    (folder / "dee.json").write_bytes(bad)
    (folder / "e.json").write_bytes(b"{")
    (folder / "notes.txt").write_text("hello")
    q = collect_class(folder, small).problems.set_index("file")
    assert p.at["dee.json (uploaded)", "problem"] == q.at["dee.json", "problem"]
    assert "'X9' is not a rule" in p.at["dee.json (uploaded)", "problem"]
    assert p.at["e\\x1b<b>.json (uploaded)", "problem"] == q.at["e.json", "problem"]
    assert p.at["notes.txt (uploaded)", "kind"] == "ignored" == q.at["notes.txt", "kind"]
    assert p.at["notes.txt (uploaded)", "problem"] == q.at["notes.txt", "problem"]
    assert str(col._tmp) not in "".join(res.problems.problem)  # the private copy is not named
    assert list(col._tmp.iterdir()) == []  # private copies are removed once read
    assert (col._tmp.stat().st_mode & 0o777) == 0o700
    assert col.uploads == sorted(["dee.json", "cy.csv", "e\x1b<b>.json", "notes.txt"])
    assert col.source_words() == "4 uploaded files"


def test_an_upload_is_read_once_and_replaced_by_a_new_one_of_the_same_name(class_folder, small):
    reader = CountingReader()
    col = ClassCollector(small, folder=class_folder, reader=reader)
    col.collect()
    cy = (class_folder / "cy.csv").read_bytes()
    reader.names.clear()
    assert col.add_upload("late.csv", cy) is False
    assert col.add_upload("late.csv", cy) is True and len(reader.names) == 1  # same bytes
    res = col.collect()
    c = res.conflicts.set_index("file")  # cy's file in the folder and her upload: two files
    assert set(c.index) == {"cy.csv", "late.csv (uploaded)"} and set(c.learner) == {"cy"}
    other = log_for(class_folder.parent / "e", "eve", small, [("T1", "lock")])
    assert col.add_upload("late.csv", other.export(class_folder.parent / "e.csv",
                                                   format="csv").read_bytes()) is True
    res = col.collect()
    assert res.learners == ["ana", "bo", "cy", "eve"] and res.conflicts.empty
    col.clear_uploads()
    assert col.collect().learners == ["ana", "bo", "cy"]


# ---------------------------------------------------------------- the class service

def service_records(tmp_path, name, small, decisions):
    """A learner's records as the service sends them: the log's lines, parsed."""
    log = log_for(tmp_path / f"svc-{name}", name, small, decisions)
    return [json.loads(line) for line in log.path.read_text().splitlines()[1:]]


class FakeService:
    """The class service client's contract: fetch_class(since) -> {cursor, learners}."""

    def __init__(self):
        self.stored = []  # (seq, learner, record)
        self.calls = []
        self.down = False

    def add(self, learner, records):
        for r in records:
            self.stored.append((len(self.stored) + 1, learner, r))

    def fetch_class(self, since=None):
        self.calls.append(since)
        if self.down:
            raise ConnectionError("connection refused")
        learners = {}
        for seq, who, rec in self.stored:
            if since is None or seq > since:
                learners.setdefault(who, []).append(rec)
        return {"cursor": len(self.stored), "learners": learners}


def test_the_service_is_read_by_cursor_and_only_changed_learners_are_read_again(tmp_path,
                                                                                small):
    svc = FakeService()
    svc.add("ana", service_records(tmp_path, "ana", small, [("T1", "suspend"), ("K1", "none")]))
    svc.add("bo", service_records(tmp_path, "bo", small, [("T1", "none")]))
    reader = CountingReader()
    col = ClassCollector(small, service=svc, reader=reader)
    res = col.collect()
    assert res.learners == ["ana", "bo"] and svc.calls == [None] and col.cursor == 3
    assert len(reader.names) == 2 and res.problems.empty
    assert res.summary().startswith("2 learners in the class service")
    reader.names.clear()
    assert col.collect() is res and svc.calls[-1] == 3 and reader.names == []
    svc.add("bo", service_records(tmp_path, "bo2", small, [("T1", "lock")])[-1:])
    res = col.collect()
    assert svc.calls[-1] == 3 and len(reader.names) == 1  # only bo's records again
    d = res.decisions.set_index(["learner", "item_id"]).action
    assert d[("bo", "T1")] == "lock" and d[("ana", "T1")] == "suspend"


def test_service_records_are_checked_like_a_file(tmp_path, small):
    svc = FakeService()
    good = service_records(tmp_path, "ana", small, [("T1", "suspend")])
    bad = [{**good[0], "rules": ["X9"]}]
    svc.add("ana", good)
    svc.add("eve", bad)
    svc.add("odd\x1b", good)
    svc.add("zed", [{**good[0], "item_id": "GONE"}, *service_records(tmp_path, "z", small,
                                                                    [("K1", "none")])])
    res = ClassCollector(small, service=svc).collect()
    assert res.learners == ["ana", "zed"]
    p = res.problems.set_index("file")
    assert p.at["eve (class service)", "kind"] == "skipped"
    assert p.at["eve (class service)", "problem"].startswith("record 0: ")
    assert "'X9' is not a rule" in p.at["eve (class service)", "problem"]
    assert p.at["odd\\x1b (class service)", "problem"].startswith("learner: contains control")
    assert "item 'GONE' is not in this case file" in p.at["zed (class service)", "problem"]
    for reply, field in (([], None), ({"cursor": True, "learners": {}}, "cursor"),
                         ({"cursor": 1, "learners": []}, "learners"),
                         ({"cursor": 1, "learners": {"a": {}}}, "learners['a']"),
                         ({"cursor": 1, "learners": {"a": ["x"]}}, "learners['a']")):
        with pytest.raises(kit.KitDataError) as err:
            check_class_reply(reply)
        assert err.value.file == "the class service" and err.value.column == field


def test_an_unreachable_service_keeps_what_it_sent(tmp_path, small):
    svc = FakeService()
    svc.add("ana", service_records(tmp_path, "ana", small, [("T1", "suspend")]))
    col = ClassCollector(small, service=svc)
    assert col.collect().learners == ["ana"]
    svc.down = True
    res = col.collect()
    assert res.learners == ["ana"]
    note = res.problems.set_index("file").loc["the class service"]
    assert note.kind == "note" and "could not be used (ConnectionError" in note.problem
    assert "its records as of" in note.problem
    svc.down = False
    assert col.collect().problems.empty
    # a refusal (the client raises KitDataError) and a reply of another shape: notes too
    svc.fetch_class = lambda since=None: (_ for _ in ()).throw(kit.KitDataError(
        "the class service answered 403 (it does not allow this)", file="http://hub/"))
    res = col.collect()
    assert "answered 403" in res.problems.problem.iloc[0] and res.learners == ["ana"]
    svc.fetch_class = lambda since=None: {"cursor": "x", "learners": {}}
    why = col.collect().problems.problem.iloc[0]
    assert "column 'cursor'" in why and "whole number" in why


def test_a_service_that_starts_again_empty_is_read_again_from_the_start(tmp_path, small):
    svc = FakeService()
    svc.add("ana", service_records(tmp_path, "ana", small, [("T1", "suspend")]))
    svc.add("bo", service_records(tmp_path, "bo", small, [("T1", "none")]))
    col = ClassCollector(small, service=svc)
    assert col.collect().learners == ["ana", "bo"]
    svc.stored = []
    svc.add("cy", service_records(tmp_path, "cy", small, [("T1", "lock")]))
    assert col.collect().learners == ["cy"] and svc.calls[-2:] == [2, None]


def test_a_hand_in_file_and_the_service_are_two_files_of_one_learner(class_folder, small,
                                                                    tmp_path):
    svc = FakeService()
    svc.add("bo", service_records(tmp_path, "bo", small, [("T1", "suspend")]))
    res = ClassCollector(small, folder=class_folder, service=svc).collect()
    c = res.conflicts.set_index("file")
    assert set(c.index) == {"bo.json", "bo (class service)"}
    assert c.used.to_dict() == {"bo.json": False, "bo (class service)": True}
    assert res.summary().startswith(f"3 learners in {class_folder.name} and the class service")


# ---------------------------------------------------------------- anonymous labels

def test_labels_are_stable_unique_and_say_nothing_of_the_name():
    names = [f"learner {n:04d}" for n in range(3000)] + ["Zoë", "Zoe\u0308", " Ana "]
    labels = AnonymousLabels(secret=b"lesson")
    first = [labels(n) for n in names]
    assert [labels(n) for n in reversed(names)] == first[::-1]  # stable
    assert labels("Zoë") == labels("Zoe\u0308") == labels(" Zoë")  # one name, one label
    assert len(set(first)) == len(set(labels.mapping(names).values())) == len(names) - 1
    assert all(x.startswith("Learner ") and len(x) >= len("Learner ") + 4 for x in first)
    assert not any(n.strip().lower() in x.lower() for n, x in zip(names, first))
    again = AnonymousLabels(secret=b"lesson")
    assert [again(n) for n in names[:50]] == first[:50]  # the same key: the same labels
    other = AnonymousLabels(secret=b"another lesson")
    assert sum(other(n) == x for n, x in zip(names[:200], first[:200])) < 5
    # without a key given, one key per kernel: a re-created dashboard keeps its labels
    assert AnonymousLabels()("Ana") == AnonymousLabels(secret=session_secret())("Ana")
    # labels do not follow the names' order (no alphabetical place is given away)
    ordered = [labels(f"learner {n:04d}") for n in range(50)]
    assert ordered != sorted(ordered)


def test_labels_stay_unique_when_two_names_would_share_one(monkeypatch):
    monkeypatch.setattr(kit.classnames, "LABEL_LENGTH", 1)  # 22 one-letter labels
    labels = AnonymousLabels(secret=b"k")
    names = [f"n{i}" for i in range(200)]
    got = [labels(n) for n in names]
    assert len(set(got)) == 200 and [labels(n) for n in names] == got
    assert any(len(x) > len("Learner ") + 1 for x in got)


# ---------------------------------------------------------------- the debrief

def debrief_class(folder, small, rows):
    """rows: (learner, item, action, rationale)."""
    for who in dict.fromkeys(r[0] for r in rows):
        log = DecisionLog.for_learner(who, folder=folder, casebook=small)
        for _, item_id, action, why in (r for r in rows if r[0] == who):
            log.record(item_id, [], action, why)
    return collect_class(folder, small)


@pytest.fixture
def divided(tmp_path, small):
    rows = []
    # T1: none x2, suspend x2 (spread 2.5); T2: label x3, notice x1 (spread ~0.43);
    # K1: everybody "remove" (no division); K2: none, lock, suspend, remove
    for who, t1, t2, k2 in (("ana", "none", "label", "none"), ("bo", "none", "label", "lock"),
                            ("cy", "suspend", "label", "suspend"),
                            ("dee", "suspend", "notice", "remove")):
        rows += [(who, "T1", t1, f"{who} on T1: <b>{t1}</b>" if who != "bo" else "  "),
                 (who, "T2", t2, f"{who} on T2"), (who, "K1", "remove", f"{who} on K1"),
                 (who, "K2", k2, f"{who} on K2")]
    return debrief_class(tmp_path / "class", small, rows)


def test_division_is_the_spread_of_levels_most_divided_first(divided, small, tmp_path):
    t = division_table(divided, small)
    assert t.item_id.tolist() == ["T1", "K2", "T2"]  # K1: everybody agreed
    assert t.spread.tolist() == pytest.approx([2.5, math.sqrt(3.5), math.sqrt(3) / 4])
    row = t.set_index("item_id").loc["T1"]
    assert (row.n, row.mild_n, row.severe_n) == (4, 2, 2) and row.mean_level == 2.5
    assert t.entropy.between(0, 1).all()
    (tmp_path / "empty").mkdir()
    assert division_table(collect_class(tmp_path / "empty", small), small).empty
    assert debrief_items(collect_class(tmp_path / "empty", small), small, str) == []


def test_debrief_pairs_are_opposite_anonymous_and_skip_blank_rationales(divided, small):
    labels = AnonymousLabels(secret=b"k")
    items = debrief_items(divided, small, labels, top=2, pairs=3)
    assert [i.item_id for i in items] == ["T1", "K2"]
    for it in items:
        assert it.pairs
        for mild, severe in it.pairs:
            assert mild.level < it.mean_level < severe.level  # really opposite
            assert mild.label.startswith("Learner ") and severe.label.startswith("Learner ")
    t1 = items[0]
    # bo wrote nothing on T1: only ana (none) against the two suspend rationales
    assert len(t1.pairs) == 1
    mild, severe = t1.pairs[0]
    assert mild.label == labels("ana") and mild.rationale == "ana on T1: <b>none</b>"
    assert severe.action == "suspend" and severe.label in (labels("cy"), labels("dee"))
    assert t1.counts == {"none": 2, "label": 0, "notice": 0, "remove": 0, "lock": 0,
                         "suspend": 2}
    k2 = items[1]  # levels 0, 4, 5, 3: mean 3; mild: none (ana); severe: suspend, lock
    assert [(m.action, s.action) for m, s in k2.pairs] == [("none", "suspend")]
    everything = repr(items)
    assert not any(f"'{n}'" in everything for n in ("ana", "bo", "cy", "dee"))


# ---------------------------------------------------------------- exports

def test_the_class_table_csv_round_trips_and_labels_replace_names(tmp_path, small):
    rows = [("=Ana, the \"first\"", "T1", "suspend", "=HYPERLINK(\"http://x\")\nline two"),
            ("=Ana, the \"first\"", "K1", "none", ""), ("Bo", "T1", "label", "+1; -2")]
    res = debrief_class(tmp_path / "class", small, rows)
    data = class_table_csv(res, small)
    assert data.startswith(b"\xef\xbb\xbf")
    back = read_class_table_csv(data)
    assert list(back.columns) == list(CLASS_CSV_COLUMNS) and len(back) == len(res.decisions)
    assert back.learner.tolist() == res.decisions.learner.tolist()
    assert back.item_id.tolist() == res.decisions.item_id.tolist()
    assert back.action.tolist() == res.decisions.action.tolist()
    assert back.level.tolist() == res.decisions.level.tolist()
    assert back.rules.tolist() == res.decisions.rules.tolist()
    assert back.rationale.tolist() == res.rationales.rationale.tolist()
    assert back.title.tolist() == [f"{i} title" for i in res.decisions.item_id]
    raw = data.decode("utf-8-sig")
    import csv as _csv
    import io as _io
    cells = [c for row in _csv.reader(_io.StringIO(raw)) for c in row]
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)  # formulas are guarded
    labels = AnonymousLabels(secret=b"k")
    anon = class_table_csv(res, small, labels)
    assert b"Ana" not in anon and b"Bo," not in anon
    assert read_class_table_csv(anon).learner.tolist() == [labels(n) for n in
                                                           res.decisions.learner]
    items = item_table_csv(res, small).decode("utf-8-sig")
    assert items.splitlines()[0].startswith("item_id,leader,title,n,")
    assert "Ana" not in items
    with pytest.raises(kit.KitDataError, match="row 1"):
        read_class_table_csv(b"a,b\r\n")


def test_chart_exports_are_real_png_and_svg_made_offline(res, small):
    import xml.etree.ElementTree as ET
    charts = class_charts(res, small)
    assert set(charts) == {"class-choices", "class-vs-twitter"}
    svg = chart_svg(charts["class-choices"])
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg") and float(root.get("width")) > 100
    png = chart_png(charts["class-vs-twitter"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    width = int.from_bytes(png[16:20], "big")
    assert width > 200
    # nothing may leave the machine: a chart that asks for outside data is refused
    with pytest.raises(Exception, match="not allowed"):
        chart_svg({"data": {"url": "https://example.org/x.csv"}, "mark": "point"})


# --------------------------------------------------------------------------- the compact path

class StoreService:
    """A class service client over a real store (in memory): the full reply, the compact
    one (shape=latest) and the debrief's rationales, each through JSON as sent."""

    def __init__(self, casebook):
        from kit.service.store import Store
        from kit.decisions.checks import vocab_for
        self.store, self.vocab = Store("sqlite://"), vocab_for(casebook)
        self.calls = []

    def add(self, learner, records):
        from kit.service.checks import check_record
        self.store.add(learner, [check_record(r, self.vocab) for r in records])

    def fetch_class(self, since=None):
        cursor, learners = self.store.since(since or 0)
        return json.loads(json.dumps({"cursor": cursor, "learners": learners}))

    def fetch_class_latest(self, since=None):
        from kit.service.latest import LatestClass
        self.calls.append(since)
        self.latest = getattr(self, "latest", None) or LatestClass()
        return json.loads(json.dumps(self.latest.reply(self.store, since or 0)))

    def fetch_rationales(self, items):
        from kit.service import page
        self.calls.append(tuple(items))
        return json.loads(json.dumps(page.rationales_doc(self.store.rationales(items))))


class FullOnly:
    """An older client: only the full reply."""

    def __init__(self, svc):
        self.fetch_class = svc.fetch_class


def _class_records(casebook, seed, n_learners=7):
    import random
    rnd = random.Random(seed)
    items, ladder = list(casebook.item_order), list(casebook.ladder)
    rules = list(casebook.rules.rule_id[casebook.rules.kind == "conduct"])
    out = {}
    for n in range(n_learners):
        recs = []
        for k, item in enumerate(rnd.sample(items, rnd.randint(3, len(items)))):
            for again in range(rnd.choice((1, 1, 2))):   # some items decided twice
                recs.append({"type": "decision", "item_id": item,
                             "rules": rnd.sample(rules, rnd.randint(0, 2)),
                             "action": rnd.choice(ladder),
                             "rationale": rnd.choice(("", f"learner {n} says {k}/{again}")),
                             "decided_at": f"2026-11-30T09:{k % 60:02d}:{again:02d}.{n:06d}Z"})
        out[f"learner-{n}" if n % 3 else f"Zoë {n}"] = recs
    return out


def _same_results(fast, slow, casebook):
    import pandas.testing as pdt
    assert fast.learners == slow.learners
    pdt.assert_frame_equal(fast.decisions, slow.decisions)
    pdt.assert_frame_equal(fast.distribution, slow.distribution)
    pdt.assert_frame_equal(fast.vs_twitter, slow.vs_twitter)
    pdt.assert_frame_equal(fast.problems, slow.problems)
    assert (fast.kappa_note, fast.kappa_items) == (slow.kappa_note, slow.kappa_items)
    assert fast.fleiss_kappa == pytest.approx(slow.fleiss_kappa, nan_ok=True)
    # the rationales: the same table, texts for the debrief's items (the compact reply has none)
    cols = ["learner", "item_id", "action", "level", "decided_at"]
    pdt.assert_frame_equal(fast.rationales[cols], slow.rationales[cols])
    shown_items = [d.item_id for d in debrief_items(slow, casebook, str)]
    pick = slow.rationales["item_id"].isin(shown_items)
    assert pick.any()
    assert (fast.rationales["rationale"][pick].tolist()
            == slow.rationales["rationale"][pick].tolist())
    assert debrief_items(fast, casebook, str) == debrief_items(slow, casebook, str)


def test_the_compact_reply_gives_what_the_full_one_gives(casebook):
    svc = StoreService(casebook)
    for who, recs in _class_records(casebook, 1).items():
        svc.add(who, recs)
    fast_col = ClassCollector(casebook, service=svc)
    slow_col = ClassCollector(casebook, service=FullOnly(svc))
    fast, slow = fast_col.collect(), slow_col.collect()
    assert fast_col._compact is True and slow_col._compact is None
    assert len(fast.learners) == 7 and fast.problems.empty
    _same_results(fast, slow, casebook)
    assert any(d.pairs for d in debrief_items(fast, casebook, str))
    # a refresh asks only for what changed, and reads only those learners again
    cursor = fast_col.cursor
    assert fast_col.collect() is fast and svc.calls[-1] == cursor
    more = _class_records(casebook, 2, n_learners=2)
    svc.add("learner-1", more["learner-1"])        # new decisions of one learner
    fast, slow = fast_col.collect(), slow_col.collect()
    assert svc.calls[-2] == cursor and fast_col.last_read == 1
    _same_results(fast, slow, casebook)


def _as_version_1(doc):
    """A compact reply as an older service (version 1) sent it: JSON lists, times as text."""
    from kit.decisions.columns import times_text, unpack
    cols = {k: unpack(v, k, doc["rows"]) for k, v in doc["columns"].items()}
    us = cols.pop("decided_us")
    old = {k: v.tolist() for k, v in cols.items()}
    old["decided_at"] = times_text(us)
    return {**{k: v for k, v in doc.items() if k != "rows"}, "version": 1, "columns": old}


def test_a_version_1_reply_of_an_older_service_gives_the_same_class(casebook):
    svc = StoreService(casebook)
    for who, recs in _class_records(casebook, 6).items():
        svc.add(who, recs)
    new = ClassCollector(casebook, service=svc).collect()

    class Older(StoreService):
        def fetch_class_latest(self, since=None):
            return _as_version_1(super().fetch_class_latest(since))

    old_svc = Older(casebook)
    old_svc.store = svc.store
    old_col = ClassCollector(casebook, service=old_svc)
    _same_results(old_col.collect(), new, casebook)
    assert old_col._compact is True
    doc = _as_version_1(svc.fetch_class_latest(None))
    doc["columns"]["decided_at"][2] = "2026-02-30T00:00:00.000000Z"
    with pytest.raises(kit.KitDataError) as err:
        check_latest_reply(doc, casebook)
    assert (err.value.column, err.value.row) == ("columns.decided_at", 2)


def test_the_compact_path_with_a_folder_lists_a_learner_in_both_as_a_conflict(tmp_path,
                                                                              casebook):
    svc = StoreService(casebook)
    recs = _class_records(casebook, 3, n_learners=3)
    for who, r in recs.items():
        svc.add(who, r)
    log = DecisionLog.for_learner("learner-1", folder=tmp_path, casebook=casebook)
    log.record(casebook.item_order[0], [], "lock")
    fast = ClassCollector(casebook, folder=tmp_path, service=svc).collect()
    slow = ClassCollector(casebook, folder=tmp_path, service=FullOnly(svc)).collect()
    assert "learner-1 (class service)" in set(fast.conflicts["file"])
    _same_results(fast, slow, casebook)


def test_a_bad_compact_reply_is_a_note_naming_the_column_and_row(casebook):
    from kit.decisions.columns import US_HIGH, pack, unpack
    svc = StoreService(casebook)
    for who, r in _class_records(casebook, 4, n_learners=2).items():
        svc.add(who, r)
    good = svc.fetch_class_latest(None)
    assert check_latest_reply(good, casebook)[1].shape[0] == good["rows"] > 0

    def broken(change):
        doc = json.loads(json.dumps(good))
        cols = {k: unpack(v, k).tolist() for k, v in doc["columns"].items()}
        change(doc, cols)
        doc["columns"] = {k: v if isinstance(v, dict) else pack(v) for k, v in cols.items()}
        with pytest.raises(kit.KitDataError) as err:
            check_latest_reply(doc, casebook)
        return err.value.column, err.value.row

    def put(name, row, value):
        return lambda d, c: c[name].__setitem__(row, value)

    assert broken(put("item", 2, 99)) == ("columns.item", 2)
    assert broken(put("action", 1, len(good["actions"]))) == ("columns.action", 1)
    assert broken(put("revision", 0, 0)) == ("columns.revision", 0)
    assert broken(put("decided_us", 3, US_HIGH + 1)) == ("columns.decided_us", 3)
    assert broken(put("decided_us", 1, 915_148_800_000_000)) == ("columns.decided_us", 1)
    assert broken(lambda d, c: c.__setitem__("learner", {"dtype": "<f8", "base64": ""})) == (
        "columns.learner", None)
    assert broken(lambda d, c: c.__setitem__("learner", {"dtype": "<u4", "base64": "@@"})) == (
        "columns.learner", None)
    assert broken(lambda d, c: d["items"].__setitem__(0, "GONE")) == ("items", 0)
    assert broken(lambda d, c: d["rules"].append("X9")) == ("rules", len(good["rules"]))
    assert broken(lambda d, c: c["rule_set"].pop()) == ("columns.rule_set", None)
    assert broken(lambda d, c: c["item"].__setitem__(1, c["item"][0])
                  or c["learner"].__setitem__(1, c["learner"][0])) == ("columns.item", 1)
    assert broken(lambda d, c: d.__setitem__("version", 9)) == ("version", None)
    # in the class view: a note, and what came before is kept
    col = ClassCollector(casebook, service=svc)
    assert len(col.collect().learners) == 2
    svc.fetch_class_latest = lambda since=None: {**good, "cursor": good["cursor"] + 1,
                                                 "learners": good["learners"][:1]}
    res = col.collect()
    assert len(res.learners) == 2
    note = res.problems.set_index("file").loc["the class service"]
    assert note.kind == "note" and "columns.learner" in note.problem


def test_compact_path_learner_names_are_checked_like_a_file(casebook):
    svc = StoreService(casebook)
    recs = _class_records(casebook, 5, n_learners=2)
    svc.add("odd\x1b", recs["Zoë 0"])
    svc.add("Zoe\u0308", recs["learner-1"])       # the same name as Zoë, decomposed
    svc.add("Zo\u00eb", recs["learner-1"][:2])
    fast = ClassCollector(casebook, service=svc).collect()
    slow = ClassCollector(casebook, service=FullOnly(svc)).collect()
    p = fast.problems.set_index("file")
    assert p.at["odd\\x1b (class service)", "problem"].startswith("learner: contains control")
    assert (fast.conflicts["learner"] == "Zoë").sum() == 2
    import pandas.testing as pdt
    pdt.assert_frame_equal(fast.problems, slow.problems)
    pdt.assert_frame_equal(fast.conflicts, slow.conflicts)
    pdt.assert_frame_equal(fast.decisions, slow.decisions)
