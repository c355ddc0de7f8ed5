"""docs/webhooks.md stays true: its verifier and its example agree with the signer."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from minerun.notify.signing import generate_secret, verify, webhook_headers

DOC = Path(__file__).resolve().parents[3] / "docs" / "webhooks.md"

Verifier = Callable[..., None]


@pytest.fixture(scope="module")
def doc_text() -> str:
    if not DOC.exists():
        pytest.skip(f"{DOC} is absent")
    return DOC.read_text()


@pytest.fixture(scope="module")
def doc_verifier(doc_text: str) -> tuple[Verifier, type[Exception]]:
    (code,) = re.findall(r"```python\n(.*?)```", doc_text, flags=re.DOTALL)
    namespace: dict[str, object] = {}
    exec(compile(code, str(DOC), "exec"), namespace)
    verifier, error = namespace["verify_webhook"], namespace["InvalidWebhook"]
    assert callable(verifier) and isinstance(error, type) and issubclass(error, Exception)
    return verifier, error


def test_doc_verifier_accepts_our_deliveries(
    doc_verifier: tuple[Verifier, type[Exception]],
) -> None:
    verifier, error = doc_verifier
    body = b'{"type":"dataset.ready"}'
    for secret in (generate_secret(), "a plain secret"):
        headers = webhook_headers([generate_secret(), secret], "msg_1", int(time.time()), body)
        verifier(secret, headers, body)
        with pytest.raises(error):
            verifier(secret, headers, body + b"\n")
    stale = webhook_headers("s", "msg_2", int(time.time()) - 301, body)
    with pytest.raises(error, match="tolerance"):
        verifier("s", stale, body)


def test_doc_example_delivery_is_correctly_signed(doc_text: str) -> None:
    secret = re.findall(r"`(whsec_[A-Za-z0-9+/=]+)`", doc_text)[0]
    example = doc_text.split("POST /your/endpoint", 1)[1].split("```", 1)[0]
    head, body = example.strip().split("\n\n", 1)
    headers = dict(line.split(": ", 1) for line in head.splitlines()[1:])
    timestamp = int(headers["webhook-timestamp"])
    verify(secret, headers, body.strip().encode(), now=timestamp)
    assert int(headers["Content-Length"]) == len(body.strip().encode())
