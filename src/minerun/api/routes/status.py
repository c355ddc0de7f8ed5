"""The status answer of one operation, made for pollers: ``Retry-After`` while it is
unfinished, an ``ETag`` (``If-None-Match`` answers 304) and gzip on ask (api/conditional.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from minerun.api.answers import OperationDetails
from minerun.api.conditional import NOT_MODIFIED, STATUS_HEADERS, cacheable_json, retry_after
from minerun.api.deps import PrincipalDep, ServiceDep, WebhooksDep
from minerun.api.openapi import AUTHENTICATED, answers
from minerun.api.routes.operations import OperationId, queue_ahead
from minerun.api.views import status_view
from minerun.domain.statuses import TERMINAL, OperationStatus

router = APIRouter(prefix="/api/{tenantId}/{projectId}/async", tags=["operations"])


@router.get(
    "/operation/{operationId}",
    operation_id="getOperation",
    response_model=None,
    responses={
        **answers(OperationDetails, *AUTHENTICATED, headers=STATUS_HEADERS),
        304: NOT_MODIFIED,
    },
)
def get_operation(
    request: Request,
    operation_id: OperationId,
    principal: PrincipalDep,
    service: ServiceDep,
    webhooks: WebhooksDep,
) -> Response:
    """Status, progress, execution and phases of one operation."""
    op = service.database.operations.get(principal.scope, operation_id)
    queue = queue_ahead(service) if op.status is OperationStatus.INITIATED else None
    view = status_view(op, notices=webhooks.store.notices([op.id])[op.id], queue=queue)
    hint = None if op.status in TERMINAL else retry_after(op, queue)
    return cacheable_json(request, view, hint)
