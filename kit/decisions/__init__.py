"""A learner's decisions: record, autosave, reload, export, and read other people's files.

A :class:`DecisionLog` is one learner's file of decisions (which conduct rules an
item broke, which action on the enforcement ladder fits, why) and answers (quiz,
survey, attribution questions), saved as they are made; :meth:`DecisionLog.read`
and :func:`read_decision_records` read a file somebody else made as untrusted
input. The file formats are documented, with full examples, in
docs/decision-format.md.

One concern per module (every public name is importable from ``kit.decisions``):

=================  ==========================================================
``checks``         value checks: ids, actions, rules, names, texts, times
``files``          durability: the one atomic write, the locked append, set-aside
``formats``        the log and export formats (JSON Lines, JSON, CSV) and tables
``readers``        untrusted readers that raise :class:`kit.KitDataError`
``log``            :class:`DecisionLog`
``learner``        the learner's identity and the default folder
``sample``         the clearly labelled sample learner
=================  ==========================================================
"""
from __future__ import annotations

from .checks import MAX_ANSWER_PARTS, MAX_NAME, MAX_RULES, MAX_TEXT
from .files import ASIDE_MARK
from .formats import (ANSWER_COLUMNS, CSV_COLUMNS, CSV_VERSION, DECISION_COLUMNS, EXPORT_FORMAT,
                      EXPORT_VERSION, LOG_FORMAT, LOG_VERSION, decision_frame)
from .learner import (CONFIG_ENV, GUEST, LEARNER_FILE, MAX_FILE_NAME, MAX_FILE_NAME_BYTES,
                      ROOT, check_folder_writable, config_path, current_learner, default_folder,
                      hub_user, learner_file_stem, log_path_for, safe_learner_name,
                      set_learner)
from .log import MAX_LOG_BYTES, DecisionLog, my_log
from .readers import MAX_ENTRIES, MAX_READ_BYTES, read_decision_records
from .sample import SAMPLE_DIR, decisions_or_sample, sample_decisions

__all__ = [
    "DecisionLog", "read_decision_records", "decision_frame",
    "safe_learner_name", "learner_file_stem", "log_path_for", "hub_user", "config_path",
    "default_folder", "set_learner", "current_learner", "my_log",
    "check_folder_writable", "sample_decisions", "decisions_or_sample",
    "LOG_FORMAT", "EXPORT_FORMAT", "LOG_VERSION", "EXPORT_VERSION", "CSV_VERSION",
    "DECISION_COLUMNS", "ANSWER_COLUMNS", "CSV_COLUMNS",
    "MAX_TEXT", "MAX_ANSWER_PARTS", "MAX_RULES", "MAX_NAME", "MAX_FILE_NAME",
    "MAX_FILE_NAME_BYTES", "MAX_ENTRIES", "MAX_READ_BYTES", "MAX_LOG_BYTES", "ASIDE_MARK",
    "ROOT", "LEARNER_FILE", "CONFIG_ENV", "SAMPLE_DIR", "GUEST",
]
