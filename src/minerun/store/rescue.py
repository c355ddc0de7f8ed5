"""How an attempt ends without completing: failed, lease lost, timed out; and what follows.

Shared by the queue's writes; each function runs inside the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from minerun.domain.failures import LEASE_LOST, TIMED_OUT, Failure, Verdict, crash_limit, judge
from minerun.domain.retry import RetryPolicy
from minerun.domain.statuses import OperationStatus, PhaseStatus
from minerun.notify import events as ev
from minerun.store import tables as t
from minerun.store.attempts import (
    close_attempt,
    crash_counts,
    finish_phases,
    reset_running_phase,
    total_run_seconds,
)
from minerun.store.outbox import emit

o = t.operations.c


def failed_values(failure: Failure, now: datetime) -> dict[str, Any]:
    """The columns of an operation that ends Failed with ``failure``."""
    return {
        "status": OperationStatus.FAILED,
        "finished_at": now,
        "current_phase": None,
        "last_error": failure.message,
        "last_error_type": failure.type,
    }


def settle_failure(
    conn: Connection, operation_id: str, failure: Failure, max_crashes: int, now: datetime
) -> tuple[Verdict, dict[str, Any]]:
    """Close the failed attempt and decide what follows, on the stored policy and attempts.

    Returns the verdict and the operation's new columns, for the caller's fenced write.
    """
    policy, failures = conn.execute(
        select(o.retry_policy, o.failures).where(o.id == operation_id)
    ).one()
    close_attempt(conn, operation_id, now, "failed", failure)
    verdict = judge(
        failure,
        RetryPolicy.from_json(policy),
        failures + 1,
        crash_counts(conn, operation_id),
        max_crashes,
        now,
    )
    values: dict[str, Any] = {
        "failures": o.failures + 1,
        "lease_token": None,
        "lease_expires_at": None,
        "run_seconds": total_run_seconds(conn, operation_id, now),
    }
    if verdict.retry_at is None:
        values.update(failed_values(verdict.failure, now))
    else:
        values.update(
            status=OperationStatus.INITIATED,
            run_after=verdict.retry_at,
            last_error=failure.message,
            last_error_type=failure.type,
        )
    return verdict, values


def rescue(conn: Connection, operation_id: str, now: datetime, max_crashes: int) -> bool:
    """Take back an operation whose lease expired; False when it changed since it was read.

    It goes back to the queue, or ends Failed when this crash is its ``max_crashes``-th.
    """
    died, expired = crash_counts(conn, operation_id)
    looping = crash_limit(died, expired + 1, max_crashes)  # + 1: the attempt ending now
    values: dict[str, Any] = {
        "lease_token": None,
        "lease_owner": None,
        "lease_expires_at": None,
        "run_seconds": total_run_seconds(conn, operation_id, now),
    }
    if looping is None:
        values.update(status=OperationStatus.INITIATED, run_after=now)
    else:
        values.update(failed_values(looping, now))
    changed = conn.execute(
        update(t.operations)
        .where(o.id == operation_id, o.status == OperationStatus.RUNNING, o.lease_expires_at < now)
        .values(**values)
    )
    if changed.rowcount != 1:
        return False
    close_attempt(conn, operation_id, now, "lease-expired", LEASE_LOST)
    if looping is None:
        reset_running_phase(conn, operation_id)
    else:
        finish_phases(conn, operation_id, PhaseStatus.FAILED, now)
        emit(conn, operation_id, ev.FAILED, now=now)
    return True


def end_timed_out(conn: Connection, operation_id: str, now: datetime) -> None:
    """Close the phases and the attempt of an operation the sweep just made Timeout."""
    finish_phases(conn, operation_id, PhaseStatus.CANCELLED, now)
    close_attempt(conn, operation_id, now, "timeout", TIMED_OUT)
    conn.execute(
        update(t.operations)
        .where(o.id == operation_id)
        .values(run_seconds=total_run_seconds(conn, operation_id, now))
    )
    emit(conn, operation_id, ev.TIMEOUT, now=now)
