"""The class service's storage: every learner's records in one SQL table, through SQLAlchemy.

The tables and the per-database set-up are in :mod:`kit.service.tables`. One row of
``kit_records`` per record a learner sent: ``seq`` (a sequence number, the order the service
stored it in), ``learner`` (the hub name), ``record_id`` (:func:`kit.decisions.formats.
record_id`), ``kind`` ("decision" or "answer"), ``body`` (the checked record as canonical
JSON) and ``stored_at``. ``(learner, record_id)`` is unique, so a record sent twice is
stored once.

SQLite (the default, a file) runs in WAL mode with a busy timeout, so readers never wait
for a writer and writers queue briefly instead of failing. On PostgreSQL every write
transaction first takes one advisory lock: writes are short, and holding them one at a
time makes ``seq`` grow in commit order, so a reader's ``since`` cursor never skips a
record that a slower, concurrent transaction committed later.

Every method is blocking (plain SQLAlchemy); the web app runs them in a thread pool.

>>> store = Store("sqlite://")
>>> rec = {"type": "answer", "section": "survey", "question_id": "q1", "answer": "agree",
...        "rationale": "", "answered_at": "2024-05-01T12:00:00.000000Z"}
>>> store.add("ana", [rec]).stored, store.add("ana", [rec]).known
(1, 1)
>>> cursor, learners = store.since(0)
>>> cursor, list(learners), learners["ana"][0]["answer"]
(1, ['ana'], 'agree')
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import dataclass

import sqlalchemy as sa

from ..decisions.formats import record_id
from .tables import (SCHEMA_VERSION, _insert, _insert_meta, _insert_returning,  # noqa: F401
                     _REBUILD_SQL, _upsert_latest, latest, make_engine, meta, metadata,
                     records)

_PG_LOCK = 0x6B697431   # the advisory lock key of this table's writers ("kit1")
_CHUNK = 500             # ids per IN (...) query
#: How many rationales ``api/class/rationales`` sends per item and action (the longest).
RATIONALES_PER_ACTION = 50


@dataclass(frozen=True)
class Added:
    """What :meth:`Store.add` did: ``stored`` new records, ``known`` already there, and
    the ``ids`` of all the records it was given, in order."""

    stored: int
    known: int
    ids: list


def canonical(rec) -> str:
    """A checked record as the JSON text the store keeps (tuples as lists, sorted keys)."""
    plain = {k: list(v) if isinstance(v, tuple) else v for k, v in rec.items()}
    return json.dumps(plain, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Store:
    """The records of a class, in the database at ``url`` (any SQLAlchemy URL)."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.dialect = self.engine.dialect.name
        self._create()

    def __repr__(self):
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"

    def _create(self):
        metadata.create_all(self.engine, checkfirst=True)
        with self._writing() as conn:
            have = conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema")).scalar()
            if have is None:
                conn.execute(_insert_meta(self.dialect), {"key": "schema",
                                                         "value": str(SCHEMA_VERSION)})
            elif int(have) > SCHEMA_VERSION:
                raise RuntimeError(f"the database was made by a newer class service (schema "
                                   f"{have}; this one knows up to {SCHEMA_VERSION})")
            elif int(have) < SCHEMA_VERSION:   # schema 1: fill kit_latest from the records
                self._rebuild_latest(conn)
                conn.execute(meta.update().where(meta.c.key == "schema"),
                             {"value": str(SCHEMA_VERSION)})

    def _rebuild_latest(self, conn):
        """Fill ``kit_latest`` from every stored decision (an upgrade from schema 1)."""
        conn.execute(latest.delete())
        sql = _REBUILD_SQL.get(self.dialect)
        if sql is not None:   # in the database itself (JSON functions of SQLite, PostgreSQL)
            conn.execute(sa.text(sql))
            return
        q = (sa.select(records.c.seq, records.c.learner, records.c.body)
             .where(records.c.kind == "decision").order_by(records.c.seq))
        rows = [(seq, learner, json.loads(body)) for seq, learner, body in conn.execute(q)]
        self._update_latest(conn, rows)

    def rebuild_latest(self):
        """Fill ``kit_latest`` again from the stored records (after writing ``kit_records``
        directly, e.g. a benchmark's bulk load)."""
        with self._writing() as conn:
            self._rebuild_latest(conn)

    def _update_latest(self, conn, rows):
        """Keep ``kit_latest`` up to date with new decisions ``[(seq, learner, record)]``
        (in seq order): the last one per learner and item wins, revisions count up."""
        last = {}
        for seq, learner, rec in rows:
            key = (learner, rec["item_id"])
            had = last.get(key)
            last[key] = (seq, rec, 1 if had is None else had[2] + 1)
        if not last:
            return
        values = [{"learner": lr, "item_id": item, "seq": seq, "action": rec["action"],
                   "rules": json.dumps(list(rec.get("rules", ())), ensure_ascii=False,
                                       separators=(",", ":")),
                   "decided_at": rec["decided_at"], "revision": n,
                   "rationale": rec.get("rationale", "") or ""}
                  for (lr, item), (seq, rec, n) in last.items()]
        keys = list(last)
        if self.dialect in ("sqlite", "postgresql"):
            stmt = _upsert_latest(self.dialect)
            for n in range(0, len(values), 20_000):
                conn.execute(stmt, values[n:n + 20_000])
            return
        # any other database: read the revisions there, then replace the rows
        have = {}
        for n in range(0, len(keys), _CHUNK):
            part = keys[n:n + _CHUNK]
            q = sa.select(latest.c.learner, latest.c.item_id, latest.c.revision).where(
                sa.tuple_(latest.c.learner, latest.c.item_id).in_(part))
            have.update(((lr, i), r) for lr, i, r in conn.execute(q))
        for v in values:
            v["revision"] += have.get((v["learner"], v["item_id"]), 0)
            conn.execute(latest.delete().where((latest.c.learner == v["learner"])
                                               & (latest.c.item_id == v["item_id"])))
        conn.execute(latest.insert(), values)

    def close(self):
        self.engine.dispose()

    def _lock(self, conn):
        if self.dialect == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})

    def add(self, learner: str, recs) -> Added:
        """Store ``learner``'s checked records (in order); those already stored are skipped."""
        return self.add_many([(learner, recs)])[0]

    def add_many(self, batch) -> list:
        """Store several requests' records, ``[(learner, checked records), ...]``, in one
        transaction (one commit for all: how the service groups concurrent saves);
        -> one :class:`Added` per request, in order."""
        ids = [[record_id(learner, r) for r in recs] for learner, recs in batch]
        if self.dialect not in ("sqlite", "postgresql"):
            return self._add_many_any(batch, ids)
        # each record once (the first request that sent it), inserted with ON CONFLICT DO
        # NOTHING: the insert returns the rows it stored, the others were stored before
        rows, parsed, stamp = [], {}, _now()
        for (learner, recs), its in zip(batch, ids):
            for rid, rec in zip(its, recs):
                if (learner, rid) not in parsed:
                    parsed[(learner, rid)] = rec
                    rows.append({"learner": learner, "record_id": rid, "kind": rec["type"],
                                 "body": canonical(rec), "stored_at": stamp})
        with self._writing() as conn:
            got = conn.execute(_insert_returning(self.dialect), rows).all() if rows else []
            seqs = {(lr, i): seq for seq, lr, i in got}
            self._latest_of(conn, [r for r in rows if (r["learner"], r["record_id"]) in seqs],
                            parsed, seqs)
        out, counted = [], set()
        for (learner, _), its in zip(batch, ids):
            new = 0
            for rid in its:
                if (learner, rid) in seqs and (learner, rid) not in counted:
                    counted.add((learner, rid))
                    new += 1
            out.append(Added(stored=new, known=len(its) - new, ids=its))
        return out

    def _add_many_any(self, batch, ids) -> list:
        """:meth:`add_many` on any other database: look up which records are stored first."""
        out, rows, parsed = [], [], {}
        with self._writing() as conn:
            taken = self._known(conn, {(lr, i) for (lr, _), its in zip(batch, ids) for i in its})
            for (learner, recs), its in zip(batch, ids):
                new = 0
                for rid, rec in zip(its, recs):
                    if (learner, rid) not in taken:
                        taken.add((learner, rid))
                        rows.append({"learner": learner, "record_id": rid,
                                     "kind": rec["type"], "body": canonical(rec)})
                        parsed[(learner, rid)] = rec
                        new += 1
                out.append(Added(stored=new, known=len(its) - new, ids=its))
            if rows:
                stamp = _now()
                conn.execute(_insert(self.dialect), [{**r, "stored_at": stamp} for r in rows])
                self._latest_of(conn, rows, parsed)
        return out

    def _latest_of(self, conn, rows, parsed, seqs=None):
        """After inserting ``rows`` (``parsed``: their records by (learner, id); ``seqs``:
        their seqs, when the insert returned them): their decisions into ``kit_latest``
        (same transaction)."""
        decisions = [r for r in rows if r["kind"] == "decision"]
        if not decisions:
            return
        if seqs is None:
            seqs = {}
            ids = sorted({r["record_id"] for r in decisions})
            for n in range(0, len(ids), _CHUNK):
                q = sa.select(records.c.seq, records.c.learner, records.c.record_id).where(
                    records.c.record_id.in_(ids[n:n + _CHUNK]))
                seqs.update(((lr, i), seq) for seq, lr, i in conn.execute(q))
        found = sorted(((seqs[(r["learner"], r["record_id"])], r["learner"],
                         parsed[(r["learner"], r["record_id"])]) for r in decisions),
                       key=lambda t: t[0])
        self._update_latest(conn, found)

    @contextlib.contextmanager
    def _writing(self):
        """A write transaction (committed at the end, rolled back on an error)."""
        with self.engine.connect() as conn:
            conn.info["kit_write"] = True
            try:
                with conn.begin():
                    self._lock(conn)
                    yield conn
            finally:
                conn.info.pop("kit_write", None)

    def _known(self, conn, pairs) -> set:
        """Which of the (learner, record id) ``pairs`` are stored already."""
        ids = sorted({i for _, i in pairs})
        out = set()
        for n in range(0, len(ids), _CHUNK):
            q = sa.select(records.c.learner, records.c.record_id).where(
                records.c.record_id.in_(ids[n:n + _CHUNK]))
            out.update((lr, i) for lr, i in conn.execute(q) if (lr, i) in pairs)
        return out

    def records_of(self, learner: str):
        """-> (records [dicts, in the order stored], their ids)."""
        q = (sa.select(records.c.record_id, records.c.body)
             .where(records.c.learner == learner).order_by(records.c.seq))
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
        return [json.loads(b) for _, b in rows], [r for r, _ in rows]

    def since(self, cursor: int = 0):
        """-> (highest seq, {learner: [records stored after ``cursor``, in order]})."""
        top, raw = self.since_raw(cursor)
        return top, {k: [json.loads(b) for b in v] for k, v in raw.items()}

    def since_raw(self, cursor: int = 0):
        """Like :meth:`since`, with each record as the JSON text stored (not parsed), so a
        large class can be sent without decoding and encoding every record again."""
        q = (sa.select(records.c.seq, records.c.learner, records.c.body)
             .where(records.c.seq > cursor).order_by(records.c.seq))
        out = {}
        top = cursor
        with self.engine.connect() as conn:
            for seq, learner, body in conn.execute(q):
                out.setdefault(learner, []).append(body)
                top = seq
            if top == cursor:   # nothing new: the cursor stays (or the table's top if lower)
                top = min(cursor, conn.execute(sa.select(sa.func.max(records.c.seq))).scalar()
                          or 0)
        return top, out

    def latest_since(self, cursor: int = 0, each=None, chunk: int = 100_000):
        """-> (highest seq, rows): the latest decision of every learner and item that changed
        after ``cursor``, as tuples (learner, item_id, action, rules JSON, decided_at,
        revision, seq), in seq order. With ``each``, the rows go to ``each(rows)`` a
        ``chunk`` at a time instead (a large class is never all in memory as tuples) and
        ``rows`` is how many there were."""
        with self.engine.connect() as conn:
            # the top first: every seq up to it is committed (writes commit in seq order)
            top = conn.execute(sa.select(sa.func.max(records.c.seq))).scalar() or 0
            q = (sa.select(latest.c.learner, latest.c.item_id, latest.c.action,
                           latest.c.rules, latest.c.decided_at, latest.c.revision,
                           latest.c.seq)
                 .where((latest.c.seq > cursor) & (latest.c.seq <= top))
                 .order_by(latest.c.seq))
            # the driver's own rows (plain tuples): a class of 100,000 learners is 3.6 million
            sql = q.compile(conn, compile_kwargs={"literal_binds": True})
            cur = conn.exec_driver_sql(str(sql)).cursor
            if each is None:
                return top, cur.fetchall()
            n = 0
            while rows := cur.fetchmany(chunk):
                each(rows)
                n += len(rows)
        return top, n

    def rationales(self, items, per_action: int = RATIONALES_PER_ACTION) -> list:
        """-> [(learner, item_id, rationale)]: the non-empty rationales of the latest
        decisions on ``items``; for each item and action at most ``per_action`` of them,
        the longest first (the debrief pairs the longest rationales of the two ends of the
        ladder, so a class of 100,000 still sends a few hundred, not all of them)."""
        rank = sa.func.row_number().over(
            partition_by=(latest.c.item_id, latest.c.action),
            order_by=(sa.func.length(latest.c.rationale).desc(), latest.c.learner)).label("k")
        inner = (sa.select(latest.c.learner, latest.c.item_id, latest.c.rationale, rank)
                 .where(latest.c.item_id.in_(list(items)) & (latest.c.rationale != ""))
                 .subquery())
        q = (sa.select(inner.c.learner, inner.c.item_id, inner.c.rationale)
             .where(inner.c.k <= per_action).order_by(inner.c.learner, inner.c.item_id))
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(q)]

    def counts(self) -> dict:
        """-> {learner: {"decision": n, "answer": n}} for every learner, sorted by name."""
        q = (sa.select(records.c.learner, records.c.kind, sa.func.count())
             .group_by(records.c.learner, records.c.kind))
        out = {}
        with self.engine.connect() as conn:
            for learner, kind, n in conn.execute(q):
                out.setdefault(learner, {"decision": 0, "answer": 0})[kind] = n
        return dict(sorted(out.items()))

    def count_of(self, learner: str) -> dict:
        return self.counts_for([learner]).get(learner, {"decision": 0, "answer": 0})

    def counts_for(self, names) -> dict:
        q = (sa.select(records.c.learner, records.c.kind, sa.func.count())
             .where(records.c.learner.in_(list(names)))
             .group_by(records.c.learner, records.c.kind))
        out = {}
        with self.engine.connect() as conn:
            for learner, kind, n in conn.execute(q):
                out.setdefault(learner, {"decision": 0, "answer": 0})[kind] = n
        return out
