"""A learner's decisions: record, autosave, reload, export, and read other people's files.

A :class:`DecisionLog` is one learner's file of decisions (which conduct rules an
item broke, which action on the enforcement ladder fits, why) and answers (quiz,
survey, attribution questions). It is an append-only JSON Lines file: every
``record`` adds one line and is on disk (``fsync``) before it returns, so a
crashed or restarted kernel loses nothing that was confirmed, and two notebooks
writing into one file at the same time lose nothing either (each append holds
an exclusive ``flock``). A file at the log's path that is not a readable log is
never overwritten or deleted: it is renamed aside and what can be saved from it
is copied into a fresh log (see :attr:`DecisionLog.messages`).

:meth:`DecisionLog.read` reads a file somebody else made (an export, or a live
log) as untrusted input: every problem is a :class:`kit.KitDataError` naming the
file and the problem, and the file is only ever opened read-only.

The file formats are documented, with full examples, in docs/decision-format.md.
"""
from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import json
import os
import re
import stat
import tempfile
import unicodedata
import weakref
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__ as KIT_VERSION
from .casebook import ID_RE, default_casebook, load_casebook
from .errors import KitDataError

try:  # POSIX: lock each append; elsewhere (Windows) appends are unlocked
    import fcntl
except ImportError:  # pragma: no cover - not on the machines the tests run on
    fcntl = None

ROOT = Path(__file__).resolve().parent.parent

#: The ``format`` of a live log's header line, and of an exported JSON file.
LOG_FORMAT = "casebook-kit-decision-log"
EXPORT_FORMAT = "casebook-kit-decisions"
#: The versions of the formats this kit writes (and the newest it reads).
LOG_VERSION = 1
EXPORT_VERSION = 1
CSV_VERSION = 1

#: The columns of DecisionLog.table(), .history() and DecisionLog.read().
DECISION_COLUMNS = ("learner", "item_id", "rules", "action", "rationale", "decided_at", "revision")
#: The columns of DecisionLog.answers() and DecisionLog.read_answers().
ANSWER_COLUMNS = ("section", "question_id", "answer", "rationale", "answered_at")
#: The columns of an exported CSV file, in order.
CSV_COLUMNS = ("learner", "item_id", "rules", "action", "rationale", "decided_at", "revision",
               "format_version")

MAX_TEXT = 5000            # characters in a rationale or one answer
MAX_ANSWER_PARTS = 100     # choices in a list answer
MAX_RULES = 50             # rule ids in one decision
MAX_NAME = 100             # characters in a learner's name as shown
MAX_FILE_NAME = 60         # characters of a learner's name in a file name
MAX_FILE_NAME_BYTES = 150  # ... and its UTF-8 bytes (file names are limited to 255 bytes)
MAX_ENTRIES = 20_000       # decisions or answers in one export
MAX_READ_BYTES = 5_000_000     # a file read with DecisionLog.read
MAX_LOG_BYTES = 64_000_000     # a learner's own live log
ASIDE_MARK = ".unreadable-"

_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_NAME_JUNK = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_WINDOWS_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)),
                               *(f"LPT{i}" for i in range(10))})
# How every line the kit writes begins (json.dumps puts the keys in this order):
# a torn last line that is not the start of one of these is somebody else's bytes.
_HEADER_START = b'{"format": "' + LOG_FORMAT.encode() + b'"'
_RECORD_STARTS = (b'{"type": "decision"', b'{"type": "answer"')

_DECISION_FIELDS = ("item_id", "rules", "action", "rationale", "decided_at")
_ANSWER_FIELDS = ("section", "question_id", "answer", "rationale", "answered_at")
_HEADER_FIELDS = ("format", "version", "learner", "created_at", "kit_version")
_EXPORT_FIELDS = ("format", "version", "learner", "exported_at", "kit_version", "decisions",
                  "answers")


# --------------------------------------------------------------------------- names and folders

def safe_learner_name(name) -> str:
    """A learner's name as a safe file name (the part before ``.decisions.jsonl``).

    Letters of any script, combining marks and digits are kept (after Unicode NFC
    normalisation); every other character (spaces, punctuation, slashes, dots,
    control characters) becomes ``-``, runs of ``-`` collapse and none is left at
    either end, so the result has no path separators, cannot climb out of a
    folder and never starts with a dot. Windows device names (CON, NUL, COM1...)
    get ``-learner`` added. At most 60 characters (and 150 UTF-8 bytes) are kept.
    Different spellings can map to the same name ("Ali Reza", "Ali-Reza").

    >>> safe_learner_name("Zoë Ng")
    'Zoë-Ng'
    >>> safe_learner_name("李雷"), safe_learner_name("Ali Reza")
    ('李雷', 'Ali-Reza')
    >>> [safe_learner_name(n) for n in ("../../etc/passwd", ".hidden", "con")]
    ['etc-passwd', 'hidden', 'con-learner']
    >>> safe_learner_name("?!")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kit.errors.KitDataError: learner name '?!' has no letters or digits: type a name such as ...
    """
    if not isinstance(name, str):
        raise KitDataError(f"a learner name should be text, not {_show(name)}")
    text = unicodedata.normalize("NFC", name)
    kept = "".join(ch if unicodedata.category(ch)[0] in "LM" or unicodedata.category(ch) == "Nd"
                   else "-" for ch in text)
    safe = re.sub("-+", "-", kept).strip("-")
    safe = safe[:MAX_FILE_NAME]
    while len(safe.encode("utf-8")) > MAX_FILE_NAME_BYTES:
        safe = safe[:-1]
    safe = safe.strip("-")
    if not any(unicodedata.category(c)[0] == "L" or unicodedata.category(c) == "Nd" for c in safe):
        raise KitDataError(f"learner name {_show(name)} has no letters or digits: "
                           "type a name such as 'Zoë' or 'Ali Reza'")
    if safe.upper() in _WINDOWS_RESERVED:
        safe += "-learner"
    return safe


def default_folder() -> Path:
    """The folder where learners' decision files live, created if missing.

    ``$KIT_DECISIONS_DIR`` when set, else ``my-decisions/`` in the project folder.

    >>> import os, tempfile
    >>> saved = os.environ.get("KIT_DECISIONS_DIR")
    >>> os.environ["KIT_DECISIONS_DIR"] = str(Path(tempfile.mkdtemp()) / "class-7b")
    >>> folder = default_folder()
    >>> folder.name, folder.is_dir()
    ('class-7b', True)
    >>> if saved is None: del os.environ["KIT_DECISIONS_DIR"]
    ... else: os.environ["KIT_DECISIONS_DIR"] = saved
    """
    env = os.environ.get("KIT_DECISIONS_DIR", "").strip()
    folder = Path(env).expanduser() if env else ROOT / "my-decisions"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise KitDataError("this is a file, but decisions need a folder here "
                           "(check KIT_DECISIONS_DIR)", file=str(folder)) from None
    except OSError as e:
        raise KitDataError(f"the decisions folder cannot be created ({e.strerror})",
                           file=str(folder)) from None
    return folder


# --------------------------------------------------------------------------- checking values

class _Bad(Exception):
    """A value failed a check; ``field`` says which (filled in by the caller)."""

    def __init__(self, msg, field=None):
        super().__init__(msg)
        self.msg, self.field = msg, field

    def text(self):
        return f"{self.field}: {self.msg}" if self.field else self.msg


