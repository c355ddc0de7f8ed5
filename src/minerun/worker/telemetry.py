"""What a worker tells operators about the operations it runs: log lines and metrics.

Each lifecycle moment is logged once, with the fields a collector filters on
(``operationId``, ``executionId``, ``workerNode``, ``attempt``, ``kind``) and counted in
:mod:`minerun.metrics`.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from minerun.domain.records import Operation
from minerun.domain.statuses import PhaseStatus
from minerun.metrics import (
    CLAIMS,
    LEASE_RENEWALS,
    LEASES_LOST,
    PHASE_SECONDS,
    PICKUP_SECONDS,
    TAKEOVERS,
    TIMEOUTS,
)
from minerun.store.queue import Lease

log = logging.getLogger("minerun.worker")


def lease_fields(lease: Lease, worker: str) -> dict[str, Any]:
    return {
        "operationId": lease.operation_id,
        "executionId": lease.execution_id,
        "workerNode": worker,
        "attempt": lease.attempt,
        "kind": lease.operation_type,
    }


def claimed(lease: Lease, worker: str, now: datetime) -> None:
    CLAIMS.labels(lease.operation_type).inc()
    waited = None
    if lease.ready_at is not None:
        waited = max(0.0, (now - lease.ready_at).total_seconds())
        PICKUP_SECONDS.labels(lease.operation_type).observe(waited)
    log.info(
        "claimed %s",
        lease.operation_id,
        extra={**lease_fields(lease, worker), "event": "claimed", "waitedSeconds": waited},
    )


def ended(
    lease: Lease, worker: str, outcome: str, operation: Operation | None, since: datetime | None
) -> None:
    """The slot finished ``lease`` with ``outcome``; the phases it completed (started since the
    claim at ``since``, not reused from an earlier run) are timed."""
    ran = []
    if operation is not None:
        for phase in operation.phases:
            start, end = phase.started_at, phase.finished_at
            if phase.status is not PhaseStatus.COMPLETED or start is None or end is None:
                continue
            if since is None or start < since:
                continue
            if phase.reused_from:
                continue
            seconds = max(0.0, (end - start).total_seconds())
            PHASE_SECONDS.labels(lease.operation_type, phase.name).observe(seconds)
            ran.append(phase.name)
    status = operation.status.value if operation is not None else None
    log.info(
        "%s ended: %s",
        lease.operation_id,
        outcome,
        extra={
            **lease_fields(lease, worker),
            "event": "ended",
            "outcome": outcome,
            "status": status,
            "phasesRun": ran,
        },
    )


def renewed(count: int) -> None:
    LEASE_RENEWALS.inc(count)


def lost(lease: Lease, worker: str, status: str | None) -> None:
    LEASES_LOST.inc()
    log.info(
        "lease of %s is gone (%s)",
        lease.operation_id,
        status or "operation removed",
        extra={**lease_fields(lease, worker), "event": "lease-lost", "status": status},
    )


def timed_out(lease: Lease, worker: str) -> None:
    TIMEOUTS.inc()
    log.info(
        "%s timed out",
        lease.operation_id,
        extra={**lease_fields(lease, worker), "event": "timeout"},
    )


def took_over(operation_ids: list[str], worker: str) -> None:
    TAKEOVERS.inc(len(operation_ids))
    for operation_id in operation_ids:
        log.warning(
            "took over %s from a stopped worker",
            operation_id,
            extra={"operationId": operation_id, "workerNode": worker, "event": "takeover"},
        )
