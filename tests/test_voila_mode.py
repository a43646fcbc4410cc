"""Voila pages carry their own instructions: cells tagged ``notebook-only`` are dropped there.

The mechanism: the kit's Voila configuration (``kit/share/voila.json``, used by
``python -m kit.serve``) sets nbconvert's ``TagRemovePreprocessor`` to remove every cell tagged
``notebook-only`` before Voila runs the notebook, so such cells are neither shown nor executed.
Cells tagged ``voila-only`` are the page's own short instructions; in JupyterLab and Notebook 7
they stay folded (``jupyter.source_hidden``). These tests check the configuration drops the
cells the way Voila calls it, and that every notebook tags its notebook instructions.
"""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import nbformat
import pytest
from nbconvert.exporters.exporter import Exporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from traitlets.config import Config

from kit.serve import SHARE

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
NOTEBOOK_ONLY, VOILA_ONLY = "notebook-only", "voila-only"

#: Words that only make sense in JupyterLab or Notebook 7, never on a Voila page.
NOTEBOOK_WORDS = re.compile(
    r"shift\s*\+\s*enter|run (this|the|each) (code )?cells?|run (this|the) notebook|re-?run|"
    r"code cell|the name you (gave|saved) in notebook 0|restart kernel", re.I)


def tags(cell) -> list:
    return list(cell.get("metadata", {}).get("tags", []))


def voila_cells(nb):
    """The cells Voila renders and runs with the kit's configuration, as Voila 0.5 gets them:
    ``VoilaExporter.generate_from_notebook_node`` runs the exporter's preprocessors through
    ``Exporter.from_notebook_node`` before its template executes the cells."""
    from voila.exporter import VoilaExporter

    config = Config(json.loads((SHARE / "voila.json").read_text(encoding="utf-8")))
    exporter = VoilaExporter(config=config)
    out, _ = Exporter.from_notebook_node(exporter, nb)
    return out.cells


def tagged(cell, tag):
    cell.metadata["tags"] = [tag]
    return cell


def test_the_voila_configuration_drops_notebook_only_cells():
    nb = new_notebook(cells=[
        new_markdown_cell("Both"),
        tagged(new_markdown_cell("Press Shift + Enter"), NOTEBOOK_ONLY),
        tagged(new_code_cell("print('progress')"), NOTEBOOK_ONLY),
        tagged(new_markdown_cell("On this page"), VOILA_ONLY),
        new_code_cell("x = 1"),
    ])
    shown = [c.source for c in voila_cells(nb)]
    assert shown == ["Both", "On this page", "x = 1"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_instructions_are_tagged_notebook_only(path):
    nb = nbformat.read(path, as_version=4)
    untagged = [(i, m.group(0)) for i, c in enumerate(nb.cells)
                if c.cell_type == "markdown" and NOTEBOOK_ONLY not in tags(c)
                for m in [NOTEBOOK_WORDS.search(c.source)] if m]
    assert not untagged, f"{path.name}: notebook instructions a Voila page would show: {untagged}"
    page = [c for c in voila_cells(nb) if c.cell_type == "markdown"]
    assert not [c.source for c in page if NOTEBOOK_WORDS.search(c.source)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_voila_only_cells_are_short_markdown_folded_in_jupyterlab(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if VOILA_ONLY not in tags(cell):
            continue
        assert NOTEBOOK_ONLY not in tags(cell), (path.name, i)
        assert cell.cell_type == "markdown", (path.name, i)
        assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, (path.name, i)
        assert len(cell.source) < 400, (path.name, i)


def _names(tree, kind):
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, kind)}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_later_cell_needs_a_notebook_only_cell(path):
    """A Voila page runs without the notebook-only cells: nothing they define is used later
    (unless a cell Voila runs defines it again)."""
    nb = nbformat.read(path, as_version=4)
    defined_by_kept, only = set(), {}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        stored = _names(tree, ast.Store)
        if NOTEBOOK_ONLY in tags(cell):
            only.update({n: i for n in stored - defined_by_kept})
            continue
        needed = (_names(tree, ast.Load) - defined_by_kept) & set(only)
        assert not needed, f"{path.name} cell {i} uses {sorted(needed)} from a notebook-only cell"
        defined_by_kept |= stored


def test_every_lesson_that_speaks_of_cells_has_a_voila_version():
    """The two apps a class is served in Voila have their page's own instructions."""
    for stem in ("03_you_decide",):
        nb = nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
        assert any(VOILA_ONLY in tags(c) for c in nb.cells), stem
