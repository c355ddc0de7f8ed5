"""What the operation, dataset and health endpoints answer, as models for the OpenAPI document.

They describe the JSON the views build (``views.py``, ``results.py``, ``routes/datasets.py``);
routes declare them with ``responses=`` and keep returning those views, so that declaring a
model never filters or reorders an answer (see docs/design-notes.md). A field with a default
is one an answer may leave out; a field typed ``... | None`` without one is always sent,
possibly null. Human strings ("45-75 seconds") sit beside their machine twins
(``...Seconds``, ``...Bytes``, ``...Amount``), both documented.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from minerun.domain.priority import Priority
from minerun.domain.statuses import OperationStatus, PhaseStatus


class Answer(BaseModel):
    """Fields named as the contract names them (camelCase)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


# -- operations: start -----------------------------------------------------------------------


class DurationSeconds(Answer):
    """A duration estimate in seconds: its range, the expected value and what it rests on."""

    low_seconds: float
    expected_seconds: float
    high_seconds: float
    basis: str = Field(description="'default', 'history' (past runs of this kind) or similar")
    samples: int = Field(description="Past runs the estimate is drawn from")


class ResourcesAllocated(Answer):
    cpu_units: float
    memory_gb: float = Field(alias="memoryGB")
    estimated_cost: str = Field(description="The cost of the estimated run, e.g. '$0.002'")
    estimated_cost_amount: float = Field(description="The same cost as a number (USD)")


class StartedOperation(Answer):
    """The answer to a start: the operation is committed and queued."""

    operation_id: str
    operation_type: str
    operation_name: str
    status: OperationStatus
    estimated_duration: str = Field(description="The expected range, e.g. '45-75 seconds'")
    estimated_duration_seconds: DurationSeconds
    estimated_completion: datetime | None = Field(
        description="null while no worker slot is known to take it"
    )
    tracking_url: str = Field(description="The path of the status endpoint")
    webhooks_registered: int = Field(description="Subscriptions and callbacks this run notifies")
    priority: Priority
    date_created: datetime
    timeout_at: datetime
    resources_allocated: ResourcesAllocated


# -- operations: status ----------------------------------------------------------------------


class ProgressState(Answer):
    percentage: int = Field(description="Whole percent of the work done (0-100)")
    percentage_exact: float
    current_phase: str | None
    phases_completed: int
    total_phases: int
    start_time: datetime | None
    elapsed_time: str
    elapsed_seconds: float
    estimated_remaining: str | None
    estimated_remaining_seconds: float | None
    estimated_start: datetime | None = Field(description="When a queued operation should start")
    estimated_completion: datetime | None
    estimate_basis: str | None


class ResourceUsage(Answer):
    """Measured by the worker; null until a first measurement."""

    cpu_usage: float | None = Field(description="Percent of one CPU")
    memory_usage: str | None
    memory_bytes: int | None
    peak_memory_bytes: int | None
    disk_usage: str | None
    disk_bytes: int | None
    network_io: str | None = Field(alias="networkIO")
    network_bytes: int | None
    cpu_seconds: float


class Execution(Answer):
    """The current (or last) attempt; null before any worker took the operation."""

    execution_id: str
    worker_node: str | None
    resource_usage: ResourceUsage
    processed_records: int
    total_records: int | None
    processing_rate: str | None
    processing_rate_per_second: float | None


class PhaseState(Answer):
    """One phase; which fields appear depends on its status (times once started, results
    once completed, live figures while running, estimates while pending)."""

    model_config = ConfigDict(extra="allow")

    phase_name: str
    status: PhaseStatus
    start_time: datetime | None = None
    end_time: datetime | None = None
    duration: str | None = None
    duration_seconds: float | None = None
    records_processed: int | None = None
    total_records: int | None = None
    progress: int | None = Field(None, description="Whole percent of the phase, while running")
    current_activity: str | None = None
    results: dict[str, Any] | None = None
    reused_from: str | None = Field(None, description="The operation whose result was reused")
    estimated_start_time: datetime | None = None
    estimated_duration: str | None = None
    error: str | None = None


class CallbackCounts(Answer):
    progress_callbacks_sent: int
    last_progress_callback: datetime | None
    callbacks_successful: int
    callbacks_failed: int


class ChannelDelivery(Answer):
    channel: str = Field(description="'callback', 'email' or 'slack'")
    event_type: str
    status: str
    attempts: int
    at: datetime | None
    reason: str | None
    recipients: list[str] | None


class NotificationState(Answer):
    email: list[str]
    slack: dict[str, Any] | None
    deliveries: list[ChannelDelivery]


class AttemptRecord(Answer):
    attempt: int
    execution_id: str | None
    worker_node: str | None
    start_time: datetime | None
    end_time: datetime | None
    outcome: str | None
    error: str | None
    error_type: str | None