def _show(value) -> str:
    """A short, safe description of any value for a message (never a huge or nested repr)."""
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:40] + "…")
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if abs(value) < 10**15 else "a huge number"
    if isinstance(value, float):
        return repr(value) if abs(value) < 1e15 or value != value else "a huge number"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object {...}"
    return f"a {type(value).__name__}"


def _text(value, field, limit=MAX_TEXT, empty_ok=True):
    if not isinstance(value, str):
        raise _Bad(f"should be text, not {_show(value)}", field)
    if len(value) > limit:
        raise _Bad(f"is {len(value)} characters long; at most {limit} are allowed", field)
    if _BAD_CHARS.search(value):
        raise _Bad("contains control characters or broken Unicode", field)
    if not empty_ok and not value.strip():
        raise _Bad("is empty", field)
    return value


def _ident(value, field, what="id"):
    _text(value, field, limit=100)
    if not ID_RE.match(value):
        raise _Bad(f"{_show(value)} is not a valid {what} (letters, digits, _ . - only)", field)
    return value


def _time(value, field):
    _text(value, field, limit=40)
    try:
        t = dt.datetime.fromisoformat(value)
        if t.tzinfo is None:
            raise _Bad(f"{_show(value)} has no time zone (write UTC times ending in Z)", field)
        t = t.astimezone(dt.timezone.utc)
    except (ValueError, OverflowError):
        raise _Bad(f"{_show(value)} is not a date and time like 2024-05-01T12:00:00Z",
                   field) from None
    if not 2000 <= t.year <= 2200:
        raise _Bad(f"{_show(value)} is not a plausible date (the year should be 2000-2200)", field)
    return t.strftime(_TIME_FORMAT)


def _int(value, field, lo, hi):
    if type(value) is not int:
        raise _Bad(f"should be a whole number, not {_show(value)}", field)
    if not lo <= value <= hi:
        raise _Bad(f"{value} is out of range ({lo} to {hi})", field)
    return value


def _fields(obj, names, subject):
    """Check that ``obj`` is a JSON object with exactly the fields ``names``."""
    if not isinstance(obj, dict):
        raise _Bad(f"{subject} should be a JSON object {{...}}, not {_show(obj)}")
    missing = [n for n in names if n not in obj]
    if missing:
        raise _Bad(f"{subject} is missing the field(s) {', '.join(missing)}")
    extra = [k for k in obj if k not in names]
    if extra:
        shown = ", ".join(_show(k) for k in extra[:5])
        raise _Bad(f"{subject} has unknown field(s) {shown}; expected only {', '.join(names)}")


def _rule_list(value, field):
    if not isinstance(value, (list, tuple)):
        raise _Bad(f"should be a list of rule ids (empty for none), not {_show(value)}", field)
    if len(value) > MAX_RULES:
        raise _Bad(f"lists {len(value)} rules; at most {MAX_RULES} are allowed", field)
    out = []
    for n, rule in enumerate(value):
        _ident(rule, f"{field}[{n}]", "rule id")
        if rule not in out:
            out.append(rule)
    return tuple(out)


def _answer_value(value, field):
    if isinstance(value, str):
        return _text(value, field)
    if isinstance(value, (list, tuple)):
        if len(value) > MAX_ANSWER_PARTS:
            raise _Bad(f"has {len(value)} parts; at most {MAX_ANSWER_PARTS} are allowed", field)
        return tuple(_text(v, f"{field}[{n}]") for n, v in enumerate(value))
    raise _Bad(f"should be text or a list of texts, not {_show(value)}", field)


def _decision(obj, subject, revision=False):
    """A decision object (log line or export entry) -> normalised dict."""
    names = _DECISION_FIELDS + (("revision",) if revision else ())
    _fields(obj, names, subject)
    d = {"type": "decision",
         "item_id": _ident(obj["item_id"], "item_id", "item id"),
         "rules": _rule_list(obj["rules"], "rules"),
         "action": _ident(obj["action"], "action", "action id"),
         "rationale": _text(obj["rationale"], "rationale"),
         "decided_at": _time(obj["decided_at"], "decided_at")}
    if revision:
        d["revision"] = _int(obj["revision"], "revision", 1, 10**6)
    return d


def _answer(obj, subject):
    _fields(obj, _ANSWER_FIELDS, subject)
    return {"type": "answer",
            "section": _ident(obj["section"], "section", "section id"),
            "question_id": _ident(obj["question_id"], "question_id", "question id"),
            "answer": _answer_value(obj["answer"], "answer"),
            "rationale": _text(obj["rationale"], "rationale"),
            "answered_at": _time(obj["answered_at"], "answered_at")}


def _version(obj, newest, fmt_name):
    """Check ``obj['version']``; a newer one than we know is its own, clear problem."""
    v = obj.get("version")
    if type(v) is not int:
        raise _Bad(f"the format version should be a whole number, not {_show(v)}", "version")
    if v > newest:
        raise _Newer(v, newest)
    if v < 1:
        raise _Bad(f"{v} is not a version of the {fmt_name} format", "version")
    return v


class _Newer(_Bad):
    def __init__(self, version, newest):
        super().__init__(f"was made by a newer kit (format version {version}; this kit reads up "
                         f"to version {newest}): update the kit to read it")


