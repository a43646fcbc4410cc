"""The learner apps (CaseExplorer, DecisionDesk, Quiz), driven headlessly.

Widgets are driven as a browser would: set ``.value``, call ``.click()``. The tests
assert on app state, on what the DecisionLog saved (in tmp_path) and on the HTML the
apps produce. Synthetic case files (``case_factory``) give hand-checkable facts.
"""
from __future__ import annotations

import csv

import ipywidgets as W
import pytest

import kit
from kit import KitDataError
from kit.widgets import CaseExplorer, DecisionDesk, Quiz
from kit.widgets.cards import allegations_html, twitter_card_html
from kit.widgets.quiz import quiz_questions

from widgetprobe import IMG, IMG_ESC, SCRIPT, SCRIPT_ESC, all_html, walk


# --------------------------------------------------------------------------- helpers

def assert_no_raw_markup(app):
    html = all_html(app)
    assert IMG not in html and SCRIPT not in html
    assert "<script" not in html.lower()
    assert "onerror=" not in html.replace("onerror=alert(1)&gt;", "")


def assert_controls_described(app):
    controls = (W.Button, W.Checkbox, W.Dropdown, W.RadioButtons, W.Textarea, W.Text,
                W.SelectMultiple, W.Select, W.DatePicker)
    found = [w for w in walk(app) if isinstance(w, controls)]
    assert found
    for w in found:
        assert w.description.strip(), f"{type(w).__name__} without a description"
        assert (w.tooltip or "").strip(), f"{type(w).__name__} {w.description!r} without tooltip"


def has_class(app, cls) -> list:
    return [w for w in walk(app) if cls in w._dom_classes]


@pytest.fixture
def cb(case_factory):
    """Three items (two Trump, one Khamenei) with hostile text in several places."""
    return case_factory(
        accounts=[{"handle": "tr", "leader": "trump"},
                  {"handle": "kh", "leader": "khamenei", "role": "media_relay"}],
        items=[
            {"item_id": "T1", "leader": "trump", "handle": "tr", "title": "<b>Bold</b> lock",
             "date": "2021-01-06", "text": IMG, "context": "Context of T1",
             "content_note": "Violent language " + SCRIPT, "twitter_action": "lock",
             "twitter_action_date": "2021-01-06", "twitter_rule_ids": "civic_integrity",
             "twitter_stated_reason": "SECRET-REASON-T1", "action_note": "NOTE-T1",
             "source_ids": "S2"},
            {"item_id": "T2", "leader": "trump", "handle": "tr", "title": "Suspension tweet",
             "date": "2021-01-08", "text": "plain words", "twitter_action": "suspend",
             "twitter_action_date": "2021-01-08",
             "twitter_rule_ids": "glorification_of_violence",
             "twitter_stated_reason": "SECRET-REASON-T2", "source_ids": "S1"},
            {"item_id": "K1", "leader": "khamenei", "handle": "kh", "title": "Image",
             "date": "2021-01-22", "content_type": "description", "text": SCRIPT,
             "twitter_action": "none", "source_ids": "S21"},
        ],
        allegations=[{"allegation_id": "A1", "item_id": "K1", "rule_id": "abusive_behavior",
                      "alleged_by": "Critic " + IMG, "quote": "QUOTE-K1",
                      "source_ids": "S21"}],
        events=[
            {"event_id": "E1", "date": "2021-01-06", "leader": "trump", "handle": "tr",
             "event_type": "lock", "action_id": "lock", "item_id": "T1",
             "description": "Twitter locked the account", "source_ids": "S2"},
            {"event_id": "E2", "date": "2021-01-22", "leader": "khamenei", "handle": "kh",
             "event_type": "post", "item_id": "K1", "description": "Image posted " + IMG,
             "stated_reason": SCRIPT, "source_ids": "S21"},
            {"event_id": "E3", "date": "2019-10-15", "leader": "both", "event_type": "policy",
             "description": "World-leader post", "source_ids": "S4"},
        ])


