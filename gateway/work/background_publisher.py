"""Publishing off the caller's thread: the broker is never on a request's path.

`BackgroundPublisher` wraps a `gateway.work.relay` publish function. Calling it only puts the ids
in a bounded queue and returns at once; one daemon thread per process publishes them. When
the broker cannot be reached the thread keeps the ids (up to `capacity`) and stops trying for
a back-off that doubles up to `max_backoff`, so a broker that is down costs one attempt per
back-off, not one per request; once an attempt succeeds it publishes what it kept. Ids that
do not fit are dropped: their outbox rows are pending in the database and the periodic sweep
sends them. Nothing here is the record, so losing the queue (a crash, a stop) loses no work.
Each call's ids are published in a copy of the caller's context, so what the publish function
reads from context variables (the request's correlation id) is the caller's.
"""
from __future__ import annotations

import contextvars
import logging
import os
import queue
import threading
import time
from collections.abc import Iterable

from gateway.work.relay import Publish

_log = logging.getLogger("gateway.work.relay")
class _Stop:
    """What `close` puts on the queue: publish what is kept, then end the thread."""


_STOP = _Stop()
# One call's outbox ids, with the context (correlation id) they were queued in.
_Batch = tuple[list[int], contextvars.Context]


class BackgroundPublisher:
    def __init__(self, publish: Publish, *, capacity: int = 10_000, first_backoff: float = 0.5,
                 max_backoff: float = 5.0) -> None:
        self._publish = publish
        self._capacity = capacity
        self._first_backoff, self._max_backoff = first_backoff, max_backoff
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._queue: queue.Queue[_Batch | _Stop] = queue.Queue()
        self._thread: threading.Thread | None = None

    def __call__(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        if not ids:
            return
        self._ensure_thread()
        if self._queue.qsize() >= self._capacity:
            _log.warning("publishing queue full; outbox %s is left to the sweep", ids)
            return
        self._queue.put((ids, contextvars.copy_context()))

    def close(self, timeout: float = 2.0) -> None:
        """Publish what is queued (for at most `timeout` seconds) and stop the thread."""
        thread = self._thread
        if thread is not None and thread.is_alive() and self._pid == os.getpid():
            self._queue.put(_STOP)
            thread.join(timeout)

    def _ensure_thread(self) -> None:
        # Per process: a forked child (a Celery pool process) has the queue but not the thread.
        with self._lock:
            if self._pid != os.getpid() or self._thread is None or not self._thread.is_alive():
                self._pid = os.getpid()
                self._queue = queue.Queue()
                self._thread = threading.Thread(target=self._run, args=(self._queue,),
                                                name="gateway-publisher", daemon=True)
                self._thread.start()

    def _run(self, work: queue.Queue[_Batch | _Stop]) -> None:
        kept: list[_Batch] = []  # not published yet, in order
        count = 0  # ids in `kept`
        failures, retry_at = 0, 0.0
        while True:
            timeout = max(0.0, retry_at - time.monotonic()) if kept else None
            item: _Batch | _Stop | None
            try:
                item = work.get(timeout=timeout)
            except queue.Empty:
                item = None
            stopping = False
            while item is not None:  # take all that waits before publishing
                if isinstance(item, _Stop):
                    stopping = True
                    break
                count += self._keep(kept, count, item)
                try:
                    item = work.get_nowait()
                except queue.Empty:
                    item = None
            if stopping and (not kept or time.monotonic() < retry_at):
                return  # what is still kept is left to the sweep
            if not kept or time.monotonic() < retry_at:
                continue
            try:
                while kept:
                    ids, context = kept[0]
                    context.run(self._publish, ids)
                    kept.pop(0)
                    count -= len(ids)
            except Exception as exc:  # the rows wait in the database; try again after a back-off
                failures += 1
                retry_at = time.monotonic() + min(self._max_backoff, self._first_backoff * 2 ** (failures - 1))
                if stopping:
                    return
                if failures == 1:
                    _log.warning("broker unreachable (%s: %s): %d outbox id(s) kept and tried again at "
                                 "most every %.1f s; the sweep sends them too", type(exc).__name__, exc,
                                 count, self._max_backoff)
                continue
            if failures:
                _log.warning("broker reachable again after %d failed attempt(s)", failures)
            failures, retry_at = 0, 0.0
            if stopping:
                return

    def _keep(self, kept: list[_Batch], count: int, item: _Batch) -> int:
        """Keep what fits of `item`; returns how many ids were kept."""
        ids, context = item
        room = max(0, self._capacity - count)
        if room:
            kept.append((ids[:room], context))
        if len(ids) > room:
            _log.warning("publishing backlog full; outbox %s is left to the sweep", ids[room:])
        return min(room, len(ids))
