"""The file formats: the live log (JSON Lines), the JSON and CSV exports, and the tables.

Writing and parsing of each format live here; what to trust and how to report a
bad file is :mod:`kit.decisions.readers`. The formats are documented, with full
examples, in docs/decision-format.md.

>>> p = parse_log(header_line("Zoë") + b'{"type": "answer", "section": "survey"')
>>> p.header["learner"], p.records, p.problems, p.torn > 0
('Zoë', [], [], True)
"""
from __future__ import annotations

import csv
import hashlib
import io
import json

import numpy as np
import pandas as pd

from .. import __version__ as KIT_VERSION
from .checks import (ANSWER_FIELDS, DECISION_FIELDS, MAX_NAME, TIME_FORMAT, Bad, Newer,
                     check_answer, check_decision, check_fields, check_text, check_time,
                     check_version, now, show)

#: The ``format`` of a live log's header line, and of an exported JSON file.
LOG_FORMAT = "casebook-kit-decision-log"
EXPORT_FORMAT = "casebook-kit-decisions"
#: The versions of the formats this kit writes (and the newest it reads).
LOG_VERSION = 2   # 2: one file per exact name (hash in the file name); 1 still read
EXPORT_VERSION = 1
CSV_VERSION = 1

#: The columns of a learner's decisions table: DecisionLog.table(), .history() and .read().
DECISION_COLUMNS = ("learner", "item_id", "rules", "action", "rationale", "decided_at", "revision")
#: The columns of DecisionLog.answers() and DecisionLog.read_answers().
ANSWER_COLUMNS = ("section", "question_id", "answer", "rationale", "answered_at")
#: The columns of an exported CSV file, in order.
CSV_COLUMNS = ("learner", "item_id", "rules", "action", "rationale", "decided_at", "revision",
               "format_version")

HEADER_FIELDS = ("format", "version", "learner", "created_at", "kit_version")
EXPORT_FIELDS = ("format", "version", "learner", "exported_at", "kit_version", "decisions",
                 "answers")
# How every line the kit writes begins (json.dumps puts the keys in this order):
# a torn last line that is not the start of one of these is somebody else's bytes.
_HEADER_START = b'{"format": "' + LOG_FORMAT.encode() + b'"'
_RECORD_STARTS = (b'{"type": "decision"', b'{"type": "answer"')
_CSV_RISKY = ("=", "+", "-", "@", "\t", "\r", "'")


def _reject_constant(name):
    raise ValueError(f"{name} is not allowed (numbers must be finite)")


def strict_json(text):
    """json.loads without NaN/Infinity; every failure is ValueError or RecursionError."""
    return json.loads(text, parse_constant=_reject_constant)


# --------------------------------------------------------------------------- the live log

def _dump(obj) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def header_line(learner) -> bytes:
    return _dump({"format": LOG_FORMAT, "version": LOG_VERSION, "learner": learner,
                  "created_at": now(), "kit_version": KIT_VERSION})


def record_line(rec) -> bytes:
    fields = DECISION_FIELDS if rec["type"] == "decision" else ANSWER_FIELDS
    out = {"type": rec["type"]}
    for f in fields:
        v = rec[f]
        out[f] = list(v) if isinstance(v, tuple) else v
    return _dump(out)


