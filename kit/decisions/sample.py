"""The clearly labelled sample learner, shown when a learner has not decided anything yet.

Its decisions ship in the case file's ``sample_decisions/`` folder (found through
:data:`kit.casebook.DATA_DIR`, so it works in an installed kit too).
"""
from __future__ import annotations

import pandas as pd

from ..casebook import DATA_DIR
from .log import DecisionLog

SAMPLE_DIR = DATA_DIR / "sample_decisions"


def sample_decisions(casebook=None) -> pd.DataFrame:
    """The clearly labelled sample learner's decisions shipped in data/sample_decisions/.

    Notebooks show these when a learner has not decided anything yet, so every
    lesson works on its own. The learner column says "Sample learner".

    >>> from kit import load_casebook
    >>> sample = sample_decisions()
    >>> sample.learner.unique().tolist(), len(sample) == len(load_casebook().items)
    (['Sample learner'], True)
    """
    return DecisionLog.read(SAMPLE_DIR / "sample-learner.json", casebook=casebook)


def decisions_or_sample(log, casebook=None):
    """``(table, is_sample)``: the log's decisions, or the sample's when the log has none.

    >>> import tempfile
    >>> log = DecisionLog.for_learner("Ana", folder=tempfile.mkdtemp())
    >>> table, is_sample = decisions_or_sample(log)
    >>> is_sample, table.learner.iloc[0]
    (True, 'Sample learner')
    >>> _ = log.record("T14", [], "none")
    >>> decisions_or_sample(log)[1]
    False
    """
    table = log.table()
    if len(table):
        return table, False
    return sample_decisions(casebook if casebook is not None else log.casebook), True
