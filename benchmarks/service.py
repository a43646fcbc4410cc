#!/usr/bin/env python
"""The class service under a class's load: saves from many learners at once, the class view.

    python benchmarks/service.py                   # SQLite and PostgreSQL, every size
    python benchmarks/service.py --quick           # smoke run: fewer learners, small classes
    python benchmarks/service.py --db sqlite       # one database (sqlite, postgresql)
    python benchmarks/service.py --sizes 1000,10000 --learners 300 --decisions 36
    python benchmarks/run.py --only service        # the same, from the benchmark runner

Needs configurable-http-proxy (``KIT_TEST_CHP``) and, for PostgreSQL, a server
(``KIT_TEST_POSTGRES_URL``): ``eval "$(tests/services.sh start)"`` starts both.

Everything runs for real on this machine: a JupyterHub (tests/hubharness.py: the shipped
kit/share/jupyterhub_config.py, dummy login, the hub's own proxy) with the class service
running as an external hub service (``python -m kit.service``, so this script can restart it
on another database), each learner a hub user with a hub API token of their own. Requests go
to the service's own address, as a learner's kernel sends them (the shipped config's
``KIT_CLASS_SERVICE_URL``), with the real hub-token check: the service asks the hub who a
token belongs to the first time it sees it (then remembers it for a minute), so the first
save of every learner pays that round trip, measured on its own as well.

What is measured (goals from issue 12):

- saves: ``--learners`` hub users (300) each send ``--decisions`` decisions (36), one
  ``POST api/records`` per save (one record each, as the kit's background sender does after
  a save), every learner on a connection of its own. Two ways:
  *burst*: all learners at once, each save right after the last answer (the worst case:
  300 requests in flight all the time); *lesson*: all learners at once, each pausing a
  random time (exponential, mean ``--think`` s) between saves. Goal: p95 per save
  <= 50 ms; none lost: every save answered "stored" and every record counted in the
  database afterwards (one row per learner and record).
- auth: ``GET api/status`` with a token the service has not seen (it asks the hub) and
  with one it has (cached), sequentially: the cost of the hub's auth round trip.
- class view: a class of N learners x 36 decisions in a fresh database (written straight
  into the service's table with the service's own record ids), the service restarted on it;
  then in a fresh process, as the teacher: ``GET api/class`` (the whole class), the reply
  parsed, and the kit's class results made from it as ``kit.collect_class`` makes them
  (each learner's records as their live log, read by the kit's untrusted reader, one
  file per learner, the class tables; through ``kit.classsources.ClassCollector`` when the
  checkout has it). Twice: right after the service started (it reads the class into
  memory as it starts, so this view may wait for that) and then with the service running,
  as it is during a lesson (the goal is for this one). Goals: 1,000 learners <= 1 s,
  10,000 <= 3 s, 100,000 <= 15 s. Peak memory of the teacher's process (VmHWM) and of
  the service (RSS, sampled) reported.

Prints the environment and a markdown table; writes benchmarks/results/service.json.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for p in (ROOT, ROOT / "tests", HERE):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

SAVE_GOAL_MS = 50.0
CLASS_GOALS = {1_000: 1.0, 10_000: 3.0, 100_000: 15.0}
ITEMS_PER_LEARNER = 36


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def percentile(values, q):
    v = sorted(values)
    return v[max(0, -(-len(v) * q // 100) - 1)] if v else float("nan")


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


# --------------------------------------------------------------------------- records

_VOCAB = {}


def decision(casebook, learner_no: int, n: int) -> dict:
    """A valid decision record: item ``n`` (case-file order), an action and a rule that vary
    with the learner, so the class is divided as a real one is."""
    if id(casebook) not in _VOCAB:
        rules = casebook.rules
        _VOCAB[id(casebook)] = (list(casebook.item_order),
                                list(rules.rule_id[rules.kind == "conduct"]),
                                list(casebook.ladder))
    items, conduct, ladder = _VOCAB[id(casebook)]
    k = (learner_no * 7 + n * 3) % 11
    return {"type": "decision", "item_id": items[n % len(items)],
            "rules": [conduct[(learner_no + n) % len(conduct)]],
            "action": ladder[k % len(ladder)],
            "rationale": f"Learner {learner_no} on item {n}: the post's reach and intent.",
            "decided_at": f"2026-12-01T10:{n // 60 % 60:02d}:{n % 60:02d}.{learner_no % 10**6:06d}Z"}


def learner_name(i: int) -> str:
    return f"learner{i:06d}"


# --------------------------------------------------------------------------- a service process

class ServiceWatch:
    """Samples a process's RSS every 50 ms in a thread; ``peak`` in MB."""

    def __init__(self, pid):
        import psutil
        self.proc, self.peak, self._stop = psutil.Process(pid), 0.0, threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, self.proc.memory_info().rss / 2**20)
            except Exception:  # noqa: BLE001 - the process ended
                return
            time.sleep(0.05)

    def cpu(self) -> float:
        t = self.proc.cpu_times()
        return t.user + t.system

    def stop(self) -> float:
        self._stop.set()
        self._t.join()
        return self.peak


