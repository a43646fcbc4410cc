"""The class service's storage and request checks, without a hub (SQLite and PostgreSQL)."""
from __future__ import annotations

import json
import threading

import pytest

from hubharness import answer, body, decision, drop_database, postgres_database
from kit.decisions.checks import vocab_for
from kit.decisions.formats import record_id
from kit.service.checks import MAX_BODY, MAX_RECORDS, Refused, check_body, parse_cursor
from kit.service.store import Store


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        s = Store(f"sqlite:///{tmp_path / 'class.sqlite'}")
        yield s
        s.close()
    else:
        url = postgres_database()
        s = Store(url)
        yield s
        s.close()
        drop_database(url)


def checked(casebook, recs, learner="ana"):
    return check_body(json.dumps(body(learner, recs)).encode(), learner, vocab_for(casebook))


def test_add_keeps_order_and_ids(store, casebook):
    recs = checked(casebook, [decision(casebook, i, f"r{i}") for i in range(5)] + [answer(1)])
    added = store.add("ana", recs)
    assert (added.stored, added.known) == (6, 0)
    assert added.ids == [record_id("ana", r) for r in recs]
    got, ids = store.records_of("ana")
    assert [r.get("rationale") for r in got] == ["r0", "r1", "r2", "r3", "r4", ""]
    assert got[0]["rules"] == list(recs[0]["rules"]) and ids == added.ids
    assert store.records_of("ben") == ([], [])


def test_same_records_twice_store_once(store, casebook):
    recs = checked(casebook, [decision(casebook, i) for i in range(3)])
    store.add("ana", recs)
    again = store.add("ana", recs + checked(casebook, [decision(casebook, 7)]))
    assert (again.stored, again.known) == (1, 3)
    assert len(store.records_of("ana")[0]) == 4
    # the same record of another learner is another record
    assert store.add("ben", recs).stored == 3
    # a record repeated inside one request is stored once
    dup = checked(casebook, [decision(casebook, 9)] * 2)
    assert (store.add("ana", dup).stored, len(store.records_of("ana")[0])) == (1, 5)


def test_since_cursor_returns_only_new(store, casebook):
    store.add("ana", checked(casebook, [decision(casebook, 0, "a0")]))
    store.add("ben", checked(casebook, [decision(casebook, 1, "b0")], "ben"))
    cursor, learners = store.since(0)
    assert sorted(learners) == ["ana", "ben"]
    assert store.since(cursor) == (cursor, {})
    store.add("cleo", checked(casebook, [decision(casebook, 2, "c0")], "cleo"))
    store.add("ana", checked(casebook, [decision(casebook, 3, "a1")]))
    later, new = store.since(cursor)
    assert later > cursor
    assert {k: [r["rationale"] for r in v] for k, v in new.items()} == {"cleo": ["c0"],
                                                                       "ana": ["a1"]}
    assert store.counts() == {"ana": {"decision": 2, "answer": 0},
                              "ben": {"decision": 1, "answer": 0},
                              "cleo": {"decision": 1, "answer": 0}}


def test_concurrent_writers_lose_nothing_and_cursor_sees_all(store, casebook):
    """30 learners save at once while a reader follows the cursor: every record is stored
    once, and the reader, re-reading only what is new, ends with every record exactly once."""
    names = [f"learner{i:02d}" for i in range(30)]
    per = {n: checked(casebook, [decision(casebook, i, f"{n}-{i}") for i in range(12)], n)
           for n in names}
    seen, done, errors = [], threading.Event(), []

    def reader():
        cursor = 0
        while True:
            finished = done.is_set()
            cursor, new = store.since(cursor)
            seen.extend(r["rationale"] for recs in new.values() for r in recs)
            if finished:
                return

    def writer(name):
        try:
            for i in range(0, 12, 3):   # four saves of three records each
                store.add(name, per[name][i:i + 3])
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(e)

    r = threading.Thread(target=reader)
    r.start()
    ws = [threading.Thread(target=writer, args=(n,)) for n in names]
    for w in ws:
        w.start()
    for w in ws:
        w.join()
    done.set()
    r.join()
    assert errors == []
    expected = sorted(f"{n}-{i}" for n in names for i in range(12))
    assert sorted(seen) == expected
    assert sum(c["decision"] for c in store.counts().values()) == len(expected)


