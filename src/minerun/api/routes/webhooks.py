"""The webhook endpoints: subscriptions, their deliveries, and the project's callback secret."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import JSONResponse

from minerun.api.answers_webhooks import (
    DeliveryPage,
    PingQueued,
    RedeliveryQueued,
    SigningSecret,
    Webhook,
    WebhookPage,
)
from minerun.api.deps import PageNumber, PrincipalDep, WebhooksDep
from minerun.api.openapi import AUTHENTICATED, LOCATION, answers, problems
from minerun.api.schemas import dump
from minerun.api.schemas_webhooks import CreateWebhookBody, UpdateWebhookBody
from minerun.domain.times import iso
from minerun.services.webhooks import Saved, WebhookService
from minerun.store.webhooks import DeliveryStats

router = APIRouter(prefix="/api/{tenantId}/{projectId}/async", tags=["webhooks"])


WebhookId = Annotated[
    str, Path(alias="webhookId", max_length=64, description="The subscription, as created")
]
DeliveryId = Annotated[
    str, Path(alias="deliveryId", max_length=64, description="One of its deliveries")
]


@router.post(
    "/webhooks",
    status_code=201,
    operation_id="createWebhook",
    response_model=None,
    responses=answers(Webhook, *AUTHENTICATED, 413, status=201, headers={"Location": LOCATION}),
)
def create_webhook(
    body: CreateWebhookBody, principal: PrincipalDep, service: WebhooksDep
) -> JSONResponse:
    """Register an endpoint; the secret appears in this answer only."""
    auth = body.authentication
    fields = {
        "url": body.webhook_url,
        "name": body.webhook_name or body.webhook_url,
        "events": list(body.events),
        "filters": dump(body.filters) or {},
        "retry_policy": dump(body.retry_policy),
        "headers": body.headers or {},
        "secret": auth.secret if auth else None,
    }
    saved = service.create(principal.scope, fields)
    path = f"/api/{principal.scope.tenant_id}/{principal.scope.project_id}/async/webhooks"
    return JSONResponse(
        _present(saved, service),
        status_code=201,
        headers={"Location": f"{path}/{saved.row['id']}"},
    )


@router.get(
    "/webhooks",
    operation_id="listWebhooks",
    response_model=None,
    responses=answers(WebhookPage, *AUTHENTICATED),
)
def list_webhooks(
    principal: PrincipalDep,
    service: WebhooksDep,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """The project's subscriptions, oldest first, a page at a time, with delivery statistics."""
    rows = service.store.all(principal.scope, page, page_size)
    total = service.store.count(principal.scope)
    stats = service.store.stats([r["id"] for r in rows])
    return {
        "webhooks": [webhook_view(r, stats[r["id"]]) for r in rows],
        "total": total,
        "page": page,
        "pageSize": page_size,
        "hasNextPage": page * page_size < total,
    }


@router.get(
    "/webhooks/{webhookId}",
    operation_id="getWebhook",
    response_model=None,
    responses=answers(Webhook, *AUTHENTICATED),
)
def get_webhook(
    webhook_id: WebhookId, principal: PrincipalDep, service: WebhooksDep
) -> dict[str, Any]:
    row = service.store.get(principal.scope, webhook_id)
    return webhook_view(row, service.store.stats([webhook_id])[webhook_id])


@router.patch(
    "/webhooks/{webhookId}",
    operation_id="updateWebhook",
    response_model=None,
    responses=answers(Webhook, *AUTHENTICATED, 413),
)
def update_webhook(
    webhook_id: WebhookId, body: UpdateWebhookBody, principal: PrincipalDep, service: WebhooksDep
) -> dict[str, Any]:
    """Change fields, pause (``status: Paused``), resume (``Active``) or rotate the secret."""
    given = body.model_fields_set
    names = {
        "webhook_url": "url",
        "webhook_name": "name",
        "events": "events",
        "status": "status",
    }
    fields: dict[str, Any] = {
        column: getattr(body, name) for name, column in names.items() if name in given
    }
    if "headers" in given:
        fields["headers"] = body.headers or {}
    if "filters" in given:
        fields["filters"] = dump(body.filters) or {}
    if "retry_policy" in given:
        fields["retry_policy"] = dump(body.retry_policy)
    if body.authentication is not None and body.authentication.secret:
        fields["secret"] = body.authentication.secret
    saved = service.update(principal.scope, webhook_id, fields, body.rotate_secret)
    return _present(saved, service)


@router.delete(
    "/webhooks/{webhookId}",
    status_code=204,
    operation_id="deleteWebhook",
    responses={204: {"description": "Deleted."}, **problems(*AUTHENTICATED)},
)
def delete_webhook(
    webhook_id: WebhookId, principal: PrincipalDep, service: WebhooksDep
) -> Response:
    """Remove a subscription; its queued events are dropped."""
    service.store.delete(principal.scope, webhook_id)
    return Response(status_code=204)


