"""Every guided notebook runs cleanly in JupyterLab in a real browser, offline.

One page per notebook: it is opened with ``?reset``, its outputs cleared and all
cells run; then no cell may have failed or written to stderr, every widget must be
drawn (no "Error displaying widget" / "Loading widget..." left), every chart drawn
(an svg or canvas under ``.vega-embed``, in the cells that display charts and in
every visible kit chart slot), and no request may have left 127.0.0.1.
"""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_notebook_runs_cleanly_in_jupyterlab(lab, notebook_name):
    nb = lab.notebook(notebook_name)
    kernel = nb.get("metadata", {}).get("kernelspec", {}).get("name")
    assert kernel == "python3", (
        f"{notebook_name} has kernelspec {kernel!r}: without 'python3' JupyterLab asks "
        "learners to select a kernel")
    view = lab.run(notebook_name)
    problems = view.problems() + view.offline_problems()
    assert not problems, f"{notebook_name} in JupyterLab:\n- " + "\n- ".join(problems)
