"""Where a class's decisions come from, read again only where something changed.

A :class:`ClassCollector` reads a class from any of three sources at once, every one
of them as untrusted input through the same reader and with the same messages as a
class folder (:func:`kit.classroom.collect_class`):

- a **class folder**: each learner file is kept with its stamp (name, size,
  mtime_ns, inode); a refresh re-reads only new or changed files, and a file that
  is gone is dropped;
- **uploaded files** (bytes, e.g. from the dashboard's *Upload files*): each is
  read from a private temporary copy (a folder only this user can open, removed
  again at once); a new upload under the same name replaces the old one;
- the **class service** (a client with ``fetch_class(since)``, see
  :func:`kit.sync.class_service`): the collector keeps the service's cursor and
  asks only for records stored after it. Each learner's records are checked like
  a learner's live log (they are written, with a header naming the learner, to a
  private temporary copy and read by the same reader); only learners with new
  records are read again. A service that cannot be reached, refuses (403 for
  anyone but a teacher) or replies in another shape (:func:`check_class_reply`
  names the field) is a note in the problems table, and the records it sent
  before are still used.

  A client that also has ``fetch_class_latest`` (the kit's own,
  :class:`kit.sync.client.ClassService`) is read through the service's compact
  reply instead (``api/class?shape=latest``: the latest decision of every learner
  and item, column by column): it is checked in bulk against the case file
  (:func:`check_latest_reply`) and goes into the class tables as one table, with no
  log, file or record dict per learner; the debrief's few items get their
  rationales from ``api/class/rationales`` (:func:`debrief_candidates`). The class
  tables are the same as through the full reply (a test compares them).

Then one file per learner is chosen and the class tables worked out exactly as
:func:`kit.collect_class` does (:func:`kit.classroom.class_results`): a learner's
hand-in file and their records on the service are two files of one learner, and a
conflict is listed when they differ.

>>> import kit, tempfile
>>> cb = kit.load_casebook()
>>> folder = tempfile.mkdtemp()
>>> log = kit.DecisionLog.for_learner("Zoë", folder=folder, casebook=cb)
>>> _ = log.record(cb.items.item_id[0], [], "lock")
>>> col = ClassCollector(cb, folder=folder)
>>> col.collect().learners, col.last_read
(['Zoë'], 1)
>>> col.collect().learners, col.last_read   # nothing changed: nothing read again
(['Zoë'], 0)
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import unicodedata
import weakref
from pathlib import Path

from .classfiles import FileRead, class_folder, folder_entries, learner_file, read_file
from .classnames import shown
from .decisions.checks import MAX_NAME, Bad, check_text
from .decisions.formats import header_line
from .errors import KitDataError
from .words import plural

#: How the class service's records are named in the problems table and conflicts.
SERVICE_MARK = " (class service)"
#: How uploaded files are named in the problems table and conflicts.
UPLOAD_MARK = " (uploaded)"
#: Where a reply of the class service is said to come from in messages.
SERVICE_NAME = "the class service"
_LINE = re.compile(r"^line ([0-9]+): ")
#: Writes a service record back as a log line (one encoder for all: json.dumps with options
#: would build a new one per record).
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)


class ClassCollector:
    """A class read from a folder, uploaded files and the class service, kept between
    refreshes so that :meth:`collect` re-reads only what changed.

    ``ClassCollector(casebook=None, folder=None, service=None, reader=None)``:
    ``folder`` a class folder (or None), ``service`` a class service client (an object
    with ``fetch_class(since=None)``; or None). ``reader`` reads one file
    (default :func:`kit.decisions.readers.read_decision_file`, as
    :func:`kit.collect_class` does). After :meth:`collect`: ``last_read`` how many
    files or learners were read again, ``last_refresh`` when (UTC), ``cursor`` the
    service's cursor.
    """

    def __init__(self, casebook=None, folder=None, service=None, reader=None):
        if casebook is None:
            from .casebook import load_casebook
            casebook = load_casebook()
        self.casebook = casebook
        self.folder = None if folder in (None, "") else Path(folder)
        self.service = service
        self._reader = reader
        self._lock = threading.RLock()
        self._folder_reads = {}    # name -> (stamp, FileRead)
        self._uploads = {}         # name -> (digest, FileRead)
        self._logs = {}            # learner -> [record count, log bytes, or why unusable]
        self._service_reads = {}   # learner -> (record count, FileRead)
        self._service_note = None  # a problem row about the service itself
        self.cursor = None
        self.last_read = 0
        self.last_refresh = None
        self._last_key, self._last = None, None
        self._tmp = None
        self._reads_done = 0
        # the compact path (a service client with fetch_class_latest): the latest decision of
        # every learner and item, one table for the class, checked in bulk
        self._compact = None       # None: not tried yet; False: the service has no compact reply
        self._latest = None        # DataFrame (LATEST_FRAME_COLUMNS) or None
        self._latest_version = 0   # counts changes of _latest
        self._bulk = None          # (version, reads, bulk table) made from _latest
        self._names = {}           # raw learner name -> (name as used, problem or None)
        self._said = {}            # (version, items) -> rationales {(learner, item): text}

    # -- sources ----------------------------------------------------------------------
    def set_folder(self, folder) -> None:
        """Read ``folder`` from now on (None: no folder); what was read is forgotten."""
        with self._lock:
            new = None if folder in (None, "") else Path(folder)
            if new != self.folder:
                self.folder, self._folder_reads = new, {}

    def add_upload(self, name: str, data: bytes) -> bool:
        """Add one uploaded file (its name as uploaded and its bytes); it is read now, as
        untrusted input. Returns whether it replaced an earlier upload of that name."""
        data = bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        with self._lock:
            known = self._uploads.get(name)
            if known is not None and known[0] == digest:
                return True
            self._uploads[name] = (digest, self._read_bytes(name, data, shown(name) + UPLOAD_MARK))
            return known is not None

    @property
    def uploads(self) -> list:
        """The names of the uploaded files, in name order."""
        return sorted(self._uploads)

    def clear_uploads(self) -> None:
        """Forget every uploaded file."""
        with self._lock:
            self._uploads = {}

    # -- collecting -------------------------------------------------------------------
    def collect(self):
        """The class now (:class:`kit.classroom.ClassResults`), reading only what is new
        or changed since the last call."""
        from .classroom import class_results
        with self._lock:
            self._reads_done = 0
            rows, folder_reads = self._collect_folder()
            service_reads = self._collect_service()
            upload_reads = [r for _, (_, r) in sorted(self._uploads.items())]
            bulk = self._bulk[2] if self._compact and self._bulk is not None else None
            key = (tuple(s for s, _ in self._folder_reads.values()),
                   tuple(d for d, _ in self._uploads.values()),
                   tuple((n, c) for n, (c, _) in self._service_reads.items()),
                   self._service_note, tuple(rows), self.folder, self.service is None,
                   self._latest_version if bulk is not None else None)
            self.last_read = self._reads_done
            self.last_refresh = dt.datetime.now(dt.timezone.utc)
            if key == self._last_key and self._last is not None:
                return self._last
            service_rows = [self._service_note] if self._service_note else []
            res = class_results(folder_reads + upload_reads + service_reads,
                                self.casebook, self.folder, rows + service_rows,
                                source=self.source_words(), bulk=bulk)
            if bulk is not None:
                res = self._with_rationales(res)
            self._last = res
            self._last_key = key
            return self._last

    def source_words(self) -> str:
        """What is read, in words ("" for one folder alone: the summary names it)."""
        parts = []
        if self.folder is not None:
            parts.append(shown(self.folder.name or str(self.folder)))
        if self._uploads:
            parts.append(plural(len(self._uploads), "uploaded file"))
        if self.service is not None:
            parts.append(SERVICE_NAME)
        if parts == parts[:1] and self.folder is not None:
            return ""
        if not parts:
            return "no source yet"
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]

    def _collect_folder(self):
        if self.folder is None:
            return [], []
        folder = class_folder(self.folder)
        found, rows = folder_entries(folder)
        reads, kept = [], {}
        for name, path, stamp in found:
            known = self._folder_reads.get(name)
            if known is None or known[0] != stamp or stamp[1] is None:
                known = (stamp, read_file(name, path, self.casebook, self._read_one,
                                          mtime=stamp[2] / 1e9 if stamp[2] else 0.0))
            kept[name] = known
            reads.append(known[1])
        self._folder_reads = kept  # files that are gone are dropped
        return rows, reads

    def _read_one(self, path, casebook):
        self._reads_done += 1
        if self._reader is not None:
            return self._reader(path, casebook)
        from . import classroom  # the reader collect_class uses (replaceable in tests)
        return classroom.read_decision_file(path, casebook)

    # -- uploaded bytes and service records: a private copy, read like a file ---------
    def _private_dir(self) -> Path:
        if self._tmp is None or not self._tmp.is_dir():
            self._tmp = Path(tempfile.mkdtemp(prefix="kit-class-"))  # mode 0700
            weakref.finalize(self, shutil.rmtree, str(self._tmp), True)
        return self._tmp

    def _read_bytes(self, name: str, data: bytes, label: str, name_check=None) -> FileRead:
        """Read ``data`` as the file ``name`` through the reader, from a private copy."""
        if not learner_file(name):
            return FileRead(None, ((label, "not a decision file (.decisions.jsonl, .json or "
                                    ".csv)", "ignored"),))
        suffix = next(s for s in (".decisions.jsonl", ".json", ".csv")
                      if name.lower().endswith(s))
        fd, tmp = tempfile.mkstemp(suffix=suffix, dir=self._private_dir())
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            return read_file(name, tmp, self.casebook, self._read_one, name_check=name_check,
                             shown_as=label)
        finally:
            try:
                os.unlink(tmp)
            except OSError:
                pass

    def _collect_service(self) -> list:
        if self.service is None:
            self._service_note = None
            return []
        if self._compact is not False and hasattr(self.service, "fetch_class_latest"):
            return self._collect_latest()
        try:
            reply = self.service.fetch_class(self.cursor)
            cursor, learners = check_class_reply(reply)
        except Exception as err:  # noqa: BLE001 - the class view goes on with what it has
            when = (self.last_refresh.astimezone().strftime("%H:%M:%S")
                    if self.last_refresh and self._logs else "")
            why = str(err) if isinstance(err, KitDataError) else f"{type(err).__name__}: {err}"
            self._service_note = (SERVICE_NAME, shown(
                f"could not be used ({why}); "
                + (f"its records as of {when} are shown" if self._logs else
                   "nothing from it yet")), "note")
        else:
            self._service_note = None
            if self.cursor is not None and cursor < self.cursor:
                self._logs, self._service_reads = {}, {}  # a new store: start again
                self.cursor = None
                return self._collect_service()
            for who, records in learners.items():
                self._keep(who, records)
            self.cursor = cursor
        reads = []
        for who in sorted(self._logs):
            log = self._logs[who]
            known = self._service_reads.get(who)
            if known is None or known[0] != log[0]:
                known = (log[0], self._read_service_learner(who, log))
                self._service_reads[who] = known
            reads.append(known[1])
        return reads

    # -- the compact path: the latest decisions, column by column, checked in bulk ----------
    def _collect_latest(self) -> list:
        try:
            reply = self.service.fetch_class_latest(self.cursor)
            if (isinstance(reply, dict) and "format" not in reply
                    and isinstance(reply.get("learners"), dict)):
                # an older service: it ignores shape=latest and sends every record
                self._compact, self._latest, self.cursor = False, None, None
                return self._collect_service()
            cursor, table = check_latest_reply(reply, self.casebook)
        except Exception as err:  # noqa: BLE001 - the class view goes on with what it has
            have = self._latest is not None
            when = (self.last_refresh.astimezone().strftime("%H:%M:%S")
                    if self.last_refresh and have else "")
            why = str(err) if isinstance(err, KitDataError) else f"{type(err).__name__}: {err}"
            self._service_note = (SERVICE_NAME, shown(
                f"could not be used ({why}); "
                + (f"its records as of {when} are shown" if have else "nothing from it yet")),
                "note")
        else:
            self._compact, self._service_note = True, None
            if self.cursor is not None and cursor < self.cursor:
                self._latest, self.cursor = None, None   # a new store: start again
                self._latest_version += 1
                return self._collect_latest()
            if self._latest is None or len(table):
                self._reads_done += int(table["learner"].nunique()) if len(table) else 0
                self._latest = _merge_latest(self._latest, table)
                self._latest_version += 1
            self.cursor = cursor
        if self._latest is None:
            return []
        if self._bulk is None or self._bulk[0] != self._latest_version:
            reads, bulk = self._bulk_table(self._latest)
            self._bulk = (self._latest_version, reads, bulk)
        return list(self._bulk[1])

    def _name(self, who: str):
        """A service learner's name as the class uses it (NFC, stripped), or why not."""
        known = self._names.get(who)
        if known is None:
            problem = None
            try:
                check_text(who, "learner", MAX_NAME * 2, empty_ok=False)
                who.encode("utf-8")
            except Bad as b:
                problem = b.text()
            except UnicodeEncodeError as err:
                problem = f"the learner's name cannot be written ({err})"
            known = self._names[who] = (unicodedata.normalize("NFC", who).strip(), problem)
        return known

    def _bulk_table(self, latest):
        """The latest decisions -> (reads, bulk): ``reads`` the problem rows of learners
        whose names cannot be used and, as files, learners whose names become one (each is
        then a conflict, as in a class folder); ``bulk`` every other learner's decisions as
        one table (see :func:`kit.classroom.class_results`), learners sorted, items in
        case-file order."""
        import numpy as np
        import pandas as pd
        from .classfiles import LearnerFile
        from .decisions.checks import vocab_for

        raw = pd.unique(latest["learner"].to_numpy(dtype=object))
        used, reads, as_file = {}, [], set()
        by_name = {}
        for who in raw:
            name, problem = self._name(who)
            if problem is not None:
                reads.append(FileRead(None, ((shown(who) + SERVICE_MARK, shown(problem),
                                              "skipped"),)))
                continue
            used[who] = name
            by_name.setdefault(name, []).append(who)
        for name, group in by_name.items():
            if len(group) > 1:
                as_file.update(group)
        raw_col = latest["learner"]
        keep = raw_col.isin(list(used)).to_numpy()
        if as_file:
            side = raw_col.isin(list(as_file)).to_numpy()
            for who in sorted(as_file):
                rows = latest[(raw_col == who).to_numpy()]
                pos = rows["item_id"].map(vocab_for(self.casebook).item_pos)
                rows = rows.iloc[np.argsort(pos.to_numpy(), kind="stable")]
                reads.append(FileRead(LearnerFile(
                    shown(who) + SERVICE_MARK, used[who], _records(rows, who), "match", 0.0,
                    max(rows["decided_at"])), ()))
            keep = keep & ~side
        t = latest[keep]
        names = t["learner"].map(used) if len(t) else t["learner"]
        order_names = sorted(pd.unique(names.to_numpy(dtype=object)))
        rank = pd.Categorical(names, categories=order_names).codes.astype("int64")
        pos = t["item_id"].map(vocab_for(self.casebook).item_pos).to_numpy(dtype="int64")
        order = np.argsort(rank * (len(self.casebook.item_order) + 1) + pos, kind="stable")
        t = t.iloc[order]
        bulk = pd.DataFrame({
            "learner": names.to_numpy(dtype=object)[order],
            "item_id": t["item_id"].to_numpy(dtype=object),
            "rules": t["rules"].to_numpy(dtype=object),
            "action": t["action"].to_numpy(dtype=object),
            "rationale": np.full(len(t), "", dtype=object),
            "decided_at": t["decided_time"].reset_index(drop=True),
            "revision": t["revision"].to_numpy(dtype="int64"),
            "decided_text": t["decided_at"].to_numpy(dtype=object),
            "label": t["learner"].map({w: shown(w) + SERVICE_MARK for w in used})
                                 .to_numpy(dtype=object),
        })
        return reads, bulk

    def _with_rationales(self, res):
        """The class results with the rationales of the debrief's items, asked of the
        service for those few items only (the compact reply has none)."""
        import pandas as pd
        if not hasattr(self.service, "fetch_rationales") or not len(res.decisions):
            return res
        items = debrief_candidates(res, self.casebook)
        if not items:
            return res
        key = (self._latest_version, tuple(items))
        said = self._said.get(key)
        if said is None:
            try:
                said = check_rationales_reply(self.service.fetch_rationales(items), items)
            except Exception as err:  # noqa: BLE001 - the class view goes on without them
                why = (str(err) if isinstance(err, KitDataError)
                       else f"{type(err).__name__}: {err}")
                note = pd.DataFrame([(SERVICE_NAME, shown(f"its rationales could not be used "
                                                          f"({why})"), "note")],
                                    columns=list(res.problems.columns))
                return dataclasses.replace(res, problems=pd.concat(
                    [res.problems, note], ignore_index=True))
            self._said = {key: said}
        r = res.rationales
        if not said or r is None or not len(r):
            return res
        pick = r["item_id"].isin(items).to_numpy()
        if not pick.any():
            return res
        texts = r["rationale"].to_numpy(dtype=object).copy()
        sub = r[pick]
        got = [said.get((who, item), text) for who, item, text in
               zip(sub["learner"].to_numpy(dtype=object), sub["item_id"].to_numpy(dtype=object),
                   sub["rationale"].to_numpy(dtype=object))]
        texts[pick] = got
        rationales = r.copy()
        rationales["rationale"] = texts
        return dataclasses.replace(res, rationales=rationales)

    def _keep(self, who: str, records: list) -> None:
        """Add ``who``'s new records from the service to their log (kept as the bytes of a
        live log: a header naming them, then one line per record, in the service's order)."""
        log = self._logs.get(who)
        if log is None:
            log = self._logs[who] = [0, bytearray(), None]
            try:
                log[1] += header_line(who)
            except ValueError as err:  # a name that is not text (e.g. a lone surrogate)
                log[2] = f"the learner's name cannot be written ({err})"
        log[0] += len(records)
        if log[2] is None:
            encode = _ENCODER.encode
            try:
                log[1] += b"".join((encode(r) + "\n").encode("utf-8") for r in records)
            except (TypeError, ValueError) as err:
                log[2] = f"a record is not JSON data ({err})"

    def _read_service_learner(self, who: str, log) -> FileRead:
        """One learner's records from the service, checked like their live log: the log
        kept for them (:meth:`_keep`) is read by the reader from a private copy (a problem
        on the log's line n is said of record n - 2, counting from 0)."""
        label = shown(who) + SERVICE_MARK
        try:
            check_text(who, "learner", MAX_NAME * 2, empty_ok=False)
        except Bad as b:
            return FileRead(None, ((label, shown(b.text()), "skipped"),))
        if log[2] is not None:
            return FileRead(None, ((label, shown(log[2]), "skipped"),))
        read = self._read_bytes(f"{who}.decisions.jsonl", bytes(log[1]), label,
                                name_check="match")
        rows = tuple((f, _LINE.sub(lambda m: f"record {int(m.group(1)) - 2}: ", problem, 1),
                      kind) for f, problem, kind in read.rows)
        return FileRead(read.file, rows)


