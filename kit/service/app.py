"""The class service's process: settings, the tornado application, ``main``.

Settings come from the command line, else the environment, else defaults:

===================  =========================  ===========================================
option               environment                default
===================  =========================  ===========================================
``--db-url``         ``KIT_SERVICE_DB_URL``     ``sqlite:///<data dir>/casebook-class.sqlite``
``--data-dir``       ``KIT_SERVICE_DATA_DIR``   the current directory
``--teachers-group`` ``KIT_TEACHERS_GROUP``     ``teachers``
``--ip``/``--port``  ``JUPYTERHUB_SERVICE_URL`` what the hub gives (127.0.0.1:10101 outside)
``--prefix``         ``JUPYTERHUB_SERVICE_PREFIX`` ``/services/casebook/``
===================  =========================  ===========================================

The hub connection (API URL, the service's own token, OAuth client) comes from the
``JUPYTERHUB_*`` variables the hub sets for a managed service, or that an admin sets for
an external one (docs/class-service.md).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlparse

from jupyterhub.services.auth import HubAuth, HubOAuth, HubOAuthCallbackHandler
from jupyterhub.utils import url_path_join
from tornado import web
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.httpserver import HTTPServer

from ..casebook import default_casebook
from ..decisions.checks import vocab_for
from . import handlers
from .latest import LatestClass, warm
from .store import Store
from .writer import Writer

log = logging.getLogger("kit.service")
DB_FILE = "casebook-class.sqlite"
#: How long the service trusts a hub token it has checked (s): one hub round trip per
#: learner every 5 minutes instead of every minute (a token the hub revoked still works
#: here for up to this long; see docs/class-service.md).
AUTH_CACHE_S = 300


@dataclass
class Settings:
    db_url: str
    teachers_group: str = "teachers"
    ip: str = "127.0.0.1"
    port: int = 10101
    prefix: str = "/services/casebook/"
    teacher_cache_seconds: float = 10.0
    workers: int = 4


def settings_from(argv=None, env=None) -> Settings:
    """Settings from the command line ``argv`` and the environment ``env``.

    >>> s = settings_from([], {"JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:9999",
    ...                        "KIT_SERVICE_DATA_DIR": "/srv/kit"})
    >>> s.port, s.db_url, s.teachers_group
    (9999, 'sqlite:////srv/kit/casebook-class.sqlite', 'teachers')
    """
    env = os.environ if env is None else env
    p = argparse.ArgumentParser(prog="python -m kit.service",
                                description="The casebook kit's class service for JupyterHub.")
    p.add_argument("--db-url", default=env.get("KIT_SERVICE_DB_URL"),
                   help="SQLAlchemy URL of the database (default: a SQLite file)")
    p.add_argument("--data-dir", default=env.get("KIT_SERVICE_DATA_DIR", "."),
                   help="folder of the default SQLite file")
    p.add_argument("--teachers-group", default=env.get("KIT_TEACHERS_GROUP", "teachers"),
                   help="the hub group whose members are teachers (default: teachers)")
    p.add_argument("--ip", default=None, help="address to listen on (default: from "
                   "JUPYTERHUB_SERVICE_URL, else 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port to listen on (default: from "
                   "JUPYTERHUB_SERVICE_URL, else 10101)")
    p.add_argument("--prefix", default=env.get("JUPYTERHUB_SERVICE_PREFIX",
                                               "/services/casebook/"),
                   help="the path the hub mounts the service at (default: /services/casebook/)")
    a = p.parse_args(argv)
    url = urlparse(env.get("JUPYTERHUB_SERVICE_URL", "") or "http://127.0.0.1:10101")
    db_url = a.db_url or "sqlite:///" + str(Path(a.data_dir).absolute() / DB_FILE)
    prefix = a.prefix if a.prefix.endswith("/") else a.prefix + "/"
    return Settings(db_url=db_url, teachers_group=a.teachers_group,
                    ip=a.ip or url.hostname or "127.0.0.1", port=a.port or url.port or 10101,
                    prefix=prefix)


class Teachers:
    """Who is a teacher: the members of the hub group, asked with the service's own token
    and remembered for a few seconds."""

    def __init__(self, hub_auth: HubAuth, group: str, max_age: float):
        self.hub_auth, self.group, self.max_age = hub_auth, group, max_age
        self._members, self._when = frozenset(), None
        self._lock = asyncio.Lock()

    async def has(self, name: str) -> bool:
        return name in await self.members()

    async def members(self) -> frozenset:
        async with self._lock:
            if self._when is None or time.monotonic() - self._when > self.max_age:
                self._members = await self._fetch()
                self._when = time.monotonic()
            return self._members

    async def _fetch(self) -> frozenset:
        url = url_path_join(self.hub_auth.api_url, "groups", quote(self.group, safe=""))
        req = HTTPRequest(url, headers={"Authorization": f"token {self.hub_auth.api_token}"})
        try:
            resp = await AsyncHTTPClient().fetch(req)
        except HTTPClientError as e:
            if e.code == 404:
                log.warning("the hub has no group %r: nobody is a teacher", self.group)
                return frozenset()
            raise web.HTTPError(503, "the hub could not say who the teachers are "
                                f"(HTTP {e.code}); check the service's role") from None
        return frozenset(json.loads(resp.body).get("users", []))


class State:
    """What every handler shares."""

    def __init__(self, settings: Settings, store: Store):
        self.settings, self.store = settings, store
        self.vocab = vocab_for(default_casebook())
        name = os.environ.get("JUPYTERHUB_SERVICE_NAME") or "casebook"
        kw = {"cache_max_age": AUTH_CACHE_S, "base_url": settings.prefix}
        if not (os.environ.get("JUPYTERHUB_OAUTH_ACCESS_SCOPES")
                or os.environ.get("JUPYTERHUB_OAUTH_SCOPES")):
            # a token must give access to this service (also when it runs external)
            kw["access_scopes"] = {f"access:services!service={name}"}
        self.hub_auth = HubAuth(**kw)
        # one HubOAuth for the page and the OAuth callback: it remembers the login states
        self.hub_oauth = HubOAuth.instance(
            **kw, oauth_client_id=os.environ.get("JUPYTERHUB_CLIENT_ID") or f"service-{name}")
        self.teachers = Teachers(self.hub_auth, settings.teachers_group,
                                 settings.teacher_cache_seconds)
        self.pool = ThreadPoolExecutor(settings.workers, thread_name_prefix="kit-db")
        # the writer's own thread: saves never queue behind a teacher's class read
        self.write_pool = ThreadPoolExecutor(1, thread_name_prefix="kit-write")
        self.writer = Writer(store, self.write_pool)
        # the class as the compact reply sends it, kept in memory (read when the service starts)
        self.latest = LatestClass()


def make_app(state: State) -> web.Application:
    """The tornado application for the service mounted at ``state.settings.prefix``."""
    pre = state.settings.prefix
    kw = {"state": state}
    routes = [
        (pre + "api/status", handlers.StatusHandler, kw),
        (pre + "api/records", handlers.RecordsHandler, kw),
        (pre + r"api/records/([^/]+)", handlers.LearnerHandler, kw),
        (pre + "api/class", handlers.ClassHandler, kw),
        (pre + "api/class/rationales", handlers.RationalesHandler, kw),
        (pre + r"api/class\.csv", handlers.ClassCsvHandler, kw),
        (pre + "oauth_callback", HubOAuthCallbackHandler),
        (pre, handlers.PageHandler, kw),
        (pre.rstrip("/"), web.RedirectHandler, {"url": pre}),
    ]
    # The login cookie is the hub's OAuth token, signed with a secret of this process: after
    # a restart the browser signs in again through the hub, without a question.
    return web.Application(routes, cookie_secret=os.urandom(32), log_function=log_request)


def log_request(handler) -> None:
    """The access log: refusals, errors and slow requests (over a second) as the hub logs
    them; a class's thousands of ordinary saves only at debug level."""
    status = handler.get_status()
    ms = 1000.0 * handler.request.request_time()
    level = (logging.ERROR if status >= 500 else logging.WARNING if status >= 400
             else logging.INFO if ms > 1000 else logging.DEBUG)
    access = logging.getLogger("tornado.access")
    if access.isEnabledFor(level):
        access.log(level, "%d %s %.1fms", status, handler._request_summary(), ms)