@pytest.fixture
def log(cb, tmp_path):
    return kit.DecisionLog(tmp_path / "ana.decisions.jsonl", learner="ana", casebook=cb)


def decide(desk, action, rules=(), rationale=""):
    for rid, box in desk.rule_boxes.items():
        box.value = rid in rules
    desk.action.value = action
    desk.rationale.value = rationale
    desk.save_button.click()


# --------------------------------------------------------------------------- DecisionDesk

def test_desk_shows_item_note_first_and_text_collapsed(cb, log):
    desk = DecisionDesk(log, cb)
    assert desk.current_item_id == "T1"
    assert "Violent language" in desk.note.value and SCRIPT_ESC in desk.note.value
    # the text sits folded away below the note, behind a plain toggle button
    assert desk.text_area.children == (desk.text_toggle,)
    assert not desk.text_toggle.is_open and desk.text not in desk.text_toggle.children
    assert IMG_ESC in desk.text.value
    desk.text_toggle.button.value = True          # the learner opens it
    assert desk.text_toggle.children == (desk.text_toggle.button, desk.text)
    desk.go_to("T1")                              # folded again when the item is shown again
    assert not desk.text_toggle.is_open
    body = list(desk.children)
    assert body.index(desk.note) < body.index(desk.text_area)
    assert "&lt;b&gt;Bold&lt;/b&gt; lock" in desk.header.value and "@tr" in desk.header.value
    assert "6 January 2021" in desk.header.value
    assert "Context of T1" in desk.context.value
    # an item without a note shows its text directly
    desk.go_to("K1")
    assert desk.note.value == "" and desk.text_area.children == (desk.text,)
    assert SCRIPT_ESC in desk.text.value and "Description" in desk.text.value
    assert_no_raw_markup(desk)


def test_desk_rule_checkboxes_and_ladder_come_from_the_casebook(cb, log):
    desk = DecisionDesk(log, cb)
    conduct = cb.conduct_rules
    assert list(desk.rule_boxes) == list(conduct.rule_id)
    for _, r in conduct.iterrows():
        box = desk.rule_boxes[r.rule_id]
        assert box.description == r["name"] and box.tooltip == r["summary"]
    levels = cb.action_levels
    assert [v for _, v in desk.action.options] == sorted(levels, key=levels.get)
    assert desk.action.value is None
    assert "Account lock (level 4)" in [label for label, _ in desk.action.options]
    assert_controls_described(desk)
    for cls in ("kit-desk-save", "kit-desk-next", "kit-desk-prev", "kit-desk-jump",
                "kit-desk-reveal", "kit-desk-progress", "kit-desk-rationale", "kit-desk-action",
                "kit-message"):
        assert len(has_class(desk, cls)) == 1, cls
    assert len(has_class(desk, "kit-desk-rule")) == len(conduct)


def test_desk_reveals_twitter_only_after_saving(cb, log):
    desk = DecisionDesk(log, cb)
    for secret in ("SECRET-REASON-T1", "NOTE-T1", "Account lock", "Civic integrity"):
        assert secret not in all_html(desk)
    assert "once you save yours" in desk.reveal.value
    # a source title could give the outcome away: no source links before the decision
    assert "href=" not in all_html(desk)
    decide(desk, "suspend", ["glorification_of_violence"], "too far")
    reveal = desk.reveal.value
    assert "SECRET-REASON-T1" in reveal and "NOTE-T1" in reveal
    assert "Account lock (level 4)" in reveal and "6 January 2021" in reveal
    assert "Civic integrity (elections)" in reveal          # the rule Twitter cited, by name
    assert "Permanent suspension (level 5)" in reveal       # the learner's own action
    assert "1 step stricter than Twitter" in reveal
    assert "You ticked 0 of the 1 rule(s) Twitter cited" in reveal
    assert 'href="https://www.khq.com/' in reveal           # S2, the item's source
    # the next item is still hidden
    desk.next_button.click()
    assert desk.current_item_id == "T2"
    assert "SECRET-REASON-T2" not in all_html(desk)
    assert "SECRET-REASON-T1" not in all_html(desk)


