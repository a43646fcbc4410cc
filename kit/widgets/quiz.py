"""Quiz: short knowledge checks on Twitter's rules, one question at a time.

A notebook shows it in one line::

    kit.widgets.Quiz()                       # every question in data/quiz.csv
    kit.widgets.Quiz(topic="public-interest", log=log)   # one topic; answers saved

The learner picks a choice and presses *Check answer*: the quiz says at once whether
it is right, explains why and links the sources. Only the first check of a question
counts towards the score. With a :class:`kit.DecisionLog`, every checked answer is
also recorded with ``log.record_answer("quiz", question_id, answer)``.
"""
from __future__ import annotations

import ipywidgets as W

from ..answers import latest_answers
from ..casebook import default_casebook, quiz_choices
from ..errors import KitDataError
from ._common import KitApp, esc, labelled, source_links
from .handin import SyncLine

SECTION = "quiz"


def quiz_questions(casebook, topic=None) -> list:
    """The quiz questions as dicts (choices as a list), optionally for one topic.

    The rows were checked when the case file was loaded (:func:`kit.load_casebook`:
    at least two choices, none twice, the answer one of them). Raises
    :class:`kit.KitDataError` when there are no questions (for that topic).

    >>> import kit
    >>> qs = quiz_questions(kit.load_casebook())
    >>> all(q["answer"] in q["choices"] for q in qs)
    True
    """
    table = casebook.quiz
    topics = list(dict.fromkeys(table.topic))
    if topic is not None:
        if topic not in topics:
            raise KitDataError(
                f"there are no quiz questions on the topic {topic!r}; the topics are "
                + (", ".join(map(repr, topics)) if topics else "(none: data/quiz.csv is empty)"),
                file="data/quiz.csv", column="topic")
        table = table[table.topic == topic]
    if len(table) == 0:
        raise KitDataError("there are no quiz questions (add rows to data/quiz.csv)",
                           file="data/quiz.csv")
    return [{"question_id": row.question_id, "topic": row.topic,
             "question": row.question, "choices": quiz_choices(row.choices),
             "answer": row.answer, "explanation": row.explanation,
             "rule_ids": tuple(row.rule_ids or ()),
             "source_ids": tuple(row.source_ids or ())}
            for row in table.itertuples(index=False)]


