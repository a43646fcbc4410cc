"""Real-browser tests: JupyterLab and Voila driven by Chromium through Playwright.

What the fixtures set up, once per test session:

* ``lab``: a JupyterLab server on 127.0.0.1 (a free port, ``port_retries=0``, no
  token, ``--allow-root``), with temporary JUPYTER_CONFIG_DIR, JUPYTER_RUNTIME_DIR,
  JUPYTERLAB_WORKSPACES_DIR, JUPYTERLAB_SETTINGS_DIR (news and update check off,
  every cell attached to the page, autosave off) and IPYTHONDIR; its root is a
  temporary COPY of ``notebooks/`` and its kernels write decisions to a temporary
  KIT_DECISIONS_DIR. ``lab.run(name)`` opens one page per notebook
  (``/lab/workspaces/<own>/tree/NAME?reset``), clears the outputs, runs every cell
  and waits for the kernel to be idle and the widgets and charts to be drawn; the
  page is kept for the session, so other tests use the same run.
* ``voila``: the same for Voila (``voila --no-browser --port=… --Voila.ip=127.0.0.1``
  on its own temporary copy and decisions folder); ``voila.render(name)`` opens a page.
* ``browser``: Chromium at /usr/bin/chromium (or $KIT_CHROMIUM) launched by
  Playwright for Python. Without Playwright or Chromium every browser test is
  skipped with the reason, or fails when KIT_REQUIRE_BROWSER=1 (as in CI).

Every page records each request it makes; requests to anything but 127.0.0.1 /
localhost are aborted (so a run behaves the same with or without internet) and
listed by :meth:`View.offline_problems`. The only exception is Voila's template,
which links Font Awesome from a CDN (see :data:`VOILA_CDN_STYLESHEETS`).

When a test fails, a screenshot of every page it used, the pages' console logs,
requests and timings, and the server logs are saved under ``test-artifacts/<test name>/``.

Speed: one server of each kind per session, one page per notebook kept for the
session (the flow and security tests reuse the page the notebook test ran), the
next notebook loading while one runs, and the files run in :data:`FILE_ORDER`.
This folder is a package (``__init__.py``) so that this conftest never shadows
``tests/conftest.py`` for ``from conftest import ...`` in the unit tests.
"""
from __future__ import annotations

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
from urllib.parse import quote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = ROOT / "test-artifacts"
REQUIRE_BROWSER = os.environ.get("KIT_REQUIRE_BROWSER", "").strip() == "1"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/lib/chromium/chromium")
#: Flags from the machine notes: no background traffic, no first-run or sync UI.
CHROMIUM_ARGS = ["--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
LOCAL_SCHEMES = frozenset({"data", "blob", "about"})
#: Voila 0.5.13's ``lab`` template (share/jupyter/voila/templates/lab/index.html.j2,
#: block ``notebook_css``) hard-codes these two stylesheet links; no Voila option turns
#: them off (the ``classic`` and ``reveal`` templates link Font Awesome from a CDN
#: too); only a custom template would. They only style icons: the kit's apps work
#: without them. So exactly these two requests are allowed for Voila pages, and they
#: are aborted like every other outside request, as if the machine were offline.
VOILA_CDN_STYLESHEETS = frozenset({
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@%5E5/css/all.min.css",
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@%5E5/css/v4-shims.min.css",
})
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
RUN_TIMEOUT = 180_000          # ms for "run all cells" to finish
RENDER_TIMEOUT = 30_000        # ms for widgets and charts to be drawn after the kernel is idle
VOILA_TIMEOUT = 180_000        # ms for Voila to execute a notebook and show it

#: Pages used by the running test (for artifacts on failure).
_TOUCHED: list = []


# --------------------------------------------------------------------------- what the notebooks are

def notebook_paths() -> list:
    """The guided notebooks, in order (``notebooks/*.ipynb``)."""
    return sorted(p for p in NOTEBOOKS.glob("*.ipynb") if not p.name.startswith("."))


def read_notebook(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def code_sources(nb: dict) -> list:
    """The source text of every code cell, in order."""
    return ["".join(c.get("source", "")) if isinstance(c.get("source"), list) else
            c.get("source", "") for c in nb.get("cells", []) if c.get("cell_type") == "code"]


def notebook_using(name: str):
    """The first notebook whose code calls ``name(`` (e.g. ``"DecisionDesk"``), or None."""
    pattern = re.compile(rf"\b{re.escape(name)}\s*\(")
    for path in notebook_paths():
        if any(pattern.search(src) for src in code_sources(read_notebook(path))):
            return path.name
    return None


_CHART_CALL = re.compile(r"^\s*(?:[A-Za-z_][\w.]*\.)?\w*chart\w*\s*\(", re.I)


def expected_chart_cells(nb: dict) -> list:
    """Indexes (among code cells) of the cells that display a chart themselves.

    A cell counts when its committed output was a chart (an ``alt.JupyterChart``
    widget's text, a Vega-Lite bundle or Altair HTML), or when its last line is a
    call of a ``*chart*`` function (a chart left as the cell's value). Charts
    inside kit apps are checked separately (every visible ``.kit-chart`` holding a chart).
    """
    found = []
    index = -1
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        index += 1
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else src
        lines = [ln for ln in src.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        last = lines[-1] if lines else ""
        by_source = bool(_CHART_CALL.match(last)) and not re.match(r"^\s*[\w.]+\s*=[^=]", last)
        bare = re.fullmatch(r"\s*([A-Za-z_]\w*)\s*", last)
        if bare:   # `chart = kit.charts.x_chart(...)` then `chart` on the last line
            assigned = re.compile(rf"^\s*{bare.group(1)}\s*=\s*(?:[\w.]+\.)?\w*chart\w*\s*\(",
                                  re.I | re.M)
            by_source = by_source or bool(assigned.search(src))
        by_output = False
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if any(k.startswith("application/vnd.vegalite") for k in data):
                by_output = True
            text = data.get("text/plain", "")
            text = "".join(text) if isinstance(text, list) else text
            html = data.get("text/html", "")
            html = "".join(html) if isinstance(html, list) else html
            if "JupyterChart" in text or "altair-viz" in html or "vega-embed" in html:
                by_output = True
        if by_source or by_output:
            found.append(index)
    return found


def expected_widget_cells(nb: dict) -> list:
    """Indexes (among code cells) of the cells whose committed output is a widget."""
    found = []
    code = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    for index, cell in enumerate(code):
        if any("application/vnd.jupyter.widget-view+json" in out.get("data", {})
               for out in cell.get("outputs", [])):
            found.append(index)
    return sorted(set(found) | set(expected_chart_cells(nb)))


def pytest_generate_tests(metafunc):
    """Parametrise ``notebook_name`` over notebooks/*.ipynb."""
    if "notebook_name" in metafunc.fixturenames:
        names = [p.name for p in notebook_paths()]
        params = names or [pytest.param(None, marks=pytest.mark.skip(
            reason="notebooks/ holds no notebook yet"))]
        metafunc.parametrize("notebook_name", params)


#: Order of the browser test files in a run: every notebook first (each page opened
#: once, the next one loading meanwhile), then the flows and security checks that
#: reuse those pages, then Voila.
FILE_ORDER = ("test_notebooks.py", "test_flows.py", "test_security.py", "test_voila.py")


def pytest_collection_modifyitems(session, config, items):
    """Put this folder's tests in FILE_ORDER, in the places they already take."""
    here = Path(__file__).resolve().parent
    slots = [i for i, item in enumerate(items) if Path(item.path).resolve().parent == here]

    def rank(i):
        name = Path(items[i].path).name
        return (FILE_ORDER.index(name) if name in FILE_ORDER else len(FILE_ORDER), i)

    ordered = [items[i] for i in sorted(slots, key=rank)]
    for slot, item in zip(slots, ordered):
        items[slot] = item


# --------------------------------------------------------------------------- skip or fail

def _missing(reason: str):
    """Skip with ``reason``, or fail when KIT_REQUIRE_BROWSER=1."""
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason} (KIT_REQUIRE_BROWSER=1, so this is a failure, not a skip)",
                    pytrace=False)
    pytest.skip(f"{reason}; set KIT_REQUIRE_BROWSER=1 to make this a failure")


def chromium_path():
    """The Chromium to drive: $KIT_CHROMIUM, Debian's, or one on PATH; None if none."""
    env = os.environ.get("KIT_CHROMIUM", "").strip()
    candidates = [env] if env else [*CHROMIUM_CANDIDATES, shutil.which("chromium"),
                                    shutil.which("chromium-browser")]
    for c in candidates:
        if c and Path(c).is_file() and os.access(c, os.X_OK):
            return c
    return None


@pytest.fixture(scope="session")
def browser_available():
    """Check Playwright, Chromium, JupyterLab and Voila are installed (skip or fail)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("Playwright for Python is not installed (pip install -r tests/requirements.txt)")
    if chromium_path() is None:
        env = os.environ.get("KIT_CHROMIUM", "").strip()
        _missing(f"KIT_CHROMIUM={env} is not an executable file" if env else
                 "Chromium is not installed (apt-get install chromium, or set KIT_CHROMIUM "
                 "to a Chromium executable)")
    for module in ("jupyterlab", "voila"):
        try:
            __import__(module)
        except ImportError:
            _missing(f"{module} is not installed (pip install -r requirements.txt)")
    return True


# --------------------------------------------------------------------------- servers

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


def _server_env(home: Path, decisions: Path, **extra) -> dict:
    env = dict(os.environ)
    env.pop("JUPYTER_TOKEN", None)
    env.update({
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "IPYTHONDIR": str(home / "ipython"),
        "KIT_DECISIONS_DIR": str(decisions),
        # the kernels import this checkout's kit (even without `pip install -e .`)
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p),
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    env.update({k: str(v) for k, v in extra.items()})
    for key in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        Path(env[key]).mkdir(parents=True, exist_ok=True)
    return env


# --------------------------------------------------------------------------- pages

class View:
    """One browser page with everything it logged: console, page errors, requests, dialogs."""

    kind = "page"
    root = "body"            # the element holding the cells
    cells = ".jp-CodeCell"   # a code cell under it

    def __init__(self, context, name: str, allowed_outside=frozenset()):
        self.name = name
        self.allowed_outside = frozenset(allowed_outside)
        self.console: list = []        # (type, text, url of the script or resource)
        self.page_errors: list = []
        self.requests: list = []       # every URL requested
        self.failed: list = []         # (url, failure)
        self.dialogs: list = []        # (type, message)
        self.timings: dict = {}        # phase -> seconds (written to the artifacts)
        self.expected_charts: list = []   # code cells that must show a chart
        self.expected_widgets: list = []  # code cells that must show a widget
        self.created = time.monotonic()
        self.page = context.new_page()
        self.page.on("console", lambda m: self.console.append(
            (m.type, m.text, (m.location or {}).get("url", ""))))
        self.page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("requestfailed", lambda r: self.failed.append((r.url, r.failure)))
        self.page.on("dialog", self._on_dialog)

    def _on_dialog(self, dialog):
        self.dialogs.append((dialog.type, dialog.message))
        try:
            dialog.dismiss()
        except Exception:  # noqa: BLE001 - the page may be gone
            pass

    def outside_requests(self) -> list:
        """Requests that left the machine (not 127.0.0.1/localhost, data:, blob:)."""
        out = []
        for url in self.requests:
            parts = urlsplit(url)
            if parts.scheme in LOCAL_SCHEMES:
                continue
            if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname in LOCAL_HOSTS:
                continue
            out.append(url)
        return out

    def offline_problems(self) -> list:
        bad = [u for u in self.outside_requests() if u not in self.allowed_outside]
        return [f"{self.kind} {self.name} requested {u} (the kit must work offline)"
                for u in dict.fromkeys(bad)]

    def console_errors(self, since: int = 0) -> list:
        """Console errors (since entry ``since``), except failed loads of allowed URLs."""
        return [f"{t} ({url})" if url else t for kind, t, url in self.console[since:]
                if kind == "error" and url not in self.allowed_outside]

    def log_text(self) -> str:
        lines = [f"# {self.kind} {self.name}", f"url: {self.page.url if self.page else ''}",
                 "timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in self.timings.items()),
                 "", "## console"]
        lines += [f"[{k}] {t}" + (f" ({u})" if u else "") for k, t, u in self.console] or ["(none)"]
        lines += ["", "## page errors"] + (self.page_errors or ["(none)"])
        lines += ["", "## dialogs"] + ([f"[{k}] {m}" for k, m in self.dialogs] or ["(none)"])
        lines += ["", "## failed requests"] + ([f"{u} {f}" for u, f in self.failed] or ["(none)"])
        lines += ["", "## requests outside 127.0.0.1"] + (self.outside_requests() or ["(none)"])
        lines += ["", f"## all requests ({len(self.requests)})"] + self.requests
        return "\n".join(lines) + "\n"

    def mark(self) -> tuple:
        """A point in this page's logs; see :meth:`injection_problems`."""
        return len(self.console), len(self.page_errors), len(self.requests), len(self.dialogs)

    def injection_problems(self, mark: tuple) -> list:
        """Signs that injected markup became live since ``mark`` (an empty list if none).

        ``window.__xss`` set, a dialog, a console or page error, a request for the
        ``x`` of ``<img src=x>``, or live ``img[src=x]``, ``[onerror]``,
        ``javascript:`` links or scripts mentioning ``__xss`` in the document.
        """
        console, errors, requests, dialogs = mark
        found = []
        if self.page.evaluate("() => typeof window.__xss") != "undefined":
            found.append("window.__xss was set: injected code ran")
        found += [f"a dialog opened: {d}" for d in self.dialogs[dialogs:]]
        found += [f"console error: {t}" for t in self.console_errors(console)]
        found += [f"page error: {e}" for e in self.page_errors[errors:]]
        found += [f"the page requested {u} (an injected <img src=x>?)"
                  for u in self.requests[requests:] if urlsplit(u).path.endswith("/x")]
        live = self.page.evaluate("""() => ({
            'img[src=x]': document.querySelectorAll('img[src="x"]').length,
            '[onerror]': document.querySelectorAll('[onerror]').length,
            'javascript: link': [...document.querySelectorAll(
                  'a[href], area[href], iframe[src], form[action]')].filter(
                  a => /^\\s*javascript:/i.test(a.getAttribute('href') ||
                          a.getAttribute('src') || a.getAttribute('action') || '')).length,
            '<script> mentioning __xss': [...document.querySelectorAll('script')].filter(
                  s => s.textContent.includes('__xss')).length })""")
        found += [f"{n} live {what} element(s) in the page" for what, n in live.items() if n]
        return found

    def settle(self) -> None:
        """Wait (up to RENDER_TIMEOUT) until widgets and charts are drawn.

        Never times out with an error: :meth:`problems` then says what is missing.
        """
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            self.page.wait_for_function(_SETTLED_JS, arg=[self.root, self.cells,
                                                          self.expected_charts,
                                                          self.expected_widgets],
                                        timeout=RENDER_TIMEOUT, polling=250)
        except PlaywrightTimeout:
            pass

    def desk(self) -> "Desk":
        """The first DecisionDesk on this page."""
        return Desk(self)

    def text(self, selector: str) -> str:
        """innerText of the first element matching ``selector`` ("" if none)."""
        return self.page.evaluate(
            "s => { const e = document.querySelector(s); return e ? e.innerText : ''; }",
            selector)


class Desk:
    """The first DecisionDesk on a page, driven like a learner would."""

    def __init__(self, view: View, timeout: float = 30_000):
        self.view, self.page, self.timeout = view, view.page, timeout
        self.root = view.page.locator(".kit-desk").first
        self.root.wait_for(state="visible", timeout=timeout)

    def item_id(self) -> str:
        head = self.root.locator(".kit-desk-item h4").inner_text(timeout=self.timeout)
        return head.split("·")[0].strip()

    def revealed(self) -> bool:
        return self.root.locator(".kit-desk-reveal-card").count() > 0

    def reveal_text(self) -> str:
        return self.root.locator(".kit-desk-reveal").inner_text(timeout=self.timeout)

    def goto_undecided(self) -> str:
        """Show an item not decided yet (click "Next undecided" if needed); its id."""
        if self.revealed():
            before = self.item_id()
            self.root.locator("button.kit-desk-jump").click()
            self.root.locator(".kit-desk-reveal-wait").wait_for(timeout=self.timeout)
            assert self.item_id() != before, "'Next undecided' did not move to another item"
        return self.item_id()

    def decide(self, rules, action_name: str, rationale: str) -> None:
        """Tick ``rules`` (ids), choose the action whose label starts with ``action_name``,
        type ``rationale``, press Save, wait for Twitter's decision to appear."""
        for rule in rules:
            self.root.locator(f".kit-rule-{rule} input[type=checkbox]").check()
        radio = self.root.locator(".kit-desk-action input[type=radio]")
        labels = radio.evaluate_all(
            "els => els.map(e => decodeURIComponent(e.dataset.value || ''))")
        matches = [i for i, text in enumerate(labels) if text.startswith(action_name)]
        assert matches, f"no action labelled {action_name!r} among {labels}"
        radio.nth(matches[0]).check()
        self.root.locator(".kit-desk-rationale textarea").fill(rationale)
        self.root.locator("button.kit-desk-save").click()
        self.root.locator(".kit-desk-reveal-card").wait_for(timeout=self.timeout)


def touch(view: View) -> None:
    if view not in _TOUCHED:
        _TOUCHED.append(view)


#: JavaScript: what is wrong in the rendered outputs (a list of sentences).
#: ``root`` holds the cells; ``codeCells`` selects the code cells under it;
#: ``expected`` lists code-cell indexes that must show a chart of their own.
_PROBLEMS_JS = r"""
([rootSel, cellSel, expected, widgets, checkPrompts]) => {
  const root = document.querySelector(rootSel) || document.body;
  const out = [];
  const marks = '.vega-embed svg.marks, .vega-embed canvas.marks';
  const visible = e => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
  const cells = [...root.querySelectorAll(cellSel)];
  cells.forEach((cell, i) => {
    const where = `code cell ${i + 1}`;
    if (checkPrompts) {
      const editor = cell.querySelector('.jp-InputArea-editor');
      const src = editor ? editor.innerText.trim() : 'x';
      const prompt = (cell.querySelector('.jp-InputArea-prompt') || {}).textContent || '';
      if (src && !/^\[\d+\]:$/.test(prompt.trim()))
        out.push(`${where} did not run (its prompt reads ${JSON.stringify(prompt.trim())})`);
    }
    cell.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]').forEach(o =>
      out.push(`${where} printed to stderr or raised an error:\n${o.innerText.slice(0, 1500)}`));
    cell.querySelectorAll('.jp-OutputArea-output, .widget-output, .jupyter-widgets').forEach(o => {
      const t = (o.textContent || '').trim();
      if (/^Error displaying widget/.test(t) || /^Loading widget\.\.\./.test(t))
        out.push(`${where}: a widget was not rendered ("${t.slice(0, 80)}")`);
    });
    const txt = cell.innerText || '';
    for (const bad of ['Error loading script', 'Javascript Error', 'JavaScript Error'])
      if (txt.includes(bad)) out.push(`${where} shows "${bad}" (a chart needing the internet?)`);
    const drawn = [...cell.querySelectorAll('.jp-OutputArea-output > .lm-Widget')]
      .filter(w => !/^(Loading widget|Error displaying widget)/.test((w.textContent || '').trim()));
    if (widgets.includes(i) && !drawn.length)
      out.push(`${where} should display a widget (its committed output is one), but none is drawn`);
    if (expected.includes(i) && !cell.querySelector(marks))
      out.push(`${where} should display a chart, but no drawn Vega chart (svg or canvas under ` +
               `.vega-embed) is in its output`);
    cell.querySelectorAll('.vega-embed').forEach(v => {
      if (!v.querySelector('svg.marks, canvas.marks'))
        out.push(`${where}: a chart container (.vega-embed) holds no drawn chart`);
    });
    cell.querySelectorAll('.kit-chart').forEach(k => {
      if (k.children.length && visible(k) && !k.querySelector(marks))
        out.push(`${where}: a kit app's chart slot (${k.className}) shows no drawn chart`);
    });
    cell.querySelectorAll('.kit-app [role="alert"]').forEach(a => {
      if ((a.innerText || '').trim())
        out.push(`${where}: a kit app shows an error: ${a.innerText.trim().slice(0, 300)}`);
    });
  });
  return out;
}
"""

#: JavaScript: true once nothing is still loading or drawing.
_SETTLED_JS = r"""
([rootSel, cellSel, expected, widgets]) => {
  const root = document.querySelector(rootSel) || document.body;
  const cells = [...root.querySelectorAll(cellSel)];
  const marks = '.vega-embed svg.marks, .vega-embed canvas.marks';
  const visible = e => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
  for (const [i, cell] of cells.entries()) {
    const text = cell.innerText || '';
    if (text.includes('Loading widget...')) return false;
    if (widgets.includes(i) && !cell.querySelector('.jp-OutputArea-output > .lm-Widget') &&
        !text.includes('Error displaying widget')) return false;
    if (expected.includes(i) && !cell.querySelector(marks)) return false;
    for (const v of cell.querySelectorAll('.vega-embed'))
      if (!v.querySelector('svg.marks, canvas.marks')) return false;
    for (const k of cell.querySelectorAll('.kit-chart'))
      if (k.children.length && visible(k) && !k.querySelector(marks)) return false;
  }
  return true;
}
"""

#: JavaScript: true once "run all" is over: kernel idle, no cell queued or running,
#: and every code cell numbered (or an error stopped the run).
_RUN_DONE_JS = r"""
() => {
  const nb = document.querySelector('.jp-NotebookPanel .jp-Notebook');
  if (!nb) return false;
  if (!document.querySelector(".jp-Notebook-ExecutionIndicator[data-status='idle']")) return false;
  const cells = [...nb.querySelectorAll('.jp-CodeCell')];
  const prompts = cells.map(c => ((c.querySelector('.jp-InputArea-prompt') || {}).textContent || '').trim());
  if (prompts.some(p => p.includes('*'))) return false;
  const blank = c => !((c.querySelector('.jp-InputArea-editor') || {}).innerText || '').trim();
  const numbered = cells.every((c, i) => blank(c) || /^\[\d+\]:$/.test(prompts[i]));
  const failed = !!nb.querySelector('[data-mime-type="application/vnd.jupyter.stderr"]');
  return numbered || failed;
}
"""


#: JavaScript: the notebook's kernel is connected and idle.
_KERNEL_READY_JS = r"""
() => {
  const app = window.jupyterapp;
  const w = app && app.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.connectionStatus === 'connected' && k.status === 'idle' &&
    !!document.querySelector(".jp-Notebook-ExecutionIndicator[data-status='idle']") &&
    !document.querySelector('.jp-Dialog');
}
"""

#: JavaScript: no output and no execution count is left in the notebook.
_CLEARED_JS = r"""
() => {
  const nb = document.querySelector('.jp-NotebookPanel .jp-Notebook');
  return !!nb && !nb.querySelector('.jp-OutputArea-output') &&
    [...nb.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')].every(p => !/\d/.test(p.textContent));
}
"""


class NotebookView(View):
    """A notebook open in JupyterLab, in its own page and workspace."""

    kind = "JupyterLab notebook"
    root = ".jp-NotebookPanel .jp-Notebook"

    def __init__(self, lab, name: str):
        super().__init__(lab.context, name)
        self.lab = lab
        self.source = read_notebook(lab.root / name)
        self.expected_charts = expected_chart_cells(self.source)
        self.expected_widgets = expected_widget_cells(self.source)
        self.runs = 0
        self.started = False

    def start(self) -> None:
        """Start loading the notebook (returns at once; :meth:`open` waits for it)."""
        if not self.started:
            self.started = True
            workspace = re.sub(r"[^A-Za-z0-9]+", "-", self.name).strip("-").lower() or "nb"
            self.page.goto(f"{self.lab.base}/lab/workspaces/{workspace}/tree/"
                           f"{quote(self.name)}?reset", wait_until="commit")

    def open(self) -> None:
        """Wait until the notebook is shown and its kernel is connected and idle."""
        self.start()
        began = time.monotonic()
        page = self.page
        page.wait_for_function("() => !!window.jupyterapp", timeout=60_000)
        page.wait_for_selector(f"{self.root} .jp-Cell", timeout=60_000)
        try:  # the kernel must be connected and idle, else "run all" asks for a kernel
            page.wait_for_function(_KERNEL_READY_JS, timeout=90_000, polling=200)
        except Exception:  # noqa: BLE001 - explain the usual reason
            dialog = self.text(".jp-Dialog")
            raise AssertionError(
                f"{self.name}: the kernel did not become idle"
                + (f"; a dialog is open: {dialog!r} (does the notebook carry a kernelspec?)"
                   if dialog else "")) from None
        self.timings["open (waited)"] = time.monotonic() - began
        self.timings["open (since created)"] = time.monotonic() - self.created

    def command(self, command: str, args: dict | None = None) -> None:
        """Run a JupyterLab command on this notebook (not waiting for it to finish)."""
        self.page.evaluate(
            """([cmd, args]) => { const app = window.jupyterapp;
                 const w = app.shell.currentWidget; if (w) app.shell.activateById(w.id);
                 app.commands.execute(cmd, args); }""", [command, args or {}])

    def run_all(self) -> None:
        """Clear every output, run all cells, wait for the kernel and the drawings."""
        began = time.monotonic()
        self.command("notebook:clear-all-cell-outputs")
        self.page.wait_for_function(_CLEARED_JS, timeout=30_000, polling=100)
        self.command("notebook:run-all-cells")
        self.page.wait_for_function(_RUN_DONE_JS, timeout=RUN_TIMEOUT, polling=200)
        self.runs += 1
        self.timings[f"run {self.runs}"] = time.monotonic() - began
        self.settle()
        self.timings[f"run {self.runs} and draw"] = time.monotonic() - began


    def problems(self) -> list:
        found = self.page.evaluate(_PROBLEMS_JS, [self.root, self.cells, self.expected_charts,
                                                  self.expected_widgets, True])
        if self.dialogs:
            found.append(f"dialogs opened: {self.dialogs}")
        return (found + [f"page error: {e}" for e in self.page_errors]
                + [f"console error: {e}" for e in self.console_errors()])

    def output_text(self) -> str:
        """The text of every output area of the notebook (not its code), one after another."""
        return self.page.evaluate(
            """sel => [...document.querySelectorAll(sel)].map(o => o.innerText).join('\\n')""",
            f"{self.root} .jp-Cell-outputArea")


class VoilaView(View):
    """A notebook rendered by Voila."""

    kind = "Voila page"

    def __init__(self, voila, name: str):
        super().__init__(voila.context, name, allowed_outside=VOILA_CDN_STYLESHEETS)
        self.voila = voila
        source = read_notebook(voila.root / name)
        self.expected_charts = expected_chart_cells(source)
        self.expected_widgets = expected_widget_cells(source)
        self.started = self.opened = False

    def start(self) -> None:
        """Ask Voila for the page (returns at once; :meth:`open` waits for it)."""
        if not self.started:
            self.started = True
            self.page.goto(f"{self.voila.base}/voila/render/{quote(self.name)}",
                           wait_until="commit", timeout=VOILA_TIMEOUT)

    def open(self) -> None:
        """Wait until Voila has executed the notebook and the widgets are drawn."""
        self.start()
        began = time.monotonic()
        self.page.wait_for_load_state("load", timeout=VOILA_TIMEOUT)
        self.page.wait_for_selector(".jp-Cell", state="attached", timeout=VOILA_TIMEOUT)
        self.settle()
        self.timings["open (waited)"] = time.monotonic() - began
        self.timings["open (since created)"] = time.monotonic() - self.created

    def problems(self) -> list:
        found = self.page.evaluate(_PROBLEMS_JS, [self.root, self.cells, self.expected_charts,
                                                  self.expected_widgets, False])
        body = self.text("body")
        for bad in ("There was an error when executing cell", "Traceback (most recent call"):
            if bad in body:
                found.append(f"Voila shows an error: …{body[body.index(bad):][:800]}")
        if self.dialogs:
            found.append(f"dialogs opened: {self.dialogs}")
        return (found + [f"page error: {e}" for e in self.page_errors]
                + [f"console error: {e}" for e in self.console_errors()])


def _block_outside(route):
    """Abort a request that would leave the machine (it is still recorded)."""
    route.abort()


_OUTSIDE = re.compile(r"^(?!(https?|wss?)://(127\.0\.0\.1|localhost)[:/])[a-z][a-z0-9+.-]*://",
                      re.I)


def new_context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1000},
                                  service_workers="block")
    context.route(_OUTSIDE, _block_outside)
    context.set_default_timeout(60_000)
    return context


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="session")
def browser(browser_available):
    """Chromium launched by Playwright (session-wide)."""
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        b = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS,
                               headless=True)
    except Exception as exc:  # noqa: BLE001 - say what failed, then skip or fail
        pw.stop()
        _missing(f"Chromium at {chromium_path()} could not be started by Playwright: {exc}")
    yield b
    b.close()
    pw.stop()


