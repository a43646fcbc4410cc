"""A class's decision files -> class tables and agreement statistics, for the teacher.

:func:`collect_class` reads every learner file in one folder (live logs
``*.decisions.jsonl`` and files exported by the kit, ``*.json`` and ``*.csv``)
through the same checks as :meth:`kit.DecisionLog.read`, which treat them as untrusted. One bad
file never stops the class view: it is skipped and listed in ``problems``. Nothing
is settled silently: several files for one learner, or a file named for another
learner, are listed as conflicts with what differs (see :func:`collect_class`).
The case file is loaded once (or passed in) and shared by every file read.

The aggregated tables (``distribution``, ``vs_twitter``) have one row per item
and action or per item, so they stay small enough to chart (Altair refuses
more than 5,000 rows) however many learners there are.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .classfiles import (FUTURE_SLACK, LEARNER_SUFFIXES, FileRead, LearnerFile,  # noqa: F401
                         class_folder, folder_entries, future_limit, future_note,
                         one_file_per_learner, read_file)
from .classnames import (LOOKALIKES, confusable_names, file_name_check,  # noqa: F401
                         learner_hash, name_from_file, name_key, shown)
from .compare import fleiss_kappa
from .decisions import decision_frame
from .decisions.columns import series_text
from .decisions.formats import DECISION_COLUMNS
from .decisions.readers import read_decision_file

#: Columns of ``ClassResults.decisions`` (one row per learner and decided item).
CLASS_DECISION_COLUMNS = ("learner", "item_id", "action", "level", "rules")
PROBLEM_COLUMNS = ("file", "problem", "kind")
#: Columns of ``ClassResults.conflicts`` (one row per file in a conflict).
CONFLICT_COLUMNS = ("learner", "file", "used", "name_check", "latest", "differs")
#: How many problems the summary and the dashboard show (then a count of the rest).
MAX_SHOWN_PROBLEMS = 50
#: Columns of ``ClassResults.distribution`` (one row per item and action of the ladder).
CLASS_DISTRIBUTION_COLUMNS = ("item_id", "leader", "title", "action", "level", "count", "share")
VS_TWITTER_COLUMNS = ("item_id", "leader", "title", "n", "twitter_action", "modal_action",
                      "modal_tied", "share_agree_twitter", "mean_level", "twitter_level",
                      "mean_gap")
#: Columns of ``ClassResults.rationales`` (one row per row of ``decisions``).
RATIONALE_COLUMNS = ("learner", "item_id", "action", "level", "rationale", "decided_at")


def agreement_words(kappa: float) -> str:
    """Landis & Koch (1977)'s conventional words for a kappa value (a rule of thumb).

    >>> agreement_words(0.5), agreement_words(-0.1), agreement_words(float("nan"))
    ('moderate agreement', 'less agreement than chance', 'not available')
    """
    if kappa is None or kappa != kappa:
        return "not available"
    if kappa < -0.005:
        return "less agreement than chance"
    if kappa < 0.005:
        return "no agreement beyond chance"
    for upper, words in ((0.2, "slight"), (0.4, "fair"), (0.6, "moderate"),
                         (0.8, "substantial")):
        if kappa <= upper:
            return f"{words} agreement"
    return "almost perfect agreement"


@dataclass(frozen=True)
class ClassResults:
    """What :func:`collect_class` found in a class folder.

    * ``decisions``: one row per learner and decided item (learner, item_id,
      action, level, rules), learners sorted, items in case-file order.
    * ``learners``: sorted learner names (one per learner, counted from one file).
    * ``problems``: file, problem, kind (``skipped``: unreadable or invalid, not
      used; ``conflict``: one of several files for one learner, or a file whose
      name is another learner's, each listed with whether it is used and what
      differs; ``note``: the file is used but something was left out or looks
      wrong (a stale item id, a cut-off last line, dates in the future);
      ``ignored``: not a decision file, a folder or a symbolic link). File names
      and messages are shown with control characters escaped (:func:`shown`);
      :meth:`summary` and the dashboard show the first 50 and count the rest.
    * ``conflicts``: one row per file in a conflict: learner, file, used,
      name_check (:func:`file_name_check`), latest (its latest decision), differs.
    * ``check_names``: groups of learner names that look alike
      (:func:`confusable_names`): check these are different people.
    * ``distribution``: every item x every action of the ladder (zero counts
      included): item_id, leader, title, action, level, count, share (of the
      learners who decided the item; 0 when nobody did).
    * ``vs_twitter``: one row per item: item_id, leader, title, n (learners who
      decided it), twitter_action, modal_action (most chosen; ties go to the
      lower level and set modal_tied; None when n = 0), share_agree_twitter,
      mean_level, twitter_level, mean_gap (mean_level - twitter_level).
    * ``fleiss_kappa``: agreement among the learners over the items every one
      of them decided (NaN with the reason in ``kappa_note`` when it cannot be
      worked out); ``kappa_items``: how many items it used.
    * ``rationales``: one row per row of ``decisions`` (same order): learner,
      item_id, action, level, rationale (as the learner wrote it), decided_at.
    * ``source``: what was read, in words (e.g. ``class-7b and 3 uploaded files``);
      "" for one folder (the summary then names the folder).

    :meth:`summary` (also ``str()``) says it in plain words for the teacher.

    >>> import tempfile, kit
    >>> cb = kit.load_casebook()
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     log = kit.DecisionLog.for_learner("Zoë", folder=tmp, casebook=cb)
    ...     _ = log.record(cb.items.item_id[0], [], "suspend")
    ...     res = collect_class(tmp, cb)
    >>> res.learners, res.decisions.action.tolist()
    (['Zoë'], ['suspend'])
    >>> len(res.distribution) == len(cb.items) * len(cb.action_levels)
    True
    >>> res.kappa_note
    'it needs at least 2 learners; found 1'
    """

    folder: Path
    decisions: pd.DataFrame = field(repr=False)
    learners: list
    problems: pd.DataFrame = field(repr=False)
    distribution: pd.DataFrame = field(repr=False)
    vs_twitter: pd.DataFrame = field(repr=False)
    fleiss_kappa: float
    kappa_note: str
    kappa_items: int
    conflicts: pd.DataFrame = field(default=None, repr=False)
    check_names: list = field(default_factory=list)
    rationales: pd.DataFrame = field(default=None, repr=False)
    source: str = ""

    def summary(self) -> str:
        """Plain text for the teacher: learners, conflicts, files skipped, notes,
        files ignored (the first 50 in all), names to check, agreement."""
        n = len(self.learners)
        where = self.source or shown(self.folder.name or str(self.folder))
        if n == 0:
            lines = [f"No learner decisions yet in {where}."]
        else:
            lines = [f"{n} learner{'s' if n != 1 else ''} in {where}, "
                     f"{len(self.decisions)} decisions."]
        room = MAX_SHOWN_PROBLEMS
        for kind, head in (("conflict", "file(s) in a conflict (one learner, several files, "
                            "or a file named for another learner; nothing was merged)"),
                           ("skipped", "file(s) skipped"),
                           ("note", "note(s) on files that are used"),
                           ("ignored", "other file(s) ignored")):
            rows = self.problems[self.problems["kind"] == kind]
            if len(rows):
                lines.append(f"{len(rows)} {head}:")
                lines.extend(f"- {r.file}: {r.problem}" for r in rows.head(room).itertuples())
                if len(rows) > room:
                    lines.append(f"- ... and {len(rows) - room} more (see .problems)")
                room = max(0, room - len(rows))
        if self.check_names:
            lines.append("Check these names (they look alike; are they different people?): "
                         + "; ".join(" / ".join(repr(n) for n in g) for g in self.check_names))
        if math.isnan(self.fleiss_kappa):
            lines.append(f"Fleiss' kappa: not available ({self.kappa_note}).")
        else:
            lines.append(f"Fleiss' kappa {self.fleiss_kappa:.2f} "
                         f"({agreement_words(self.fleiss_kappa)}): {self.kappa_note}.")
        return "\n".join(lines)

    def __str__(self):
        return self.summary()


def collect_class(folder, casebook=None) -> ClassResults:
    """Read every learner file in ``folder`` into one :class:`ClassResults`.

    Reads ``*.decisions.jsonl``, ``*.json`` and ``*.csv`` files directly in the
    folder (not in sub-folders; hidden files are passed over silently, other files
    are noted as ignored). Each file goes through
    :func:`kit.decisions.read_decision_records`, which checks it exactly as
    :meth:`kit.DecisionLog.read` does (one learner per file; items, actions and
    rules of this case file; the latest decision per item) and raises
    :class:`kit.KitDataError` otherwise: such a file is skipped and listed in
    ``problems``, and what the reader returns is trusted as it is, except that a
    decision for an item not in the case file is dropped alone and a cut-off last
    line is left out, each with a note (:func:`kit.decisions.readers.read_decision_file`).
    A file with no decisions is skipped too. A file without a learner name stands
    for the learner its name says (``ana.json`` -> ``ana``). Symbolic links are not
    followed (noted). Decisions dated more than 5 minutes in the future are noted.

    Nothing is settled silently: when a learner has more than one file, or a
    file's name is another learner's (:func:`file_name_check`), every file
    involved is listed as a ``conflict`` with what differs, and the class table
    takes that learner's decisions from at most one file, never mixing files:
    the one whose name fits the learner best (hash-named log, older log named
    for them, then an export), skipping files whose name is another learner's
    or that hold decisions dated in the future, then the most recent decision,
    then the one saved last. When no file qualifies (e.g. one file, named for
    someone else), the learner is left out until the teacher settles it.
    Learner names that look alike are listed in ``check_names``.

    An empty folder gives empty results (the start of a class is not an error);
    a missing folder raises :class:`kit.KitDataError`. ``casebook`` defaults to
    ``kit.load_casebook()``, loaded once for all files. Uploaded files, the class
    service, and refreshing that re-reads only what changed:
    :class:`kit.classsources.ClassCollector` (the same checks and results).

    >>> import tempfile, kit
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     res = collect_class(tmp, kit.load_casebook())
    >>> res.learners, len(res.problems)
    ([], 0)
    >>> res.summary().splitlines()[0].startswith("No learner decisions yet")
    True
    """
    folder = class_folder(folder)
    if casebook is None:
        from .casebook import load_casebook
        casebook = load_casebook()
    found, rows = folder_entries(folder)
    reader = read_decision_file  # looked up at each call, so it can be replaced (tests)
    reads = [read_file(name, path, casebook, reader, mtime=stamp_seconds(stamp))
             for name, path, stamp in found]
    return class_results(reads, casebook, folder, rows)


def stamp_seconds(stamp) -> float:
    """The mtime in seconds of a folder entry's stamp (name, size, mtime_ns, inode)."""
    return stamp[2] / 1e9 if stamp[2] is not None else 0.0


