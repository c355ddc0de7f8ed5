"""Request bodies of the operation endpoints, validated field by field; unknown fields refused."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from minerun.domain.priority import Priority

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_TIMEOUT = 7 * 24 * 3600


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
    max_retries: Annotated[int, Field(ge=0, le=20)] = 0
    retry_delay: Annotated[float, Field(ge=0, le=86400)] = 60
    backoff_multiplier: Annotated[float, Field(ge=1, le=10)] = 2.0
    max_delay: Annotated[float, Field(ge=0, le=7 * 86400)] = 3600


class StartOperationBody(Strict):
    operation_type: Annotated[str, Field(min_length=1, max_length=100)]
    operation_name: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    operation_description: Annotated[str, Field(max_length=5000)] | None = None
    priority: Priority = Priority.NORMAL
    parameters: dict[str, Any] = Field(default_factory=dict)
    callbacks: Callbacks | None = None
    notifications: Notifications | None = None
    timeout: Annotated[int, Field(ge=1, le=MAX_TIMEOUT)] = 3600
    retry_policy: RetryPolicyBody | None = None


class CancelBody(Strict):
    reason: Annotated[str, Field(max_length=2000)] | None = None
    preserve_partial_results: bool = True
    force_termination: bool = False
    notify_callbacks: bool = True


class RetryBody(Strict):
    retry_mode: Literal["resume", "restart"] = "resume"
    retry_reason: Annotated[str, Field(max_length=2000)] | None = None
    modify_parameters: bool = False
    updated_parameters: dict[str, Any] | None = None
    retry_policy: RetryPolicyBody | None = None
    new_timeout: Annotated[int, Field(ge=1, le=MAX_TIMEOUT)] | None = None
    preserve_original_results: bool = True


def dump(model: BaseModel | None) -> dict[str, Any] | None:
    """The body as stored: camelCase keys, unset optional fields left out."""
    if model is None:
        return None
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)
