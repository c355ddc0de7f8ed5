"""Verifying minerun's signed deliveries (webhooks and operation callbacks) in a receiver."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from minerun.notify.errors import SignatureError
from minerun.notify.signing import DEFAULT_TOLERANCE_SECONDS, verify


def verify_webhook(
    secret: str,
    headers: Mapping[str, str],
    body: bytes | str,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> dict[str, Any]:
    """Check a delivery's Standard Webhooks signature and return its parsed JSON payload.

    ``secret`` is the subscription's secret (or the project's callback signing secret),
    ``headers`` the request headers (any case) and ``body`` the raw body, exactly as received.
    Raises :class:`~minerun.notify.errors.SignatureError` when the delivery is not authentic
    or its timestamp is more than ``tolerance`` seconds away from now.
    """
    raw = body.encode() if isinstance(body, str) else body
    verify(secret, headers, raw, tolerance)
    payload = json.loads(raw)
    if not isinstance(payload, dict):
        raise SignatureError("the payload is not a JSON object")
    return payload