def test_reopened_store_keeps_records(tmp_path, casebook):
    url = f"sqlite:///{tmp_path / 'class.sqlite'}"
    s = Store(url)
    s.add("ana", checked(casebook, [decision(casebook, 0)]))
    s.close()
    again = Store(url)
    assert len(again.records_of("ana")[0]) == 1
    assert again.add("ana", checked(casebook, [decision(casebook, 0)])).known == 1


# ---- what a POST may hold ---------------------------------------------------------------

@pytest.mark.parametrize("change, message", [
    ({"item_id": "no_such_item"}, "records[1]: item_id: 'no_such_item' is not an item in the "
                                  "case file"),
    ({"rules": ["no_such_rule"]}, "records[1]: rules: 'no_such_rule' is not a rule"),
    ({"action": "banish"}, "records[1]: action: 'banish' is not an action on the ladder"),
    ({"decided_at": "yesterday"}, "records[1]: decided_at: 'yesterday' is not a date and time"),
    ({"type": "vote"}, "records[1]: 'type' should be 'decision' or 'answer'"),
    ({"extra": 1}, "records[1]: the decision has unknown field(s) 'extra'"),
    ({"rationale": 5}, "records[1]: rationale:"),
])
def test_bad_record_is_refused_by_index(casebook, change, message):
    recs = [decision(casebook, 0), {**decision(casebook, 1), **change}]
    with pytest.raises(Refused) as e:
        checked(casebook, recs)
    assert e.value.status == 400 and e.value.message.startswith(message)


def test_body_checks(casebook):
    vocab = vocab_for(casebook)
    good = body("ana", [decision(casebook, 0)])
    with pytest.raises(Refused) as e:
        check_body(json.dumps(good).encode(), "ben", vocab)
    assert e.value.status == 403 and "'ben'" in e.value.message and "'ana'" in e.value.message
    for raw, status, text in [
        (b"not json", 400, "not valid JSON"),
        (b"\xff\xfe", 400, "not UTF-8"),
        (b"[]", 400, "should be a JSON object"),
        (json.dumps({**good, "format": "x"}).encode(), 400, "its format is 'x'"),
        (json.dumps({**good, "version": 9}).encode(), 400, "newer kit"),
        (json.dumps({**good, "records": {}}).encode(), 400, "records: should be a list"),
        (json.dumps({**good, "more": 1}).encode(), 400, "unknown field(s) 'more'"),
        (json.dumps(body("ana", [answer(1)] * (MAX_RECORDS + 1))).encode(), 413, "5,001"),
        (b" " * (MAX_BODY + 1), 413, "at most 2,097,152"),
    ]:
        with pytest.raises(Refused) as e:
            check_body(raw, "ana", vocab)
        assert (e.value.status, text in e.value.message) == (status, True), e.value.message


def test_cursor_argument():
    assert parse_cursor(None) == 0 and parse_cursor("17") == 17
    for bad in ("-1", "x", "1.5", "9" * 19, "١٢"):
        with pytest.raises(Refused):
            parse_cursor(bad)


# ---- the writer: concurrent saves grouped into one commit -----------------------------------

def test_writer_groups_concurrent_saves_and_keeps_each_answer(store, casebook):
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from kit.service.writer import Writer
    calls = []
    real = store.add_many

    def counting(batch):
        calls.append(len(batch))
        return real(batch)
    store.add_many = counting
    names = [f"learner{i:02d}" for i in range(30)]
    recs = {n: checked(casebook, [decision(casebook, i, n)], n) for i, n in enumerate(names)}

    async def class_saves():
        w = Writer(store, ThreadPoolExecutor(2))
        got = await asyncio.gather(*(w.add(n, recs[n]) for n in names),
                                   w.add(names[0], recs[names[0]]))   # the same save again
        await w.close()
        return got
    got = asyncio.run(class_saves())
    assert [(a.stored, a.known) for a in got] == [(1, 0)] * 30 + [(0, 1)]
    assert got[-1].ids == got[0].ids
    assert len(calls) < 31 and sum(calls) == 31      # grouped: fewer commits than saves
    assert sum(c["decision"] for c in store.counts().values()) == 30


