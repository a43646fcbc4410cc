"""A class on one Voila server: each page asks who is deciding, and keeps learners apart.

Three pages of the desk notebook on one class folder (the session's Voila server, one
KIT_DECISIONS_DIR): two learners each give their name in their own page and decide the
same item; each sees only their own decision; a third page, opened after them, asks for a
name first and shows no reveal of Twitter's action until that learner saves.

The pages run the desk notebook as shipped.
"""
from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.browser

@pytest.fixture(scope="module")
def class_notebook(desk_notebook):
    """The desk notebook as shipped (its cells already let the desk ask for the name)."""
    return desk_notebook


def _no_problems(view):
    problems = view.problems() + view.offline_problems()
    assert not problems, f"{view.name} in Voila:\n- " + "\n- ".join(problems)


def test_two_learners_in_two_pages_and_a_third_sees_no_reveal(voila, class_notebook,
                                                              casebook):
    tag = uuid.uuid4().hex[:6]
    ana_name, ben_name, cy_name = f"Ana {tag}", f"Ben {tag}", f"Cy {tag}"
    names = dict(zip(casebook.actions.action_id, casebook.actions.name))

    first = voila.another_page(class_notebook)
    _no_problems(first)
    ana = first.desk()
    assert ana.gated() and not ana.revealed()
    assert first.page.locator(".kit-desk-save").count() == 0     # no desk before a name
    ana.sign_in(ana_name)
    item = ana.item_id()
    assert not ana.revealed()
    ana.decide([], names["remove"], f"Ana's reason {tag}")
    assert f"Ana's reason {tag}" in ana.reveal_text()

    second = voila.another_page(class_notebook)
    _no_problems(second)
    ben = second.desk()
    assert ben.gated()
    assert second.page.locator(".kit-gate-name input").input_value() == ""   # no pre-fill
    ben.sign_in(ben_name)
    assert ben.item_id() == item and not ben.revealed()       # Ana's save reveals nothing here
    assert f"Ana's reason {tag}" not in second.text("body")
    ben.decide([], names["none"], f"Ben's reason {tag}")
    shown = ben.reveal_text()
    assert f"Ben's reason {tag}" in shown and f"Ana's reason {tag}" not in shown

    third = voila.another_page(class_notebook)
    _no_problems(third)
    cy = third.desk()
    assert cy.gated() and not cy.revealed()
    body = third.text("body")
    assert "What Twitter did" not in body and ana_name not in body and ben_name not in body
    cy.sign_in(cy_name)
    assert cy.item_id() == item and not cy.revealed()
    assert "What Twitter did" not in third.text(".kit-desk")

    # Ana's page still shows her own decision only
    assert f"Ben's reason {tag}" not in first.text("body")
    # one file per learner, each holding only that learner's decision
    saved = [r for r in voila.saved_decisions() if tag in (r.get("learner") or "")]
    by_learner = {r["learner"]: (r["file"], r["item_id"], r["action"], r["rationale"])
                  for r in saved}
    assert len(saved) == 2 and set(by_learner) == {ana_name, ben_name}
    assert by_learner[ana_name][1:] == (item, "remove", f"Ana's reason {tag}")
    assert by_learner[ben_name][1:] == (item, "none", f"Ben's reason {tag}")
    assert by_learner[ana_name][0] != by_learner[ben_name][0]
    for view in (first, second, third):
        assert not view.problems(), view.name
