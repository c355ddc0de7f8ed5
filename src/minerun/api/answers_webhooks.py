"""What the webhook endpoints answer, as models for the OpenAPI document (see ``answers.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from minerun.api.answers import Answer
from minerun.api.schemas_webhooks import WebhookFilters, WebhookRetryPolicy


class Delivery(Answer):
    """One attempt to deliver an event to a subscription."""

    delivery_id: str
    event_id: str
    event_type: str
    operation_id: str | None
    attempt: int
    attempted_at: datetime | None
    success: bool
    status_code: int | None = Field(description="The receiver's HTTP status; null if none came")
    latency_ms: float | None
    error: str | None
    next_retry_at: datetime | None
    event_status: str = Field(description="Where the event stands: pending, delivered, failed…")
    response_excerpt: str | None


class DeliveryStats(Answer):
    total_deliveries: int
    successful_deliveries: int
    failed_deliveries: int
    average_response_time: str | None = Field(description="e.g. '120ms'; null before any")
    average_response_time_ms: float | None


class WebhookAuthentication(Answer):
    type: Literal["hmac-sha256"]
    previous_secret_valid_until: datetime | None
    secret: str | None = Field(
        None, description="Only in the answer that creates the secret (creation or rotation)"
    )


class Webhook(Answer):
    """A subscription; its secret is shown only when it is created or rotated."""

    webhook_id: str
    webhook_url: str
    webhook_name: str
    status: str = Field(description="Active, Paused, or Disabled (with statusReason)")
    status_reason: str | None
    events_subscribed: list[str]
    filters: WebhookFilters
    retry_policy: WebhookRetryPolicy | None
    headers: dict[str, str]
    authentication: WebhookAuthentication
    created_at: datetime
    updated_at: datetime
    last_delivery: Delivery | None
    delivery_stats: DeliveryStats
    url_check: str | None = Field(
        None, description="Sent when the URL could not be checked now (it is, at each delivery)"
    )


class WebhookPage(Answer):
    """One page of the project's subscriptions, oldest first, with delivery statistics."""

    webhooks: list[Webhook]
    total: int
    page: int
    page_size: int
    has_next_page: bool


class DeliveryPage(Answer):
    """One page of a subscription's delivery attempts, newest first."""

    webhook_id: str
    deliveries: list[Delivery]
    page: int
    page_size: int
    has_next_page: bool


class PingQueued(Answer):
    """The signed test ping is queued; its attempts appear among the deliveries."""

    webhook_id: str
    event_id: str
    event_type: Literal["webhook.test"]


class RedeliveryQueued(Answer):
    """The event is queued again, with the same webhook-id and a fresh retry budget."""

    webhook_id: str
    delivery_id: str
    event_id: str
    event_type: str
    status: str


class SigningSecret(Answer):
    """The secret that signs a project's operation callbacks."""

    type: Literal["hmac-sha256"]
    secret: str
    created_at: datetime
    rotated_at: datetime | None
    previous_secret_valid_until: datetime | None
    usage: str