class Lab:
    """The session's JupyterLab server and its notebook pages (``run(name)``)."""

    def __init__(self, home: Path, browser):
        self.home = home
        self.root = copy_notebooks(home / "notebooks")
        self.decisions = home / "decisions"
        self.decisions.mkdir()
        settings = home / "lab-settings"
        for plugin, values in LAB_SETTINGS.items():
            package, _, name = plugin.rpartition("/")
            target = settings / package / f"{name}.jupyterlab-settings"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(values, indent=2))
        env = _server_env(home, self.decisions,
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
                    "--ServerApp.terminals_enabled=False",
                    f"--ServerApp.root_dir={self.root}"]

        self.server = Server("jupyterlab", home, argv, "/api/status", env)
        self.base = self.server.base
        self.context = new_context(browser)
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

    def saved_decisions(self) -> list:
        """Every decision record the kernels saved in this server's KIT_DECISIONS_DIR."""
        return saved_decisions(self.decisions)

    def close(self) -> None:
        try:
            self.context.close()
        except Exception:  # noqa: BLE001
            pass
        self.server.stop()   # SIGTERM: Jupyter shuts its kernels down itself


class Voila:
    """The session's Voila server; ``render(name)`` opens a fresh page (and kernel)."""

    def __init__(self, home: Path, browser):
        self.home = home
        self.root = copy_notebooks(home / "notebooks")
        self.decisions = home / "decisions"
        self.decisions.mkdir()
        env = _server_env(home, self.decisions)

        def argv(port):
            return [sys.executable, "-m", "voila", "--no-browser", f"--port={port}",
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

    def saved_decisions(self) -> list:
        """Every decision record the kernels saved in this server's KIT_DECISIONS_DIR."""
        return saved_decisions(self.decisions)

    def close(self) -> None:
        try:
            self.context.close()
        except Exception:  # noqa: BLE001
            pass
        self.server.stop()


@pytest.fixture(scope="session")
def lab(browser, tmp_path_factory):
    """The session's JupyterLab (server, temporary notebooks, decisions folder, pages)."""
    instance = Lab(tmp_path_factory.mktemp("kit-lab"), browser)
    yield instance
    instance.close()


@pytest.fixture(scope="session")
def voila(browser, tmp_path_factory):
    """The session's Voila server (temporary notebooks and decisions folder)."""
    instance = Voila(tmp_path_factory.mktemp("kit-voila"), browser)
    yield instance
    instance.close()


def notebook_or_missing(call: str) -> str:
    """The notebook calling ``call(``; skipped (failed with KIT_REQUIRE_BROWSER=1) if none."""
    name = notebook_using(call)
    if name is None:
        message = f"no notebook in notebooks/ calls {call}(...)"
        if REQUIRE_BROWSER and notebook_paths():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return name


@pytest.fixture(scope="session")
def desk_notebook():
    """The notebook showing the DecisionDesk."""
    return notebook_or_missing("DecisionDesk")


@pytest.fixture(scope="session")
def policylab_notebook():
    """The notebook showing the PolicyLab."""
    return notebook_or_missing("PolicyLab")


@pytest.fixture(scope="session")
def quiz_notebook():
    """The notebook showing a Quiz."""
    return notebook_or_missing("Quiz")


@pytest.fixture(scope="session")
def welcome_notebook():
    """The notebook where the learner types their name (the Welcome app)."""
    return notebook_or_missing("Welcome")


@pytest.fixture(scope="session")
def dashboard_notebook():
    """The notebook showing the ClassDashboard."""
    return notebook_or_missing("ClassDashboard")


@pytest.fixture(scope="session")
def compare_notebook(desk_notebook):
    """The notebook, after the desk's, comparing the learner's decisions with Twitter's."""
    for call in ("compare_decisions", "learner_vs_twitter_chart"):
        pattern = re.compile(rf"\b{call}\s*\(")
        for path in notebook_paths():
            if path.name > desk_notebook and any(
                    pattern.search(src) for src in code_sources(read_notebook(path))):
                return path.name
    return notebook_or_missing("compare_decisions")


def saved_decisions(folder: Path) -> list:
    """Every decision record in the ``*.decisions.jsonl`` files of ``folder``."""
    records = []
    for path in sorted(Path(folder).glob("*.decisions.jsonl")):
        learner = None
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if rec.get("format"):
                learner = rec.get("learner")
            elif rec.get("type") == "decision":
                records.append({**rec, "file": path.name, "learner": learner})
    return records


# --------------------------------------------------------------------------- artifacts on failure

@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"_kit_rep_{report.when}", report)
    return report


