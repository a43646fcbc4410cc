"""A learner's saved answers (quiz, survey, attribution board), as the apps read them back.

Pure: a table of answers in (what :meth:`kit.DecisionLog.answers` returns), plain
Python out. Reading the log itself is the decisions layer's job.
"""
from __future__ import annotations


def latest_answers(answers, section: str) -> dict:
    """``{question_id: (answer, rationale)}``: the latest answer per question of ``section``.

    ``answers`` is a table with section, question_id, answer and rationale columns,
    oldest first (a DataFrame or a list of dicts); ``None`` or an empty table gives
    ``{}``. A missing answer reads as "", a rationale that is not text as "".

    >>> import pandas as pd
    >>> table = pd.DataFrame({"section": ["survey", "survey", "quiz"],
    ...                       "question_id": ["q1", "q1", "q1"],
    ...                       "answer": ["no", "yes", "b"], "rationale": ["", "why", None]})
    >>> latest_answers(table, "survey")
    {'q1': ('yes', 'why')}
    >>> latest_answers(table, "quiz"), latest_answers(None, "quiz")
    ({'q1': ('b', '')}, {})
    """
    if answers is None or len(answers) == 0:
        return {}
    rows = answers.to_dict("records") if hasattr(answers, "to_dict") else list(answers)
    out = {}
    for row in rows:
        if row.get("section") != section:
            continue
        answer, rationale = row.get("answer"), row.get("rationale")
        out[str(row.get("question_id"))] = ("" if answer is None else str(answer),
                                            rationale if isinstance(rationale, str) else "")
    return out
