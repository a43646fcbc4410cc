"""Learner files for the class view: which entries of a class folder are read, how one
file is read (as untrusted input), and which file stands for each learner.

Pure bookkeeping around :func:`kit.decisions.readers.read_decision_file`: it never
merges files and never settles anything silently (conflicts are listed with what
differs). :mod:`kit.classroom` turns the chosen files into class tables;
:mod:`kit.classsources` keeps what was read so a refresh re-reads only what changed.

Every problem is a row ``(file, problem, kind)`` (see :data:`kit.classroom.PROBLEM_COLUMNS`),
with file names and messages shown escaped (:func:`kit.classnames.shown`).
"""
from __future__ import annotations

import datetime as dt
import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .classnames import file_name_check, name_from_file, shown
from .errors import KitDataError
from .words import blank, plural, some

#: File names the class view reads; anything else in the folder is ignored (and noted).
LEARNER_SUFFIXES = (".decisions.jsonl", ".json", ".csv")
#: A decision dated later than now plus this is "in the future" (clocks differ a little).
FUTURE_SLACK = dt.timedelta(minutes=5)
#: The kit's time format (the readers give every ``decided_at`` in it, so text compares).
_TIME = "%Y-%m-%dT%H:%M:%S.%fZ"


def learner_file(name: str) -> bool:
    """Whether a file name is one the class view reads (:data:`LEARNER_SUFFIXES`)."""
    return name.lower().endswith(LEARNER_SUFFIXES)


def describe(err: KitDataError) -> str:
    """An error's message without the file name (the problems table has its own column)."""
    where = []
    if err.row is not None:
        where.append(f"row {err.row}")
    if err.column is not None:
        where.append(f"column '{err.column}'")
    return ", ".join(where) + ": " + err.problem if where else err.problem


@dataclass(frozen=True)
class LearnerFile:
    """One file the reader accepted: its name, whose decisions, and the decisions.

    ``name`` is the file's name as shown (escaped: a folder entry's name, an uploaded
    file's name with `` (uploaded)``, or ``<learner> (class service)``); ``mtime`` is when
    it was saved (seconds)."""

    name: str
    learner: str
    records: list = field(repr=False)
    name_check: str = "old"     # file_name_check(): match, old, free or other
    mtime: float = 0.0
    latest: str = ""            # its latest decided_at, in the kit's time format


@dataclass(frozen=True)
class FileRead:
    """What reading one entry gave: the accepted file (or None) and its problem rows.

    Kept by :class:`kit.classsources.ClassCollector` between refreshes; the note on
    decisions dated in the future is added when the class is put together (it depends
    on the time)."""

    file: LearnerFile | None
    rows: tuple = ()


def class_folder(folder) -> Path:
    """``folder`` as a Path; KitDataError when it is missing or a file."""
    folder = Path(folder)
    if not folder.exists():
        raise KitDataError("the class folder does not exist", file=str(folder))
    if not folder.is_dir():
        raise KitDataError("this is a file, not a folder: give the folder holding the "
                           "learners' decision files", file=str(folder))
    return folder


def folder_entries(folder: Path):
    """``(learner files, rows)``: the folder's learner files as ``(name, path, stamp)``
    in name order, ``stamp`` being (name, size, mtime_ns, inode) of the file itself
    (symbolic links are not followed), and a problem row for every other entry but
    hidden ones (links, folders, other files)."""
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as err:
        raise KitDataError(f"the class folder cannot be read ({err.strerror or err})",
                           file=str(folder)) from None
    found, rows = [], []
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        label = shown(name)
        try:
            if entry.is_symlink():
                rows.append((label, "a symbolic link: links are not followed in the class "
                             "folder (copy the file itself here)", "ignored"))
                continue
            if entry.is_dir(follow_symlinks=False):
                rows.append((label, "a folder; only files directly in the class folder are "
                             "read", "ignored"))
                continue
        except OSError:
            pass  # the reader says what is wrong with it
        if not learner_file(name):
            rows.append((label, "not a decision file (.decisions.jsonl, .json or .csv)",
                         "ignored"))
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            stamp = (name, st.st_size, st.st_mtime_ns, st.st_ino)
        except OSError:
            stamp = (name, None, None, None)  # gone or unreadable: read (and told) each time
        found.append((name, Path(entry.path), stamp))
    return found, rows


def read_file(name: str, path, casebook, reader, mtime: float = 0.0,
              name_check: str | None = None, shown_as: str | None = None) -> FileRead:
    """Read one learner file with ``reader`` (:func:`read_decision_file`) as untrusted
    input: the accepted file and its notes, or why it is skipped. ``name`` is the file's
    name as handed in (shown escaped in every row); ``path`` is where its bytes are (the
    file itself, or a private copy of an uploaded file). ``name_check`` overrides
    :func:`file_name_check` (the class service vouches for its learners' names);
    ``shown_as`` is how the file is named in the rows (default: ``name`` escaped)."""
    label = shown(name) if shown_as is None else shown_as
    try:
        read = reader(path, casebook)
    except KitDataError as err:
        return FileRead(None, ((label, shown(describe(err)), "skipped"),))
    except Exception as err:  # one unreadable file must never stop the class view
        return FileRead(None, ((label, shown(f"could not be read ({type(err).__name__}: {err})"),
                                "skipped"),))
    rows = [(label, shown(note), "note") for note in read.notes]
    if not read.records:
        rows.append((label, "no decisions in this file yet", "skipped"))
        return FileRead(None, tuple(rows))
    learner = learner_of(read.records, name)
    if name_check is None:
        name_check = "old" if blank(read.learner) else file_name_check(name, learner)
    latest = max(r["decided_at"] for r in read.records)
    return FileRead(LearnerFile(label, learner, read.records, name_check, mtime, latest),
                    tuple(rows))