@pytest.fixture(autouse=True)
def _browser_artifacts(request):
    """On failure, save screenshots, console logs and server logs of the pages used."""
    _TOUCHED.clear()
    yield
    failed = any(getattr(getattr(request.node, f"_kit_rep_{w}", None), "failed", False)
                 for w in ("setup", "call"))
    if not failed or not _TOUCHED:
        _TOUCHED.clear()
        return
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9._-]+", "_", request.node.name).strip("_")[:150]
    shutil.rmtree(folder, ignore_errors=True)   # only this run's files
    folder.mkdir(parents=True, exist_ok=True)
    servers = {}
    for i, view in enumerate(_TOUCHED):
        stem = f"{i:02d}-" + re.sub(r"[^A-Za-z0-9._-]+", "_", f"{view.kind}-{view.name}")
        try:
            view.page.screenshot(path=str(folder / f"{stem}.png"), full_page=True, timeout=15_000)
        except Exception as exc:  # noqa: BLE001 - the page may have crashed
            (folder / f"{stem}.screenshot-failed.txt").write_text(str(exc))
        (folder / f"{stem}.console.log").write_text(view.log_text())
        owner = getattr(view, "lab", None) or getattr(view, "voila", None)
        if owner is not None:
            servers[owner.server.kind] = owner.server.log
    for kind, log in servers.items():
        try:
            shutil.copyfile(log, folder / f"{kind}-server.log")
        except OSError:
            pass
    _TOUCHED.clear()