def restart_service(hub, db_url):
    """Run the (external) class service on ``db_url``; -> its pid once it answers."""
    if hub.service_proc is not None and hub.service_proc.poll() is None:
        hub.service_proc.terminate()
        hub.service_proc.wait(60)
    hub.db_url = db_url
    return hub.start_service()


def make_users(hub, names) -> dict:
    """Hub users ``names`` (made in one request) -> {name: a hub API token of theirs}."""
    for n in range(0, len(names), 500):
        r = hub.api("POST", "users", json={"usernames": list(names[n:n + 500])})
        if r.status_code not in (201, 409):
            r.raise_for_status()
    return {name: hub.token(name) for name in names}


def service_base(hub) -> str:
    """The service's own address, as a learner's kernel reaches it (not through the proxy)."""
    return f"http://127.0.0.1:{hub.service_port}/services/casebook/"


# --------------------------------------------------------------------------- saves

async def _saves(base, tokens, records, think, seed):
    import aiohttp

    rng = random.Random(seed)
    lat, first, bad = [], [], []

    async def one(name, token, recs):
        headers = {"Authorization": f"token {token}", "Content-Type": "application/json"}
        async with aiohttp.ClientSession(headers=headers) as s:   # one connection per kernel
            if think:
                await asyncio.sleep(rng.uniform(0, think))
            for k, rec in enumerate(recs):
                body = json.dumps({"format": "casebook-kit-sync", "version": 1,
                                   "learner": name, "records": [rec]}, ensure_ascii=False)
                t0 = time.perf_counter()
                try:
                    async with s.post(base + "api/records", data=body.encode()) as r:
                        doc = await r.json(content_type=None)
                        status = r.status
                except Exception as exc:  # noqa: BLE001 - counted as lost
                    bad.append((name, k, repr(exc)))
                    continue
                dt = time.perf_counter() - t0
                (first if k == 0 else lat).append(dt)
                if status != 200 or doc.get("stored", 0) + doc.get("known", 0) != 1:
                    bad.append((name, k, f"HTTP {status}: {str(doc)[:120]}"))
                if think:
                    await asyncio.sleep(rng.expovariate(1 / think))

    t0 = time.perf_counter()
    await asyncio.gather(*(one(n, tokens[n], records[n]) for n in tokens))
    return lat, first, bad, time.perf_counter() - t0