def test_desk_reveal_lists_allegations_after_saving(cb, log):
    desk = DecisionDesk(log, cb)
    desk.go_to("K1")
    assert "QUOTE-K1" not in all_html(desk)
    decide(desk, "none")
    assert "QUOTE-K1" in desk.reveal.value and "Critic " + IMG_ESC in desk.reveal.value
    assert "You chose the same step of the ladder as Twitter." in desk.reveal.value


def test_desk_saves_to_the_log_and_counts_progress(cb, log):
    desk = DecisionDesk(log, cb)
    assert "0 of 3 decided" in desk.progress.value and "item 1 of 3" in desk.progress.value
    decide(desk, "lock", ["civic_integrity", "abusive_behavior"], "why not")
    table = log.table()
    assert table[["item_id", "action", "rationale", "revision"]].values.tolist() == [
        ["T1", "lock", "why not", 1]]
    assert set(table.rules[0]) == {"civic_integrity", "abusive_behavior"}
    assert "1 of 3 decided" in desk.progress.value
    assert "Saved your decision on T1" in desk.message.value
    assert desk.picker.options[0][0].startswith("✓ T1")
    assert repr(desk) == "DecisionDesk(T1, item 1 of 3, 1 of 3 decided)"
    # deciding again is a revision; the form shows the latest decision
    decide(desk, "remove", [], "second thoughts")
    assert log.table()[["action", "revision"]].values.tolist() == [["remove", 2]]
    assert "1 of 3 decided" in desk.progress.value
    desk.go_to("T2")
    desk.go_to("T1")
    assert desk.action.value == "remove" and desk.rationale.value == "second thoughts"
    assert not any(b.value for b in desk.rule_boxes.values())


def test_desk_save_without_action_saves_nothing_and_keeps_rationale(cb, log):
    desk = DecisionDesk(log, cb)
    desk.rule_boxes["civic_integrity"].value = True
    desk.rationale.value = "my careful reasons"
    desk.save_button.click()
    assert "Choose an action" in desk.message.value and "Nothing was saved" in desk.message.value
    assert 'role="alert"' in desk.message.value
    assert log.table().empty
    assert desk.rationale.value == "my careful reasons"
    assert desk.rule_boxes["civic_integrity"].value
    assert "SECRET-REASON-T1" not in desk.reveal.value
    assert "0 of 3 decided" in desk.progress.value


def test_desk_learner_text_is_escaped_everywhere(cb, log):
    desk = DecisionDesk(log, cb)
    decide(desk, "label", [], IMG + " and " + SCRIPT)
    assert IMG_ESC in desk.reveal.value and SCRIPT_ESC in desk.reveal.value
    assert_no_raw_markup(desk)
    # the same after a reload from the file
    again = DecisionDesk(kit.DecisionLog(log.path, casebook=cb), cb)
    again.go_to("T1")
    assert again.rationale.value == IMG + " and " + SCRIPT       # the box holds plain text
    assert IMG_ESC in again.reveal.value and SCRIPT_ESC in again.reveal.value
    assert_no_raw_markup(again)


def test_desk_error_in_callback_shows_in_the_app_and_keeps_the_form(cb, log, monkeypatch):
    desk = DecisionDesk(log, cb)

    def broken(*args, **kwargs):
        raise OSError("disk full <b>")

    monkeypatch.setattr(log, "record", broken)
    desk.rule_boxes["civic_integrity"].value = True
    desk.action.value = "lock"
    desk.rationale.value = "a long rationale I must not lose"
    desk.save_button.click()
    assert "OSError" in desk.message.value and "disk full &lt;b&gt;" in desk.message.value
    assert 'class="kit-error-box"' in desk.message.value
    assert desk.rationale.value == "a long rationale I must not lose"
    assert desk.action.value == "lock" and desk.rule_boxes["civic_integrity"].value
    assert "SECRET-REASON-T1" not in desk.reveal.value
    assert "0 of 3 decided" in desk.progress.value
    monkeypatch.undo()
    assert log.table().empty