class Quiz(KitApp):
    """One question at a time: choose, *Check answer*, read the explanation, *Next*.

    ``casebook`` defaults to ``kit.load_casebook()``; ``topic`` keeps one topic of
    ``data/quiz.csv``; ``log`` (a :class:`kit.DecisionLog`) records each checked
    answer. :attr:`score` is ``(correct, checked)``. CSS classes:
    ``kit-quiz-progress``, ``kit-quiz-question``, ``kit-quiz-choices``,
    ``kit-quiz-check``, ``kit-quiz-feedback``, ``kit-quiz-prev``, ``kit-quiz-next``,
    ``kit-quiz-restart``.

    >>> import kit
    >>> quiz = Quiz(kit.load_casebook(), topic="rules")
    >>> quiz.choices.value = quiz.questions[0]["answer"]; quiz.check_button.click()
    >>> quiz.score, "Correct" in quiz.feedback.value
    ((1, 1), True)
    """

    def __init__(self, casebook=None, topic=None, log=None):
        super().__init__("quiz", title="Quiz: Twitter's rules")
        if casebook is None:
            casebook = default_casebook()
        self.casebook = casebook
        self.topic = topic
        if topic:   # several quizzes on a page are told apart by screen readers (landmarks)
            self.access.label = f"Quiz: Twitter's rules, {str(topic).replace('-', ' ')}"
        self.decision_log = log
        self.questions = quiz_questions(casebook, topic)
        self._rule_names = casebook.rule_names
        self.results: dict = {}     # question_id -> (first answer, correct?)
        self.index = 0
        self.finished = False

        self.progress = W.HTML()
        self.question = W.HTML(layout=W.Layout(width="auto"))
        self.choices = labelled(W.RadioButtons(options=[], layout=W.Layout(width="auto")),
                                "Answer", "Choose one answer, then press Check answer")
        self.choices.style.description_width = "initial"
        self.check_button = labelled(W.Button(button_style="primary",
                                              layout=W.Layout(width="auto")),
                                     "Check answer", "See whether your answer is right, "
                                     "with the explanation and sources")
        self.feedback = W.HTML(layout=W.Layout(width="auto"))
        self.prev_button = labelled(W.Button(layout=W.Layout(width="auto")), "◀ Previous",
                                    "Go back to the previous question")
        self.next_button = labelled(W.Button(layout=W.Layout(width="auto")), "Next ▶",
                                    "Go to the next question (or to your score after the last)")
        self.restart_button = labelled(W.Button(layout=W.Layout(width="auto")), "Start again",
                                       "Clear your answers here and start from the first "
                                       "question (answers already saved stay saved)")
        for w, cls in ((self.progress, "progress"), (self.question, "question"),
                       (self.choices, "choices"), (self.check_button, "check"),
                       (self.feedback, "feedback"), (self.prev_button, "prev"),
                       (self.next_button, "next"), (self.restart_button, "restart")):
            w.add_class(f"kit-quiz-{cls}")
        self.check_button.on_click(self.safely(lambda _b: self.check()))
        self.next_button.on_click(self.safely(lambda _b: self.go(self.index + 1)))
        self.prev_button.on_click(self.safely(lambda _b: self.go(self.index - 1)))
        self.restart_button.on_click(self.safely(lambda _b: self.restart()))

        wrap = W.Layout(display="flex", flex_flow="row wrap", width="auto")
        self.sync_line = SyncLine(lambda: self.decision_log)   # hand-in: the class service
        self.set_body(self.progress, self.question, self.choices,
                      W.HBox([self.check_button, self.prev_button, self.next_button,
                              self.restart_button], layout=wrap),
                      self.feedback, self.sync_line)
        if not self.ask_name_if_needed(self.safely(self._reopen), what="the quiz",
                                       when_no_log=False):
            self._reload_answers()
        self._show()

    def _reopen(self) -> None:
        """Read the answers of the learner named in the page, then show the quiz again."""
        self._reload_answers()
        self._show()

    def _reload_answers(self) -> None:
        """Answers saved earlier (e.g. before a kernel restart) count again; start at the
        first question not yet answered."""
        if self.decision_log is None:
            return
        try:
            latest = latest_answers(self.decision_log.answers(), SECTION)
        except Exception as exc:  # noqa: BLE001 - the quiz still works; say why nothing reloaded
            self.show_error(exc)
            return
        for q in self.questions:
            answer, _ = latest.get(q["question_id"], (None, ""))
            if answer in q["choices"]:
                self.results[q["question_id"]] = (answer, answer == q["answer"])
        open_ = [i for i, q in enumerate(self.questions) if q["question_id"] not in self.results]
        self.index = open_[0] if open_ else max(len(self.questions) - 1, 0)

    @property
    def score(self) -> tuple:
        """(correct first answers, questions checked)."""
        return (sum(ok for _, ok in self.results.values()), len(self.results))

    @property
    def current(self) -> dict:
        return self.questions[self.index]

    def go(self, index: int) -> None:
        """Show question ``index``; one past the last shows the final score."""
        n = len(self.questions)
        if index < 0:
            return
        self.clear_message()
        if index >= n:
            self.finished = True
            self.index = n - 1
        else:
            self.finished = False
            self.index = index
        self._show()

    def restart(self) -> None:
        """Forget this session's answers and start from the first question."""
        self.results = {}
        self.go(0)

    def _show(self) -> None:
        n = len(self.questions)
        right, done = self.score
        if self.finished:
            self.progress.value = (f'<div class="kit-muted" role="status">Finished · score '
                                   f'{right} of {done} checked</div>')
            self.question.value = (f'<div class="kit-card"><b>You answered {right} of {n} '
                                   "questions right at the first try.</b> Go back to any "
                                   "question to read its explanation again.</div>")
            self.choices.options = []
            self.choices.layout.display = "none"
            self.check_button.disabled = True
            self.next_button.disabled = True
            self.prev_button.disabled = False
            self.feedback.value = ""
            return
        q = self.current
        self.choices.layout.display = None
        self.progress.value = (f'<div class="kit-muted" role="status">Question {self.index + 1} '
                               f'of {n} · score {right} of {done} checked</div>')
        self.question.value = (f'<p class="kit-quiz-text"><b>{esc(q["question"])}</b></p>')
        self.choices.options = q["choices"]
        earlier = self.results.get(q["question_id"])
        self.choices.value = earlier[0] if earlier else None
        self.choices.disabled = bool(earlier)
        self.check_button.disabled = bool(earlier)
        self.feedback.value = self._feedback_html(q, *earlier) if earlier else ""
        self.prev_button.disabled = self.index == 0
        self.next_button.disabled = False
        self.next_button.description = "Next ▶" if self.index < n - 1 else "See my score ▶"

    def check(self) -> None:
        """Check the chosen answer (only the first check of a question counts)."""
        q = self.current
        if self.finished or q["question_id"] in self.results:
            return
        answer = self.choices.value
        if answer is None:
            self.show_error(KitDataError("Choose an answer first, then press Check answer."))
            return
        correct = answer == q["answer"]
        self.results[q["question_id"]] = (answer, correct)
        self.clear_message()
        self._show()
        if self.decision_log is not None:
            self.decision_log.record_answer(SECTION, q["question_id"], answer)
            self.sync_line.refresh()

    def _feedback_html(self, q, answer, correct) -> str:
        if correct:
            head = '<div class="kit-ok" role="status"><b>Correct.</b></div>'
        else:
            head = (f'<div class="kit-error-box" role="status"><b>Not quite.</b> You chose '
                    f'“{esc(answer)}”. The answer is “{esc(q["answer"])}”.</div>')
        rules = ", ".join(esc(self._rule_names.get(r, r)) for r in q["rule_ids"])
        return (head + f'<p>{esc(q["explanation"])}</p>'
                + (f'<p class="kit-muted">Rules: {rules}</p>' if rules else "")
                + f'<p class="kit-muted">Sources: {source_links(self.casebook, q["source_ids"])}'
                "</p>")

    def status_line(self) -> str:
        right, done = self.score
        where = "finished" if self.finished else f"question {self.index + 1} of {len(self.questions)}"
        return f"{where}, score {right} of {done}" + (f", topic {self.topic}" if self.topic else "")