def bench_saves(hub, db_url, names, tokens, n_decisions, think, label, casebook, offset):
    """One save run (burst when ``think`` is 0) into a fresh database -> a result row."""
    from kit.service.store import Store

    pid = restart_service(hub, db_url)
    watch = ServiceWatch(pid)
    cpu0 = watch.cpu()
    records = {n: [decision(casebook, offset + i, k) for k in range(n_decisions)]
               for i, n in enumerate(names)}
    la = os.getloadavg()[0]
    lat, first, bad, wall = asyncio.run(_saves(service_base(hub), tokens, records, think, 1))
    cpu = watch.cpu() - cpu0
    peak = watch.stop()
    store = Store(db_url)
    counts = store.counts()
    store.close()
    expected = len(names) * n_decisions
    in_db = sum(c["decision"] for n, c in counts.items() if n in tokens)
    short = [n for n in names if counts.get(n, {}).get("decision", 0) != n_decisions]
    every = lat + first
    return {
        "what": f"{label}: {len(names)} learners x {n_decisions} saves "
                + ("all at once, no pause" if not think else f"all at once, ~{think:g} s apart"),
        "saves": len(every), "expected": expected, "in_db": in_db, "short_learners": len(short),
        "errors": len(bad), "error_examples": bad[:3],
        "p50_ms": statistics.median(every) * 1000, "p95_ms": percentile(every, 95) * 1000,
        "p99_ms": percentile(every, 99) * 1000, "max_ms": max(every) * 1000,
        "first_p95_ms": percentile(first, 95) * 1000 if first else None,
        "later_p95_ms": percentile(lat, 95) * 1000 if lat else None,
        "wall_s": wall, "rate_per_s": len(every) / wall, "service_cpu_s": cpu,
        "service_peak_mb": peak, "load_start": la, "load_end": os.getloadavg()[0],
        "met": percentile(every, 95) * 1000 <= SAVE_GOAL_MS and in_db == expected and not bad,
    }


def bench_auth(hub, names, n=30) -> dict:
    """``GET api/status`` with tokens the service has not seen (it asks the hub) and again
    (cached), one request at a time."""
    import requests

    base = service_base(hub)
    fresh = []
    for name in names[:n]:
        r = hub.api("POST", f"users/{name}/tokens", json={"note": "bench", "expires_in": 3600})
        r.raise_for_status()
        fresh.append(r.json()["token"])
    s = requests.Session()
    cold, warm = [], []
    for tok in fresh:
        for out in (cold, warm):
            t0 = time.perf_counter()
            r = s.get(base + "api/status", headers={"Authorization": f"token {tok}"}, timeout=60)
            out.append(time.perf_counter() - t0)
            r.raise_for_status()
    return {"cold_median_ms": statistics.median(cold) * 1000,
            "cold_p95_ms": percentile(cold, 95) * 1000,
            "warm_median_ms": statistics.median(warm) * 1000,
            "warm_p95_ms": percentile(warm, 95) * 1000, "n": len(fresh), "load": os.getloadavg()[0]}


# --------------------------------------------------------------------------- the class view

def seed_rows(casebook, n_learners, n_decisions):
    """Rows of the service's table for a class (the service's own ids and JSON)."""
    from kit.decisions.formats import record_id
    from kit.service.store import canonical

    stamp = "2026-12-01T12:00:00.000000Z"
    for i in range(n_learners):
        name = learner_name(i)
        for k in range(n_decisions):
            rec = decision(casebook, i, k)
            yield (name, record_id(name, rec), "decision", canonical(rec), stamp)


def seed(db_url, rows) -> float:
    """Write ``rows`` into a fresh class database at ``db_url`` -> seconds taken."""
    import sqlalchemy as sa
    from kit.service.store import Store, records

    t0 = time.perf_counter()
    store = Store(db_url)   # creates the tables as the service does
    cols = ("learner", "record_id", "kind", "body", "stored_at")
    if store.dialect == "postgresql":
        raw = store.engine.raw_connection()
        try:
            with raw.cursor() as cur:
                with cur.copy(f"COPY kit_records ({', '.join(cols)}) FROM STDIN") as cp:
                    for row in rows:
                        cp.write_row(row)
            raw.commit()
        finally:
            raw.close()
    else:
        chunk = []
        with store.engine.begin() as conn:
            for row in rows:
                chunk.append(dict(zip(cols, row)))
                if len(chunk) == 50_000:
                    conn.execute(records.insert(), chunk)
                    chunk = []
            if chunk:
                conn.execute(records.insert(), chunk)
    store.rebuild_latest()   # the latest table the service keeps on every write
    with store.engine.connect() as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(records)).scalar()
    store.close()
    log(f"    seeded {n:,} records in {time.perf_counter() - t0:.0f} s")
    return time.perf_counter() - t0


def _reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