#: Columns of the ``bulk`` table :func:`class_results` takes (the class service's latest
#: decisions, checked in bulk by :func:`kit.classsources.check_latest_reply`).
BULK_COLUMNS = ("learner", "item_id", "rules", "action", "rationale", "decided_at", "revision",
                "label")


def class_results(reads, casebook, folder=None, rows=(), source: str = "",
                  bulk=None) -> ClassResults:
    """The class from what was read: ``reads`` (:class:`kit.classfiles.FileRead`, one per
    learner file, in name order) and ``rows`` (problem rows of entries not read). One
    file per learner is chosen (:func:`kit.classfiles.one_file_per_learner`), then the
    class tables are worked out. ``folder`` is the class folder (``Path()`` when none);
    ``source`` says in words what was read when it is not one folder.

    ``bulk``: more learners' decisions as one table (:data:`BULK_COLUMNS`; learners
    sorted, items in case-file order, one row per learner and item, ``decided_at`` as
    UTC datetimes, ``label`` the name of the learner's
    "file" in messages), each learner counted as one file whose name matches them. A
    learner who also has a file in ``reads`` becomes a file like the others (a conflict
    then lists both); every other learner's rows go into the class tables as they are,
    without a file or a record dict per learner."""
    problems = list(rows)  # (file, problem, kind) rows
    limit = future_limit()
    files, future = [], set()
    for read in reads:
        problems.extend(read.rows)
        if read.file is None:
            continue
        note = future_note(read.file, limit)
        if note is not None:
            problems.append(note)
            future.add(len(files))
        files.append(read.file)
    bulk_names = []
    if bulk is not None and len(bulk):
        bulk = _bulk_into_files(bulk, files, future, problems, limit)
        bulk_names = list(pd.unique(bulk["learner"].to_numpy(dtype=object)))
    table = _class_table(files)
    conflicts = []
    latest = table.groupby("_file")["decided_at"].max()
    kept = one_file_per_learner(files, future, latest, problems, conflicts)
    chosen = table[table["_file"].isin(kept)]
    if bulk_names:
        if len(chosen):
            chosen = pd.concat([chosen.drop(columns=["_file"]),
                                bulk[list(DECISION_COLUMNS)]], ignore_index=True)
            chosen = chosen.sort_values("learner", kind="stable")
        else:
            chosen = bulk
    else:
        chosen = chosen.sort_values("learner", kind="stable")
    decisions = _class_decisions(chosen, casebook)
    problem_frame = pd.DataFrame(problems, columns=list(PROBLEM_COLUMNS))
    problem_frame = problem_frame.sort_values("file", kind="stable").reset_index(drop=True)
    conflict_frame = pd.DataFrame(conflicts, columns=list(CONFLICT_COLUMNS))
    names = confusable_names([f.learner for f in files] + bulk_names)
    return _class_results(Path() if folder is None else Path(folder), decisions,
                          problem_frame, casebook, conflict_frame,
                          [[shown(n) for n in g] for g in names],
                          _rationales(chosen, decisions), source)


