"""The learner side of the class service: saved work goes to the class in the background.

On a JupyterHub that runs the kit's class service (``python -m kit.service``), every
decision and answer a learner saves (the desk, quiz, survey, attribution board, or a
direct :meth:`kit.DecisionLog.record`) is also sent to the service, with no learner action
and without making the learner wait:

- the local log stays the source of truth; a save returns as soon as it is on disk, and
  one background thread per process (:class:`Sender`) sends the new records;
- what could not be sent (service down, network gone) is retried on later saves, every
  little while (10 s, then longer, up to 5 min) and when a log is opened again (a new
  kernel, a new desk); failures never raise into the learner's cell;
- sending is idempotent: each record is named by :func:`kit.decisions.formats.record_id`
  and the service stores a record once however often it arrives;
- what the service has acknowledged is remembered in a small hidden side file beside
  the log (``.<log name>.sent``), only to avoid re-sending: if it is lost or damaged,
  everything is sent again and the service keeps one copy;
- :func:`status` tells the desk what to show ("Sent to your class." or "Saved on this
  computer; it will be sent when the class service is reachable.").

Off a hub (no ``JUPYTERHUB_API_TOKEN``/``JUPYTERHUB_USER``), :func:`class_service` is
None: the kit then behaves exactly as without this module and makes no request.
``KIT_CLASS_SERVICE_URL`` names the service (the shipped ``jupyterhub_config.py`` sets
it for every learner's server); without it the hub is asked whether a service named
``casebook`` exists. ``KIT_CLASS_SERVICE=off`` turns sending off.

The teacher's side is :meth:`ClassService.fetch_class`: the class's records for the
class view (``kit.classroom``, the ClassDashboard).

This is the only learner-side module that uses the network (``requests``).

>>> class_service({}) is None                      # not on a hub: no client, no request
True
>>> status_of_nothing = status(None)
>>> status_of_nothing.state, status_of_nothing.sentence
('off', '')
"""
from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

from .environment import detect
from .errors import KitDataError

SERVICE_ENV = "KIT_CLASS_SERVICE_URL"
SWITCH_ENV = "KIT_CLASS_SERVICE"
SERVICE_NAME = "casebook"
SYNC_FORMAT = "casebook-kit-sync"
SYNC_VERSION = 1
STATE_FORMAT = "casebook-kit-sync-state"
#: (connect, read) timeouts in seconds: a slow service makes the sender wait, never a learner.
TIMEOUT = (3.05, 10.0)
#: The service takes at most 5,000 records and 2 MB per request; the sender stays below.
MAX_BATCH = 5000
MAX_BATCH_BYTES = 1_500_000
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


class ServiceError(KitDataError):
    """The class service could not be used (unreachable, refused, or a reply we cannot read).
    ``status`` is the HTTP status code, or None when no answer came."""

    def __init__(self, msg, status=None, url=""):
        self.status = status
        super().__init__(msg, file=url or None)


# --------------------------------------------------------------------------- the client

def _requests():
    import requests  # only imported where a class service is configured
    return requests


