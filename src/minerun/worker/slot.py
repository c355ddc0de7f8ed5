"""A slot: a child process that runs one operation at a time for its supervisor.

It runs apart from the supervisor so that a crash in analysis code cannot take the worker
down, a forced cancellation or a timeout can kill it, and its resources can be measured.
It dies with its supervisor (``PR_SET_PDEATHSIG``), so a killed worker leaves no orphan
writing on: the operation's lease expires and another worker takes it over.

Everything between the two processes goes through one pipe, the request to stop included:
a multiprocessing ``Event`` would be a set of named semaphores, which a supervisor ended by a
signal never unlinks (the resource tracker then reports them as leaked).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
from collections import deque
from multiprocessing.connection import Connection
from typing import Any

from minerun.config import Settings
from minerun.kinds.registry import load_registry
from minerun.logs import configure_logging
from minerun.store.database import Database
from minerun.store.queue import Lease
from minerun.worker.runner import Outcome, run_operation

_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent_pid: int) -> None:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


class Mailbox:
    """The slot's end of the pipe; also the stop signal of the operation it runs.

    The supervisor asks a running operation to stop with ``("stop", operation_id)``. A phase
    checks :meth:`is_set` between chunks, possibly from several threads, hence the lock. A
    stop that arrives after its operation ended is dropped, so it cannot stop the next one.
    """

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._lock = threading.Lock()
        self._pending: deque[tuple[Any, ...]] = deque()
        self._running: str | None = None
        self._stopped = False

    def next_work(self) -> tuple[Any, ...]:
        """The next ``run`` or ``exit`` message (waits for it)."""
        while True:
            with self._lock:
                message = self._pending.popleft() if self._pending else self._conn.recv()
            if message[0] != "stop":
                return message

    def running(self, operation_id: str | None) -> None:
        """The operation now running (None once it ended): stops for others are dropped."""
        with self._lock:
            self._running, self._stopped = operation_id, False

    def is_set(self) -> bool:
        with self._lock:
            while self._conn.poll():
                message = self._conn.recv()
                if message[0] == "stop":
                    self._stopped = self._stopped or message[1] == self._running
                else:  # "exit" while running: stop, then leave once the operation ended
                    self._stopped = True
                    self._pending.append(message)
            return self._stopped

    def send(self, *message: Any) -> None:
        self._conn.send(message)


def slot_main(conn: Connection, settings_data: dict[str, Any], parent_pid: int) -> None:
    """Entry point of a slot process: run the leases the supervisor sends, one at a time."""
    _die_with_parent(parent_pid)
    # The supervisor decides when a slot stops; SIGINT from a terminal must not interrupt work.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    settings = Settings(**settings_data)
    configure_logging(settings.log_format, settings.log_level)
    database = Database(settings.resolved_database_url, pool_size=1)
    mailbox = Mailbox(conn)
    # Ready before the kinds are imported: importing the analysis stack takes seconds, and
    # the first operation can be claimed (and shown Running) meanwhile; the pipe holds the
    # work until the import is done.
    mailbox.send("ready", os.getpid())
    registry = load_registry(settings.kind_module_names)
    mailbox.send("loaded")
    while True:
        message = mailbox.next_work()
        if message[0] == "exit":
            break
        lease = Lease(**message[1])
        kind = registry.get(lease.operation_type)
        mailbox.running(lease.operation_id)
        if kind is None:
            outcome = Outcome(
                "failed", f"operation type {lease.operation_type!r} is not registered"
            )
        else:
            outcome = run_operation(
                database.queue, kind, lease, settings.artifacts_dir, settings.data_dir, mailbox
            )
        mailbox.running(None)
        mailbox.send("done", lease.operation_id, outcome.kind, outcome.error)
    database.close()