def test_desk_bad_input_from_the_log_is_shown_in_plain_words(cb, log):
    desk = DecisionDesk(log, cb)
    desk.action.value = "none"
    desk.rationale.value = "x" * 5001          # the log allows 5000 characters
    desk.save_button.click()
    assert "5001 characters" in desk.message.value
    assert desk.rationale.value == "x" * 5001
    assert log.table().empty


def test_desk_previous_next_and_jump(cb, log):
    desk = DecisionDesk(log, cb)
    assert desk.current_item_id == "T1"
    assert desk.prev_button.disabled and not desk.next_button.disabled
    desk.next_button.click()
    assert desk.current_item_id == "T2" and desk.picker.value == "T2"
    desk.next_button.click()
    assert desk.current_item_id == "K1" and desk.next_button.disabled
    desk.next_button.click()                          # no further: stays
    assert desk.current_item_id == "K1"
    desk.prev_button.click()
    assert desk.current_item_id == "T2"
    desk.picker.value = "T1"                          # choosing in the list also navigates
    assert desk.current_item_id == "T1" and "item 1 of 3" in desk.progress.value
    decide(desk, "none")
    desk.go_to("K1")
    decide(desk, "none")
    desk.jump_button.click()                          # wraps round to the only undecided one
    assert desk.current_item_id == "T2"
    decide(desk, "none")
    desk.jump_button.click()
    assert desk.current_item_id == "T2"
    assert "decided all 3 items" in desk.message.value
    assert desk.undecided_ids() == [] and desk.decided_ids() == ["T1", "T2", "K1"]


def test_desk_keeps_unsaved_edits_when_navigating(cb, log):
    desk = DecisionDesk(log, cb)
    desk.rationale.value = "half-written"
    desk.action.value = "label"
    desk.next_button.click()
    assert desk.rationale.value == "" and desk.action.value is None
    desk.prev_button.click()
    assert desk.rationale.value == "half-written" and desk.action.value == "label"
    assert "without saving" in desk.message.value
    assert log.table().empty                           # a draft is not a decision


def test_desk_reloads_after_a_restart(cb, log):
    desk = DecisionDesk(log, cb)
    decide(desk, "lock", ["civic_integrity"], "the lock fits")
    del desk
    # "restart": a new log object on the same file, a new desk
    log2 = kit.DecisionLog(log.path, casebook=cb)
    desk2 = DecisionDesk(log2, cb)
    assert desk2.current_item_id == "T2"               # opens at the first undecided item
    assert "1 of 3 decided" in desk2.progress.value
    assert "SECRET-REASON-T2" not in all_html(desk2)
    desk2.prev_button.click()
    assert desk2.current_item_id == "T1"
    assert desk2.action.value == "lock" and desk2.rationale.value == "the lock fits"
    assert [r for r, b in desk2.rule_boxes.items() if b.value] == ["civic_integrity"]
    assert "SECRET-REASON-T1" in desk2.reveal.value
    assert repr(desk2) == "DecisionDesk(T1, item 1 of 3, 1 of 3 decided)"


def test_desk_items_argument_orders_and_checks(cb, log):
    desk = DecisionDesk(log, cb, items=["K1", "T1"])
    assert desk.item_ids == ["K1", "T1"] and desk.current_item_id == "K1"
    assert "0 of 2 decided" in desk.progress.value
    with pytest.raises(KitDataError, match="'Z9'"):
        DecisionDesk(log, cb, items=["T1", "Z9"])
    with pytest.raises(KitDataError, match="no items"):
        DecisionDesk(log, cb, items=[])


def test_desk_unreadable_log_opens_with_a_message(cb, log):
    class Broken:
        def table(self):
            raise KitDataError("cannot read the file", file="ana.decisions.jsonl")

    desk = DecisionDesk(Broken(), cb)
    assert "ana.decisions.jsonl: cannot read the file" in desk.message.value
    assert "0 of 3 decided" in desk.progress.value


