"""The class as the compact reply sends it, kept in the service's memory between requests.

``GET api/class?shape=latest`` is what the teacher's class view asks for every few
seconds. Reading the whole ``kit_latest`` table for every request would cost seconds
for a large class (3.6 million rows for 100,000 learners), so the service keeps the class
in memory, one grid per column (learners x items: the action, the set of rules, when it
was decided, the revision, the seq it comes from), and brings it up to date from the
database before each reply by reading only the rows changed after the last one
(``kit_latest`` has an index on ``seq``). The database stays the only record: the grid is
made again from it whenever the service starts (:meth:`LatestClass.refresh` on the first
request, or :func:`warm` when the service starts), or if the database is older than the
grid (replaced under a running service).

A reply is the cells changed after the teacher's cursor, column by column
(:func:`kit.decisions.columns.pack`: a few base64 texts, however large the class).

>>> from kit.service.store import Store
>>> store = Store("sqlite://")
>>> rec = {"type": "decision", "item_id": "T01", "rules": ["R1"], "action": "none",
...        "rationale": "", "decided_at": "2024-05-01T12:00:00.000000Z"}
>>> _ = store.add("ana", [rec])
>>> doc = LatestClass().reply(store, 0)
>>> doc["learners"], doc["items"], doc["rows"], doc["cursor"]
(['ana'], ['T01'], 1, 1)
>>> LatestClass().reply(store, 1)["rows"]
0
"""
from __future__ import annotations

import json
import logging
import operator
import threading

import numpy as np

from ..decisions.columns import kit_times_us, pack

log = logging.getLogger("kit.service")

#: The compact class reply's format (docs/class-service.md; read by kit.classreplies).
LATEST_FORMAT = "casebook-kit-class-latest"
LATEST_VERSION = 2
LATEST_COLUMNS = ("learner", "item", "action", "rule_set", "decided_us", "revision")


class _Names:
    """A growing table of names, each with its index."""

    def __init__(self):
        self.names, self.index = [], {}

    def codes(self, values) -> np.ndarray:
        """Each value's index (new names are added), for a whole column at once."""
        import pandas as pd
        arr = np.empty(len(values), dtype=object)
        arr[:] = values
        codes, uniques = pd.factorize(arr, sort=False)
        glob = np.fromiter((self.add(u) for u in uniques), dtype=np.int64, count=len(uniques))
        return glob[codes] if len(codes) else np.zeros(0, dtype=np.int64)

    def add(self, name) -> int:
        got = self.index.get(name)
        if got is None:
            got = self.index[name] = len(self.names)
            self.names.append(name)
        return got


class LatestClass:
    """The latest decision of every learner and item, as grids; thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self._reset()

    def _reset(self):
        self.top = 0
        self.learners, self.items, self.actions, self.rules = (_Names(), _Names(), _Names(),
                                                               _Names())
        self.set_texts = _Names()        # a rules column's JSON text -> its rule set
        self.sets = []                   # rule set index -> tuple of rule indexes
        self._grids = {}
        self._grow(0, 0)

    def _grow(self, n_learners, n_items):
        have = self._grids.get("seq")
        rows, cols = (0, 0) if have is None else have.shape
        if have is not None and n_learners <= rows and n_items <= cols:
            return
        rows = max(rows, 16)
        while rows < n_learners:
            rows *= 2
        cols = max(cols, n_items, 8)
        kinds = {"seq": np.int64, "action": np.int32, "rule_set": np.int32,
                 "decided_us": np.int64, "revision": np.int64}
        new = {}
        for name, dtype in kinds.items():
            grid = np.zeros((rows, cols), dtype=dtype)
            if have is not None:
                old = self._grids[name]
                grid[:old.shape[0], :old.shape[1]] = old
            new[name] = grid
        self._grids = new

    def _apply(self, rows):
        """Rows of :meth:`kit.service.store.Store.latest_since` into the grids."""
        if not rows:
            return
        learner, item, action, rules, decided, revision, seq = (
            list(map(operator.itemgetter(k), rows)) for k in range(7))
        us, ok = kit_times_us(decided)
        if not ok.all():   # the service checked every record: only a database edited by hand
            log.warning("class view: %d decision(s) with a time not in the kit's form left "
                        "out", int((~ok).sum()))
        li = self.learners.codes(learner)
        ii = self.items.codes(item)
        ai = self.actions.codes(action)
        si = self.set_texts.codes(rules)
        for text in self.set_texts.names[len(self.sets):]:
            self.sets.append(tuple(self.rules.add(r) for r in json.loads(text)))
        self._grow(len(self.learners.names), len(self.items.names))
        li, ii = li[ok], ii[ok]
        g = self._grids
        g["seq"][li, ii] = np.asarray(seq, dtype=np.int64)[ok]
        g["action"][li, ii] = ai[ok]
        g["rule_set"][li, ii] = si[ok]
        g["decided_us"][li, ii] = us[ok]
        g["revision"][li, ii] = np.asarray(revision, dtype=np.int64)[ok]

    def refresh(self, store) -> int:
        """Bring the grids up to date from ``store`` -> the cursor they are at."""
        with self._lock:
            return self._refresh(store)

    def _refresh(self, store) -> int:
        top, _ = store.latest_since(self.top, each=self._apply)
        if top < self.top:   # a database older than the grids: read it all again
            log.warning("class view: the database's cursor went back (%d < %d); reading the "
                        "class again", top, self.top)
            self._reset()
            top, _ = store.latest_since(0, each=self._apply)
        self.top = top
        return top

    def reply(self, store, cursor: int = 0) -> dict:
        """The compact reply: every learner and item whose latest decision changed after
        ``cursor``, column by column; tables of names hold only what the columns use."""
        with self._lock:
            top = self._refresh(store)
            nl, ni = len(self.learners.names), len(self.items.names)
            seq = self._grids["seq"][:nl, :ni]
            li, ii = np.nonzero(seq > cursor)
            g = {k: v[li, ii] for k, v in self._grids.items() if k != "seq"}
            used = np.unique(li)
            learners = [self.learners.names[i] for i in used.tolist()]
            sets = [list(s) for s in self.sets]
            return {"format": LATEST_FORMAT, "version": LATEST_VERSION, "cursor": top,
                    "rows": int(len(li)), "learners": learners,
                    "items": list(self.items.names), "actions": list(self.actions.names),
                    "rules": list(self.rules.names), "rule_sets": sets,
                    "columns": {"learner": pack(np.searchsorted(used, li)), "item": pack(ii),
                                "action": pack(g["action"]), "rule_set": pack(g["rule_set"]),
                                "decided_us": pack(g["decided_us"]),
                                "revision": pack(g["revision"])}}


def warm(cache: LatestClass, store) -> None:
    """Read the class into memory (when the service starts), so the first class view after
    a restart does not wait for it; an error is logged and left to the first request."""
    try:
        cache.refresh(store)
    except Exception as err:  # noqa: BLE001 - the first request reads it again
        log.warning("class view: reading the class into memory failed: %s", err)