def _bulk_into_files(bulk, files, future, problems, limit):
    """Move the bulk learners who also have a file among ``files`` into ``files`` (so the
    conflict is listed), note bulk learners' decisions dated in the future; -> the rest."""
    learners = bulk["learner"]
    clash = learners.isin({f.learner for f in files}).to_numpy()
    late = (bulk["decided_at"] > pd.Timestamp(limit)).to_numpy()
    for who in sorted(set(learners[clash | late])):
        part = bulk[(learners == who).to_numpy()]
        texts = series_text(part["decided_at"])
        f = LearnerFile(part["label"].iloc[0], who, [
            {"learner": who, "item_id": r.item_id, "rules": r.rules, "action": r.action,
             "rationale": r.rationale, "decided_at": t,
             "revision": int(r.revision)} for r, t in zip(part.itertuples(), texts)],
            "match", 0.0, max(texts))
        note = future_note(f, limit)
        if note is not None:
            problems.append(note)
        if who in set(learners[clash]):
            if note is not None:
                future.add(len(files))
            files.append(f)
    return bulk[~clash] if clash.any() else bulk


def _class_table(files: list) -> pd.DataFrame:
    """Every accepted file's decisions in one table, ``_file`` the file's index in ``files``.

    One table for the class: a DataFrame per file would cost about 2 ms each."""
    counts = [len(f.records) for f in files]
    table = decision_frame([r for f in files for r in f.records])
    table["learner"] = np.repeat(np.array([f.learner for f in files], dtype=object), counts)
    table["_file"] = np.repeat(np.arange(len(files)), counts)
    return table