def _suggest(value, known):
    same = [k for k in known if k.casefold() == value.casefold()]
    starts = [k for k in known if len(value) >= 3 and k.casefold().startswith(value.casefold())]
    close = same or starts or difflib.get_close_matches(value, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Vocab:
    """The ids a decision may use, from one casebook."""

    def __init__(self, casebook):
        self.item_pos = {i: n for n, i in enumerate(casebook.items.item_id)}
        rules = casebook.rules
        self.rule_kind = dict(zip(rules.rule_id, rules.kind))
        conduct = [r for r, k in self.rule_kind.items() if k == "conduct"]
        self.rule_pos = {r: n for n, r in enumerate(conduct)}
        self.actions = tuple(casebook.action_levels)

    def check(self, d):
        """Check a decision's ids; return its rules in case-file order (raises _Bad)."""
        if d["item_id"] not in self.item_pos:
            raise _Bad(f"{d['item_id']!r} is not an item in the case file"
                       + _suggest(d["item_id"], self.item_pos), "item_id")
        for rule in d["rules"]:
            if rule not in self.rule_kind:
                raise _Bad(f"{rule!r} is not a rule in the case file"
                           + _suggest(rule, self.rule_pos), "rules")
            if rule not in self.rule_pos:
                raise _Bad(f"{rule!r} is a {self.rule_kind[rule]} entry, not a rule a post can "
                           "break", "rules")
        if d["action"] not in self.actions:
            ladder = ", ".join(self.actions)
            raise _Bad(f"{d['action']!r} is not an action on the ladder ({ladder})", "action")
        return tuple(sorted(d["rules"], key=self.rule_pos.__getitem__))


_VOCABS = {}


def _vocab_for(casebook) -> _Vocab:
    """The _Vocab of a casebook, cached while that casebook lives."""
    hit = _VOCABS.get(id(casebook))
    if hit is not None and hit[0]() is casebook:
        return hit[1]
    vocab = _Vocab(casebook)
    for key in [k for k, (ref, _) in _VOCABS.items() if ref() is None]:
        del _VOCABS[key]
    try:
        _VOCABS[id(casebook)] = (weakref.ref(casebook), vocab)
    except TypeError:  # not weak-referenceable: just don't cache
        pass
    return vocab


def _reject_constant(name):
    raise ValueError(f"{name} is not allowed (numbers must be finite)")


def _json(text):
    """json.loads without NaN/Infinity; every failure is ValueError or RecursionError."""
    return json.loads(text, parse_constant=_reject_constant)


# --------------------------------------------------------------------------- the log file format

def _dump(obj) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def _header_line(learner) -> bytes:
    return _dump({"format": LOG_FORMAT, "version": LOG_VERSION, "learner": learner,
                  "created_at": _now(), "kit_version": KIT_VERSION})


def _record_line(rec) -> bytes:
    fields = _DECISION_FIELDS if rec["type"] == "decision" else _ANSWER_FIELDS
    out = {"type": rec["type"]}
    for f in fields:
        v = rec[f]
        out[f] = list(v) if isinstance(v, tuple) else v
    return _dump(out)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime(_TIME_FORMAT)


def _could_be_start(tail: bytes, starts) -> bool:
    return any(s.startswith(tail) or tail.startswith(s) for s in starts)


class _Parsed:
    """What is in a live log: header, records (with line numbers), problems."""

    def __init__(self):
        self.header = None      # the header dict, once a valid one is seen
        self.records = []       # [(line number, normalised record)]
        self.problems = []      # [(line number, text)]: any -> the file is not a clean log
        self.salvage = []       # records worth keeping if the file is set aside
        self.torn = 0           # bytes of an unconfirmed (torn) last write to drop
        self.size = 0


def _parse_record(obj):
    if not isinstance(obj, dict):
        raise _Bad(f"the line should be a JSON object {{...}}, not {_show(obj)}")
    kind = obj.get("type")
    rest = {k: v for k, v in obj.items() if k != "type"}
    if kind == "decision":
        return _decision(rest, "the decision")
    if kind == "answer":
        return _answer(rest, "the answer")
    raise _Bad(f"'type' should be 'decision' or 'answer', not {_show(kind)}")


def _parse_line(line: bytes):
    try:
        return _json(line.decode("utf-8"))
    except UnicodeDecodeError:
        raise _Bad("the line is not UTF-8 text") from None
    except (ValueError, RecursionError):
        raise _Bad("the line is not valid JSON") from None


def _parse_log(raw: bytes) -> _Parsed:
    """Parse a live log's bytes. Never raises except _Newer (a newer kit's log)."""
    p = _Parsed()
    p.size = len(raw)
    parts = raw.split(b"\n")
    lines, tail = parts[:-1], parts[-1]
    seen_line = False
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        is_first, seen_line = not seen_line, True
        try:
            obj = _parse_line(line)
        except _Bad as b:
            p.problems.append((n, b.msg if not is_first else
                               f"this is not a casebook kit decision log ({b.msg})"))
            continue
        if is_first:
            try:
                p.header = _check_header(obj)
                continue
            except _Newer:
                raise
            except _Bad as b:
                p.problems.append((n, f"this is not a casebook kit decision log ({b.text()})"))
                try:  # not our file, but the line may still be a record worth saving
                    p.salvage.append(_parse_record(obj))
                except _Bad:
                    pass
                continue
        try:
            rec = _parse_record(obj)
        except _Bad as b:
            p.problems.append((n, b.text()))
            continue
        p.salvage.append(rec)
        p.records.append((n, rec))
    if tail:
        starts = _RECORD_STARTS if seen_line else (_HEADER_START,)
        if _could_be_start(tail, starts) and len(tail) < 1_000_000:
            p.torn = len(tail)
        else:
            p.problems.append((len(lines) + 1, "the last line is incomplete and not written by "
                               "the kit" if seen_line else
                               "this is not a casebook kit decision log"))
            try:  # foreign bytes with no final newline may still end in a whole record
                p.salvage.append(_parse_record(_parse_line(tail)))
            except _Bad:
                pass
    return p


def _check_header(obj):
    if not isinstance(obj, dict):
        raise _Bad(f"the first line should be a JSON object {{...}}, not {_show(obj)}")
    if obj.get("format") != LOG_FORMAT:
        raise _Bad(f"its format is {_show(obj.get('format'))}, not {LOG_FORMAT!r}")
    _version(obj, LOG_VERSION, "decision log")
    _fields(obj, _HEADER_FIELDS, "the header")
    return {"learner": _text(obj["learner"], "learner", MAX_NAME * 2),
            "created_at": _time(obj["created_at"], "created_at"),
            "kit_version": _text(obj["kit_version"], "kit_version", 50)}


# --------------------------------------------------------------------------- file helpers

def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_all(fd, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _read_all(fd, limit) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks, total = [], 0
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            return b"".join(chunks)


def _create_exclusive(path: Path, data: bytes) -> bool:
    """Create ``path`` holding ``data``, complete and on disk, or return False if it exists.

    The data is written to a hidden temporary file first and linked into place, so
    nobody ever sees a half-written file at ``path``, and nothing there is clobbered.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        except OSError:  # no hard links on this file system (FAT, some network drives)
            try:
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
                fd2 = os.open(path, flags, 0o644)
            except FileExistsError:
                return False
            try:
                _write_all(fd2, data)
                os.fsync(fd2)
            finally:
                os.close(fd2)
        _fsync_dir(path.parent)
        return True
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def _aside_stamp() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _set_aside(path: Path) -> Path:
    """Rename ``path`` to ``<name>.unreadable-<UTC time>``, never over an existing file."""
    base = f"{path.name}{ASIDE_MARK}{_aside_stamp()}"
    for n in range(1, 1000):
        aside = path.with_name(base if n == 1 else f"{base}-{n}")
        try:
            os.link(path, aside)
        except FileExistsError:
            continue
        except OSError:  # no hard links: rename (Windows refuses to rename over a file)
            if aside.exists():
                continue
            os.rename(path, aside)
        else:
            os.unlink(path)
        _fsync_dir(path.parent)
        return aside
    raise KitDataError("cannot find a free name to set the unreadable file aside", file=str(path))


def _lock(fd) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX)


# --------------------------------------------------------------------------- frames

def _tuple_column(values):
    arr = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        arr[i] = v
    return arr


def _times(values):
    return pd.to_datetime(pd.Series(list(values), dtype="str"), utc=True,
                          format="ISO8601").astype("datetime64[us, UTC]")


def _decision_frame(rows) -> pd.DataFrame:
    """rows: dicts with learner, item_id, rules, action, rationale, decided_at (str), revision."""
    col = {c: [r[c] for r in rows] for c in DECISION_COLUMNS}
    return pd.DataFrame({
        "learner": pd.Series(col["learner"], dtype="str"),
        "item_id": pd.Series(col["item_id"], dtype="str"),
        "rules": pd.Series(_tuple_column(col["rules"]), dtype=object),
        "action": pd.Series(col["action"], dtype="str"),
        "rationale": pd.Series(col["rationale"], dtype="str"),
        "decided_at": _times(col["decided_at"]),
        "revision": pd.Series(col["revision"], dtype="int64"),
    })


def _answer_frame(rows) -> pd.DataFrame:
    col = {c: [r[c] for r in rows] for c in ANSWER_COLUMNS}
    return pd.DataFrame({
        "section": pd.Series(col["section"], dtype="str"),
        "question_id": pd.Series(col["question_id"], dtype="str"),
        "answer": pd.Series(_tuple_column(col["answer"]), dtype=object),
        "rationale": pd.Series(col["rationale"], dtype="str"),
        "answered_at": _times(col["answered_at"]),
    })


def _with_revisions(records):
    """Decision records in file order, each with its revision number for its item."""
    seen, out = {}, []
    for rec in records:
        if rec["type"] == "decision":
            seen[rec["item_id"]] = seen.get(rec["item_id"], 0) + 1
            out.append({**rec, "revision": seen[rec["item_id"]]})
    return out


def _latest_answers(records):
    latest = {}
    for rec in records:
        if rec["type"] == "answer":
            key = (rec["section"], rec["question_id"])
            latest[key] = rec  # dict keeps the position of the first answer
    return list(latest.values())


def _clean_learner(name) -> str:
    if not isinstance(name, str):
        raise KitDataError(f"a learner name should be text, not {_show(name)}")
    text = " ".join(_NAME_JUNK.sub(" ", unicodedata.normalize("NFC", name)).split())
    if not text:
        raise KitDataError("the learner name is empty: type your name")
    if len(text) > MAX_NAME:
        raise KitDataError(f"the learner name is {len(text)} characters long; "
                           f"at most {MAX_NAME} are allowed")
    return text


def _clean_free_text(value, what, limit=MAX_TEXT):
    """Text a learner typed: control characters dropped, length checked."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise KitDataError(f"{what} should be text, not {_show(value)}")
    value = _BAD_CHARS.sub("", value)
    if len(value) > limit:
        raise KitDataError(f"{what} is {len(value)} characters long; at most {limit} are "
                           "allowed: please shorten it")
    return value


# --------------------------------------------------------------------------- the log

class DecisionLog:
    """One learner's decisions and answers, saved as they are made.

    ``path`` is the log file (created with the first decision);
    ``learner`` is the name shown in tables (default: the name in the file, else
    the file name); ``casebook`` is used to check ids and order items (default:
    ``kit.load_casebook()``, loaded once, when first needed).
    :attr:`messages` lists plain-language notes for the learner, e.g. that an
    unreadable file was set aside.

    >>> import tempfile, kit
    >>> cb = kit.load_casebook()
    >>> item = cb.items.item_id.iloc[0]
    >>> log = DecisionLog.for_learner("Zoë", folder=tempfile.mkdtemp(), casebook=cb)
    >>> log.path.name
    'Zoë.decisions.jsonl'
    >>> _ = log.record(item, [], "none", "political speech")
    >>> d = log.record(item, ["hateful_conduct"], "label", "on second thoughts")
    >>> d["rules"], d["action"], d["revision"]
    (('hateful_conduct',), 'label', 2)
    >>> again = DecisionLog(log.path, casebook=cb)     # e.g. after a kernel restart
    >>> again.table()[["learner", "action", "revision"]].values.tolist()
    [['Zoë', 'label', 2]]
    >>> len(again.history()), again.messages
    (2, [])
    """

    def __init__(self, path, learner=None, casebook=None):
        try:
            self.path = Path(os.fspath(path))
        except TypeError:
            raise KitDataError(f"a decision file path should be text or a Path, not {_show(path)}"
                               ) from None
        self._learner = None if learner is None else _clean_learner(learner)
        self._header_learner = None
        self._casebook = casebook
        self._vocab = None
        self._pending = []          # salvaged records still to write (rare race)
        self._skipped_note = None
        #: Plain-language notes for the learner (e.g. a file set aside); newest last.
        self.messages = []
        with self._session(write=False):
            pass

    @classmethod
    def for_learner(cls, name, folder=None, casebook=None):
        """The log of learner ``name``: ``<folder>/<safe name>.decisions.jsonl``.

        ``folder`` defaults to :func:`default_folder`.

        >>> import tempfile
        >>> log = DecisionLog.for_learner("Ali Reza", folder=tempfile.mkdtemp())
        >>> log.path.name, log.learner
        ('Ali-Reza.decisions.jsonl', 'Ali Reza')
        """
        learner = _clean_learner(name)
        folder = default_folder() if folder is None else Path(folder)
        return cls(folder / f"{safe_learner_name(learner)}.decisions.jsonl", learner=learner,
                   casebook=casebook)

    def __repr__(self):
        return f"DecisionLog({str(self.path)!r}, learner={self.learner!r})"

    @property
    def learner(self) -> str:
        """The learner's name as shown in tables."""
        if self._learner:
            return self._learner
        if self._header_learner:
            return self._header_learner
        name = self.path.name
        for suffix in (".decisions.jsonl", ".jsonl"):
            if name.endswith(suffix) and len(name) > len(suffix):
                return name[: -len(suffix)]
        return name

    @property
    def casebook(self):
        """The casebook ids are checked against (loaded on first use)."""
        if self._casebook is None:
            self._casebook = default_casebook()
        return self._casebook

    def _vocabulary(self) -> _Vocab:
        if self._vocab is None:
            self._vocab = _vocab_for(self.casebook)
        return self._vocab

    # ---- file access ------------------------------------------------------------------

    def _open(self, write):
        """An fd on the file at self.path (created when writing), or None if missing."""
        flags = (os.O_RDWR | os.O_APPEND) if write else os.O_RDONLY
        flags |= getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
        name = str(self.path)
        for _ in range(100):
            try:
                fd = os.open(self.path, flags)
            except FileNotFoundError:
                if not write:
                    return None
                try:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    _create_exclusive(self.path, _header_line(self.learner))
                except OSError as e:
                    raise KitDataError(f"cannot create the decision file ({e.strerror or e})",
                                       file=name) from None
                continue
            except IsADirectoryError:
                raise KitDataError("this is a folder, not a decision file", file=name) from None
            except PermissionError:
                raise KitDataError("cannot open the decision file (permission denied)",
                                   file=name) from None
            except OSError as e:
                raise KitDataError(f"cannot open the decision file ({e.strerror or e})",
                                   file=name) from None
            mode = os.fstat(fd).st_mode
            if not stat.S_ISREG(mode):
                os.close(fd)
                raise KitDataError("this is a folder, not a decision file" if stat.S_ISDIR(mode)
                                   else "this is not a regular file", file=name)
            return fd
        raise KitDataError("cannot create the decision file (it keeps disappearing)", file=name)

    @contextmanager
    def _session(self, write):
        """Hold the exclusive lock on a valid log at self.path; yield (fd, parsed).

        A file that is not a clean log is set aside first (and its salvage copied
        into a fresh log). fd is None when the file does not exist and not writing.
        """
        name = str(self.path)
        for _ in range(100):
            want_write = write or bool(self._pending)
            fd = self._open(want_write)
            if fd is None:
                yield None, _Parsed()
                return
            try:
                _lock(fd)
                try:  # the file may have been set aside while we waited for the lock
                    now = os.stat(self.path)
                except FileNotFoundError:
                    continue
                mine = os.fstat(fd)
                if (now.st_dev, now.st_ino) != (mine.st_dev, mine.st_ino):
                    continue
                if mine.st_size > MAX_LOG_BYTES:
                    raise KitDataError(f"the decision file is {mine.st_size:,} bytes, too big to "
                                       "be a decision log", file=name)
                raw = _read_all(fd, MAX_LOG_BYTES)
                try:
                    parsed = _parse_log(raw)
                except _Newer as e:
                    raise KitDataError(e.msg, file=name) from None
                if parsed.problems:
                    self._rescue(parsed)
                    continue
                if parsed.header is not None:
                    self._header_learner = parsed.header["learner"]
                if self._pending and want_write:
                    self._append(fd, parsed, b"".join(_record_line(r) for r in self._pending))
                    parsed.records.extend((0, r) for r in self._pending)
                    self._pending = []
                yield fd, parsed
                return
            except OSError as e:
                raise KitDataError(f"cannot use the decision file ({e.strerror or e})",
                                   file=name) from None
            finally:
                os.close(fd)
        raise KitDataError("the decision file keeps changing under us; try again", file=name)

    def _rescue(self, parsed: _Parsed) -> None:
        """Set the unreadable file aside (we hold its lock) and start a fresh log."""
        line, problem = parsed.problems[0]
        aside = _set_aside(self.path)
        data = _header_line(self.learner) + b"".join(_record_line(r) for r in parsed.salvage)
        if not _create_exclusive(self.path, data):  # somebody started a new log meanwhile
            self._pending.extend(parsed.salvage)
        n_dec = sum(r["type"] == "decision" for r in parsed.salvage)
        n_ans = len(parsed.salvage) - n_dec
        kept = (f"{n_dec} decision(s) and {n_ans} answer(s) were recovered from it into a fresh "
                f"{self.path.name}" if parsed.salvage else
                f"nothing in it could be recovered, so {self.path.name} starts again empty")
        self.messages.append(
            f"Your decision file {self.path} could not be read (line {line}: {problem}). "
            f"Nothing was deleted: the old file is kept, unchanged, as {aside}. "
            f"{kept[0].upper() + kept[1:]}. You can carry on.")

    def _append(self, fd, parsed: _Parsed, data: bytes) -> None:
        if parsed.header is None:       # empty file, or only a torn header: start it afresh
            os.ftruncate(fd, 0)
            data = _header_line(self.learner) + data
            parsed.header = {"learner": self.learner}
        elif parsed.torn:               # an unconfirmed last write: drop it
            os.ftruncate(fd, parsed.size - parsed.torn)
        parsed.torn = 0
        _write_all(fd, data)
        os.fsync(fd)
        parsed.size = os.fstat(fd).st_size

    def _records(self):
        with self._session(write=False) as (_, parsed):
            return [r for _, r in parsed.records]

    # ---- recording ---------------------------------------------------------------------

    def record(self, item_id, rules, action, rationale="") -> dict:
        """Record a decision on one item; it is on disk when this returns.

        ``rules``: the conduct rule ids the learner judges broken (a list; empty
        or None for none; kept in case-file order, duplicates dropped);
        ``action``: an action id from the ladder; ``rationale``: free text (at
        most 5000 characters; control characters are dropped). Deciding the same
        item again adds a revision; :meth:`table` shows the latest.
        Returns the stored decision (the columns of :meth:`table`).

        >>> import tempfile, kit
        >>> cb = kit.load_casebook()
        >>> log = DecisionLog(Path(tempfile.mkdtemp()) / "x.decisions.jsonl", casebook=cb)
        >>> item = cb.items.item_id.iloc[0]
        >>> log.record(item, ["glorification_of_violence"], "suspend")["revision"]
        1
        >>> log.record(item, [], "banish")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        kit.errors.KitDataError: action: 'banish' is not an action on the ladder (none, label, ...)
        """
        vocab = self._vocabulary()
        if rules is None:
            rules = []
        elif isinstance(rules, (str, bytes, dict)):
            raise KitDataError(f"rules should be a list of rule ids, e.g. ['hateful_conduct'], "
                               f"not {_show(rules)}")
        else:
            try:
                rules = list(rules)
            except TypeError:
                raise KitDataError(f"rules should be a list of rule ids, not {_show(rules)}"
                                   ) from None
        try:
            dec = {"type": "decision",
                   "item_id": str(_ident(item_id, "item_id", "item id")),
                   "rules": tuple(str(r) for r in _rule_list(rules, "rules")),
                   "action": str(_ident(action, "action", "action id")),
                   "rationale": _clean_free_text(rationale, "the rationale"),
                   "decided_at": None}
            dec["rules"] = vocab.check(dec)
        except _Bad as b:
            raise KitDataError(b.text()) from None
        with self._session(write=True) as (fd, parsed):
            revision = 1 + sum(1 for _, r in parsed.records
                               if r["type"] == "decision" and r["item_id"] == dec["item_id"])
            dec["decided_at"] = _now()  # taken under the lock: times follow file order
            self._append(fd, parsed, _record_line(dec))
        out = {"learner": self.learner, **{k: dec[k] for k in _DECISION_FIELDS},
               "revision": revision}
        out["decided_at"] = pd.Timestamp(dec["decided_at"])
        return out

    def record_answer(self, section, question_id, answer, rationale="") -> dict:
        """Record an answer to a quiz, survey or attribution question (saved like a decision).

        ``section`` and ``question_id`` are short ids (e.g. ``"survey"``, ``"q3"``);
        ``answer`` is a text or a list of texts. :meth:`answers` shows the latest
        answer to each question.

        >>> import tempfile
        >>> log = DecisionLog(Path(tempfile.mkdtemp()) / "x.decisions.jsonl")
        >>> _ = log.record_answer("survey", "same_rules", "agree")
        >>> _ = log.record_answer("quiz", "q1", ["label", "notice"])
        >>> _ = log.record_answer("survey", "same_rules", "disagree", "changed my mind")
        >>> log.answers()[["section", "question_id", "answer"]].values.tolist()
        [['survey', 'same_rules', 'disagree'], ['quiz', 'q1', ('label', 'notice')]]
        """
        if isinstance(answer, (set, frozenset)):
            answer = sorted(answer, key=str)
        if isinstance(answer, str):
            answer = _clean_free_text(answer, "the answer")
        elif isinstance(answer, (list, tuple)):
            answer = [_clean_free_text(a, "each answer") if isinstance(a, str) else a
                      for a in answer]
        else:
            raise KitDataError(f"answer should be text or a list of texts, not {_show(answer)}")
        try:
            rec = {"type": "answer",
                   "section": str(_ident(section, "section", "section id")),
                   "question_id": str(_ident(question_id, "question_id", "question id")),
                   "answer": _answer_value(answer, "answer"),
                   "rationale": _clean_free_text(rationale, "the rationale"),
                   "answered_at": None}
        except _Bad as b:
            raise KitDataError(b.text()) from None
        with self._session(write=True) as (fd, parsed):
            rec["answered_at"] = _now()
            self._append(fd, parsed, _record_line(rec))
        out = {k: rec[k] for k in ANSWER_COLUMNS}
        out["answered_at"] = pd.Timestamp(rec["answered_at"])
        return out

    # ---- reading -----------------------------------------------------------------------

    def _usable(self, decisions):
        """Drop (and report once) decisions whose ids this case file does not have."""
        vocab = self._vocabulary()
        out, skipped = [], []
        for d in decisions:
            try:
                out.append({**d, "rules": vocab.check(d), "learner": self.learner})
            except _Bad as b:
                skipped.append(b.msg)
        if skipped:
            note = (f"{len(skipped)} decision(s) in {self.path.name} refer to items, rules or "
                    f"actions this version of the case file does not have (first: {skipped[0]}). "
                    "They are kept in the file but left out of your tables.")
            if note != self._skipped_note:
                self._skipped_note = note
                self.messages.append(note)
        return out

    def history(self) -> pd.DataFrame:
        """Every decision in the order it was made (columns as :meth:`table`).

        >>> import tempfile
        >>> DecisionLog(Path(tempfile.mkdtemp()) / "new.decisions.jsonl").history().columns.tolist()
        ['learner', 'item_id', 'rules', 'action', 'rationale', 'decided_at', 'revision']
        """
        decisions = _with_revisions(self._records())
        return _decision_frame(self._usable(decisions) if decisions else [])

    def table(self) -> pd.DataFrame:
        """The latest decision on each item, in case-file item order.

        Columns: learner, item_id, rules (tuple of rule ids), action, rationale,
        decided_at (UTC Timestamp), revision (1 for the first decision on the item).
        The file is re-read each time, so decisions another notebook recorded show up.

        >>> import tempfile
        >>> DecisionLog(Path(tempfile.mkdtemp()) / "new.decisions.jsonl").table().empty
        True
        """
        decisions = _with_revisions(self._records())
        if not decisions:
            return _decision_frame([])
        latest = {}
        for d in self._usable(decisions):
            latest[d["item_id"]] = d
        pos = self._vocabulary().item_pos
        return _decision_frame(sorted(latest.values(), key=lambda d: pos[d["item_id"]]))

    def answers(self) -> pd.DataFrame:
        """The latest answer to each (section, question_id), in the order first answered.

        Columns: section, question_id, answer (text, or tuple of texts), rationale,
        answered_at (UTC Timestamp).

        >>> import tempfile
        >>> DecisionLog(Path(tempfile.mkdtemp()) / "new.decisions.jsonl").answers().columns.tolist()
        ['section', 'question_id', 'answer', 'rationale', 'answered_at']
        """
        return _answer_frame(_latest_answers(self._records()))

    # ---- export ------------------------------------------------------------------------

    def export(self, path=None, format="json") -> Path:
        """Write the latest decisions (and, in JSON, the answers) to a file to hand in.

        ``format="json"``: a versioned JSON file with decisions and answers;
        ``format="csv"``: one row per item for spreadsheets (rules joined with ``;``,
        decisions only). Default path: beside the log, ``<name>.decisions.json`` or
        ``.csv``. Both formats are described in docs/decision-format.md and read
        back by :meth:`read`.

        >>> import tempfile
        >>> log = DecisionLog(Path(tempfile.mkdtemp()) / "Zoë.decisions.jsonl")
        >>> _ = log.record_answer("survey", "same_rules", "agree")
        >>> out = log.export()
        >>> out.name, DecisionLog.read_answers(out).answer.tolist()
        ('Zoë.decisions.json', ['agree'])
        """
        if format not in ("json", "csv"):
            raise KitDataError(f"export format should be 'json' or 'csv', not {_show(format)}")
        if path is None:
            stem = self.path.name
            for suffix in (".decisions.jsonl", ".jsonl"):
                if stem.endswith(suffix) and len(stem) > len(suffix):
                    stem = stem[: -len(suffix)]
                    break
            path = self.path.with_name(f"{stem}.decisions.{format}")
        try:
            path = Path(os.fspath(path))
        except TypeError:
            raise KitDataError(f"an export path should be text or a Path, not {_show(path)}"
                               ) from None
        if path.resolve() == self.path.resolve():
            raise KitDataError("an export cannot replace the decision log itself: choose "
                               "another file name", file=str(path))
        table, answers = self.table(), self.answers()
        if format == "json":
            data = self._export_json(table, answers)
        else:
            data = self._export_csv(table)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            try:
                try:
                    _write_all(fd, data)
                    os.fsync(fd)
                finally:
                    os.close(fd)
                os.replace(tmp, path)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
            _fsync_dir(path.parent)
        except OSError as e:
            raise KitDataError(f"cannot write the export ({e.strerror or e})",
                               file=str(path)) from None
        return path

    def _export_json(self, table, answers) -> bytes:
        doc = {
            "format": EXPORT_FORMAT, "version": EXPORT_VERSION, "learner": self.learner,
            "exported_at": _now(), "kit_version": KIT_VERSION,
            "decisions": [{"item_id": r.item_id, "rules": list(r.rules), "action": r.action,
                           "rationale": r.rationale,
                           "decided_at": r.decided_at.strftime(_TIME_FORMAT),
                           "revision": int(r.revision)} for r in table.itertuples()],
            "answers": [{"section": r.section, "question_id": r.question_id,
                         "answer": list(r.answer) if isinstance(r.answer, tuple) else r.answer,
                         "rationale": r.rationale,
                         "answered_at": r.answered_at.strftime(_TIME_FORMAT)}
                        for r in answers.itertuples()],
        }
        return (json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False) + "\n").encode()

    def _export_csv(self, table) -> bytes:
        buf = io.StringIO(newline="")
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(CSV_COLUMNS)
        for r in table.itertuples():
            w.writerow([_csv_escape(self.learner), r.item_id, ";".join(r.rules), r.action,
                        _csv_escape(r.rationale), r.decided_at.strftime(_TIME_FORMAT),
                        int(r.revision), CSV_VERSION])
        return buf.getvalue().encode("utf-8-sig")  # the BOM makes Excel read it as UTF-8

    # ---- reading other people's files --------------------------------------------------

    @staticmethod
    def read(path, casebook=None) -> pd.DataFrame:
        """Read a decision file someone handed in: an export (JSON or CSV) or a live log.

        The file is untrusted: it is opened read-only and never changed; anything
        wrong (too big, not UTF-8, bad JSON or CSV, missing or unknown fields, wrong
        types, unknown item/rule/action ids, an item decided twice in an export, an
        unknown or newer format version, absurd values) raises
        :class:`kit.KitDataError` naming the file and the problem. Returns the
        latest decision per item, with the columns of :meth:`table`.

        >>> import tempfile
        >>> bad = Path(tempfile.mkdtemp()) / "zoe.json"
        >>> _ = bad.write_text('{"format": "casebook-kit-decisions", "version": 9}')
        >>> DecisionLog.read(bad)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        kit.errors.KitDataError: ...zoe.json: was made by a newer kit (format version 9; ...
        """
        return decision_frame(read_decision_records(path, casebook))

    @staticmethod
    def read_answers(path, casebook=None) -> pd.DataFrame:
        """The answers in a handed-in file (columns as :meth:`answers`), checked like :meth:`read`.

        CSV exports hold decisions only, so for them the result is empty.

        >>> import tempfile
        >>> f = Path(tempfile.mkdtemp()) / "a.json"
        >>> _ = f.write_text("[1, 2]")
        >>> DecisionLog.read_answers(f)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        kit.errors.KitDataError: ...a.json: the top level should be a JSON object {...}, not a list
        """
        _, _, answers = _read_untrusted(path, casebook, want_answers=True)
        return _answer_frame(answers)


# --------------------------------------------------------------------------- untrusted files

_CSV_RISKY = ("=", "+", "-", "@", "\t", "\r", "'")


def _csv_escape(text: str) -> str:
    """Guard spreadsheet formulas: a cell starting with = + - @ (or ') gets a leading '."""
    return "'" + text if text.startswith(_CSV_RISKY) else text


def _csv_unescape(text: str) -> str:
    return text[1:] if text.startswith("'") else text


def read_decision_records(path, casebook=None) -> list:
    """The latest decisions in an untrusted file, as plain dicts (the columns of
    :meth:`DecisionLog.table`), checked exactly as :meth:`DecisionLog.read` checks them.

    For reading many files at once (a class): build one table at the end with
    :func:`decision_frame` instead of one DataFrame per file.

    >>> rows = read_decision_records(SAMPLE_DIR / "sample-learner.json")
    >>> rows[0]["learner"], sorted(rows[0])[:3]
    ('Sample learner', ['action', 'decided_at', 'item_id'])
    >>> list(decision_frame(rows).columns) == list(DECISION_COLUMNS)
    True
    """
    learner, decisions, _ = _read_untrusted(path, casebook, want_answers=False)
    return [{**d, "learner": learner} for d in decisions]


def decision_frame(records) -> pd.DataFrame:
    """A decisions table (the columns of :meth:`DecisionLog.table`) from record dicts.

    >>> decision_frame([]).columns.tolist()
    ['learner', 'item_id', 'rules', 'action', 'rationale', 'decided_at', 'revision']
    """
    return _decision_frame(records)


def _read_untrusted(path, casebook, want_answers):
    """-> (learner, latest decisions [dicts, case-file order], latest answers [dicts])."""
    try:
        p = os.fspath(path)
    except TypeError:
        raise KitDataError(f"a file path should be text or a Path, not {_show(path)}") from None
    name = str(p)
    raw = _read_limited(p, name)

    def fail(problem, row=None, column=None):
        err = KitDataError(problem, file=name, row=row, column=column)
        err.__suppress_context__ = True  # a plain message, not a chain of tracebacks
        raise err

    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if not raw.strip():
        fail("the file is empty")
    if b"\x00" in raw:
        fail("this is not a text file (it contains binary data)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        fail(f"the file is not UTF-8 text (first bad byte at position {e.start})")
    start = text.lstrip()[:1]
    first_line = text.lstrip().split("\n", 1)[0]
    cb = casebook if casebook is not None else default_casebook()
    vocab = _vocab_for(cb)
    if start in ("{", "[") and f'"{LOG_FORMAT}"' in first_line:
        return _read_log(raw.lstrip(), name, vocab, fail)
    if start in ("{", "["):
        return _read_export(text, name, vocab, fail)
    return _read_csv(text, name, vocab, fail)


def _read_limited(p, name) -> bytes:
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(p, flags)
    except FileNotFoundError:
        raise KitDataError("there is no such file", file=name) from None
    except IsADirectoryError:
        raise KitDataError("this is a folder, not a decisions file", file=name) from None
    except PermissionError:
        raise KitDataError("the file cannot be opened (permission denied)", file=name) from None
    except (OSError, ValueError) as e:
        raise KitDataError(f"the file cannot be opened ({getattr(e, 'strerror', None) or e})",
                           file=name) from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise KitDataError("this is a folder, not a decisions file", file=name)
        if not stat.S_ISREG(st.st_mode):
            raise KitDataError("this is not a regular file", file=name)
        if st.st_size > MAX_READ_BYTES:
            raise KitDataError(f"the file is {st.st_size:,} bytes; a decisions file can be at "
                               f"most {MAX_READ_BYTES:,} bytes", file=name)
        raw = _read_all(fd, MAX_READ_BYTES)
        if len(raw) > MAX_READ_BYTES:
            raise KitDataError(f"the file is over {MAX_READ_BYTES:,} bytes; a decisions file can "
                               f"be at most {MAX_READ_BYTES:,} bytes", file=name)
        return raw
    except OSError as e:
        raise KitDataError(f"the file cannot be read ({e.strerror or e})", file=name) from None
    finally:
        os.close(fd)


def _read_log(raw, name, vocab, fail):
    try:
        parsed = _parse_log(raw)
    except _Newer as e:
        fail(e.msg)
    if parsed.problems:
        line, problem = parsed.problems[0]
        fail(f"line {line}: {problem}")
    if parsed.header is None:
        fail("there is no complete header line: this is not a finished decision log")
    records = []
    for line, rec in parsed.records:
        if rec["type"] == "decision":
            try:
                rec = {**rec, "rules": vocab.check(rec)}
            except _Bad as b:
                fail(f"line {line}: {b.text()}")
        records.append(rec)
    latest = {}
    for d in _with_revisions(records):
        latest[d["item_id"]] = d
    decisions = sorted(latest.values(), key=lambda d: vocab.item_pos[d["item_id"]])
    return parsed.header["learner"], decisions, _latest_answers(records)


def _read_export(text, name, vocab, fail):
    try:
        doc = _json(text)
    except RecursionError:
        fail("the JSON is nested too deeply to be a decisions file")
    except MemoryError:
        fail("the JSON is too large to read")
    except json.JSONDecodeError as e:
        fail(f"this is not valid JSON ({e.msg} at line {e.lineno}, column {e.colno})")
    except ValueError as e:
        fail(f"this is not valid JSON ({str(e)[:100]})")
    if not isinstance(doc, dict):
        fail(f"the top level should be a JSON object {{...}}, not {_show(doc)}")
    fmt = doc.get("format")
    if fmt != EXPORT_FORMAT:
        if fmt is None:
            fail(f"this is not a casebook kit decisions file (it has no 'format' field; "
                 f"expected {EXPORT_FORMAT!r})")
        fail(f"this is not a casebook kit decisions file (its format is {_show(fmt)}; "
             f"expected {EXPORT_FORMAT!r})")
    try:
        _version(doc, EXPORT_VERSION, "decisions export")
        _fields(doc, _EXPORT_FIELDS, "the file")
        learner = _text(doc["learner"], "learner", MAX_NAME * 2, empty_ok=False)
        _time(doc["exported_at"], "exported_at")
        _text(doc["kit_version"], "kit_version", 50)
    except _Newer as e:
        fail(e.msg)
    except _Bad as b:
        fail(b.text())
    decisions, answers = {}, {}
    for key, store in (("decisions", decisions), ("answers", answers)):
        entries = doc[key]
        if not isinstance(entries, list):
            fail(f"{key}: should be a list [...], not {_show(entries)}")
        if len(entries) > MAX_ENTRIES:
            fail(f"{key}: has {len(entries)} entries; at most {MAX_ENTRIES} are allowed")
        for n, entry in enumerate(entries):
            where = f"{key}[{n}]"
            try:
                if key == "decisions":
                    rec = _decision(entry, "the entry", revision=True)
                    rec["rules"] = vocab.check(rec)
                    k = rec["item_id"]
                else:
                    rec = _answer(entry, "the entry")
                    k = (rec["section"], rec["question_id"])
            except _Bad as b:
                fail(f"{where}: {b.text()}")
            if k in store:
                what = f"item {k!r}" if key == "decisions" else f"question {k[0]}/{k[1]}"
                fail(f"{where}: {what} appears twice (also {key}[{store[k][0]}]); an export "
                     "holds only the latest one")
            store[k] = (n, rec)
    rows = sorted((r for _, r in decisions.values()), key=lambda d: vocab.item_pos[d["item_id"]])
    return learner, rows, [r for _, r in answers.values()]


def _read_csv(text, name, vocab, fail):
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as e:
        fail(f"this is not a valid CSV file ({e})")
    header = [h.strip() for h in rows[0]] if rows else []
    if set(header) != set(CSV_COLUMNS) or len(header) != len(CSV_COLUMNS):
        if "format_version" not in header:
            fail("this is not a casebook kit decisions file: expected an exported .json or "
                 ".csv file, or a .decisions.jsonl log")
        missing = [c for c in CSV_COLUMNS if c not in header]
        extra = sorted({h for h in header if h not in CSV_COLUMNS or header.count(h) > 1})
        if missing:
            fail(f"missing column(s) {', '.join(missing)}", row=1)
        fail(f"unknown or repeated column(s) {', '.join(_show(h) for h in extra[:5])}; the "
             f"columns are {', '.join(CSV_COLUMNS)}", row=1)
    learner, decisions, first_row = None, {}, {}
    for n, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            fail(f"has {len(row)} fields but the header has {len(header)}", row=n)
        cell = dict(zip(header, row))
        version = cell["format_version"].strip()
        if not re.fullmatch("[0-9]{1,6}", version):
            fail(f"{_show(version)} is not a format version number", row=n, column="format_version")
        if int(version) > CSV_VERSION:
            fail(f"was made by a newer kit (format version {int(version)}; this kit reads up to "
                 f"version {CSV_VERSION}): update the kit to read it", row=n,
                 column="format_version")
        if int(version) < 1:
            fail(f"{version} is not a version of the CSV format", row=n, column="format_version")
        try:
            who = _text(_csv_unescape(cell["learner"]), "learner", MAX_NAME * 2, empty_ok=False)
            rules_text = cell["rules"].strip()
            rules = [r.strip() for r in rules_text.split(";")] if rules_text else []
            revision = cell["revision"].strip()
            if not re.fullmatch("[0-9]{1,7}", revision):
                raise _Bad(f"should be a whole number, not {_show(revision)}", "revision")
            rec = _decision({"item_id": cell["item_id"].strip(), "rules": rules,
                             "action": cell["action"].strip(),
                             "rationale": _csv_unescape(cell["rationale"]),
                             "decided_at": cell["decided_at"].strip(),
                             "revision": int(revision)}, "the row", revision=True)
            rec["rules"] = vocab.check(rec)
        except _Bad as b:
            fail(b.msg, row=n, column=b.field)
        if learner is None:
            learner = who
        elif who != learner:
            fail(f"this file mixes learners ({_show(learner)} and {_show(who)}); "
                 "hand in one file per learner", row=n, column="learner")
        if rec["item_id"] in decisions:
            fail(f"item {rec['item_id']!r} appears twice (also row {first_row[rec['item_id']]}); "
                 "an export holds only the latest decision per item", row=n, column="item_id")
        decisions[rec["item_id"]] = rec
        first_row[rec["item_id"]] = n
    rows_out = sorted(decisions.values(), key=lambda d: vocab.item_pos[d["item_id"]])
    return learner or "", rows_out, []


# --------------------------------------------------------------------------- the learner of this machine

LEARNER_FILE = ".kit-learner.json"   # hidden: class views pass over it
SAMPLE_DIR = ROOT / "data" / "sample_decisions"
GUEST = "guest"


def set_learner(name, folder=None) -> str:
    """Remember the learner's name (in ``<folder>/.kit-learner.json``) for every notebook.

    Returns the name as it will be shown. The file is replaced atomically.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> set_learner("  Zoë  ", folder), current_learner(folder)
    ('Zoë', 'Zoë')
    """
    learner = _clean_learner(name)
    safe_learner_name(learner)  # refuses names that cannot become a file name
    folder = default_folder() if folder is None else Path(folder)
    data = json.dumps({"format": "casebook-kit-learner", "version": 1, "learner": learner},
                      ensure_ascii=False).encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=".kit-learner-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, folder / LEARNER_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return learner


def current_learner(folder=None):
    """The name set with :func:`set_learner`, or ``None`` if none was set (or it is unreadable).

    >>> import tempfile
    >>> current_learner(tempfile.mkdtemp()) is None
    True
    """
    folder = default_folder() if folder is None else Path(folder)
    try:
        raw = (folder / LEARNER_FILE).read_bytes()[:10_000]
        doc = json.loads(raw.decode("utf-8"))
        return _clean_learner(doc["learner"]) if isinstance(doc, dict) else None
    except (OSError, ValueError, KeyError, TypeError, KitDataError):
        return None


def my_log(folder=None, casebook=None) -> "DecisionLog":
    """The current learner's :class:`DecisionLog` (``guest`` when no name was set).

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> my_log(folder).learner
    'guest'
    >>> _ = set_learner("Ana", folder)
    >>> my_log(folder).path.name
    'Ana.decisions.jsonl'
    """
    return DecisionLog.for_learner(current_learner(folder) or GUEST, folder=folder,
                                   casebook=casebook)


def sample_decisions(casebook=None) -> pd.DataFrame:
    """The clearly labelled sample learner's decisions shipped in data/sample_decisions/.

    Notebooks show these when a learner has not decided anything yet, so every
    lesson works on its own. The learner column says "Sample learner".

    >>> sample = sample_decisions()
    >>> sample.learner.unique().tolist(), len(sample) == len(load_casebook().items)
    (['Sample learner'], True)
    """
    return DecisionLog.read(SAMPLE_DIR / "sample-learner.json", casebook=casebook)


def decisions_or_sample(log, casebook=None):
    """``(table, is_sample)``: the log's decisions, or the sample's when the log has none.

    >>> import tempfile
    >>> log = DecisionLog.for_learner("Ana", folder=tempfile.mkdtemp())
    >>> table, is_sample = decisions_or_sample(log)
    >>> is_sample, table.learner.iloc[0]
    (True, 'Sample learner')
    >>> _ = log.record("T14", [], "none")
    >>> decisions_or_sample(log)[1]
    False
    """
    table = log.table()
    if len(table):
        return table, False
    return sample_decisions(casebook if casebook is not None else log.casebook), True


def check_folder_writable(folder=None) -> Path:
    """Make sure decisions can be saved in ``folder`` (default :func:`default_folder`).

    Creates the folder if needed and writes and removes a hidden scratch file.
    Returns the folder; raises :class:`kit.KitDataError` saying why not.

    >>> import tempfile
    >>> check_folder_writable(Path(tempfile.mkdtemp()) / "new").is_dir()
    True
    """
    target = default_folder() if folder is None else Path(folder)
    try:
        target.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=target, prefix=".kit-check-"):
            pass
    except OSError as err:
        raise KitDataError(f"the folder is not writable ({err.strerror})", file=str(target)) from None
    return target
