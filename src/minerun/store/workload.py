"""What the estimates of queued work need: live worker slots, running and queued operations.

Each worker writes its slot count at every heartbeat (:meth:`WorkloadStore.beat`); a worker
seen within one lease period is alive, since a worker that stops beating loses its leases
after that long too. :meth:`WorkloadStore.read` reads the rest in three queries.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, insert, select, update

from minerun.domain.records import Operation
from minerun.domain.statuses import OperationStatus
from minerun.store import tables as t
from minerun.store.engine import reader
from minerun.store.phase_figures import phase_figures

o = t.operations.c
w = t.workers.c
FORGET_AFTER = timedelta(days=1)
QUEUE_LIMIT = 1000
"""Queued operations read for an estimate; those further back cannot start earlier anyway."""


@dataclass(frozen=True, slots=True)
class QueuedOperation:
    queue_key: float
    run_after: datetime
    expected_seconds: float


@dataclass(frozen=True, slots=True)
class Workload:
    slots: int
    running: list[Operation]
    queued: list[QueuedOperation]


class WorkloadStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._reader = reader(engine)

    def beat(self, worker: str, slots: int, now: datetime) -> None:
        """Say that ``worker`` is alive with ``slots`` slots; forget workers long gone."""
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(t.workers).where(w.name == worker).values(slots=slots, seen_at=now)
            )
            if changed.rowcount == 0:
                conn.execute(insert(t.workers).values(name=worker, slots=slots, seen_at=now))
                # Names carry the process id, so each start adds a row; a killed worker's
                # row is never removed by the worker itself.
                conn.execute(delete(t.workers).where(w.seen_at < now - FORGET_AFTER))

    def forget(self, worker: str) -> None:
        """A worker that stops says so, so its slots stop counting at once."""
        with self.engine.begin() as conn:
            conn.execute(delete(t.workers).where(w.name == worker))

    def read(self, now: datetime, alive_seconds: float, limit: int = QUEUE_LIMIT) -> Workload:
        """Live slots, running operations (with their phases' figures) and the queue's head."""
        alive_after = now - timedelta(seconds=alive_seconds)
        with self._reader.connect() as conn:
            slots = conn.execute(
                select(func.coalesce(func.sum(w.slots), 0)).where(w.seen_at >= alive_after)
            ).scalar_one()
            rows = conn.execute(
                select(t.operations).where(o.status == OperationStatus.RUNNING)
            ).mappings()
            running = [Operation.from_row(r) for r in rows]
            figures = phase_figures(conn, [op.id for op in running])
            queued = [
                QueuedOperation(r[0], r[1], float(r[2].get("expectedSeconds", 0.0)))
                for r in conn.execute(
                    select(o.queue_key, o.run_after, o.estimate)
                    .where(o.status == OperationStatus.INITIATED)
                    .order_by(o.queue_key)
                    .limit(limit)
                )
            ]
        running = [replace(op, phases=figures.get(op.id, ())) for op in running]
        return Workload(int(slots), running, queued)