def future_limit() -> str:
    """Decisions dated after this (now plus :data:`FUTURE_SLACK`, kit time format) are
    "in the future"."""
    return (dt.datetime.now(dt.timezone.utc) + FUTURE_SLACK).strftime(_TIME)


def future_note(f: LearnerFile, limit: str):
    """The note row for a file holding decisions dated after ``limit``, or None."""
    if f.latest <= limit:
        return None
    future = [r["decided_at"] for r in f.records if r["decided_at"] > limit]
    return (shown(f.name), f"{plural(len(future), 'decision')} dated in the future "
            f"(latest {max(future)[:10]}): the saving computer's clock is wrong "
            "or the file was edited", "note")


def learner_of(records: list, file_name: str) -> str:
    """Whose file it is: the name it holds (the reader allows one learner per file),
    else the name its file name says."""
    name = records[0]["learner"]
    return unicodedata.normalize("NFC", name_from_file(file_name) if blank(name) else name
                                 ).strip()


_CHECK_RANK = {"match": 3, "old": 2, "free": 1, "other": 0}
_CHECK_WORDS = {"match": "its name is this learner's", "old": "an older log named for this learner",
                "free": "an export (its name says nothing)",
                "other": "its name is another learner's"}


def differences(a: LearnerFile, b: LearnerFile) -> str:
    """What differs between two files of one learner, in plain words."""
    da = {r["item_id"]: r["action"] for r in a.records}
    db = {r["item_id"]: r["action"] for r in b.records}
    changed = [i for i in da if i in db and da[i] != db[i]]
    only_a = [i for i in da if i not in db]
    only_b = [i for i in db if i not in da]
    parts = []
    if changed:
        parts.append(f"{plural(len(changed), 'item')} decided differently ({some(changed)})")
    if only_a:
        parts.append(f"{plural(len(only_a), 'item')} only in this file ({some(only_a)})")
    if only_b:
        parts.append(f"{plural(len(only_b), 'item')} only in {shown(b.name)} "
                     f"({some(only_b)})")
    if not parts:
        same_text = all(r == s for r, s in zip(sorted(a.records, key=lambda r: r["item_id"]),
                                               sorted(b.records, key=lambda r: r["item_id"])))
        parts.append("the same decisions" + ("" if same_text else
                                             " (rationales or times differ)"))
    return f"vs {shown(b.name)}: " + "; ".join(parts)


def one_file_per_learner(files: list, future: set, latest, problems: list,
                         conflicts: list) -> list:
    """The index of the file used for each learner, or none; conflicts noted.

    ``future``: indexes of files holding decisions dated in the future; ``latest``:
    each file's latest decision (indexable by file index). A learner with one file
    whose name fits (``match``, ``old`` or ``free``) is no conflict. Otherwise every
    file of that learner is a conflict, listed in ``problems`` (kind ``conflict``) and
    ``conflicts``, and the class table uses at most one of them, never a mix: among the
    files whose name is not another learner's and which hold no decision dated in the
    future, the one whose name fits best (hash-named log, then an older log named for
    the learner, then an export), then the one with the most recent decision, then
    saved last. When no file qualifies, the learner is left out of the class table
    until the teacher settles it.
    """
    by_learner = {}
    for ix, f in enumerate(files):
        by_learner.setdefault(f.learner, []).append(ix)

    def rank(ix):
        f = files[ix]
        return _CHECK_RANK[f.name_check], latest[ix], f.mtime, f.name

    kept = []
    for who in sorted(by_learner):
        group = by_learner[who]
        if len(group) == 1 and files[group[0]].name_check != "other":
            kept.append(group[0])
            continue
        fit = [ix for ix in group if files[ix].name_check != "other" and ix not in future]
        winner = max(fit, key=rank) if fit else None
        if winner is not None:
            kept.append(winner)
        for ix in sorted(group, key=lambda i: files[i].name):
            f = files[ix]
            others = [files[j] for j in group if j != ix]
            differs = " | ".join(differences(f, o) for o in others)
            if ix == winner:
                status = (f"used for learner {shown(who)!r}: {_CHECK_WORDS[f.name_check]}"
                          + (", and it is the best fit of " + plural(len(group), "file")
                             if len(group) > 1 else ""))
            else:
                why = [_CHECK_WORDS[f.name_check]] if f.name_check == "other" else []
                if ix in future:
                    why.append("it holds decisions dated in the future")
                if not why and winner is not None:
                    why.append(f"{shown(files[winner].name)} fits better")
                status = (f"not used for learner {shown(who)!r} ({'; '.join(why)})"
                          + ("; no file of this learner is used until the conflict is settled"
                             if winner is None else ""))
            problems.append((shown(f.name), status + (f"; {differs}" if differs else ""),
                             "conflict"))
            conflicts.append((shown(who), shown(f.name), ix == winner, f.name_check,
                              latest[ix], differs))
    return kept
