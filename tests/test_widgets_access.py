"""Keyboard and screen-reader support in the apps, driven headlessly.

What can be checked without a browser: the front-end helper every app carries (and
keeps, whatever the app shows), the folds' state classes, the rule explanations next
to the checkboxes (from the case file's rules table, escaped), the desk's "Saved" line
and its request to scroll Twitter's decision into view, whole button labels, the
explorer opening on an item without a content note with noted text folded away, and
the chart bundle's named actions menu. What the page does with them is checked in a
real browser (tests/browser/test_accessibility.py).
"""
from __future__ import annotations

import ipywidgets as W
import pytest

import kit
from kit.words import blank
from kit.widgets import (AttributionBoard, CaseExplorer, DecisionDesk, PolicyLab, Quiz, Survey,
                         Welcome)
from kit.widgets._common import Fold, KitApp, RuleChoice, rule_explanation_html
from kit.widgets.access import CHART_MENU_LABEL, ESM, Access

from widgetprobe import IMG, IMG_ESC, SCRIPT, SCRIPT_ESC, all_html, walk


@pytest.fixture(scope="module")
def shipped():
    return kit.load_casebook()


@pytest.fixture
def log(shipped, tmp_path):
    return kit.DecisionLog(tmp_path / "ana.decisions.jsonl", learner="ana", casebook=shipped)


def _apps(shipped, log):
    return [DecisionDesk(log, shipped), PolicyLab(shipped, log=log), CaseExplorer(shipped),
            Quiz(shipped, topic="rules", log=log), Survey(log, shipped),
            AttributionBoard(log, shipped), Welcome()]


# --------------------------------------------------------------------------- the helper

def test_every_app_carries_the_front_end_helper_last(shipped, log):
    for app in _apps(shipped, log):
        assert isinstance(app.children[-1], Access), type(app).__name__
        assert app.children[-2] is app.message
        assert app.access.label, type(app).__name__        # names the app's landmark
    desk = DecisionDesk(log, shipped)
    assert desk.access.label == "Decision desk"


def test_set_body_keeps_title_style_and_helper():
    app = KitApp("demo", title="Demo")
    first, second = W.HTML("a"), W.HTML("b")
    app.set_body(first)
    app.set_body(second)
    assert app.children[-2:] == (app.message, app.access)
    assert app.body() == (second,)
    assert "<h3>Demo</h3>" in app.children[1].value and "<style>" in app.children[0].value


def test_the_helpers_script_does_what_the_apps_rely_on():
    # the browser tests check the behaviour; here, that each part is in the script at all
    for needle in ("stopPropagation", 'setAttribute("role", "radiogroup")', "radio.name",
                   "aria-expanded", "aria-controls", "aria-describedby", "kit-fold-open",
                   "kit-explained", "kit-live", "scrollIntoView", "change:scroll_count",
                   "prefers-reduced-motion"):
        assert needle in ESM, needle
    assert f'"{CHART_MENU_LABEL}"' in ESM


def test_chart_menu_label_is_the_charts_own():
    from kit.charts import offline

    assert CHART_MENU_LABEL == offline.CHART_MENU_LABEL


def test_the_installed_chart_bundle_gets_a_named_menu():
    import altair as alt

    from kit.charts import offline

    saved = alt.renderers.active, dict(alt.renderers.options), alt.theme.active
    try:
        offline.setup()
        src = alt.JupyterChart._esm
    finally:
        alt.renderers.enable(saved[0], **saved[1])
        alt.theme.enable(saved[2])
    # exactly one summary is created, and it is the labelled one (a new vega-embed that
    # builds its menu differently makes this fail: label it another way then)
    assert src.count('document.createElement("summary")') == 1
    assert f'setAttribute("aria-label",{CHART_MENU_LABEL!r})'.replace("'", '"') in src


# --------------------------------------------------------------------------- folds and buttons

def test_fold_marks_its_button_open_and_closed():
    content = W.HTML("text")
    fold = Fold(content, "Show", "Hide", "kit-demo")
    assert {"kit-demo", "kit-fold-button"} <= set(fold.button._dom_classes)
    assert "kit-fold" in fold._dom_classes and "kit-fold-content" in content._dom_classes
    assert isinstance(fold.button, W.ToggleButton)        # a real <button> in the page
    fold.unfold()
    assert fold.is_open and "kit-fold-open" in fold.button._dom_classes
    assert fold.children == (fold.button, content)
    fold.fold_away()
    assert "kit-fold-open" not in fold.button._dom_classes and fold.children == (fold.button,)