class ClassService:
    """A client of the class service at ``url`` (ending in ``/services/casebook/``), acting
    as hub user ``user`` with hub API token ``token``.

    >>> svc = ClassService("http://127.0.0.1:9/services/casebook", "t0ken", "ana")
    >>> svc.url, svc.user
    ('http://127.0.0.1:9/services/casebook/', 'ana')
    """

    def __init__(self, url: str, token: str, user: str, timeout=TIMEOUT):
        url = str(url).strip()
        if urlsplit(url).scheme not in ("http", "https"):
            raise KitDataError(f"the class service address should start with http:// or "
                               f"https://, not {url!r} (check {SERVICE_ENV})")
        self.url = url if url.endswith("/") else url + "/"
        self.user = user
        self.timeout = timeout
        self._token = token
        self._local = threading.local()   # one requests.Session per thread

    def __repr__(self):
        return f"ClassService({self.url!r}, user={self.user!r})"

    def _session(self):
        s = getattr(self._local, "session", None)
        if s is None:
            s = _requests().Session()
            s.headers["Authorization"] = f"token {self._token}"
            s.headers["Accept"] = "application/json"
            s.trust_env = False if urlsplit(self.url).hostname in ("127.0.0.1", "localhost") \
                else True
            self._local.session = s
        return s

    def _call(self, method, path, **kw):
        requests = _requests()
        url = urljoin(self.url, path)
        try:
            r = self._session().request(method, url, timeout=self.timeout,
                                        allow_redirects=False, **kw)
        except requests.RequestException as e:
            raise ServiceError(f"the class service cannot be reached ({type(e).__name__})",
                               url=url) from None
        if r.status_code >= 300:
            raise ServiceError(_refusal(r), status=r.status_code, url=url)
        try:
            return r.json()
        except ValueError:
            raise ServiceError("the class service's answer is not JSON", status=r.status_code,
                               url=url) from None

    def service_status(self) -> dict:
        """``GET api/status``: who the service takes us for (``user``, ``teacher``)."""
        doc = self._call("GET", "api/status")
        if not isinstance(doc, dict) or doc.get("service") != SERVICE_NAME:
            raise ServiceError("this address does not answer like the kit's class service",
                               url=self.url)
        return doc

    def send(self, records) -> dict:
        """``POST api/records`` with ``records`` (parsed log lines) as this user; returns the
        reply (``stored``, ``known``, ``ids``). Raises :class:`ServiceError`."""
        body = {"format": SYNC_FORMAT, "version": SYNC_VERSION, "learner": self.user,
                "records": list(records)}
        data = json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8")
        doc = self._call("POST", "api/records", data=data,
                         headers={"Content-Type": "application/json; charset=utf-8"})
        if not isinstance(doc, dict) or not isinstance(doc.get("ids"), list):
            raise ServiceError("the class service's reply has no record ids", url=self.url)
        return doc

    def records_of(self, learner=None) -> dict:
        """``GET api/records/<learner>`` (default: this user): their records as stored."""
        who = self.user if learner is None else str(learner)
        return self._call("GET", "api/records/" + quote(who, safe=""))

    def fetch_class(self, since=None) -> dict:
        """The class's records for the teacher: ``GET api/class?since=<cursor>`` ->
        ``{"cursor": int, "learners": {name: [record, ...]}}`` with every record stored
        after ``since`` (all when None). Only teachers may read it: otherwise a
        :class:`ServiceError` (status 403) says so. The records are untrusted input."""
        params = {} if since is None else {"since": int(since)}
        doc = self._call("GET", "api/class", params=params)
        if (not isinstance(doc, dict) or type(doc.get("cursor")) is not int
                or not isinstance(doc.get("learners"), dict)
                or not all(isinstance(v, list) for v in doc["learners"].values())):
            raise ServiceError("the class service's class results are not in the expected "
                               "form ({'cursor': ..., 'learners': {...}})", url=self.url)
        return doc


def _refusal(r) -> str:
    detail = ""
    try:
        doc = r.json()
        if isinstance(doc, dict):
            detail = str(doc.get("message") or doc.get("error") or "")[:300]
    except ValueError:
        pass
    why = {401: "it does not accept this hub token", 403: "it does not allow this",
           404: "it has no such page", 413: "the request is too big"}.get(r.status_code, "")
    text = f"the class service answered {r.status_code}"
    if why:
        text += f" ({why})"
    return text + (f": {detail}" if detail else "")


