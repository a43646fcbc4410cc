"""Synthetic data for the benchmarks: big case files and big classes.

Two generators, both deterministic for a given ``seed``:

* :func:`make_casebook` -> a :class:`kit.Casebook` with ``n_items`` items. The
  shipped items are replicated across synthetic copies of the shipped accounts:
  copy 0 is the shipped case file unchanged (so events, evidence and figures stay
  valid), copy ``k`` has item ids ``<id>_x<k>`` on accounts ``<handle>_a<j>``
  (``j = k // items_per_account``, so each synthetic account carries about
  ``items_per_account`` times its original items), dates shifted by up to 45
  days either way, follower counts perturbed by up to 30 %, and the item's
  allegations copied with it. It is built from the frames the loader produced
  for the shipped data (``Casebook(data_dir, frames)``), so every column keeps the
  loader's exact dtype; ``via_csv=True`` instead writes the tables as CSV files
  and loads them with :func:`kit.load_casebook` (full validation: slower, used
  to check that both routes give the same case file).

* :func:`write_class` -> a folder of ``n_learners`` learners' decision files in
  the kit's documented formats (docs/decision-format.md): by default 80 % JSON
  exports (``<name>.decisions.json``), 10 % CSV exports and 10 % live logs
  (``<name>.decisions.jsonl``, some items decided twice). The first learners of
  each format are written by a real :class:`kit.DecisionLog` (``record`` then
  ``export``), so the files are exactly what the kit writes; the rest are written
  in the same format directly (a real log fsyncs every decision, which would
  take minutes for 10,000 learners). :func:`check_class` reads a sample back
  with :meth:`kit.DecisionLog.read`.

    >>> import tempfile, kit
    >>> cb = make_casebook(100, seed=1)
    >>> len(cb.items), cb.items.item_id.is_unique
    (100, True)
    >>> folder = write_class(tempfile.mkdtemp(), kit.load_casebook(), 12, seed=1)
    >>> len(list(folder.iterdir()))
    12
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import random
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, str(ROOT))

import kit  # noqa: E402
from kit import decisions as kd  # noqa: E402
from kit.casebook import LIST_SEP, LOAD_ORDER, SCHEMA, Casebook  # noqa: E402

RATIONALES = (
    "Reads as a call to violence in the context of the day.",
    "Political speech; newsworthy, keep it up behind a notice.",
    "Targets a protected group: hateful conduct.",
    "Misleading claim about voting; label it.",
    "Zoë thinks the account is run by the same office (linked).",
    "تهدید آشکار است",  # Persian: "the threat is explicit"
    "",
)
#: How the kit writes times (docs/decision-format.md).
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
FORMAT_MIX = (("json", 0.8), ("csv", 0.1), ("jsonl", 0.1))


# --------------------------------------------------------------------------- case files

def _base(casebook=None) -> Casebook:
    return casebook if casebook is not None else kit.load_casebook()


def make_casebook(n_items: int, seed: int = 0, items_per_account: int = 10, base=None,
                  via_csv: bool = False, folder=None) -> Casebook:
    """A Casebook with exactly ``n_items`` items (see the module help)."""
    base = _base(base)
    frames = {name: f.copy() for name, f in base._frames.items()}
    items0, acc0, all0 = frames["items"], frames["accounts"], frames["allegations"]
    n0 = len(items0)
    copies = max(1, math.ceil(n_items / n0))
    rng = np.random.default_rng(seed)

    # items: copy k of every shipped item, the first n_items rows in (k, case-file order)
    k = np.repeat(np.arange(copies), n0)[:n_items]
    src = np.tile(np.arange(n0), copies)[:n_items]
    items = items0.iloc[src].reset_index(drop=True)
    suffix = pd.Series(np.where(k == 0, "", "_x" + k.astype(str)), dtype=object)
    orig_ids = items["item_id"].astype(object)
    items["item_id"] = (orig_ids + suffix).astype(items0["item_id"].dtype)
    acct = k // items_per_account
    acct_suffix = pd.Series(np.where(acct == 0, "", "_a" + acct.astype(str)), dtype=object)
    items["handle"] = (items["handle"].astype(object) + acct_suffix).astype(items0["handle"].dtype)
    shift = pd.to_timedelta(np.where(k == 0, 0, rng.integers(-45, 46, len(items))), unit="D")
    for col in ("date", "twitter_action_date"):
        items[col] = (items[col] + shift).astype(items0[col].dtype)
    items["_row"] = np.arange(2, len(items) + 2)

    # accounts: copy j of every shipped account, for the copies the items use
    n_acc = int(acct.max()) + 1
    accounts = acc0.iloc[np.tile(np.arange(len(acc0)), n_acc)].reset_index(drop=True)
    j = np.repeat(np.arange(n_acc), len(acc0))
    accounts["handle"] = (accounts["handle"].astype(object)
                          + pd.Series(np.where(j == 0, "", "_a" + j.astype(str)), dtype=object)
                          ).astype(acc0["handle"].dtype)
    factor = np.where(j == 0, 1.0, rng.uniform(0.7, 1.3, len(accounts)))
    followers = accounts["followers"].astype("Float64") * factor
    accounts["followers"] = followers.round().astype("Int64")
    accounts["_row"] = np.arange(2, len(accounts) + 2)

    # allegations: each item copy takes its original's allegations
    by_item = all0.groupby(all0["item_id"].astype(object), sort=False).indices
    rows, ks = [], []
    for pos, (orig, kk) in enumerate(zip(orig_ids, k)):
        for r in by_item.get(orig, ()):
            rows.append(r)
            ks.append(kk)
    ks = np.asarray(ks)
    alleg = all0.iloc[rows].reset_index(drop=True)
    sfx = pd.Series(np.where(ks == 0, "", "_x" + ks.astype(str)), dtype=object)
    alleg["allegation_id"] = (alleg["allegation_id"].astype(object) + sfx).astype(
        all0["allegation_id"].dtype)
    alleg["item_id"] = (alleg["item_id"].astype(object) + sfx).astype(all0["item_id"].dtype)
    alleg["_row"] = np.arange(2, len(alleg) + 2)

    frames.update(items=items, accounts=accounts, allegations=alleg)
    if via_csv:
        return kit.load_casebook(write_csv(frames, folder))
    return Casebook(base.data_dir, frames)


def _cell(value, kind) -> str:
    if kind == "refs":
        return LIST_SEP.join(value) if isinstance(value, tuple) else ""
    if value is None or value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if kind == "date":
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    return str(value)


def write_csv(frames: dict, folder) -> Path:
    """Write loader-style frames back to CSV files in ``folder`` (for the validating route)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in LOAD_ORDER:
        table = SCHEMA[name]
        frame = frames[name]
        with open(folder / table.file, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(table.column_names)
            cols = [(c.name, c.kind) for c in table.columns]
            for rec in frame[[c for c, _ in cols]].itertuples(index=False, name=None):
                w.writerow([_cell(v, kind) for v, (_, kind) in zip(rec, cols)])
    return folder


# --------------------------------------------------------------------------- classes

def _learner_name(i: int) -> str:
    return f"Zoë {i:05d}" if i % 7 == 3 else f"learner {i:05d}"


def _decisions_for(rng, casebook_info, start: dt.datetime, twice: bool):
    """One learner's decisions: list of dicts (item_id, rules, action, rationale, decided_at, revision)."""
    item_ids, twitter_action, alleged, ladder = casebook_info
    out = []
    t = start
    for i, item in enumerate(item_ids):
        if rng.random() < 0.12:  # leaves this item undecided
            continue
        n_rev = 2 if twice and rng.random() < 0.2 else 1
        for rev in range(1, n_rev + 1):
            action = twitter_action[i] if rng.random() < 0.5 else rng.choice(ladder)
            cands = alleged[i]
            rules = tuple(r for r in cands if rng.random() < 0.6)
            t = t + dt.timedelta(seconds=rng.randint(5, 240), microseconds=rng.randrange(10**6))
            out.append({"item_id": item, "rules": rules, "action": action,
                        "rationale": rng.choice(RATIONALES),
                        "decided_at": t.strftime(TIME_FORMAT),
                        "revision": rev})
    if not out:  # every learner decides at least one item
        out.append({"item_id": item_ids[0], "rules": (), "action": ladder[0], "rationale": "",
                    "decided_at": start.strftime(TIME_FORMAT), "revision": 1})
    return out


def _case_info(casebook):
    items = casebook.items
    rules = casebook.rules
    conduct = list(rules.rule_id[rules.kind == "conduct"])
    order = {r: n for n, r in enumerate(conduct)}
    al = casebook.allegations
    alleged = {i: [] for i in items.item_id}
    for i, r in zip(al.item_id, al.rule_id):
        if r in order and r not in alleged[i]:
            alleged[i].append(r)
    ladder = list(casebook.action_levels)
    return (list(items.item_id), list(items.twitter_action),
            [sorted(alleged[i], key=order.get) for i in items.item_id], ladder)


def _latest(decs):
    latest = {}
    for d in decs:
        latest[d["item_id"]] = d
    return list(latest.values())


def _export_json(learner, decs) -> bytes:
    doc = {"format": kd.EXPORT_FORMAT, "version": kd.EXPORT_VERSION, "learner": learner,
           "exported_at": decs[-1]["decided_at"], "kit_version": kit.__version__,
           "decisions": [{"item_id": d["item_id"], "rules": list(d["rules"]), "action": d["action"],
                          "rationale": d["rationale"], "decided_at": d["decided_at"],
                          "revision": d["revision"]} for d in _latest(decs)],
           "answers": []}
    # The kit indents its exports (indent=2); whitespace aside the bytes are the same, and
    # json's indenting encoder is pure Python: compact output keeps 10,000 learners quick.
    return (json.dumps(doc, ensure_ascii=False, allow_nan=False) + "\n").encode()


def _export_csv(learner, decs) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(kd.CSV_COLUMNS)
    for d in _latest(decs):
        w.writerow([learner, d["item_id"], ";".join(d["rules"]), d["action"], d["rationale"],
                    d["decided_at"], d["revision"], kd.CSV_VERSION])
    return buf.getvalue().encode("utf-8-sig")


def _live_log(learner, decs, created) -> bytes:
    dump = lambda o: json.dumps(o, ensure_ascii=False, allow_nan=False) + "\n"  # noqa: E731
    lines = [dump({"format": kd.LOG_FORMAT, "version": kd.LOG_VERSION, "learner": learner,
                   "created_at": created, "kit_version": kit.__version__})]
    lines += [dump({"type": "decision", "item_id": d["item_id"], "rules": list(d["rules"]),
                    "action": d["action"], "rationale": d["rationale"],
                    "decided_at": d["decided_at"]}) for d in decs]
    return "".join(lines).encode()


def _formats(n: int, mix=FORMAT_MIX) -> list:
    """Which format each learner hands in: deterministic, spread through the class."""
    out = []
    acc = {f: 0.0 for f, _ in mix}
    for _ in range(n):
        for f, share in mix:
            acc[f] += share
        best = max(acc, key=acc.get)
        acc[best] -= 1.0
        out.append(best)
    return out


def write_class(folder, casebook, n_learners: int, seed: int = 0, real_logs: int = 1,
                mix=FORMAT_MIX) -> Path:
    """Write ``n_learners`` learners' decision files into ``folder`` (see the module help).

    ``real_logs``: how many learners of each format are written through a real
    :class:`kit.DecisionLog` (record, then export).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    info = _case_info(casebook)
    rng = random.Random(seed)  # scalar draws: much faster than numpy's for this
    base_time = dt.datetime(2025, 3, 4, 9, 0, tzinfo=dt.timezone.utc)
    real_done = {f: 0 for f, _ in mix}
    suffix = {"json": ".decisions.json", "csv": ".decisions.csv", "jsonl": ".decisions.jsonl"}
    for i, fmt in enumerate(_formats(n_learners, mix)):
        learner = _learner_name(i)
        start = base_time + dt.timedelta(minutes=rng.randrange(600))
        decs = _decisions_for(rng, info, start, twice=(fmt == "jsonl"))
        path = folder / f"{kd.safe_learner_name(learner)}{suffix[fmt]}"
        if real_done[fmt] < real_logs:
            real_done[fmt] += 1
            _write_real(folder, learner, decs, fmt, casebook, path)
            continue
        if fmt == "json":
            data = _export_json(learner, decs)
        elif fmt == "csv":
            data = _export_csv(learner, decs)
        else:
            data = _live_log(learner, decs, start.strftime(TIME_FORMAT))
        path.write_bytes(data)
    work = folder / ".work"
    if work.is_dir():
        for leftover in work.iterdir():  # hidden temporaries of the real logs
            leftover.unlink()
        work.rmdir()
    return folder


def _write_real(folder, learner, decs, fmt, casebook, path) -> None:
    """Write one learner through the kit itself: DecisionLog.record, then export."""
    live = folder / ".work" / path.name.replace(".decisions.json", "").replace(
        ".decisions.csv", "").replace(".decisions.jsonl", "")
    live = live.with_name(live.name + ".decisions.jsonl")
    live.parent.mkdir(exist_ok=True)
    log = kit.DecisionLog(live, learner=learner, casebook=casebook)
    for d in decs:
        log.record(d["item_id"], list(d["rules"]), d["action"], d["rationale"])
    if fmt == "jsonl":
        live.replace(path)
    else:
        log.export(path, format=fmt)
        live.unlink()


def check_class(folder, casebook, sample: int = 30) -> dict:
    """Read up to ``sample`` files of each kind back with DecisionLog.read; count decisions.

    Raises kit.KitDataError if a generated file is not valid (the format drifted).
    """
    counts = {}
    for suffix in (".decisions.json", ".decisions.csv", ".decisions.jsonl"):
        files = sorted(p for p in Path(folder).iterdir() if p.name.endswith(suffix))[:sample]
        counts[suffix] = sum(len(kit.DecisionLog.read(p, casebook=casebook)) for p in files)
    return counts


if __name__ == "__main__":  # python benchmarks/synthetic.py: self-check
    import doctest
    import tempfile

    print(doctest.testmod())
    with tempfile.TemporaryDirectory() as tmp:
        a = make_casebook(200, seed=3)
        b = make_casebook(200, seed=3, via_csv=True, folder=Path(tmp) / "csv")
        for name in LOAD_ORDER:
            fa, fb = a._frames[name], b._frames[name]
            assert list(fa.columns) == list(fb.columns), name
            assert dict(fa.dtypes.astype(str)) == dict(fb.dtypes.astype(str)), name
            pd.testing.assert_frame_equal(fa.drop(columns="_row").reset_index(drop=True),
                                          fb.drop(columns="_row").reset_index(drop=True),
                                          check_dtype=True)
        print("frames route == validated CSV route for 200 items:", a)
        cb = kit.load_casebook()
        folder = write_class(Path(tmp) / "class", cb, 40, seed=2)
        print("read back:", check_class(folder, cb))