def check_class_reply(reply):
    """The class service's ``api/class`` reply, checked as untrusted input ->
    ``(cursor, {learner: [record dicts]})``; KitDataError naming the field otherwise.

    >>> check_class_reply({"cursor": 3, "learners": {"ana": [{"type": "decision"}]}})
    (3, {'ana': [{'type': 'decision'}]})
    >>> check_class_reply({"cursor": "3", "learners": {}})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kit.errors.KitDataError: the class service, column 'cursor': should be a whole number ...
    """
    def bad(problem, where):
        return KitDataError(problem, file=SERVICE_NAME, column=where)

    if not isinstance(reply, dict):
        raise KitDataError(f"the reply should be a JSON object, not {type(reply).__name__}",
                           file=SERVICE_NAME)
    cursor = reply.get("cursor")
    if isinstance(cursor, bool) or not isinstance(cursor, int) or cursor < 0:
        raise bad(f"should be a whole number >= 0, not {shown(repr(cursor))[:60]}", "cursor")
    learners = reply.get("learners")
    if not isinstance(learners, dict):
        raise bad(f"should be an object of learners, not {type(learners).__name__}",
                  "learners")
    out = {}
    for who, records in learners.items():
        if not isinstance(who, str) or not who.strip():
            raise bad(f"a learner's name should be text, not {shown(repr(who))[:60]}",
                      "learners")
        if not isinstance(records, list):
            raise bad(f"should be a list of records, not {type(records).__name__}",
                      f"learners[{shown(who)!r}]")
        for n, rec in enumerate(records):
            if not isinstance(rec, dict):
                raise bad(f"record {n} should be an object, not {type(rec).__name__}",
                          f"learners[{shown(who)!r}]")
        out[who] = records
    return cursor, out