def record_id(learner, rec) -> str:
    """A record's identity for the class service: sha256 hex of the learner's name, a NUL
    and the record's canonical JSON (the fields :func:`record_line` writes, sorted keys,
    no spaces). The same record of the same learner always has the same id, so sending
    it twice stores it once.

    >>> rec = {"type": "answer", "section": "survey", "question_id": "q1", "answer": ("a",),
    ...        "rationale": "", "answered_at": "2024-05-01T12:00:00.000000Z"}
    >>> record_id("Zoë", rec) == record_id("Zoë", {**rec, "answer": ["a"]}) != record_id("Zo", rec)
    True
    """
    fields = DECISION_FIELDS if rec["type"] == "decision" else ANSWER_FIELDS
    plain = {"type": rec["type"]}
    for f in fields:
        v = rec[f]
        plain[f] = list(v) if isinstance(v, tuple) else v
    canonical = json.dumps(plain, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((learner + "\0" + canonical).encode("utf-8")).hexdigest()


class ParsedLog:
    """What is in a live log: header, records (with line numbers), problems."""

    def __init__(self):
        self.header = None      # the header dict, once a valid one is seen
        self.records = []       # [(line number, normalised record)]
        self.problems = []      # [(line number, text)]: any -> the file is not a clean log
        self.salvage = []       # records worth keeping if the file is set aside
        self.torn = 0           # bytes of an unconfirmed (torn, not JSON) last line
        self.needs_newline = False  # the file does not end with a newline
        self.line_ends = "LF"   # "CR" when CR or CRLF line ends were found
        self.raw = b""          # the bytes parsed (set by the log, to keep a copy)
        self.size = 0


def parse_record(obj):
    if not isinstance(obj, dict):
        raise Bad(f"the line should be a JSON object {{...}}, not {show(obj)}")
    kind = obj.get("type")
    rest = {k: v for k, v in obj.items() if k != "type"}
    if kind == "decision":
        return check_decision(rest, "the decision")
    if kind == "answer":
        return check_answer(rest, "the answer")
    raise Bad(f"'type' should be 'decision' or 'answer', not {show(kind)}")


def parse_line(line: bytes):
    try:
        return strict_json(line.decode("utf-8"))
    except UnicodeDecodeError:
        raise Bad("the line is not UTF-8 text") from None
    except (ValueError, RecursionError):
        raise Bad("the line is not valid JSON") from None


def _check_header(obj):
    if not isinstance(obj, dict):
        raise Bad(f"the first line should be a JSON object {{...}}, not {show(obj)}")
    if obj.get("format") != LOG_FORMAT:
        raise Bad(f"its format is {show(obj.get('format'))}, not {LOG_FORMAT!r}")
    check_version(obj, LOG_VERSION, "decision log")
    check_fields(obj, HEADER_FIELDS, "the header")
    return {"learner": check_text(obj["learner"], "learner", MAX_NAME * 2),
            "created_at": check_time(obj["created_at"], "created_at"),
            "kit_version": check_text(obj["kit_version"], "kit_version", 50)}


def _take_line(p: ParsedLog, n, line, is_first) -> None:
    """Parse line ``n`` into ``p`` (header, record, salvage or problem)."""
    try:
        obj = parse_line(line)
    except Bad as b:
        p.problems.append((n, b.msg if not is_first else
                           f"this is not a casebook kit decision log ({b.msg})"))
        return
    if is_first:
        try:
            p.header = _check_header(obj)
            return
        except Newer:
            raise
        except Bad as b:
            p.problems.append((n, f"this is not a casebook kit decision log ({b.text()})"))
            try:  # not our file, but the line may still be a record worth saving
                p.salvage.append(parse_record(obj))
            except Bad:
                pass
            return
    try:
        rec = parse_record(obj)
    except Bad as b:
        p.problems.append((n, b.text()))
        return
    p.salvage.append(rec)
    p.records.append((n, rec))


def parse_log(raw: bytes) -> ParsedLog:
    """Parse a live log's bytes. Never raises except :class:`Newer` (a newer kit's log).

    Line ends may be LF, CRLF or CR alone (a file re-saved by another program): the kit
    never writes a CR byte inside a line (JSON escapes it), so each is a line end. A last
    line without its final newline that is complete JSON is read like any other line
    (``needs_newline`` is then set, so the next append starts a new line); only a
    last line that is not JSON is torn (``torn``: its length in bytes).

    >>> p = parse_log(header_line("Zoë").replace(b"\\n", b"\\r") + b'{"type": "answer"}')
    >>> p.header["learner"], p.needs_newline, p.torn, p.problems[0][0]
    ('Zoë', True, 0, 2)
    """
    p = ParsedLog()
    p.size = len(raw)
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        p.line_ends = "CR"
    parts = raw.split(b"\n")
    lines, tail = parts[:-1], parts[-1]
    seen_line = False
    for n, line in enumerate(lines, start=1):
        if line.strip():
            _take_line(p, n, line, is_first=not seen_line)
            seen_line = True
    if tail.strip():
        n = len(lines) + 1
        try:
            parse_line(tail)
        except Bad:
            pass
        else:  # complete JSON: a line like any other, only its newline is missing
            _take_line(p, n, tail, is_first=not seen_line)
            p.needs_newline = True
            return p
        starts = _RECORD_STARTS if seen_line else (_HEADER_START,)
        if any(s.startswith(tail) or tail.startswith(s) for s in starts) and len(tail) < 1_000_000:
            p.torn = len(tail)
        else:
            p.problems.append((n, "the last line is incomplete and not written by "
                               "the kit" if seen_line else
                               "this is not a casebook kit decision log"))
    elif tail:
        p.needs_newline = True   # trailing spaces: harmless, but start the next line afresh
    return p


def with_revisions(records):
    """Decision records in file order, each with its revision number for its item."""
    seen, out = {}, []
    for rec in records:
        if rec["type"] == "decision":
            seen[rec["item_id"]] = seen.get(rec["item_id"], 0) + 1
            out.append({**rec, "revision": seen[rec["item_id"]]})
    return out


def latest_answers(records):
    """The latest answer to each question, in the order each was first answered."""
    latest = {}
    for rec in records:
        if rec["type"] == "answer":
            latest[(rec["section"], rec["question_id"])] = rec  # keeps the first position
    return list(latest.values())


# --------------------------------------------------------------------------- exports

def csv_escape(text: str) -> str:
    """Guard spreadsheet formulas: a cell starting with = + - @ (or ') gets a leading '."""
    return "'" + text if text.startswith(_CSV_RISKY) else text


def csv_unescape(text: str) -> str:
    return text[1:] if text.startswith("'") else text


def export_json(learner, table, answers) -> bytes:
    """A versioned JSON export of a decisions table and an answers table."""
    doc = {
        "format": EXPORT_FORMAT, "version": EXPORT_VERSION, "learner": learner,
        "exported_at": now(), "kit_version": KIT_VERSION,
        "decisions": [{"item_id": r.item_id, "rules": list(r.rules), "action": r.action,
                       "rationale": r.rationale,
                       "decided_at": r.decided_at.strftime(TIME_FORMAT),
                       "revision": int(r.revision)} for r in table.itertuples()],
        "answers": [{"section": r.section, "question_id": r.question_id,
                     "answer": list(r.answer) if isinstance(r.answer, tuple) else r.answer,
                     "rationale": r.rationale,
                     "answered_at": r.answered_at.strftime(TIME_FORMAT)}
                    for r in answers.itertuples()],
    }
    return (json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False) + "\n").encode()


