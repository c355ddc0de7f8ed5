"""Request bodies of the operation endpoints, validated field by field; unknown fields refused.

Numbers are strict: JSON ``true`` is not 1, ``"60"`` is not 60, and an integer field refuses
``3600.5``, so a typo never becomes a one-second timeout.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from minerun.domain.priority import Priority

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_TIMEOUT = 7 * 24 * 3600


def whole(low: int, high: int) -> Any:
    """An integer from ``low`` to ``high``; booleans and fractions refused."""
    return Field(strict=True, ge=low, le=high)


def number(low: float, high: float) -> Any:
    """A number from ``low`` to ``high``; booleans and strings refused."""
    return Field(strict=True, ge=low, le=high)


def _in_utc(moment: datetime) -> datetime:
    """A time as UTC (a naive one is read as UTC); one that UTC cannot hold is refused."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("is outside the range of dates in UTC") from None


Flag = Annotated[bool, Field(strict=True)]
"""true or false, and nothing else (not 1, not "yes")."""

UtcMoment = Annotated[datetime, AfterValidator(_in_utc)]
"""A query or body time, converted to UTC at validation."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True)


class Callbacks(Strict):
    on_progress: AnyHttpUrl | None = None
    on_completion: AnyHttpUrl | None = None
    on_error: AnyHttpUrl | None = None


class SlackNotification(Strict):
    channel: Annotated[str, Field(min_length=1, max_length=200)]
    mention_users: list[Annotated[str, Field(min_length=1, max_length=200)]] = []


class Notifications(Strict):
    email: list[str] = Field(default_factory=list, max_length=50)
    slack: SlackNotification | None = None

    @field_validator("email")
    @classmethod
    def _emails(cls, values: list[str]) -> list[str]:
        for value in values:
            if not _EMAIL.match(value):
                raise ValueError(f"{value!r} is not an e-mail address")
        return values


class RetryPolicyBody(Strict):
    max_retries: Annotated[int, whole(0, 20)] = 0
    retry_delay: Annotated[float, number(0, 86400)] = 60
    backoff_multiplier: Annotated[float, number(1, 10)] = 2.0
    max_delay: Annotated[float, number(0, 7 * 86400)] = 3600


class StartOperationBody(Strict):
    operation_type: Annotated[str, Field(min_length=1, max_length=100)]
    operation_name: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    operation_description: Annotated[str, Field(max_length=5000)] | None = None
    priority: Priority = Priority.NORMAL
    parameters: dict[str, Any] = Field(default_factory=dict)
    callbacks: Callbacks | None = None
    notifications: Notifications | None = None
    timeout: Annotated[int, whole(1, MAX_TIMEOUT)] = 3600
    retry_policy: RetryPolicyBody | None = None


class CancelBody(Strict):
    reason: Annotated[str, Field(max_length=2000)] | None = None
    preserve_partial_results: Flag = True
    force_termination: Flag = False
    notify_callbacks: Flag = True


class RetryBody(Strict):
    retry_mode: Literal["resume", "restart"] = "resume"
    retry_reason: Annotated[str, Field(max_length=2000)] | None = None
    modify_parameters: Flag = False
    updated_parameters: dict[str, Any] | None = None
    retry_policy: RetryPolicyBody | None = None
    new_timeout: Annotated[int, whole(1, MAX_TIMEOUT)] | None = None
    preserve_original_results: Flag = True


def dump(model: BaseModel | None) -> dict[str, Any] | None:
    """The body as stored: camelCase keys, unset optional fields left out."""
    if model is None:
        return None
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)