def test_no_button_label_is_cut(shipped, log):
    # ipywidgets gives a button a fixed width and cuts longer labels ("Save my answ…")
    for app in _apps(shipped, log):
        for w in walk(app):
            if isinstance(w, (W.Button, W.ToggleButton)):
                assert w.layout.width == "auto", (type(app).__name__, w.description)


def test_reason_boxes_have_visible_labels(shipped, log):
    board = AttributionBoard(log, shipped)
    assert board.reasons.description == "Your reasons"
    survey = Survey(log, shipped)
    assert all(box.description == "Why?" for box in survey.why.values())


# --------------------------------------------------------------------------- rule explanations

def test_rule_explanation_is_escaped_and_verbatim():
    rule = {"rule_id": "r1", "name": "Rule " + IMG, "summary": "Summary " + SCRIPT,
            "excerpt": "Excerpt " + IMG, "excerpt_source_ids": ("S7", "S8")}
    html = rule_explanation_html(rule)
    assert "Summary " + SCRIPT_ESC in html and f"“Excerpt {IMG_ESC}”" in html
    assert IMG not in html and SCRIPT not in html and "quoted from S7, S8" in html
    choice = RuleChoice(rule, tooltip="Enforce this rule.")
    assert choice.checkbox.description == "Rule " + IMG       # a label, shown as text
    assert choice.checkbox.tooltip == "Enforce this rule. Summary " + SCRIPT
    assert choice.explain.value == html and "kit-explain" in choice.explain._dom_classes
    assert "kit-explained" in choice._dom_classes
    no_excerpt = rule_explanation_html({"name": "R", "summary": "S", "excerpt": None,
                                        "excerpt_source_ids": ()})
    assert "blockquote" not in no_excerpt and "S" in no_excerpt


def test_rule_choice_value_follows_its_checkbox_both_ways():
    choice = RuleChoice({"rule_id": "r", "name": "R", "summary": "S"}, value=True)
    seen = []
    choice.observe(lambda c: seen.append(c["new"]), names="value")
    choice.checkbox.value = False
    choice.value = True
    assert choice.checkbox.value is True and seen == [False, True]


def _plain(text) -> str:
    return " ".join(str(text).split())


def test_desk_explains_every_rule_from_the_rules_table(shipped, log):
    desk = DecisionDesk(log, shipped)
    rules = shipped.conduct_rules.set_index("rule_id")
    assert list(desk.rule_choices) == list(rules.index)
    for rid, choice in desk.rule_choices.items():
        assert choice.checkbox is desk.rule_boxes[rid]
        html = _plain(choice.explain.value)
        assert _plain(kit.widgets._common.esc(rules.at[rid, "summary"])) in html
        assert _plain(kit.widgets._common.esc(rules.at[rid, "excerpt"])) in html
    rules_box = next(w for w in walk(desk) if "kit-desk-rules" in w._dom_classes)
    assert list(rules_box.children[1:]) == list(desk.rule_choices.values())


def test_policylab_explains_every_rule_next_to_both_checkboxes(shipped):
    lab = PolicyLab(shipped)
    rules = shipped.conduct_rules.set_index("rule_id")
    for boxes in (lab.enforced, lab.immediate):
        assert list(boxes) == list(rules.index)
        for rid, choice in boxes.items():
            assert isinstance(choice, RuleChoice)
            assert _plain(kit.widgets._common.esc(rules.at[rid, "excerpt"])) in _plain(
                choice.explain.value)
    before = lab.policy
    lab.enforced["civic_integrity"].value = False    # still drives the policy
    assert lab.policy != before and "civic_integrity" not in lab.policy.enforced_rules


# --------------------------------------------------------------------------- the desk