def _class_decisions(table: pd.DataFrame, casebook) -> pd.DataFrame:
    """The kept decisions as the ``decisions`` table: learners sorted; within a learner
    the reader's order, which is case-file item order (``table`` is sorted so)."""
    return pd.DataFrame({
        "learner": table["learner"].astype(object).to_numpy(),
        "item_id": table["item_id"].astype(object).to_numpy(),
        "action": table["action"].astype(object).to_numpy(),
        "level": _levels(table["action"], casebook),
        "rules": pd.Series(list(table["rules"]), dtype=object),
    }, columns=list(CLASS_DECISION_COLUMNS))


def _levels(actions, casebook) -> np.ndarray:
    """Each action's ladder level, for a whole column (an index lookup, not a map)."""
    levels = casebook.action_levels
    pos = pd.Index(list(levels)).get_indexer(actions.to_numpy(dtype=object))
    if (pos < 0).any():   # not on the ladder: the same error as a map would give
        return actions.map(levels).astype("int64").to_numpy()
    return np.array(list(levels.values()), dtype="int64")[pos]


def _rationales(table: pd.DataFrame, decisions: pd.DataFrame) -> pd.DataFrame:
    """The ``rationales`` table: the kept decisions' rationales, rows as in ``decisions``."""
    return pd.DataFrame({
        "learner": decisions["learner"], "item_id": decisions["item_id"],
        "action": decisions["action"], "level": decisions["level"],
        "rationale": table["rationale"].astype(object).to_numpy(),
        "decided_at": table["decided_at"].reset_index(drop=True),
    }, columns=list(RATIONALE_COLUMNS))


