"""The log: :class:`DecisionLog`, one learner's decisions and answers, saved as they are made.

A log is an append-only JSON Lines file: every ``record`` adds one line and is on
disk (``fsync``) before it returns, so a crashed or restarted kernel loses nothing
that was confirmed, and two notebooks writing into one file at the same time lose
nothing either (each append holds an exclusive ``flock``). A file at the log's
path that is not a readable log is never overwritten or deleted: a complete copy
is kept aside first, then a fresh log with everything that can be saved from it takes
its place (see :attr:`DecisionLog.messages`, which always names the copy). A log whose
header names another learner is refused; a symbolic link at the path is not followed. The durable file operations are in
:mod:`kit.decisions.files`, the line format in :mod:`kit.decisions.formats`.

(The module is a little over 400 lines because it is one class whose public methods
each carry a teaching doctest; the file work, checks and formats live elsewhere.)
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from ..casebook import default_casebook
from ..errors import KitDataError
from . import files
from .checks import (DECISION_FIELDS, Bad, Newer, Vocab, check_answer_value,
                     check_ident, check_rule_list, clean_free_text, clean_learner, now, same_name,
                     show, vocab_for)
from .formats import (ANSWER_COLUMNS, ParsedLog, answer_frame, decision_frame, export_csv,
                      export_json, header_line, latest_answers, parse_log, record_line,
                      with_revisions)
from .readers import read_decision_records, read_untrusted
from .learner import GUEST, current_learner, default_folder, log_path_for

MAX_LOG_BYTES = 64_000_000     # a learner's own live log
_LOG_SUFFIXES = (".decisions.jsonl", ".jsonl")

# ---- save listeners: how a higher layer (kit.sync) hears of saves without being imported here
_listeners = []


def add_save_listener(fn) -> None:
    """Call ``fn(event, log, line)`` after every save (``"saved"``, ``line``: the record's
    bytes, on disk) and when a log is opened (``"opened"``, ``line`` None). A listener must
    return at once; its errors are ignored, so they never reach the learner's cell."""
    if fn not in _listeners:
        _listeners.append(fn)


def remove_save_listener(fn) -> None:
    if fn in _listeners:
        _listeners.remove(fn)


def _tell(event, log, line=None) -> None:
    for fn in list(_listeners):
        try:
            fn(event, log, line)
        except Exception:  # noqa: BLE001 - a listener never breaks a save
            pass


def _stem(name: str) -> str:
    """A log's file name without ``.decisions.jsonl`` (or ``.jsonl``)."""
    for suffix in _LOG_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _rules_list(rules) -> list:
    """The ``rules`` argument of :meth:`DecisionLog.record` as a list (KitDataError if not one)."""
    if rules is None:
        return []
    if isinstance(rules, (str, bytes, dict)):
        raise KitDataError(f"rules should be a list of rule ids, e.g. ['hateful_conduct'], "
                           f"not {show(rules)}")
    try:
        return list(rules)
    except TypeError:
        raise KitDataError(f"rules should be a list of rule ids, not {show(rules)}") from None


