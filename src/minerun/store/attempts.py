"""Bookkeeping shared by the writes that end an attempt: attempts and the phase that was running."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, select, update

from minerun.domain.failures import Failure, FailureType
from minerun.domain.statuses import PhaseStatus
from minerun.store import tables as t

p = t.phases.c
a = t.attempts.c


def reset_running_phase(conn: Connection, operation_id: str, error: str | None = None) -> None:
    conn.execute(
        update(t.phases)
        .where(p.operation_id == operation_id, p.status == PhaseStatus.RUNNING)
        .values(status=PhaseStatus.PENDING, error=error)
    )


def close_attempt(
    conn: Connection,
    operation_id: str,
    now: datetime,
    outcome: str,
    failure: Failure | None = None,
) -> None:
    """End the open attempt of an operation (there is at most one) with how it ended."""
    conn.execute(
        update(t.attempts)
        .where(a.operation_id == operation_id, a.ended_at.is_(None))
        .values(
            ended_at=now,
            outcome=outcome,
            error=failure.message if failure else None,
            error_type=failure.type.value if failure else None,
        )
    )


def crash_counts(conn: Connection, operation_id: str) -> tuple[int, int]:
    """Closed attempts whose process died, and those whose worker stopped renewing the lease."""
    rows = conn.execute(
        select(a.error_type, func.count())
        .where(
            a.operation_id == operation_id,
            a.error_type.in_([FailureType.PROCESS_DIED, FailureType.LEASE_EXPIRED]),
        )
        .group_by(a.error_type)
    ).all()
    counts = {kind: int(n) for kind, n in rows}
    return counts.get(FailureType.PROCESS_DIED, 0), counts.get(FailureType.LEASE_EXPIRED, 0)


def total_run_seconds(conn: Connection, operation_id: str, now: datetime) -> float:
    """Seconds the operation has run over all its attempts, the open one up to ``now``."""
    rows = conn.execute(
        select(a.started_at, a.ended_at).where(a.operation_id == operation_id)
    ).all()
    return float(sum(((end or now) - start).total_seconds() for start, end in rows))


def finish_phases(
    conn: Connection, operation_id: str, running_to: PhaseStatus, now: datetime
) -> None:
    """Close the phases of an operation that ends early: the running one, then the pending ones."""
    p = t.phases.c
    conn.execute(
        update(t.phases)
        .where(p.operation_id == operation_id, p.status == PhaseStatus.RUNNING)
        .values(status=running_to, finished_at=now)
    )
    conn.execute(
        update(t.phases)
        .where(p.operation_id == operation_id, p.status == PhaseStatus.PENDING)
        .values(status=PhaseStatus.SKIPPED)
    )
