"""The case file: loading and validating data/ into one read-only :class:`Casebook`.

Every table is a CSV file in ``data/``; :data:`SCHEMA` says which columns each has,
which are required, their types and allowed values, and which other table an id
refers to. ``data/README.md`` explains the same columns for people; a test keeps
the two in step.

Anything wrong in a file raises :class:`kit.KitDataError` naming the file, the
row (as a spreadsheet shows it: the header is row 1) and the column.

The modules, each importing only the ones before it: ``schema`` (the tables' columns
and where the shipped case file is), ``tables`` (one CSV file read and checked cell by
cell), ``crosschecks`` (checks that span tables), ``book`` (the :class:`Casebook` and
:func:`load_casebook`).
"""
from __future__ import annotations

from .book import PLATFORM_NAMES, Casebook, default_casebook, event_lines, load_casebook
from .crosschecks import CURRENT_TO_RE, QUIZ_CHOICE_SEP, quiz_choices
from .schema import (COMPARE_GROUPS, DATA_DIR, DATE_RE, ID_RE, LEADER_NAMES, LEADERS, LIST_SEP,
                     LOAD_ORDER, PRECISIONS, SCHEMA, SIDES, VERBATIM_CHECKS, Column, Table)

__all__ = ["Casebook", "load_casebook", "default_casebook", "event_lines", "PLATFORM_NAMES", "quiz_choices",
           "QUIZ_CHOICE_SEP", "CURRENT_TO_RE", "COMPARE_GROUPS", "DATA_DIR", "DATE_RE", "ID_RE",
           "LEADER_NAMES", "LEADERS", "LIST_SEP", "LOAD_ORDER", "PRECISIONS", "SCHEMA", "SIDES",
           "VERBATIM_CHECKS", "Column", "Table"]