class DecisionLog:
    """One learner's decisions and answers, saved as they are made.

    ``path`` is the log file (created with the first decision);
    ``learner`` is the name shown in tables (default: the name in the file, else
    the file name); ``casebook`` is used to check ids and order items (default:
    ``kit.load_casebook()``, loaded once, when first needed).
    :attr:`messages` lists plain-language notes for the learner, e.g. that an
    unreadable file was set aside.

    >>> import tempfile, kit
    >>> cb = kit.load_casebook()
    >>> item = cb.items.item_id.iloc[0]
    >>> log = DecisionLog.for_learner("Zoë", folder=tempfile.mkdtemp(), casebook=cb)
    >>> log.path.name
    'Zoë-c6a12698.decisions.jsonl'
    >>> _ = log.record(item, [], "none", "political speech")
    >>> d = log.record(item, ["hateful_conduct"], "label", "on second thoughts")
    >>> d["rules"], d["action"], d["revision"]
    (('hateful_conduct',), 'label', 2)
    >>> again = DecisionLog(log.path, casebook=cb)     # e.g. after a kernel restart
    >>> again.table()[["learner", "action", "revision"]].values.tolist()
    [['Zoë', 'label', 2]]
    >>> len(again.history()), again.messages
    (2, [])
    """

    def __init__(self, path, learner=None, casebook=None):
        try:
            self.path = Path(os.fspath(path))
        except TypeError:
            raise KitDataError(f"a decision file path should be text or a Path, not {show(path)}"
                               ) from None
        self._learner = None if learner is None else clean_learner(learner)
        self._header_learner = None
        self._casebook = casebook
        self._vocab = None
        self._pending = []          # salvaged records still to write (rare race)
        self._skipped_note = None
        # a folder that exists now and is gone later was moved or deleted: say so, never
        # quietly start a new empty folder in its place
        self._folder_existed = self.path.parent.is_dir()
        #: Plain-language notes for the learner (e.g. a file set aside); newest last.
        self.messages = []
        with self._session(write=False):
            pass
        _tell("opened", self)

    @classmethod
    def for_learner(cls, name, folder=None, casebook=None):
        """The log of learner ``name``: ``<folder>/<learner_file_stem(name)>.decisions.jsonl``.

        ``folder`` defaults to :func:`default_folder`. Each exact name has its own file
        (a readable part and a short hash of the name); the name is also in the file's
        header, and a file whose header names somebody else is refused. A log from an
        older kit (``<safe name>.decisions.jsonl``) whose header names exactly this
        learner is used as it is, so nothing saved before is left behind.

        >>> import tempfile
        >>> folder = tempfile.mkdtemp()
        >>> log = DecisionLog.for_learner("Ali Reza", folder=folder)
        >>> log.path.name, log.learner
        ('Ali-Reza-4444452e.decisions.jsonl', 'Ali Reza')
        >>> DecisionLog.for_learner("Ali-Reza", folder=folder).path == log.path
        False
        """
        learner = clean_learner(name)
        folder = default_folder() if folder is None else Path(folder)
        return cls(log_path_for(folder, learner), learner=learner, casebook=casebook)

    def __repr__(self):
        return f"DecisionLog({str(self.path)!r}, learner={self.learner!r})"

    @property
    def learner(self) -> str:
        """The learner's name as shown in tables."""
        if self._learner:
            return self._learner
        if self._header_learner:
            return self._header_learner
        return _stem(self.path.name)

    @property
    def casebook(self):
        """The casebook ids are checked against (loaded on first use)."""
        if self._casebook is None:
            self._casebook = default_casebook()
        return self._casebook

    def _vocabulary(self) -> Vocab:
        if self._vocab is None:
            self._vocab = vocab_for(self.casebook)
        return self._vocab

    # ---- file access ------------------------------------------------------------------

    def _open(self, write):
        """An fd on the log (created, with its header, when writing), or None if missing."""
        fd = files.open_log(self.path, write, lambda: header_line(self.learner),
                            make_folder=not self._folder_existed)
        if fd is not None:
            self._folder_existed = True
        return fd

    @contextmanager
    def _session(self, write):
        """Hold the exclusive lock on a valid log at self.path; yield (fd, parsed).

        A file that is not a clean log is set aside first (and its salvage copied
        into a fresh log). fd is None when the file does not exist and not writing.
        """
        name = str(self.path)
        for _ in range(100):
            want_write = write or bool(self._pending)
            fd = self._open(want_write)
            if fd is None:
                yield None, ParsedLog()
                return
            try:
                files.lock(fd)
                try:  # the file may have been set aside while we waited for the lock
                    now = os.stat(self.path)
                except FileNotFoundError:
                    continue
                mine = os.fstat(fd)
                if (now.st_dev, now.st_ino) != (mine.st_dev, mine.st_ino):
                    continue
                if mine.st_size > MAX_LOG_BYTES:
                    raise KitDataError(f"the decision file is {mine.st_size:,} bytes, too big to "
                                       "be a decision log", file=name)
                raw = files.read_all(fd, MAX_LOG_BYTES)
                try:
                    parsed = parse_log(raw)
                except Newer as e:
                    raise KitDataError(e.msg, file=name) from None
                self._check_owner(parsed)
                parsed.raw = raw
                if parsed.problems or (want_write and parsed.line_ends == "CR"):
                    self._rescue(parsed, raw)
                    continue
                if parsed.torn and not want_write:
                    self._note(f"The last line of your decision file {self.path} is incomplete "
                               f"(a save that did not finish: {parsed.torn} byte(s) that are "
                               "not a whole record), so it is not counted. Your next save "
                               "keeps a copy of the file as it is, then carries on.")
                if parsed.header is not None:
                    self._header_learner = parsed.header["learner"]
                if self._pending and want_write:
                    self._append(fd, parsed, b"".join(record_line(r) for r in self._pending))
                    parsed.records.extend((0, r) for r in self._pending)
                    self._pending = []
                yield fd, parsed
                return
            except OSError as e:
                raise KitDataError(f"cannot use the decision file ({files.os_problem(e)}); "
                                   "what was saved before is unchanged", file=name) from None
            finally:
                os.close(fd)
        raise KitDataError("the decision file keeps changing under us; try again", file=name)

    def _check_owner(self, parsed: ParsedLog) -> None:
        """Refuse a log whose header names another learner (nothing is read or written)."""
        owner = parsed.header["learner"] if parsed.header is not None else None
        if self._learner and owner is not None and not same_name(owner, self._learner):
            raise KitDataError(f"this file belongs to {show(owner)}, not {show(self._learner)}: "
                               "nothing was read from it or written to it", file=str(self.path))

    def _rescue(self, parsed: ParsedLog, raw: bytes) -> None:
        """Keep a copy of a damaged log and put a fresh log with all it holds in its place.

        We hold the lock on the damaged file. The copy (``<name>.unreadable-<time>``)
        is complete on disk before the fresh log replaces the file in one rename, so
        the path always holds one whole log; every message names the copy.
        """
        if parsed.header is not None and self._header_learner is None:
            self._header_learner = parsed.header["learner"]
        aside = files.keep_copy(self.path, raw)
        data = header_line(self.learner) + b"".join(record_line(r) for r in parsed.salvage)
        files.atomic_write(self.path, data)
        n_dec = sum(r["type"] == "decision" for r in parsed.salvage)
        n_ans = len(parsed.salvage) - n_dec
        counts = f"{n_dec} decision(s) and {n_ans} answer(s)"
        if parsed.problems:
            line, problem = parsed.problems[0]
            kept = (f"{counts} were recovered from it into a fresh {self.path.name}"
                    if parsed.salvage else
                    f"nothing in it could be recovered, so {self.path.name} starts again empty")
            self.messages.append(
                f"Your decision file {self.path} could not be read (line {line}: {problem}). "
                f"Nothing was deleted: the old file is kept, unchanged, as {aside}. "
                f"{kept[0].upper() + kept[1:]}. You can carry on.")
        else:
            self.messages.append(
                f"The line ends of your decision file {self.path} were changed (by another "
                f"program). Nothing was lost: all {counts} are kept in {self.path.name}, now "
                f"with the kit's line ends, and the file as it was is kept as {aside}.")

    def _note(self, text: str) -> None:
        if not self.messages or self.messages[-1] != text:
            self.messages.append(text)

    def _append(self, fd, parsed: ParsedLog, data: bytes) -> None:
        keep = None
        if parsed.torn:                 # an unconfirmed, cut-off last write: copy, then drop it
            aside = files.keep_copy(self.path, parsed.raw)
            keep = parsed.size - parsed.torn
            self.messages.append(
                f"The last line of your decision file {self.path} was cut off (a save that did "
                f"not finish: {parsed.torn} byte(s) that are not a whole record). The file as "
                f"it was is kept, unchanged, as {aside}; every complete record stays in "
                f"{self.path.name}. You can carry on.")
            parsed.torn = 0
        if parsed.header is None:       # empty (or only a cut-off header): start it afresh
            keep = 0
            data = header_line(self.learner) + data
            parsed.header = {"learner": self.learner}
        elif parsed.needs_newline:      # a complete last line without its newline
            data = b"\n" + data
        parsed.needs_newline = False
        parsed.size = files.append(fd, data, keep=keep)

    def _records(self):
        with self._session(write=False) as (_, parsed):
            return [r for _, r in parsed.records]

    # ---- recording ---------------------------------------------------------------------

    def record(self, item_id, rules, action, rationale="") -> dict:
        """Record a decision on one item; it is on disk when this returns.

        ``rules``: the conduct rule ids the learner judges broken (a list; empty
        or None for none; kept in case-file order, duplicates dropped);
        ``action``: an action id from the ladder; ``rationale``: free text (at
        most 5000 characters; control characters are dropped). Deciding the same
        item again adds a revision; :meth:`table` shows the latest.
        Returns the stored decision (the columns of :meth:`table`).

        >>> import tempfile, kit
        >>> cb = kit.load_casebook()
        >>> log = DecisionLog(Path(tempfile.mkdtemp()) / "x.decisions.jsonl", casebook=cb)
        >>> item = cb.items.item_id.iloc[0]
        >>> log.record(item, ["glorification_of_violence"], "suspend")["revision"]
        1
        >>> log.record(item, [], "banish")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        kit.errors.KitDataError: action: 'banish' is not an action on the ladder (none, label, ...)
        """
        vocab = self._vocabulary()
        rules = _rules_list(rules)
        try:
            dec = {"type": "decision",
                   "item_id": str(check_ident(item_id, "item_id", "item id")),
                   "rules": tuple(str(r) for r in check_rule_list(rules, "rules")),
                   "action": str(check_ident(action, "action", "action id")),
                   "rationale": clean_free_text(rationale, "the rationale"),
                   "decided_at": None}
            dec["rules"] = vocab.check(dec)
        except Bad as b:
            raise KitDataError(b.text()) from None
        with self._session(write=True) as (fd, parsed):
            revision = 1 + sum(1 for _, r in parsed.records
                               if r["type"] == "decision" and r["item_id"] == dec["item_id"])
            dec["decided_at"] = now()  # taken under the lock: times follow file order
            line = record_line(dec)
            self._append(fd, parsed, line)
        _tell("saved", self, line)
        out = {"learner": self.learner, **{k: dec[k] for k in DECISION_FIELDS},
               "revision": revision}
        out["decided_at"] = pd.Timestamp(dec["decided_at"])
        return out

    def record_answer(self, section, question_id, answer, rationale="") -> dict:
        """Record an answer to a quiz, survey or attribution question (saved like a decision).

        ``section`` and ``question_id`` are short ids (e.g. ``"survey"``, ``"q3"``);
        ``answer`` is a text or a list of texts. :meth:`answers` shows the latest
        answer to each question.

        >>> import tempfile
        >>> log = DecisionLog(Path(tempfile.mkdtemp()) / "x.decisions.jsonl")
        >>> _ = log.record_answer("survey", "same_rules", "agree")
        >>> _ = log.record_answer("quiz", "q1", ["label", "notice"])
        >>> _ = log.record_answer("survey", "same_rules", "disagree", "changed my mind")
        >>> log.answers()[["section", "question_id", "answer"]].values.tolist()
        [['survey', 'same_rules', 'disagree'], ['quiz', 'q1', ('label', 'notice')]]
        """
        if isinstance(answer, (set, frozenset)):
            answer = sorted(answer, key=str)
        if isinstance(answer, str):
            answer = clean_free_text(answer, "the answer")
        elif isinstance(answer, (list, tuple)):
            answer = [clean_free_text(a, "each answer") if isinstance(a, str) else a
                      for a in answer]
        else:
            raise KitDataError(f"answer should be text or a list of texts, not {show(answer)}")
        try:
            rec = {"type": "answer",
                   "section": str(check_ident(section, "section", "section id")),
                   "question_id": str(check_ident(question_id, "question_id", "question id")),
                   "answer": check_answer_value(answer, "answer"),
                   "rationale": clean_free_text(rationale, "the rationale"),
                   "answered_at": None}
        except Bad as b:
            raise KitDataError(b.text()) from None
        with self._session(write=True) as (fd, parsed):
            rec["answered_at"] = now()
            line = record_line(rec)
            self._append(fd, parsed, line)
        _tell("saved", self, line)
        out = {k: rec[k] for k in ANSWER_COLUMNS}
        out["answered_at"] = pd.Timestamp(rec["answered_at"])
        return out

    # ---- reading -----------------------------------------------------------------------

    def _usable(self, decisions):
        """Drop (and report once) decisions whose ids this case file does not have."""
        vocab = self._vocabulary()
        out, skipped = [], []
        for d in decisions:
            try:
                out.append({**d, "rules": vocab.check(d), "learner": self.learner})
            except Bad as b:
                skipped.append(b.msg)
        if skipped:
            note = (f"{len(skipped)} decision(s) in {self.path.name} refer to items, rules or "
                    f"actions this version of the case file does not have (first: {skipped[0]}). "
                    "They are kept in the file but left out of your tables.")
            if note != self._skipped_note:
                self._skipped_note = note
                self.messages.append(note)
        return out

    def history(self) -> pd.DataFrame:
        """Every decision in the order it was made (columns as :meth:`table`).

        >>> import tempfile
        >>> DecisionLog(Path(tempfile.mkdtemp()) / "new.decisions.jsonl").history().columns.tolist()
        ['learner', 'item_id', 'rules', 'action', 'rationale', 'decided_at', 'revision']
        """
        decisions = with_revisions(self._records())
        return decision_frame(self._usable(decisions) if decisions else [])

    def table(self) -> pd.DataFrame:
        """The latest decision on each item, in case-file item order.

        Columns: learner, item_id, rules (tuple of rule ids), action, rationale,
        decided_at (UTC Timestamp), revision (1 for the first decision on the item).
        The file is re-read each time, so decisions another notebook recorded show up.

        >>> import tempfile
        >>> DecisionLog(Path(tempfile.mkdtemp()) / "new.decisions.jsonl").table().empty
        True
        """
        decisions = with_revisions(self._records())
        if not decisions:
            return decision_frame([])
        latest = {}
        for d in self._usable(decisions):
            latest[d["item_id"]] = d
        pos = self._vocabulary().item_pos
        return decision_frame(sorted(latest.values(), key=lambda d: pos[d["item_id"]]))

    def answers(self) -> pd.DataFrame:
        """The latest answer to each (section, question_id), in the order first answered.

        Columns: section, question_id, answer (text, or tuple of texts), rationale,
        answered_at (UTC Timestamp).

        >>> import tempfile
        >>> DecisionLog(Path(tempfile.mkdtemp()) / "new.decisions.jsonl").answers().columns.tolist()
        ['section', 'question_id', 'answer', 'rationale', 'answered_at']
        """
        return answer_frame(latest_answers(self._records()))

    # ---- export ------------------------------------------------------------------------

    def export(self, path=None, format="json") -> Path:
        """Write the latest decisions (and, in JSON, the answers) to a file to hand in.

        ``format="json"``: a versioned JSON file with decisions and answers;
        ``format="csv"``: one row per item for spreadsheets (rules joined with ``;``,
        decisions only). Default path: beside the log, ``<name>.decisions.json`` or
        ``.csv``. Both formats are described in docs/decision-format.md and read
        back by :meth:`read`.

        >>> import tempfile
        >>> log = DecisionLog(Path(tempfile.mkdtemp()) / "Zoë.decisions.jsonl")
        >>> _ = log.record_answer("survey", "same_rules", "agree")
        >>> out = log.export()
        >>> out.name, DecisionLog.read_answers(out).answer.tolist()
        ('Zoë.decisions.json', ['agree'])
        """
        if format not in ("json", "csv"):
            raise KitDataError(f"export format should be 'json' or 'csv', not {show(format)}")
        if path is None:
            path = self.path.with_name(f"{_stem(self.path.name)}.decisions.{format}")
        try:
            path = Path(os.fspath(path))
        except TypeError:
            raise KitDataError(f"an export path should be text or a Path, not {show(path)}"
                               ) from None
        if path.resolve() == self.path.resolve():
            raise KitDataError("an export cannot replace the decision log itself: choose "
                               "another file name", file=str(path))
        table, answers = self.table(), self.answers()
        if format == "json":
            data = export_json(self.learner, table, answers)
        else:
            data = export_csv(self.learner, table)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            files.atomic_write(path, data)
        except OSError as e:
            raise KitDataError(f"cannot write the export ({files.os_problem(e)})",
                               file=str(path)) from None
        return path

    # ---- reading other people's files --------------------------------------------------

    @staticmethod
    def read(path, casebook=None) -> pd.DataFrame:
        """Read a decision file someone handed in: an export (JSON or CSV) or a live log.

        The file is untrusted: it is opened read-only and never changed; anything
        wrong (too big, not UTF-8, bad JSON or CSV, missing or unknown fields, wrong
        types, unknown item/rule/action ids, an item decided twice in an export, an
        unknown or newer format version, absurd values) raises
        :class:`kit.KitDataError` naming the file and the problem. Returns the
        latest decision per item, with the columns of :meth:`table`.

        >>> import tempfile
        >>> bad = Path(tempfile.mkdtemp()) / "zoe.json"
        >>> _ = bad.write_text('{"format": "casebook-kit-decisions", "version": 9}')
        >>> DecisionLog.read(bad)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        kit.errors.KitDataError: ...zoe.json: was made by a newer kit (format version 9; ...
        """
        return decision_frame(read_decision_records(path, casebook))

    @staticmethod
    def read_answers(path, casebook=None) -> pd.DataFrame:
        """The answers in a handed-in file (columns as :meth:`answers`), checked like :meth:`read`.

        CSV exports hold decisions only, so for them the result is empty.

        >>> import tempfile
        >>> f = Path(tempfile.mkdtemp()) / "a.json"
        >>> _ = f.write_text("[1, 2]")
        >>> DecisionLog.read_answers(f)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        kit.errors.KitDataError: ...a.json: the top level should be a JSON object {...}, not a list
        """
        _, _, answers = read_untrusted(path, casebook)
        return answer_frame(answers)


def my_log(folder=None, casebook=None, *, guest=False):
    """The current learner's :class:`DecisionLog` in ``folder`` (default :func:`default_folder`),
    or ``None`` when no learner is known (apps then ask for a name). ``guest=True`` chooses
    the ``guest`` log knowingly when nobody is known.

    >>> import os, tempfile
    >>> saved = os.environ.get("KIT_LEARNER_CONFIG")
    >>> os.environ["KIT_LEARNER_CONFIG"] = os.path.join(tempfile.mkdtemp(), "learner.json")
    >>> folder = tempfile.mkdtemp()
    >>> my_log(folder) is None
    True
    >>> my_log(folder, guest=True).learner
    'guest'
    >>> from kit.decisions import set_learner
    >>> _ = set_learner("Ana")
    >>> my_log(folder).path.name, my_log(folder, guest=True).learner
    ('Ana-dea210f0.decisions.jsonl', 'Ana')
    >>> if saved is None: del os.environ["KIT_LEARNER_CONFIG"]
    ... else: os.environ["KIT_LEARNER_CONFIG"] = saved
    """
    learner = current_learner()
    if learner is None and guest:
        learner = GUEST
    if learner is None:
        return None
    return DecisionLog.for_learner(learner, folder=folder, casebook=casebook)