def test_writer_gives_each_waiting_save_the_error_and_goes_on(casebook):
    import asyncio

    from kit.service.writer import Writer

    class Broken(Store):
        fail = True

        def add_many(self, batch):
            if self.fail:
                raise OSError("disk full")
            return super().add_many(batch)
    store = Broken("sqlite://")
    rec = checked(casebook, [decision(casebook, 0)])

    async def run():
        w = Writer(store, None)
        first = await asyncio.gather(w.add("ana", rec), w.add("ben", rec),
                                     return_exceptions=True)
        store.fail = False
        second = await w.add("ana", rec)
        await w.close()
        return first, second
    first, second = asyncio.run(run())
    assert [type(e) for e in first] == [OSError, OSError]
    assert (second.stored, second.known) == (1, 0)


def test_latest_table_keeps_the_last_decision_per_item_and_counts_revisions(store, casebook):
    store.add("ana", checked(casebook, [decision(casebook, 0, "first"),
                                        decision(casebook, 1, "one")]))
    cursor, rows = store.latest_since(0)
    assert sorted((r[0], r[5]) for r in rows) == [("ana", 1), ("ana", 1)]
    again = checked(casebook, [decision(casebook, 0, "second")])
    again[0]["action"] = "lock"
    store.add("ana", again)
    store.add("ben", checked(casebook, [decision(casebook, 0, "b")], "ben"))
    later, new = store.latest_since(cursor)
    item0 = casebook.item_order[0]
    assert later > cursor
    assert sorted((r[0], r[1], r[2], r[5]) for r in new) == sorted(
        [("ana", item0, "lock", 2), ("ben", item0, new[-1][2], 1)])
    assert store.latest_since(later) == (later, [])
    # the same as the readers' latest decisions, rationale included
    got = {(lr, i): t for lr, i, t in store.rationales([item0])}
    assert got == {("ana", item0): "second", ("ben", item0): "b"}
    # built again from the records in the database itself: the same table

    def plain(rows):
        return sorted((r[0], r[1], r[2], json.loads(r[3]), r[4], r[5]) for r in rows)
    before = plain(store.latest_since(0)[1])
    store.rebuild_latest()
    assert plain(store.latest_since(0)[1]) == before and len(before) == 3
    assert {(lr, i): t for lr, i, t in store.rationales([item0])} == got


def test_schema_1_database_gets_its_latest_table(tmp_path, casebook):
    import sqlalchemy as sa
    from kit.service import store as st
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    s = Store(url)
    s.add("ana", checked(casebook, [decision(casebook, 0, "x"), decision(casebook, 0, "y")]))
    with s.engine.begin() as conn:   # as a schema-1 service left it
        conn.execute(st.latest.delete())
        conn.execute(st.meta.update().where(st.meta.c.key == "schema"), {"value": "1"})
    s.close()
    s = Store(url)
    (_, rows), = [s.latest_since(0)]
    assert [(r[0], r[5]) for r in rows] == [("ana", 2)]
    assert s.rationales([casebook.item_order[0]]) == [("ana", casebook.item_order[0], "y")]
    with s.engine.connect() as conn:
        assert conn.execute(sa.select(st.meta.c.value)).scalar() == str(st.SCHEMA_VERSION)
    s.close()


# --------------------------------------------------------------------------- the class in memory

def _reply_rows(doc):
    """A compact reply -> {(learner, item): (action, rules, decided_us, revision)}."""
    from kit.decisions.columns import unpack
    cols = {k: unpack(v, k, doc["rows"]).tolist() for k, v in doc["columns"].items()}
    out = {}
    for n in range(doc["rows"]):
        key = (doc["learners"][cols["learner"][n]], doc["items"][cols["item"][n]])
        rules = tuple(sorted(doc["rules"][r] for r in doc["rule_sets"][cols["rule_set"][n]]))
        out[key] = (doc["actions"][cols["action"][n]], rules, cols["decided_us"][n],
                    cols["revision"][n])
    return out


