"""Survey: Twitter's March 2021 world-leader consultation, answered by the learner.

On 18 March 2021 Twitter asked the public (survey open 19 March to 12 April 2021)
"whether or not they believe world leaders should be subject to the same rules
as others on Twitter. And, should a world leader violate a rule, what type of
enforcement action is appropriate" (S5; ``rules.csv``, ``consultation_2021``).
The two questions are shown with that excerpt and its source. The answer options
are the kit's: the sources do not record the options Twitter offered. A few
follow-up reflection questions are clearly marked as the kit's own.

Answers are saved with the learner's decisions (``log.record_answer("survey",
question_id, answer, rationale)``) and put back in place when the survey is
shown again.
"""
from __future__ import annotations

import ipywidgets as W

from ..casebook import default_casebook
from ..errors import KitDataError
from ..words import plural
from ._common import KitApp, esc, html_slot, labelled, saved_answers, source_links
from .handin import SyncLine

SECTION = "survey"
NOT_ANSWERED = "not answered"

#: The consultation's two questions (their words from S5); the ladder options come from the case file.
TWITTER_QUESTIONS = (
    {"id": "same_rules",
     "text": "Should world leaders be subject to the same rules as others on Twitter?",
     "choices": (("Yes: the same rules as everyone else", "yes"),
                 ("No: different rules for world leaders", "no"),
                 ("It depends", "depends"))},
    {"id": "enforcement",
     "text": "Should a world leader violate a rule, what type of enforcement action is appropriate?",
     "choices": "ladder"},
)

#: The kit's own follow-up questions (not Twitter's).
KIT_QUESTIONS = (
    {"id": "public_interest",
     "text": "Should a world leader's post that breaks a rule stay up behind a click-through "
             "notice because the public has an interest in seeing it?",
     "choices": (("Yes", "yes"), ("No", "no"), ("It depends on the rule and the harm", "depends"))},
    {"id": "linked_accounts",
     "text": "Should an account that evidence ties to a leader, but that the leader does not "
             "acknowledge, be treated as the leader's own account?",
     "choices": (("Yes", "yes"), ("No", "no"), ("Not sure", "unsure"))},
    {"id": "consistent",
     "text": "Looking at the two cases, did Twitter treat Donald Trump and Ali Khamenei "
             "consistently?",
     "choices": (("Yes", "yes"), ("Partly", "partly"), ("No", "no"), ("Not sure", "unsure"))},
    {"id": "changed_view",
     "text": "Has working through the cases changed your view of how platforms should treat "
             "world leaders?",
     "choices": (("Yes, a lot", "a_lot"), ("A little", "a_little"), ("No", "no"))},
)


