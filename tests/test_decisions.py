"""kit.decisions: recording, reloading, exporting and reading decision files.

Uses a small synthetic case file (items K1, T1, T2, K2 in that order) so every
expectation is computed by hand. The durability tests run real writer processes
that are killed with SIGKILL, and two writers at once.
"""
from __future__ import annotations

import copy
import errno
import json
import os
import random
import signal
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kit
from casefiles import make_case
from kit import KitDataError
from kit import decisions as D
from kit.decisions import files as F
from kit.decisions import learner as L
from kit.decisions import DecisionLog, safe_learner_name

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = ["learner", "item_id", "rules", "action", "rationale", "decided_at", "revision"]
ANSWER_COLUMNS = ["section", "question_id", "answer", "rationale", "answered_at"]
# conduct rules in data/rules.csv order: glorification_of_violence, abusive_behavior,
# hateful_conduct, holocaust_denial, ...
GLOR, ABUSE, HATE = "glorification_of_violence", "abusive_behavior", "hateful_conduct"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return make_case(
        tmp_path_factory.mktemp("case") / "data",
        accounts=[{"handle": "dt", "leader": "trump"}, {"handle": "ak", "leader": "khamenei"}],
        items=[{"item_id": i, "leader": lead, "handle": h, "title": i, "date": "2020-01-01"}
               for i, lead, h in [("K1", "khamenei", "ak"), ("T1", "trump", "dt"),
                                  ("T2", "trump", "dt"), ("K2", "khamenei", "ak")]])


@pytest.fixture(scope="module")
def cb(data_dir):
    return kit.load_casebook(data_dir)


@pytest.fixture
def log(tmp_path, cb):
    return DecisionLog(tmp_path / "zoe.decisions.jsonl", learner="Zoë", casebook=cb)


def lines(path):
    return [json.loads(x) for x in Path(path).read_bytes().split(b"\n") if x.strip()]


# --------------------------------------------------------------------------- recording

def test_record_returns_the_stored_decision(log):
    before = pd.Timestamp.now(tz="UTC")
    d = log.record("T1", [HATE, GLOR, HATE], "suspend", "incitement")
    after = pd.Timestamp.now(tz="UTC")
    assert set(d) == set(COLUMNS)
    # rules deduplicated and put in case-file order
    assert d["rules"] == (GLOR, HATE)
    assert (d["learner"], d["item_id"], d["action"], d["rationale"], d["revision"]) == \
        ("Zoë", "T1", "suspend", "incitement", 1)
    assert before <= d["decided_at"] <= after and str(d["decided_at"].tz) == "UTC"
    assert log.record("T1", (), "none")["revision"] == 2
    assert log.record("K1", None, "label")["revision"] == 1


def test_log_file_is_json_lines_with_a_header(log):
    log.record("K2", [ABUSE], "remove", "a threat")
    header, rec = lines(log.path)
    assert header["format"] == "casebook-kit-decision-log" and header["version"] == D.LOG_VERSION == 2
    assert header["learner"] == "Zoë" and header["kit_version"] == kit.__version__
    assert rec == {"type": "decision", "item_id": "K2", "rules": [ABUSE], "action": "remove",
                   "rationale": "a threat", "decided_at": rec["decided_at"]}
    assert rec["decided_at"].endswith("Z")


def test_table_is_latest_per_item_in_case_file_order(log):
    log.record("K2", [HATE], "label", "first")
    log.record("T1", [GLOR], "suspend", "only")
    log.record("K2", [], "none", "second thoughts")
    t = log.table()
    assert list(t.columns) == COLUMNS
    assert t.item_id.tolist() == ["T1", "K2"]            # case-file order, not decision order
    assert t.rationale.tolist() == ["only", "second thoughts"]
    assert t.rules.tolist() == [(GLOR,), ()]
    assert t.revision.tolist() == [1, 2]
    assert str(t.decided_at.dtype) == "datetime64[us, UTC]"
    h = log.history()
    assert list(h.columns) == COLUMNS
    assert h.rationale.tolist() == ["first", "only", "second thoughts"]
    assert h.revision.tolist() == [1, 1, 2]
    assert h.decided_at.is_monotonic_increasing


def test_reload_after_restart_sees_everything(log, cb):
    log.record("T2", [HATE], "notice", "r1")
    log.record_answer("survey", "same_rules", "agree")
    log.record("T2", [HATE, ABUSE], "remove", "r2")
    again = DecisionLog(log.path, casebook=cb)           # no learner given: from the header
    assert again.learner == "Zoë"
    pd.testing.assert_frame_equal(again.table(), log.table())
    pd.testing.assert_frame_equal(again.history(), log.history())
    pd.testing.assert_frame_equal(again.answers(), log.answers())
    assert again.table().rules.tolist() == [(ABUSE, HATE)]
    assert again.messages == []


def test_empty_log_gives_empty_frames_and_creates_no_file(tmp_path, cb):
    log = DecisionLog(tmp_path / "sub" / "new.decisions.jsonl", casebook=cb)
    for frame, cols in ((log.table(), COLUMNS), (log.history(), COLUMNS),
                        (log.answers(), ANSWER_COLUMNS)):
        assert frame.empty and list(frame.columns) == cols
    assert str(log.table().decided_at.dtype) == "datetime64[us, UTC]"
    assert str(log.table().revision.dtype) == "int64"
    assert not (tmp_path / "sub").exists()
    assert log.learner == "new"                          # from the file name


def test_two_logs_in_one_process_share_the_file(tmp_path, cb):
    a = DecisionLog(tmp_path / "x.decisions.jsonl", casebook=cb)
    b = DecisionLog(tmp_path / "x.decisions.jsonl", casebook=cb)
    a.record("K1", [], "none", "a1")
    b.record("K1", [], "label", "b1")
    a.record("T1", [], "none", "a2")
    assert a.history().rationale.tolist() == b.history().rationale.tolist() == ["a1", "b1", "a2"]
    assert b.table().set_index("item_id").revision.to_dict() == {"K1": 2, "T1": 1}


@pytest.mark.parametrize("args, message", [
    (("T9", [], "none"), "'T9' is not an item in the case file"),
    (("t1", [], "none"), "did you mean 'T1'"),
    (("T1", ["no_such_rule"], "none"), "'no_such_rule' is not a rule"),
    (("T1", ["public_interest_notice"], "none"), "framework entry, not a rule a post can break"),
    (("T1", [], "banish"), "'banish' is not an action on the ladder (none, label, notice"),
    (("T1", "hateful_conduct", "none"), "rules should be a list of rule ids"),
    (("T1", [3], "none"), "rules[0]: should be text, not 3"),
    (("T1", 7, "none"), "rules should be a list of rule ids, not 7"),
    ((None, [], "none"), "item_id: should be text"),
    (("T1", [], "none", "x" * 5001), "5001 characters long; at most 5000"),
    (("T1", [], "none", 42), "the rationale should be text"),
])
def test_record_rejects_bad_input_and_writes_nothing(log, args, message):
    with pytest.raises(KitDataError) as err:
        log.record(*args)
    assert message in str(err.value)
    assert not log.path.exists()


def test_record_rationale_limits_and_control_characters(log):
    assert len(log.record("T1", [], "none", "x" * 5000)["rationale"]) == 5000
    assert log.record("T1", [], "none", "tab\tnew\nline\x00\x07bell")["rationale"] == \
        "tab\tnew\nlinebell"
    assert log.record("T1", [], "none", "Zoë ✓ 李雷 \u2028 ok")["rationale"] == "Zoë ✓ 李雷 \u2028 ok"
    assert DecisionLog(log.path, casebook=log.casebook).history().rationale.tolist()[-1] == \
        "Zoë ✓ 李雷 \u2028 ok"


# --------------------------------------------------------------------------- answers

def test_answers_latest_per_question_in_first_answered_order(log):
    log.record_answer("quiz", "q2", "label", "why not")
    log.record_answer("attribution", "khamenei_site", ["linked", "disputed"])
    log.record_answer("quiz", "q1", "suspend")
    log.record_answer("quiz", "q2", "notice", "changed")
    log.record("T1", [], "none")                         # decisions and answers share the log
    a = log.answers()
    assert list(a.columns) == ANSWER_COLUMNS
    assert a[["section", "question_id", "answer", "rationale"]].values.tolist() == [
        ["quiz", "q2", "notice", "changed"],
        ["attribution", "khamenei_site", ("linked", "disputed"), ""],
        ["quiz", "q1", "suspend", ""],
    ]
    assert str(a.answered_at.dtype) == "datetime64[us, UTC]"
    assert len(log.history()) == 1


