"""The operation endpoints of the API contract."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Header, Path, Query, Request
from fastapi.responses import FileResponse, JSONResponse
from starlette.background import BackgroundTask

from minerun.api import links
from minerun.api.answers import (
    CancelledOperation,
    OperationPage,
    RetriedOperation,
    StartedOperation,
)
from minerun.api.answers_results import OperationResults
from minerun.api.auth import authorize
from minerun.api.conditional import RETRY_AFTER, retry_after
from minerun.api.deps import (
    Authorization,
    LinksDep,
    PageNumber,
    PrincipalDep,
    ProjectId,
    ServiceDep,
    SettingsDep,
    TenantId,
    WebhooksDep,
)
from minerun.api.openapi import AUTHENTICATED, BINARY, LOCATION, REPLAYED, answers, problems
from minerun.api.results import build_zip, results_view
from minerun.api.schemas import CancelBody, RetryBody, StartOperationBody, UtcMoment, dump
from minerun.api.views import cancel_view, list_item, retry_view, start_view, status_view
from minerun.domain.estimates import Queue
from minerun.domain.priority import Priority
from minerun.domain.records import Scope
from minerun.domain.statuses import TERMINAL, OperationStatus
from minerun.exceptions import Conflict, NotFound, Unauthorized
from minerun.services.operations import OperationService
from minerun.services.requests import CancelRequest, RetryRequest, StartRequest
from minerun.services.workload import current_queue
from minerun.store.operations import IdempotentRequest, ListFilters

router = APIRouter(prefix="/api/{tenantId}/{projectId}/async", tags=["operations"])


def _fingerprint(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


@router.post(
    "/operation",
    status_code=202,
    operation_id="startOperation",
    response_model=None,
    responses=answers(
        StartedOperation,
        *AUTHENTICATED,
        409,
        413,
        422,
        status=202,
        headers={"Location": LOCATION, "Idempotent-Replayed": REPLAYED, "Retry-After": RETRY_AFTER},
        e409="A request with this Idempotency-Key is still being processed.",
        e422="The parameters cannot be used with the dataset, or this Idempotency-Key was "
        "used before with a different request.",
    ),
)
def start_operation(
    body: StartOperationBody,
    principal: PrincipalDep,
    service: ServiceDep,
    links_: LinksDep,
    webhooks: WebhooksDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            max_length=255,
            description="Makes retries of this start safe: the same key and body answer the "
            "first answer again (with Idempotent-Replayed: true).",
        ),
    ] = None,
) -> JSONResponse:
    """Start an operation; it is committed before this answers."""
    request = StartRequest(
        operation_type=body.operation_type,
        operation_name=body.operation_name or body.operation_type,
        operation_description=body.operation_description,
        priority=body.priority,
        parameters=body.parameters,
        callbacks=dump(body.callbacks),
        notifications=dump(body.notifications),
        timeout=body.timeout,
        retry_policy=dump(body.retry_policy),
    )
    webhooks.check_callbacks(request.callbacks)
    key = None
    if idempotency_key:
        fingerprint = _fingerprint(body.model_dump(mode="json", by_alias=True))
        key = IdempotentRequest("POST /async/operation", idempotency_key, fingerprint)

    def present(op: Any) -> tuple[dict[str, Any], str]:
        view = start_view(op, links_, webhooks=notified, queue=queue)
        return view, links_.operation_path(op)

    # Read before the new operation is queued: the work ahead of it.
    queue = queue_ahead(service)

    notified = webhooks.store.targets_count(
        principal.scope, request.operation_type, request.priority.value, request.callbacks
    )

    started = service.start(principal.scope, request, principal.token_name, key, present)
    if started.replay is not None:
        headers = {"Idempotent-Replayed": "true"}
        if started.replay.location:
            headers["Location"] = started.replay.location
        return JSONResponse(
            started.replay.body, status_code=started.replay.status_code, headers=headers
        )
    assert started.operation is not None
    body_out, location = present(started.operation)
    headers = {"Location": location, "Retry-After": str(retry_after(started.operation, queue))}
    return JSONResponse(body_out, status_code=202, headers=headers)


OperationId = Annotated[
    str, Path(alias="operationId", max_length=64, description="The operation, as started")
]


def queue_ahead(service: OperationService) -> Queue:
    """The work ahead of queued operations, for their start and completion estimates."""
    return current_queue(service.database, service.settings.lease_seconds, datetime.now(UTC))


@router.get(
    "/operations",
    operation_id="listOperations",
    response_model=None,
    responses=answers(OperationPage, *AUTHENTICATED),
)
def list_operations(
    principal: PrincipalDep,
    service: ServiceDep,
    webhooks: WebhooksDep,
    status: OperationStatus | None = None,
    operation_type: Annotated[str | None, Query(alias="operationType", max_length=100)] = None,
    priority: Priority | None = None,
    date_from: Annotated[UtcMoment | None, Query(alias="dateFrom")] = None,
    date_to: Annotated[UtcMoment | None, Query(alias="dateTo")] = None,
    batch_id: Annotated[str | None, Query(alias="batchId", max_length=64)] = None,
    include_details: Annotated[bool, Query(alias="includeDetails")] = False,
    page: PageNumber = 1,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """Operations of the project, newest first, with counts per status of all that match."""
    filters = ListFilters(
        status=status,
        operation_type=operation_type,
        priority=priority.value if priority else None,
        date_from=_utc(date_from),
        date_to=_utc(date_to),
        batch_id=batch_id,
    )
    result = service.database.operations.page(
        principal.scope, filters, page, page_size, include_details
    )
    now = datetime.now(UTC)
    notices = webhooks.store.notices(op.id for op in result.operations) if include_details else {}
    queued = any(op.status is OperationStatus.INITIATED for op in result.operations)
    queue = queue_ahead(service) if queued else None
    summary: dict[str, int] = {"totalOperations": sum(result.counts.values())}
    for state in OperationStatus:
        summary[state.value.lower()] = result.counts.get(state.value, 0)
    return {
        "operations": [
            status_view(op, now, notices[op.id], queue)
            if include_details
            else list_item(op, now, queue)
            for op in result.operations
        ],
        "summary": summary,
        "page": page,
        "pageSize": page_size,
        "hasNextPage": result.has_next,
    }


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@router.delete(
    "/operation/{operationId}",
    operation_id="cancelOperation",
    response_model=None,
    responses=answers(
        CancelledOperation,
        *AUTHENTICATED,
        409,
        413,
        e409="The operation has already finished.",
    ),
)
def cancel_operation(
    operation_id: OperationId,
    principal: PrincipalDep,
    service: ServiceDep,
    links_: LinksDep,
    request: Request,
    body: Annotated[CancelBody | None, Body()] = None,
) -> dict[str, Any]:
    """Cancel a queued or running operation; finished ones answer 409."""
    body = body or CancelBody()
    op = service.cancel(
        principal.scope,
        operation_id,
        CancelRequest(
            reason=body.reason,
            preserve_partial_results=body.preserve_partial_results,
            force_termination=body.force_termination,
            notify_callbacks=body.notify_callbacks,
        ),
        principal.token_name,
    )
    return cancel_view(op, links_)


@router.get(
    "/operation/{operationId}/results",
    operation_id="getOperationResults",
    response_model=None,
    responses={
        200: {
            "model": OperationResults,
            "description": "The results as JSON; with format=download, a zip of every "
            "artifact and results.json.",
            "content": {"application/zip": BINARY},
        },
        **problems(
            *AUTHENTICATED,
            409,
            e404="No such operation, or it has no phase of that name.",
            e409="The operation has not finished yet.",
        ),
    },
)
def get_results(
    operation_id: OperationId,
    principal: PrincipalDep,
    service: ServiceDep,
    settings: SettingsDep,
    links_: LinksDep,
    request: Request,
    format: Literal["summary", "detailed", "download"] = "summary",
    include_artifacts: Annotated[bool, Query(alias="includeArtifacts")] = True,
    phase: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any] | FileResponse:
    """Results of a finished operation (partial for Failed, Cancelled or Timeout ones)."""
    op = service.database.operations.get(principal.scope, operation_id)
    if op.status not in TERMINAL:
        raise Conflict(
            f"Operation {op.id} is {op.status}; results exist once it has finished.",
            currentStatus=op.status.value,
        )
    if phase is not None and phase not in {p.name for p in op.phases}:
        raise NotFound(f"Operation {op.id} has no phase named {phase!r}.")
    view = results_view(op, service, links_, format != "summary", include_artifacts, phase)
    if format != "download":
        return view
    archive = build_zip(op, settings.artifacts_dir, view)
    return FileResponse(
        archive,
        media_type="application/zip",
        filename=f"{op.id}-results.zip",
        background=BackgroundTask(archive.unlink),
    )


@router.get(
    "/operation/{operationId}/artifacts/{artifactId}",
    operation_id="downloadArtifact",
    response_model=None,
    response_class=FileResponse,
    responses={
        200: {
            # Each artifact has its own media type (PDF, SVG, CSV, PNML…): any may come, and
            # a client reads the bytes.
            "content": {"*/*": {}, "application/octet-stream": BINARY},
            "description": "The artifact's file, sent with the artifact's media type.",
        },
        **problems(
            *AUTHENTICATED, e401="No valid token, or the signed link is invalid or expired."
        ),
    },
    # The signed link of the results works without a token.
    openapi_extra={"security": [{"bearerAuth": []}, {}]},
)
def download_artifact(
    request: Request,
    settings: SettingsDep,
    service: ServiceDep,
    tenant_id: TenantId,
    project_id: ProjectId,
    operation_id: Annotated[str, Path(alias="operationId", description="The operation")],
    artifact_id: Annotated[
        str, Path(alias="artifactId", description="An artifactId of the operation's results")
    ],
    expires: Annotated[
        int | None, Query(description="From the signed downloadUrl of the results")
    ] = None,
    signature: Annotated[
        str | None, Query(max_length=128, description="From the signed downloadUrl")
    ] = None,
    authorization: Authorization = None,
) -> FileResponse:
    """One artifact, with a bearer token or with the signed link from the results."""
    if signature is not None and expires is not None:
        if not links.verify(request.app.state.link_secret, request.url.path, expires, signature):
            raise Unauthorized("The download link is invalid or has expired.")
        scope = Scope(tenant_id, project_id)
    else:
        scope = authorize(service.database.tokens, authorization, tenant_id, project_id).scope
    artifact = service.database.operations.artifact(scope, operation_id, artifact_id)
    path = settings.artifacts_dir / artifact.path
    if not FilePath(path).is_file():
        raise NotFound(f"The file of artifact {artifact.id} is no longer stored.")
    return FileResponse(path, media_type=artifact.media_type, filename=FilePath(artifact.path).name)


@router.post(
    "/operation/{operationId}/retry",
    status_code=202,
    operation_id="retryOperation",
    response_model=None,
    responses=answers(
        RetriedOperation,
        *AUTHENTICATED,
        409,
        413,
        status=202,
        headers={"Location": LOCATION, "Retry-After": RETRY_AFTER},
        e409="Only Failed, Cancelled or Timeout operations can be retried.",
    ),
)
def retry_operation(
    operation_id: OperationId,
    principal: PrincipalDep,
    service: ServiceDep,
    links_: LinksDep,
    request: Request,
    body: Annotated[RetryBody | None, Body()] = None,
) -> JSONResponse:
    """A new operation from a Failed, Cancelled or Timeout one, resumed or restarted."""
    body = body or RetryBody()
    original, new = service.retry(
        principal.scope,
        operation_id,
        RetryRequest(
            retry_mode=body.retry_mode,
            retry_reason=body.retry_reason,
            modify_parameters=body.modify_parameters,
            updated_parameters=body.updated_parameters,
            retry_policy=dump(body.retry_policy),
            new_timeout=body.new_timeout,
            preserve_original_results=body.preserve_original_results,
        ),
        principal.token_name,
    )
    queue = queue_ahead(service)
    return JSONResponse(
        retry_view(original, new, queue),
        status_code=202,
        headers={
            "Location": links_.operation_path(new),
            "Retry-After": str(retry_after(new, queue)),
        },
    )
