"""How batches are shown: the contract's fields, live statuses, progress and the plan."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from minerun.domain import batches as rules
from minerun.domain.estimates import DurationEstimate
from minerun.domain.humanize import range_text
from minerun.domain.progress import percentage
from minerun.domain.records import Operation
from minerun.domain.statuses import TERMINAL, OperationStatus
from minerun.domain.times import iso
from minerun.store.batches import Batch


def batch_path(batch: Batch) -> str:
    return f"/api/{batch.scope.tenant_id}/{batch.scope.project_id}/async/batch/{batch.id}"


def live_status(batch: Batch) -> rules.BatchStatus:
    """The batch's status from its operations' statuses now (docs/batches.md)."""
    ops = [op for _, op in batch.operations]
    started = any(op.started_at is not None for op in ops)
    return rules.batch_status([op.status for op in ops], started, batch.cancellation is not None)


def live_percentage(batch: Batch) -> float:
    """Progress over all operations, each weighted by its expected duration."""
    return rules.batch_percentage(
        (
            DurationEstimate.from_json(op.estimate).expected_seconds,
            percentage(op.status, op.phases),
        )
        for _, op in batch.operations
    )


def _plan(batch: Batch) -> dict[str, Any]:
    plan = batch.estimate
    return {
        "estimatedBatchDuration": range_text(plan["lowSeconds"], plan["highSeconds"]),
        "estimatedBatchDurationSeconds": {
            "lowSeconds": plan["lowSeconds"],
            "expectedSeconds": plan["expectedSeconds"],
            "highSeconds": plan["highSeconds"],
            "basis": "critical-path",
        },
        "estimatedBatchCompletion": iso(_after(batch.created_at, plan["expectedSeconds"])),
        "criticalPath": plan["criticalPath"],
    }


def _after(moment: datetime, seconds: float) -> datetime:
    return moment + timedelta(seconds=seconds)


def _operation(batch: Batch, key: str, op: Operation) -> dict[str, Any]:
    estimate = DurationEstimate.from_json(op.estimate)
    offset = batch.estimate["startOffsets"].get(key, 0.0)
    return {
        "operationKey": key,
        "operationId": op.id,
        "operationType": op.operation_type,
        "operationName": op.operation_name,
        "status": op.status.value,
        "dependencies": list((batch.dependencies or {}).get(key, ())),
        "estimatedDuration": range_text(estimate.low_seconds, estimate.high_seconds),
        "estimatedStartTime": iso(_after(batch.created_at, offset)),
    }


def submitted_view(batch: Batch) -> dict[str, Any]:
    """The answer to a batch submission."""
    return {
        "batchId": batch.id,
        "batchName": batch.name,
        "batchDescription": batch.description,
        "status": live_status(batch).value,
        "operations": [_operation(batch, key, op) for key, op in batch.operations],
        "totalOperations": len(batch.operations),
        **_plan(batch),
        "batchStartTime": iso(batch.created_at),
        "failurePolicy": batch.failure_policy,
        "trackingUrl": batch_path(batch),
    }


def _counts(batch: Batch) -> dict[str, int]:
    counts = {s.value.lower(): 0 for s in OperationStatus}
    for _, op in batch.operations:
        counts[op.status.value.lower()] += 1
    return counts


def batch_view(batch: Batch) -> dict[str, Any]:
    """The status of a batch: live status, progress, every operation, the plan."""
    value = live_percentage(batch)
    operations = []
    for key, op in batch.operations:
        item = _operation(batch, key, op)
        item.update(
            progress=round(percentage(op.status, op.phases), 2),
            startTime=iso(op.started_at),
            endTime=iso(op.finished_at),
            lastError=op.last_error if op.status in TERMINAL else None,
            cancellationReason=(op.cancellation or {}).get("reason"),
            retryOf=op.retry_of,
        )
        operations.append(item)
    return {
        "batchId": batch.id,
        "batchName": batch.name,
        "batchDescription": batch.description,
        "status": live_status(batch).value,
        "progress": {
            "percentage": round(value),
            "percentageExact": round(value, 2),
            "operations": _counts(batch),
        },
        "operations": operations,
        "totalOperations": len(batch.operations),
        **_plan(batch),
        "batchStartTime": iso(batch.created_at),
        "endTime": iso(batch.finished_at),
        "failurePolicy": batch.failure_policy,
        "batchCallbacks": batch.callbacks,
        "cancellation": batch.cancellation,
        "retries": batch.retries,
        "trackingUrl": batch_path(batch),
    }


def batch_item(batch: Batch) -> dict[str, Any]:
    """A batch in the list."""
    value = live_percentage(batch)
    return {
        "batchId": batch.id,
        "batchName": batch.name,
        "status": live_status(batch).value,
        "progress": round(value),
        "totalOperations": len(batch.operations),
        "operations": _counts(batch),
        "batchStartTime": iso(batch.created_at),
        "endTime": iso(batch.finished_at),
        "trackingUrl": batch_path(batch),
    }
