"""The class service's HTTP client (:class:`ClassService`) and where to find the service
(:func:`class_service`). The only learner-side code that uses the network (``requests``,
imported only where a class service is configured)."""
from __future__ import annotations

import json
import os
import threading
from urllib.parse import quote, urljoin, urlsplit

from ..environment import detect
from ..errors import KitDataError

SERVICE_ENV = "KIT_CLASS_SERVICE_URL"
SWITCH_ENV = "KIT_CLASS_SERVICE"
SERVICE_NAME = "casebook"
SYNC_FORMAT = "casebook-kit-sync"
SYNC_VERSION = 1
#: (connect, read) timeouts in seconds: a slow service makes the sender wait, never a learner.
TIMEOUT = (3.05, 10.0)


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


    def fetch_class_latest(self, since=None) -> dict:
        """The compact class reply for the teacher: ``GET api/class?shape=latest&since=...``
        -> the latest decision of every learner and item changed after ``since``, column
        by column (see docs/class-service.md). Untrusted: the class view checks it
        (:func:`kit.classsources.check_latest_reply`)."""
        params = {"shape": "latest"}
        if since is not None:
            params["since"] = int(since)
        doc = self._call("GET", "api/class", params=params)
        if not isinstance(doc, dict):
            raise ServiceError("the class service's compact class results are not a JSON "
                               "object", url=self.url)
        return doc

    def fetch_rationales(self, items) -> dict:
        """``GET api/class/rationales?items=...``: the rationales of the latest decisions on
        ``items`` (teachers; the debrief's few items), column by column. Untrusted."""
        doc = self._call("GET", "api/class/rationales", params={"items": ",".join(items)})
        if not isinstance(doc, dict):
            raise ServiceError("the class service's rationales are not a JSON object",
                               url=self.url)
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