#: The compact class reply's format (``GET api/class?shape=latest``, see docs/class-service.md).
LATEST_FORMAT = "casebook-kit-class-latest"
LATEST_VERSION = 1
LATEST_TABLES = ("learners", "items", "actions", "rules")
LATEST_COLUMNS = ("learner", "item", "action", "rule_set", "decided_at", "revision")
#: The columns of the latest-decisions table the collector keeps from compact replies.
LATEST_FRAME_COLUMNS = ("learner", "item_id", "action", "rules", "decided_at", "revision",
                        "decided_time")
_DIGITS = (0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22, 23, 24, 25)
_MARKS = {4: b"-", 7: b"-", 10: b"T", 13: b":", 16: b":", 19: b".", 26: b"Z", 27: b"\0"}


def _kit_times(values):
    """Texts that should be times in the kit's form (2024-05-01T12:00:00.000000Z, years
    2000-2200) -> (datetime64 UTC Series, which ones are), checked byte by byte in bulk."""
    import numpy as np
    import pandas as pd
    n = len(values)
    if n == 0:
        return pd.Series([], dtype="datetime64[us, UTC]"), np.zeros(0, dtype=bool)
    try:
        raw = np.array(values, dtype="S28")
        if raw.shape != (n,):
            raise ValueError("not one text per row")
    except (UnicodeEncodeError, ValueError, TypeError):   # not ASCII text: not a time
        raw = np.array([v.encode("utf-8", "replace") if isinstance(v, str) else b"?"
                        for v in values], dtype="S28")
    m = raw.view(np.uint8).reshape(n, 28)
    digits = m[:, list(_DIGITS)]
    ok = ((digits >= 48) & (digits <= 57)).all(axis=1)
    for pos, ch in _MARKS.items():
        ok &= m[:, pos] == ch[0]
    d = m[:, :4].astype(np.int32) - 48
    year = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
    ok &= (year >= 2000) & (year <= 2200)
    text = np.where(ok, raw, b"2000-01-01T00:00:00.000000Z").astype(str)
    parsed = pd.to_datetime(pd.Series(text, dtype=object), format="ISO8601", utc=True,
                            errors="coerce")
    ok &= parsed.notna().to_numpy()   # e.g. month 13
    return parsed.astype("datetime64[us, UTC]"), ok