def test_desk_on_the_shipped_case_file(casebook, tmp_path):
    log = kit.DecisionLog(tmp_path / "x.decisions.jsonl", casebook=casebook)
    desk = DecisionDesk(log, casebook)
    n = len(casebook.items)
    assert f"0 of {n} decided" in desk.progress.value
    noted = casebook.items[casebook.items.content_note.str.len() > 0].item_id
    for item_id in noted[:3]:
        desk.go_to(item_id)
        assert "Content note" in desk.note.value
        assert desk.text_area.children == (desk.text_toggle,)


# --------------------------------------------------------------------------- CaseExplorer

def test_explorer_filters(cb):
    ex = CaseExplorer(cb)
    assert ex.filtered().item_id.tolist() == ["T1", "T2", "K1"]   # by date
    assert "3 items match (of 3)" in ex.count.value
    ex.leader.value = "khamenei"
    assert [v for _, v in ex.results.options] == ["K1"]
    ex.leader.value = "(all)"
    ex.rules.value = ("glorification_of_violence",)              # cited by Twitter
    assert ex.filtered().item_id.tolist() == ["T2"]
    ex.rules.value = ("abusive_behavior",)                       # alleged by someone
    assert ex.filtered().item_id.tolist() == ["K1"]
    ex.rules.value = ()
    ex.date_from.value = __import__("datetime").date(2021, 1, 7)
    assert ex.filtered().item_id.tolist() == ["T2", "K1"]
    ex.date_to.value = __import__("datetime").date(2021, 1, 8)
    assert ex.filtered().item_id.tolist() == ["T2"]
    assert repr(ex) == "CaseExplorer(items: 1 shown, showing T2)"
    ex.reset_button.click()
    assert len(ex.filtered()) == 3
    ex.search.value = "suspension"
    assert ex.filtered().item_id.tolist() == ["T2"]
    ex.search.value = "@kh"
    assert ex.filtered().item_id.tolist() == ["K1"]


def test_explorer_views_accounts_and_events(cb):
    ex = CaseExplorer(cb)
    ex.view.value = "accounts"
    assert ex.filtered().handle.tolist() == ["kh", "tr"]
    assert ex.date_from.disabled and ex.date_to.disabled
    assert [v for _, v in ex.kind.options] == ["(all)", "media_relay", "personal"]
    ex.kind.value = "media_relay"
    assert ex.filtered().handle.tolist() == ["kh"]
    ex.kind.value = "(all)"
    ex.rules.value = ("civic_integrity",)
    assert ex.filtered().handle.tolist() == ["tr"]
    ex.view.value = "events"
    assert not ex.date_from.disabled
    ex.rules.value = ()
    assert ex.filtered().event_id.tolist() == ["E3", "E1", "E2"]
    ex.leader.value = "trump"                                    # "both" is always kept
    assert ex.filtered().event_id.tolist() == ["E3", "E1"]
    ex.kind.value = "lock"
    assert ex.filtered().event_id.tolist() == ["E1"]


def test_explorer_detail_sources_notes_and_escaping(cb):
    ex = CaseExplorer(cb)
    ex.select("T1")
    d = ex.detail.value
    assert d.index("Content note") < d.index(IMG_ESC)             # note before the text
    assert 'href="https://www.khq.com/' in d                      # S2 as a link
    assert "SECRET-REASON-T1" in d and "Account lock" in d        # outcomes shown by default
    assert "Twitter locked the account" in d                      # its event
    ex.select("K1")
    d = ex.detail.value
    assert SCRIPT_ESC in d and "Critic " + IMG_ESC in d and "QUOTE-K1" in d
    assert 'href="https://www.gadgets360.com/' in d               # the allegation's source
    ex.view.value = "events"
    ex.select("E2")
    d = ex.detail.value
    assert IMG_ESC in d and SCRIPT_ESC in d
    ex.view.value = "accounts"
    ex.select("tr")
    d = ex.detail.value
    assert "1,000,000" in d and "T1" in d and "Suspension tweet" in d
    assert 'href="https://blog.twitter.com/' in d                 # followers source S1
    assert_no_raw_markup(ex)
    assert_controls_described(ex)
    for cls in ("kit-explorer-results", "kit-explorer-detail", "kit-explorer-count",
                "kit-explorer-leader", "kit-explorer-rules", "kit-explorer-from"):
        assert len(has_class(ex, cls)) == 1, cls