@pytest.mark.parametrize("args, message", [
    (("quiz", "q 1", "a"), "'q 1' is not a valid question id"),
    (("../x", "q1", "a"), "is not a valid section id"),
    (("quiz", "q1", 5), "answer should be text or a list of texts, not 5"),
    (("quiz", "q1", ["a", 5]), "answer[1]: should be text, not 5"),
    (("quiz", "q1", ["a"] * 101), "101 parts; at most 100"),
    (("quiz", "q1", "a" * 5001), "5001 characters long"),
])
def test_record_answer_rejects_bad_input(log, args, message):
    with pytest.raises(KitDataError) as err:
        log.record_answer(*args)
    assert message in str(err.value)
    assert not log.path.exists()


# --------------------------------------------------------------------------- names and folders

@pytest.mark.parametrize("name, safe", [
    ("Zoë", "Zoë"),
    ("Zoe\u0308", "Zoë"),                    # decomposed input is normalised (NFC)
    ("李雷", "李雷"),
    ("Ali Reza", "Ali-Reza"),
    ("  Mary   O'Neil  ", "Mary-O-Neil"),
    ("محمد رضا", "محمد-رضا"),
    ("हिन्दी", "हिन्दी"),                       # combining vowel signs are kept
    ("../x", "x"),
    ("../../etc/passwd", "etc-passwd"),
    ("a/b", "a-b"),
    ("a\\b", "a-b"),
    ("C:\\Users\\x", "C-Users-x"),
    (".hidden", "hidden"),
    ("...bob...", "bob"),
    ("a\x00b\nc\td", "a-b-c-d"),
    ("\u202eevil", "evil"),                  # right-to-left override dropped
    ("CON", "CON-learner"),
    ("nul", "nul-learner"),
    ("Com1", "Com1-learner"),
    ("lpt9", "lpt9-learner"),
    ("CONSTANCE", "CONSTANCE"),
    ("x" * 100, "x" * 60),
    ("a" * 59 + " b", "a" * 59),             # no '-' left at the end after cutting
    ("龍" * 80, "龍" * 50),                   # at most 150 UTF-8 bytes
])
def test_safe_learner_name(name, safe):
    assert safe_learner_name(name) == safe


@pytest.mark.parametrize("name", ["", "   ", "..", "../", "/", "\\", "?!*", "\x00\x01", "-_-",
                                  "\u0301", None, 42, b"bob"])
def test_safe_learner_name_rejects_names_without_letters(name):
    with pytest.raises(KitDataError, match="learner name"):
        safe_learner_name(name)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_safe_learner_name_property(name):
    try:
        safe = safe_learner_name(name)
    except KitDataError:
        return
    assert safe and len(safe) <= 60 and len(safe.encode("utf-8")) <= 150
    assert not any(c in safe for c in "/\\\x00.:*?\"<>|") and not safe.startswith("-")
    assert not any(ord(c) < 32 for c in safe)
    assert safe.upper() not in L.WINDOWS_RESERVED
    assert Path(safe).name == safe and safe not in (".", "..")
    assert safe_learner_name(safe) == safe   # idempotent


def test_for_learner_keeps_the_file_inside_the_folder(tmp_path, cb):
    log = DecisionLog.for_learner("../../evil name", folder=tmp_path, casebook=cb)
    stem = D.learner_file_stem("../../evil name")
    assert stem.startswith("evil-name-") and len(stem) == len("evil-name-") + 8
    assert log.path == tmp_path / f"{stem}.decisions.jsonl"
    assert log.learner == "../../evil name"
    log.record("T1", [], "none")
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{stem}.decisions.jsonl"]
    zoe = DecisionLog.for_learner("  Zoë   Ng ", folder=tmp_path, casebook=cb)
    assert (zoe.path.name, zoe.learner) == (f"{D.learner_file_stem('Zoë Ng')}.decisions.jsonl",
                                            "Zoë Ng")
    assert zoe.path.name.startswith("Zoë-Ng-")


def test_default_folder_from_environment_or_project(tmp_path, monkeypatch):
    monkeypatch.setenv("KIT_DECISIONS_DIR", str(tmp_path / "a" / "b"))
    assert D.default_folder() == tmp_path / "a" / "b" and (tmp_path / "a" / "b").is_dir()
    monkeypatch.delenv("KIT_DECISIONS_DIR")
    monkeypatch.setattr(L, "ROOT", tmp_path / "project")
    assert D.default_folder() == tmp_path / "project" / "my-decisions"
    assert (tmp_path / "project" / "my-decisions").is_dir()
    assert L.ROOT != ROOT and ROOT == Path(L.__file__).resolve().parents[2]
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("KIT_DECISIONS_DIR", str(tmp_path / "file"))
    with pytest.raises(KitDataError, match="is a file"):
        D.default_folder()


def test_for_learner_uses_default_folder(tmp_path, monkeypatch, cb):
    monkeypatch.setenv("KIT_DECISIONS_DIR", str(tmp_path / "class"))
    assert DecisionLog.for_learner("Bo", casebook=cb).path == \
        tmp_path / "class" / f"{D.learner_file_stem('Bo')}.decisions.jsonl"


# --------------------------------------------------------------------------- export and read

TRICKY = ["=SUM(A1:A9)", "'quoted'", "+1", "-minus", "@at", "line\nbreak, comma \"q\"; semi",
          "Zoë ✓ 李雷", ""]


def filled_log(tmp_path, cb, learner="=Zoë; Ng"):
    log = DecisionLog(tmp_path / "zoe.decisions.jsonl", learner=learner, casebook=cb)
    log.record("K2", [HATE, ABUSE], "notice", TRICKY[0])
    log.record("T1", [GLOR], "suspend", TRICKY[1])
    log.record("K1", [], "none", TRICKY[2])
    log.record("K2", [HATE], "label", TRICKY[3])
    log.record("T2", [], "none", TRICKY[4] + TRICKY[5] + TRICKY[6])
    log.record_answer("quiz", "q1", ["label", "notice"], "both")
    log.record_answer("survey", "same_rules", "=agree")
    return log


def test_export_json_round_trip(tmp_path, cb):
    log = filled_log(tmp_path, cb)
    out = log.export()
    assert out == tmp_path / "zoe.decisions.json"
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert list(doc) == ["format", "version", "learner", "exported_at", "kit_version",
                         "decisions", "answers"]
    assert (doc["format"], doc["version"], doc["learner"]) == \
        ("casebook-kit-decisions", 1, "=Zoë; Ng")
    assert [d["item_id"] for d in doc["decisions"]] == ["K1", "T1", "T2", "K2"]
    assert doc["decisions"][3] == {"item_id": "K2", "rules": [HATE], "action": "label",
                                   "rationale": "-minus", "revision": 2,
                                   "decided_at": doc["decisions"][3]["decided_at"]}
    assert doc["answers"][0]["answer"] == ["label", "notice"]
    pd.testing.assert_frame_equal(DecisionLog.read(out, cb), log.table())
    pd.testing.assert_frame_equal(DecisionLog.read_answers(out, cb), log.answers())


def test_export_csv_round_trip(tmp_path, cb):
    log = filled_log(tmp_path, cb)
    out = log.export(tmp_path / "hand-in" / "zoe.csv", format="csv")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbflearner,item_id,rules,action,rationale,decided_at,"
                          b"revision,format_version\r\n")
    text = raw.decode("utf-8-sig")
    # formula-looking cells are guarded with a leading ' (and a leading ' is doubled)
    assert "'=Zo\u00eb; Ng,K1,,none,'+1," in text
    assert f"'=Zoë; Ng,K2,{HATE},label,'-minus," in text
    assert "''quoted'" in text
    pd.testing.assert_frame_equal(DecisionLog.read(out, cb), log.table())
    assert DecisionLog.read_answers(out, cb).empty     # CSV holds decisions only


def test_read_a_live_log_equals_its_table(tmp_path, cb):
    log = filled_log(tmp_path, cb, learner="Bo")
    before = log.path.read_bytes()
    pd.testing.assert_frame_equal(DecisionLog.read(log.path, cb), log.table())
    pd.testing.assert_frame_equal(DecisionLog.read_answers(log.path, cb), log.answers())
    assert log.path.read_bytes() == before


def test_export_refuses_to_replace_the_log_and_bad_format(tmp_path, cb):
    log = filled_log(tmp_path, cb)
    before = log.path.read_bytes()
    with pytest.raises(KitDataError, match="cannot replace the decision log"):
        log.export(log.path)
    with pytest.raises(KitDataError, match="'json' or 'csv'"):
        log.export(format="xlsx")
    assert log.path.read_bytes() == before


