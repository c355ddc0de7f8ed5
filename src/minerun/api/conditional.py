"""Status answers a poller can afford: ``Retry-After``, ``ETag``/``If-None-Match`` and gzip.

The ETag is weak (``W/"…"``): the same document compressed or not has the same tag. It is a
digest of the answer's bytes, so it changes whenever anything in the answer does; a running
operation's estimates move with the clock, a finished one's answer never changes.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from fastapi import Request, Response

from minerun.domain.estimates import Queue
from minerun.domain.progress import progress_of, timing_of
from minerun.domain.records import Operation

GZIP_MIN_BYTES = 1024
"""Smaller answers are sent as they are: compressing them saves less than it costs."""


RETRY_AFTER: dict[str, Any] = {
    "description": "Whole seconds to wait before asking again about this unfinished "
    "operation, from its estimates (absent once it has ended)",
    "schema": {"type": "integer", "minimum": 1, "maximum": 60},
}
STATUS_HEADERS: dict[str, dict[str, Any]] = {
    "Retry-After": RETRY_AFTER,
    "ETag": {
        "description": "A weak tag of this answer: send it in If-None-Match to get 304 while "
        "the answer is unchanged",
        "schema": {"type": "string"},
    },
}
NOT_MODIFIED: dict[str, Any] = {
    "description": "Not modified: the answer still has the ETag sent in If-None-Match.",
    "headers": STATUS_HEADERS,
}


def retry_after(op: Operation, queue: Queue | None) -> int:
    """When to look again at an unfinished operation, from its estimates (``Timing``)."""
    now = datetime.now(UTC)
    return timing_of(op, progress_of(op, now), queue, now).retry_after()


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
