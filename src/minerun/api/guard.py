"""Checks every request passes before it reaches a route: body size and NUL characters.

Pure ASGI, so that it sees the raw request once for all routes:

- a request body other than a multipart upload may be at most ``max_json_bytes`` long
  (413 otherwise, announced or counted as it arrives);
- no input string may hold a NUL character: not a path segment, a query parameter, nor any
  key or string value of a JSON body. PostgreSQL cannot store one in text, and a string that
  SQLite would keep but PostgreSQL refuses would make the backends disagree, so both refuse
  it here, with the field that held it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from minerun.api import paths
from minerun.api.errors import problem
from minerun.exceptions import InvalidInput

NUL = "\x00"
NUL_REASON = "must not contain a NUL character"


class RequestGuard:
    """ASGI middleware applying the checks above; answers problem+json itself."""

    def __init__(self, app: ASGIApp, max_json_bytes: int) -> None:
        self.app = app
        self.max_json_bytes = max_json_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        fields = [*self._path_fields(scope), *_query_fields(scope)]
        if fields:
            await _refuse(request, fields, scope, receive, send)
            return
        if _is_multipart(request):
            await self.app(scope, receive, send)
            return
        body = await self._read(request, receive)
        if body is None:
            detail = (
                f"The request body exceeds {self.max_json_bytes} bytes (MINERUN_MAX_JSON_BYTES)."
            )
            response = problem(413, detail, "payload-too-large", request, limit=self.max_json_bytes)
            await response(scope, receive, send)
            return
        fields = list(_json_fields(body))
        if fields:
            await _refuse(request, fields, scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    def _path_fields(self, scope: Scope) -> list[str]:
        path = scope["path"]
        if NUL not in path:
            return []
        named = {
            name
            for match in paths.matches(scope["app"], path)
            for name, value in match.params.items()
            if NUL in value
        }
        return sorted(named) or ["path"]

    async def _read(self, request: Request, receive: Receive) -> bytes | None:
        """The whole body, or None as soon as it is known to exceed the limit."""
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_json_bytes:
            return None
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_json_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


def refuse_nul(form: dict[str, str]) -> None:
    """The same refusal for the text fields of a multipart form, which this guard streams
    through untouched (an upload's own route reads it)."""
    fields = [name for name, value in form.items() if NUL in name + value]
    if fields:
        raise InvalidInput(
            "The request contains a NUL character.",
            errors=[{"field": field, "reason": NUL_REASON} for field in fields],
        )


def _is_multipart(request: Request) -> bool:
    return request.headers.get("content-type", "").lower().startswith("multipart/form-data")


def _query_fields(scope: Scope) -> list[str]:
    query = scope.get("query_string", b"").decode("latin-1")
    if "%00" not in query and NUL not in query:
        return []
    pairs = parse_qsl(query, keep_blank_values=True)
    return sorted(
        {key if NUL not in key else "query" for key, value in pairs if NUL in key + value}
    )


def _json_fields(body: bytes) -> Iterator[str]:
    """Where a parsed JSON body holds a NUL; a body that does not parse is the route's to refuse."""
    if b"\\u0000" not in body:
        return
    try:
        document = json.loads(body)
    except ValueError:
        return
    yield from _nul_paths(document, "")


def _nul_paths(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, str):
        if NUL in value:
            yield path or "body"
    elif isinstance(value, dict):
        for key, item in value.items():
            if NUL in key:
                yield path or "body"
            else:
                yield from _nul_paths(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_paths(item, f"{path}.{index}" if path else str(index))


async def _refuse(
    request: Request, fields: list[str], scope: Scope, receive: Receive, send: Send
) -> None:
    errors = [{"field": field, "reason": NUL_REASON} for field in dict.fromkeys(fields)]
    response = problem(
        400, "The request contains a NUL character.", "invalid-request", request, errors=errors
    )
    await response(scope, receive, send)


def _replay(body: bytes, original: Receive) -> Receive:
    """A ``receive`` that hands the app the body already read, then the server's messages
    (a streamed answer listens there for the client going away)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()

    return receive
