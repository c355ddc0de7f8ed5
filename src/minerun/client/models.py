"""Typed answers of the API. Field names are Python's; the API's camelCase names are aliases.

Every model keeps fields it does not declare (``extra="allow"``): a newer server may add
fields, and ``model.model_extra`` (or ``model.model_dump(by_alias=True)``) still holds them.
Nested objects the client does not interpret are kept as plain dictionaries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr
from pydantic.alias_generators import to_camel

TERMINAL = frozenset({"Completed", "Failed", "Cancelled", "Timeout"})


class Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")


class Dataset(Model):
    dataset_id: str
    dataset_name: str
    format: str | None = None
    original_filename: str | None = None
    case_count: int | None = None
    event_count: int | None = None
    activity_count: int | None = None
    resource_count: int | None = None
    has_start_timestamps: bool | None = None
    time_range: dict[str, Any] | None = None
    data_quality_score: float | None = None
    rows_total: int | None = None
    skipped_rows_count: int | None = None
    mapping: dict[str, Any] | None = None
    size_bytes: int | None = None
    created_at: datetime | None = None


class OperationStarted(Model):
    """The answer to a start (202)."""

    operation_id: str
    operation_type: str
    operation_name: str | None = None
    status: str
    estimated_duration: str | None = None
    estimated_completion: datetime | None = None
    tracking_url: str | None = None
    webhooks_registered: int | None = None
    priority: str | None = None
    date_created: datetime | None = None
    timeout_at: datetime | None = None
    resources_allocated: dict[str, Any] = Field(default_factory=dict)


class Progress(Model):
    percentage: int = 0
    percentage_exact: float | None = None
    current_phase: str | None = None
    phases_completed: int = 0
    total_phases: int = 0
    start_time: datetime | None = None
    elapsed_seconds: float | None = None
    estimated_remaining_seconds: float | None = None
    estimated_start: datetime | None = None
    estimated_completion: datetime | None = None


class Execution(Model):
    execution_id: str | None = None
    worker_node: str | None = None
    processed_records: int | None = None
    total_records: int | None = None
    processing_rate_per_second: float | None = None
    resource_usage: dict[str, Any] = Field(default_factory=dict)


class Phase(Model):
    phase_name: str
    status: str
    records_processed: int | None = None


class OperationStatus(Model):
    """One operation as ``GET …/operation/{id}`` shows it."""

    operation_id: str
    operation_type: str
    operation_name: str | None = None
    operation_description: str | None = None
    status: str
    progress: Progress = Field(default_factory=Progress)
    execution: Execution | None = None  # None until a worker has run it
    phases: list[Phase] = Field(default_factory=list)
    callbacks: dict[str, Any] = Field(default_factory=dict)
    date_created: datetime | None = None
    timeout_at: datetime | None = None
    end_time: datetime | None = None
    priority: str | None = None
    attempts: int | None = None
    last_error: str | None = None
    last_error_type: str | None = None
    retry_of: str | None = None
    # The answer's Retry-After, a hint for the next poll (not a field of the body).
    _retry_after: float | None = PrivateAttr(default=None)

    @property
    def terminal(self) -> bool:
        """True once the operation has finished (it will not change any more)."""
        return self.status in TERMINAL


class OperationItem(Model):
    """One operation in a list (without ``includeDetails``)."""

    operation_id: str
    operation_type: str
    operation_name: str | None = None
    status: str
    progress: int = 0
    priority: str | None = None
    date_created: datetime | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None


class Page(Model):
    page: int
    page_size: int
    has_next_page: bool


class OperationPage(Page):
    operations: list[OperationItem]
    summary: dict[str, int] = Field(default_factory=dict)


class DetailedOperationPage(Page):
    operations: list[OperationStatus]
    summary: dict[str, int] = Field(default_factory=dict)


class DatasetPage(Page):
    datasets: list[Dataset]
    total_datasets: int | None = None


class Cancellation(Model):
    operation_id: str
    status: str
    cancellation_time: datetime | None = None
    reason: str | None = None
    progress_at_cancellation: float | None = None
    phase_at_cancellation: str | None = None
    partial_results: dict[str, Any] = Field(default_factory=dict)
    force_termination: bool | None = None
    cancelled_by: str | None = None


class RetryStarted(Model):
    original_operation_id: str
    new_operation_id: str
    retry_mode: str | None = None
    retry_number: int | None = None
    resume_from_phase: str | None = None
    status: str
    estimated_completion: datetime | None = None
    preserved_results: dict[str, Any] | None = None


class Artifact(Model):
    artifact_id: str
    name: str
    type: str | None = None
    format: str | None = None
    size_bytes: int | None = None
    download_url: str | None = None
    description: str | None = None
    phase_name: str | None = None


class PhaseResult(Model):
    phase_name: str
    status: str
    results: dict[str, Any] | None = None


class Results(Model):
    """``GET …/results`` as JSON (``summary`` or ``detailed``, or one phase)."""

    operation_id: str
    operation_type: str | None = None
    operation_name: str | None = None
    status: str
    completion_time: datetime | None = None
    total_duration_seconds: float | None = None
    success: bool
    summary: dict[str, Any] = Field(default_factory=dict)
    phase_results: list[PhaseResult] = Field(default_factory=list)
    artifacts: list[Artifact] = Field(default_factory=list)
    performance: dict[str, Any] = Field(default_factory=dict)
    recommendations: list[Any] = Field(default_factory=list)


class Delivery(Model):
    delivery_id: str
    event_id: str | None = None
    event_type: str | None = None
    operation_id: str | None = None
    attempt: int | None = None
    attempted_at: datetime | None = None
    success: bool | None = None
    status_code: int | None = None
    latency_ms: float | None = None
    error: str | None = None
    next_retry_at: datetime | None = None
    event_status: str | None = None


class Webhook(Model):
    webhook_id: str
    webhook_url: str
    webhook_name: str | None = None
    status: str
    status_reason: str | None = None
    events_subscribed: list[str] = Field(default_factory=list)
    filters: dict[str, Any] = Field(default_factory=dict)
    retry_policy: dict[str, Any] | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    authentication: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    last_delivery: Delivery | None = None
    delivery_stats: dict[str, Any] = Field(default_factory=dict)

    @property
    def secret(self) -> str | None:
        """The signing secret: present only in the answer to a create or a rotation."""
        value = self.authentication.get("secret")
        return value if isinstance(value, str) else None


class WebhookPage(Page):
    webhooks: list[Webhook]
    total: int | None = None


class DeliveryPage(Page):
    webhook_id: str
    deliveries: list[Delivery]


class WebhookPing(Model):
    """The answer to a test ping or a redelivery: what was queued."""

    webhook_id: str
    event_id: str | None = None
    event_type: str | None = None
    delivery_id: str | None = None
