"""Webhook delivery over HTTP and HTTPS to a real local receiver, through a pinned address.

The URLs use names such as ``receiver.test`` that no resolver knows: a delivery that arrives
proves that the connection went to the pinned address, not to a DNS answer.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from standardwebhooks import Webhook

from minerun.notify import DeliveryError, PinnedTarget, WebhookSender, send_webhook
from minerun.notify.signing import generate_secret, webhook_headers
from minerun.notify.ssrf import resolve_and_pin

from .conftest import Receiver, Reply, TlsFiles

BODY = b'{"type":"operation.completed","data":{"id":"op_1"}}'


def pin(url: str, ip: str = "127.0.0.1") -> PinnedTarget:
    return resolve_and_pin(url, allow_private=True, resolve=lambda _host, _port: [ip])


@pytest.fixture
def sender() -> Iterator[WebhookSender]:
    with WebhookSender(timeout=5.0) as client:
        yield client


def test_delivery_reaches_pinned_address_with_original_host_and_signature(
    receiver: Receiver, sender: WebhookSender
) -> None:
    url = receiver.url("/hooks/a?x=1", host="receiver.test")
    secret = generate_secret()
    headers = webhook_headers(secret, "msg_1", int(time.time()), BODY)
    outcome = sender.send(pin(url), url, headers, BODY)
    assert outcome.ok and outcome.status_code == 200 and outcome.error is None
    assert outcome.response_excerpt == "ok"
    assert outcome.latency_ms > 0
    (request,) = receiver.requests
    assert request.path == "/hooks/a?x=1"
    assert request.headers["host"] == f"receiver.test:{receiver.port}"
    assert request.body == BODY
    assert request.headers["content-type"] == "application/json"
    Webhook(secret).verify(request.body, request.headers)


def test_connections_are_reused(receiver: Receiver, sender: WebhookSender) -> None:
    url = receiver.url(host="receiver.test")
    target = pin(url)
    outcomes = [sender.send(target, url, {}, BODY) for _ in range(50)]
    assert all(outcome.ok for outcome in outcomes)
    assert len(receiver.requests) == 50
    assert len({request.client_port for request in receiver.requests}) == 1


def test_redirect_is_a_failure_and_not_followed(receiver: Receiver, sender: WebhookSender) -> None:
    receiver.replies["/hook"] = Reply(302, {"location": "/elsewhere"}, b"")
    url = receiver.url()
    outcome = sender.send(pin(url), url, {}, BODY)
    assert not outcome.ok
    assert outcome.status_code == 302
    assert (
        outcome.error is not None and "redirect" in outcome.error and "/elsewhere" in outcome.error
    )
    assert [request.path for request in receiver.requests] == ["/hook"]


@pytest.mark.parametrize(
    ("status", "retry_after", "expected"),
    [(503, "120", 120.0), (429, "7", 7.0), (500, None, None), (410, None, None)],
)
def test_error_status_and_retry_after(
    receiver: Receiver,
    sender: WebhookSender,
    status: int,
    retry_after: str | None,
    expected: float | None,
) -> None:
    headers = {} if retry_after is None else {"retry-after": retry_after}
    receiver.replies["/hook"] = Reply(status, headers, b'{"error":"busy"}')
    url = receiver.url()
    outcome = sender.send(pin(url), url, {}, BODY)
    assert not outcome.ok
    assert outcome.status_code == status
    assert outcome.error is not None and str(status) in outcome.error
    assert outcome.retry_after_seconds == expected
    assert outcome.response_excerpt == '{"error":"busy"}'


def test_retry_after_as_http_date(receiver: Receiver, sender: WebhookSender) -> None:
    when = datetime.now(UTC) + timedelta(seconds=90)
    receiver.replies["/hook"] = Reply(503, {"retry-after": format_datetime(when, usegmt=True)})
    url = receiver.url()
    outcome = sender.send(pin(url), url, {}, BODY)
    assert outcome.retry_after_seconds is not None
    assert 80 <= outcome.retry_after_seconds <= 90


def test_excerpt_is_bounded_and_large_body_is_read(receiver: Receiver) -> None:
    receiver.replies["/hook"] = Reply(200, {}, b"x" * 200_000)
    url = receiver.url()
    with WebhookSender(excerpt_bytes=100) as sender:
        outcome = sender.send(pin(url), url, {}, BODY)
    assert outcome.ok
    assert outcome.response_excerpt == "x" * 100


def test_timeout_per_attempt(receiver: Receiver, sender: WebhookSender) -> None:
    receiver.replies["/hook"] = Reply(delay=2.0)
    url = receiver.url()
    outcome = sender.send(pin(url), url, {}, BODY, timeout=0.3)
    assert outcome.status_code is None
    assert outcome.error is not None and "timed out" in outcome.error
    assert outcome.latency_ms < 1500


def test_connection_refused_is_an_outcome(sender: WebhookSender) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://receiver.test:{port}/hook"
    outcome = sender.send(pin(url), url, {}, BODY)
    assert outcome.status_code is None
    assert outcome.error is not None and "ConnectError" in outcome.error


def test_target_pinned_for_another_url_is_refused(
    receiver: Receiver, sender: WebhookSender
) -> None:
    target = pin(receiver.url(host="receiver.test"))
    for url in (
        receiver.url(host="other.test"),
        f"http://receiver.test:{receiver.port + 1}/hook",
        receiver.url(host="receiver.test", scheme="https"),
    ):
        with pytest.raises(DeliveryError, match="does not belong"):
            sender.send(target, url, {}, BODY)
    assert receiver.requests == []


def test_proxy_settings_of_the_environment_are_ignored(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    url = receiver.url(host="receiver.test")
    assert send_webhook(pin(url), url, {}, BODY).ok
    assert len(receiver.requests) == 1


def test_https_uses_host_name_for_sni_and_certificate(tls_files: TlsFiles) -> None:
    receiver = Receiver(tls_files.server_context())
    try:
        url = receiver.url(host="receiver.test", scheme="https")
        with WebhookSender(ssl_context=tls_files.client_context()) as sender:
            first = sender.send(pin(url), url, {}, BODY)
            second = sender.send(pin(url), url, {}, BODY)
        assert first.ok and second.ok, (first, second)
        assert receiver.sni_names == ["receiver.test"]
        assert receiver.requests[0].headers["host"] == f"receiver.test:{receiver.port}"
    finally:
        receiver.close()


def test_https_refuses_a_certificate_for_another_name(tls_files: TlsFiles) -> None:
    receiver = Receiver(tls_files.server_context())
    try:
        url = receiver.url(host="impostor.test", scheme="https")
        with WebhookSender(ssl_context=tls_files.client_context()) as sender:
            outcome = sender.send(pin(url), url, {}, BODY)
        assert outcome.status_code is None
        assert outcome.error is not None and "CERTIFICATE_VERIFY_FAILED" in outcome.error
        assert receiver.requests == []
    finally:
        receiver.close()


def test_https_refuses_an_unknown_authority(tls_files: TlsFiles) -> None:
    receiver = Receiver(tls_files.server_context())
    try:
        url = receiver.url(host="receiver.test", scheme="https")
        outcome = send_webhook(pin(url), url, {}, BODY)
        assert outcome.error is not None and "CERTIFICATE_VERIFY_FAILED" in outcome.error
    finally:
        receiver.close()
