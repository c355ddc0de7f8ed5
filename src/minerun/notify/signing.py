"""Webhook signatures as the Standard Webhooks specification defines them.

A delivery carries three headers: ``webhook-id`` (the same on every retry of one event),
``webhook-timestamp`` (integer Unix seconds) and ``webhook-signature``, a space-separated list
of ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``. Several signatures appear while a secret
is being rotated: the receiver accepts the message when any of them matches.

A secret written ``whsec_<base64>`` is base64-decoded; any other secret is used as its UTF-8
bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Mapping, Sequence

from minerun.notify.errors import InvalidSecretError, SignatureError

# Headers a subscription may not set: they carry the signature and the body's framing.
RESERVED_HEADERS = frozenset(
    {
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
        "content-type",
        "content-length",
        "host",
        "transfer-encoding",
        "connection",
    }
)

SECRET_PREFIX = "whsec_"
ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
DEFAULT_TOLERANCE_SECONDS = 300

_TIMESTAMP = re.compile(r"[0-9]{1,12}")


def secret_key(secret: str) -> bytes:
    """The HMAC key of ``secret``: base64-decoded after ``whsec_``, else its UTF-8 bytes.

    Raises :class:`InvalidSecretError` for an empty secret or a ``whsec_`` one that is not
    base64.
    """
    if secret.startswith(SECRET_PREFIX):
        # The padding is optional in the wild, so it is recomputed.
        encoded = secret.removeprefix(SECRET_PREFIX).rstrip("=")
        try:
            key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidSecretError("the part after whsec_ is not base64") from exc
    else:
        key = secret.encode("utf-8")
    if not key:
        raise InvalidSecretError("the secret is empty")
    return key


def generate_secret(nbytes: int = 32) -> str:
    """A new random secret: ``whsec_`` followed by base64 of ``nbytes`` (24 to 64) bytes."""
    if not 24 <= nbytes <= 64:
        raise ValueError("a secret has 24 to 64 random bytes")
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(nbytes)).decode("ascii")


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``v1,<base64>`` signature of ``body`` sent as message ``msg_id`` at ``timestamp``."""
    return _sign_with_key(secret_key(secret), msg_id, timestamp, body)


def webhook_headers(
    secret: str | Sequence[str],
    msg_id: str,
    timestamp: int,
    body: bytes,
    content_type: str = "application/json",
) -> dict[str, str]:
    """The headers of one delivery, signed with each secret (several while rotating)."""
    keys = [secret] if isinstance(secret, str) else list(secret)
    if not keys:
        raise InvalidSecretError("no secret given")
    signatures = " ".join(sign(one, msg_id, timestamp, body) for one in keys)
    return {
        ID_HEADER: msg_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signatures,
        "content-type": content_type,
    }


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> None:
    """Check a received delivery; raise :class:`SignatureError` unless it is authentic and fresh.

    ``headers`` is looked up case-insensitively. The timestamp must lie within ``tolerance``
    seconds of ``now`` (default: the current time) on either side, which bounds replays.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    msg_id = lowered.get(ID_HEADER, "")
    raw_timestamp = lowered.get(TIMESTAMP_HEADER, "").strip()
    raw_signatures = lowered.get(SIGNATURE_HEADER, "")
    if not (msg_id and raw_timestamp and raw_signatures):
        raise SignatureError("missing webhook-id, webhook-timestamp or webhook-signature header")
    timestamp = _check_timestamp(raw_timestamp, tolerance, time.time() if now is None else now)
    expected = base64.b64decode(_sign_with_key(secret_key(secret), msg_id, timestamp, body)[3:])
    if not any(hmac.compare_digest(expected, given) for given in _v1_signatures(raw_signatures)):
        raise SignatureError("no matching signature")


def _sign_with_key(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def _check_timestamp(raw: str, tolerance: int, now: float) -> int:
    if not _TIMESTAMP.fullmatch(raw):
        raise SignatureError("webhook-timestamp is not integer Unix seconds")
    timestamp = int(raw)
    if timestamp < now - tolerance:
        raise SignatureError("webhook-timestamp is too old")
    if timestamp > now + tolerance:
        raise SignatureError("webhook-timestamp is in the future")
    return timestamp


def _v1_signatures(header: str) -> list[bytes]:
    """The decoded ``v1`` signatures of a header; other versions and bad base64 are skipped."""
    decoded = []
    for item in header.split():
        version, _, encoded = item.partition(",")
        if version != "v1":
            continue
        try:
            decoded.append(base64.b64decode(encoded, validate=True))
        except (binascii.Error, ValueError):
            continue
    return decoded
