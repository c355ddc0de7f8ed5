"""Standard Webhooks signatures, checked against the reference ``standardwebhooks`` package."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from minerun.notify import InvalidSecretError, SignatureError
from minerun.notify.signing import (
    generate_secret,
    secret_key,
    sign,
    verify,
    webhook_headers,
)

BODY = b'{"type":"operation.completed","data":{"id":"op_1","status":"succeeded"}}'
RAW_SECRET = "a plain shared secret"


def test_known_vector_matches_hand_computed_hmac() -> None:
    secret = "whsec_" + base64.b64encode(b"k" * 24).decode()
    expected = hmac.new(b"k" * 24, b"msg_1.1700000000." + BODY, hashlib.sha256).digest()
    assert sign(secret, "msg_1", 1700000000, BODY) == "v1," + base64.b64encode(expected).decode()


def test_reference_accepts_our_signature_with_whsec_secret() -> None:
    secret = generate_secret()
    headers = webhook_headers(secret, "msg_2", int(time.time()), BODY)
    assert Webhook(secret).verify(BODY, headers) == {
        "type": "operation.completed",
        "data": {"id": "op_1", "status": "succeeded"},
    }


def test_reference_accepts_our_signature_with_raw_secret() -> None:
    headers = webhook_headers(RAW_SECRET, "msg_3", int(time.time()), BODY)
    # The reference decodes every str secret as base64, so the raw key goes in as bytes.
    Webhook(RAW_SECRET.encode()).verify(BODY, headers, json_parse=False)


def test_we_accept_reference_signature() -> None:
    secret = generate_secret()
    timestamp = int(time.time())
    signature = Webhook(secret).sign("msg_4", datetime.fromtimestamp(timestamp, UTC), BODY.decode())
    headers = {
        "Webhook-Id": "msg_4",
        "Webhook-Timestamp": str(timestamp),
        "Webhook-Signature": signature,
    }
    verify(secret, headers, BODY)


def test_reference_rejects_our_signature_for_another_body() -> None:
    secret = generate_secret()
    headers = webhook_headers(secret, "msg_5", int(time.time()), BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY + b" ", headers)


def test_rotation_signs_with_every_secret_and_either_verifies() -> None:
    old, new = generate_secret(), generate_secret()
    now = int(time.time())
    headers = webhook_headers([old, new], "msg_6", now, BODY)
    assert len(headers["webhook-signature"].split(" ")) == 2
    verify(old, headers, BODY)
    verify(new, headers, BODY)
    Webhook(new).verify(BODY, headers)


def test_unknown_versions_and_bad_base64_are_skipped() -> None:
    secret = generate_secret()
    now = int(time.time())
    good = sign(secret, "msg_7", now, BODY)
    header = f"v1a,abcd v1,!!notbase64!! {good}"
    verify(
        secret,
        {"webhook-id": "msg_7", "webhook-timestamp": str(now), "webhook-signature": header},
        BODY,
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"webhook-id": "msg_other"}, "no matching signature"),
        ({"webhook-signature": "v1,AAAA"}, "no matching signature"),
        ({"webhook-signature": "v2,xyz"}, "no matching signature"),
        ({"webhook-timestamp": "12ab"}, "not integer"),
        ({"webhook-timestamp": "1700000000.5"}, "not integer"),
        ({"webhook-id": ""}, "missing"),
        ({"webhook-signature": ""}, "missing"),
    ],
)
def test_bad_headers_are_refused(change: dict[str, str], message: str) -> None:
    secret = generate_secret()
    headers = webhook_headers(secret, "msg_8", int(time.time()), BODY) | change
    with pytest.raises(SignatureError, match=message):
        verify(secret, headers, BODY)


def test_wrong_secret_and_tampered_body_are_refused() -> None:
    secret = generate_secret()
    headers = webhook_headers(secret, "msg_9", int(time.time()), BODY)
    with pytest.raises(SignatureError):
        verify(generate_secret(), headers, BODY)
    with pytest.raises(SignatureError):
        verify(secret, headers, BODY.replace(b"succeeded", b"failed"))


def test_timestamp_tolerance_on_both_sides() -> None:
    secret = generate_secret()
    sent = 1_700_000_000
    headers = webhook_headers(secret, "msg_10", sent, BODY)
    verify(secret, headers, BODY, now=sent + 300)
    verify(secret, headers, BODY, now=sent - 300)
    with pytest.raises(SignatureError, match="too old"):
        verify(secret, headers, BODY, now=sent + 301)
    with pytest.raises(SignatureError, match="future"):
        verify(secret, headers, BODY, now=sent - 301)
    verify(secret, headers, BODY, tolerance=10_000, now=sent + 5_000)


def test_generate_secret_is_random_whsec_base64() -> None:
    first, second = generate_secret(), generate_secret()
    assert first != second
    assert first.startswith("whsec_")
    assert len(secret_key(first)) == 32
    assert len(secret_key(generate_secret(24))) == 24
    with pytest.raises(ValueError):
        generate_secret(8)


def test_secret_decoding() -> None:
    key = b"\x00\x01binary key bytes\xff"
    encoded = base64.b64encode(key).decode()
    assert secret_key("whsec_" + encoded) == key
    assert secret_key("whsec_" + encoded.rstrip("=")) == key
    assert secret_key(RAW_SECRET) == RAW_SECRET.encode()
    assert secret_key("ünïcode") == "ünïcode".encode()
    for bad in ("whsec_not*base64", "whsec_", ""):
        with pytest.raises(InvalidSecretError):
            secret_key(bad)
