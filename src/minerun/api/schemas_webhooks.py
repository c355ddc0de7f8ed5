"""Request bodies of the webhook endpoints, validated field by field; unknown fields refused."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator

from minerun.api.schemas import Flag, Strict, number, whole
from minerun.domain.priority import Priority
from minerun.notify.signing import RESERVED_HEADERS

EventName = Literal[
    "operation.started",
    "operation.progress",
    "operation.phase.completed",
    "operation.completed",
    "operation.failed",
    "operation.cancelled",
    "operation.timeout",
    "batch.started",
    "batch.operation.completed",
    "batch.completed",
    "batch.failed",
    "batch.cancelled",
]
_HEADER_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}")


class WebhookFilters(Strict):
    operation_types: list[Annotated[str, Field(min_length=1, max_length=100)]] | None = Field(
        None, max_length=50
    )
    priorities: list[Priority] | None = None
    min_progress_increment: Annotated[float, number(0, 100)] | None = None


class Authentication(Strict):
    type: Literal["hmac-sha256"] = "hmac-sha256"
    secret: Annotated[str, Field(min_length=16, max_length=200)] | None = None


class WebhookRetryPolicy(Strict):
    max_retries: Annotated[int, whole(0, 20)] = 5
    retry_delay: Annotated[float, number(0, 86400)] = 60
    backoff_multiplier: Annotated[float, number(1, 10)] = 2.0
    max_delay: Annotated[float, number(0, 7 * 86400)] = 3600


def _check_headers(headers: dict[str, str] | None) -> dict[str, str] | None:
    for name, value in (headers or {}).items():
        if not _HEADER_NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not a valid header name")
        if name.lower() in RESERVED_HEADERS:
            raise ValueError(f"{name!r} is set by minerun and cannot be overridden")
        if len(value) > 1000 or any(c in value for c in "\r\n\x00"):
            raise ValueError(f"the value of {name!r} is too long or contains line breaks")
    return headers


class CreateWebhookBody(Strict):
    webhook_url: Annotated[str, Field(min_length=1, max_length=2048)]
    webhook_name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    events: list[EventName] = Field(min_length=1, max_length=12)
    filters: WebhookFilters | None = None
    authentication: Authentication | None = None
    retry_policy: WebhookRetryPolicy | None = None
    headers: dict[str, str] | None = Field(None, max_length=20)

    _headers = field_validator("headers")(_check_headers)


class UpdateWebhookBody(Strict):
    """Changes to a subscription; ``status`` pauses or resumes it, ``rotateSecret`` makes a
    new secret (the old one keeps signing for a grace period)."""

    webhook_url: Annotated[str, Field(min_length=1, max_length=2048)] | None = None
    webhook_name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    events: list[EventName] | None = Field(None, min_length=1, max_length=12)
    filters: WebhookFilters | None = None
    authentication: Authentication | None = None
    retry_policy: WebhookRetryPolicy | None = None
    headers: dict[str, str] | None = Field(None, max_length=20)
    status: Literal["Active", "Paused"] | None = None
    rotate_secret: Flag = False

    _headers = field_validator("headers")(_check_headers)

    @field_validator("webhook_url", "webhook_name", "events", "status", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        # Leaving a field out keeps it; null would erase a value the subscription needs.
        if value is None:
            raise ValueError("may be left out but not null")
        return value