def test_export_of_an_empty_log_reads_back_empty(tmp_path, cb):
    log = DecisionLog(tmp_path / "e.decisions.jsonl", casebook=cb)
    for fmt in ("json", "csv"):
        t = DecisionLog.read(log.export(format=fmt), cb)
        assert t.empty and list(t.columns) == COLUMNS


# --------------------------------------------------------------------------- untrusted files

@pytest.fixture(scope="module")
def export_doc(tmp_path_factory, cb):
    log = filled_log(tmp_path_factory.mktemp("exp"), cb, learner="Zoë")
    return json.loads(log.export().read_text(encoding="utf-8"))


def _set(doc, path, value):
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def mutated(**changes):
    """A function doc -> JSON text of a copy of doc with ``path=value`` changes ('a.0.b')."""
    def build(doc):
        doc = copy.deepcopy(doc)
        for dotted, value in changes.items():
            path = [int(k) if k.isdigit() else k for k in dotted.split("__")]
            if value is DELETE:
                target = doc
                for key in path[:-1]:
                    target = target[key]
                del target[path[-1]]
            else:
                _set(doc, path, value)
        return json.dumps(doc)
    return build


DELETE = object()
CSV_HEAD = "learner,item_id,rules,action,rationale,decided_at,revision,format_version\n"
CSV_ROW = "Zoë,T1,hateful_conduct,label,why,2024-05-01T10:00:00Z,1,1\n"
LOG_HEAD = ('{"format": "casebook-kit-decision-log", "version": 1, "learner": "Zoë", '
            '"created_at": "2024-05-01T10:00:00Z", "kit_version": "0.1.0"}\n')
LOG_REC = ('{"type": "decision", "item_id": "T1", "rules": [], "action": "none", '
           '"rationale": "", "decided_at": "2024-05-01T10:00:00Z"}\n')

MALFORMED = [
    ("empty", b"", "the file is empty"),
    ("blank", b"  \n\n ", "the file is empty"),
    ("binary", bytes(range(256)) * 4, "not a text file (it contains binary data)"),
    ("latin-1", "learner,é\n".encode("latin-1"), "not UTF-8 text"),
    ("truncated json", b'{"format": "casebook-kit-decisions", "vers', "not valid JSON"),
    ("trailing garbage", lambda d: json.dumps(d) + " x", "not valid JSON (Extra data"),
    ("top-level list", b"[1, 2, 3]", "top level should be a JSON object {...}, not a list"),
    ("top-level string", b'"hello"', "not a casebook kit decisions file"),
    ("no format", b'{"version": 1}', "it has no 'format' field"),
    ("foreign format", b'{"format": "excel", "version": 1}', "its format is 'excel'"),
    ("newer version", mutated(version=2), "made by a newer kit (format version 2; this kit reads "
                                          "up to version 1)"),
    ("version zero", mutated(version=0), "0 is not a version of the decisions export format"),
    ("version text", mutated(version="1"), "should be a whole number, not '1'"),
    ("version float", mutated(version=1.0), "should be a whole number, not 1.0"),
    ("missing field", mutated(learner=DELETE), "the file is missing the field(s) learner"),
    ("extra field", mutated(grade="A+"), "has unknown field(s) 'grade'"),
    ("empty learner", mutated(learner=" "), "learner: is empty"),
    ("learner wrong type", mutated(learner=["Zoë"]), "learner: should be text, not a list"),
    ("huge learner", mutated(learner="x" * 10_000), "learner: is 10000 characters long"),
    ("bad exported_at", mutated(exported_at="yesterday"), "exported_at: 'yesterday' is not a date"),
    ("decisions not list", mutated(decisions={"T1": 1}), "decisions: should be a list [...], not an object"),
    ("decision not object", mutated(decisions__0=5), "decisions[0]: the entry should be a JSON object"),
    ("decision missing field", mutated(decisions__0__action=DELETE),
     "decisions[0]: the entry is missing the field(s) action"),
    ("decision extra field", mutated(decisions__0__score=3),
     "decisions[0]: the entry has unknown field(s) 'score'"),
    ("unknown item", mutated(decisions__0__item_id="ZZ9"),
     "decisions[0]: item_id: 'ZZ9' is not an item in the case file"),
    ("bad item id", mutated(decisions__0__item_id="../T1"), "'../T1' is not a valid item id"),
    ("unknown rule", mutated(decisions__1__rules=["made_up"]),
     "decisions[1]: rules: 'made_up' is not a rule in the case file"),
    ("framework rule", mutated(decisions__1__rules=["world_leaders_exempt"]),
     "'world_leaders_exempt' is a framework entry"),
    ("rules not list", mutated(decisions__1__rules="hateful_conduct"),
     "rules: should be a list of rule ids"),
    ("rule wrong type", mutated(decisions__1__rules=[{"id": 1}]), "rules[0]: should be text"),
    ("too many rules", mutated(decisions__1__rules=["x"] * 51), "lists 51 rules; at most 50"),
    ("unknown action", mutated(decisions__2__action="ban"), "'ban' is not an action on the ladder"),
    ("action null", mutated(decisions__2__action=None), "action: should be text, not null"),
    ("duplicate item", lambda d: json.dumps({**d, "decisions": d["decisions"] + d["decisions"][:1]}),
     "decisions[4]: item 'K1' appears twice (also decisions[0])"),
    ("huge rationale", mutated(decisions__0__rationale="x" * 6000),
     "rationale: is 6000 characters long; at most 5000"),
    ("control char", mutated(decisions__0__rationale="a\x00b"), "contains control characters"),
    ("lone surrogate", lambda d: json.dumps(d).replace('"rationale": "', '"rationale": "\\ud800', 1),
     "contains control characters or broken Unicode"),
    ("nan", lambda d: json.dumps(d).replace('"revision": 1', '"revision": NaN', 1),
     "NaN is not allowed"),
    ("infinity", lambda d: json.dumps(d).replace('"revision": 1', '"revision": -Infinity', 1),
     "-Infinity is not allowed"),
    ("huge number", lambda d: json.dumps(d).replace('"revision": 1', '"revision": 1' + "0" * 5000, 1),
     "not valid JSON"),
    ("revision float", mutated(decisions__0__revision=1.5), "revision: should be a whole number"),
    ("revision bool", mutated(decisions__0__revision=True), "revision: should be a whole number, not true"),
    ("revision zero", mutated(decisions__0__revision=0), "revision: 0 is out of range"),
    ("naive time", mutated(decisions__0__decided_at="2024-05-01T10:00:00"), "has no time zone"),
    ("absurd year", mutated(decisions__0__decided_at="9999-12-31T23:59:59Z"), "not a plausible date"),
    ("year overflow", mutated(decisions__0__decided_at="0001-01-01T00:00:00+01:00"), "not a date and time"),
    ("time wrong type", mutated(decisions__0__decided_at=20240501), "decided_at: should be text"),
    ("answers not list", mutated(answers="yes"), "answers: should be a list"),
    ("answer bad type", mutated(answers__0__answer=5), "answers[0]: answer: should be text or a list"),
    ("answer nested", mutated(answers__0__answer=[["a"]]), "answers[0]: answer[0]: should be text"),
    ("answer duplicate", lambda d: json.dumps({**d, "answers": d["answers"] * 2}),
     "answers[2]: question quiz/q1 appears twice"),
    ("deep nesting", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ("deep nesting in field", mutated(decisions__0__rationale=
                                      json.loads("[" * 500 + "]" * 500)), "rationale: should be text, not a list"),
    ("csv foreign", b"name,score\nZo\xc3\xab,3\n", "not a casebook kit decisions file"),
    ("csv semicolons", CSV_HEAD.replace(",", ";").encode(), "not a casebook kit decisions file"),
    ("csv missing column", (CSV_HEAD.replace("action,", "") + "Zoë,T1,,x,2024-05-01T10:00:00Z,1,1\n")
     .encode(), "row 1: missing column(s) action"),
    ("csv extra column", (CSV_HEAD.strip() + ",grade\n").encode(), "unknown or repeated column(s) 'grade'"),
    ("csv ragged row", (CSV_HEAD + "Zoë,T1\n").encode(), "row 2: has 2 fields but the header has 8"),
    ("csv bad quote", (CSV_HEAD + 'Zoë,T1,,none,"oops,2024,1,1\n').encode(), "not a valid CSV file"),
    ("csv unknown rule", (CSV_HEAD + CSV_ROW.replace("hateful_conduct", "hate;made_up")).encode(),
     "row 2, column 'rules': 'hate' is not a rule in the case file (did you mean 'hateful_conduct'?)"),
    ("csv unknown item", (CSV_HEAD + CSV_ROW.replace(",T1,", ",Q7,")).encode(),
     "row 2, column 'item_id': 'Q7' is not an item"),
    ("csv duplicate item", (CSV_HEAD + CSV_ROW + CSV_ROW).encode(),
     "row 3, column 'item_id': item 'T1' appears twice (also row 2)"),
    ("csv newer version", (CSV_HEAD + CSV_ROW.replace(",1,1\n", ",1,2\n")).encode(),
     "row 2, column 'format_version': was made by a newer kit"),
    ("csv version text", (CSV_HEAD + CSV_ROW.replace(",1,1\n", ",1,one\n")).encode(),
     "'one' is not a format version number"),
    ("csv revision nan", (CSV_HEAD + CSV_ROW.replace(",1,1\n", ",nan,1\n")).encode(),
     "row 2, column 'revision': should be a whole number, not 'nan'"),
    ("csv mixed learners", (CSV_HEAD + CSV_ROW + CSV_ROW.replace("Zoë,T1", "Bo,T2")).encode(),
     "row 3, column 'learner': this file mixes learners"),
    ("csv huge field", (CSV_HEAD + CSV_ROW.replace("why", "w" * 200_000)).encode(),
     "not a valid CSV file (field larger than field limit"),
    ("log newer version", (LOG_HEAD.replace('"version": 1', '"version": 3') + LOG_REC).encode(),
     "made by a newer kit (format version 3"),
    ("log garbage line", (LOG_HEAD + LOG_REC + "garbage\n" + LOG_REC).encode(),
     "line 3: the line is not valid JSON"),
    ("log bad header", (LOG_HEAD.replace('"learner"', '"pupil"') + LOG_REC).encode(),
     "line 1: this is not a casebook kit decision log (the header is missing the field(s) learner"),
    ("log unknown item", (LOG_HEAD + LOG_REC.replace('"T1"', '"T7"')).encode(),
     "line 2: item_id: 'T7' is not an item"),
    ("log wrong type", (LOG_HEAD + '{"type": "vote", "item_id": "T1"}\n').encode(),
     "line 2: 'type' should be 'decision' or 'answer', not 'vote'"),
    ("log junk tail", (LOG_HEAD + LOG_REC + "PK\x03\x04 zip").encode(),
     "line 3: the last line is incomplete and not written by the kit"),
    ("log only torn header", LOG_HEAD[:60].encode(), "no complete header line"),
]


@pytest.mark.parametrize("content, message", [m[1:] for m in MALFORMED],
                         ids=[m[0] for m in MALFORMED])
def test_read_rejects_malformed_files(tmp_path, cb, export_doc, content, message):
    raw = content(export_doc) if callable(content) else content
    raw = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    path = tmp_path / "handed-in.json"
    path.write_bytes(raw)
    for reader in (DecisionLog.read, DecisionLog.read_answers):
        with pytest.raises(KitDataError) as err:
            reader(path, cb)
        assert str(err.value).startswith(str(path) + ": ") or \
            str(err.value).startswith(str(path) + ", row")
        assert message in str(err.value), str(err.value)
        assert err.value.__suppress_context__ or err.value.__context__ is None
    assert path.read_bytes() == raw


def test_read_accepts_a_log_with_a_torn_last_line(tmp_path, cb):
    path = tmp_path / "x.decisions.jsonl"
    path.write_bytes((LOG_HEAD + LOG_REC + LOG_REC[:25]).encode())
    t = DecisionLog.read(path, cb)
    assert t[["learner", "item_id", "revision"]].values.tolist() == [["Zoë", "T1", 1]]


def test_read_missing_folder_fifo_and_bad_path(tmp_path, cb):
    with pytest.raises(KitDataError, match="there is no such file"):
        DecisionLog.read(tmp_path / "nope.json", cb)
    with pytest.raises(KitDataError, match="is a folder"):
        DecisionLog.read(tmp_path, cb)
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(KitDataError, match="not a regular file"):  # and does not hang
        DecisionLog.read(fifo, cb)
    with pytest.raises(KitDataError, match="should be text or a Path"):
        DecisionLog.read(42, cb)


def test_read_checks_the_size_before_reading(tmp_path, cb, monkeypatch):
    path = tmp_path / "big.json"
    with open(path, "wb") as fh:     # sparse: 6 GB that take no disk space
        fh.truncate(6_000_000_000)
    monkeypatch.setattr(F, "read_all", lambda *a: pytest.fail("read before the size check"))
    with pytest.raises(KitDataError, match=r"6,000,000,000 bytes; a decisions file can be at "
                                           r"most 5,000,000 bytes"):
        DecisionLog.read(path, cb)
    path.write_bytes(b" " * 5_000_001)
    with pytest.raises(KitDataError, match="at most 5,000,000 bytes"):
        DecisionLog.read(path, cb)


# ---- property tests: nothing but KitDataError ever escapes, and the file is never touched

PROPERTY = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) |
    st.text(max_size=20) | st.sampled_from(["T1", "K2", HATE, "label", "2024-05-01T10:00:00Z"]),
    lambda children: st.lists(children, max_size=4) |
    st.dictionaries(st.text(max_size=8) | st.sampled_from(["format", "version", "decisions"]),
                    children, max_size=4),
    max_leaves=25)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("prop") / "file.json"


