"""The events minerun publishes about operations, their payload, and who receives which.

Pure: built from domain records, no database. A payload is JSON::

    {"type": "operation.completed", "id": "msg_…", "timestamp": "2026-01-20T11:45:00Z",
     "data": {"operation": {…snapshot…}, …event fields…}}

``id`` is also the ``webhook-id`` header: it is the same on every retry of the delivery.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from minerun.domain import progress
from minerun.domain.records import Operation
from minerun.domain.statuses import OperationStatus
from minerun.domain.times import iso as iso  # re-exported: event rows in store/ use it

STARTED = "operation.started"
PROGRESS = "operation.progress"
PHASE_COMPLETED = "operation.phase.completed"
COMPLETED = "operation.completed"
FAILED = "operation.failed"
CANCELLED = "operation.cancelled"
TIMEOUT = "operation.timeout"
TEST = "webhook.test"
BATCH_STARTED = "batch.started"
BATCH_OPERATION_COMPLETED = "batch.operation.completed"
BATCH_COMPLETED = "batch.completed"
BATCH_FAILED = "batch.failed"
BATCH_CANCELLED = "batch.cancelled"

EVENT_TYPES: tuple[str, ...] = (
    STARTED,
    PROGRESS,
    PHASE_COMPLETED,
    COMPLETED,
    FAILED,
    CANCELLED,
    TIMEOUT,
)
"""Every operation event a subscription can ask for."""

BATCH_EVENT_TYPES: tuple[str, ...] = (
    BATCH_STARTED,
    BATCH_OPERATION_COMPLETED,
    BATCH_COMPLETED,
    BATCH_FAILED,
    BATCH_CANCELLED,
)
"""Every batch event a subscription can ask for (docs/batches.md)."""

# Which of a batch's callbacks hears which batch event: onBatchComplete hears the batch's end,
# whatever its outcome.
BATCH_CALLBACK_EVENTS: dict[str, tuple[str, ...]] = {
    "onBatchStart": (BATCH_STARTED,),
    "onOperationComplete": (BATCH_OPERATION_COMPLETED,),
    "onBatchComplete": (BATCH_COMPLETED, BATCH_FAILED, BATCH_CANCELLED),
}

TERMINAL_EVENTS = frozenset({COMPLETED, FAILED, CANCELLED, TIMEOUT})
"""The events that end an operation's stream (when the operation is still terminal)."""

DEFAULT_PROGRESS_INCREMENT = 5.0
"""Percentage points between two progress events when no ``minProgressIncrement`` is set."""

# Which per-operation callback hears which event; cancellations go to onCompletion, since the
# operation ended, unless the cancel request said notifyCallbacks=false.
CALLBACK_EVENTS: dict[str, tuple[str, ...]] = {
    "onProgress": (PROGRESS,),
    "onCompletion": (COMPLETED, CANCELLED),
    "onError": (FAILED, TIMEOUT),
}
# E-mail and Slack are told when an operation ends for good.
CHANNEL_EVENTS = frozenset({COMPLETED, FAILED, TIMEOUT})


@dataclass(frozen=True, slots=True)
class Subscription:
    """What routing needs of a webhook subscription."""

    id: str
    events: tuple[str, ...]
    operation_types: tuple[str, ...]
    priorities: tuple[str, ...]
    min_progress_increment: float

    @classmethod
    def from_json(
        cls, subscription_id: str, events: Sequence[str], filters: Mapping[str, Any]
    ) -> Subscription:
        increment = filters.get("minProgressIncrement")
        return cls(
            id=subscription_id,
            events=tuple(events),
            operation_types=tuple(filters.get("operationTypes") or ()),
            priorities=tuple(filters.get("priorities") or ()),
            min_progress_increment=float(
                DEFAULT_PROGRESS_INCREMENT if increment is None else increment
            ),
        )

    def wants(self, event_type: str, operation_type: str | None, priority: str | None) -> bool:
        """Whether this subscription receives ``event_type`` about such an operation.

        A batch-wide event (no operation: None for both) is filtered by its type only.
        """
        if event_type not in self.events:
            return False
        if operation_type is None and priority is None:
            return True
        if self.operation_types and operation_type not in self.operation_types:
            return False
        return not self.priorities or priority in self.priorities


@dataclass(frozen=True, slots=True)
class Target:
    """Where one event goes: a subscription, a callback URL, e-mail or Slack."""

    kind: str
    key: str
    subscription_id: str | None = None
    url: str | None = None
    increment: float = DEFAULT_PROGRESS_INCREMENT


STREAM_PROGRESS_INCREMENT = 1.0
"""Percentage points between two progress events kept for the event stream."""

STREAM_TARGET = Target("stream", "stream", increment=STREAM_PROGRESS_INCREMENT)
"""The event stream: every event of every operation is kept for it, whoever listens."""


def callback_targets(
    event_type: str,
    callbacks: Mapping[str, Any] | None,
    routing: Mapping[str, tuple[str, ...]] = CALLBACK_EVENTS,
) -> list[Target]:
    """The callback URLs (an operation's, or a batch's with ``BATCH_CALLBACK_EVENTS``) that
    hear ``event_type``."""
    targets = []
    for name, heard in routing.items():
        url = (callbacks or {}).get(name)
        if url and event_type in heard:
            targets.append(Target("callback", f"cb-{_digest(str(url))}", url=str(url)))
    return targets


def channel_targets(event_type: str, notifications: Mapping[str, Any] | None) -> list[Target]:
    """E-mail and Slack targets of an operation's ``notifications`` for ``event_type``."""
    if event_type not in CHANNEL_EVENTS or not notifications:
        return []
    targets = []
    if notifications.get("email"):
        targets.append(Target("email", "email"))
    if notifications.get("slack"):
        targets.append(Target("slack", "slack"))
    return targets


def crossed(last: float | None, current: float, increment: float) -> bool:
    """Whether progress moved far enough since the last event sent to a target.

    The first progress event goes out at once; later ones when the percentage grew by at
    least ``increment`` points, and always at 100 %.
    """
    if last is None:
        return True
    if current >= 100.0 > last:
        return True
    return current - last >= increment if increment > 0 else current > last


def snapshot(operation: Operation) -> dict[str, Any]:
    """The operation as an event shows it: identity, status and progress."""
    current = progress.current_phase(operation)
    failed = operation.status in (OperationStatus.FAILED, OperationStatus.TIMEOUT)
    return {
        "operationId": operation.id,
        "operationType": operation.operation_type,
        "operationName": operation.operation_name,
        "status": operation.status.value,
        "priority": operation.priority.value,
        "tenantId": operation.scope.tenant_id,
        "projectId": operation.scope.project_id,
        "progress": {
            "percentage": round(progress.percentage(operation.status, operation.phases), 2),
            "currentPhase": current.name if current else None,
            "phasesCompleted": operation.completed_phases,
            "totalPhases": len(operation.phases),
        },
        "processedRecords": operation.processed_records,
        "totalRecords": operation.total_records,
        "dateCreated": iso(operation.created_at),
        "startTime": iso(operation.started_at),
        "endTime": iso(operation.finished_at),
        "error": operation.last_error if failed else None,
        "errorType": operation.last_error_type if failed else None,
    }


def payload(
    event_type: str, message_id: str, moment: datetime, data: Mapping[str, Any]
) -> dict[str, Any]:
    """The JSON document of one event."""
    return {"type": event_type, "id": message_id, "timestamp": iso(moment), "data": dict(data)}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]
