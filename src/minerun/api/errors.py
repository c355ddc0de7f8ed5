"""The one place where errors become HTTP answers: RFC 9457 ``application/problem+json``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from minerun.api import paths
from minerun.exceptions import (
    Conflict,
    IdempotencyConflict,
    IdempotencyMismatch,
    InvalidInput,
    MinerunError,
    NotFound,
    PayloadTooLarge,
    Unauthorized,
    UnprocessableContent,
)

log = logging.getLogger(__name__)

PROBLEM = "application/problem+json"
_STATUS: list[tuple[type[MinerunError], int, str]] = [
    (IdempotencyMismatch, 422, "idempotency-key-reused"),
    (UnprocessableContent, 422, "unprocessable-content"),
    (PayloadTooLarge, 413, "payload-too-large"),
    (InvalidInput, 400, "invalid-request"),
    (NotFound, 404, "not-found"),
    (IdempotencyConflict, 409, "idempotency-in-progress"),
    (Conflict, 409, "conflict"),
    (Unauthorized, 401, "unauthorized"),
]
_RESERVED = {"type", "title", "status", "detail", "instance", "errors", "headers"}
_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    500: "Internal Server Error",
}


def problem(
    status: int,
    detail: str,
    kind: str,
    request: Request,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {
        "type": f"https://minerun.dev/problems/{kind}",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="minerun"'
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _field(location: tuple[Any, ...]) -> str:
    parts = [str(p) for p in location if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _error(error: dict[str, Any]) -> dict[str, str]:
    if error.get("type") == "json_invalid":
        # FastAPI puts the offset where a field name belongs; the body is the field.
        position = error["loc"][-1]
        cause = (error.get("ctx") or {}).get("error", "not JSON")
        return {"field": "body", "reason": f"invalid JSON at character {position}: {cause}"}
    return {"field": _field(tuple(error["loc"])), "reason": error["msg"]}


def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [_error(e) for e in exc.errors()]
    return problem(400, "The request is not valid.", "invalid-request", request, errors=errors)


def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MinerunError)
    status, kind = next(((s, k) for cls, s, k in _STATUS if isinstance(exc, cls)), (500, "error"))
    extra: dict[str, Any] = {}
    if isinstance(exc, InvalidInput):
        extra["errors"] = exc.errors
    extra.update(
        {
            key: value
            for key, value in exc.details.items()
            if isinstance(value, str | int | float) and key not in _RESERVED
        }
    )
    return problem(status, exc.message, kind, request, **extra)


def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(_allowed(request)) or headers.get("Allow", "")
    return problem(exc.status_code, str(exc.detail), "http-error", request, headers=headers)


def _allowed(request: Request) -> list[str]:
    """Every method some endpoint takes at this path (Starlette names only one route's)."""
    found = paths.matches(request.app, request.url.path)
    return sorted(set().union(*(m.methods for m in found))) if found else []


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception(
        "unhandled error on %s %s",
        request.method,
        request.url.path,
        exc_info=exc,
        extra={"requestId": request.scope.get("state", {}).get("request_id")},
    )
    return problem(500, "An unexpected error occurred.", "internal-error", request)


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "reason"],
                "properties": {"field": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
    },
}


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(MinerunError, _domain)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
