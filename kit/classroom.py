"""A class's decision files -> class tables and agreement statistics, for the teacher.

:func:`collect_class` reads every learner file in one folder (live logs
``*.decisions.jsonl`` and files exported by the kit, ``*.json`` and ``*.csv``)
through the same checks as :meth:`kit.DecisionLog.read`, which treat them as untrusted. One bad
file never stops the class view: it is skipped and listed in ``problems``.
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

from .compare import as_rule_tuple, fleiss_kappa
from .decisions import decision_frame, read_decision_records
from .errors import KitDataError

#: File names collect_class reads; anything else in the folder is ignored (and noted).
LEARNER_SUFFIXES = (".decisions.jsonl", ".json", ".csv")

DECISION_COLUMNS = ("learner", "item_id", "action", "level", "rules")
PROBLEM_COLUMNS = ("file", "problem", "kind")
DISTRIBUTION_COLUMNS = ("item_id", "leader", "title", "action", "level", "count", "share")
VS_TWITTER_COLUMNS = ("item_id", "leader", "title", "n", "twitter_action", "modal_action",
                      "modal_tied", "share_agree_twitter", "mean_level", "twitter_level",
                      "mean_gap")


def _learner_file(name: str) -> bool:
    return name.lower().endswith(LEARNER_SUFFIXES)


def _name_from_file(name: str) -> str:
    """The learner name a file stands for when it does not say: ana.decisions.jsonl -> ana."""
    low = name.lower()
    for suffix in (".decisions.jsonl", ".decisions.json", ".decisions.csv", ".json", ".csv"):
        if low.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _describe(err: KitDataError) -> str:
    """An error's message without the file name (the problems table has its own column)."""
    where = []
    if err.row is not None:
        where.append(f"row {err.row}")
    if err.column is not None:
        where.append(f"column '{err.column}'")
    return ", ".join(where) + ": " + err.problem if where else err.problem


def _blank(value) -> bool:
    return (value is None or (isinstance(value, float) and math.isnan(value))
            or value is pd.NA or value is pd.NaT or not str(value).strip())