def _class_results(folder: Path, decisions: pd.DataFrame, problems: pd.DataFrame,
                   casebook, conflicts=None, check_names=(), rationales=None,
                   source="") -> ClassResults:
    levels = casebook.action_levels
    counts = _count_table(decisions, casebook)
    n_item = counts.sum(axis=1)
    learners = sorted(pd.unique(decisions["learner"].to_numpy(dtype=object)))
    kappa, kappa_note, kappa_items = _class_kappa(counts, n_item, len(learners))
    return ClassResults(folder=folder, decisions=decisions, learners=learners,
                        problems=problems,
                        distribution=_distribution(casebook.items, counts, n_item, levels),
                        vs_twitter=_vs_twitter(casebook.items, counts, n_item, levels),
                        fleiss_kappa=kappa, kappa_note=kappa_note, kappa_items=kappa_items,
                        conflicts=(conflicts if conflicts is not None else
                                   pd.DataFrame(columns=list(CONFLICT_COLUMNS))),
                        check_names=list(check_names),
                        rationales=(rationales if rationales is not None else
                                    pd.DataFrame(columns=list(RATIONALE_COLUMNS))),
                        source=source)


def _count_table(decisions: pd.DataFrame, casebook) -> pd.DataFrame:
    """Items (case-file order) x actions (the ladder): how many learners chose each."""
    item_ids, ladder = list(casebook.item_order), list(casebook.ladder)
    i = pd.Index(item_ids).get_indexer(decisions["item_id"].to_numpy(dtype=object))
    a = pd.Index(ladder).get_indexer(decisions["action"].to_numpy(dtype=object))
    ok = (i >= 0) & (a >= 0)
    flat = np.bincount(i[ok] * len(ladder) + a[ok], minlength=len(item_ids) * len(ladder))
    counts = pd.DataFrame(flat.reshape(len(item_ids), len(ladder)).astype("int64"),
                          index=pd.Index(item_ids, name="item_id"),
                          columns=pd.Index(ladder, name="action"))
    return counts


def _distribution(items, counts, n_item, levels) -> pd.DataFrame:
    long = counts.stack().rename("count").reset_index()
    long.columns = ["item_id", "action", "count"]
    info = items.set_index("item_id")
    n = long["item_id"].map(n_item)
    long["share"] = np.where(n > 0, long["count"] / n.where(n > 0, 1), 0.0)
    long["leader"] = long["item_id"].map(info["leader"])
    long["title"] = long["item_id"].map(info["title"])
    long["level"] = long["action"].map(levels).astype("int64")
    long["count"] = long["count"].astype("int64")
    return long[list(CLASS_DISTRIBUTION_COLUMNS)].reset_index(drop=True)


def _vs_twitter(items, counts, n_item, levels) -> pd.DataFrame:
    out = items[["item_id", "leader", "title", "twitter_action"]].reset_index(drop=True)
    n = n_item.reindex(out["item_id"]).to_numpy()
    matrix = counts.reindex(out["item_id"]).to_numpy()
    ladder = list(counts.columns)
    decided = n > 0
    top = matrix.max(axis=1) if len(ladder) else np.zeros(len(out))
    modal = [ladder[int(np.argmax(row))] if ok else None for row, ok in zip(matrix, decided)]
    tied = decided & ((matrix == top[:, None]).sum(axis=1) > 1)
    agree = np.array([counts.at[i, a] if a in counts.columns else 0
                      for i, a in zip(out["item_id"], out["twitter_action"])], dtype=float)
    level_values = np.array([levels[a] for a in ladder], dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_level = np.where(decided, matrix @ level_values / np.where(decided, n, 1), np.nan)
        share = np.where(decided, agree / np.where(decided, n, 1), np.nan)
    twitter_level = out["twitter_action"].map(levels).astype("int64")
    out["n"] = n.astype("int64")
    out["modal_action"] = pd.Series(modal, dtype=object)
    out["modal_tied"] = tied.astype(bool)
    out["share_agree_twitter"] = share
    out["mean_level"] = mean_level
    out["twitter_level"] = twitter_level
    out["mean_gap"] = mean_level - twitter_level.to_numpy()
    return out[list(VS_TWITTER_COLUMNS)]


def _class_kappa(counts, n_item, n_learners):
    """Fleiss' kappa over the items every learner decided; (kappa, note, items used)."""
    if n_learners < 2:
        return math.nan, f"it needs at least 2 learners; found {n_learners}", 0
    common = counts[n_item == n_learners]
    if len(common) == 0:
        return math.nan, f"no item was decided by all {n_learners} learners", 0
    kappa = fleiss_kappa(common)
    k = len(common)
    basis = (f"{n_learners} learners over the {k} item{'s' if k != 1 else ''} "
             "every one of them decided")
    if math.isnan(kappa):
        return kappa, (f"every learner chose the same action on every one of the {k} item"
                       f"{'s' if k != 1 else ''} all decided: full agreement, but kappa "
                       "cannot tell it from chance"), k
    return kappa, basis, k
