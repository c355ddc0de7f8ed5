"""One log line and one metrics observation per HTTP request, and its ``X-Request-Id``.

A pure ASGI middleware, so that streamed answers are measured to their last byte. The route
is the path template (``/api/{tenantId}/…``), never the path: ids and artifact link tokens
stay out of logs and metric labels. A request id sent by the caller is echoed when it is a
plain token (letters, digits, ``.-_``, at most 128); otherwise a new one is made.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from minerun.metrics import HTTP_REQUESTS, HTTP_SECONDS

log = logging.getLogger("minerun.http")
_PLAIN: Final = re.compile(r"[A-Za-z0-9._-]{1,128}")
UNMATCHED: Final = "unmatched"


def request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if _PLAIN.fullmatch(candidate):
                return candidate
    return uuid.uuid4().hex


class RequestObserver:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = request_id(scope)
        scope.setdefault("state", {})["request_id"] = rid
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", UNMATCHED)
            HTTP_REQUESTS.labels(route, scope["method"], str(status)).inc()
            HTTP_SECONDS.labels(route).observe(seconds)
            log.info(
                "%s %s %s",
                scope["method"],
                route,
                status,
                extra={
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "durationMs": round(seconds * 1000, 1),
                    "requestId": rid,
                },
            )
