"""The notebooks under test: which one shows which app, which cells must draw what, and their pages.

* What the notebook files say: :func:`notebook_using` (the notebook calling an app),
  :func:`expected_widget_cells` and :func:`expected_chart_cells` (the cells that must
  show a widget or a chart, from the committed outputs and the code).
* :class:`NotebookView`: a notebook in JupyterLab, opened with ``?reset`` in a
  workspace of its own; :meth:`~NotebookView.open` waits for an idle kernel,
  :meth:`~NotebookView.run_all` clears the outputs, runs every cell and waits for the
  kernel and the drawings; :meth:`~NotebookView.problems` says what went wrong.
* :class:`VoilaView`: the same notebook rendered by Voila.
"""
from __future__ import annotations

import json
import re
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from . import NOTEBOOKS
from .chromium import REQUIRE_BROWSER
from .pages import View, script

RUN_TIMEOUT = 180_000          # ms for "run all cells" to finish
VOILA_TIMEOUT = 180_000        # ms for Voila to execute a notebook and show it


# --------------------------------------------------------------------------- the notebook files

def notebook_paths() -> list:
    """The guided notebooks, in order (``notebooks/*.ipynb``)."""
    return sorted(p for p in NOTEBOOKS.glob("*.ipynb") if not p.name.startswith("."))


def notebook_params() -> list:
    """``notebook_name`` values for the tests: every notebook's file name (a skip if none)."""
    names = [p.name for p in notebook_paths()]
    return names or [pytest.param(None, marks=pytest.mark.skip(
        reason="notebooks/ holds no notebook yet"))]


def read_notebook(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def voila_source(nb: dict) -> dict:
    """The notebook as a Voila page has it: without the cells tagged ``notebook-only``, which
    the kit's Voila configuration removes before running it (kit/share/voila.json)."""
    cells = [c for c in nb.get("cells", [])
             if "notebook-only" not in c.get("metadata", {}).get("tags", [])]
    return {**nb, "cells": cells}


def code_sources(nb: dict) -> list:
    """The source text of every code cell, in order."""
    return ["".join(c.get("source", "")) if isinstance(c.get("source"), list) else
            c.get("source", "") for c in nb.get("cells", []) if c.get("cell_type") == "code"]


def _calls(call: str, path: Path) -> bool:
    pattern = re.compile(rf"\b{re.escape(call)}\s*\(")
    return any(pattern.search(src) for src in code_sources(read_notebook(path)))


def notebook_using(name: str):
    """The first notebook whose code calls ``name(`` (e.g. ``"DecisionDesk"``), or None."""
    for path in notebook_paths():
        if _calls(name, path):
            return path.name
    return None


def notebook_or_missing(call: str) -> str:
    """The notebook calling ``call(``; skipped (failed with KIT_REQUIRE_BROWSER=1) if none."""
    name = notebook_using(call)
    if name is None:
        message = f"no notebook in notebooks/ calls {call}(...)"
        if REQUIRE_BROWSER and notebook_paths():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return name


def notebook_after(first: str, calls) -> str:
    """The first notebook after ``first`` calling one of ``calls`` (tried in order).

    Without one, the first notebook anywhere calling ``calls[0]`` (skipped, or failed
    with KIT_REQUIRE_BROWSER=1, if none).
    """
    for call in calls:
        for path in notebook_paths():
            if path.name > first and _calls(call, path):
                return path.name
    return notebook_or_missing(calls[0])


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


# --------------------------------------------------------------------------- their pages

class NotebookView(View):
    """A notebook open in JupyterLab, in its own page and workspace."""

    kind = "JupyterLab notebook"
    root = ".jp-NotebookPanel .jp-Notebook"

    def __init__(self, lab, name: str, context=None):
        super().__init__(context or lab.context, name)
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
            page.wait_for_function(script("kernel_ready"), timeout=90_000, polling=200)
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
        self.page.evaluate(script("lab_command"), [command, args or {}])

    def run_all(self) -> None:
        """Clear every output, run all cells, wait for the kernel and the drawings."""
        began = time.monotonic()
        self.command("notebook:clear-all-cell-outputs")
        self.page.wait_for_function(script("cleared"), timeout=30_000, polling=100)
        self.command("notebook:run-all-cells")
        self.page.wait_for_function(script("run_done"), timeout=RUN_TIMEOUT, polling=200)
        self.runs += 1
        self.timings[f"run {self.runs}"] = time.monotonic() - began
        self.settle()
        self.timings[f"run {self.runs} and draw"] = time.monotonic() - began

    def problems(self) -> list:
        """What went wrong in the run: cells not run, errors, widgets or charts not drawn."""
        found = self.page.evaluate(script("problems"), [self.root, self.cells,
                                                        self.expected_charts,
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


class Notebook7View(NotebookView):
    """A notebook open in Notebook 7 (``jupyter notebook``): the same notebook widgets as
    JupyterLab, one document per page, at ``/notebooks/<path>``."""

    kind = "Notebook 7 notebook"

    def start(self) -> None:
        if not self.started:
            self.started = True
            self.page.goto(f"{self.lab.base}/notebooks/{quote(self.name)}", wait_until="commit")

    def problems(self) -> list:
        """As in JupyterLab, less the page errors Notebook 7 itself shows on its own file
        browser page, where no kit code runs (Notebook 7.6 on JupyterLab 4.6 throws one on
        every page here: "Cannot read properties of undefined (reading 'schema')"; and once
        JupyterLab has saved its layout on the same server, "Command 'filebrowser:open-path'
        not registered")."""
        own = {f"page error: {e}" for e in self.lab.notebook7_own_errors()}
        return [p for p in super().problems() if p not in own]


class VoilaView(View):
    """A notebook rendered by Voila."""

    kind = "Voila page"

    def __init__(self, voila, name: str):
        super().__init__(voila.context, name)
        self.voila = voila
        source = voila_source(read_notebook(voila.root / name))
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
        """What went wrong: errors Voila shows, widgets or charts not drawn, dialogs."""
        found = self.page.evaluate(script("problems"), [self.root, self.cells,
                                                        self.expected_charts,
                                                        self.expected_widgets, False])
        body = self.text("body")
        for bad in ("There was an error when executing cell", "Traceback (most recent call"):
            if bad in body:
                found.append(f"Voila shows an error: …{body[body.index(bad):][:800]}")
        if self.dialogs:
            found.append(f"dialogs opened: {self.dialogs}")
        return (found + [f"page error: {e}" for e in self.page_errors]
                + [f"console error: {e}" for e in self.console_errors()])