def read_only_kit_errors(path, raw, cb):
    path.write_bytes(raw)
    for reader in (DecisionLog.read, DecisionLog.read_answers):
        try:
            out = reader(path, cb)
        except KitDataError as e:
            assert str(path) in str(e)
        else:
            assert list(out.columns) in (COLUMNS, ANSWER_COLUMNS)
            if "item_id" in out:
                assert set(out.item_id) <= {"K1", "T1", "T2", "K2"}
    assert path.read_bytes() == raw


@PROPERTY
@given(st.binary(max_size=300))
def test_property_random_bytes(scratch, cb, raw):
    read_only_kit_errors(scratch, raw, cb)


@PROPERTY
@given(json_values | st.fixed_dictionaries(
    {"format": st.sampled_from(["casebook-kit-decisions", "x"]),
     "version": st.sampled_from([1, 2, 0, "1", None])},
    optional={"learner": json_values, "exported_at": json_values, "kit_version": json_values,
              "decisions": st.lists(json_values, max_size=3), "answers": json_values}))
def test_property_random_json(scratch, cb, doc):
    read_only_kit_errors(scratch, json.dumps(doc).encode(), cb)


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, prefix + (i,))


@PROPERTY
@given(st.data())
def test_property_mutated_export(scratch, cb, export_doc, data):
    doc = copy.deepcopy(export_doc)
    for _ in range(data.draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p]
        path = data.draw(st.sampled_from(paths))
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        how = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if how == "replace":
            parent[path[-1]] = data.draw(json_values)
        elif how == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[data.draw(st.text(max_size=8))] = data.draw(json_values)
        else:
            parent.append(data.draw(json_values))
    raw = json.dumps(doc, ensure_ascii=data.draw(st.booleans())).encode()
    if data.draw(st.booleans()):  # and damage some bytes
        pos = data.draw(st.integers(0, len(raw)))
        raw = raw[:pos] + data.draw(st.binary(max_size=3)) + raw[pos + data.draw(st.integers(0, 3)):]
    read_only_kit_errors(scratch, raw, cb)


@PROPERTY
@given(st.data())
def test_property_mutated_csv_and_log(scratch, cb, data):
    base = data.draw(st.sampled_from([
        (CSV_HEAD + CSV_ROW + CSV_ROW.replace("T1", "K1")).encode(),
        (LOG_HEAD + LOG_REC + LOG_REC.replace("T1", "K2")).encode()]))
    pos = data.draw(st.integers(0, len(base)))
    insert = data.draw(st.binary(max_size=4) | st.sampled_from(
        [b",", b";", b"\n", b'"', b"\r", b"{", b"}", b"T2", b"hateful_conduct", b'"x"']))
    raw = base[:pos] + insert + base[pos + data.draw(st.integers(0, 4)):]
    read_only_kit_errors(scratch, raw, cb)


# --------------------------------------------------------------------------- durability

def test_record_fsyncs_the_log_before_returning(log, monkeypatch):
    synced = []
    real = os.fsync

    def spy(fd):
        synced.append((os.path.realpath(f"/proc/self/fd/{fd}"), os.fstat(fd).st_size))
        return real(fd)

    if not os.path.exists("/proc/self/fd"):
        pytest.skip("needs /proc")
    monkeypatch.setattr(F.os, "fsync", spy)
    log.record("T1", [], "none", "first")
    size1 = log.path.stat().st_size
    log.record("T1", [], "none", "second")
    size2 = log.path.stat().st_size
    on_log = [size for p, size in synced if p == os.path.realpath(log.path)]
    assert size1 in on_log and size2 in on_log and size2 > size1


