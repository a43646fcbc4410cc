"""Run a callback every few seconds in the kernel, until stopped: the dashboard's live refresh.

In a Jupyter or Voila kernel the cell code runs inside the kernel's asyncio event loop,
so the refresh is an asyncio task on that loop: it runs between messages, in the same
thread as every other widget update, and never at the same time as a cell or a click.
Where no loop runs (a plain Python session, a test), a daemon thread does the same,
and a lock keeps one refresh at a time. Either way :meth:`AutoRefresh.stop` ends it,
and so does ``alive()`` turning false (e.g. the dashboard's widget was closed).
"""
from __future__ import annotations

import asyncio
import threading


class AutoRefresh:
    """``AutoRefresh(callback, interval=5.0, alive=None)``: :meth:`start` calls
    ``callback()`` every ``interval`` seconds (the first call one interval after start)
    until :meth:`stop`, or until ``alive()`` returns false. An error in the callback
    does not stop it (the callback shows its own errors). ``mode`` is "asyncio",
    "thread" or None (stopped); ``ticks`` counts the calls.

    >>> calls = []
    >>> r = AutoRefresh(lambda: calls.append(1), interval=60)
    >>> r.tick(); r.running, calls, r.ticks
    (False, [1], 1)
    """

    def __init__(self, callback, interval: float = 5.0, alive=None):
        self.callback = callback
        self.interval = float(interval)
        self.alive = alive or (lambda: True)
        self.mode = None
        self.ticks = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._task = None
        self._thread = None

    @property
    def running(self) -> bool:
        return self.mode is not None

    def tick(self) -> None:
        """One refresh now (skipped when one is still running)."""
        if not self._lock.acquire(blocking=False):
            return
        try:
            self.ticks += 1
            self.callback()
        except Exception:  # noqa: BLE001 - the callback shows its own errors
            pass
        finally:
            self._lock.release()

    def start(self, interval: float | None = None) -> None:
        """Start (or restart with a new ``interval``)."""
        self.stop()
        if interval is not None:
            self.interval = float(interval)
        self._stop = threading.Event()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is not None:
            self.mode = "asyncio"
            self._task = loop.create_task(self._run_async(self._stop))
        else:
            self.mode = "thread"
            self._thread = threading.Thread(target=self._run_thread, args=(self._stop,),
                                            name="kit-class-refresh", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop; no further call starts after this returns (one under way finishes)."""
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
        self._task = None
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=self.interval + 5)
        self.mode = None

    def _go_on(self, stop) -> bool:
        if stop.is_set():
            return False
        if not self.alive():
            stop.set()
            self.mode = None
            return False
        return True

    async def _run_async(self, stop) -> None:
        try:
            while True:
                await asyncio.sleep(self.interval)
                if not self._go_on(stop):
                    return
                self.tick()
        except asyncio.CancelledError:
            return

    def _run_thread(self, stop) -> None:
        while not stop.wait(self.interval):
            if not self._go_on(stop):
                return
            self.tick()