def _int_column(values, name, size=None, low=0):
    """A list of whole numbers (each in ``low`` .. ``size - 1`` when ``size`` is given) as a
    numpy array; KitDataError naming the column and the first bad row otherwise."""
    import numpy as np

    def bad(row, problem):
        return KitDataError(problem, file=SERVICE_NAME, row=int(row), column=name)

    try:
        arr = np.asarray(values)
    except (ValueError, OverflowError):
        arr = np.asarray(values, dtype=object)
    if len(values) and arr.dtype.kind not in "iu":
        for row, v in enumerate(values):
            if isinstance(v, bool) or not isinstance(v, int):
                raise bad(row, f"should be a whole number, not {shown(repr(v))[:60]}")
        raise bad(0, "whole numbers out of range")
    arr = arr.astype("int64", copy=False) if len(values) else np.zeros(0, dtype="int64")
    wrong = arr < low
    if size is not None:
        wrong |= arr >= size
    if wrong.any():
        row = int(np.argmax(wrong))
        limit = f" and below {size:,}" if size is not None else ""
        raise bad(row, f"should be {low}{limit}, not {int(arr[row])}" if size is not None
                  else f"should be >= {low}, not {int(arr[row])}")
    return arr


def check_latest_reply(reply, casebook):
    """The class service's compact reply (``api/class?shape=latest``), checked in bulk as
    untrusted input against the case file -> ``(cursor, table)``, ``table`` a DataFrame
    with :data:`LATEST_FRAME_COLUMNS` (one row per learner and item; ``rules`` tuples in
    case-file order, ``decided_at`` the kit's time text). KitDataError naming the column
    (and row) on anything else: a wrong shape, an index out of range, an item, action or
    rule not in the case file, a time not in the kit's form, a learner and item twice.

    >>> import kit
    >>> cb = kit.load_casebook()
    >>> reply = {"format": LATEST_FORMAT, "version": 1, "cursor": 4, "learners": ["ana"],
    ...          "items": [cb.item_order[0]], "actions": ["lock"], "rules": [],
    ...          "rule_sets": [[]], "columns": {"learner": [0], "item": [0], "action": [0],
    ...          "rule_set": [0], "decided_at": ["2024-05-01T12:00:00.000000Z"],
    ...          "revision": [1]}}
    >>> cursor, t = check_latest_reply(reply, cb)
    >>> cursor, t.action.tolist(), t.rules.tolist()
    (4, ['lock'], [()])
    >>> reply["columns"]["item"] = [3]
    >>> check_latest_reply(reply, cb)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kit.errors.KitDataError: the class service, row 0, column 'columns.item': should be 0 and below 1, not 3
    """
    import numpy as np
    import pandas as pd
    from .decisions.checks import vocab_for

    def bad(problem, where, row=None):
        return KitDataError(problem, file=SERVICE_NAME, column=where, row=row)

    if not isinstance(reply, dict):
        raise KitDataError(f"the reply should be a JSON object, not {type(reply).__name__}",
                           file=SERVICE_NAME)
    if reply.get("format") != LATEST_FORMAT:
        raise bad(f"should be {LATEST_FORMAT!r}, not {shown(repr(reply.get('format')))[:60]}",
                  "format")
    version = reply.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise bad(f"should be a whole number >= 1, not {shown(repr(version))[:60]}", "version")
    if version > LATEST_VERSION:
        raise bad(f"is {version}, newer than this kit reads ({LATEST_VERSION}): update the "
                  "kit", "version")
    cursor = reply.get("cursor")
    if isinstance(cursor, bool) or not isinstance(cursor, int) or cursor < 0:
        raise bad(f"should be a whole number >= 0, not {shown(repr(cursor))[:60]}", "cursor")
    tables = {}
    for name in LATEST_TABLES:
        values = reply.get(name)
        if not isinstance(values, list):
            raise bad(f"should be a list, not {type(values).__name__}", name)
        for row, v in enumerate(values):
            if not isinstance(v, str):
                raise bad(f"should be text, not {shown(repr(v))[:60]}", name, row)
        if len(set(values)) != len(values):
            raise bad("names the same entry twice", name)
        tables[name] = values
    vocab = vocab_for(casebook)
    for row, item in enumerate(tables["items"]):
        if item not in vocab.item_pos:
            raise bad(f"{shown(repr(item))[:60]} is not an item in the case file", "items", row)
    for row, action in enumerate(tables["actions"]):
        if action not in vocab.ladder:
            raise bad(f"{shown(repr(action))[:60]} is not an action on the ladder", "actions",
                      row)
    for row, rule in enumerate(tables["rules"]):
        if rule not in vocab.rule_pos:
            raise bad(f"{shown(repr(rule))[:60]} is not a rule a post can break in the case "
                      "file", "rules", row)
    sets = reply.get("rule_sets")
    if not isinstance(sets, list):
        raise bad(f"should be a list, not {type(sets).__name__}", "rule_sets")
    rule_sets = np.empty(len(sets), dtype=object)
    for row, s in enumerate(sets):
        if not isinstance(s, list):
            raise bad(f"should be a list of rule indexes, not {type(s).__name__}",
                      "rule_sets", row)
        idx = _int_column(s, f"rule_sets[{row}]", len(tables["rules"]))
        ids = [tables["rules"][i] for i in idx]
        if len(set(ids)) != len(ids):
            raise bad("names a rule twice", "rule_sets", row)
        rule_sets[row] = tuple(sorted(ids, key=vocab.rule_pos.__getitem__))
    cols = reply.get("columns")
    if not isinstance(cols, dict):
        raise bad(f"should be an object of columns, not {type(cols).__name__}", "columns")
    for name in LATEST_COLUMNS:
        if not isinstance(cols.get(name), list):
            raise bad(f"should be a list, not {type(cols.get(name)).__name__}",
                      f"columns.{name}")
    n = len(cols["learner"])
    for name in LATEST_COLUMNS:
        if len(cols[name]) != n:
            raise bad(f"has {len(cols[name]):,} rows; columns.learner has {n:,}",
                      f"columns.{name}")
    li = _int_column(cols["learner"], "columns.learner", len(tables["learners"]))
    ii = _int_column(cols["item"], "columns.item", len(tables["items"]))
    ai = _int_column(cols["action"], "columns.action", len(tables["actions"]))
    si = _int_column(cols["rule_set"], "columns.rule_set", len(sets))
    revision = _int_column(cols["revision"], "columns.revision", low=1)
    times = cols["decided_at"]
    parsed, ok = _kit_times(times)
    if not ok.all():
        row = int(np.argmax(~ok))
        raise bad(f"{shown(repr(times[row]))[:60]} is not a UTC time in the kit's form "
                  "(2024-05-01T12:00:00.000000Z)", "columns.decided_at", row)
    pair = li * max(len(tables["items"]), 1) + ii
    uniq, first = np.unique(pair, return_index=True)
    if len(uniq) != n:
        seen = np.zeros(n, dtype=bool)
        seen[first] = True
        row = int(np.argmax(~seen))
        raise bad("the same learner and item twice (one latest decision each)",
                  "columns.item", row)
    table = pd.DataFrame({
        "learner": np.asarray(tables["learners"] or [""], dtype=object)[li] if n else
        np.zeros(0, dtype=object),
        "item_id": np.asarray(tables["items"] or [""], dtype=object)[ii] if n else
        np.zeros(0, dtype=object),
        "action": np.asarray(tables["actions"] or [""], dtype=object)[ai] if n else
        np.zeros(0, dtype=object),
        "rules": rule_sets[si] if n else np.zeros(0, dtype=object),
        "decided_at": np.asarray(times, dtype=object) if n else np.zeros(0, dtype=object),
        "revision": revision,
        "decided_time": parsed,
    }, columns=list(LATEST_FRAME_COLUMNS))
    return cursor, table


