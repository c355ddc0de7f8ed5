"""The Python client of minerun: :class:`Client` (blocking) and :class:`AsyncClient`.

Needs only httpx and pydantic; it never imports the server. See docs/client.md.
"""

from minerun.client.aio import AsyncClient
from minerun.client.errors import (
    ApiError,
    Conflict,
    IdempotencyConflict,
    IdempotencyMismatch,
    InvalidInput,
    MinerunError,
    NotFound,
    PayloadTooLarge,
    ServerError,
    ServiceUnavailable,
    SignatureError,
    Timeout,
    TooManyRequests,
    TransportError,
    Unauthorized,
    UnprocessableContent,
    WaitTimeout,
)
from minerun.client.sync import Client
from minerun.client.webhooks import verify_webhook

__all__ = [
    "ApiError",
    "AsyncClient",
    "Client",
    "Conflict",
    "IdempotencyConflict",
    "IdempotencyMismatch",
    "InvalidInput",
    "MinerunError",
    "NotFound",
    "PayloadTooLarge",
    "ServerError",
    "ServiceUnavailable",
    "SignatureError",
    "Timeout",
    "TooManyRequests",
    "TransportError",
    "Unauthorized",
    "UnprocessableContent",
    "WaitTimeout",
    "verify_webhook",
]
