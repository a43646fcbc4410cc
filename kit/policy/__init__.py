"""A world-leader moderation policy a learner designs, applied to the case file.

- :mod:`kit.policy.model`: :class:`Policy` holds the choices (which rules, how
  world leaders are treated, when strikes lead to a lock or a suspension, where
  the rule labels come from) and :data:`PRESETS` the ready-made ones.
- :mod:`kit.policy.apply`: :func:`apply_policy` plays every item of the case file
  through a policy in date order and says what it would have done, next to what
  Twitter did. Its docstring is the model, step by step, and its loop follows it.
- :mod:`kit.policy.outcomes`: :func:`account_outcomes` and
  :func:`outcome_timeline` summarise the result per account and over time;
  :func:`outcome_rows`, :func:`outcome_sentences` and :func:`compare_policies`
  put it in words.

Everything here is pure: the same policy and case file always give the same
table, nothing is read from or written to disk.
"""
from __future__ import annotations

from .apply import (ACCOUNT_RULES, ALREADY_SUSPENDED, POLICY_ACTIONS, PREDICTION_COLUMNS,
                    STATUS_AFTER, apply_policy)
from .model import LABEL_SOURCES, LEADER_TREATMENTS, PRESETS, Policy
from .outcomes import (OUTCOME_COLUMNS, account_outcomes, compare_policies, outcome_rows,
                       outcome_sentences, outcome_timeline)

__all__ = ["ACCOUNT_RULES", "ALREADY_SUSPENDED", "LABEL_SOURCES", "LEADER_TREATMENTS",
           "OUTCOME_COLUMNS", "POLICY_ACTIONS", "PREDICTION_COLUMNS", "PRESETS", "Policy",
           "STATUS_AFTER", "account_outcomes", "apply_policy", "compare_policies",
           "outcome_rows", "outcome_sentences", "outcome_timeline"]