def test_desk_shows_saved_beside_the_button_and_scrolls_to_the_reveal(shipped, log):
    desk = DecisionDesk(log, shipped)
    row = next(w for w in walk(desk) if "kit-desk-save-row" in w._dom_classes)
    assert row.children == (desk.save_button, desk.saved_line, desk.sync_line)
    assert "kit-live" in desk.saved_line._dom_classes
    assert desk.saved_state() == "" and desk.saved_line.value == ""
    desk.action.value = "lock"
    assert desk.saved_state() == "unsaved" and "Not saved yet" in desk.saved_line.value
    asked = desk.access.scroll_count
    desk.rationale.value = "Because."
    desk.save_button.click()
    assert desk.saved_state() == "saved" and "Saved" in desk.saved_line.value
    assert (desk.access.scroll_target, desk.access.scroll_count) == (".kit-desk-reveal",
                                                                     asked + 1)
    desk.rationale.value = "Because, on second thoughts."
    assert desk.saved_state() == "changed" and "Changed since you saved" in desk.saved_line.value
    desk.rationale.value = "Because."
    assert desk.saved_state() == "saved"
    item = desk.current_item_id
    desk.go(desk.index + 1)
    assert desk.saved_line.value == ""
    desk.go_to(item)
    assert "Saved" in desk.saved_line.value


def test_desk_rationale_is_sent_when_the_box_loses_focus(shipped, log):
    # typed text then reaches the kernel in one message, before a quick click on Save
    assert DecisionDesk(log, shipped).rationale.continuous_update is False


def test_desk_text_fold_is_a_kit_fold(shipped, log):
    desk = DecisionDesk(log, shipped)
    noted = [i for i in shipped.item_order
             if str(shipped.items.set_index("item_id").at[i, "content_note"] or "").strip()]
    desk.go_to(noted[0])
    assert desk.text_area.children == (desk.text_toggle,)
    assert "kit-fold-button" in desk.text_toggle.button._dom_classes
    assert "kit-fold-open" not in desk.text_toggle.button._dom_classes


# --------------------------------------------------------------------------- the explorer

def test_explorer_opens_on_an_item_without_a_content_note(shipped):
    ex = CaseExplorer(shipped, show_outcomes=False)
    notes = shipped.items.set_index("item_id").content_note
    first = ex.results.value
    assert blank(notes[first])
    listed = [v for _, v in ex.results.options]
    assert all(not blank(notes[i]) for i in listed[:listed.index(first)])   # the first such


def test_explorer_folds_the_text_of_a_noted_item(case_factory):
    cb = case_factory(
        accounts=[{"handle": "tr", "leader": "trump"}],
        items=[{"item_id": "T1", "leader": "trump", "handle": "tr", "title": "Noted",
                "date": "2021-01-06", "text": "NOTED-TEXT " + IMG,
                "content_note": "Violent language", "twitter_action": "none",
                "source_ids": "S2"},
               {"item_id": "T2", "leader": "trump", "handle": "tr", "title": "Plain",
                "date": "2021-01-08", "text": "PLAIN-TEXT", "twitter_action": "none",
                "source_ids": "S1"}])
    ex = CaseExplorer(cb)
    assert ex.results.value == "T2"                       # not the earlier, noted T1
    assert "PLAIN-TEXT" in ex.detail.value and "<details" not in ex.detail.value
    ex.select("T1")
    d = ex.detail.value
    fold = d.index('<details class="kit-explorer-text-fold">')
    assert d.index("Content note") < fold < d.index("NOTED-TEXT")
    assert "<details open" not in d and "Show the text" in d and IMG not in d


def test_explorer_without_unnoted_items_opens_on_the_first(case_factory):
    cb = case_factory(
        accounts=[{"handle": "tr", "leader": "trump"}],
        items=[{"item_id": "T1", "leader": "trump", "handle": "tr", "title": "Noted",
                "date": "2021-01-06", "text": "x", "content_note": "Note",
                "twitter_action": "none", "source_ids": "S2"}])
    assert CaseExplorer(cb).results.value == "T1"


def test_quizzes_on_one_page_are_told_apart(shipped):
    labels = {Quiz(shipped, topic=t).access.label
              for t in ("public-interest", "world-leaders", "rules")}
    assert len(labels) == 3 and all(lbl.startswith("Quiz: Twitter's rules") for lbl in labels)
    assert "(${same + 1})" in ESM    # a repeated app on one page is numbered
