"""The session's JupyterLab and Voila servers, each with its own temporary world.

* :class:`Lab`: a JupyterLab server on 127.0.0.1 (a free port, ``port_retries=0``, no
  token, ``--allow-root``), with temporary JUPYTER_CONFIG_DIR, JUPYTER_RUNTIME_DIR,
  JUPYTERLAB_WORKSPACES_DIR, JUPYTERLAB_SETTINGS_DIR (:data:`LAB_SETTINGS`: news and
  update check off, every cell attached to the page, autosave off) and IPYTHONDIR; its
  root is a temporary COPY of ``notebooks/`` and its kernels write decisions to a
  temporary KIT_DECISIONS_DIR. ``lab.run(name)`` opens one page per notebook, clears
  the outputs, runs every cell and waits until all is drawn; the page is kept for the
  session, so other tests use the same run.
* :class:`Voila`: the same for Voila (``voila --no-browser --port=… --Voila.ip=127.0.0.1``
  on its own temporary copy and decisions folder); ``voila.render(name)`` opens a page.
* :class:`Server`: the process under both, in its own process group, stopped by its pid
  (and its kernels by theirs).
"""
from __future__ import annotations

import functools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from . import NOTEBOOKS, ROOT
from .notebooks import (Notebook7View, NotebookView, VoilaView, notebook_paths, read_notebook,
                        saved_decisions)
from .pages import new_context, touch

#: Where Notebook 7's copies of the notebooks live inside the server's root.
NOTEBOOK7_FOLDER = "notebook7"

#: JupyterLab user settings for the test server.
LAB_SETTINGS = {
    # no news or update toast over the notebook (they would also ask the internet)
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false",
                                                    "checkForUpdates": False},
    # attach every cell to the page, so outputs far down are really rendered
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    # never write into the (temporary) notebooks behind the test's back
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
}
SERVER_START_TIMEOUT = 90      # seconds until /api/status (Lab) or the tree (Voila) answers


# --------------------------------------------------------------------------- local HTTP

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url: str, timeout: float = 5.0):
    """(status, body) of a GET, or (None, error text)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310 - local only
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, b""
    except (urllib.error.URLError, OSError) as e:
        return None, str(e)


def http(method: str, url: str, timeout: float = 10.0):
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:  # noqa: S310 - local only
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, b""
    except (urllib.error.URLError, OSError) as e:
        return None, str(e).encode()


# --------------------------------------------------------------------------- processes

def _tail(path: Path, n: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


def copy_notebooks(dest: Path) -> Path:
    """A temporary copy of notebooks/ (autosave and kernels may write into it)."""
    if NOTEBOOKS.is_dir():
        shutil.copytree(NOTEBOOKS, dest, ignore=shutil.ignore_patterns(
            ".ipynb_checkpoints", "__pycache__", "my-decisions"))
    else:
        dest.mkdir(parents=True)
    return dest


def server_env(home: Path, decisions: Path, **extra) -> dict:
    """The environment of a server: temporary Jupyter folders under ``home``, this checkout's kit."""
    env = dict(os.environ)
    env.pop("JUPYTER_TOKEN", None)
    env.update({
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "IPYTHONDIR": str(home / "ipython"),
        "KIT_DECISIONS_DIR": str(decisions),
        # the learner's remembered name: this server's own, never the test session's
        "KIT_LEARNER_CONFIG": str(home / "learner.json"),
        # the kernels import this checkout's kit (even without `pip install -e .`)
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p),
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    env.update({k: str(v) for k, v in extra.items()})
    for key in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        Path(env[key]).mkdir(parents=True, exist_ok=True)
    return env


class Server:
    """A Jupyter or Voila server process in its own process group, stopped by its pid."""

    def __init__(self, kind: str, home: Path, argv_for_port, ready_path: str, env: dict):
        self.kind, self.home, self.env = kind, home, env
        self.log = home / f"{kind}.log"
        self.proc = None
        self.port = None
        last = ""
        for _attempt in range(3):   # a free port can be taken between finding and binding
            self.port = free_port()
            self.base = f"http://127.0.0.1:{self.port}"
            with open(self.log, "ab") as log:
                self.proc = subprocess.Popen(argv_for_port(self.port), cwd=home, env=env,
                                             stdout=log, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL, start_new_session=True)
            deadline = time.monotonic() + SERVER_START_TIMEOUT
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                status, _ = http_get(self.base + ready_path, timeout=2)
                # answered, and by this server (not by another one that took the port)
                if status == 200 and self.proc.poll() is None and self.says_port():
                    return
                time.sleep(0.2)
            last = _tail(self.log)
            self.stop()
        pytest.fail(f"the {kind} server did not start (waited {SERVER_START_TIMEOUT}s for "
                    f"{ready_path}); end of its log {self.log}:\n{last}", pytrace=False)

    def says_port(self) -> bool:
        """True when the server's log says it is running at its port."""
        try:
            return f"127.0.0.1:{self.port}/" in self.log.read_text(errors="replace")
        except OSError:
            return False

    def stop(self) -> None:
        """Stop the whole process group (SIGTERM: the server shuts its kernels down).

        Kernels run in sessions of their own; any still alive afterwards (e.g. when the
        server had to be killed) are found by their connection file, which lies in
        this server's own temporary folder, and killed by pid.
        """
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=15)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=10)
        for pid in self.kernel_pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def kernel_pids(self) -> list:
        """Pids of live kernels whose connection file is in one of this server's folders."""
        folders = [str(self.home / "runtime")]
        try:   # Voila keeps connection files in a folder of its own, named in its log
            folders += re.findall(r"Storing connection files in (\S+?)\.?$",
                                  self.log.read_text(errors="replace"), re.M)
        except OSError:
            pass
        pids = []
        for entry in Path("/proc").glob("[0-9]*"):
            try:
                cmd = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            args = [a.decode(errors="replace") for a in cmd]
            if any("kernel" in a and a.endswith(".json") and
                   any(a.startswith(f + os.sep) for f in folders) for a in args):
                pids.append(int(entry.name))
        return pids


