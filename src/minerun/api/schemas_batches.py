"""Request bodies and answers of the batch endpoints; unknown request fields refused."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

from minerun.api.schemas import Flag, StartOperationBody, Strict
from minerun.domain.batches import MAX_OPERATIONS

Key = Annotated[str, Field(min_length=1, max_length=200)]


class BatchOperationBody(StartOperationBody):
    """An operation's own body, with its key in the batch and the keys it depends on."""

    operation_key: Key
    dependencies: list[Key] = Field(default_factory=list, max_length=MAX_OPERATIONS)


class BatchCallbacks(Strict):
    on_batch_start: AnyHttpUrl | None = None
    on_operation_complete: AnyHttpUrl | None = None
    on_batch_complete: AnyHttpUrl | None = None


class FailurePolicyBody(Strict):
    stop_on_first_failure: Flag = False
    continue_independent_operations: Flag = True
    retry_failed_operations: Flag = True


class SubmitBatchBody(Strict):
    batch_name: Annotated[str, Field(min_length=1, max_length=500)]
    batch_description: Annotated[str, Field(max_length=5000)] | None = None
    operations: list[BatchOperationBody] = Field(min_length=1, max_length=MAX_OPERATIONS)
    batch_callbacks: BatchCallbacks | None = None
    failure_policy: FailurePolicyBody | None = None


# -- answers ---------------------------------------------------------------------------------


class Answer(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class DurationRange(Answer):
    lowSeconds: float
    expectedSeconds: float
    highSeconds: float
    basis: str


class BatchOperationView(Answer):
    operationKey: str
    operationId: str
    operationType: str
    operationName: str
    status: str
    dependencies: list[str]
    estimatedDuration: str
    estimatedStartTime: str | None


class BatchOperationStatusView(BatchOperationView):
    progress: float
    startTime: str | None
    endTime: str | None
    lastError: str | None
    cancellationReason: str | None
    retryOf: str | None


class _Plan(Answer):
    totalOperations: int
    estimatedBatchDuration: str
    estimatedBatchDurationSeconds: DurationRange
    estimatedBatchCompletion: str | None
    criticalPath: list[str]
    batchStartTime: str | None
    failurePolicy: dict[str, bool]
    trackingUrl: str


class BatchSubmitted(_Plan):
    batchId: str
    batchName: str
    batchDescription: str | None
    status: str
    operations: list[BatchOperationView]


class BatchProgress(Answer):
    percentage: int
    percentageExact: float
    operations: dict[str, int]


class BatchStatusAnswer(_Plan):
    batchId: str
    batchName: str
    batchDescription: str | None
    status: str
    progress: BatchProgress
    operations: list[BatchOperationStatusView]
    endTime: str | None
    batchCallbacks: dict[str, Any] | None
    cancellation: dict[str, Any] | None
    retries: int


class BatchListItem(Answer):
    batchId: str
    batchName: str
    status: str
    progress: int
    totalOperations: int
    operations: dict[str, int]
    batchStartTime: str | None
    endTime: str | None
    trackingUrl: str


class BatchList(Answer):
    batches: list[BatchListItem]
    totalBatches: int
    page: int
    pageSize: int
    hasNextPage: bool
