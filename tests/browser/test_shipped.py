"""The notebooks as shipped (executed, no widget state) read well in JupyterLab before a
learner runs anything: tables are HTML tables with a caption and headings, and where an app
or a chart cannot be drawn yet a sentence stands in its place, never a Python repr."""
from __future__ import annotations

import pytest

from .harness import ARTIFACTS, NOTEBOOKS

pytestmark = pytest.mark.browser

REPRS = ("DecisionDesk(", "CaseExplorer(", "JupyterChart object", "<altair", "Empty DataFrame",
         "<NA>", "NaN")


@pytest.mark.parametrize("name", ["01_case_files.ipynb", "03_you_decide.ipynb"])
def test_shipped_notebook_shows_tables_and_sentences_not_reprs(lab, name):
    # a fresh copy of the committed notebook: the session's own copy of `name` may have been
    # run (and autosaved) by an earlier browser test
    shipped = f"shipped-{name}"
    (lab.root / shipped).write_bytes((NOTEBOOKS / name).read_bytes())
    view = lab._view(shipped)
    view.open()
    # nothing runs in a shipped notebook, so wait for its app's sentence, not for widgets
    first = view.page.locator(f"{view.root} .jp-OutputArea-output").filter(has_text="opens here")
    first.first.wait_for(state="attached", timeout=60_000)
    text = view.output_text()
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    stem = name.removesuffix(".ipynb")
    first.first.scroll_into_view_if_needed()
    first.first.screenshot(path=str(shots / f"shipped-{stem}-app.png"))
    assert "opens here when you run this cell" in text, text[:2000]
    found = [r for r in REPRS if r in text]
    assert not found, f"{name} as shipped shows {found}"
    if name.startswith("01"):
        tables = view.page.locator(f"{view.root} .jp-OutputArea-output table")
        assert tables.count() >= 4
        tables.first.scroll_into_view_if_needed()
        tables.first.screenshot(path=str(shots / f"shipped-{stem}-table.png"))
        assert tables.first.locator("caption").inner_text().strip()
        assert tables.first.locator("thead th").count() >= 2
        assert "Chart: Timeline" in text