def test_explorer_event_detail_shows_its_items_content_note_first(cb):
    ex = CaseExplorer(cb)
    ex.view.value = "events"
    ex.select("E1")
    d = ex.detail.value
    assert d.index("Content note") < d.index("Twitter locked the account")


def test_explorer_can_hide_outcomes(cb):
    ex = CaseExplorer(cb, show_outcomes=False)
    ex.select("T1")
    assert "SECRET-REASON-T1" not in ex.detail.value and "What Twitter did" not in ex.detail.value
    assert "Context of T1" in ex.detail.value


def test_explorer_empty_results_and_bad_dates(cb):
    ex = CaseExplorer(cb)
    ex.date_from.value = __import__("datetime").date(2021, 2, 1)
    ex.date_to.value = __import__("datetime").date(2021, 1, 1)
    assert ex.results.options == () and ex.results.value is None
    assert "Nothing matches" in ex.detail.value
    assert "after the &#x27;To&#x27; date" in ex.message.value
    assert "0 items match" in ex.count.value
    with pytest.raises(KitDataError, match="not among"):
        ex.select("T1")


def test_explorer_error_in_callback_shows_in_the_app(cb, monkeypatch):
    ex = CaseExplorer(cb)

    def broken():
        raise RuntimeError("filter exploded")

    monkeypatch.setattr(ex, "filtered", broken)
    ex.leader.value = "trump"
    assert "RuntimeError" in ex.message.value and "filter exploded" in ex.message.value


def test_explorer_on_the_shipped_case_file(casebook):
    ex = CaseExplorer(casebook)
    assert len(ex.results.options) == len(casebook.items)
    noted = casebook.items[casebook.items.content_note.str.len() > 0]
    for item_id in noted.item_id[:5]:
        ex.select(item_id)
        d = ex.detail.value
        assert d.index("Content note") < d.index('class="kit-item-text"')


def test_desk_and_explorer_share_one_card_of_what_twitter_did(cb, log):
    items = cb.items.set_index("item_id")
    desk = DecisionDesk(log, cb, items=["T1", "K1"])
    ex = CaseExplorer(cb)
    for item_id in ("T1", "K1"):
        desk.go_to(item_id)
        decide(desk, "none")
        ex.select(item_id)
        card = twitter_card_html(items.loc[item_id], cb)
        assert card in desk.reveal.value and card in ex.detail.value, item_id
    said = allegations_html(cb.allegations[cb.allegations.item_id == "K1"], cb)
    assert "QUOTE-K1" in said and said in desk.reveal.value and said in ex.detail.value


# --------------------------------------------------------------------------- Quiz

QUIZ_COLUMNS = ["question_id", "topic", "question", "choices", "answer", "explanation",
                "rule_ids", "source_ids"]


def with_quiz(cb, rows):
    """Reload a synthetic casebook with a quiz.csv of the given rows."""
    path = cb.data_dir / "quiz.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, QUIZ_COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow({"rule_ids": "", "source_ids": "S3", "topic": "a", **r})
    return kit.load_casebook(cb.data_dir)


@pytest.fixture
def qcb(cb):
    return with_quiz(cb, [
        {"question_id": "q1", "question": "Which " + IMG + "?", "choices": "A | B | " + SCRIPT,
         "answer": "B", "explanation": "Because B " + SCRIPT, "rule_ids": "public_interest_notice"},
        {"question_id": "q2", "topic": "b", "question": "Second?", "choices": "yes | no",
         "answer": "no", "explanation": "No it is not.", "source_ids": "S1;S2"},
    ])


