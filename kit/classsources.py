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
# (the reply checks lived here before; their names stay importable from this module)
from .classreplies import (SERVICE_MARK, SERVICE_NAME, bulk_table, check_class_reply,
                           check_latest_reply, check_rationales_reply, debrief_candidates,
                           merge_latest)
from .decisions.checks import MAX_NAME, Bad, check_text
from .decisions.formats import header_line
from .errors import KitDataError
from .words import plural

#: How uploaded files are named in the problems table and conflicts.
UPLOAD_MARK = " (uploaded)"
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
                self._latest = merge_latest(self._latest, table)
                self._latest_version += 1
            self.cursor = cursor
        if self._latest is None:
            return []
        if self._bulk is None or self._bulk[0] != self._latest_version:
            reads, bulk = bulk_table(self._latest, self.casebook, self._name)
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
