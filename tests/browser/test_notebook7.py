"""Notebooks 0, 3 and 5 in Notebook 7 (``jupyter notebook``), the interface many teachers use.

The same checks as in JupyterLab: every cell runs with no error, every widget and chart is
drawn, nothing leaves 127.0.0.1; in notebook 3 a decision is saved and Twitter's action is
revealed only after saving. Notebook 7 pages get a Jupyter server of their own.
"""
from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.browser

NOTEBOOK7_NOTEBOOKS = ("00_start_here.ipynb", "03_you_decide.ipynb", "05_policy_lab.ipynb")


@pytest.mark.parametrize("name", NOTEBOOK7_NOTEBOOKS)
def test_notebook_runs_cleanly_in_notebook7(notebook7, name):
    view = notebook7.run_in_notebook7(name)
    problems = view.problems() + view.offline_problems()
    assert not problems, f"{name} in Notebook 7:\n- " + "\n- ".join(problems)


def test_desk_saves_and_reveals_in_notebook7(notebook7, desk_notebook, casebook):
    desk = notebook7.run_in_notebook7(desk_notebook).desk()
    item = desk.goto_undecided()
    assert not desk.revealed(), f"{item}: Twitter's decision is shown before saving"
    names = casebook.action_names
    rationale = f"Notebook 7 test {uuid.uuid4().hex[:8]}"
    desk.decide([], names["label"], rationale)
    shown = " ".join(desk.reveal_text().split())
    twitter = names[casebook.items.set_index("item_id").at[item, "twitter_action"]]
    assert "What Twitter did" in shown and twitter in shown and rationale in shown
    saved = [r for r in notebook7.saved_decisions() if r.get("rationale") == rationale]
    assert [(r["item_id"], r["action"]) for r in saved] == [(item, "label")]