class Survey(KitApp):
    """Twitter's 2021 world-leader consultation, plus the kit's reflection questions.

    ``Survey(log)`` shows the questions with a choice and a "why?" box each;
    the Save button records every new or changed answer with
    ``log.record_answer("survey", question_id, answer, rationale)``. Saved answers are
    read back from the log when the survey is shown again. ``answers()`` gives the
    current choices; ``questions`` lists the question ids with their text.

    >>> class Log:
    ...     saved = []
    ...     def answers(self):
    ...         import pandas as pd
    ...         return pd.DataFrame(self.saved, columns=["section", "question_id", "answer",
    ...                                                   "rationale"])
    ...     def record_answer(self, section, question_id, answer, rationale=""):
    ...         self.saved.append((section, question_id, answer, rationale))
    >>> import kit
    >>> log = Log()
    >>> s = Survey(log, kit.load_casebook())
    >>> s.choice["same_rules"].value = "yes"
    >>> s.save.click()
    >>> log.saved
    [('survey', 'same_rules', 'yes', '')]
    >>> Survey(log, kit.load_casebook()).choice["same_rules"].value
    'yes'
    """

    def __init__(self, log, casebook=None):
        super().__init__("survey", title="Survey: should world leaders follow the same rules?")
        if casebook is None:
            casebook = default_casebook()
        self.casebook = casebook
        self.decision_log = log
        self.choice, self.why, self.questions = {}, {}, {}
        self._saved = {}

        rules = casebook.rules.set_index("rule_id")
        intro = ['<div class="kit-card kit-survey-intro">']
        if "consultation_2021" in rules.index:
            r = rules.loc["consultation_2021"]
            intro.append(f"<p>{esc(r['summary'])}</p>")
            intro.append(f"<blockquote>{esc(r['excerpt'])}</blockquote>")
            intro.append(f'<p class="kit-muted">Source: '
                         f"{source_links(casebook, r['excerpt_source_ids'])}</p>")
        intro.append('<p class="kit-muted">Twitter\'s two questions are quoted from its '
                     "announcement. The answer options below are the kit's own: the sources do "
                     "not record the options Twitter offered.</p></div>")
        intro_html = W.HTML("".join(intro), layout=W.Layout(width="100%"))

        twitter_box = [W.HTML("<h4>Twitter's questions (March 2021)</h4>")]
        for n, q in enumerate(TWITTER_QUESTIONS, start=1):
            twitter_box.append(self._question(q, f"Twitter's question {n}"))
        kit_box = [W.HTML('<h4>Follow-up questions: the kit\'s own, not Twitter\'s</h4>'
                          '<p class="kit-muted">These reflection questions were written for this '
                          "kit. Twitter did not ask them.</p>")]
        for n, q in enumerate(KIT_QUESTIONS, start=1):
            kit_box.append(self._question(q, f"Kit question {n}"))
        kit_section = W.VBox(kit_box, layout=W.Layout(width="100%"))
        kit_section.add_class("kit-survey-own")

        self.save = labelled(W.Button(button_style="primary", icon="save"), "Save my answers",
                             "Save your answers with your decisions (you can change them and save "
                             "again)")
        self.save.add_class("kit-survey-save")
        self.save.on_click(self.safely(self._on_save))
        self.recap = html_slot("kit-survey-saved")
        self.sync_line = SyncLine(lambda: self.decision_log)   # hand-in: the class service

        self.set_body(intro_html, W.VBox(twitter_box, layout=W.Layout(width="100%")),
                      kit_section, self.save, self.recap, self.sync_line)
        if not self.ask_name_if_needed(self.safely(self._load), what="the survey"):
            self.safely(self._load)()

    # -- building -------------------------------------------------------------------------
    def _options(self, q):
        if q["choices"] != "ladder":
            return list(q["choices"])
        cb = self.casebook
        opts = [(cb.action_names[a], a) for a in cb.ladder]
        return opts + [("It depends on the rule and the harm", "depends")]

    def _question(self, q, label):
        qid = q["id"]
        self.questions[qid] = q["text"]
        head = W.HTML(f'<p><b>{esc(label)}.</b> {esc(q["text"])}</p>',
                      layout=W.Layout(width="100%"))
        choice = W.RadioButtons(options=self._options(q), value=None,
                                layout=W.Layout(width="auto", max_width="100%"))
        labelled(choice, "", f"Your answer to: {q['text']}")
        choice.add_class("kit-survey-choice")
        choice.add_class(f"kit-survey-q-{qid}")
        why = W.Textarea(placeholder="Why? (optional, a sentence or two)",
                         layout=W.Layout(width="100%", height="4em"))
        labelled(why, "Why?", f"Your reasons for your answer to: {q['text']}")  # a visible label
        why.add_class("kit-survey-why")
        self.choice[qid], self.why[qid] = choice, why
        box = W.VBox([head, choice, why], layout=W.Layout(width="100%"))
        box.add_class("kit-card")
        box.add_class("kit-survey-question")
        return box

    # -- state ----------------------------------------------------------------------------
    def _load(self):
        saved = saved_answers(self.decision_log, SECTION)
        for qid, (answer, rationale) in saved.items():
            if qid not in self.choice:
                continue
            values = [v for _, v in self.choice[qid].options]
            if answer in values:
                self.choice[qid].value = answer
            self.why[qid].value = rationale
            self._saved[qid] = (answer, rationale)
        self._render_recap()

    def answers(self) -> dict:
        """``{question_id: (answer, rationale)}`` for every question answered on screen."""
        return {qid: (c.value, self.why[qid].value.strip())
                for qid, c in self.choice.items() if c.value is not None}

    def _on_save(self, _=None):
        current = self.answers()
        if not current:
            self.show_info("Choose an answer to at least one question first.")
            return
        if self.decision_log is None:
            raise KitDataError("this survey has no decision log to save to; create it with "
                               "Survey(log)")
        changed = {q: a for q, a in current.items() if self._saved.get(q) != a}
        for qid, (answer, rationale) in changed.items():
            self.decision_log.record_answer(SECTION, qid, answer, rationale=rationale)
            self._saved[qid] = (answer, rationale)
        self._render_recap()
        n = len(changed)
        self.show_info(f"Saved {plural(n, 'answer')}." if n
                       else "Nothing new to save: your answers are already saved.")
        self.sync_line.refresh()

    def _label_of(self, qid, value):
        for label, v in self.choice[qid].options:
            if v == value:
                return label
        return value

    def _render_recap(self):
        if not self._saved:
            self.recap.value = '<p class="kit-muted">No answers saved yet.</p>'
            return
        rows = []
        for qid in self.choice:
            if qid not in self._saved:
                continue
            answer, rationale = self._saved[qid]
            why = f"<br><span class='kit-muted'>Why: {esc(rationale)}</span>" if rationale else ""
            rows.append(f"<li>{esc(self.questions[qid])}<br><b>{esc(self._label_of(qid, answer))}"
                        f"</b>{why}</li>")
        self.recap.value = ('<div class="kit-card"><b>Your saved answers</b><ul>'
                            + "".join(rows) + "</ul></div>")

    def status_line(self) -> str:
        return (f"survey: {len(self.answers())} of {len(self.choice)} answered, "
                f"{len(self._saved)} saved")