def export_csv(learner, table) -> bytes:
    """A versioned CSV export of a decisions table (one row per item, rules joined with ;)."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for r in table.itertuples():
        w.writerow([csv_escape(learner), r.item_id, ";".join(r.rules), r.action,
                    csv_escape(r.rationale), r.decided_at.strftime(TIME_FORMAT),
                    int(r.revision), CSV_VERSION])
    return buf.getvalue().encode("utf-8-sig")  # the BOM makes Excel read it as UTF-8


# --------------------------------------------------------------------------- tables

def _tuple_column(values):
    arr = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        arr[i] = v
    return arr


def _times(values):
    return pd.to_datetime(pd.Series(list(values), dtype="str"), utc=True,
                          format="ISO8601").astype("datetime64[us, UTC]")


def decision_frame(records) -> pd.DataFrame:
    """A decisions table (the columns of :meth:`DecisionLog.table`) from record dicts.

    ``records``: dicts with learner, item_id, rules, action, rationale,
    decided_at (text) and revision.

    >>> decision_frame([]).columns.tolist()
    ['learner', 'item_id', 'rules', 'action', 'rationale', 'decided_at', 'revision']
    """
    col = {c: [r[c] for r in records] for c in DECISION_COLUMNS}
    return pd.DataFrame({
        "learner": pd.Series(col["learner"], dtype="str"),
        "item_id": pd.Series(col["item_id"], dtype="str"),
        "rules": pd.Series(_tuple_column(col["rules"]), dtype=object),
        "action": pd.Series(col["action"], dtype="str"),
        "rationale": pd.Series(col["rationale"], dtype="str"),
        "decided_at": _times(col["decided_at"]),
        "revision": pd.Series(col["revision"], dtype="int64"),
    })


def answer_frame(records) -> pd.DataFrame:
    """An answers table (the columns of :meth:`DecisionLog.answers`) from record dicts."""
    col = {c: [r[c] for r in records] for c in ANSWER_COLUMNS}
    return pd.DataFrame({
        "section": pd.Series(col["section"], dtype="str"),
        "question_id": pd.Series(col["question_id"], dtype="str"),
        "answer": pd.Series(_tuple_column(col["answer"]), dtype=object),
        "rationale": pd.Series(col["rationale"], dtype="str"),
        "answered_at": _times(col["answered_at"]),
    })
