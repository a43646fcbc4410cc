"""The background sender: one daemon thread per process sends saved records, retries.

See :mod:`kit.sync` for what it promises; the files it reads and writes are in
:mod:`kit.sync.local` (read-only on the learner's log).
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .client import ClassService, ServiceError
from .local import batches, normalise, read_records, read_state, write_state

#: Seconds between retries while something is unsent (the last one repeats).
RETRY_SECONDS = (10, 30, 60, 120, 300)

SENT = "Sent to your class."
PENDING = "Saved on this computer; it will be sent when the class service is reachable."
SENDING = "Saved on this computer; sending it to your class…"


@dataclass(frozen=True)
class Status:
    """What the desk shows about a log: ``state`` is ``"sent"``, ``"pending"`` or ``"off"``
    (no class service: nothing to show), ``sentence`` the words for the learner, ``unsent``
    how many records wait to be sent and ``problem`` the last failure (for teachers)."""

    state: str
    sentence: str = ""
    unsent: int = 0
    problem: str = ""


OFF = Status("off")


# --------------------------------------------------------------------------- the sender

class _Track:
    """What the sender knows about one log file."""

    def __init__(self, path: Path, learner: str):
        self.path = path
        self.learner = learner
        self.scanned = False       # the file has been read since this process started
        self.incoming = []         # saved lines not looked at yet
        self.unsent = {}           # record id -> record, in file order
        self.acked = set()         # ids the service has acknowledged
        self.refused = {}          # record id -> the service's reason (kept only locally)
        self.sending = False
        self.problem = ""          # the last failure, "" after a success
        self.watchers = []


class Sender:
    """Sends saved records of hub user ``service.user``'s logs to the class service, in one
    background daemon thread (started on first use). ``service`` is a :class:`ClassService`,
    or a function returning one or None (asked once, in the thread).

    :meth:`saw` is the save listener (it only queues and returns); :meth:`status` what the
    desk shows; :meth:`watch` calls a function when a log's status changes; :meth:`wait`
    waits until the thread has nothing left to try (for tests and the end of a lesson).
    """

    def __init__(self, service, retry_seconds=RETRY_SECONDS):
        self._service_arg = service
        self._service = service if isinstance(service, ClassService) else None
        self._resolved = isinstance(service, ClassService) or service is None
        self._retry = tuple(retry_seconds)
        self._cond = threading.Condition()
        self._tracks = {}          # path -> _Track
        self._dirty = set()
        self._failures = 0
        self._next_retry = None
        self._busy = False
        self._thread = None
        self._closed = False
        #: How many send requests were made (for tests and benchmarks).
        self.requests = 0

    # -- the listener side (learner's thread: never blocks, never raises) ----------------
    def user(self):
        svc = self._service
        if svc is not None:
            return svc.user
        return os.environ.get("JUPYTERHUB_USER", "").strip() or None

    def _mine(self, log) -> bool:
        from ..decisions.checks import same_name
        user = self.user()
        try:
            return bool(user) and same_name(log.learner, user)
        except Exception:  # noqa: BLE001 - an odd log is simply not sent
            return False

    def saw(self, event, log, line=None) -> None:
        """The save listener: queue a saved line (or an opened log) for sending."""
        if self._closed or not self._mine(log):
            return
        with self._cond:
            track, new = self._track(log)
            if not new and event == "opened" and track.scanned \
                    and not track.unsent and not track.incoming:
                return               # known and all sent: nothing to do for a re-open
            if line is not None:
                track.incoming.append(line)
            self._wake(track)

    def _track(self, log):
        """``log``'s :class:`_Track` and whether it is new (call with ``_cond`` held)."""
        path = Path(os.path.abspath(log.path))
        track = self._tracks.get(path)
        if track is not None:
            return track, False
        track = self._tracks[path] = _Track(path, self.user())
        return track, True

    def _wake(self, track) -> None:
        """Have the sender look at ``track`` (call with ``_cond`` held)."""
        self._dirty.add(track.path)
        self._start()
        self._cond.notify_all()

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="kit-sync", daemon=True)
            self._thread.start()

    def status(self, log) -> Status:
        """The log's :class:`Status` (never blocks on the network)."""
        if log is None or not self._mine(log):
            return OFF
        if self._resolved and self._service is None:
            return OFF
        path = Path(os.path.abspath(log.path))
        with self._cond:
            track = self._tracks.get(path)
            if track is None:     # not seen yet (opened before sending began): look at it now
                track = self._tracks[path] = _Track(path, self.user())
                self._dirty.add(path)
                self._start()
                self._cond.notify_all()
            return self._status(track)

    def _status(self, t: _Track) -> Status:
        if self._resolved and self._service is None:
            return OFF
        n = len(t.unsent) + len(t.incoming)
        if n == 0 and t.scanned and not t.acked and not t.refused:
            return Status("sent", "")      # nothing saved yet: nothing to tell
        if n == 0 and t.scanned:
            extra = ""
            if t.refused:
                extra = (f" ({len(t.refused)} record(s) were refused by the class service and "
                         f"stay saved on this computer only: {next(iter(t.refused.values()))})")
            return Status("sent", SENT + extra, 0, "")
        sentence = SENDING if not t.problem else PENDING
        return Status("pending", sentence, n, t.problem)

    def watch(self, log, fn) -> None:
        """Call ``fn(status)`` (from the sender's thread) whenever ``log``'s status changes."""
        if not self._mine(log):
            return
        with self._cond:
            track, new = self._track(log)
            if new:
                self._wake(track)
            track.watchers.append(fn)

    def wait(self, timeout=60.0) -> bool:
        """Wait until nothing is queued or being sent (failures wait for their retry);
        True when idle."""
        end = time.monotonic() + timeout
        with self._cond:
            while self._dirty or self._busy:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def retry_now(self) -> None:
        """Try every unsent record again now (e.g. when the service is back)."""
        with self._cond:
            self._dirty.update(p for p, t in self._tracks.items() if t.unsent or t.incoming
                               or not t.scanned)
            self._next_retry = None
            self._start()
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    # -- the thread ------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._dirty and not self._closed:
                    wait = None
                    if self._next_retry is not None:
                        wait = self._next_retry - time.monotonic()
                        if wait <= 0:
                            self._next_retry = None
                            self._dirty.update(p for p, t in self._tracks.items()
                                               if t.unsent or t.incoming)
                            continue
                    self._cond.wait(wait)
                if self._closed:
                    return
                paths = sorted(self._dirty)
                self._dirty.clear()
                self._busy = True
            failed = False
            try:
                if not self._resolved:
                    try:
                        self._service = self._service_arg()
                    except Exception:  # noqa: BLE001 - no service: off
                        self._service = None
                    self._resolved = True
                for path in paths:
                    failed |= not self._sync(self._tracks[path])
            except Exception:  # noqa: BLE001 - the thread must live on
                failed = True
            finally:
                with self._cond:
                    self._busy = False
                    if failed:
                        delay = self._retry[min(self._failures, len(self._retry) - 1)]
                        self._failures += 1
                        self._next_retry = time.monotonic() + delay
                    elif not any(t.unsent or t.incoming for t in self._tracks.values()):
                        self._failures = 0
                        self._next_retry = None
                    self._cond.notify_all()

    def _changed(self, t: _Track, before: Status) -> None:
        now = self._status(t)
        if now != before:
            for fn in list(t.watchers):
                try:
                    fn(now)
                except Exception:  # noqa: BLE001 - a watcher never stops the sender
                    pass

    def _sync(self, t: _Track) -> bool:
        """Send what ``t`` has unsent; False when something is left for a retry."""
        svc = self._service
        with self._cond:
            before = self._status(t)
        if svc is None:
            with self._cond:
                t.incoming.clear()
            self._changed(t, before)
            return True
        from ..decisions.formats import record_id
        if not t.scanned:
            records = read_records(t.path, t.learner)
            acked = read_state(t.path, svc)
            with self._cond:
                t.acked |= acked
                for rec in records:
                    rid = record_id(svc.user, rec)
                    if rid not in t.acked and rid not in t.refused:
                        t.unsent.setdefault(rid, rec)
                t.scanned = True
        with self._cond:
            lines, t.incoming = t.incoming, []
            for line in lines:
                rec = normalise(line)
                if rec is not None:
                    rid = record_id(svc.user, rec)
                    if rid not in t.acked and rid not in t.refused:
                        t.unsent.setdefault(rid, rec)
            todo = list(t.unsent.items())
            t.sending = bool(todo)
        self._changed(t, before)
        ok = True
        try:
            for batch in batches(todo):
                before = self._status(t)
                try:
                    self.requests += 1
                    svc.send([rec for _, rec in batch])
                except ServiceError as e:
                    if e.status == 400 and len(batch) > 1:
                        ok &= self._send_one_by_one(svc, t, batch)
                        continue
                    if e.status == 400:
                        with self._cond:
                            rid = batch[0][0]
                            t.refused[rid] = str(e)
                            t.unsent.pop(rid, None)
                        continue
                    with self._cond:
                        t.problem = str(e)
                    self._changed(t, before)
                    return False
                with self._cond:
                    for rid, _ in batch:
                        t.acked.add(rid)
                        t.unsent.pop(rid, None)
                    t.problem = ""
                write_state(t.path, svc, t.acked)
                self._changed(t, before)
        finally:
            with self._cond:
                t.sending = False
        return ok

    def _send_one_by_one(self, svc, t, batch) -> bool:
        """After a 400 for a batch: send its records one at a time, to keep the good ones."""
        for rid, rec in batch:
            try:
                self.requests += 1
                svc.send([rec])
            except ServiceError as e:
                if e.status != 400:
                    with self._cond:
                        t.problem = str(e)
                    return False
                with self._cond:
                    t.refused[rid] = str(e)
                    t.unsent.pop(rid, None)
                continue
            with self._cond:
                t.acked.add(rid)
                t.unsent.pop(rid, None)
        write_state(t.path, svc, t.acked)
        return True