def _merge_latest(old, new):
    """The latest decisions kept so far, updated with a reply's (a learner and item in
    ``new`` replaces its row in ``old``)."""
    import pandas as pd
    if old is None or not len(old):
        return new.reset_index(drop=True)
    if not len(new):
        return old
    both = pd.concat([old, new], ignore_index=True)
    return both.drop_duplicates(["learner", "item_id"], keep="last").reset_index(drop=True)


def _records(rows, who) -> list:
    """Rows of the latest-decisions table -> record dicts as the readers give them."""
    return [{"learner": who, "item_id": r.item_id, "rules": r.rules, "action": r.action,
             "rationale": "", "decided_at": r.decided_at, "revision": int(r.revision)}
            for r in rows.itertuples()]


def debrief_candidates(res, casebook, extra: int = 1) -> list:
    """The items the debrief will likely show (:func:`kit.debrief.division_table`'s order,
    worked out from the class's count table), plus ``extra`` more: whose rationales the
    compact path asks the service for."""
    import numpy as np
    from .debrief import DEBRIEF_ITEMS, MIN_LEARNERS
    dist = res.distribution
    if not len(dist):
        return []
    ladder = list(casebook.ladder)
    counts = (dist.pivot(index="item_id", columns="action", values="count")
              .reindex(index=list(casebook.item_order), columns=ladder, fill_value=0)
              .to_numpy(dtype=float))
    levels = np.array([casebook.action_levels[a] for a in ladder], dtype=float)
    n = counts.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = (counts @ levels) / n
        spread = np.sqrt(np.maximum((counts @ levels ** 2) / n - mean ** 2, 0))
        shares = counts / n[:, None]
        ent = -np.nansum(np.where(shares > 0, shares * np.log(shares), 0.0), axis=1)
    distinct = (counts > 0).sum(axis=1)
    items = list(casebook.item_order)
    rows = [(-round(spread[i], 9), -round(ent[i], 9), -n[i], i) for i in range(len(items))
            if n[i] >= MIN_LEARNERS and distinct[i] >= 2]
    return [items[i] for *_, i in sorted(rows)[:DEBRIEF_ITEMS + extra]]