def class_service(environ=None):
    """The class service client for this learner's server, or None (not on a hub, on Binder,
    ``KIT_CLASS_SERVICE=off``, or no service): see the module text. Without
    ``KIT_CLASS_SERVICE_URL`` this asks the hub (one short request) whether the service
    exists; off a hub it makes no request at all.

    >>> env = {"JUPYTERHUB_API_TOKEN": "t", "JUPYTERHUB_USER": "ana",
    ...        "KIT_CLASS_SERVICE_URL": "http://127.0.0.1:8000/services/casebook/"}
    >>> class_service(env)
    ClassService('http://127.0.0.1:8000/services/casebook/', user='ana')
    >>> class_service({**env, "KIT_CLASS_SERVICE": "off"}) is None
    True
    """
    env = os.environ if environ is None else environ
    token = env.get("JUPYTERHUB_API_TOKEN", "").strip()
    user = env.get("JUPYTERHUB_USER", "").strip()
    if not token or not user or env.get(SWITCH_ENV, "").strip().lower() in ("off", "0", "no"):
        return None
    if detect(env, {}).binder:    # Binder's hub user is random, and it runs no class service
        return None
    url = env.get(SERVICE_ENV, "").strip()
    if url:
        return ClassService(url, token, user)
    return _ask_hub(env, token, user)


def _ask_hub(env, token, user):
    """The service's address from the hub's API (``GET services/casebook``), or None."""
    api = env.get("JUPYTERHUB_API_URL", "").strip()
    if not api:
        return None
    requests = _requests()
    try:
        r = requests.get(urljoin(api.rstrip("/") + "/", f"services/{SERVICE_NAME}"),
                         headers={"Authorization": f"token {token}"}, timeout=TIMEOUT,
                         allow_redirects=False)
        model = r.json() if r.status_code == 200 else None
    except (requests.RequestException, ValueError):
        return None
    if not isinstance(model, dict):
        return None
    prefix = str(model.get("prefix") or f"/services/{SERVICE_NAME}/")
    public = env.get("JUPYTERHUB_PUBLIC_URL", "").strip()
    if public:
        base = "{0.scheme}://{0.netloc}".format(urlsplit(public))
    elif model.get("url"):     # a hub-managed service: its own address, behind the proxy's path
        base = "{0.scheme}://{0.netloc}".format(urlsplit(str(model["url"])))
    else:
        return None
    return ClassService(urljoin(base + "/", prefix.lstrip("/")), token, user)


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
        from .decisions.checks import same_name
        user = self.user()
        try:
            return bool(user) and same_name(log.learner, user)
        except Exception:  # noqa: BLE001 - an odd log is simply not sent
            return False

    def saw(self, event, log, line=None) -> None:
        """The save listener: queue a saved line (or an opened log) for sending."""
        if self._closed or not self._mine(log):
            return
        path = Path(os.path.abspath(log.path))
        with self._cond:
            track = self._tracks.get(path)
            if track is None:
                track = self._tracks[path] = _Track(path, self.user())
            elif event == "opened" and track.scanned:
                if not track.unsent and not track.incoming:
                    return           # known and all sent: nothing to do for a re-open
            if line is not None:
                track.incoming.append(line)
            self._dirty.add(path)
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
        path = Path(os.path.abspath(log.path))
        with self._cond:
            track = self._tracks.get(path)
            if track is None:
                track = self._tracks[path] = _Track(path, self.user())
                self._dirty.add(path)
                self._start()
                self._cond.notify_all()
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
        from .decisions.formats import record_id
        if not t.scanned:
            records = _read_records(t.path, t.learner)
            acked = _read_state(t.path, svc)
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
                rec = _normalise(line)
                if rec is not None:
                    rid = record_id(svc.user, rec)
                    if rid not in t.acked and rid not in t.refused:
                        t.unsent.setdefault(rid, rec)
            todo = list(t.unsent.items())
            t.sending = bool(todo)
        self._changed(t, before)
        ok = True
        try:
            for batch in _batches(todo):
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
                _write_state(t.path, svc, t.acked)
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
        _write_state(t.path, svc, t.acked)
        return True


