"""Status answers a poller can afford: ``Retry-After``, ``ETag``/``If-None-Match`` and gzip.

The ETag is weak (``W/"…"``): the same document compressed or not has the same tag. It is a
digest of the answer's bytes, so it changes whenever anything in the answer does; a running
operation's estimates move with the clock, a finished one's answer never changes.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from typing import Any

from fastapi import Request, Response

GZIP_MIN_BYTES = 1024
"""Smaller answers are sent as they are: compressing them saves less than it costs."""


def _encode(document: Any) -> bytes:
    # The same bytes as FastAPI's JSONResponse.
    return json.dumps(
        document, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode("utf-8")


def entity_tag(body: bytes) -> str:
    return f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'


def _matches(header: str | None, tag: str) -> bool:
    """``If-None-Match`` by weak comparison (RFC 9110 §13.1.2)."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    bare = tag.removeprefix("W/")
    return any(item.strip().removeprefix("W/") == bare for item in header.split(","))


def accepts_gzip(header: str | None) -> bool:
    """Whether ``Accept-Encoding`` allows gzip (listed, and not with ``q=0``)."""
    for item in (header or "").split(","):
        name, _, params = item.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            quality = params.strip().removeprefix("q=").strip()
            return quality not in ("0", "0.0", "0.00", "0.000")
    return False


def cacheable_json(
    request: Request, document: Any, retry_after: int | None = None, status_code: int = 200
) -> Response:
    """``document`` as JSON with an ETag (304 when the client has it), gzip when asked."""
    body = _encode(document)
    tag = entity_tag(body)
    headers = {"ETag": tag, "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    if _matches(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=headers)
    if len(body) >= GZIP_MIN_BYTES and accepts_gzip(request.headers.get("accept-encoding")):
        body = gzip.compress(body, compresslevel=6)
        headers["Content-Encoding"] = "gzip"
    return Response(body, status_code=status_code, media_type="application/json", headers=headers)