def check_rationales_reply(reply, items) -> dict:
    """The service's ``api/class/rationales`` reply, checked as untrusted input ->
    ``{(learner as the class names them, item_id): rationale}``; KitDataError naming the
    column and row otherwise."""
    from .decisions.checks import MAX_TEXT

    def bad(problem, where, row=None):
        return KitDataError(problem, file=SERVICE_NAME, column=where, row=row)

    if not isinstance(reply, dict):
        raise KitDataError("the rationales should be a JSON object", file=SERVICE_NAME)
    names = reply.get("learners")
    cols = reply.get("columns")
    if not isinstance(names, list) or not all(isinstance(w, str) for w in names):
        raise bad("should be a list of names", "learners")
    if not isinstance(cols, dict):
        raise bad("should be an object of columns", "columns")
    for c in ("learner", "item_id", "rationale"):
        if not isinstance(cols.get(c), list) or len(cols[c]) != len(cols["learner"] or []):
            raise bad("should be a list as long as columns.learner", f"columns.{c}")
    li = _int_column(cols["learner"], "columns.learner", len(names))
    wanted = set(items)
    out = {}
    for row, (i, item, text) in enumerate(zip(li, cols["item_id"], cols["rationale"])):
        if item not in wanted:
            raise bad(f"{shown(repr(item))[:60]} was not asked for", "columns.item_id", row)
        try:
            check_text(text, "rationale", MAX_TEXT)
        except Bad as b:
            raise bad(b.text(), "columns.rationale", row) from None
        out[(unicodedata.normalize("NFC", names[i]).strip(), item)] = text
    return out