# --------------------------------------------------------------------------- the two servers

def _write_lab_settings(folder: Path) -> Path:
    """:data:`LAB_SETTINGS` as JupyterLab user-settings files under ``folder``."""
    for plugin, values in LAB_SETTINGS.items():
        package, _, name = plugin.rpartition("/")
        target = folder / package / f"{name}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values, indent=2))
    return folder


class _Session:
    """What the JupyterLab and Voila sessions share: their decisions folder, pages and server."""

    decisions: Path
    context: object
    server: "Server"

    def saved_decisions(self) -> list:
        """Every decision record the kernels saved in this server's KIT_DECISIONS_DIR."""
        return saved_decisions(self.decisions)

    def close(self) -> None:
        for context in (self.context, getattr(self, "notebook7_context", None)):
            try:
                if context is not None:
                    context.close()
            except Exception:  # noqa: BLE001
                pass
        self.server.stop()   # SIGTERM: the server shuts its kernels down itself


class Lab(_Session):
    """The session's JupyterLab server and its notebook pages (``run(name)``)."""

    def __init__(self, home: Path, browser):
        self.home = home
        self.root = copy_notebooks(home / "notebooks")
        self.decisions = home / "decisions"
        self.decisions.mkdir()
        settings = _write_lab_settings(home / "lab-settings")
        env = server_env(home, self.decisions,
                         JUPYTERLAB_WORKSPACES_DIR=home / "lab-workspaces",
                         JUPYTERLAB_SETTINGS_DIR=settings)
        Path(env["JUPYTERLAB_WORKSPACES_DIR"]).mkdir(parents=True, exist_ok=True)

        def argv(port):
            return [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
                    "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
                    "--ServerApp.port_retries=0", "--IdentityProvider.token=",
                    "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
                    # what jupyterlab.galata.configure_jupyter_server does for tests:
                    # window.jupyterapp lets a test run JupyterLab commands
                    "--LabApp.expose_app_in_browser=True",
                    "--JupyterNotebookApp.expose_app_in_browser=True",   # the same for Notebook 7
                    "--ServerApp.terminals_enabled=False",
                    f"--ServerApp.root_dir={self.root}"]

        self.server = Server("jupyterlab", home, argv, "/api/status", env)
        self.base = self.server.base
        self.context = new_context(browser)
        # Notebook 7 gets its own context: JupyterLab's saved layout in the shared browser
        # storage would otherwise be replayed by Notebook 7 ("filebrowser:open-path")
        self.notebook7_context = new_context(browser)
        self.views: dict = {}

    def notebook(self, name: str) -> dict:
        """The JSON of notebook ``name`` as copied for this session."""
        return read_notebook(self.root / name)

    def delete_sessions(self, path: str) -> None:
        """Shut down kernel sessions left for ``path`` (they survive page reloads)."""
        status, body = http_get(f"{self.base}/api/sessions")
        if status != 200:
            return
        for s in json.loads(body or b"[]"):
            if s.get("path") == path:
                http("DELETE", f"{self.base}/api/sessions/{s['id']}")

    def _view(self, name: str) -> NotebookView:
        view = self.views.get(name)
        if view is None:
            if not (self.root / name).is_file():
                pytest.fail(f"notebooks/{name} does not exist", pytrace=False)
            self.delete_sessions(name)
            view = self.views[name] = NotebookView(self, name)
            view.start()
        return view

    def run(self, name: str) -> NotebookView:
        """The page of notebook ``name``, opened and run once in this session.

        While it runs, the next notebook (in file order) not opened yet starts
        loading in its own page, so its JupyterLab and kernel are ready sooner.
        """
        view = self._view(name)
        touch(view)
        if not view.runs:
            view.open()
            later = [p.name for p in notebook_paths() if p.name > name]
            upcoming = [n for n in later if n not in self.views and (self.root / n).is_file()]
            if upcoming:
                self._view(upcoming[0])
            view.run_all()
        return view

    @functools.cache
    def notebook7_own_errors(self) -> tuple:
        """Page errors of Notebook 7 on an empty notebook (no cell, so no kit code): what
        Notebook 7 shows on this server whatever the kit does."""
        empty = self.root / NOTEBOOK7_FOLDER / "_empty.ipynb"
        empty.parent.mkdir(exist_ok=True)
        empty.write_text(json.dumps({"cells": [], "nbformat": 4, "nbformat_minor": 5, "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}}))
        page = self.notebook7_context.new_page()
        errors: list = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            page.goto(f"{self.base}/notebooks/{NOTEBOOK7_FOLDER}/_empty.ipynb", wait_until="load")
            page.wait_for_selector(".jp-NotebookPanel", timeout=60_000)
            page.wait_for_timeout(3_000)
        finally:
            page.close()
            self.delete_sessions(f"{NOTEBOOK7_FOLDER}/_empty.ipynb")
        return tuple(errors)

    def run_in_notebook7(self, name: str) -> Notebook7View:
        """Notebook ``name`` opened and run once in Notebook 7 (``/notebooks/...``), served by
        the same server. It runs a copy in ``notebook7/`` so that its kernel session is not
        the JupyterLab page's (sessions are per path)."""
        view = self.views.get(("notebook7", name))
        if view is None:
            copy = self.root / NOTEBOOK7_FOLDER / name
            if not copy.is_file():
                if not (self.root / name).is_file():
                    pytest.fail(f"notebooks/{name} does not exist", pytrace=False)
                copy.parent.mkdir(exist_ok=True)
                shutil.copy(self.root / name, copy)
            view = self.views[("notebook7", name)] = Notebook7View(
                self, f"{NOTEBOOK7_FOLDER}/{name}", self.notebook7_context)
        touch(view)
        if not view.runs:
            view.open()
            view.run_all()
        return view



class Voila(_Session):
    """The session's Voila server; ``render(name)`` opens a fresh page (and kernel)."""

    def __init__(self, home: Path, browser):
        self.home = home
        self.root = copy_notebooks(home / "notebooks")
        self.decisions = home / "decisions"
        self.decisions.mkdir()
        env = server_env(home, self.decisions)

        def argv(port):
            # the kit's own Voila configuration, as a teacher runs it (README)
            return [sys.executable, "-m", "kit.serve", "--no-browser", f"--port={port}",
                    "--Voila.ip=127.0.0.1", "--Voila.port_retries=0",
                    "--show_tracebacks=True", str(self.root)]

        self.server = Server("voila", home, argv, "/voila/tree", env)
        self.base = self.server.base
        self.context = new_context(browser)
        self.views: dict = {}

    def _view(self, name: str) -> VoilaView:
        view = self.views.get(name)
        if view is None:
            if not (self.root / name).is_file():
                pytest.fail(f"notebooks/{name} does not exist", pytrace=False)
            view = self.views[name] = VoilaView(self, name)
            view.start()
        return view

    def another_page(self, name: str) -> VoilaView:
        """A NEW Voila page of notebook ``name`` (its own kernel, as for another learner),
        executed and drawn; :meth:`render` keeps returning the session's first page."""
        if not (self.root / name).is_file():
            pytest.fail(f"notebooks/{name} does not exist", pytrace=False)
        view = VoilaView(self, name)
        self.views.setdefault(("more", name), []).append(view)
        touch(view)
        view.start()
        view.open()
        return view

    def render(self, name: str, prefetch=()) -> VoilaView:
        """The Voila page of notebook ``name`` (one per session), executed and drawn.

        The notebooks in ``prefetch`` are requested at the same time (each Voila
        page executes its notebook in its own kernel), to be shown later.
        """
        view = self._view(name)
        touch(view)
        for other in prefetch:
            self._view(other)
        if not view.opened:
            view.opened = True
            view.open()
        return view

