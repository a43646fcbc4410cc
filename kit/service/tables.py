"""The class service's tables and how it talks to each database (SQLAlchemy Core).

``kit_records`` holds every record a learner sent, ``kit_latest`` every learner's latest
decision per item (kept by each write), ``kit_meta`` the schema version. SQLite gets WAL
mode, a busy timeout, full syncs and write transactions that take the write lock at
their start; the statements the writer runs for every save are built once. The data
itself is read and written by :class:`kit.service.store.Store`.
"""
from __future__ import annotations

import functools

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite


SCHEMA_VERSION = 2   # 2: the kit_latest table
BUSY_TIMEOUT_MS = 30_000

metadata = sa.MetaData()
records = sa.Table(
    "kit_records", metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("learner", sa.Unicode(400), nullable=False),
    sa.Column("record_id", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("body", sa.UnicodeText, nullable=False),
    sa.Column("stored_at", sa.String(32), nullable=False),
    # record_id first: ids already include the learner, so a batch is looked up by id alone
    sa.UniqueConstraint("record_id", "learner", name="kit_records_record_learner"),
    sa.Index("kit_records_learner_seq", "learner", "seq"),
)
#: The latest decision of every learner and item, kept up to date by every write (same
#: transaction): what the compact class reply (:meth:`Store.latest_since`) and the debrief's
#: rationales (:meth:`Store.rationales`) read. ``seq`` is the seq of the record it comes from,
#: ``revision`` how many decisions the learner sent for the item (as the readers count them).
latest = sa.Table(
    "kit_latest", metadata,
    sa.Column("learner", sa.Unicode(400), primary_key=True),
    sa.Column("item_id", sa.Unicode(200), primary_key=True),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("action", sa.Unicode(200), nullable=False),
    sa.Column("rules", sa.UnicodeText, nullable=False),       # JSON list of rule ids
    sa.Column("decided_at", sa.String(40), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("rationale", sa.UnicodeText, nullable=False),
    sa.Index("kit_latest_seq", "seq"),
    sa.Index("kit_latest_item", "item_id"),
)
meta = sa.Table(
    "kit_meta", metadata,
    sa.Column("key", sa.String(40), primary_key=True),
    sa.Column("value", sa.Unicode(200), nullable=False),
)


def _sqlite_pragmas(dbapi_conn, _record):
    dbapi_conn.isolation_level = None   # SQLAlchemy's "begin" event below emits BEGIN
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()


def _sqlite_begin(conn):
    # A write transaction takes the write lock at its start (BEGIN IMMEDIATE, waiting up to
    # the busy timeout), so it never has to upgrade a read snapshot (which fails at once
    # when another writer committed meanwhile). Reads stay deferred: in WAL mode they never
    # wait for a writer.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("kit_write") else "BEGIN")


def make_engine(url: str) -> sa.Engine:
    """An engine for ``url``; SQLite gets WAL mode, a busy timeout and full syncs."""
    u = sa.engine.make_url(url)
    if u.get_backend_name() == "sqlite":
        memory = u.database in (None, "", ":memory:")
        kw = {"connect_args": {"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}}
        if memory:
            kw["poolclass"] = sa.pool.StaticPool   # one shared in-memory database
        engine = sa.create_engine(u, **kw)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine, "begin", _sqlite_begin)
        return engine
    return sa.create_engine(u, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _insert(dialect):
    if dialect == "sqlite":
        return sqlite.insert(records).on_conflict_do_nothing(
            index_elements=["record_id", "learner"])
    if dialect == "postgresql":
        return postgresql.insert(records).on_conflict_do_nothing(
            index_elements=["record_id", "learner"])
    return records.insert()


@functools.lru_cache(maxsize=None)
def _insert_returning(dialect):
    """The insert of new records that returns the rows it stored (built once: a statement
    made for every save costs more than running it)."""
    return _insert(dialect).returning(records.c.seq, records.c.learner, records.c.record_id)


@functools.lru_cache(maxsize=None)
def _upsert_latest(dialect):
    """A learner's latest decision on an item: inserted, or replacing the one there (the
    revisions add up)."""
    ins = sqlite.insert(latest) if dialect == "sqlite" else postgresql.insert(latest)
    ex = ins.excluded
    return ins.on_conflict_do_update(
        index_elements=["learner", "item_id"],
        set_={"seq": ex.seq, "action": ex.action, "rules": ex.rules,
              "decided_at": ex.decided_at, "rationale": ex.rationale,
              "revision": latest.c.revision + ex.revision})


_REBUILD_SQL = {
    "sqlite": """
INSERT INTO kit_latest (learner, item_id, seq, action, rules, decided_at, revision, rationale)
SELECT r.learner, json_extract(r.body, '$.item_id'), r.seq, json_extract(r.body, '$.action'),
       coalesce(json_extract(r.body, '$.rules'), '[]'), json_extract(r.body, '$.decided_at'),
       c.n, coalesce(json_extract(r.body, '$.rationale'), '')
FROM kit_records r JOIN (
    SELECT max(seq) AS top, count(*) AS n FROM kit_records WHERE kind = 'decision'
    GROUP BY learner, json_extract(body, '$.item_id')) c ON r.seq = c.top""",
    "postgresql": """
INSERT INTO kit_latest (learner, item_id, seq, action, rules, decided_at, revision, rationale)
SELECT r.learner, b->>'item_id', r.seq, b->>'action', coalesce((b->'rules')::text, '[]'),
       b->>'decided_at', c.n, coalesce(b->>'rationale', '')
FROM (SELECT seq, learner, body::jsonb AS b FROM kit_records) r JOIN (
    SELECT max(seq) AS top, count(*) AS n FROM kit_records WHERE kind = 'decision'
    GROUP BY learner, body::jsonb->>'item_id') c ON r.seq = c.top""",
}


def _insert_meta(dialect):
    if dialect == "sqlite":
        return sqlite.insert(meta).on_conflict_do_nothing(index_elements=["key"])
    if dialect == "postgresql":
        return postgresql.insert(meta).on_conflict_do_nothing(index_elements=["key"])
    return meta.insert()
