"""The DecisionDesk and PolicyLab notebooks work as Voila apps (no code, no JupyterLab).

Voila executes the notebook on the first GET with a new kernel; the page must show
no error, draw every widget and chart, save a decision made in the desk, redraw the
PolicyLab's chart on another preset, and make no request outside 127.0.0.1 (Voila runs
as ``python -m kit.serve``, with the kit's CDN-free template).
"""
from __future__ import annotations

import uuid

import pytest

from .harness import ARTIFACTS

pytestmark = pytest.mark.browser


def _report(name, problems):
    return f"{name} in Voila:\n- " + "\n- ".join(problems)


def test_voila_shows_the_decision_desk_and_saves(voila, desk_notebook, policylab_notebook,
                                                 casebook):
    view = voila.render(desk_notebook, prefetch=[policylab_notebook])
    problems = view.problems() + view.offline_problems()
    assert not problems, _report(desk_notebook, problems)

    desk = view.desk()
    assert desk.gated() and not desk.revealed()   # Voila asks who is deciding first
    desk.sign_in(f"Voila tester {uuid.uuid4().hex[:6]}")
    item = desk.goto_undecided()
    assert not desk.revealed()
    rationale = f"Voila test {uuid.uuid4().hex[:8]}"
    names = dict(zip(casebook.actions.action_id, casebook.actions.name))
    desk.decide([], names["remove"], rationale)
    twitter = names[casebook.items.set_index("item_id").at[item, "twitter_action"]]
    shown = desk.reveal_text()
    assert "What Twitter did" in shown and twitter in shown and rationale in shown
    saved = [r for r in voila.saved_decisions() if r.get("rationale") == rationale]
    assert [(r["item_id"], r["action"]) for r in saved] == [(item, "remove")]
    assert view.offline_problems() == []


def test_voila_shows_the_policylab_and_redraws(voila, policylab_notebook):
    view = voila.render(policylab_notebook)
    problems = view.problems() + view.offline_problems()
    assert not problems, _report(policylab_notebook, problems)

    root = view.page.locator(".kit-lab").first
    select = root.locator(".kit-lab-preset select")
    svg_sel = ".kit-lab .kit-lab-chart .vega-embed svg.marks"
    view.page.locator(svg_sel).first.wait_for(timeout=30_000)
    svg_before = view.page.locator(svg_sel).first.evaluate("e => e.innerHTML")
    current = select.evaluate("e => e.value")
    options = select.evaluate("e => [...e.options].map(o => o.value)")
    changed = False
    for option in options:
        if option == current or option.startswith("custom"):
            continue
        select.select_option(value=option)
        try:
            view.page.wait_for_function(
                "([sel, old]) => { const e = document.querySelector(sel);"
                " return !!e && e.innerHTML !== old; }", arg=[svg_sel, svg_before],
                timeout=10_000)
        except Exception:  # noqa: BLE001 - this preset draws the same chart; try the next
            continue
        changed = True
        break
    assert changed, "no other preset changed the PolicyLab chart in Voila"
    assert not view.problems()
    assert view.offline_problems() == []


#: Notebook instructions that a Voila page must not show (it has no cells to run).
NOTEBOOK_WORDS = ("Shift + Enter", "Run this cell", "Run each code cell", "re-run",
                  "run this notebook again", "run the notebook again",
                  "the name you gave in notebook 0", "the name you saved in notebook 0")


def test_voila_pages_carry_their_own_instructions(voila, desk_notebook, policylab_notebook):
    for name in (desk_notebook, policylab_notebook):
        view = voila.render(name)
        body = view.text("#rendered_cells")
        found = [w for w in NOTEBOOK_WORDS if w.lower() in body.lower()]
        assert not found, f"{name} in Voila shows notebook instructions: {found}"
        assert "Deciding as: guest" not in body and "Your progress" not in body
        assert not view.problems(), _report(name, view.problems())
    desk = voila.render(desk_notebook).text("#rendered_cells")
    assert "On this page" in desk and "Start" in desk   # the page's own instructions


def test_voila_shows_tables_as_tables(voila, policylab_notebook):
    view = voila.render(policylab_notebook)
    tables = view.page.locator("#rendered_cells .kit-table table")
    assert tables.count() >= 1
    first = tables.first
    assert first.locator("caption").inner_text().strip()
    assert first.locator("thead th[scope=col]").count() >= 2
    assert first.locator("tbody tr").count() >= 1
    first.scroll_into_view_if_needed()
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    first.screenshot(path=str(shots / "voila-policylab-table.png"))
    shown = view.text("#rendered_cells")
    for bad in ("<NA>", "NaN", "NaT", "Empty DataFrame", "JupyterChart object"):
        assert bad not in shown, bad
