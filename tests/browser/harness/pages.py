"""Browser pages that record everything, the DecisionDesk driven like a learner, artifacts on failure.

Every page records each request it makes; requests to anything but 127.0.0.1 /
localhost are aborted (so a run behaves the same with or without internet) and
listed by :meth:`View.offline_problems`. There is no exception: Voila runs through
``python -m kit.serve``, whose template links nothing outside the server.

When a test fails, a screenshot of every page it used, the pages' console logs,
requests and timings, and the server logs are saved under ``test-artifacts/<test name>/``.
"""
from __future__ import annotations

import functools
import re
import shutil
import time
from pathlib import Path
from urllib.parse import urlsplit

from . import ARTIFACTS

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
LOCAL_SCHEMES = frozenset({"data", "blob", "about"})
RENDER_TIMEOUT = 30_000        # ms for widgets and charts to be drawn after the kernel is idle
JS_DIR = Path(__file__).resolve().with_name("js")


@functools.cache
def script(name: str) -> str:
    """The JavaScript probe ``js/<name>.js``, without its leading ``//`` comment lines."""
    lines = (JS_DIR / f"{name}.js").read_text(encoding="utf-8").splitlines()
    while lines and lines[0].lstrip().startswith("//"):
        lines.pop(0)
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- pages

_OUTSIDE = re.compile(r"^(?!(https?|wss?)://(127\.0\.0\.1|localhost)[:/])[a-z][a-z0-9+.-]*://",
                      re.I)


def _block_outside(route):
    """Abort a request that would leave the machine (it is still recorded)."""
    route.abort()


def new_context(browser):
    """A browser context whose pages cannot reach past 127.0.0.1 (no service workers)."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000},
                                  service_workers="block")
    context.route(_OUTSIDE, _block_outside)
    context.set_default_timeout(60_000)
    return context



def _kernel_list_race(text: str, url) -> bool:
    """The server's kernel-list poll failing while a kernel starts (see console_errors)."""
    return (bool(url) and "status of 500" in text
            and re.search(r"/api/kernels\?\d+$", url) is not None)


class View:
    """One browser page with everything it logged: console, page errors, requests, dialogs."""

    kind = "page"
    root = "body"            # the element holding the cells
    cells = ".jp-CodeCell"   # a code cell under it

    def __init__(self, context, name: str):
        self.name = name
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
        return [f"{self.kind} {self.name} requested {u} (the kit must work offline)"
                for u in dict.fromkeys(self.outside_requests())]

    def console_errors(self, since: int = 0) -> list:
        """Console errors (since entry ``since``), less one of the server's own: JupyterLab's
        poll of the kernel list (``GET api/kernels?<time>``) answered 500 while another
        notebook's kernel starts on the same server (jupyter_server's ``list_kernels`` reads
        the new kernel's ``last_activity`` before it is set; no kit code is involved)."""
        return [f"{t} ({url})" if url else t for kind, t, url in self.console[since:]
                if kind == "error" and not _kernel_list_race(t, url)]

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
        live = self.page.evaluate(script("live_markup"))
        found += [f"{n} live {what} element(s) in the page" for what, n in live.items() if n]
        return found

    def settle(self) -> None:
        """Wait (up to RENDER_TIMEOUT) until widgets and charts are drawn.

        Never times out with an error: ``problems()`` then says what is missing.
        """
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            self.page.wait_for_function(script("settled"), arg=[self.root, self.cells,
                                                               self.expected_charts,
                                                               self.expected_widgets],
                                        timeout=RENDER_TIMEOUT, polling=250)
        except PlaywrightTimeout:
            pass

    def desk(self) -> Desk:
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

    def gated(self) -> bool:
        """Whether the desk is still asking who is deciding (the name gate of Voila)."""
        return self.root.locator(".kit-gate").count() > 0

    def sign_in(self, name: str) -> None:
        """Give ``name`` in the name gate, press Start, wait for the desk to open."""
        self.root.locator(".kit-gate-name input").fill(name)
        self.root.locator("button.kit-gate-start").click()
        self.root.locator(".kit-desk-item h4").wait_for(timeout=self.timeout)

    def continue_as_guest(self) -> None:
        """Choose "Continue as guest" in the name gate; wait for the desk to open."""
        self.root.locator("button.kit-gate-guest").click()
        self.root.locator(".kit-desk-item h4").wait_for(timeout=self.timeout)

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
        self.settle_saved()

    def settle_saved(self, rounds: int = 3) -> None:
        """Do what the desk asks a learner to do when the click overtook the typing.

        ipywidgets sends a button click at once but may hold a text box's last update back
        while an earlier update is still on its way (its throttle), so on a busy machine the
        kernel can save before the rationale arrives. The desk then says "Changed since you
        saved: press Save decision to keep it" (nothing is lost, the learner is told); this
        presses Save again, as that line asks, until the desk says "✓ Saved"."""
        line = self.root.locator(".kit-desk-saved")
        for _ in range(rounds):
            self.view.page.wait_for_timeout(500)
            if "Changed since you saved" not in line.inner_text():
                return
            self.root.locator("button.kit-desk-save").click()
            self.view.page.wait_for_function(
                "el => !el.innerText.includes('Changed since you saved')",
                arg=line.element_handle(), timeout=self.timeout)


# --------------------------------------------------------------------------- artifacts on failure

#: Pages used by the running test (for artifacts on failure).
_TOUCHED: list = []


def touch(view: View) -> None:
    """Note that the running test uses ``view`` (its screenshot and logs are kept if it fails)."""
    if view not in _TOUCHED:
        _TOUCHED.append(view)


def forget_pages() -> None:
    """Start a test with no page noted."""
    _TOUCHED.clear()


def remember_report(item, report) -> None:
    """Keep the report of each phase (setup, call, teardown) on the test item."""
    setattr(item, f"_kit_rep_{report.when}", report)


def _failed(item) -> bool:
    return any(getattr(getattr(item, f"_kit_rep_{w}", None), "failed", False)
               for w in ("setup", "call"))


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def save_artifacts(item) -> None:
    """If test ``item`` failed, save screenshots, console logs and server logs of its pages.

    They go to ``test-artifacts/<test name>/`` (only this run's files); the pages are
    forgotten either way.
    """
    if not _failed(item) or not _TOUCHED:
        _TOUCHED.clear()
        return
    folder = ARTIFACTS / _safe(item.name).strip("_")[:150]
    shutil.rmtree(folder, ignore_errors=True)   # only this run's files
    folder.mkdir(parents=True, exist_ok=True)
    servers = {}
    for i, view in enumerate(_TOUCHED):
        stem = f"{i:02d}-" + _safe(f"{view.kind}-{view.name}")
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
