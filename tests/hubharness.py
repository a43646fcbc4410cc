"""A real JupyterHub 6.1.1 for tests: dummy login, local servers, the kit's class service.

:class:`Hub` starts ``jupyterhub`` in a temporary folder from a config that loads the
shipped kit/share/jupyterhub_config.py (so the tests run the service hub-managed exactly
as a school would) and adds, for the test only: the dummy authenticator with a password,
the simple local-process spawner (one home folder per user under ``root/home``), the
proxy from ``$KIT_TEACHER_CHP`` ... see :func:`proxy_command`, free loopback ports, a
temporary hub database and cookie secret, and an admin-like service ``harness`` whose
token the harness uses to manage users and tokens.

Users: three learners (:data:`LEARNERS`) and a teacher (:data:`TEACHER`, in the teachers
group), all with the password :data:`PASSWORD`.

Fixtures (import them into a test module: ``from hubharness import class_hub``):

``class_hub``  (module scope) a started :class:`Hub` storing in SQLite; skipped when the
               proxy is missing, unless ``KIT_REQUIRE_BROWSER=1`` (then it fails).

:func:`postgres_database` gives a fresh PostgreSQL database (``$KIT_TEST_POSTGRES_URL``)
for ``Hub(root, db_url=...)``; :func:`drop_database` removes it.

Use in a test::

    def test_x(class_hub):
        token = class_hub.token("ana")              # a hub API token of ana's
        r = class_hub.service("GET", "api/status", token)
        server = class_hub.spawn("ana")             # ana's single-user server (URL)

Single-user servers and their kernels import THIS checkout's kit (``PYTHONPATH``), run
in ``root/home/<name>`` (their ``HOME`` and working folder), keep decisions in
``root/home/<name>/my-decisions`` (``KIT_DECISIONS_DIR``; :meth:`Hub.decisions`), and get
``KIT_CLASS_SERVICE_URL`` from the shipped config. Anything in ``extra_env`` (a
:class:`Hub` argument) is added to the servers' environment (and may override those).
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import requests

REPO = Path(__file__).resolve().parent.parent
SHIPPED_CONFIG = REPO / "kit" / "share" / "jupyterhub_config.py"
LEARNERS = ("ana", "ben", "cleo")
TEACHER = "tess"
USERS = LEARNERS + (TEACHER,)
PASSWORD = "casebook-test-password"
SERVICE = "casebook"
WAIT = 120  # seconds to wait for a process to come up (a limit, never an assertion)


def required() -> bool:
    """Whether missing infrastructure must fail the tests instead of skipping them (CI)."""
    return os.environ.get("KIT_REQUIRE_BROWSER") == "1"


def missing(what: str):
    """Skip (locally) or fail (``KIT_REQUIRE_BROWSER=1``) for lack of ``what``."""
    if required():
        pytest.fail(f"{what} is required (KIT_REQUIRE_BROWSER=1); run tests/services.sh")
    pytest.skip(f"{what} is not available (run tests/services.sh and export what it prints)")


def proxy_command():
    """The configurable-http-proxy executable: ``$KIT_TEST_CHP``, else one on PATH."""
    chp = os.environ.get("KIT_TEST_CHP") or shutil.which("configurable-http-proxy")
    return chp if chp and os.access(chp, os.X_OK) else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(what, check, proc=None, log=None, limit=WAIT):
    """Call ``check()`` until it returns a true value; fail after ``limit`` seconds."""
    end = time.monotonic() + limit
    while True:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what}: the hub exited ({proc.returncode})\n{_tail(log)}")
        try:
            got = check()
        except (requests.ConnectionError, requests.Timeout):
            got = None
        if got:
            return got
        if time.monotonic() > end:
            raise RuntimeError(f"{what}: not ready after {limit} s\n{_tail(log)}")
        time.sleep(0.2)


def _tail(log, n=4000):
    try:
        return Path(log).read_text(errors="replace")[-n:] if log else ""
    except OSError:
        return ""


def _config_text(hub) -> str:
    spawner_args = ["--allow-root"] if os.geteuid() == 0 else []
    singleuser = str(Path(sys.executable).parent / "jupyterhub-singleuser")
    return f"""# written by tests/hubharness.py for one test run
