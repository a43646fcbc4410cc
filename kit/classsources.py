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

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
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
            key = (tuple(s for s, _ in self._folder_reads.values()),
                   tuple(d for d, _ in self._uploads.values()),
                   tuple((n, c) for n, (c, _) in self._service_reads.items()),
                   self._service_note, tuple(rows), self.folder, self.service is None)
            self.last_read = self._reads_done
            self.last_refresh = dt.datetime.now(dt.timezone.utc)
            if key == self._last_key and self._last is not None:
                return self._last
            service_rows = [self._service_note] if self._service_note else []
            self._last = class_results(folder_reads + upload_reads + service_reads,
                                       self.casebook, self.folder, rows + service_rows,
                                       source=self.source_words())
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
