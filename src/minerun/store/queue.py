"""Queries of the worker side: claim, lease renewal, rescue, and writes fenced by the lease.

Every write a worker makes about an operation it runs names the lease token it got with the
claim. When the lease was lost (expired and taken over, cancelled, timed out), the write
matches no row and :class:`LeaseLost` is raised: a stale worker can never overwrite newer state.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from minerun.domain.failures import TIMED_OUT, Failure
from minerun.domain.records import Operation, Scope
from minerun.domain.statuses import OperationStatus, PhaseStatus, sources_of
from minerun.exceptions import LeaseLost
from minerun.notify import events as ev
from minerun.store import tables as t
from minerun.store.attempts import (
    close_attempt,
    finish_phases,
    reset_running_phase,
    total_run_seconds,
)
from minerun.store.batch_flow import after_end, lock_batches
from minerun.store.datasets import upsert_dataset
from minerun.store.engine import is_sqlite, reader
from minerun.store.operations import OperationStore
from minerun.store.outbox import ProgressEvents, emit, emit_phase_completed
from minerun.store.rescue import end_timed_out, rescue, settle_failure
from minerun.store.wakeup import Waker

o = t.operations.c
p = t.phases.c
# What a phase reports while it runs, cleared when it starts and when it completes.
_NO_STEP_FIGURES = {"work_fraction": None, "live": None}


@dataclass(frozen=True, slots=True)
class Lease:
    """What a worker holds while it runs an operation."""

    operation_id: str
    operation_type: str
    token: str
    execution_id: str
    attempt: int
    timeout_at: datetime
    ready_at: datetime | None = None
    """When the operation became due (created, or its retry's backoff over): pickup latency."""


@dataclass(frozen=True, slots=True)
class LeaseState:
    status: OperationStatus
    token: str | None
    stop_mode: str | None


@dataclass(frozen=True, slots=True)
class Usage:
    """Resource usage of the process running an operation, as last measured."""

    cpu_percent: float
    cpu_seconds: float
    memory_bytes: int
    peak_memory_bytes: int
    disk_bytes: int


class QueueStore:
    """Claims and fenced writes for workers."""

    def __init__(self, engine: Engine, waker: Waker) -> None:
        self.engine = engine
        self._reader = reader(engine)
        self.waker = waker
        self._sqlite = is_sqlite(engine)
        self._operations = OperationStore(engine, waker)
        self._progress_events = ProgressEvents()

    # -- claiming ---------------------------------------------------------------------------

    def claim(self, owner: str, now: datetime, lease_seconds: float) -> Lease | None:
        """Take the first queued operation (smallest queue key) and lease it to ``owner``."""
        pick = (
            select(o.id)
            .where(o.status == OperationStatus.INITIATED, o.run_after <= now)
            .order_by(o.queue_key)
            .limit(1)
        )
        if not self._sqlite:
            pick = pick.with_for_update(skip_locked=True)
        token = uuid.uuid4().hex
        execution_id = f"exec-{uuid.uuid4()}"
        with self.engine.begin() as conn:
            row = conn.execute(
                update(t.operations)
                .where(o.id.in_(pick.scalar_subquery()))
                .values(
                    status=OperationStatus.RUNNING,
                    lease_owner=owner,
                    lease_token=token,
                    lease_expires_at=now + timedelta(seconds=lease_seconds),
                    execution_id=execution_id,
                    claims=o.claims + 1,
                )
                .returning(
                    o.id, o.operation_type, o.claims, o.timeout_at, o.started_at, o.run_after
                )
            ).first()
            if row is None:
                return None
            operation_id, operation_type, attempt, timeout_at, started_at, ready_at = row
            if started_at is None:
                conn.execute(
                    update(t.operations).where(o.id == operation_id).values(started_at=now)
                )
            conn.execute(
                insert(t.attempts).values(
                    operation_id=operation_id,
                    number=attempt,
                    execution_id=execution_id,
                    worker=owner,
                    started_at=now,
                )
            )
            if started_at is None:
                emit(conn, operation_id, ev.STARTED, now=now)
        return Lease(
            operation_id, operation_type, token, execution_id, attempt, timeout_at, ready_at
        )

    def load(self, lease: Lease) -> Operation:
        """The leased operation with its phases."""
        return self._operations.get(None, lease.operation_id)

    def load_in_scope(self, scope: Scope, operation_id: str) -> Operation:
        """Another operation of ``scope`` (the input of a kind that reads others' outputs);
        :class:`NotFound` when there is none."""
        return self._operations.get(scope, operation_id)

    # -- leases -----------------------------------------------------------------------------

    def renew(
        self, leases: Iterable[Lease], now: datetime, lease_seconds: float, usage: dict[str, Usage]
    ) -> set[str]:
        """Extend the leases still held and record usage; returns the ids whose lease is lost."""
        lost: set[str] = set()
        expires = now + timedelta(seconds=lease_seconds)
        with self.engine.begin() as conn:
            for lease in leases:
                values: dict[str, Any] = {"lease_expires_at": expires}
                if lease.operation_id in usage:
                    values.update(_usage_values(usage[lease.operation_id]))
                if not self._fenced_update(conn, lease, values):
                    lost.add(lease.operation_id)
        return lost

    def states(self, ids: Sequence[str]) -> dict[str, LeaseState]:
        """Status, lease token and stop mode of the given operations."""
        if not ids:
            return {}
        with self._reader.connect() as conn:
            rows = conn.execute(
                select(o.id, o.status, o.lease_token, o.stop_mode).where(o.id.in_(ids))
            ).all()
        return {r[0]: LeaseState(OperationStatus(r[1]), r[2], r[3]) for r in rows}

    def rescue_expired(self, now: datetime, max_crashes: int) -> list[str]:
        """Take back the running operations whose worker stopped renewing its lease.

        Each goes back to the queue, to be resumed at its first unfinished phase, unless it
        has now crashed its worker ``max_crashes`` times: then it ends Failed (crash-loop).
        Returns the ids taken back.
        """
        pick = select(o.id).where(o.status == OperationStatus.RUNNING, o.lease_expires_at < now)
        with self.engine.begin() as conn:
            # Batches first, then operations: the lock order of every write that ends one.
            lock_batches(conn, conn.execute(pick).scalars().all())
            if not self._sqlite:
                pick = pick.with_for_update(skip_locked=True)
            expired = [r[0] for r in conn.execute(pick).all()]
            ids = [i for i in expired if rescue(conn, i, now, max_crashes)]
            for operation_id in ids:
                after_end(conn, operation_id, now, self.waker)
            if ids:
                self.waker.announce(conn)
        return ids

    def sweep_timeouts(self, now: datetime) -> list[str]:
        """End every active operation past its ``timeoutAt`` as Timeout."""
        late = o.status.in_(sources_of(OperationStatus.TIMEOUT)), o.timeout_at < now
        with self.engine.begin() as conn:
            lock_batches(conn, conn.execute(select(o.id).where(*late)).scalars().all())
            rows = conn.execute(
                update(t.operations)
                .where(*late)
                .values(
                    status=OperationStatus.TIMEOUT,
                    finished_at=now,
                    lease_token=None,
                    lease_expires_at=None,
                    stop_mode="force",
                    last_error=TIMED_OUT.message,
                    last_error_type=TIMED_OUT.type,
                )
                .returning(o.id)
            ).all()
            ids = [r[0] for r in rows]
            for operation_id in ids:
                end_timed_out(conn, operation_id, now)
            for operation_id in ids:
                after_end(conn, operation_id, now, self.waker)
            if ids:
                self.waker.announce_stop(conn)
        return ids

    # -- fenced writes ----------------------------------------------------------------------

    def _fenced_update(self, conn: Connection, lease: Lease, values: dict[str, Any]) -> bool:
        result = conn.execute(
            update(t.operations)
            .where(
                o.id == lease.operation_id,
                o.lease_token == lease.token,
                o.status == OperationStatus.RUNNING,
            )
            .values(**values)
        )
        return result.rowcount == 1

    def _fence(self, conn: Connection, lease: Lease, values: dict[str, Any] | None = None) -> None:
        if not self._fenced_update(conn, lease, values or {"lease_token": lease.token}):
            raise LeaseLost(f"Lease on {lease.operation_id} is no longer held.")

    def start_phase(self, lease: Lease, position: int, now: datetime) -> None:
        with self.engine.begin() as conn:
            self._fence(conn, lease, {"current_phase": position})
            conn.execute(
                update(t.phases)
                .where(p.operation_id == lease.operation_id, p.position == position)
                .values(
                    status=PhaseStatus.RUNNING,
                    started_at=now,
                    finished_at=None,
                    records_processed=0,
                    error=None,
                    **_NO_STEP_FIGURES,
                )
            )

    def progress(
        self,
        lease: Lease,
        position: int,
        done: int,
        total: int | None,
        activity: str | None,
        processed_before: int,
        network_bytes: int | None,
        fraction: float | None = None,
        live: dict[str, Any] | None = None,
    ) -> None:
        """Record the running phase's records done of total, share of work and live figures;
        the operation's count is the most records any phase went through (docs/lifecycle.md)."""
        with self.engine.begin() as conn:
            processed = max(processed_before, done)
            self._fence(
                conn, lease, {"processed_records": processed, "network_bytes": network_bytes}
            )
            conn.execute(
                update(t.phases)
                .where(p.operation_id == lease.operation_id, p.position == position)
                .values(
                    records_processed=done,
                    total_records=total,
                    current_activity=activity,
                    work_fraction=fraction,
                    live=live,
                )
            )
            self._progress_events.emit(conn, lease.operation_id, lease.token)

    def complete_phase(
        self,
        lease: Lease,
        position: int,
        results: dict[str, Any],
        artifact_rows: Sequence[dict[str, Any]],
        now: datetime,
        processed_total: int,
        total_records: int | None,
        dataset_rows: Sequence[dict[str, Any]] = (),
    ) -> None:
        """Checkpoint a phase: its results and files are kept for resume and crash recovery.

        The datasets the phase wrote are listed in the same transaction; a row that exists
        already (the phase ran again under the same operation) is updated, never doubled.
        """
        with self.engine.begin() as conn:
            self._fence(conn, lease, {"processed_records": processed_total})
            conn.execute(
                update(t.phases)
                .where(p.operation_id == lease.operation_id, p.position == position)
                .values(
                    status=PhaseStatus.COMPLETED,
                    finished_at=now,
                    results=results,
                    total_records=total_records,
                    **_NO_STEP_FIGURES,
                )
            )
            if artifact_rows:
                conn.execute(insert(t.artifacts), list(artifact_rows))
            for row in dataset_rows:
                upsert_dataset(conn, row)
            emit_phase_completed(conn, lease.operation_id, position)

    def complete(
        self, lease: Lease, now: datetime, outcome: dict[str, Any] | None, usage: Usage
    ) -> None:
        """Finish the operation as Completed, with the usage measured to the end.

        Written once, by the lease holder only; the usage comes with it so that a Completed
        operation never shows none, however short it ran.
        """
        with self.engine.begin() as conn:
            lock_batches(conn, [lease.operation_id])
            run_seconds = total_run_seconds(conn, lease.operation_id, now)
            self._fence(
                conn,
                lease,
                {
                    "status": OperationStatus.COMPLETED,
                    "finished_at": now,
                    "outcome": outcome,
                    "lease_token": None,
                    "lease_expires_at": None,
                    "current_phase": None,
                    "run_seconds": run_seconds,
                    **_usage_values(usage),
                },
            )
            close_attempt(conn, lease.operation_id, now, "completed")
            emit(conn, lease.operation_id, ev.COMPLETED, {"outcome": outcome}, now)
            after_end(conn, lease.operation_id, now, self.waker)

    def fail(
        self, lease: Lease, now: datetime, failure: Failure, max_crashes: int
    ) -> datetime | None:
        """Record a failed attempt; queue the operation again or end it as Failed.

        Whether another attempt follows is decided here, on the state at write time
        (:func:`minerun.domain.failures.judge`); returns when it runs, or None when it ended.
        """
        with self.engine.begin() as conn:
            lock_batches(conn, [lease.operation_id])
            verdict, values = settle_failure(conn, lease.operation_id, failure, max_crashes, now)
            self._fence(conn, lease, values)
            if verdict.retry_at is None:
                finish_phases(conn, lease.operation_id, PhaseStatus.FAILED, now)
                emit(conn, lease.operation_id, ev.FAILED, now=now)
                after_end(conn, lease.operation_id, now, self.waker)
            else:
                reset_running_phase(conn, lease.operation_id, failure.message)
                self.waker.announce(conn)
        return verdict.retry_at

    def hand_back(self, lease: Lease, now: datetime) -> None:
        """Give the lease back (draining): another worker resumes at the first unfinished phase."""
        with self.engine.begin() as conn:
            self._fence(
                conn,
                lease,
                {
                    "status": OperationStatus.INITIATED,
                    "lease_token": None,
                    "lease_owner": None,
                    "lease_expires_at": None,
                    "run_after": now,
                    "run_seconds": total_run_seconds(conn, lease.operation_id, now),
                },
            )
            reset_running_phase(conn, lease.operation_id)
            close_attempt(conn, lease.operation_id, now, "handed-back")
            self.waker.announce(conn)
        self.waker.wake()

    def time_out(self, lease: Lease, now: datetime) -> None:
        """End the operation as Timeout (its process is killed by the caller)."""
        with self.engine.begin() as conn:
            lock_batches(conn, [lease.operation_id])
            self._fence(
                conn,
                lease,
                {
                    "status": OperationStatus.TIMEOUT,
                    "finished_at": now,
                    "lease_token": None,
                    "lease_expires_at": None,
                    "stop_mode": "force",
                    "last_error": TIMED_OUT.message,
                    "last_error_type": TIMED_OUT.type,
                    "run_seconds": total_run_seconds(conn, lease.operation_id, now),
                },
            )
            finish_phases(conn, lease.operation_id, PhaseStatus.CANCELLED, now)
            close_attempt(conn, lease.operation_id, now, "timeout", TIMED_OUT)
            emit(conn, lease.operation_id, ev.TIMEOUT, now=now)
            after_end(conn, lease.operation_id, now, self.waker)

    def record_usage(self, operation_id: str, usage: Usage) -> None:
        """Keep the last measured usage of an operation whose lease just ended."""
        with self.engine.begin() as conn:
            conn.execute(
                update(t.operations).where(o.id == operation_id).values(**_usage_values(usage))
            )

    def scope_of(self, operation_id: str) -> Scope:
        return self._operations.get(None, operation_id, details=False).scope


def _usage_values(usage: Usage) -> dict[str, Any]:
    return {
        "cpu_percent": usage.cpu_percent,
        "cpu_seconds": usage.cpu_seconds,
        "memory_bytes": usage.memory_bytes,
        "peak_memory_bytes": usage.peak_memory_bytes,
        "disk_bytes": usage.disk_bytes,
    }
