"""The real-browser test harness: JupyterLab and Voila driven by Chromium through Playwright.

``tests/browser/conftest.py`` only declares the fixtures; the work is done here:

* :mod:`.chromium`: is everything installed? (skip, or fail when KIT_REQUIRE_BROWSER=1);
  Chromium at /usr/bin/chromium (or $KIT_CHROMIUM) launched by Playwright.
* :mod:`.servers`: the session's JupyterLab (``lab``) and Voila (``voila``) servers on
  127.0.0.1: a free port, ``port_retries=0``, ``--allow-root``, no token, temporary
  Jupyter, IPython and JupyterLab settings folders, a temporary COPY of ``notebooks/``
  and a temporary KIT_DECISIONS_DIR; stopped by process group and pid.
* :mod:`.pages`: one browser page with everything it logged (console, errors, dialogs,
  every request: requests that would leave 127.0.0.1 are aborted and reported), the
  DecisionDesk driven like a learner would, and the artifacts saved on failure.
* :mod:`.notebooks`: what the notebooks are (which one shows which app, which cells
  must show a widget or a chart) and a notebook's page in JupyterLab (open with
  ``?reset``, wait for an idle kernel, clear and run all, wait for the drawings) or Voila.
* :mod:`.order`: the order the browser test files run in.
* ``js/``: the JavaScript probes the pages evaluate, one file each.

Speed: one server of each kind per session, one page per notebook kept for the
session (the flow and security tests reuse the page the notebook test ran), the
next notebook loading while one runs, and the files run in :data:`.order.FILE_ORDER`.
"""
from __future__ import annotations

from pathlib import Path

#: The kit's checkout (the folder holding notebooks/ and tests/).
ROOT = Path(__file__).resolve().parents[3]
NOTEBOOKS = ROOT / "notebooks"
#: Screenshots and logs of the pages a failed test used, one folder per test.
ARTIFACTS = ROOT / "test-artifacts"