def test_quiz_checks_answers_scores_and_explains(qcb):
    quiz = Quiz(qcb)
    assert quiz.choices.options == ("A", "B", SCRIPT) and quiz.choices.value is None
    assert "Question 1 of 2" in quiz.progress.value and "score 0 of 0" in quiz.progress.value
    assert IMG_ESC in quiz.question.value
    quiz.check_button.click()                                    # nothing chosen
    assert "Choose an answer first" in quiz.message.value and quiz.score == (0, 0)
    quiz.choices.value = SCRIPT
    quiz.check_button.click()
    fb = quiz.feedback.value
    assert "Not quite" in fb and "The answer is “B”" in fb and SCRIPT_ESC in fb
    assert "Because B" in fb and "Public-interest notice (2019)" in fb
    assert 'href="https://blog.twtrinc.com/' in fb                # S3
    assert quiz.score == (0, 1) and quiz.choices.disabled and quiz.check_button.disabled
    quiz.choices.value = "B"                                      # a second try does not count
    quiz.check()
    assert quiz.score == (0, 1)
    quiz.next_button.click()
    assert "Question 2 of 2" in quiz.progress.value and quiz.feedback.value == ""
    quiz.choices.value = "no"
    quiz.check_button.click()
    assert "Correct" in quiz.feedback.value and quiz.score == (1, 2)
    assert quiz.feedback.value.count("href=") == 2               # S1 and S2
    assert repr(quiz) == "Quiz(question 2 of 2, score 1 of 2)"
    quiz.prev_button.click()                                      # going back shows the result
    assert "Not quite" in quiz.feedback.value and quiz.choices.value == SCRIPT
    quiz.next_button.click()
    quiz.next_button.click()
    assert quiz.finished and "1 of 2 questions right" in quiz.question.value
    assert repr(quiz) == "Quiz(finished, score 1 of 2)"
    quiz.restart_button.click()
    assert quiz.score == (0, 0) and not quiz.finished and quiz.index == 0
    assert_no_raw_markup(quiz)
    assert_controls_described(quiz)
    for cls in ("kit-quiz-check", "kit-quiz-feedback", "kit-quiz-next", "kit-quiz-choices",
                "kit-quiz-progress"):
        assert len(has_class(quiz, cls)) == 1, cls


def test_quiz_topic_and_bad_rows(qcb, cb):
    quiz = Quiz(qcb, topic="b")
    assert [q["question_id"] for q in quiz.questions] == ["q2"]
    assert repr(quiz) == "Quiz(question 1 of 1, score 0 of 0, topic b)"
    with pytest.raises(KitDataError, match="topics are 'a', 'b'"):
        Quiz(qcb, topic="nope")
    with pytest.raises(KitDataError, match="q1.*not exactly one of its choices"):
        with_quiz(cb, [{"question_id": "q1", "question": "?", "choices": "A | B",  # fails at load
                        "answer": "C", "explanation": "."}])
    with pytest.raises(KitDataError, match="no quiz questions"):
        Quiz(cb)                                                  # synthetic case: no quiz.csv


def test_quiz_records_answers_in_the_log(qcb, tmp_path):
    log = kit.DecisionLog(tmp_path / "q.decisions.jsonl", casebook=qcb)
    quiz = Quiz(qcb, log=log)
    quiz.choices.value = "B"
    quiz.check_button.click()
    quiz.next_button.click()
    quiz.choices.value = "yes"
    quiz.check_button.click()
    answers = kit.DecisionLog(log.path, casebook=qcb).answers()
    assert answers[["section", "question_id", "answer"]].values.tolist() == [
        ["quiz", "q1", "B"], ["quiz", "q2", "yes"]]
    assert log.table().empty                                      # answers are not decisions



def test_quiz_answers_reload_after_a_restart(qcb, tmp_path):
    log = kit.DecisionLog(tmp_path / "q.decisions.jsonl", casebook=qcb)
    quiz = Quiz(qcb, log=log)
    quiz.choices.value = "B"
    quiz.check_button.click()
    again = Quiz(qcb, log=kit.DecisionLog(log.path, casebook=qcb))   # a new kernel
    assert again.score == (1, 1) and again.index == 1                 # opens at q2
    again.prev_button.click()
    assert "Correct" in again.feedback.value and again.choices.disabled
    again.next_button.click()
    again.choices.value = "yes"
    again.check_button.click()
    done = Quiz(qcb, log=kit.DecisionLog(log.path, casebook=qcb))
    assert done.score == (1, 2) and done.index == 1


