"""Readers of untrusted decision files: an export (JSON or CSV) or somebody's live log.

A file someone hands in is untrusted input. It is opened read-only and never
changed; anything wrong with it raises :class:`kit.KitDataError` naming the file
(and the line, row, column or field) and the problem.

The output contract (kit.classroom, the desk, the charts and compare trust it and
do not check again): what :func:`read_decision_records` returns is

- one learner's decisions (a file that mixes learners is refused), each record
  with that learner's name;
- only item, rule and action ids that this case file knows, with rules that are
  conduct rules, in case-file order and without repeats;
- the latest decision per item (an export that holds an item twice is refused),
  in case-file item order;
- a non-blank action on the ladder for every record (a file cannot say "no
  decision" with a blank action);
- a valid ``decided_at`` (UTC, with a time zone, year 2000-2200) and a revision >= 1.

:func:`read_decision_file` reads the same way for the class view, but tells
instead of refusing in two cases (a :class:`ReadResult` with notes): a decision
whose item id is not in this case file (a stale id) is dropped alone, and a
live log's last line that was cut off (not valid JSON, no final newline: a
torn tail) is left out and reported. A complete record without a final newline
is a record. Everything else above still holds for what it returns.

>>> import tempfile
>>> from pathlib import Path
>>> f = Path(tempfile.mkdtemp()) / "a.csv"
>>> _ = f.write_text("name,choice\\nZoë,ban\\n")
>>> read_decision_records(f)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
kit.errors.KitDataError: ...a.csv: this is not a casebook kit decisions file: expected an exported ...
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import dataclass, field

from ..casebook import default_casebook
from ..errors import KitDataError
from ..words import some
from . import files
from .checks import (MAX_NAME, Bad, Newer, check_answer, check_decision, check_fields,
                     check_text, check_time, check_version, show, vocab_for)
from .formats import (CSV_COLUMNS, CSV_VERSION, EXPORT_FIELDS, EXPORT_FORMAT, EXPORT_VERSION,
                      LOG_FORMAT, parse_line, parse_record, csv_unescape, latest_answers,
                      parse_log, strict_json, with_revisions)

MAX_ENTRIES = 20_000           # decisions or answers in one export
MAX_READ_BYTES = 5_000_000     # a file read with DecisionLog.read


def _error(name, problem, row=None, column=None) -> KitDataError:
    return KitDataError(problem, file=name, row=row, column=column)


@dataclass(frozen=True)
class ReadResult:
    """What :func:`read_decision_file` found: ``records`` (as
    :func:`read_decision_records` returns them), ``learner`` (the name the file
    holds; "" when it holds none), ``notes`` (plain sentences for the teacher),
    ``torn_tail`` (a cut-off last line was left out) and ``stale_items`` (item ids
    not in the case file, whose decisions were dropped, in file order)."""

    records: list = field(repr=False)
    learner: str
    notes: list = field(default_factory=list)
    torn_tail: bool = False
    stale_items: list = field(default_factory=list)


class _Lenient:
    """Collects what a lenient read passed over (stale item ids, a torn tail)."""

    def __init__(self):
        self.stale, self.torn = [], 0


def read_decision_file(path, casebook=None) -> ReadResult:
    """Read an untrusted file like :func:`read_decision_records`, but a stale item id
    drops only that decision and a torn tail is left out, both with a note.

    >>> import tempfile, json, kit
    >>> from pathlib import Path
    >>> from kit.decisions import SAMPLE_DIR
    >>> doc = json.loads((SAMPLE_DIR / "sample-learner.json").read_text())
    >>> doc["decisions"][0]["item_id"] = "gone_item"
    >>> f = Path(tempfile.mkdtemp()) / "s.json"
    >>> _ = f.write_text(json.dumps(doc))
    >>> r = read_decision_file(f)
    >>> r.stale_items, len(r.records) == len(doc["decisions"]) - 1
    (['gone_item'], True)
    >>> r.notes  # doctest: +ELLIPSIS
    ["1 decision dropped: item 'gone_item' is not in this case file ..."]
    """
    lenient = _Lenient()
    learner, decisions, _ = read_untrusted(path, casebook, lenient)
    notes = []
    stale = list(dict.fromkeys(lenient.stale))
    if lenient.stale:
        n = len(lenient.stale)
        notes.append(f"{n} decision{'s' if n != 1 else ''} dropped: "
                     f"item{'s' if len(stale) != 1 else ''} {some(stale)} "
                     f"{'is' if len(stale) == 1 else 'are'} not in this case file "
                     "(an older or different case file?); the file's other decisions are used")
    if lenient.torn:
        notes.append(f"the last line is cut off (a save did not finish; {lenient.torn:,} "
                     "bytes): it was left out, the lines before it are used")
    return ReadResult([{**d, "learner": learner} for d in decisions], learner, notes,
                      bool(lenient.torn), stale)


def read_decision_records(path, casebook=None) -> list:
    """The latest decisions in an untrusted file, as plain dicts (the columns of
    :meth:`DecisionLog.table`), checked exactly as :meth:`DecisionLog.read` checks them
    and meeting the output contract in this module's docstring.

    For reading many files at once (a class): build one table at the end with
    :func:`decision_frame` instead of one DataFrame per file.

    >>> from kit.decisions import SAMPLE_DIR, DECISION_COLUMNS, decision_frame
    >>> rows = read_decision_records(SAMPLE_DIR / "sample-learner.json")
    >>> rows[0]["learner"], sorted(rows[0])[:3]
    ('Sample learner', ['action', 'decided_at', 'item_id'])
    >>> list(decision_frame(rows).columns) == list(DECISION_COLUMNS)
    True
    """
    learner, decisions, _ = read_untrusted(path, casebook)
    return [{**d, "learner": learner} for d in decisions]


def read_untrusted(path, casebook=None, lenient=None):
    """-> (learner, latest decisions [dicts, case-file order], latest answers [dicts]).

    With ``lenient`` (a :class:`_Lenient`), stale item ids and a torn tail are
    collected there instead of refusing the file."""
    try:
        p = os.fspath(path)
    except TypeError:
        raise KitDataError(f"a file path should be text or a Path, not {show(path)}") from None
    name = str(p)
    raw = files.read_limited(p, name, MAX_READ_BYTES)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if not raw.strip():
        raise _error(name, "the file is empty")
    if b"\x00" in raw:
        raise _error(name, "this is not a text file (it contains binary data)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _error(name, f"the file is not UTF-8 text (first bad byte at position {e.start})"
                     ) from None
    start = text.lstrip()[:1]
    first_line = text.lstrip().split("\n", 1)[0]
    vocab = vocab_for(casebook if casebook is not None else default_casebook())
    if start in ("{", "[") and f'"{LOG_FORMAT}"' in first_line:
        return _read_log(raw.lstrip(), name, vocab, lenient)
    if start in ("{", "["):
        return _read_export(text, name, vocab, lenient)
    return _read_csv(text, name, vocab, lenient)


def _stale(rec, vocab, lenient) -> bool:
    """True when a lenient read should drop ``rec`` for its unknown item id (noted)."""
    if lenient is not None and rec["item_id"] not in vocab.item_pos:
        lenient.stale.append(rec["item_id"])
        return True
    return False


def _tail(raw: bytes, parsed, lenient):
    """A log's last line without a final newline: (line number, record or None).

    Returns the record when the tail is a complete, valid record the parser left
    out; records a torn tail in ``lenient`` when it is not valid JSON."""
    if raw.endswith(b"\n"):
        return None, None
    line_no = raw.count(b"\n") + 1
    tail = raw.rsplit(b"\n", 1)[-1]
    if not tail.strip():
        return None, None
    if any(n == line_no for n, _ in parsed.records):
        return line_no, None  # the parser already took it as a record
    try:
        obj = parse_line(tail)
    except Bad:
        if lenient is not None and parsed.header is not None:
            lenient.torn = len(tail)
            parsed.problems = [(n, p) for n, p in parsed.problems if n != line_no]
        return line_no, None
    try:
        rec = parse_record(obj)
    except Bad:
        return line_no, None
    parsed.problems = [(n, p) for n, p in parsed.problems if n != line_no]
    return line_no, rec


def _read_log(raw, name, vocab, lenient=None):
    try:
        parsed = parse_log(raw)
    except Newer as e:
        raise _error(name, e.msg) from None
    line_no, tail_rec = _tail(raw, parsed, lenient)
    if tail_rec is not None:
        parsed.records.append((line_no, tail_rec))
    if parsed.problems:
        line, problem = parsed.problems[0]
        raise _error(name, f"line {line}: {problem}")
    if parsed.header is None:
        raise _error(name, "there is no complete header line: this is not a finished decision log")
    records = []
    for line, rec in parsed.records:
        if rec["type"] == "decision":
            if _stale(rec, vocab, lenient):
                continue
            try:
                rec = {**rec, "rules": vocab.check(rec)}
            except Bad as b:
                raise _error(name, f"line {line}: {b.text()}") from None
        records.append(rec)
    latest = {}
    for d in with_revisions(records):
        latest[d["item_id"]] = d
    decisions = sorted(latest.values(), key=lambda d: vocab.item_pos[d["item_id"]])
    return parsed.header["learner"], decisions, latest_answers(records)


def _load_export_json(text, name):
    try:
        doc = strict_json(text)
    except RecursionError:
        raise _error(name, "the JSON is nested too deeply to be a decisions file") from None
    except MemoryError:
        raise _error(name, "the JSON is too large to read") from None
    except json.JSONDecodeError as e:
        raise _error(name, f"this is not valid JSON ({e.msg} at line {e.lineno}, column {e.colno})"
                     ) from None
    except ValueError as e:
        raise _error(name, f"this is not valid JSON ({str(e)[:100]})") from None
    if not isinstance(doc, dict):
        raise _error(name, f"the top level should be a JSON object {{...}}, not {show(doc)}")
    fmt = doc.get("format")
    if fmt != EXPORT_FORMAT:
        what = "it has no 'format' field" if fmt is None else f"its format is {show(fmt)}"
        raise _error(name, f"this is not a casebook kit decisions file ({what}; "
                     f"expected {EXPORT_FORMAT!r})")
    try:
        check_version(doc, EXPORT_VERSION, "decisions export")
        check_fields(doc, EXPORT_FIELDS, "the file")
        learner = check_text(doc["learner"], "learner", MAX_NAME * 2, empty_ok=False)
        check_time(doc["exported_at"], "exported_at")
        check_text(doc["kit_version"], "kit_version", 50)
    except Newer as e:
        raise _error(name, e.msg) from None
    except Bad as b:
        raise _error(name, b.text()) from None
    return doc, learner


def _read_export(text, name, vocab, lenient=None):
    doc, learner = _load_export_json(text, name)
    decisions, answers = {}, {}
    for key, store in (("decisions", decisions), ("answers", answers)):
        entries = doc[key]
        if not isinstance(entries, list):
            raise _error(name, f"{key}: should be a list [...], not {show(entries)}")
        if len(entries) > MAX_ENTRIES:
            raise _error(name, f"{key}: has {len(entries)} entries; at most {MAX_ENTRIES} are "
                         "allowed")
        for n, entry in enumerate(entries):
            where = f"{key}[{n}]"
            try:
                if key == "decisions":
                    rec = check_decision(entry, "the entry", revision=True)
                    if _stale(rec, vocab, lenient):
                        continue
                    rec["rules"] = vocab.check(rec)
                    k = rec["item_id"]
                else:
                    rec = check_answer(entry, "the entry")
                    k = (rec["section"], rec["question_id"])
            except Bad as b:
                raise _error(name, f"{where}: {b.text()}") from None
            if k in store:
                what = f"item {k!r}" if key == "decisions" else f"question {k[0]}/{k[1]}"
                raise _error(name, f"{where}: {what} appears twice (also {key}[{store[k][0]}]); "
                             "an export holds only the latest one")
            store[k] = (n, rec)
    rows = sorted((r for _, r in decisions.values()), key=lambda d: vocab.item_pos[d["item_id"]])
    return learner, rows, [r for _, r in answers.values()]


def _csv_header(rows, name):
    header = [h.strip() for h in rows[0]] if rows else []
    if set(header) != set(CSV_COLUMNS) or len(header) != len(CSV_COLUMNS):
        if "format_version" not in header:
            raise _error(name, "this is not a casebook kit decisions file: expected an exported "
                         ".json or .csv file, or a .decisions.jsonl log")
        missing = [c for c in CSV_COLUMNS if c not in header]
        extra = sorted({h for h in header if h not in CSV_COLUMNS or header.count(h) > 1})
        if missing:
            raise _error(name, f"missing column(s) {', '.join(missing)}", row=1)
        raise _error(name, f"unknown or repeated column(s) {', '.join(show(h) for h in extra[:5])};"
                     f" the columns are {', '.join(CSV_COLUMNS)}", row=1)
    return header


def _csv_version(cell, name, n):
    version = cell["format_version"].strip()
    if not re.fullmatch("[0-9]{1,6}", version):
        raise _error(name, f"{show(version)} is not a format version number", row=n,
                     column="format_version")
    if int(version) > CSV_VERSION:
        raise _error(name, f"was made by a newer kit (format version {int(version)}; this kit "
                     f"reads up to version {CSV_VERSION}): update the kit to read it", row=n,
                     column="format_version")
    if int(version) < 1:
        raise _error(name, f"{version} is not a version of the CSV format", row=n,
                     column="format_version")


def _csv_record(cell, vocab, lenient=None):
    """One CSV row's cells -> (learner, checked decision); raises Bad."""
    who = check_text(csv_unescape(cell["learner"]), "learner", MAX_NAME * 2, empty_ok=False)
    rules_text = cell["rules"].strip()
    rules = [r.strip() for r in rules_text.split(";")] if rules_text else []
    revision = cell["revision"].strip()
    if not re.fullmatch("[0-9]{1,7}", revision):
        raise Bad(f"should be a whole number, not {show(revision)}", "revision")
    rec = check_decision({"item_id": cell["item_id"].strip(), "rules": rules,
                          "action": cell["action"].strip(),
                          "rationale": csv_unescape(cell["rationale"]),
                          "decided_at": cell["decided_at"].strip(),
                          "revision": int(revision)}, "the row", revision=True)
    if _stale(rec, vocab, lenient):
        return who, None
    rec["rules"] = vocab.check(rec)
    return who, rec


def _read_csv(text, name, vocab, lenient=None):
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as e:
        raise _error(name, f"this is not a valid CSV file ({e})") from None
    header = _csv_header(rows, name)
    learner, decisions, first_row = None, {}, {}
    for n, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise _error(name, f"has {len(row)} fields but the header has {len(header)}", row=n)
        cell = dict(zip(header, row))
        _csv_version(cell, name, n)
        try:
            who, rec = _csv_record(cell, vocab, lenient)
        except Bad as b:
            raise _error(name, b.msg, row=n, column=b.field) from None
        if learner is None:
            learner = who
        elif who != learner:
            raise _error(name, f"this file mixes learners ({show(learner)} and {show(who)}); "
                         "hand in one file per learner", row=n, column="learner")
        if rec is None:
            continue
        if rec["item_id"] in decisions:
            raise _error(name, f"item {rec['item_id']!r} appears twice (also row "
                         f"{first_row[rec['item_id']]}); an export holds only the latest "
                         "decision per item", row=n, column="item_id")
        decisions[rec["item_id"]] = rec
        first_row[rec["item_id"]] = n
    rows_out = sorted(decisions.values(), key=lambda d: vocab.item_pos[d["item_id"]])
    return learner or "", rows_out, []