def _some(values, limit=3) -> str:
    values = list(dict.fromkeys(values))
    shown = ", ".join(repr(v) for v in values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


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
    * ``learners``: sorted learner names (one per learner, duplicates resolved).
    * ``problems``: file, problem, kind (``skipped``: unreadable or invalid, not
      used; ``duplicate``: a learner's older file, not used; ``ignored``: not a
      decision file).
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

    def summary(self) -> str:
        """Plain text for the teacher: learners, files skipped or ignored, agreement."""
        n = len(self.learners)
        if n == 0:
            lines = [f"No learner decisions yet in {self.folder.name or str(self.folder)!s}."]
        else:
            lines = [f"{n} learner{'s' if n != 1 else ''} in {self.folder.name or str(self.folder)}, "
                     f"{len(self.decisions)} decisions."]
        for kind, head in (("skipped", "file(s) skipped"), ("duplicate", "older file(s) of a "
                           "learner who appears twice (latest kept)"),
                           ("ignored", "other file(s) ignored")):
            rows = self.problems[self.problems["kind"] == kind]
            if len(rows):
                lines.append(f"{len(rows)} {head}:")
                lines.extend(f"- {r.file}: {r.problem}" for r in rows.head(10).itertuples())
                if len(rows) > 10:
                    lines.append(f"- ... and {len(rows) - 10} more (see .problems)")
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
    are noted as ignored). A file that cannot be read, holds no decisions, holds
    several learners or names an item, action or rule the case file does not
    have is skipped and listed in ``problems``. A file without a learner name
    stands for the learner its name says (``ana.json`` -> ``ana``). Within a file
    the latest decision per item counts (highest revision, then latest
    decided_at); a blank action means the item was left undecided. When a learner
    appears in more than one file, the file with the most recent decision is kept
    (then the most recently modified) and the others are listed as duplicates.

    An empty folder gives empty results (the start of a class is not an error);
    a missing folder raises :class:`kit.KitDataError`. ``casebook`` defaults to
    ``kit.load_casebook()``, loaded once for all files.

    >>> import tempfile, kit
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     res = collect_class(tmp, kit.load_casebook())
    >>> res.learners, len(res.problems)
    ([], 0)
    >>> res.summary().splitlines()[0].startswith("No learner decisions yet")
    True
    """
    folder = Path(folder)
    if not folder.exists():
        raise KitDataError("the class folder does not exist", file=str(folder))
    if not folder.is_dir():
        raise KitDataError("this is a file, not a folder: give the folder holding the "
                           "learners' decision files", file=str(folder))
    if casebook is None:
        from .casebook import load_casebook
        casebook = load_casebook()
    levels = casebook.action_levels
    items = casebook.items
    item_order = {i: n for n, i in enumerate(items.item_id)}
    known_rules = set(casebook.rules.rule_id)

    problems = []

    def note(file, kind, text):
        problems.append((file, text, kind))

    # 1. read every file once; all checks across files are vectorised below
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as err:
        raise KitDataError(f"the class folder cannot be read ({err.strerror or err})",
                           file=str(folder)) from None
    records, counts, paths = [], [], []
    for path in entries:
        name = path.name
        if name.startswith("."):
            continue
        if path.is_dir():
            note(name, "ignored", "a folder; only files directly in the class folder are read")
            continue
        if not _learner_file(name):
            note(name, "ignored", "not a decision file (.decisions.jsonl, .json or .csv)")
            continue
        try:
            rows = read_decision_records(path, casebook)
        except KitDataError as err:
            note(name, "skipped", _describe(err))
            continue
        except Exception as err:  # one unreadable file must never stop the class view
            note(name, "skipped", f"could not be read ({type(err).__name__}: {err})")
            continue
        if not rows:
            note(name, "skipped", "no decisions in this file yet")
            continue
        records.extend(rows)
        counts.append(len(rows))
        paths.append(path)

    if records:  # one table for the class: a DataFrame per file costs ~2 ms each
        big = decision_frame(records)
        big["_file"] = np.repeat(np.arange(len(paths)), counts)
    else:
        big = pd.DataFrame({"item_id": [], "action": [], "_file": []})
    names = [p.name for p in paths]
    bad = {}  # file index -> problem

    def flag(file_ix, text):
        bad.setdefault(int(file_ix), text)

    # 2. learner names: from the file, else from the file name
    fallback = pd.Series([_name_from_file(n) for n in names], dtype=object)
    if "learner" in big.columns:
        learner = big["learner"].astype(object)
        is_blank = learner.map(_blank).astype(bool)
        learner = learner.where(~is_blank, big["_file"].map(fallback)).map(lambda v: str(v).strip())
    else:
        learner = big["_file"].map(fallback)
    big["learner"] = learner.astype(object)
    several = big.groupby("_file")["learner"].nunique()
    for f in several[several > 1].index:
        who = big.loc[big["_file"] == f, "learner"]
        flag(f, f"holds decisions of several learners ({_some(who)}); use one file per learner")

    # 3. ids the case file does not have
    item_ids = big["item_id"].map(lambda v: "" if _blank(v) else str(v).strip())
    big["item_id"] = item_ids
    for f, ids in big.loc[~item_ids.isin(item_order), ["_file", "item_id"]].groupby("_file"):
        flag(f, f"item id(s) {_some(ids.item_id)} are not in the case file "
                "(a file from another version of the kit?)")
    actions = big["action"].map(lambda v: "" if _blank(v) else str(v).strip())
    big["action"] = actions
    wrong = (actions != "") & ~actions.isin(levels)
    for f, acts in big.loc[wrong, ["_file", "action"]].groupby("_file"):
        flag(f, f"action(s) {_some(acts.action)} are not on the ladder "
                f"({', '.join(sorted(levels, key=levels.get))})")
    rules = []
    raw_rules = big["rules"] if "rules" in big.columns else [()] * len(big)
    for f, value in zip(big["_file"], raw_rules):
        try:
            rs = as_rule_tuple(value)
        except KitDataError:
            flag(f, f"{str(value)[:60]!r} is not a list of rule ids")
            rs = ()
        unknown = [r for r in rs if r not in known_rules]
        if unknown:
            flag(f, f"rule id(s) {_some(unknown)} are not in the case file")
        rules.append(rs)
    big["rules"] = pd.Series(rules, index=big.index, dtype=object)
    for f, text in sorted(bad.items()):
        note(names[f], "skipped", text)
    good = big[~big["_file"].isin(list(bad))].copy()

    # 4. the latest decision per file and item; a blank action leaves the item undecided
    good["_rev"] = (pd.to_numeric(good["revision"], errors="coerce") if "revision" in good.columns
                    else np.nan)
    good["_time"] = _as_time(good["decided_at"]) if "decided_at" in good.columns else pd.NaT
    good["_row"] = np.arange(len(good))
    good = good.sort_values(["_file", "_rev", "_time", "_row"], kind="stable", na_position="first")
    good = good.drop_duplicates(["_file", "item_id"], keep="last")
    good = good[good["action"] != ""]
    emptied = set(big["_file"]) - set(bad) - set(good["_file"])
    for f in sorted(emptied):
        note(names[int(f)], "skipped", "no decisions left (every item was cleared)")

    # 5. a learner in several files: keep the file with the most recent decision
    per_file = good.groupby("_file").agg(learner=("learner", "first"), latest=("_time", "max"))
    keep = []
    for who, files in per_file.groupby("learner", sort=True):
        if len(files) == 1:
            keep.append(files.index[0])
            continue
        latest = {f: files.at[f, "latest"] for f in files.index}
        never = pd.Timestamp(0, tz="UTC")

        def rank(f):
            t = latest[f]
            return (never if pd.isna(t) else t, _mtime(paths[int(f)]), names[int(f)])

        order = sorted(files.index, key=rank)
        winner = order[-1]
        keep.append(winner)
        for f in order[:-1]:
            why = ("its latest decision is more recent" if rank(winner)[0] > rank(f)[0]
                   else "it was saved more recently")
            note(names[int(f)], "duplicate", f"learner {who!r} also has decisions in "
                 f"{names[int(winner)]}, which is used instead ({why}); this file was not used")
    good = good[good["_file"].isin(keep)]

    # 6. the class tables
    good["_order"] = good["item_id"].map(item_order)
    good = good.sort_values(["learner", "_order"], kind="stable")
    decisions = pd.DataFrame({
        "learner": good["learner"].astype(object).to_numpy(),
        "item_id": good["item_id"].astype(object).to_numpy(),
        "action": good["action"].astype(object).to_numpy(),
        "level": good["action"].map(levels).astype("int64").to_numpy(),
        "rules": pd.Series(list(good["rules"]), dtype=object),
    }, columns=list(DECISION_COLUMNS))
    learners = sorted(set(decisions["learner"]))
    problem_frame = pd.DataFrame(problems, columns=list(PROBLEM_COLUMNS))
    problem_frame = problem_frame.sort_values("file", kind="stable").reset_index(drop=True)

    ladder = sorted(levels, key=levels.get)
    counts = pd.crosstab(pd.Categorical(decisions["item_id"], categories=list(items.item_id)),
                         pd.Categorical(decisions["action"], categories=ladder), dropna=False)
    counts = counts.reindex(index=list(items.item_id), columns=ladder, fill_value=0)
    counts = counts.rename_axis(index="item_id", columns="action").astype("int64")
    n_item = counts.sum(axis=1)
    distribution = _distribution(items, counts, n_item, levels)
    vs_twitter = _vs_twitter(items, counts, n_item, levels, decisions)
    kappa, kappa_note, kappa_items = _class_kappa(counts, n_item, len(learners))
    return ClassResults(folder=folder, decisions=decisions, learners=learners,
                        problems=problem_frame, distribution=distribution,
                        vs_twitter=vs_twitter, fleiss_kappa=kappa, kappa_note=kappa_note,
                        kappa_items=kappa_items)


def _as_time(values: pd.Series) -> pd.Series:
    """decided_at as UTC timestamps (NaT where missing or unreadable)."""
    try:
        return pd.to_datetime(values, utc=True, errors="coerce", format="ISO8601")
    except (TypeError, ValueError):
        return pd.to_datetime(values.astype(str), utc=True, errors="coerce", format="mixed")


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


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
    return long[list(DISTRIBUTION_COLUMNS)].reset_index(drop=True)


def _vs_twitter(items, counts, n_item, levels, decisions) -> pd.DataFrame:
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
