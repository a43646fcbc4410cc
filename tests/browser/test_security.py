"""Text typed by a learner (or found in a classmate's file) is shown as text, never run.

A rationale typed into the DecisionDesk and a learner name in a decision file both
carry ``<img src=x onerror=…>``, ``<script>…</script>`` and ``javascript:`` links that
would set ``window.__xss``. In the real browser they must show literally, and nothing
may run: ``window.__xss`` stays undefined, no dialog opens, no console or page error
appears, the page never requests ``x``, and no live element comes out of them.
"""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PAYLOADS = (
    "<img src=x onerror=window.__xss=1>",
    "<script>window.__xss=1</script>",
    '<a href="javascript:window.__xss=1">click me</a>',
    "[or me](javascript:window.__xss=1)",
    "javascript:window.__xss=1",
)
RATIONALE = "Rationale " + " ".join(PAYLOADS)
LEARNER = "Eve <img src=x onerror=window.__xss=1><script>window.__xss=1</script> javascript:alert(1)"


def _squash(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split())


def test_rationale_with_markup_is_shown_as_text(lab, desk_notebook, casebook):
    view = lab.run(desk_notebook)
    desk = view.desk()
    desk.goto_undecided()
    mark = view.mark()
    none = dict(zip(casebook.actions.action_id, casebook.actions.name))["none"]
    desk.decide([], none, RATIONALE)

    mine = desk.root.locator(".kit-desk-your-rationale")
    shown = _squash(mine.inner_text())
    mine.click()                                  # clicking the text runs nothing either
    desk.root.get_by_text("click me").first.click()
    view.page.wait_for_timeout(300)
    problems = view.injection_problems(mark)
    if shown != _squash(RATIONALE):
        problems.append(f"the rationale is shown as {shown!r}, not as the text typed")
    assert not problems, "a rationale with markup:\n- " + "\n- ".join(problems)
    saved = [r for r in lab.saved_decisions() if r.get("rationale") == RATIONALE]
    assert saved, "the rationale was not saved verbatim"


def test_learner_name_typed_with_markup_is_shown_as_text(lab, welcome_notebook):
    from kit.decisions import LEARNER_FILE

    view = lab.run(welcome_notebook)
    learner_file = lab.decisions / LEARNER_FILE
    before = learner_file.read_bytes() if learner_file.exists() else None
    try:
        mark = view.mark()
        app = view.page.locator(".kit-welcome").first
        app.locator(".kit-welcome-name input").fill(LEARNER)
        app.locator("button.kit-welcome-save").click()
        view.page.wait_for_function(
            "([sel, want]) => { const e = document.querySelector(sel);"
            " return !!e && e.innerText.includes(want); }",
            arg=[".kit-welcome .kit-welcome-status", f"Hello, {LEARNER}!"], timeout=30_000)
        view.page.wait_for_timeout(300)
        assert view.injection_problems(mark) == []
    finally:   # the other tests decide as whoever was the learner before
        if before is None:
            learner_file.unlink(missing_ok=True)
        else:
            learner_file.write_bytes(before)


def test_learner_name_in_a_class_file_is_shown_as_text(lab, dashboard_notebook, casebook):
    import kit

    log = kit.DecisionLog.for_learner(LEARNER, folder=lab.decisions, casebook=casebook)
    log.record(casebook.items.item_id.iloc[0], [], "none", RATIONALE)

    view = lab.run(dashboard_notebook)
    mark = view.mark()
    dash = view.page.locator(".kit-dash").first
    dash.locator(".kit-dash-folder input").fill(str(lab.decisions))
    dash.locator("button.kit-dash-load").click()
    overview = dash.locator(".kit-dash-overview")
    view.page.wait_for_function(
        "([sel, want]) => { const e = document.querySelector(sel);"
        " return !!e && e.innerText.includes(want); }",
        arg=[".kit-dash .kit-dash-overview", LEARNER], timeout=30_000)
    assert LEARNER in overview.inner_text()
    view.page.wait_for_timeout(300)
    assert view.injection_problems(mark) == []
