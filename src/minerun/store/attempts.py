"""Bookkeeping shared by the worker-side writes: attempts and the phase that was running."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select, update

from minerun.domain.statuses import PhaseStatus
from minerun.store import tables as t

p = t.phases.c


def reset_running_phase(conn: Connection, operation_id: str, error: str | None = None) -> None:
    conn.execute(
        update(t.phases)
        .where(p.operation_id == operation_id, p.status == PhaseStatus.RUNNING)
        .values(status=PhaseStatus.PENDING, error=error)
    )


def close_attempt(
    conn: Connection, operation_id: str, now: datetime, outcome: str, error: str | None
) -> None:
    a = t.attempts.c
    conn.execute(
        update(t.attempts)
        .where(a.operation_id == operation_id, a.ended_at.is_(None))
        .values(ended_at=now, outcome=outcome, error=error)
    )


def total_run_seconds(conn: Connection, operation_id: str, now: datetime) -> float:
    """Seconds the operation has run over all its attempts, the open one up to ``now``."""
    a = t.attempts.c
    rows = conn.execute(
        select(a.started_at, a.ended_at).where(a.operation_id == operation_id)
    ).all()
    return float(sum(((end or now) - start).total_seconds() for start, end in rows))