def _batches(todo):
    batch, size = [], 0
    for rid, rec in todo:
        n = len(json.dumps(rec, ensure_ascii=False).encode("utf-8")) + 2
        if batch and (len(batch) >= MAX_BATCH or size + n > MAX_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append((rid, rec))
        size += n
    if batch:
        yield batch


def _normalise(line: bytes):
    """A log line as the service receives it: parsed, checked and written back as the kit
    writes it (so a record read back from the file has the same id), or None."""
    from .decisions.checks import Bad
    from .decisions.formats import parse_line, parse_record, record_line
    try:
        return json.loads(record_line(parse_record(parse_line(line.rstrip(b"\r\n")))))
    except (Bad, ValueError, KeyError):
        return None


def _read_records(path: Path, learner: str):
    """Every complete record in the log at ``path`` (read-only; nothing is changed), or []
    when the file is missing, unreadable or another learner's."""
    from .decisions import files
    from .decisions.checks import same_name
    from .decisions.formats import parse_log, record_line
    from .decisions.log import MAX_LOG_BYTES
    try:
        fd = os.open(path, os.O_RDONLY | files.NOFOLLOW | getattr(os, "O_BINARY", 0))
    except OSError:
        return []
    try:
        raw = files.read_all(fd, MAX_LOG_BYTES)
        parsed = parse_log(raw)
    except Exception:  # noqa: BLE001 - the log itself tells the learner what is wrong
        return []
    finally:
        os.close(fd)
    if parsed.header is not None and not same_name(parsed.header["learner"], learner):
        return []
    return [json.loads(record_line(r)) for _, r in parsed.records]


def state_path(log_path) -> Path:
    """The side file remembering what the service acknowledged: ``.<log name>.sent``."""
    p = Path(log_path)
    return p.with_name(f".{p.name}.sent")


def _read_state(log_path, svc) -> set:
    try:
        doc = json.loads(state_path(log_path).read_bytes()[:20_000_000].decode("utf-8"))
        if (isinstance(doc, dict) and doc.get("format") == STATE_FORMAT
                and doc.get("service") == svc.url and doc.get("learner") == svc.user
                and isinstance(doc.get("ids"), list)):
            return {i for i in doc["ids"] if isinstance(i, str) and len(i) == 64}
    except (OSError, ValueError):
        pass
    return set()        # lost or damaged: everything is sent again (the service dedups)


def _write_state(log_path, svc, ids) -> None:
    from .decisions import files
    doc = {"format": STATE_FORMAT, "version": 1, "service": svc.url, "learner": svc.user,
           "ids": sorted(ids)}
    try:
        files.atomic_write(state_path(log_path), json.dumps(doc).encode("utf-8"))
    except OSError:
        pass            # only an optimisation: the next start re-sends, the service dedups


# --------------------------------------------------------------------------- this process

_sender = None
_sender_lock = threading.Lock()


def sender():
    """This process's :class:`Sender`, or None off a hub (no request is ever made then)."""
    global _sender
    env = os.environ
    if not env.get("JUPYTERHUB_API_TOKEN", "").strip() or not env.get("JUPYTERHUB_USER", ""
                                                                       ).strip():
        return None
    if env.get(SWITCH_ENV, "").strip().lower() in ("off", "0", "no"):
        return None
    with _sender_lock:
        if _sender is None:
            _sender = Sender(class_service)
        return _sender


def _listener(event, log, line=None) -> None:
    s = sender()
    if s is not None:
        s.saw(event, log, line)


def status(log) -> Status:
    """What to tell the learner about ``log``: :class:`Status` with ``state`` ``"sent"``
    ("Sent to your class."), ``"pending"`` ("Saved on this computer; it will be sent when
    the class service is reachable.") or ``"off"`` (no class service; nothing to show)."""
    s = sender() if log is not None else None
    return OFF if s is None else s.status(log)


def watch(log, fn) -> None:
    """Call ``fn(status)`` whenever ``log``'s status changes (no-op without a service)."""
    s = sender()
    if s is not None and log is not None:
        s.watch(log, fn)


def install() -> None:
    """Hear every save of every :class:`kit.DecisionLog` in this process (done when
    ``kit`` is imported on a hub; calling it again does nothing)."""
    from .decisions.log import add_save_listener
    add_save_listener(_listener)
