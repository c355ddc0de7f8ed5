"""The errors the client raises, mirroring the server's (``minerun.exceptions``).

    MinerunError
    ├── ApiError                     any problem+json answer (``.status``, ``.type``, ``.detail``)
    │   ├── InvalidInput             400, ``.errors`` lists ``{"field": ..., "reason": ...}``
    │   │   ├── IdempotencyMismatch  422 idempotency-key-reused
    │   │   └── UnprocessableContent 422
    │   ├── Unauthorized             401
    │   ├── NotFound                 404
    │   ├── Conflict                 409
    │   │   └── IdempotencyConflict  409 idempotency-in-progress
    │   ├── PayloadTooLarge          413
    │   ├── TooManyRequests          429
    │   └── ServerError              5xx
    │       └── ServiceUnavailable   503
    ├── TransportError               no answer: connection refused or broken
    │   └── Timeout                  no answer in time
    ├── WaitTimeout                  ``wait()`` gave up before the operation finished
    └── SignatureError               a webhook delivery is not authentic

These classes are the client's own: the client never imports the server. A server error becomes
the class registered for its problem ``type`` (the most precise), else for its HTTP status.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

PROBLEM_TYPES = "https://minerun.dev/problems/"


class MinerunError(Exception):
    """Something went wrong talking to minerun."""


class ApiError(MinerunError):
    """The API answered with an error (an RFC 9457 problem)."""

    def __init__(
        self,
        status: int,
        detail: str,
        type: str = "about:blank",
        title: str | None = None,
        instance: str | None = None,
        body: dict[str, Any] | None = None,
        headers: httpx.Headers | None = None,
    ) -> None:
        super().__init__(f"{status} {detail}")
        self.status = status
        self.detail = detail
        self.type = type
        self.title = title
        self.instance = instance
        self.body = body or {}
        self.headers = headers or httpx.Headers()


class InvalidInput(ApiError):
    """The request is not valid; ``errors`` names each field and why."""

    @property
    def errors(self) -> list[dict[str, str]]:
        found = self.body.get("errors")
        return [e for e in found if isinstance(e, dict)] if isinstance(found, list) else []


class IdempotencyMismatch(InvalidInput):
    """This Idempotency-Key was used before with a different request."""


class UnprocessableContent(InvalidInput):
    """The request is well formed but its content cannot be used."""


class Unauthorized(ApiError):
    """A valid bearer token is required."""


class NotFound(ApiError):
    """The resource does not exist (or belongs to another project)."""


class Conflict(ApiError):
    """The resource is not in a state that allows this request."""


class IdempotencyConflict(Conflict):
    """A request with this Idempotency-Key is still being processed."""


class PayloadTooLarge(ApiError):
    """The upload is larger than the server accepts."""


class TooManyRequests(ApiError):
    """The server asks to slow down."""


class ServerError(ApiError):
    """The server failed (5xx)."""


class ServiceUnavailable(ServerError):
    """The server cannot answer right now (503)."""


class TransportError(MinerunError):
    """No answer: the connection could not be made or broke."""


class Timeout(TransportError):
    """No answer within the timeout."""


class WaitTimeout(MinerunError):
    """The operation had not finished when ``wait()`` gave up; ``last`` is its last status."""

    def __init__(self, message: str, last: Any = None) -> None:
        super().__init__(message)
        self.last = last


class SignatureError(MinerunError):
    """The webhook delivery is not authentic, or its timestamp is outside the tolerance."""


_BY_TYPE: dict[str, type[ApiError]] = {
    "idempotency-key-reused": IdempotencyMismatch,
    "idempotency-in-progress": IdempotencyConflict,
    "unprocessable-content": UnprocessableContent,
}
_BY_STATUS: dict[int, type[ApiError]] = {
    400: InvalidInput,
    401: Unauthorized,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    422: UnprocessableContent,
    429: TooManyRequests,
    503: ServiceUnavailable,
}


def error_class(status: int, problem_type: str) -> type[ApiError]:
    """The most precise class for an answer: by problem type, else status, else status class."""
    name = problem_type.removeprefix(PROBLEM_TYPES)
    if problem_type.startswith(PROBLEM_TYPES) and name in _BY_TYPE:
        return _BY_TYPE[name]
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return ServerError if status >= 500 else ApiError


def from_response(response: httpx.Response) -> ApiError:
    """The exception for an error answer (problem+json, or whatever a proxy sent instead)."""
    body: dict[str, Any] = {}
    try:
        parsed = json.loads(response.content) if response.content else {}
        if isinstance(parsed, dict):
            body = parsed
    except ValueError:
        pass
    detail = body.get("detail")
    if not isinstance(detail, str):
        detail = response.text[:500] or response.reason_phrase
    problem_type = body.get("type") if isinstance(body.get("type"), str) else "about:blank"
    cls = error_class(response.status_code, str(problem_type))
    return cls(
        response.status_code,
        detail,
        type=str(problem_type),
        title=body.get("title") if isinstance(body.get("title"), str) else None,
        instance=body.get("instance") if isinstance(body.get("instance"), str) else None,
        body=body,
        headers=response.headers,
    )