def test_torn_last_line_is_ignored_then_repaired(log, cb):
    log.record("T1", [GLOR], "suspend", "kept")
    whole = log.path.read_bytes()
    torn = LOG_REC.encode()[:40]
    with open(log.path, "ab") as fh:
        fh.write(torn)
    again = DecisionLog(log.path, casebook=cb)
    assert again.history().rationale.tolist() == ["kept"]
    assert len(again.messages) == 1 and "incomplete" in again.messages[0]   # the learner is told
    assert log.path.read_bytes() == whole + torn          # reading changes nothing
    again.record("K1", [], "none", "next")
    raw = log.path.read_bytes()
    new = raw[len(whole):]       # the torn bytes are gone; the record has a line of its own
    assert raw.startswith(whole) and new.count(b"\n") == 1 and new.endswith(b"\n")
    assert new.startswith(b'{"type": "decision", "item_id": "K1"')
    assert [r.get("rationale") for r in lines(log.path)] == [None, "kept", "next"]
    # ... but not before a copy of the file as it was is kept, and named to the learner
    asides = [p for p in log.path.parent.iterdir() if p != log.path]
    assert len(asides) == 1 and asides[0].read_bytes() == whole + torn
    assert str(asides[0]) in again.messages[-1] and "cut off" in again.messages[-1]


def test_torn_header_is_started_afresh(tmp_path, cb):
    path = tmp_path / "x.decisions.jsonl"
    path.write_bytes(LOG_HEAD.encode()[:20])
    log = DecisionLog(path, casebook=cb)
    assert log.history().empty and len(log.messages) == 1 and "incomplete" in log.messages[0]
    log.record("T2", [], "none", "one")
    assert [r.get("rationale") for r in lines(path)] == [None, "one"]
    assert lines(path)[0]["format"] == "casebook-kit-decision-log"
    aside, = [p for p in tmp_path.iterdir() if D.ASIDE_MARK in p.name]
    assert aside.read_bytes() == LOG_HEAD.encode()[:20] and str(aside) in log.messages[-1]


CORRUPT = [
    ("garbage text", b"hello, this is not a log\n", 0),
    ("no newline garbage", b"hello", 0),
    ("binary", bytes(range(256)), 0),
    ("a csv saved here", (CSV_HEAD + CSV_ROW).encode(), 0),
    ("foreign json", b'{"format": "something-else", "version": 1}\n', 0),
    ("exported json", b'{\n  "format": "casebook-kit-decisions",\n  "version": 1\n}\n', 0),
    ("garbage line inside", (LOG_HEAD + LOG_REC + "garbage\n" + LOG_REC).encode(), 2),
    ("records without header", (LOG_REC + LOG_REC).encode(), 2),
    ("zeros after a power cut", (LOG_HEAD + LOG_REC).encode() + b"\x00" * 64, 1),
    ("header with unknown field", (LOG_HEAD.replace('{"format"', '{"x": 1, "format"') +
                                   LOG_REC).encode(), 1),
]


@pytest.mark.parametrize("content, salvaged", [c[1:] for c in CORRUPT], ids=[c[0] for c in CORRUPT])
def test_unreadable_file_is_set_aside_never_overwritten(tmp_path, cb, content, salvaged):
    path = tmp_path / "zoe.decisions.jsonl"
    path.write_bytes(content)
    log = DecisionLog(path, learner="Zoë", casebook=cb)
    asides = [p for p in tmp_path.iterdir() if p.name.startswith("zoe.decisions.jsonl.unreadable-")]
    assert len(asides) == 1 and asides[0].read_bytes() == content
    assert len(log.messages) == 1
    msg = log.messages[0]
    assert str(asides[0]) in msg and "Nothing was deleted" in msg and "carry on" in msg
    assert (f"{salvaged} decision(s)" in msg) if salvaged else ("starts again empty" in msg)
    assert len(log.history()) == salvaged
    log.record("K1", [], "none", "new")
    assert log.history().rationale.tolist() == [""] * salvaged + ["new"]
    assert asides[0].read_bytes() == content
    again = DecisionLog(path, casebook=cb)
    assert again.messages == [] and again.learner == "Zoë" and len(again.history()) == salvaged + 1


def test_set_aside_never_clobbers_an_existing_file(tmp_path, cb, monkeypatch):
    monkeypatch.setattr(F, "aside_stamp", lambda: "20240101T000000Z")
    path = tmp_path / "a.decisions.jsonl"
    taken = tmp_path / "a.decisions.jsonl.unreadable-20240101T000000Z"
    taken.write_bytes(b"precious")
    path.write_bytes(b"junk one")
    first = DecisionLog(path, casebook=cb)
    path.write_bytes(b"junk two")
    second = DecisionLog(path, casebook=cb)
    assert taken.read_bytes() == b"precious"
    assert (tmp_path / (taken.name + "-2")).read_bytes() == b"junk one"
    assert (tmp_path / (taken.name + "-3")).read_bytes() == b"junk two"
    assert taken.name + "-2" in first.messages[0] and taken.name + "-3" in second.messages[0]


def test_corruption_found_later_is_set_aside_on_next_use(log, cb):
    log.record("T1", [], "none", "one")
    with open(log.path, "ab") as fh:
        fh.write(b"someone typed here\n")
    log.record("T2", [], "label", "two")       # still saved, into a fresh log
    assert log.history().rationale.tolist() == ["one", "two"]
    assert len(log.messages) == 1 and "line 3" in log.messages[0]


def test_newer_log_is_refused_and_left_alone(tmp_path, cb):
    path = tmp_path / "x.decisions.jsonl"
    raw = (LOG_HEAD.replace('"version": 1', '"version": 3') + LOG_REC).encode()
    path.write_bytes(raw)
    with pytest.raises(KitDataError, match="made by a newer kit"):
        DecisionLog(path, casebook=cb)
    assert path.read_bytes() == raw and sorted(tmp_path.iterdir()) == [path]


def test_decisions_on_items_the_case_file_no_longer_has_are_kept_but_not_shown(tmp_path, cb):
    path = tmp_path / "x.decisions.jsonl"
    raw = (LOG_HEAD + LOG_REC.replace('"T1"', '"T_OLD"') + LOG_REC).encode()
    path.write_bytes(raw)
    log = DecisionLog(path, casebook=cb)
    assert log.table().item_id.tolist() == ["T1"]
    assert len(log.messages) == 1 and "'T_OLD' is not an item" in log.messages[0]
    log.table()
    assert len(log.messages) == 1                      # said once
    assert path.read_bytes() == raw


def test_a_folder_at_the_log_path_is_an_error(tmp_path, cb):
    (tmp_path / "x.decisions.jsonl").mkdir()
    with pytest.raises(KitDataError, match="not a regular file|is a folder"):
        DecisionLog(tmp_path / "x.decisions.jsonl", casebook=cb)


# ---- real processes: killed writers and concurrent writers
# The writers are forked from the test process (no interpreter start-up, so many
# kill rounds stay fast); each opens the log itself, as a second notebook would.