def _peak_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class _Client:
    """What the class view needs of a class service client: ``fetch_class(since)``."""

    def __init__(self, base, token):
        import requests
        self.base, self.s = base, requests.Session()
        self.s.headers["Authorization"] = f"token {token}"
        self.fetch_s = self.parse_s = 0.0
        self.nbytes = 0

    def fetch_class(self, since=None):
        return self._get("api/class", {} if since is None else {"since": since})

    def _get(self, path, params):
        t0 = time.perf_counter()
        r = self.s.get(self.base + path, params=params, timeout=600)
        r.raise_for_status()
        body = r.content
        t1 = time.perf_counter()
        doc = json.loads(body)
        self.fetch_s += t1 - t0
        self.parse_s += time.perf_counter() - t1
        self.nbytes += len(body)
        return doc

    def fetch_class_latest(self, since=None):
        params = {"shape": "latest"}
        if since is not None:
            params["since"] = since
        return self._get("api/class", params)

    def fetch_rationales(self, items):
        return self._get("api/class/rationales", {"items": ",".join(items)})


class _FullClient(_Client):
    """The full reply only (every record with its rationale): the path before the
    compact reply, for comparison."""
    fetch_class_latest = None
    fetch_rationales = None

    def __getattribute__(self, name):
        if name in ("fetch_class_latest", "fetch_rationales"):
            raise AttributeError(name)
        return super().__getattribute__(name)


def class_worker(base: str, token: str, shape: str = "latest") -> dict:
    """In a fresh process: the teacher's class view from the service -> timings."""
    import kit
    from kit.decisions.formats import header_line, record_line
    from kit.decisions.learner import learner_file_stem

    cb = kit.load_casebook()
    _reset_peak()
    client = (_Client if shape == "latest" else _FullClient)(base, token)
    t0 = time.perf_counter()
    try:
        from kit.classsources import ClassCollector
    except ImportError:
        ClassCollector = None
    if ClassCollector is not None:
        col = ClassCollector(cb, service=client)
        res = col.collect()
        how = ("kit.classsources.ClassCollector, compact reply (api/class?shape=latest)"
               if col._compact else "kit.classsources.ClassCollector, full reply (api/class)")
        write_s = 0.0
    else:
        doc = client.fetch_class(None)
        t1 = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="kit-class-") as tmp:
            for who, recs in doc["learners"].items():
                with open(Path(tmp) / f"{learner_file_stem(who)}.decisions.jsonl", "wb") as fh:
                    fh.write(header_line(who) + b"".join(record_line(r) for r in recs))
            del doc
            write_s = time.perf_counter() - t1
            res = kit.collect_class(tmp, cb)
        how = "each learner's records as their live log, then kit.collect_class"
    total = time.perf_counter() - t0
    fetched = client.fetch_s
    if shape == "latest":
        client.fetch_class_latest(None)   # the whole class once more, the service warm
    else:
        client.fetch_class(None)
    refetch = client.fetch_s - fetched
    client.fetch_s = fetched
    return {"total_s": total, "refetch_s": refetch, "fetch_s": client.fetch_s, "parse_s": client.parse_s,
            "logs_s": write_s, "results_s": total - client.fetch_s - client.parse_s - write_s,
            "mb_sent": client.nbytes / 2**20, "learners": len(res.learners),
            "decisions": int(len(res.decisions)), "peak_mb": _peak_mb(), "how": how}


_ROWS = []   # the largest class's rows, made once for every database
SHAPE = ["latest"]   # the class reply the teacher asks for (--class-shape)


