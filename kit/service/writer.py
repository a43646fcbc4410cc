"""Group commit: the class service's one writer, which stores concurrent saves together.

Thirty learners saving at once should not mean thirty transactions queueing for the
database's write lock (SQLite has one; on PostgreSQL the service takes one to keep its
cursor in commit order). Instead every request's checked records go into a queue, and
one task stores everything waiting in a single transaction, in a worker thread, then
answers each request. A save waits for at most one transaction in progress plus its own,
however many learners save at once; the event loop never waits for the database.

>>> import asyncio
>>> from kit.service.store import Store
>>> rec = {"type": "answer", "section": "survey", "question_id": "q1", "answer": "agree",
...        "rationale": "", "answered_at": "2024-05-01T12:00:00.000000Z"}
>>> async def two_saves():
...     w = Writer(Store("sqlite://"), None)
...     got = await asyncio.gather(w.add("ana", [rec]), w.add("ana", [rec]))
...     await w.close()
...     return [(a.stored, a.known) for a in got]
>>> asyncio.run(two_saves())
[(1, 0), (0, 1)]
"""
from __future__ import annotations

import asyncio
import logging

log = logging.getLogger("kit.service")
MAX_BATCH_RECORDS = 20_000   # records in one transaction (several requests' worth)


class Writer:
    """Stores records for the handlers, grouping what arrives meanwhile into one commit."""

    def __init__(self, store, pool):
        self.store, self.pool = store, pool
        self._queue = []          # [(learner, records, future)]
        self._wake = None
        self._task = None
        self._busy = False

    async def add(self, learner: str, recs):
        """Store ``learner``'s checked records -> :class:`~kit.service.store.Added`."""
        loop = asyncio.get_running_loop()
        if self._task is None:
            self._wake = asyncio.Event()
            self._task = loop.create_task(self._run())
        fut = loop.create_future()
        self._queue.append((learner, recs, fut))
        self._wake.set()
        return await fut

    def _take(self):
        batch, n = [], 0
        while self._queue and (not batch or n + len(self._queue[0][1]) <= MAX_BATCH_RECORDS):
            item = self._queue.pop(0)
            batch.append(item)
            n += len(item[1])
        return batch

    async def _run(self):
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                batch = self._take()
                self._busy = True
                try:
                    results = await loop.run_in_executor(
                        self.pool, self.store.add_many, [(lr, recs) for lr, recs, _ in batch])
                except Exception as e:  # noqa: BLE001 (each waiting request gets the error)
                    self._busy = False
                    log.error("storing %d request(s) failed: %s", len(batch), e)
                    for *_, fut in batch:
                        if not fut.done():
                            fut.set_exception(e)
                    continue
                self._busy = False
                for (*_, fut), added in zip(batch, results):
                    if not fut.done():
                        fut.set_result(added)

    async def close(self):
        """Stop once every queued write is stored."""
        while self._task is not None and (self._queue or self._busy):
            await asyncio.sleep(0.05)
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            for *_, fut in self._queue:
                if not fut.done():
                    fut.set_exception(RuntimeError("the class service is stopping"))