class OperationDetails(Answer):
    """The status of one operation: progress, execution, phases and history."""

    operation_id: str
    operation_type: str
    operation_name: str
    operation_description: str | None
    status: OperationStatus
    progress: ProgressState
    execution: Execution | None
    phases: list[PhaseState]
    callbacks: CallbackCounts
    notifications: NotificationState | None
    date_created: datetime
    timeout_at: datetime
    end_time: datetime | None
    priority: Priority
    attempts: int
    failures: int
    attempt_history: list[AttemptRecord]
    next_attempt_at: datetime | None
    last_error: str | None
    last_error_type: str | None
    retry_of: str | None
    retry_number: int | None
    cancellation: dict[str, Any] | None = Field(None, description="Sent once cancelled")


# -- operations: list ------------------------------------------------------------------------


class BriefUsage(Answer):
    cpu_usage: float | None
    memory_usage: str | None


class OperationItem(Answer):
    """An operation in a list: finished ones with their duration, others with estimates."""

    operation_id: str
    operation_type: str
    operation_name: str
    status: OperationStatus
    progress: int
    priority: Priority
    date_created: datetime
    start_time: datetime | None
    end_time: datetime | None = None
    duration: str | None = None
    duration_seconds: float | None = None
    records_processed: int | None = None
    estimated_completion: datetime | None = None
    current_phase: str | None = None
    resource_usage: BriefUsage | None = None


class StatusCounts(Answer):
    """How many operations match the filters, in all and per status (every page alike)."""

    total_operations: int
    initiated: int
    pending: int
    running: int
    completed: int
    failed: int
    cancelled: int
    timeout: int


class OperationPage(Answer):
    """One page of the project's operations, newest first, with counts per status."""

    operations: list[OperationDetails | OperationItem] = Field(
        description="OperationDetails with includeDetails=true, OperationItem otherwise"
    )
    summary: StatusCounts
    page: int
    page_size: int
    has_next_page: bool


# -- operations: cancel, retry ---------------------------------------------------------------


class PartialResults(Answer):
    available: bool
    completed_phases: int
    download_urls: list[str]


class ResourcesReleased(Answer):
    cpu_units: float
    memory_gb: float = Field(alias="memoryGB")
    cost_saved: str
    cost_saved_amount: float


class CancelledOperation(Answer):
    """The operation as cancelled: where it stopped, what is kept, what was released."""

    operation_id: str
    status: OperationStatus
    cancellation_time: datetime | None
    reason: str | None
    progress_at_cancellation: float | None
    phase_at_cancellation: str | None
    partial_results: PartialResults
    resources_released: ResourcesReleased
    force_termination: bool
    cancelled_by: str | None


class RerunPhase(Answer):
    phase_name: str
    reason: str


class PreservedResults(Answer):
    phases_preserved: int
    phases_reused: list[str]
    phases_rerun: list[RerunPhase]
    records_processed: int
    progress_saved: float = Field(description="Percent of the work that is not done again")


class RetriedOperation(Answer):
    """The answer to a retry: a new operation, linked to the original."""

    original_operation_id: str
    new_operation_id: str
    retry_mode: Literal["resume", "restart"] | None
    retry_reason: str | None
    retry_number: int
    resume_from_phase: str | None
    status: OperationStatus
    estimated_duration: str
    estimated_completion: datetime | None
    preserved_results: PreservedResults
    resources_allocated: ResourcesAllocated
    priority: Priority
    timeout_at: datetime
    tracking_url: str
    retry_attempt_date: datetime


# -- datasets ---------------------------------------------------------------------------------


class TimeRange(Answer):
    start: datetime | None
    end: datetime | None


class Dataset(Answer):
    """An uploaded event log: statistics, validation findings and column mapping."""

    dataset_id: str
    dataset_name: str
    format: str
    original_filename: str
    case_count: int
    event_count: int
    activity_count: int
    resource_count: int | None
    has_start_timestamps: bool
    time_range: TimeRange
    data_quality_score: float
    rows_total: int
    skipped_rows_count: int
    issue_counts: dict[str, int]
    row_issues: list[dict[str, Any]]
    row_issues_truncated: bool
    mapping: dict[str, Any] | None
    size_bytes: int
    derived_from: str | None
    created_at: datetime


class DatasetPage(Answer):
    """One page of the project's datasets, newest first."""

    datasets: list[Dataset]
    total_datasets: int
    page: int
    page_size: int
    has_next_page: bool


# -- health -----------------------------------------------------------------------------------


class Liveness(Answer):
    """The process is alive."""

    status: Literal["ok"]


class Readiness(Answer):
    """Whether the database answers and its schema is at the newest migration."""

    status: Literal["ready", "not ready"]
    database: bool
