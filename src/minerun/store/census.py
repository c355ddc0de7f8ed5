"""Counts about the whole service, read from the database when ``/metrics`` is scraped.

Read here rather than counted in memory, so that every API process of a deployment answers
the same figures and a restart loses none. Four grouped queries, each over an indexed column
or a small table; nothing is read row by row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select

from minerun.domain.statuses import OperationStatus
from minerun.store import tables as t
from minerun.store import tables_notify as tn
from minerun.store.engine import reader

o = t.operations.c
n = tn.outbox_events.c


@dataclass(frozen=True, slots=True)
class KindCount:
    kind: str
    status: str
    operations: int
    claims: int
    """Attempts ever started: first runs, automatic retries and takeovers after a crash."""
    manual_retries: int
    """Operations created by ``POST …/retry``."""


@dataclass(frozen=True, slots=True)
class QueueLine:
    priority: str
    depth: int
    """Operations that may run now (``Initiated`` and due) and wait for a slot."""
    oldest_seconds: float
    """How long the one that became due first has waited; 0 when none waits."""


@dataclass(frozen=True, slots=True)
class NotificationCount:
    channel: str
    status: str
    notifications: int


@dataclass(frozen=True, slots=True)
class Census:
    kinds: list[KindCount]
    queue: list[QueueLine]
    notifications: list[NotificationCount]
    workers: int
    slots: int


class CensusStore:
    def __init__(self, engine: Engine) -> None:
        self._reader = reader(engine)

    def take(self, now: datetime, alive_since: datetime) -> Census:
        """The counts at ``now``; workers seen since ``alive_since`` count as alive."""
        with self._reader.connect() as conn:
            kinds = conn.execute(
                select(
                    o.operation_type,
                    o.status,
                    func.count(),
                    func.coalesce(func.sum(o.claims), 0),
                    func.count(o.retry_of),
                ).group_by(o.operation_type, o.status)
            ).all()
            queue = conn.execute(
                select(o.priority, func.count(), func.min(o.run_after))
                .where(o.status == OperationStatus.INITIATED, o.run_after <= now)
                .group_by(o.priority)
            ).all()
            notifications = conn.execute(
                select(n.target_kind, n.status, func.count()).group_by(n.target_kind, n.status)
            ).all()
            workers = list(
                conn.execute(
                    select(t.workers.c.slots).where(t.workers.c.seen_at >= alive_since)
                ).scalars()
            )
        return Census(
            kinds=[KindCount(str(k), str(s), c, int(cl), r) for k, s, c, cl, r in kinds],
            queue=[
                QueueLine(str(p), c, max(0.0, (now - due).total_seconds()) if due else 0.0)
                for p, c, due in queue
            ],
            notifications=[NotificationCount(str(k), str(s), c) for k, s, c in notifications],
            workers=len(workers),
            slots=sum(workers),
        )
