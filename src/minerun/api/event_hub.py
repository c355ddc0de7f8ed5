"""Wakes the event streams of one API process when events are committed.

One thread per process numbers new events (:func:`minerun.store.event_stream.sequence`),
reads whom they are about and wakes the streams waiting for those. It looks when PostgreSQL
notifies (``LISTEN``, and every second in case a notification was lost), and on SQLite
every ``poll_seconds``.
Streams read their events from the database, not from any worker: any API process serves
any client, an event committed while nobody listened is still there, and a client that stops
reading holds up only its own stream. The events the hub has just read are kept for a while
(the last ``RECENT_EVENTS``), so that a thousand streams woken by one event read it from
memory rather than each with a query; a stream further behind reads the database. The hub
also deletes stream events older than the retention, once every ``PRUNE_EVERY_SECONDS``.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import threading
import time
from datetime import UTC, datetime, timedelta

import psycopg
from sqlalchemy import Engine

from minerun.domain.records import Scope
from minerun.store import event_stream
from minerun.store.engine import is_sqlite
from minerun.store.wakeup import EVENTS_CHANNEL

log = logging.getLogger(__name__)

PRUNE_EVERY_SECONDS = 600.0
NOTIFIED_POLL_SECONDS = 1.0
"""On PostgreSQL, notifications wake the hub; it also looks this often in case one was lost."""
RECENT_EVENTS = 2000


class Waiter:
    """One stream's wake-up: set from the hub's thread, awaited on the stream's event loop."""

    def __init__(self, scope: Scope, operation_id: str | None) -> None:
        self.scope = scope
        self.operation_id = operation_id
        self._loop = asyncio.get_running_loop()
        self._event = asyncio.Event()

    def wake(self) -> None:
        self._loop.call_soon_threadsafe(self._event.set)

    def arm(self) -> None:
        """Before reading: a wake-up that comes during the read is kept for the next wait."""
        self._event.clear()

    async def wait(self, timeout: float) -> None:
        """Until woken or ``timeout`` seconds have passed."""
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except TimeoutError:
            pass


class EventHub:
    """The process's one watcher of new events; streams register a :class:`Waiter` with it."""

    def __init__(self, engine: Engine, poll_seconds: float, retention: timedelta) -> None:
        self._engine = engine
        self._poll = poll_seconds
        self._retention = retention
        self._postgres = not is_sqlite(engine)
        self._waiters: set[Waiter] = set()
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None
        self._last: int | None = None
        self._pruned_at = 0.0
        # Events numbered after ``_floor``, in order, all of them (numbers are consecutive).
        self._floor: int | None = None
        self._recent: list[event_stream.StreamEvent] = []
        self._recent_seqs: list[int] = []

    @property
    def streams(self) -> int:
        """How many streams are open in this process."""
        return len(self._waiters)

    def watch(self, scope: Scope, operation_id: str | None) -> Waiter:
        """Register a stream of a project (``operation_id`` None) or of one operation."""
        waiter = Waiter(scope, operation_id)
        with self._lock:
            self._waiters.add(waiter)
            if self._thread is None and not self._closed.is_set():
                self._thread = threading.Thread(target=self._run, name="event-hub", daemon=True)
                self._thread.start()
        return waiter

    def recent(
        self, scope: Scope, operation_id: str | None, after: int, limit: int
    ) -> list[event_stream.StreamEvent] | None:
        """The events after ``after`` for such a stream, from memory; None when ``after`` is
        older than what the hub keeps (read the database then)."""
        with self._lock:
            if self._floor is None or after < self._floor:
                return None
            start = bisect.bisect_right(self._recent_seqs, after)
            found = []
            for item in self._recent[start:]:
                if item.scope == scope and operation_id in (None, item.operation_id):
                    found.append(item)
                    if len(found) == limit:
                        break
            return found

    def forget(self, waiter: Waiter) -> None:
        with self._lock:
            self._waiters.discard(waiter)

    def close(self) -> None:
        self._closed.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)

    def _run(self) -> None:
        while not self._closed.is_set():
            try:
                if self._postgres:
                    self._listen()
                else:
                    self._step()
                    self._closed.wait(self._poll)
            except Exception:
                log.warning("the event hub failed a round; trying again", exc_info=True)
                self._closed.wait(1.0)

    def _listen(self) -> None:
        url = self._engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"LISTEN {EVENTS_CHANNEL}")
            self._step()  # what was committed before LISTEN took effect
            while not self._closed.is_set():
                pause = max(self._poll, NOTIFIED_POLL_SECONDS)
                for _ in conn.notifies(timeout=pause, stop_after=1):
                    pass
                self._step()

    def _step(self) -> None:
        if self._last is None:
            self._last = self._floor = event_stream.latest(self._engine)
        if event_stream.unnumbered(self._engine):  # a read first: no write lock when idle
            event_stream.sequence(self._engine)
        while True:
            fresh = event_stream.numbered_since(self._engine, self._last)
            if not fresh:
                break
            self._last = fresh[-1].stream_seq
            self._remember(fresh)
            self._wake({(n.scope, n.operation_id) for n in fresh})
            if len(fresh) < event_stream.SEQUENCE_BATCH:
                break
        if time.monotonic() - self._pruned_at >= PRUNE_EVERY_SECONDS:
            self._pruned_at = time.monotonic()
            removed = event_stream.prune(self._engine, datetime.now(UTC) - self._retention)
            if removed:
                log.info("deleted %d stream events past the retention", removed)

    def _remember(self, fresh: list[event_stream.StreamEvent]) -> None:
        with self._lock:
            self._recent += fresh
            self._recent_seqs += [item.stream_seq for item in fresh]
            excess = len(self._recent) - RECENT_EVENTS
            if excess > RECENT_EVENTS // 4:  # trimmed in blocks, not at every event
                self._floor = self._recent_seqs[excess - 1]
                del self._recent[:excess], self._recent_seqs[:excess]

    def _wake(self, about: set[tuple[Scope, str | None]]) -> None:
        scopes = {scope for scope, _ in about}
        with self._lock:
            waiters = list(self._waiters)
        for waiter in waiters:
            if waiter.operation_id is None:
                if waiter.scope in scopes:
                    waiter.wake()
            elif (waiter.scope, waiter.operation_id) in about:
                waiter.wake()