c = get_config()
load_subconfig({str(SHIPPED_CONFIG)!r})
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {hub.port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub.hub_port}
c.JupyterHub.db_url = {"sqlite:///" + str(hub.root / "jupyterhub.sqlite")!r}
c.JupyterHub.cookie_secret_file = {str(hub.root / "cookie_secret")!r}
c.JupyterHub.pid_file = {str(hub.root / "jupyterhub.pid")!r}
c.ConfigurableHTTPProxy.command = [{hub.chp!r}]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{hub.proxy_api_port}"
c.ConfigurableHTTPProxy.pid_file = {str(hub.root / "proxy.pid")!r}
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {PASSWORD!r}
c.Authenticator.allowed_users = {set(USERS)!r}
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {str(hub.root / "home" / "{username}")!r}
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.args = {spawner_args!r}
c.Spawner.start_timeout = {WAIT}
c.Spawner.http_timeout = {WAIT}
c.Spawner.environment.update({hub.extra_env!r})
# each learner's decisions in their own home (the kit's default is the checkout's folder)
c.Spawner.environment.setdefault(
    "KIT_DECISIONS_DIR", lambda spawner: {str(hub.root / "home")!r} + "/" + spawner.user.name
    + "/my-decisions")
c.JupyterHub.services.append({{"name": "harness", "api_token": {hub.admin_token!r}}})
c.JupyterHub.load_roles.append({{
    "name": "harness",
    "scopes": ["admin:users", "admin:servers", "tokens", "admin:groups", "list:services",
               "read:services", "access:servers", "access:services"],
    "services": ["harness"],
}})
"""


class Hub:
    """A running JupyterHub (use as a context manager, or call start() and stop())."""

    def __init__(self, root, db_url=None, extra_env=None, chp=None, external=False):
        self.root = Path(root)
        self.external = external      # True: the harness runs the service, not the hub
        self.service_token = secrets.token_hex(24)
        self.service_proc = None
        self.db_url = db_url
        self.extra_env = dict(extra_env or {})
        self.chp = chp or proxy_command()
        self.port, self.hub_port = free_port(), free_port()
        self.proxy_api_port, self.service_port = free_port(), free_port()
        self.admin_token = secrets.token_hex(24)
        self.proc = None
        self.log = self.root / "jupyterhub.log"
        self._tokens = {}

    # ---- addresses ---------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The hub's public address (through the proxy), e.g. http://127.0.0.1:PORT/."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def service_url(self) -> str:
        """The class service's public address (through the proxy), ending in a slash."""
        return f"{self.url}services/{SERVICE}/"

    @property
    def api_url(self) -> str:
        return f"{self.url}hub/api/"

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("JUPYTERHUB_", "KIT_SERVICE_", "KIT_TEACHER"))}
        env["PYTHONPATH"] = os.pathsep.join(
            [str(REPO)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
        env["CONFIGPROXY_AUTH_TOKEN"] = secrets.token_hex(24)
        env["KIT_SERVICE_PORT"] = str(self.service_port)
        env["KIT_TEACHERS"] = TEACHER
        env["KIT_SERVICE_DATA_DIR"] = str(self.root)
        if self.db_url:
            env["KIT_SERVICE_DB_URL"] = self.db_url
        if self.external:
            env["KIT_SERVICE_API_TOKEN"] = self.service_token
        return env

    def service_env(self) -> dict:
        """What an admin gives an external service: the hub's API URL and the service's
        token (the rest has defaults), where to store, who the teachers are."""
        env = {k: v for k, v in self.env().items() if not k.startswith("KIT_SERVICE_")}
        env.update({"JUPYTERHUB_API_URL": f"http://127.0.0.1:{self.hub_port}/hub/api",
                    "JUPYTERHUB_API_TOKEN": self.service_token,
                    "JUPYTERHUB_SERVICE_URL": f"http://127.0.0.1:{self.service_port}",
                    "KIT_SERVICE_DATA_DIR": str(self.root)})
        if self.db_url:
            env["KIT_SERVICE_DB_URL"] = self.db_url
        return env

    def start_service(self, wait=True):
        """Start the external service process (as an admin would); -> its pid once it
        answers (``wait``)."""
        with open(self.root / "service.log", "ab") as out:
            self.service_proc = subprocess.Popen(
                [sys.executable, "-m", "kit.service"], cwd=self.root, env=self.service_env(),
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        return self.wait_service() if wait else self.service_proc.pid

    # ---- life --------------------------------------------------------------------------
    def start(self) -> "Hub":
        if not self.chp:
            raise RuntimeError("no configurable-http-proxy: set KIT_TEST_CHP")
        (self.root / "home").mkdir(parents=True, exist_ok=True)
        cfg = self.root / "jupyterhub_config.py"
        cfg.write_text(_config_text(self))
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "jupyterhub", "-f", str(cfg)], cwd=self.root,
                env=self.env(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        if self.external:   # up with the hub: the hub waits for its services to answer
            self.start_service(wait=False)
        _wait("the hub", lambda: self.api("GET", "").ok, self.proc, self.log)
        self.wait_service()
        return self

    def stop(self) -> None:
        if self.service_proc is not None and self.service_proc.poll() is None:
            self.service_proc.terminate()
            self.service_proc.wait(30)
        if self.proc is None:
            return
        family = []
        try:
            family = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            pass
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for p in family:
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(family, timeout=10)
        self.proc = None

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()

    # ---- the hub's REST API ------------------------------------------------------------
    def api(self, method, path, token=None, **kw) -> requests.Response:
        """A request to the hub's REST API (as the admin-like harness service by default)."""
        headers = {"Authorization": f"token {token or self.admin_token}"}
        return requests.request(method, self.api_url + path, headers=headers, timeout=30, **kw)

    def token(self, name: str) -> str:
        """A hub API token of user ``name`` (made once, with the user's own permissions)."""
        if name not in self._tokens:
            r = self.api("POST", f"users/{name}/tokens", json={"note": "test", "expires_in": 3600})
            r.raise_for_status()
            self._tokens[name] = r.json()["token"]
        return self._tokens[name]

    def service(self, method, path, token=None, **kw) -> requests.Response:
        """A request to the class service through the proxy (``path`` relative to it)."""
        headers = dict(kw.pop("headers", {}))
        if token:
            headers["Authorization"] = f"token {token}"
        return requests.request(method, self.service_url + path, headers=headers, timeout=60,
                                **kw)

    # ---- the class service process -----------------------------------------------------
    def service_pid(self):
        """The pid of the running class service process, or None."""
        if self.external:
            p = self.service_proc
            return p.pid if p is not None and p.poll() is None else None
        try:
            kids = psutil.Process(self.proc.pid).children()
        except psutil.NoSuchProcess:
            return None
        for p in kids:
            try:
                if "kit.service" in p.cmdline() and p.status() != psutil.STATUS_ZOMBIE:
                    return p.pid
            except psutil.NoSuchProcess:
                continue
        return None

    def wait_service(self, other_than=None) -> int:
        """Wait until the service answers (as a learner) from a process other than the pid
        ``other_than``; -> its pid."""
        token = self.token(LEARNERS[0])

        def up():
            pid = self.service_pid()
            if pid is None or pid == other_than:
                return None
            return pid if self.service("GET", "api/status", token).status_code == 200 else None
        return _wait("the class service", up, self.proc, self.log)

    # ---- single-user servers -----------------------------------------------------------
    def spawn(self, name: str) -> str:
        """Start ``name``'s single-user server (if not running) -> its URL (with a slash)."""
        r = self.api("POST", f"users/{name}/server")
        if r.status_code not in (201, 202, 400):
            r.raise_for_status()

        def ready():
            model = self.api("GET", f"users/{name}").json()
            server = model.get("servers", {}).get("", {})
            return server.get("ready") and server.get("url")
        path = _wait(f"{name}'s server", ready, self.proc, self.log)
        return self.url.rstrip("/") + path

    def home(self, name: str) -> Path:
        """User ``name``'s home folder (their server's working folder)."""
        return self.root / "home" / name

    def decisions(self, name: str) -> Path:
        """User ``name``'s decisions folder (``KIT_DECISIONS_DIR`` of their server)."""
        return self.home(name) / "my-decisions"

    def stop_server(self, name: str) -> None:
        self.api("DELETE", f"users/{name}/server")
        _wait(f"{name}'s server to stop", lambda: not self.api(
            "GET", f"users/{name}").json().get("servers"), self.proc, self.log)


def start_hub(root, db_url=None, extra_env=None, external=False) -> Hub:
    """A started :class:`Hub` in ``root`` (skips or fails when the proxy is missing);
    call its ``stop()`` at the end."""
    if proxy_command() is None:
        missing("configurable-http-proxy (KIT_TEST_CHP)")
    return Hub(root, db_url=db_url, extra_env=extra_env, external=external).__enter__()


def postgres_database():
    """A fresh, empty PostgreSQL database in ``$KIT_TEST_POSTGRES_URL``'s server -> its URL
    (drop it with :func:`drop_database`); skips, or fails under ``KIT_REQUIRE_BROWSER=1``,
    when the variable is unset."""
    import sqlalchemy as sa
    base = os.environ.get("KIT_TEST_POSTGRES_URL")
    if not base:
        missing("PostgreSQL (KIT_TEST_POSTGRES_URL)")
    name = "kit_test_" + secrets.token_hex(6)
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False)


def drop_database(url) -> None:
    import sqlalchemy as sa
    u = sa.engine.make_url(url)
    engine = sa.create_engine(u.set(database=sa.engine.make_url(
        os.environ["KIT_TEST_POSTGRES_URL"]).database), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="module")
def class_hub(tmp_path_factory):
    """A running hub with the class service storing in SQLite (one per test module)."""
    hub = start_hub(tmp_path_factory.mktemp("hub"))
    yield hub
    hub.stop()


# ---- records to send -----------------------------------------------------------------

def decision(casebook, n: int, rationale: str = "") -> dict:
    """A valid decision record (a live-log line, parsed) on the ``n``-th item of the case
    file (cycling), with the ``n``-th action of the ladder and one conduct rule."""
    items = list(casebook.item_order)
    rules = casebook.rules
    conduct = list(rules.rule_id[rules.kind == "conduct"])
    ladder = list(casebook.ladder)
    return {"type": "decision", "item_id": items[n % len(items)],
            "rules": [conduct[n % len(conduct)]], "action": ladder[n % len(ladder)],
            "rationale": rationale, "decided_at": f"2026-12-01T10:{n // 60 % 60:02d}:"
            f"{n % 60:02d}.000000Z"}


def answer(n: int, text: str = "agree") -> dict:
    """A valid answer record to survey question ``q<n>``."""
    return {"type": "answer", "section": "survey", "question_id": f"q{n}", "answer": text,
            "rationale": "", "answered_at": "2026-12-01T11:00:00.000000Z"}


def body(learner: str, records) -> dict:
    """The POST api/records body for ``learner``'s ``records``."""
    return {"format": "casebook-kit-sync", "version": 1, "learner": learner,
            "records": list(records)}


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)
