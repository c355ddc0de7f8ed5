"""A slot: a child process that runs one operation at a time for its supervisor.

It runs apart from the supervisor so that a crash in analysis code cannot take the worker
down, a forced cancellation or a timeout can kill it, and its resources can be measured.
It dies with its supervisor (``PR_SET_PDEATHSIG``), so a killed worker leaves no orphan
writing on: the operation's lease expires and another worker takes it over.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from typing import Any

from minerun.config import Settings
from minerun.kinds.registry import load_registry
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


def slot_main(
    conn: Connection, stop: Event, settings_data: dict[str, Any], parent_pid: int
) -> None:
    """Entry point of a slot process: run the leases the supervisor sends, one at a time."""
    _die_with_parent(parent_pid)
    # The supervisor decides when a slot stops; SIGINT from a terminal must not interrupt work.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    settings = Settings(**settings_data)
    registry = load_registry(settings.kind_module_names)
    database = Database(settings.resolved_database_url, pool_size=1)
    conn.send(("ready", os.getpid()))
    while True:
        message = conn.recv()
        if message[0] == "exit":
            break
        lease = Lease(**message[1])
        kind = registry.get(lease.operation_type)
        if kind is None:
            outcome = Outcome(
                "failed", f"operation type {lease.operation_type!r} is not registered"
            )
        else:
            outcome = run_operation(
                database.queue, kind, lease, settings.artifacts_dir, settings.data_dir, stop
            )
        conn.send(("done", lease.operation_id, outcome.kind, outcome.error))
    database.close()
