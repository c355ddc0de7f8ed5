"""Wake-ups: how a committed change reaches waiting workers without polling.

Inside one process (``minerun serve``) the API and the worker share a :class:`Waker` and an
event. On PostgreSQL, writers also ``NOTIFY`` inside their transaction (delivered at commit)
and each worker ``LISTEN``s, so workers on other machines wake at once. On SQLite across
processes, workers fall back to polling every ``MINERUN_POLL_SECONDS``.
"""

from __future__ import annotations

import logging
import threading

import psycopg
from sqlalchemy import Connection, Engine, text

from minerun.store.engine import is_sqlite

log = logging.getLogger(__name__)

QUEUE_CHANNEL = "minerun_queue"
STOP_CHANNEL = "minerun_stop"
EVENTS_CHANNEL = "minerun_events"
"""Notified when an event is committed for the event stream (see api/event_hub.py)."""


class Waker:
    """Announces new work and stops; lets a worker sleep until one arrives."""

    def __init__(self, engine: Engine) -> None:
        self._notify = not is_sqlite(engine)
        self._engine = engine
        self._event = threading.Event()
        self._listener: threading.Thread | None = None
        self._closed = threading.Event()

    def announce(self, conn: Connection) -> None:
        """Inside a write transaction: tell other processes that work is queued."""
        if self._notify:
            conn.execute(text(f"SELECT pg_notify('{QUEUE_CHANNEL}', '')"))

    def announce_stop(self, conn: Connection) -> None:
        """Inside a write transaction: tell workers that a running operation must stop."""
        if self._notify:
            conn.execute(text(f"SELECT pg_notify('{STOP_CHANNEL}', '')"))

    def wake(self) -> None:
        """After a commit: wake waiters in this process."""
        self._event.set()

    def wait(self, timeout: float) -> bool:
        """Sleep until woken or ``timeout``; True when woken."""
        self._start_listener()
        woken = self._event.wait(timeout)
        self._event.clear()
        return woken

    def close(self) -> None:
        self._closed.set()

    def _start_listener(self) -> None:
        if not self._notify or self._listener is not None:
            return
        self._listener = threading.Thread(target=self._listen, name="minerun-listen", daemon=True)
        self._listener.start()

    def _listen(self) -> None:
        url = self._engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not self._closed.is_set():
            try:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {QUEUE_CHANNEL}")
                    conn.execute(f"LISTEN {STOP_CHANNEL}")
                    while not self._closed.is_set():
                        for _ in conn.notifies(timeout=1.0, stop_after=1):
                            self._event.set()
            except psycopg.Error:
                log.warning("lost the LISTEN connection; reconnecting", exc_info=True)
                self._event.set()
                self._closed.wait(1.0)