def bench_class(hub, db_for, sizes, casebook, teacher_token) -> list:
    out = []
    for n in sizes:
        if len(_ROWS) < n * ITEMS_PER_LEARNER:
            log(f"  class view: making {max(sizes):,} learners' records ...")
            _ROWS[:] = seed_rows(casebook, max(sizes), ITEMS_PER_LEARNER)
        rows_all = _ROWS
        url = db_for(f"class{n}")
        log(f"  class view: {n:,} learners, seeding ...")
        seed_s = seed(url, rows_all[:n * ITEMS_PER_LEARNER])
        pid = restart_service(hub, url)
        watch = ServiceWatch(pid)
        la = os.getloadavg()[0]
        views = []
        for when in ("just after the service started", "the service running"):
            log(f"  class view: {n:,} learners, fetching as the teacher ({when}) ...")
            proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker",
                                   "class", service_base(hub), teacher_token, SHAPE[0]],
                                  capture_output=True, text=True, timeout=1800,
                                  env={**os.environ, "PYTHONPATH": str(ROOT)})
            if proc.returncode != 0:
                views.append({"error": proc.stderr[-1500:]})
                log(proc.stderr[-1500:])
                break
            views.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        peak = watch.stop()
        if "error" in views[-1]:
            out.append({"learners": n, "error": views[-1]["error"]})
            continue
        first, got = views
        goal = CLASS_GOALS.get(n)
        got.update(learners_asked=n, seed_s=seed_s, service_peak_mb=peak, load_start=la,
                   load_end=os.getloadavg()[0], goal_s=goal, after_start_s=first["total_s"],
                   after_start_fetch_s=first["fetch_s"],
                   met=None if goal is None else got["total_s"] <= goal
                   and got["learners"] == n)
        out.append(got)
    return out


# --------------------------------------------------------------------------- one database

def run_db(kind, args, casebook, tmp: Path) -> dict:
    import hubharness as hh

    made = []

    def db_for(tag):
        if kind == "sqlite":
            return "sqlite:///" + str(tmp / f"{kind}-{tag}.sqlite")
        url = hh.postgres_database()
        made.append(url)
        return url

    res = {"db": kind}
    hub = hh.Hub(tmp / f"hub-{kind}", db_url=db_for("first"), external=True)
    try:
        log(f"{kind}: starting JupyterHub and the class service ...")
        hub.start()
        names = [learner_name(i) for i in range(args.learners)]
        log(f"{kind}: making {len(names)} hub users and their tokens ...")
        tokens = make_users(hub, names)
        teacher = hub.token(hh.TEACHER)
        res["saves"] = []
        for n, (think, label) in enumerate(((0.0, "burst"), (args.think, "lesson"))):
            if (think and args.quick) or args.no_saves:
                continue
            log(f"{kind}: saves ({label}) ...")
            row = bench_saves(hub, db_for(f"saves-{label}"), names, tokens, args.decisions,
                              think, label, casebook, n * 1000)
            log(f"    p95 {row['p95_ms']:.1f} ms, {row['in_db']:,}/{row['expected']:,} in the "
                f"database, {row['errors']} errors, load {row['load_start']:.1f}")
            res["saves"].append(row)
        if not args.no_saves:
            log(f"{kind}: auth round trip ...")
            res["auth"] = bench_auth(hub, names)
        res["class"] = bench_class(hub, db_for, args.sizes, casebook, teacher)
    finally:
        hub.stop()
        for url in made:
            try:
                hh.drop_database(url)
            except Exception:  # noqa: BLE001
                pass
    return res


# --------------------------------------------------------------------------- report

