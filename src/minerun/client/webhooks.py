"""Verifying minerun's signed deliveries (webhooks and operation callbacks) in a receiver.

Deliveries are signed as the Standard Webhooks specification says: ``webhook-id``,
``webhook-timestamp`` (Unix seconds) and ``webhook-signature`` (space-separated
``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``, several while a secret rotates). A secret
written ``whsec_<base64>`` is base64-decoded, any other is used as its UTF-8 bytes. This module
needs only the standard library, so a receiver can use it without the server installed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from collections.abc import Mapping
from typing import Any

from minerun.client.errors import SignatureError

DEFAULT_TOLERANCE_SECONDS = 300
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


def verify_webhook(
    secret: str,
    headers: Mapping[str, str],
    body: bytes | str,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> dict[str, Any]:
    """Check a delivery's Standard Webhooks signature and return its parsed JSON payload.

    ``secret`` is the subscription's secret (or the project's callback signing secret),
    ``headers`` the request headers (any case) and ``body`` the raw body, exactly as received.
    Raises :class:`SignatureError` when the delivery is not authentic or its timestamp is more
    than ``tolerance`` seconds away from ``now`` (default: the current time).
    """
    raw = body.encode() if isinstance(body, str) else body
    lowered = {name.lower(): value for name, value in headers.items()}
    msg_id = lowered.get("webhook-id", "")
    stamp = lowered.get("webhook-timestamp", "").strip()
    signatures = lowered.get("webhook-signature", "")
    if not (msg_id and stamp and signatures):
        raise SignatureError("missing webhook-id, webhook-timestamp or webhook-signature header")
    if not _TIMESTAMP.fullmatch(stamp):
        raise SignatureError("webhook-timestamp is not integer Unix seconds")
    moment = time.time() if now is None else now
    if int(stamp) < moment - tolerance:
        raise SignatureError("webhook-timestamp is too old")
    if int(stamp) > moment + tolerance:
        raise SignatureError("webhook-timestamp is in the future")
    content = f"{msg_id}.{stamp}.".encode() + raw
    expected = hmac.new(_key(secret), content, hashlib.sha256).digest()
    if not any(hmac.compare_digest(expected, given) for given in _v1(signatures)):
        raise SignatureError("no matching signature")
    payload = json.loads(raw)
    if not isinstance(payload, dict):
        raise SignatureError("the payload is not a JSON object")
    return payload


def _key(secret: str) -> bytes:
    if secret.startswith("whsec_"):
        # The padding is optional in the wild, so it is recomputed.
        encoded = secret.removeprefix("whsec_").rstrip("=")
        try:
            key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise SignatureError("the secret's part after whsec_ is not base64") from exc
    else:
        key = secret.encode()
    if not key:
        raise SignatureError("the secret is empty")
    return key


def _v1(header: str) -> list[bytes]:
    """The decoded ``v1`` signatures of a header; other versions and bad base64 are skipped."""
    found = []
    for item in header.split():
        version, _, encoded = item.partition(",")
        if version == "v1":
            try:
                found.append(base64.b64decode(encoded, validate=True))
            except (binascii.Error, ValueError):
                continue
    return found