def main(argv=None) -> None:
    """Run the service until SIGTERM or SIGINT (``python -m kit.service``)."""
    logging.basicConfig(level=logging.INFO, format="[%(levelname)1.1s %(asctime)s "
                        "%(name)s] %(message)s")
    settings = settings_from(argv)
    if not os.environ.get("JUPYTERHUB_API_TOKEN"):
        raise SystemExit("the class service needs its hub API token in JUPYTERHUB_API_TOKEN "
                         "(the hub sets it for a managed service; see docs/class-service.md)")
    store = Store(settings.db_url)
    log.info("class service: storing in %r, teachers are the hub group %r", store,
             settings.teachers_group)
    asyncio.run(_serve(settings, store))


async def _serve(settings: Settings, store: Store) -> None:
    state = State(settings, store)
    server = HTTPServer(make_app(state), xheaders=True)
    server.listen(settings.port, settings.ip)
    loop = asyncio.get_running_loop()
    loop.run_in_executor(state.pool, warm, state.latest, store)
    log.info("class service listening on http://%s:%s%s", settings.ip, settings.port,
             settings.prefix)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.stop()
    await state.writer.close()       # store what was queued
    state.pool.shutdown(wait=True)
    state.write_pool.shutdown(wait=True)
    store.close()
    log.info("class service stopped")