def test_class_in_memory_follows_every_save_and_sends_only_what_changed(store, casebook):
    from kit.decisions.columns import kit_times_us
    from kit.service.latest import LatestClass
    kept = LatestClass()
    store.add("ana", checked(casebook, [decision(casebook, 0), decision(casebook, 1)]))
    store.add("ben", checked(casebook, [decision(casebook, 2)], "ben"))
    first = kept.reply(store, 0)
    assert first["version"] == 2 and first["rows"] == 3
    assert sorted(first["learners"]) == ["ana", "ben"]
    got = _reply_rows(first)
    item0 = casebook.item_order[0]
    rec = decision(casebook, 0)
    assert got[("ana", item0)] == (rec["action"], tuple(rec["rules"]),
                                   int(kit_times_us([rec["decided_at"]])[0][0]), 1)
    # ana changes her mind on item 0, Zoë arrives: the next reply has only those two rows,
    # and names only those two learners
    again = decision(casebook, 3)
    again["item_id"] = item0
    store.add("ana", checked(casebook, [again]))
    store.add("Zoë", checked(casebook, [decision(casebook, 4)], "Zoë"))
    later = kept.reply(store, first["cursor"])
    assert later["cursor"] > first["cursor"] and later["rows"] == 2
    assert sorted(later["learners"]) == ["Zoë", "ana"]
    assert _reply_rows(later)[("ana", item0)][::3] == (again["action"], 2)
    assert kept.reply(store, later["cursor"])["rows"] == 0
    # kept up to date step by step = read afresh from the database
    assert _reply_rows(kept.reply(store, 0)) == _reply_rows(LatestClass().reply(store, 0))
    assert len(_reply_rows(kept.reply(store, 0))) == 4


def test_class_in_memory_reads_a_replaced_database_again(tmp_path, casebook):
    from kit.service.latest import LatestClass
    kept = LatestClass()
    one = Store(f"sqlite:///{tmp_path / 'one.sqlite'}")
    for n in range(3):
        one.add("ana", checked(casebook, [decision(casebook, n)]))
    assert kept.reply(one, 0)["cursor"] == 3
    two = Store(f"sqlite:///{tmp_path / 'two.sqlite'}")   # a new database: cursor back to 1
    two.add("ben", checked(casebook, [decision(casebook, 5)], "ben"))
    doc = kept.reply(two, 0)
    assert (doc["cursor"], doc["learners"], doc["rows"]) == (1, ["ben"], 1)
    one.close()
    two.close()


def test_rationales_are_the_longest_few_per_item_and_action(store, casebook):
    item0 = casebook.item_order[0]
    for n in range(7):
        rec = decision(casebook, 0, "why " + "x" * n)
        store.add(f"l{n}", checked(casebook, [rec], f"l{n}"))
    other = decision(casebook, 1, "another action, another item")
    store.add("l9", checked(casebook, [other], "l9"))
    store.add("l8", checked(casebook, [decision(casebook, 0)], "l8"))   # no rationale
    got = store.rationales([item0, other["item_id"]], per_action=3)
    assert sorted(got) == sorted([("l6", item0, "why xxxxxx"), ("l5", item0, "why xxxxx"),
                                  ("l4", item0, "why xxxx"),
                                  ("l9", other["item_id"], other["rationale"])])
    assert len(store.rationales([item0])) == 7


def test_another_database_takes_the_portable_path_with_the_same_results(tmp_path, casebook):
    """A database other than SQLite and PostgreSQL (no ON CONFLICT): records are looked up
    before the insert and the latest table is replaced row by row; the same answers."""
    s = Store(f"sqlite:///{tmp_path / 'other.sqlite'}")
    s.dialect = "other"   # what a third database gets from the portable code
    recs = checked(casebook, [decision(casebook, i, f"r{i}") for i in range(3)])
    assert (s.add("ana", recs).stored, s.add("ana", recs).known) == (3, 3)
    again = checked(casebook, [decision(casebook, 0, "second")])
    again[0]["action"] = "lock"
    dup = s.add_many([("ana", again), ("ana", again), ("ben", again)])
    assert [(a.stored, a.known) for a in dup] == [(1, 0), (0, 1), (1, 0)]
    _, rows = s.latest_since(0)
    item0 = casebook.item_order[0]
    assert sorted((r[0], r[1], r[2], r[5]) for r in rows if r[1] == item0) == [
        ("ana", item0, "lock", 2), ("ben", item0, "lock", 1)]
    s.close()
