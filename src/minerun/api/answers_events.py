"""The events minerun POSTs to subscribers, as models for the ``webhooks:`` of the document.

They describe the payloads ``notify/events.py`` builds (the envelope and the operation
snapshot) with the data each event type adds (``store/outbox.py``, ``store/queue.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from minerun.api.answers import Answer
from minerun.domain.priority import Priority
from minerun.domain.statuses import OperationStatus

SIGNATURE_HEADERS = {
    "webhook-id": "The event's id, the same on every retry of it: use it to drop duplicates.",
    "webhook-timestamp": "When this attempt was signed, in integer Unix seconds.",
    "webhook-signature": "Space-separated 'v1,<base64>' HMAC-SHA256 signatures of "
    "'{webhook-id}.{webhook-timestamp}.{raw body}' (one per valid secret while rotating).",
}


class EventProgress(Answer):
    percentage: float
    current_phase: str | None
    phases_completed: int
    total_phases: int


class OperationSnapshot(Answer):
    """The operation when the event was written."""

    operation_id: str
    operation_type: str
    operation_name: str
    status: OperationStatus
    priority: Priority
    tenant_id: str
    project_id: str
    progress: EventProgress
    processed_records: int
    total_records: int | None
    date_created: datetime
    start_time: datetime | None
    end_time: datetime | None
    error: str | None = Field(description="Why it failed or timed out; null otherwise")
    error_type: str | None


class OperationData(Answer):
    operation: OperationSnapshot


class PhaseSnapshot(Answer):
    phase_name: str
    position: int = Field(description="0-based place of the phase in the operation")
    records_processed: int
    start_time: datetime | None
    end_time: datetime | None


class PhaseData(OperationData):
    phase: PhaseSnapshot


class OutcomeData(OperationData):
    outcome: dict[str, Any] | None = Field(description="The kind's summary of the run")


class CancellationData(OperationData):
    cancellation: dict[str, Any] = Field(
        description="Reason, who cancelled, progress and phase at cancellation"
    )


class Envelope(Answer):
    id: str = Field(description="Equal to the webhook-id header")
    timestamp: datetime


class StartedEvent(Envelope):
    type: Literal["operation.started"]
    data: OperationData


class ProgressEvent(Envelope):
    type: Literal["operation.progress"]
    data: OperationData


class PhaseCompletedEvent(Envelope):
    type: Literal["operation.phase.completed"]
    data: PhaseData


class CompletedEvent(Envelope):
    type: Literal["operation.completed"]
    data: OutcomeData


class FailedEvent(Envelope):
    type: Literal["operation.failed"]
    data: OperationData


class CancelledEvent(Envelope):
    type: Literal["operation.cancelled"]
    data: CancellationData


class TimeoutEvent(Envelope):
    type: Literal["operation.timeout"]
    data: OperationData


class PingData(Answer):
    webhook_id: str


class PingEvent(Envelope):
    type: Literal["webhook.test"]
    data: PingData


EVENTS: dict[str, tuple[type[Envelope], str]] = {
    "operation.started": (StartedEvent, "The first time a worker claims the operation."),
    "operation.progress": (
        ProgressEvent,
        "Progress moved by at least the subscription's minProgressIncrement points "
        "(default 5) since the last event sent to it, and at 100 %.",
    ),
    "operation.phase.completed": (PhaseCompletedEvent, "A phase was checkpointed."),
    "operation.completed": (CompletedEvent, "The operation finished successfully."),
    "operation.failed": (
        FailedEvent,
        "The operation failed for good (not on an attempt retried automatically).",
    ),
    "operation.cancelled": (CancelledEvent, "The operation was cancelled."),
    "operation.timeout": (TimeoutEvent, "The operation was ended by its timeout."),
    "webhook.test": (PingEvent, "A ping sent by POST …/webhooks/{webhookId}/test."),
}
"""Every event, its payload model and when it is sent."""