def markdown(results, env) -> str:
    lines = [f"Environment: Python {env['python']}, {env['cpus']} CPUs; load average "
             f"{env['load_start']} at the start, {env['load_end']} at the end; git {env['git']}.",
             "", "| what | SQLite | PostgreSQL | goal |", "|---|---|---|---|"]
    by = {r["db"]: r for r in results}

    def cell(db, fn):
        r = by.get(db)
        try:
            return fn(r) if r else "not run"
        except Exception:  # noqa: BLE001
            return "—"

    def yes(ok):
        return "" if ok is None else (" ✓" if ok else " **missed**")

    for k, label in enumerate(("burst", "lesson")):
        rows = [r for r in results if len(r.get("saves", [])) > k]
        if not rows:
            continue
        what = rows[0]["saves"][k]["what"].split(": ", 1)[1]
        lines.append(f"| saves, {what}: p95 (p50) per save | "
                     + " | ".join(cell(db, lambda r: (
                         lambda s: f"{s['p95_ms']:.0f} ms ({s['p50_ms']:.0f} ms){yes(s['met'])}; "
                                   f"{s['rate_per_s']:.0f} saves/s; first save of a learner "
                                   f"p95 {s['first_p95_ms']:.0f} ms; load {s['load_start']:.1f}")
                         (r["saves"][k])) for db in ("sqlite", "postgresql"))
                     + f" | p95 ≤ {SAVE_GOAL_MS:.0f} ms |")
        lines.append(f"| saves, {label}: stored / sent, errors, service CPU, peak RSS | "
                     + " | ".join(cell(db, lambda r: (
                         lambda s: f"{s['in_db']:,} / {s['expected']:,} in the database, "
                                   f"{s['errors']} errors; {s['service_cpu_s']:.0f} s CPU; "
                                   f"{s['service_peak_mb']:.0f} MB")(r["saves"][k]))
                                  for db in ("sqlite", "postgresql")) + " | none lost |")
    lines.append("| hub auth: `api/status` with a token new to the service vs known (median) | "
                 + " | ".join(cell(db, lambda r: f"{r['auth']['cold_median_ms']:.1f} ms vs "
                                   f"{r['auth']['warm_median_ms']:.1f} ms")
                              for db in ("sqlite", "postgresql")) + " | |")
    sizes = sorted({c.get("learners_asked", c.get("learners")) for r in results
                    for c in r.get("class", [])})
    for n in sizes:
        def fmt(r, n=n):
            c = next(c for c in r["class"] if c.get("learners_asked", c.get("learners")) == n)
            if "error" in c:
                return "FAILED: " + c["error"].splitlines()[-1][:120]
            return (f"{c['total_s']:.2f} s{yes(c['met'])} (fetch {c['fetch_s']:.2f} + parse "
                    f"{c['parse_s']:.2f} + logs {c['logs_s']:.2f} + results {c['results_s']:.2f}; "
                    f"{c['mb_sent']:.0f} MB sent; a second fetch {c['refetch_s']:.2f}); just after "
                    f"the service started {c.get('after_start_s', float('nan')):.2f} s (fetch "
                    f"{c.get('after_start_fetch_s', float('nan')):.2f}); peak memory teacher "
                    f"{c['peak_mb']:.0f} MB, "
                    f"service {c['service_peak_mb']:.0f} MB; load {c['load_start']:.1f}")
        goal = CLASS_GOALS.get(n)
        lines.append(f"| class view from the service, {n:,} learners × {ITEMS_PER_LEARNER} | "
                     + " | ".join(cell(db, fmt) for db in ("sqlite", "postgresql"))
                     + f" | {'≤ %g s' % goal if goal else ''} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--learners", type=int, default=300)
    ap.add_argument("--decisions", type=int, default=ITEMS_PER_LEARNER)
    ap.add_argument("--think", type=float, default=1.5,
                    help="mean pause between a learner's saves in the lesson run (s)")
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--quick", action="store_true",
                    help="60 learners, burst only, classes of 1,000")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "service.json")
    ap.add_argument("--class-shape", choices=("latest", "records"), default="latest",
                    help="the class reply the teacher's view asks for: the compact one "
                    "(latest decisions, column by column; default) or every record")
    ap.add_argument("--no-saves", action="store_true",
                    help="the class view only (no save or auth runs)")
    ap.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    SHAPE[0] = args.class_shape
    if args.worker:
        if args.worker[0] == "class":
            print(json.dumps(class_worker(*args.worker[1:])))
        return 0
    if args.quick:
        args.learners, args.sizes = min(args.learners, 60), "1000"
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    import kit

    casebook = kit.load_casebook()
    env = {"python": sys.version.split()[0], "cpus": os.cpu_count(), "load_start": load(),
           "git": subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                 capture_output=True, text=True).stdout.strip()}
    results = []
    with tempfile.TemporaryDirectory(prefix="kit-bench-service-") as tmp:
        for kind in [d.strip() for d in args.db.split(",") if d.strip()]:
            if kind == "postgresql" and not os.environ.get("KIT_TEST_POSTGRES_URL"):
                log("postgresql: skipped (KIT_TEST_POSTGRES_URL is not set; "
                    "eval \"$(tests/services.sh start)\")")
                continue
            results.append(run_db(kind, args, casebook, Path(tmp)))
    env["load_end"] = load()
    report = markdown(results, env)
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"environment": env, "results": results, "markdown": report},
                                   indent=2, default=str) + "\n", encoding="utf-8")
    print(f"Wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