def writer(path, cb, tag, start, count, go=None, tear_after=None, resume=None):
    """Fork a process recording decisions ``<tag><i>`` from i=start (count<0: forever).

    It prints ``ok <i>`` on its pipe after each record() returned. With
    ``tear_after=n``, after n decisions its next write stops part-way, prints
    ``mid`` and waits to be killed (a kill in the middle of a write), or, given a
    ``resume`` path, until that file exists, then finishes the write. -> (pid, pipe file)
    """
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the writer
        code = 1
        try:
            os.close(r)
            log = DecisionLog(path, learner="writer", casebook=cb)
            items = list(cb.items.item_id)
            while go is not None and not go.exists():
                time.sleep(0.001)
            i = start
            while count < 0 or i < start + count:
                if tear_after is not None and i == start + tear_after:
                    real_write_all = F.write_all

                    def half_then_wait(fd, data):
                        os.write(fd, data[: len(data) // 2])
                        os.write(w, b"mid\n")
                        deadline = time.monotonic() + 60
                        while not (resume and resume.exists()) and time.monotonic() < deadline:
                            time.sleep(0.001)
                        F.write_all = real_write_all
                        real_write_all(fd, data[len(data) // 2:])
                    F.write_all = half_then_wait
                log.record(items[i % len(items)], [HATE] if i % 2 else [], "label", f"{tag}{i}")
                os.write(w, f"ok {i}\n".encode())
                i += 1
            code = 0
        except BaseException as e:  # pragma: no cover - shows in the parent's assertion
            os.write(w, f"error {e!r}\n".encode())
        finally:
            os._exit(code)
    os.close(w)
    return pid, os.fdopen(r, "rb")


def confirmed(text: bytes, tag):
    """The rationales a writer reported as recorded (whole 'ok' lines only)."""
    return {f"{tag}{line.split()[1]}" for line in text.decode().split("\n")[:-1]
            if line.startswith("ok ")}


def test_writer_killed_at_random_moments_loses_nothing_confirmed(tmp_path, cb):
    path = tmp_path / "crash.decisions.jsonl"
    rng = random.Random(20210108)
    done = set()
    for round_ in range(10):
        tear = round_ % 2 == 1                  # every other round: kill it mid-write
        n = rng.randint(1, 25)
        pid, out = writer(path, cb, "c", round_ * 100_000, -1, tear_after=n if tear else None)
        seen = b""
        for _ in range(n):                      # let it confirm a few decisions first
            line = out.readline()
            assert line.startswith(b"ok "), line
            seen += line
        if tear:
            assert out.readline() == b"mid\n"
        else:
            time.sleep(rng.uniform(0, 0.01))    # then kill it at a random moment
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        seen += out.read()
        out.close()
        done |= confirmed(seen, "c")
        if tear:
            assert not path.read_bytes().endswith(b"\n")   # a torn last line really is there
        log = DecisionLog(path, casebook=cb)
        saved = log.history().rationale.tolist()
        assert done <= set(saved), sorted(done - set(saved))[:5]
        # a cut-off last line is told to the learner, and only then
        ends_whole = path.read_bytes().endswith(b"\n")
        assert log.messages == [] if ends_whole else \
            (len(log.messages) == 1 and "incomplete" in log.messages[0])
        assert len(saved) == len(set(saved))        # nothing written twice
    # copies are kept only of files whose last line was cut off
    asides = [p for p in tmp_path.iterdir() if D.ASIDE_MARK in p.name]
    assert all(not p.read_bytes().endswith(b"\n") for p in asides)
    assert len(done) >= 10
    DecisionLog(path, casebook=cb).record("K1", [], "none", "c-last")   # repairs the torn tail
    raw = path.read_bytes()
    assert raw.endswith(b"\n") and lines(path)[-1]["rationale"] == "c-last"
    assert all(r.get("rationale", "c").startswith("c") for r in lines(path))


def test_two_writers_at_once_lose_nothing(tmp_path, cb):
    path = tmp_path / "shared.decisions.jsonl"
    go = tmp_path / "go"
    procs = [writer(path, cb, tag, 0, 60, go) for tag in ("a", "b")]
    go.write_text("go")
    outs = []
    for pid, out in procs:
        outs.append(out.read())
        out.close()
        _, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, outs[-1][-300:]
    assert confirmed(outs[0], "a") | confirmed(outs[1], "b") == \
        {f"{t}{i}" for t in "ab" for i in range(60)}
    h = DecisionLog(path, casebook=cb).history()
    saved = h.rationale.tolist()
    assert sorted(saved) == sorted(f"{t}{i}" for t in "ab" for i in range(60))
    for t in "ab":                                 # each writer's own order is kept
        assert [int(r[1:]) for r in saved if r[0] == t] == list(range(60))
    # revisions count both writers' decisions on an item: 120 decisions over 4 items
    assert sorted(h.groupby("item_id").revision.max().tolist()) == [30, 30, 30, 30]
    assert sum(1 for r in lines(path) if "format" in r) == 1   # one header, however they raced


def test_a_second_writer_waits_for_an_append_in_progress(tmp_path, cb):
    """While one process is half-way through an append, another must not touch the file."""
    path = tmp_path / "x.decisions.jsonl"
    resume = tmp_path / "resume"
    pid_a, out_a = writer(path, cb, "a", 0, 3, tear_after=1, resume=resume)
    assert out_a.readline() == b"ok 0\n" and out_a.readline() == b"mid\n"
    half = path.read_bytes()
    assert not half.endswith(b"\n")
    pid_b, out_b = writer(path, cb, "b", 0, 1)
    time.sleep(0.3)                     # b is blocked on the lock: the half line is untouched
    assert path.read_bytes() == half
    resume.write_text("go")
    rest_a, rest_b = out_a.read(), out_b.read()
    for pid in (pid_a, pid_b):
        _, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert rest_a == b"ok 1\nok 2\n" and rest_b == b"ok 0\n"
    log = DecisionLog(path, casebook=cb)
    assert sorted(log.history().rationale) == ["a0", "a1", "a2", "b0"] and log.messages == []
    assert not [p for p in tmp_path.iterdir() if D.ASIDE_MARK in p.name]


def test_the_documented_examples_read_back(tmp_path, casebook):
    """docs/decision-format.md: each example file is read as the doc says."""
    doc = (ROOT / "docs" / "decision-format.md").read_text(encoding="utf-8")
    blocks = {}
    for chunk in doc.split("```")[1::2]:
        lang, _, body = chunk.partition("\n")
        blocks.setdefault(lang, []).append(body)
    log_text, export_text = blocks["json"]
    (csv_text,) = blocks["csv"]
    expected = [["Zoë Ng", "T06", ("glorification_of_violence",), "notice", 2],
                ["Zoë Ng", "K13", ("abusive_behavior",), "label", 1]]
    for name, text in (("a.decisions.jsonl", log_text), ("a.decisions.json", export_text),
                       ("a.decisions.csv", csv_text)):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        t = DecisionLog.read(path, casebook)
        assert t[["learner", "item_id", "rules", "action", "revision"]].values.tolist() == expected
        assert t.decided_at.iloc[0] == pd.Timestamp("2025-03-04T10:18:11.000917Z")
    answers = DecisionLog.read_answers(tmp_path / "a.decisions.json", casebook)
    pd.testing.assert_frame_equal(answers, DecisionLog.read_answers(tmp_path / "a.decisions.jsonl",
                                                                    casebook))
    assert answers.answer.tolist() == ["agree", ("linked", "disputed")]


# --------------------------------------------------------------------------- one person, one file

@pytest.mark.parametrize("a, b", [("Ali Reza", "Ali-Reza"), ("Ana", "Ana!"),
                                  ("x" * 70 + "a", "x" * 70 + "b"), ("Zoë", "Zoe")])
def test_different_names_get_different_files(tmp_path, cb, a, b):
    la, lb = (DecisionLog.for_learner(n, folder=tmp_path, casebook=cb) for n in (a, b))
    assert la.path != lb.path
    assert D.safe_learner_name(a) in la.path.name          # still readable
    la.record("T1", [], "none", "A's private reason")
    assert lb.table().empty and lb.messages == []         # B never sees A's decisions
    lb.record("K1", [], "label", "B's")
    assert la.table().rationale.tolist() == ["A's private reason"]
    assert [lines(p)[0]["learner"] for p in (la.path, lb.path)] == [a, b]   # name in header


def test_same_name_same_file_after_normalising(tmp_path, cb):
    nfd = "Zoe\u0308 Ng"
    assert D.learner_file_stem(nfd) == D.learner_file_stem("  Zoë  Ng ")
    assert D.learner_file_stem("Zoë") == D.learner_file_stem("Zoë")


def test_a_file_naming_another_learner_is_never_written_or_read_as_yours(tmp_path, cb):
    ana = DecisionLog.for_learner("Ana", folder=tmp_path, casebook=cb)
    ana.record("T1", [], "none", "Ana's secret")
    before = ana.path.read_bytes()
    with pytest.raises(KitDataError, match="belongs to 'Ana', not 'Ben'"):
        DecisionLog(ana.path, learner="Ben", casebook=cb)
    impostor = DecisionLog.__new__(DecisionLog)   # opened before the file was swapped
    ben = DecisionLog.for_learner("Ben", folder=tmp_path, casebook=cb)
    ben.path.write_bytes(before)                  # Ben's path now holds a file naming Ana
    with pytest.raises(KitDataError, match="belongs to 'Ana'.*nothing was read"):
        ben.record("K1", [], "label", "Ben's")
    with pytest.raises(KitDataError, match="belongs to 'Ana'"):
        ben.table()
    assert ben.path.read_bytes() == before and ana.path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([ana.path.name, ben.path.name])
    del impostor
    # without a learner given, the file's own name is used (a teacher reading it)
    assert DecisionLog(ben.path, casebook=cb).learner == "Ana"


@pytest.mark.parametrize("ch", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066",
                                "\u2067", "\u2068", "\u2069", "\u200e", "\u200f", "\u061c"])
def test_bidi_controls_in_names_are_refused(tmp_path, cb, ch):
    name = f"Ana{ch}neB"
    for call in (lambda: D.learner_file_stem(name),
                 lambda: DecisionLog.for_learner(name, folder=tmp_path, casebook=cb),
                 lambda: D.set_learner(name)):
        with pytest.raises(KitDataError, match=f"bidirectional.*U\\+{ord(ch):04X}"):
            call()
    assert list(tmp_path.iterdir()) == []


def test_old_style_file_still_read_and_carried_on(tmp_path, cb):
    old = tmp_path / "Ana.decisions.jsonl"
    DecisionLog(old, learner="Ana", casebook=cb).record("T1", [], "none", "from last term")
    assert DecisionLog.read(old, casebook=cb).rationale.tolist() == ["from last term"]
    log = DecisionLog.for_learner("Ana", folder=tmp_path, casebook=cb)
    assert log.path == old and log.table().rationale.tolist() == ["from last term"]
    log.record("K1", [], "label", "this term")
    assert len(DecisionLog.read(old, casebook=cb)) == 2
    # an old file whose header names someone else ("Ana!" shared "Ana.decisions.jsonl")
    # is not used: the new-style file is
    bang = DecisionLog.for_learner("Ana!", folder=tmp_path, casebook=cb)
    assert bang.path.name == f"{D.learner_file_stem('Ana!')}.decisions.jsonl"
    assert bang.table().empty


def test_a_symlink_at_the_log_path_is_refused(tmp_path, cb):
    target = tmp_path / "elsewhere.txt"
    target.write_bytes(b"not yours")
    link = tmp_path / "zoe.decisions.jsonl"
    link.symlink_to(target)
    with pytest.raises(KitDataError, match="symbolic link"):
        DecisionLog(link, learner="Zoë", casebook=cb).record("T1", [], "none")
    with pytest.raises(KitDataError, match="symbolic link"):
        DecisionLog(link, casebook=cb)
    assert target.read_bytes() == b"not yours" and link.is_symlink()
    folder = tmp_path / "class"
    folder.mkdir()
    path = DecisionLog.for_learner("Zoë", folder=folder, casebook=cb).path
    path.symlink_to(target)
    with pytest.raises(KitDataError, match="symbolic link"):
        DecisionLog.for_learner("Zoë", folder=folder, casebook=cb)


# --------------------------------------------------------------------------- nothing lost, ever told

def test_a_complete_last_record_without_newline_is_a_record(log, cb):
    log.record("T1", [GLOR], "suspend", "first")
    log.record("K1", [], "label", "second")
    raw = log.path.read_bytes()
    log.path.write_bytes(raw.rstrip(b"\n"))
    again = DecisionLog(log.path, casebook=cb)
    assert again.history().rationale.tolist() == ["first", "second"] and again.messages == []
    assert DecisionLog.read(log.path, casebook=cb).rationale.tolist() == ["second", "first"]
    again.record("T2", [], "none", "third")
    assert [r.get("rationale") for r in lines(log.path)] == [None, "first", "second", "third"]
    assert log.path.read_bytes() == raw + lines_bytes(log.path)[-1]
    assert sorted(p.name for p in log.path.parent.iterdir()) == [log.path.name]


def lines_bytes(path):
    return Path(path).read_bytes().splitlines(keepends=True)


@pytest.mark.parametrize("end", [b"\r", b"\r\n"])
def test_cr_line_ends_are_read_and_never_truncated(log, cb, end):
    log.record("T1", [GLOR], "suspend", "first")
    log.record("K1", [], "label", "second")
    original = log.path.read_bytes().replace(b"\n", end)
    log.path.write_bytes(original)
    again = DecisionLog(log.path, casebook=cb)
    assert again.history().rationale.tolist() == ["first", "second"]
    assert DecisionLog.read(log.path, casebook=cb).rationale.tolist() == ["second", "first"]
    assert log.path.read_bytes() == original              # reading changes nothing
    again.record("T2", [], "none", "third")
    assert [r.get("rationale") for r in lines(log.path)] == [None, "first", "second", "third"]
    assert b"\r" not in log.path.read_bytes()
    aside, = [p for p in log.path.parent.iterdir() if D.ASIDE_MARK in p.name]
    assert aside.read_bytes() == original and str(aside) in " ".join(again.messages)


def test_only_a_non_json_tail_is_torn_and_it_is_told(log, cb):
    log.record("T1", [], "none", "kept")
    whole = log.path.read_bytes()
    log.path.write_bytes(whole + b'{"type": "decision", "item_id": "K1", "ru')
    again = DecisionLog(log.path, casebook=cb)
    assert again.history().rationale.tolist() == ["kept"]
    assert any("incomplete" in m for m in again.messages)


def test_rescue_makes_the_fresh_log_first_and_names_the_copy(tmp_path, cb, monkeypatch):
    path = tmp_path / "zoe.decisions.jsonl"
    content = (LOG_HEAD + LOG_REC + "garbage\n").encode()
    path.write_bytes(content)
    seen = []
    real_write = F.atomic_write

    def spy(p, data, exclusive=False):
        # at every moment the log's path holds a whole file: the old one, then the fresh one
        seen.append((Path(p).name, path.read_bytes() == content))
        return real_write(p, data, exclusive=exclusive)

    monkeypatch.setattr(F, "atomic_write", spy)
    log = DecisionLog(path, learner="Zoë", casebook=cb)
    aside, = [p for p in tmp_path.iterdir() if D.ASIDE_MARK in p.name]
    assert seen[0][0] == aside.name and seen[0][1]      # the copy first, the old file in place
    assert seen[1] == (path.name, True)                 # then the fresh log replaces it
    assert aside.read_bytes() == content and str(aside) in log.messages[0]
    assert len(log.history()) == 1


def _no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_is_a_kit_error_naming_the_file(log, cb, monkeypatch, tmp_path):
    log.record("T1", [], "none", "kept")
    before = log.path.read_bytes()
    monkeypatch.setattr(F, "write_all", _no_space)
    with pytest.raises(KitDataError, match=r"zoe\.decisions\.jsonl.*disk is full"):
        log.record("K1", [], "label", "lost?")
    with pytest.raises(KitDataError, match=r"disk is full"):
        log.export()
    with pytest.raises(KitDataError, match=r"learner\.json.*disk is full"):
        D.set_learner("Zoë")
    fresh = tmp_path / "new"
    fresh.mkdir()
    with pytest.raises(KitDataError, match=r"disk is full"):
        DecisionLog.for_learner("Ben", folder=fresh, casebook=cb).record("T1", [], "none")
    # a damaged log on a full disk: nothing changes, the error names the file
    damaged = tmp_path / "d.decisions.jsonl"
    damaged.write_bytes(b"garbage\n")
    with pytest.raises(KitDataError, match=r"d\.decisions\.jsonl.*disk is full"):
        DecisionLog(damaged, casebook=cb)
    monkeypatch.undo()
    assert log.path.read_bytes() == before and damaged.read_bytes() == b"garbage\n"
    assert DecisionLog(log.path, casebook=cb).table().rationale.tolist() == ["kept"]


def test_a_deleted_folder_is_a_kit_error(tmp_path, cb):
    folder = tmp_path / "class"
    log = DecisionLog.for_learner("Zoë", folder=folder, casebook=cb)  # default: made if missing
    log.record("T1", [], "none")
    import shutil
    shutil.rmtree(folder)
    with pytest.raises(KitDataError, match="folder is gone"):
        log.record("K1", [], "label")
    assert not folder.exists()


def test_a_failed_set_learner_is_a_kit_error(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("KIT_LEARNER_CONFIG", str(tmp_path / "file" / "learner.json"))
    with pytest.raises(KitDataError, match="cannot be remembered"):
        D.set_learner("Zoë")


# --------------------------------------------------------------------------- identity per person

def test_remembered_name_lives_in_the_persons_own_config(tmp_path, monkeypatch):
    config = tmp_path / "me" / "learner.json"
    monkeypatch.setenv("KIT_LEARNER_CONFIG", str(config))
    folder = tmp_path / "class"
    folder.mkdir()
    assert D.current_learner() is None and D.my_log(folder) is None
    assert D.set_learner("  Zoë  Ng ") == "Zoë Ng"
    assert json.loads(config.read_text(encoding="utf-8"))["learner"] == "Zoë Ng"
    assert D.current_learner() == "Zoë Ng" and D.current_learner(folder) == "Zoë Ng"
    assert D.my_log(folder).path.parent == folder
    assert list(folder.iterdir()) == []           # nothing about the name in the class folder
    D.set_learner("Ana", folder)                  # an older caller's folder argument: not used
    assert D.current_learner() == "Ana" and list(folder.iterdir()) == []
    monkeypatch.delenv("KIT_LEARNER_CONFIG")
    assert D.config_path().name == "learner.json" and "casebook-kit" in str(D.config_path())


def test_old_shared_learner_file_never_prefills_someone_elses_name(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / D.LEARNER_FILE).write_text(json.dumps(
        {"format": "casebook-kit-learner", "version": 1, "learner": "Ben"}), encoding="utf-8")
    assert D.current_learner(folder) is None and D.my_log(folder) is None


def test_on_a_hub_the_learner_is_the_hub_user(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "ana")
    assert D.hub_user() == "ana" and D.current_learner() == "ana"
    assert D.set_learner("ana") == "ana"
    with pytest.raises(KitDataError, match="you are 'ana'"):
        D.set_learner("ben")
    assert D.current_learner() == "ana"
    assert D.my_log(tmp_path).path.name == f"{D.learner_file_stem('ana')}.decisions.jsonl"
    monkeypatch.setenv("BINDER_LAUNCH_HOST", "https://mybinder.org/")
    assert D.hub_user() is None and D.current_learner() is None   # Binder's user is random


def test_in_voila_the_name_is_for_this_page_only(tmp_path, monkeypatch):
    config = tmp_path / "learner.json"
    monkeypatch.setenv("KIT_LEARNER_CONFIG", str(config))
    D.set_learner("Server user")                      # remembered outside Voila
    monkeypatch.setenv("VOILA_REQUEST_URL", "http://127.0.0.1:8866/")
    assert D.current_learner() is None                # never read in Voila
    before = config.read_bytes()
    assert D.set_learner("Ana") == "Ana" and D.current_learner() == "Ana"
    assert config.read_bytes() == before              # never written in Voila
    assert L.session_learner == "Ana"


def test_session_only_name_outside_voila(tmp_path, monkeypatch):
    config = tmp_path / "learner.json"
    monkeypatch.setenv("KIT_LEARNER_CONFIG", str(config))
    assert D.set_learner("Ben", session_only=True) == "Ben" and D.current_learner() == "Ben"
    assert not config.exists()
    D.set_learner("Ana")
    assert D.current_learner() == "Ana"


def test_files_are_created_with_the_process_umask(tmp_path, cb, monkeypatch):
    monkeypatch.setenv("KIT_LEARNER_CONFIG", str(tmp_path / "me" / "learner.json"))
    old = os.umask(0o002)
    try:
        log = DecisionLog.for_learner("Zoë", folder=tmp_path / "class", casebook=cb)
        log.record("T1", [], "none")
        made = [log.path, log.export(), log.export(format="csv")]
        D.set_learner("Zoë")
        made.append(D.config_path())
        log.path.write_bytes(b"garbage\n")           # a set-aside copy and a fresh log
        DecisionLog(log.path, casebook=cb)
        made += [p for p in log.path.parent.iterdir() if D.ASIDE_MARK in p.name]
        os.umask(0o077)
        private = DecisionLog.for_learner("Ben", folder=tmp_path / "class", casebook=cb)
        private.record("T1", [], "none")
    finally:
        os.umask(old)
    assert len(made) == 5
    assert {oct(p.stat().st_mode & 0o777) for p in made} == {oct(0o664)}
    assert private.path.stat().st_mode & 0o777 == 0o600


# --------------------------------------------------------------------------- a class folder, real users

def _as_user(user, work):
    """Run ``work()`` in a forked child that has become Unix user ``user`` (umask 022, the
    usual default); return what it returned (JSON-able) or raise with the child's error."""
    import grp  # noqa: F401  (Unix only; the test is skipped elsewhere)
    import pwd
    import traceback
    pw = pwd.getpwnam(user)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:                                   # the child: never returns to pytest
        os.close(read_end)
        try:
            os.setgroups(os.getgrouplist(user, pw.pw_gid))
            os.setgid(pw.pw_gid)
            os.setuid(pw.pw_uid)
            os.umask(0o022)
            out = {"ok": work()}
        except BaseException:                      # noqa: BLE001  (reported to the parent)
            out = {"error": traceback.format_exc()}
        with os.fdopen(write_end, "w", encoding="utf-8") as fh:
            json.dump(out, fh)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, encoding="utf-8") as fh:
        out = json.loads(fh.read() or '{"error": "the child wrote nothing"}')
    os.waitpid(pid, 0)
    if "error" in out:
        raise AssertionError(f"as {user}:\n{out['error']}")
    return out["ok"]


@pytest.fixture
def class_users():
    """A throwaway group with two learners and a teacher (Unix users), removed afterwards."""
    import shutil
    import subprocess
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("the multi-user class folder test needs root (it creates Unix users)")
    if not (shutil.which("useradd") and shutil.which("groupadd")):
        pytest.skip("useradd/groupadd are not installed")
    tag = f"{os.getpid() % 100000}"
    group, users = f"kitcls{tag}", [f"kitana{tag}", f"kitben{tag}", f"kittea{tag}"]

    def run(*cmd):
        subprocess.run(cmd, check=True, capture_output=True)

    run("groupadd", group)
    made = []
    try:
        for u in users:
            run("useradd", "-M", "-N", "-s", "/usr/sbin/nologin", "-G", group, u)
            made.append(u)
        yield group, users
    finally:
        for u in made:
            subprocess.run(["userdel", u], capture_output=True)
        subprocess.run(["groupdel", group], capture_output=True)


def test_class_folder_with_separate_unix_users(class_users, cb, tmp_path):
    """docs/teaching-guide.md's recipe: a setgid (and sticky) group folder; each learner, a
    separate Unix user, writes their own log; the teacher, in the group, reads both."""
    import grp
    import shutil
    import tempfile
    from kit import classroom
    group, (ana, ben, teacher) = class_users
    gid = grp.getgrnam(group).gr_gid
    base = Path(tempfile.mkdtemp(prefix="kit-class-", dir="/tmp"))   # pytest's tmp is 0700
    try:
        os.chmod(base, 0o755)
        folder = base / "class-7b"
        folder.mkdir()                                     # the recipe, as root:
        os.chown(folder, 0, gid)                           #   chgrp class-7b
        os.chmod(folder, 0o3770)                           #   chmod 3770 (setgid + sticky)
        # warm up as root in a scratch folder so no module is first imported as a learner
        scratch = DecisionLog.for_learner("warm", folder=tmp_path, casebook=cb)
        scratch.record("T1", [], "none")
        DecisionLog.read(scratch.path, casebook=cb)
        classroom.collect_class(tmp_path, casebook=cb)

        def write_as(name, item, action):
            def work():
                log = DecisionLog.for_learner(name, folder=folder, casebook=cb)
                log.record(item, [], action, f"{name}'s reason")
                return str(log.path)
            return work

        paths = [Path(_as_user(ana, write_as("Ana", "T1", "label"))),
                 Path(_as_user(ben, write_as("Ben", "K1", "remove")))]
        for p, owner in zip(paths, (ana, ben)):
            st = p.stat()
            assert st.st_gid == gid                        # the setgid folder's group
            assert st.st_mode & 0o777 == 0o644             # the umask, not a forced 0600
            import pwd
            assert pwd.getpwuid(st.st_uid).pw_name == owner

        def ben_writes_into_anas_file():
            try:
                DecisionLog(paths[0], casebook=cb).record("T2", [], "none")
            except KitDataError as e:
                return str(e)
            return "written"

        assert "permission denied" in _as_user(ben, ben_writes_into_anas_file)

        def teacher_reads():
            res = classroom.collect_class(folder, casebook=cb)
            return {"learners": sorted(res.learners),
                    "read": {p.name: DecisionLog.read(p, casebook=cb).rationale.tolist()
                             for p in paths}}

        seen = _as_user(teacher, teacher_reads)
        assert seen["learners"] == ["Ana", "Ben"]
        assert seen["read"] == {paths[0].name: ["Ana's reason"], paths[1].name: ["Ben's reason"]}
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_guest_is_chosen_knowingly_only(tmp_path, cb):
    assert D.my_log(tmp_path, casebook=cb) is None
    guest = D.my_log(tmp_path, casebook=cb, guest=True)
    assert guest.learner == D.GUEST
    D.set_learner("Ana")
    assert D.my_log(tmp_path, casebook=cb, guest=True).learner == "Ana"


def test_symlink_refused_without_o_nofollow(tmp_path, cb, monkeypatch):
    monkeypatch.setattr(F, "NOFOLLOW", 0)          # as on Windows
    target = tmp_path / "elsewhere.txt"
    target.write_bytes(b"not yours")
    link = tmp_path / "zoe.decisions.jsonl"
    link.symlink_to(target)
    with pytest.raises(KitDataError, match="symbolic link"):
        DecisionLog(link, learner="Zoë", casebook=cb)
    assert target.read_bytes() == b"not yours"