@router.get(
    "/webhooks/{webhookId}/deliveries",
    operation_id="listWebhookDeliveries",
    response_model=None,
    responses=answers(DeliveryPage, *AUTHENTICATED),
)
def list_deliveries(
    webhook_id: WebhookId,
    principal: PrincipalDep,
    service: WebhooksDep,
    page: PageNumber = 1,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """Every attempt, newest first: time, status code, latency, error and next retry."""
    rows, more = service.store.deliveries(principal.scope, webhook_id, page, page_size)
    return {
        "webhookId": webhook_id,
        "deliveries": [delivery_view(r) for r in rows],
        "page": page,
        "pageSize": page_size,
        "hasNextPage": more,
    }


@router.post(
    "/webhooks/{webhookId}/test",
    status_code=202,
    operation_id="testWebhook",
    response_model=None,
    responses=answers(PingQueued, *AUTHENTICATED, status=202),
)
def test_webhook(
    webhook_id: WebhookId, principal: PrincipalDep, service: WebhooksDep
) -> dict[str, Any]:
    """Queue a signed ``webhook.test`` ping; its attempts appear among the deliveries."""
    event_id = service.test(principal.scope, webhook_id)
    return {"webhookId": webhook_id, "eventId": event_id, "eventType": "webhook.test"}


@router.post(
    "/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver",
    status_code=202,
    operation_id="redeliverWebhookDelivery",
    response_model=None,
    responses=answers(RedeliveryQueued, *AUTHENTICATED, status=202),
)
def redeliver(
    webhook_id: WebhookId, delivery_id: DeliveryId, principal: PrincipalDep, service: WebhooksDep
) -> dict[str, Any]:
    """Send that attempt's event again (same ``webhook-id``), with a fresh retry budget."""
    queued = service.redeliver(principal.scope, webhook_id, delivery_id)
    return {"webhookId": webhook_id, "deliveryId": delivery_id, **queued}


@router.get(
    "/signing-secret",
    operation_id="getSigningSecret",
    response_model=None,
    responses=answers(SigningSecret, *AUTHENTICATED),
)
def get_signing_secret(principal: PrincipalDep, service: WebhooksDep) -> dict[str, Any]:
    """The secret that signs this project's operation callbacks."""
    return secret_view(service.signing_secret(principal.scope))


@router.post(
    "/signing-secret/rotate",
    operation_id="rotateSigningSecret",
    response_model=None,
    responses=answers(SigningSecret, *AUTHENTICATED),
)
def rotate_signing_secret(principal: PrincipalDep, service: WebhooksDep) -> dict[str, Any]:
    """A new callback secret; the previous one keeps signing beside it for a grace period."""
    return secret_view(service.rotate_signing_secret(principal.scope))


# -- views ------------------------------------------------------------------------------------


def _present(saved: Saved, service: WebhookService) -> dict[str, Any]:
    stats = service.store.stats([saved.row["id"]])[saved.row["id"]]
    view = webhook_view(saved.row, stats)
    if saved.secret is not None:
        view["authentication"]["secret"] = saved.secret
    if saved.url_note:
        view["urlCheck"] = saved.url_note
    return view


def webhook_view(row: dict[str, Any], stats: DeliveryStats) -> dict[str, Any]:
    """A subscription as the spec shows it; the secret is never part of it."""
    mean = stats.average_ms
    return {
        "webhookId": row["id"],
        "webhookUrl": row["url"],
        "webhookName": row["name"],
        "status": row["status"],
        "statusReason": row["status_reason"],
        "eventsSubscribed": row["events"],
        "filters": row["filters"],
        "retryPolicy": row["retry_policy"],
        "headers": row["headers"],
        "authentication": {
            "type": "hmac-sha256",
            "previousSecretValidUntil": iso(row["previous_secret_until"]),
        },
        "createdAt": iso(row["created_at"]),
        "updatedAt": iso(row["updated_at"]),
        "lastDelivery": delivery_view(stats.last) if stats.last else None,
        "deliveryStats": {
            "totalDeliveries": stats.total,
            "successfulDeliveries": stats.successful,
            "failedDeliveries": stats.failed,
            "averageResponseTime": None if mean is None else f"{mean:.0f}ms",
            "averageResponseTimeMs": mean,
        },
    }


def delivery_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "deliveryId": row["delivery_id"],
        "eventId": row["event_id"],
        "eventType": row["event_type"],
        "operationId": row["operation_id"],
        "attempt": row["attempt"],
        "attemptedAt": iso(row["attempted_at"]),
        "success": bool(row["success"]),
        "statusCode": row["status_code"],
        "latencyMs": row["latency_ms"],
        "error": row["error"],
        "nextRetryAt": iso(row["next_retry_at"]),
        "eventStatus": row["event_status"],
        "responseExcerpt": row["response_excerpt"],
    }


def secret_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "hmac-sha256",
        "secret": row["secret"],
        "createdAt": iso(row["created_at"]),
        "rotatedAt": iso(row["rotated_at"]),
        "previousSecretValidUntil": iso(row["previous_secret_until"]),
        "usage": "signs operation callbacks (Standard Webhooks headers)",
    }
