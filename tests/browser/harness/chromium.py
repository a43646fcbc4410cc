"""Is the browser there? Skip the browser tests without it (fail with KIT_REQUIRE_BROWSER=1); launch it.

Chromium is /usr/bin/chromium (or $KIT_CHROMIUM), driven by Playwright for Python;
``playwright install`` is never needed.
"""
from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import pytest

REQUIRE_BROWSER = os.environ.get("KIT_REQUIRE_BROWSER", "").strip() == "1"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/lib/chromium/chromium")
#: Flags from the machine notes: no background traffic, no first-run or sync UI.
CHROMIUM_ARGS = ["--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]


def missing(reason: str):
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


def check_installed() -> bool:
    """Check Playwright, Chromium, JupyterLab and Voila are installed (skip or fail)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing("Playwright for Python is not installed (pip install -r tests/requirements.txt)")
    if chromium_path() is None:
        env = os.environ.get("KIT_CHROMIUM", "").strip()
        missing(f"KIT_CHROMIUM={env} is not an executable file" if env else
                "Chromium is not installed (apt-get install chromium, or set KIT_CHROMIUM "
                "to a Chromium executable)")
    for module in ("jupyterlab", "voila"):
        try:
            __import__(module)
        except ImportError:
            missing(f"{module} is not installed (pip install -r requirements.txt)")
    return True


@contextlib.contextmanager
def launched():
    """Chromium launched headless by Playwright, closed on leaving (skip or fail if it cannot start)."""
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS,
                                     headless=True)
    except Exception as exc:  # noqa: BLE001 - say what failed, then skip or fail
        pw.stop()
        missing(f"Chromium at {chromium_path()} could not be started by Playwright: {exc}")
    yield browser
    browser.close()
    pw.stop()