def test_quiz_error_in_callback_shows_in_the_app(qcb):
    class Broken:
        def record_answer(self, *args):
            raise PermissionError("read-only folder")

    quiz = Quiz(qcb, log=Broken())
    quiz.choices.value = "B"
    quiz.check_button.click()
    assert "PermissionError" in quiz.message.value and "read-only folder" in quiz.message.value
    assert "Correct" in quiz.feedback.value                        # the learner still sees it


# --------------------------------------------------------------------------- data/quiz.csv

def test_shipped_quiz_is_well_formed(casebook):
    quiz = casebook.quiz
    assert 10 <= len(quiz) <= 14
    assert quiz.question_id.is_unique
    questions = quiz_questions(casebook)                          # answers are among choices
    for q in questions:
        assert len(q["choices"]) >= 3 or q["choices"] == ["yes", "no"]
        assert q["source_ids"], q["question_id"]
        assert q["answer"] in q["choices"]
    # no two questions share a wording
    assert len({q["question"] for q in questions}) == len(questions)
    assert set(quiz.topic) == {"public-interest", "world-leaders", "trump", "khamenei", "rules"}


def answer_to(casebook, needle):
    rows = [q for q in quiz_questions(casebook) if needle in q["question"]]
    assert len(rows) == 1, needle
    return rows[0]


def test_shipped_quiz_matches_the_case_file(casebook):
    rules = casebook.rules.set_index("rule_id")
    q = answer_to(casebook, "How many followers")
    assert q["answer"] == "More than 100,000" and "S3" in q["source_ids"]
    assert "more than 100,000 followers" in rules.at["public_interest_notice", "summary"]
    q = answer_to(casebook, "never excuses")
    assert q["answer"].lower() in rules.at["world_leaders_never_exempt", "summary"].lower()
    q = answer_to(casebook, "permanently suspended @realDonaldTrump on 8 January")
    assert q["answer"] == rules.at["glorification_of_violence", "name"].capitalize()
    assert q["source_ids"] == ("S1",)
    q = answer_to(casebook, "locked the account for 12 hours")
    assert q["answer"] == "Civic integrity" and q["source_ids"] == ("S2",)
    q = answer_to(casebook, "COVID-19 strike system")
    assert q["answer"] == "Five or more"
    assert "permanent suspension at five" in rules.at["covid_misinformation", "summary"]
    q = answer_to(casebook, "@khamenei_site")
    assert "abusive behaviour" in q["answer"] and "fake accounts" in q["answer"]
    assert q["rule_ids"] == ("abusive_behavior", "platform_manipulation")
    q = answer_to(casebook, "@KhameneiSite")
    assert q["answer"] == "Ban evasion" and "S25" in q["source_ids"]
    q = answer_to(casebook, "Jack Dorsey")
    assert set(q["source_ids"]) == {"S12", "S28"}
    # the Twitter actions in the case file agree with the quiz
    items = casebook.items.set_index("item_id")
    suspended = items[(items.handle == "realDonaldTrump") & (items.twitter_action == "suspend")]
    assert any("glorification_of_violence" in r for r in suspended.twitter_rule_ids)


def test_quiz_on_the_shipped_case_file(casebook):
    quiz = Quiz(casebook, topic="khamenei")
    assert len(quiz.questions) == 3
    quiz.choices.value = quiz.questions[0]["answer"]
    quiz.check_button.click()
    assert quiz.score == (1, 1) and "Correct" in quiz.feedback.value


def test_desk_uses_the_logs_casebook_by_default(cb, log):
    desk = DecisionDesk(log)
    assert desk.casebook is cb and desk.item_ids == ["T1", "T2", "K1"]
