"""The queue as the estimates see it: live slots, running work and queued work."""

from __future__ import annotations

from datetime import datetime

from minerun.domain.estimates import Queue
from minerun.domain.progress import busy_seconds
from minerun.store.database import Database


def current_queue(database: Database, alive_seconds: float, now: datetime) -> Queue:
    """Read the workload once; a worker seen within ``alive_seconds`` counts as alive."""
    load = database.workload.read(now, alive_seconds)
    return Queue(
        slots=load.slots,
        busy=tuple(busy_seconds(op, now) for op in load.running),
        waiting=tuple(
            (q.queue_key, max((q.run_after - now).total_seconds(), 0.0), q.expected_seconds)
            for q in load.queued
        ),
    )
