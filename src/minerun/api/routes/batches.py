"""The batch endpoints: submit, follow, list, cancel and retry batches of operations."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Query
from fastapi.responses import JSONResponse

from minerun.api.batch_views import batch_item, batch_path, batch_view, submitted_view
from minerun.api.deps import BatchesDep, PageNumber, PrincipalDep, WebhooksDep
from minerun.api.schemas import CancelBody, UtcMoment, dump
from minerun.api.schemas_batches import (
    BatchList,
    BatchStatusAnswer,
    BatchSubmitted,
    SubmitBatchBody,
)
from minerun.domain.batches import BatchStatus, FailurePolicy
from minerun.exceptions import InvalidInput
from minerun.services.batches import BatchOperation, SubmitBatch
from minerun.services.requests import CancelRequest, StartRequest
from minerun.services.webhooks import WebhookService
from minerun.store.batches import Batch
from minerun.store.operations import IdempotentRequest

router = APIRouter(prefix="/api/{tenantId}/{projectId}/async", tags=["batches"])

BatchId = Annotated[str, Path(alias="batchId", max_length=64)]


def _request(body: SubmitBatchBody) -> SubmitBatch:
    return SubmitBatch(
        name=body.batch_name,
        description=body.batch_description,
        operations=[
            BatchOperation(
                key=op.operation_key,
                dependencies=tuple(op.dependencies),
                start=StartRequest(
                    operation_type=op.operation_type,
                    operation_name=op.operation_name or op.operation_type,
                    operation_description=op.operation_description,
                    priority=op.priority,
                    parameters=op.parameters,
                    callbacks=dump(op.callbacks),
                    notifications=dump(op.notifications),
                    timeout=op.timeout,
                    retry_policy=dump(op.retry_policy),
                ),
            )
            for op in body.operations
        ],
        callbacks=dump(body.batch_callbacks),
        failure_policy=FailurePolicy.from_json(dump(body.failure_policy)),
    )


@router.post(
    "/batch",
    status_code=202,
    operation_id="submitBatch",
    response_model=BatchSubmitted,
    responses={202: {"headers": {"Location": {"schema": {"type": "string"}}}}},
)
def submit_batch(
    body: SubmitBatchBody,
    principal: PrincipalDep,
    batches: BatchesDep,
    webhooks: WebhooksDep,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> JSONResponse:
    """Submit operations with dependencies; the whole batch is committed before this answers."""
    request = _request(body)
    _check_callbacks(webhooks, request.callbacks, "batchCallbacks")
    for i, op in enumerate(request.operations):
        _check_callbacks(webhooks, op.start.callbacks, f"operations[{i}].callbacks")
    key = None
    if idempotency_key:
        dumped = body.model_dump(mode="json", by_alias=True)
        fingerprint = hashlib.sha256(json.dumps(dumped, sort_keys=True).encode()).hexdigest()
        key = IdempotentRequest("POST /async/batch", idempotency_key, fingerprint)

    def present(batch: Batch) -> tuple[dict[str, Any], str]:
        return submitted_view(batch), batch_path(batch)

    submitted = batches.submit(principal.scope, request, principal.token_name, key, present)
    if submitted.replay is not None:
        headers = {"Idempotent-Replayed": "true"}
        if submitted.replay.location:
            headers["Location"] = submitted.replay.location
        return JSONResponse(
            submitted.replay.body, status_code=submitted.replay.status_code, headers=headers
        )
    assert submitted.batch is not None
    view, location = present(submitted.batch)
    return JSONResponse(view, status_code=202, headers={"Location": location})


def _check_callbacks(webhooks: WebhookService, urls: dict[str, Any] | None, field: str) -> None:
    """The operations' check of callback URLs, its errors named where the batch has them."""
    try:
        webhooks.check_callbacks(urls)
    except InvalidInput as error:
        for e in error.errors:
            e["field"] = e["field"].replace("callbacks", field, 1)
        raise


@router.get("/batch/{batchId}", operation_id="getBatch", response_model=BatchStatusAnswer)
def get_batch(batch_id: BatchId, principal: PrincipalDep, batches: BatchesDep) -> dict[str, Any]:
    """A batch's status, progress, every operation's live status, and its plan."""
    return batch_view(batches.database.batches.get(principal.scope, batch_id))


@router.get("/batches", operation_id="listBatches", response_model=BatchList)
def list_batches(
    principal: PrincipalDep,
    batches: BatchesDep,
    status: BatchStatus | None = None,
    date_from: Annotated[UtcMoment | None, Query(alias="dateFrom")] = None,
    date_to: Annotated[UtcMoment | None, Query(alias="dateTo")] = None,
    page: PageNumber = 1,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """Batches of the project, newest first."""
    result = batches.database.batches.page(
        principal.scope, status, _utc(date_from), _utc(date_to), page, page_size
    )
    return {
        "batches": [batch_item(b) for b in result.batches],
        "totalBatches": result.total,
        "page": page,
        "pageSize": page_size,
        "hasNextPage": result.has_next,
    }


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@router.delete("/batch/{batchId}", operation_id="cancelBatch", response_model=BatchStatusAnswer)
def cancel_batch(
    batch_id: BatchId,
    principal: PrincipalDep,
    batches: BatchesDep,
    body: Annotated[CancelBody | None, Body()] = None,
) -> dict[str, Any]:
    """Cancel every operation of the batch not finished yet; an ended batch answers 409."""
    body = body or CancelBody()
    request = CancelRequest(
        reason=body.reason,
        preserve_partial_results=body.preserve_partial_results,
        force_termination=body.force_termination,
        notify_callbacks=body.notify_callbacks,
    )
    return batch_view(batches.cancel(principal.scope, batch_id, request, principal.token_name))


@router.post(
    "/batch/{batchId}/retry",
    status_code=202,
    operation_id="retryBatch",
    response_model=BatchStatusAnswer,
)
def retry_batch(batch_id: BatchId, principal: PrincipalDep, batches: BatchesDep) -> dict[str, Any]:
    """Run again what failed or was cancelled, resuming each at its first unfinished phase."""
    return batch_view(batches.retry(principal.scope, batch_id, principal.token_name))
