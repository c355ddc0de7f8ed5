"""How operations are shown: the spec's fields, human strings beside machine ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from minerun.api import links
from minerun.domain.estimates import DurationEstimate, Queue, Timing
from minerun.domain.humanize import (
    duration_text,
    money_text,
    range_text,
    rate_text,
    size_text,
)
from minerun.domain.progress import Progress, phase_fraction, progress_of, timing_of
from minerun.domain.records import Artifact, Operation, Phase
from minerun.domain.statuses import TERMINAL, OperationStatus, PhaseStatus
from minerun.domain.times import iso
from minerun.store.webhooks import OperationNotices


@dataclass(frozen=True, slots=True)
class Links:
    """Builds the URLs the answers carry."""

    base_url: str
    secret: str
    lifetime: int

    def operation_path(self, op: Operation) -> str:
        return f"/api/{op.scope.tenant_id}/{op.scope.project_id}/async/operation/{op.id}"

    def artifact(self, op: Operation, artifact: Artifact) -> str:
        path = f"{self.operation_path(op)}/artifacts/{artifact.id}"
        return f"{self.base_url}{path}?{links.signed_query(self.secret, path, self.lifetime)}"

    def download(self, op: Operation) -> str:
        path = f"{self.operation_path(op)}/results"
        return f"{self.base_url}{path}?format=download"


def _estimate(op: Operation) -> DurationEstimate:
    return DurationEstimate.from_json(op.estimate)


def resources_view(op: Operation) -> dict[str, Any]:
    return {
        "cpuUnits": op.resources["cpuUnits"],
        "memoryGB": op.resources["memoryGB"],
        "estimatedCost": money_text(op.resources["estimatedCost"]),
        "estimatedCostAmount": op.resources["estimatedCost"],
    }


def start_view(
    op: Operation, links_: Links, webhooks: int, queue: Queue | None = None
) -> dict[str, Any]:
    estimate = _estimate(op)
    now = datetime.now(UTC)
    return {
        "operationId": op.id,
        "operationType": op.operation_type,
        "operationName": op.operation_name,
        "status": op.status.value,
        "estimatedDuration": range_text(estimate.low_seconds, estimate.high_seconds),
        "estimatedDurationSeconds": estimate.to_json(),
        "estimatedCompletion": iso(_completion(op, queue, now)),
        "trackingUrl": links_.operation_path(op),
        "webhooksRegistered": webhooks,
        "priority": op.priority.value,
        "dateCreated": iso(op.created_at),
        "timeoutAt": iso(op.timeout_at),
        "resourcesAllocated": resources_view(op),
    }


def _completion(op: Operation, queue: Queue | None, now: datetime) -> datetime | None:
    """When a new operation should end: after the queue ahead of it, then its own run."""
    return _at(now, timing_of(op, progress_of(op, now), queue, now).completion_in)


def _at(now: datetime, seconds: float | None) -> datetime | None:
    return None if seconds is None else now + timedelta(seconds=seconds)


def progress_view(
    progress: Progress, timing: Timing, op: Operation, now: datetime
) -> dict[str, Any]:
    left = timing.remaining
    wait = timing.start_in or 0.0  # a queued operation's time left includes its wait
    return {
        "percentage": round(progress.percentage),
        "percentageExact": round(progress.percentage, 2),
        "currentPhase": progress.current_phase,
        "phasesCompleted": progress.phases_completed,
        "totalPhases": progress.total_phases,
        "startTime": iso(op.started_at),
        "elapsedTime": duration_text(progress.elapsed_seconds),
        "elapsedSeconds": round(progress.elapsed_seconds, 3),
        "estimatedRemaining": None
        if left is None
        else range_text(wait + left.low_seconds, wait + left.high_seconds),
        "estimatedRemainingSeconds": _round(timing.completion_in),
        "estimatedStart": iso(_at(now, timing.start_in)),
        "estimatedCompletion": iso(_at(now, timing.completion_in)),
        "estimateBasis": None if left is None else left.basis,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def execution_view(op: Operation, progress: Progress) -> dict[str, Any] | None:
    if op.execution_id is None:
        return None
    seconds = progress.elapsed_seconds
    return {
        "executionId": op.execution_id,
        "workerNode": op.lease_owner,
        "resourceUsage": {
            "cpuUsage": op.cpu_percent,
            "memoryUsage": _size(op.memory_bytes),
            "memoryBytes": op.memory_bytes,
            "peakMemoryBytes": op.peak_memory_bytes,
            "diskUsage": _size(op.disk_bytes),
            "diskBytes": op.disk_bytes,
            "networkIO": _size(op.network_bytes),
            "networkBytes": op.network_bytes,
            "cpuSeconds": round(op.cpu_seconds, 3),
        },
        "processedRecords": op.processed_records,
        "totalRecords": op.total_records,
        "processingRate": rate_text(op.processed_records, seconds),
        "processingRatePerSecond": round(op.processed_records / seconds, 3) if seconds else None,
    }


def _size(value: int | None) -> str | None:
    return None if value is None else size_text(value)


def phase_view(phase: Phase, op: Operation, timing: Timing, now: datetime) -> dict[str, Any]:
    view: dict[str, Any] = {"phaseName": phase.name, "status": phase.status.value}
    if phase.started_at is not None:
        view["startTime"] = iso(phase.started_at)
    if phase.finished_at is not None:
        view["endTime"] = iso(phase.finished_at)
    if phase.started_at and phase.finished_at:
        seconds = (phase.finished_at - phase.started_at).total_seconds()
        view["duration"] = duration_text(seconds)
        view["durationSeconds"] = round(seconds, 3)
    if phase.status is PhaseStatus.COMPLETED:
        view["recordsProcessed"] = phase.records_processed
        view["results"] = phase.results
        if phase.reused_from:
            view["reusedFrom"] = phase.reused_from
    elif phase.status is PhaseStatus.RUNNING:
        view["progress"] = round(100 * phase_fraction(phase))
        view["recordsProcessed"] = phase.records_processed
        view["totalRecords"] = phase.total_records
        view["currentActivity"] = phase.current_activity
        view.update(phase.live or {})
    elif phase.status is PhaseStatus.PENDING and op.status not in TERMINAL:
        view.update(_pending_estimate(phase, op, timing, now))
    if phase.error:
        view["error"] = phase.error
    return view


def _pending_estimate(phase: Phase, op: Operation, timing: Timing, now: datetime) -> dict[str, Any]:
    """When a pending phase should start and how long it should take: the operation's time
    left shared out by the weight of work left in each phase."""
    left = timing.remaining
    if left is None:
        return {"estimatedStartTime": None, "estimatedDuration": None}
    work = [p.weight * (1.0 - phase_fraction(p)) for p in op.phases]
    total = sum(work) or 1.0
    before = sum(work[: phase.position]) / total
    share = work[phase.position] / total
    start_in = (timing.start_in or 0.0) + before * left.expected_seconds
    return {
        "estimatedStartTime": iso(now + timedelta(seconds=start_in)),
        "estimatedDuration": range_text(left.low_seconds * share, left.high_seconds * share),
    }


def callbacks_view(notices: OperationNotices | None) -> dict[str, Any]:
    """Counted from the outbox: callbacks delivered (progress ones apart) and given up."""
    if notices is None:
        notices = OperationNotices(0, None, 0, 0, [])
    return {
        "progressCallbacksSent": notices.progress_sent,
        "lastProgressCallback": iso(notices.last_progress),
        "callbacksSuccessful": notices.successful,
        "callbacksFailed": notices.failed,
    }


def notifications_view(op: Operation, notices: OperationNotices | None) -> dict[str, Any] | None:
    """What was asked (e-mail, Slack) and what became of each message: sent, failed, skipped."""
    if not op.notifications:
        return None
    asked = op.notifications
    return {
        "email": asked.get("email") or [],
        "slack": asked.get("slack"),
        "deliveries": notices.channels if notices else [],
    }


def status_view(
    op: Operation,
    now: datetime | None = None,
    notices: OperationNotices | None = None,
    queue: Queue | None = None,
) -> dict[str, Any]:
    """The status answer; ``queue`` is needed for the start estimate of a queued operation."""
    now = now or datetime.now(UTC)
    progress = progress_of(op, now)
    timing = timing_of(op, progress, queue, now)
    view: dict[str, Any] = {
        "operationId": op.id,
        "operationType": op.operation_type,
        "operationName": op.operation_name,
        "operationDescription": op.operation_description,
        "status": op.status.value,
        "progress": progress_view(progress, timing, op, now),
        "execution": execution_view(op, progress),
        "phases": [phase_view(p, op, timing, now) for p in op.phases],
        "callbacks": callbacks_view(notices),
        "notifications": notifications_view(op, notices),
        "dateCreated": iso(op.created_at),
        "timeoutAt": iso(op.timeout_at),
        "endTime": iso(op.finished_at),
        "priority": op.priority.value,
        "attempts": len(op.attempts),
        "failures": op.failures,
        "attemptHistory": [
            {
                "attempt": a.number,
                "executionId": a.execution_id,
                "workerNode": a.worker,
                "startTime": iso(a.started_at),
                "endTime": iso(a.ended_at),
                "outcome": a.outcome,
                "error": a.error,
                "errorType": a.error_type,
            }
            for a in op.attempts
        ],
        "nextAttemptAt": iso(op.run_after)
        if op.failures and op.status is OperationStatus.INITIATED
        else None,
        "lastError": op.last_error,
        "lastErrorType": op.last_error_type,
        "retryOf": op.retry_of,
        "retryNumber": op.retry_number or None,
        "batchId": op.batch_id,
        "operationKey": op.operation_key,
    }
    if op.cancellation:
        view["cancellation"] = op.cancellation
    return view


def list_item(op: Operation, now: datetime, queue: Queue | None = None) -> dict[str, Any]:
    progress = progress_of(op, now)
    item: dict[str, Any] = {
        "operationId": op.id,
        "operationType": op.operation_type,
        "operationName": op.operation_name,
        "status": op.status.value,
        "progress": round(progress.percentage),
        "priority": op.priority.value,
        "dateCreated": iso(op.created_at),
        "startTime": iso(op.started_at),
        "batchId": op.batch_id,
        "operationKey": op.operation_key,
    }
    if op.status in TERMINAL:
        item["endTime"] = iso(op.finished_at)
        item["duration"] = duration_text(progress.elapsed_seconds)
        item["durationSeconds"] = round(progress.elapsed_seconds, 3)
        item["recordsProcessed"] = op.processed_records
    else:
        item["estimatedCompletion"] = iso(
            _at(now, timing_of(op, progress, queue, now).completion_in)
        )
        item["currentPhase"] = progress.current_phase
        item["resourceUsage"] = {"cpuUsage": op.cpu_percent, "memoryUsage": _size(op.memory_bytes)}
    return item


def cancel_view(op: Operation, links_: Links) -> dict[str, Any]:
    c = op.cancellation or {}
    completed = op.completed_phases
    available = bool(c.get("preservePartialResults")) and completed > 0
    return {
        "operationId": op.id,
        "status": op.status.value,
        "cancellationTime": iso(op.finished_at),
        "reason": c.get("reason"),
        "progressAtCancellation": c.get("progressAtCancellation"),
        "phaseAtCancellation": c.get("phaseAtCancellation"),
        "partialResults": {
            "available": available,
            "completedPhases": completed,
            "downloadUrls": [links_.download(op)] if available else [],
        },
        "resourcesReleased": {
            "cpuUnits": op.resources["cpuUnits"],
            "memoryGB": op.resources["memoryGB"],
            "costSaved": money_text(c.get("costSaved", 0.0)),
            "costSavedAmount": c.get("costSaved", 0.0),
        },
        "forceTermination": c.get("forceTermination", False),
        "cancelledBy": c.get("cancelledBy"),
    }


def retry_view(original: Operation, new: Operation, queue: Queue | None = None) -> dict[str, Any]:
    info = new.retry_info or {}
    estimate = _estimate(new)
    return {
        "originalOperationId": original.id,
        "newOperationId": new.id,
        "retryMode": info.get("retryMode"),
        "retryReason": info.get("retryReason"),
        "retryNumber": new.retry_number,
        "resumeFromPhase": info.get("resumeFromPhase"),
        "status": new.status.value,
        "estimatedDuration": range_text(estimate.low_seconds, estimate.high_seconds),
        "estimatedCompletion": iso(_completion(new, queue, datetime.now(UTC))),
        "preservedResults": {
            "phasesPreserved": info.get("phasesPreserved", 0),
            "phasesReused": info.get("phasesReused", []),
            "phasesRerun": info.get("phasesRerun", []),
            "recordsProcessed": info.get("recordsProcessed", 0),
            "progressSaved": info.get("progressSaved", 0),
        },
        "resourcesAllocated": resources_view(new),
        "priority": new.priority.value,
        "timeoutAt": iso(new.timeout_at),
        "trackingUrl": (
            f"/api/{new.scope.tenant_id}/{new.scope.project_id}/async/operation/{new.id}"
        ),
        "retryAttemptDate": iso(new.created_at),
    }
