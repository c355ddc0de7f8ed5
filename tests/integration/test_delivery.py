"""Delivery workers against real local receivers, an SMTP server and a Slack stand-in."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from standardwebhooks import Webhook

from minerun.config import Settings
from minerun.domain.failures import Failure, FailureType
from minerun.domain.priority import Priority
from minerun.notify.deliverer import Deliverer
from minerun.services.requests import StartRequest
from minerun.store import tables_notify as tn
from minerun.store.database import Database
from minerun.store.webhooks import WebhookStore
from tests.support.factory import NO_USAGE, SCOPE, service, start
from tests.support.receiver import Received, Receiver, free_port

SECRET = "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcY"
ALL = [
    "operation.started",
    "operation.progress",
    "operation.phase.completed",
    "operation.completed",
]


@pytest.fixture
def local(settings: Settings) -> Settings:
    return settings.model_copy(update={"webhook_allow_private": True, "webhook_timeout_seconds": 2})


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.stop()


def subscribe(
    database: Database, url: str, policy: dict[str, Any] | None = None, **extra: Any
) -> str:
    now = datetime.now(UTC)
    sub_id = f"wh-{time.time_ns()}"
    row = {
        "id": sub_id,
        "tenant_id": SCOPE.tenant_id,
        "project_id": SCOPE.project_id,
        "url": url,
        "name": "t",
        "events": ALL,
        "filters": {"minProgressIncrement": 50},
        "retry_policy": policy,
        "headers": {"X-Source": "tests"},
        "secret": SECRET,
        "status": "Active",
        "created_at": now,
        "updated_at": now,
    }
    WebhookStore(database.engine).create({**row, **extra})
    return sub_id


def run_operation(settings: Settings, database: Database, **parameters: Any) -> str:
    op = start(service(settings, database), **{"records": 4, **parameters})
    lease = database.queue.claim("w", datetime.now(UTC), 30)
    assert lease is not None
    for position in range(3):
        database.queue.start_phase(lease, position, datetime.now(UTC))
        for done in range(1, 5):
            database.queue.progress(lease, position, done, 4, "x", position * 4, 0)
        database.queue.complete_phase(lease, position, {}, [], datetime.now(UTC), 4, 4)
    database.queue.complete(lease, datetime.now(UTC), None, NO_USAGE)
    return op.id


def event_rows(database: Database) -> list[dict[str, Any]]:
    """The rows to deliver (the event stream's own rows are never delivered)."""
    e = tn.outbox_events.c
    with database.engine.connect() as conn:
        rows = conn.execute(
            select(tn.outbox_events).where(e.target_kind != "stream").order_by(e.seq)
        )
        return [dict(r) for r in rows.mappings()]


def attempts(database: Database) -> list[dict[str, Any]]:
    d = tn.deliveries.c
    with database.engine.connect() as conn:
        rows = conn.execute(select(tn.deliveries).order_by(d.event_seq, d.attempt))
        return [dict(r) for r in rows.mappings()]


def drain(
    deliverer: Deliverer, database: Database, until: Callable[[], bool], timeout: float = 20
) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, (
            f"not done: {[r['status'] for r in event_rows(database)]}"
        )
        if not deliverer.run_once():
            time.sleep(0.02)


def settled(database: Database) -> Callable[[], bool]:
    return lambda: all(
        r["status"] in ("delivered", "failed", "skipped") for r in event_rows(database)
    )


def verify(received: Received, secret: str = SECRET) -> dict[str, Any]:
    return dict(Webhook(secret).verify(received.body, received.headers))


def test_a_receiver_down_then_up_gets_every_event_in_order_signed(
    local: Settings, database: Database, receiver: Receiver
) -> None:
    subscribe(database, receiver.url, {"maxRetries": 10, "retryDelay": 0.1, "maxDelay": 0.3})
    op_id = run_operation(local, database)
    deliverer = Deliverer(local, database.engine)
    try:
        for _ in range(3):  # the receiver is down: attempts fail and are rescheduled
            deliverer.run_once()
            time.sleep(0.12)
        assert receiver.requests == []
        assert all(not a["success"] and a["status_code"] is None for a in attempts(database))
        receiver.start()
        drain(deliverer, database, settled(database))
    finally:
        deliverer.close()
    rows = event_rows(database)
    assert {r["status"] for r in rows} == {"delivered"}
    got = receiver.accepted()
    assert [r.webhook_id for r in got] == [r["id"] for r in rows]  # every one, in order
    for request in got:
        payload = verify(request)
        assert payload["data"]["operation"]["operationId"] == op_id
        assert request.headers["x-source"] == "tests"
    assert next(r.json["type"] for r in got) == "operation.started"
    assert [r.json["type"] for r in got][-1] == "operation.completed"


def test_a_receiver_failing_half_its_requests_is_retried_by_the_policy(
    local: Settings, database: Database, receiver: Receiver
) -> None:
    receiver.respond = lambda n, _r: (500, {}) if n % 2 == 0 else (200, {})
    receiver.start()
    policy = {"maxRetries": 3, "retryDelay": 0.2, "backoffMultiplier": 2.0, "maxDelay": 0.3}
    subscribe(database, receiver.url, policy)
    run_operation(local, database)
    deliverer = Deliverer(local, database.engine)
    try:
        drain(deliverer, database, settled(database))
    finally:
        deliverer.close()
    assert {r["status"] for r in event_rows(database)} == {"delivered"}
    tries = attempts(database)
    failed = [a for a in tries if not a["success"]]
    assert failed and all(a["status_code"] == 500 for a in failed)
    for attempt in failed:
        wait = (attempt["next_retry_at"] - attempt["attempted_at"]).total_seconds()
        base = min(0.2 * 2 ** (attempt["attempt"] - 1), 0.3)
        # Jitter of 20 %, never above maxDelay. The retry time is drawn before the attempt
        # is recorded; on a busy machine the recording comes later, which shortens ``wait``.
        assert base * 0.8 - 0.1 <= wait <= 0.3 + 1e-6
    # The same webhook-id on every attempt of one event.
    by_id: dict[str, int] = {}
    for request in receiver.requests:
        by_id[request.webhook_id] = by_id.get(request.webhook_id, 0) + 1
    assert set(by_id.values()) <= {1, 2} and 2 in by_id.values()


def test_retries_stop_after_max_retries_and_retry_after_is_honoured(
    local: Settings, database: Database, receiver: Receiver
) -> None:
    receiver.respond = lambda _n, _r: (503, {"Retry-After": "1"})
    receiver.start()
    subscribe(database, receiver.url, {"maxRetries": 1, "retryDelay": 0.01, "maxDelay": 5})
    start(service(local, database))
    database.queue.claim("w", datetime.now(UTC), 30)  # operation.started only
    deliverer = Deliverer(local, database.engine)
    try:
        deliverer.run_once()
        [first] = attempts(database)
        wait = (first["next_retry_at"] - first["attempted_at"]).total_seconds()
        assert 0.99 <= wait <= 1.01  # Retry-After wins over the 0.01 s of the policy
        drain(deliverer, database, settled(database))
    finally:
        deliverer.close()
    assert [a["attempt"] for a in attempts(database)] == [1, 2]
    assert event_rows(database)[0]["status"] == "failed"


def test_410_disables_the_subscription(
    local: Settings, database: Database, receiver: Receiver
) -> None:
    receiver.respond = lambda _n, _r: (410, {})
    receiver.start()
    sub = subscribe(database, receiver.url)
    run_operation(local, database)
    deliverer = Deliverer(local, database.engine)
    try:
        drain(deliverer, database, settled(database))
    finally:
        deliverer.close()
    assert len(receiver.requests) == 1
    row = WebhookStore(database.engine).get(SCOPE, sub)
    assert row["status"] == "Disabled" and "410" in row["status_reason"]
    assert {r["status"] for r in event_rows(database)} == {"failed"}


def test_paused_subscriptions_hold_their_deliveries(
    local: Settings, database: Database, receiver: Receiver
) -> None:
    receiver.start()
    sub = subscribe(database, receiver.url)
    start(service(local, database))
    database.queue.claim("w", datetime.now(UTC), 30)
    store = WebhookStore(database.engine)
    store.update(SCOPE, sub, {"status": "Paused"})
    deliverer = Deliverer(local, database.engine)
    try:
        assert deliverer.run_once() == 0 and receiver.requests == []
        store.update(SCOPE, sub, {"status": "Active"})
        drain(deliverer, database, settled(database))
    finally:
        deliverer.close()
    assert [r.json["type"] for r in receiver.accepted()] == ["operation.started"]


def test_loopback_is_refused_at_delivery_unless_allowed(
    settings: Settings, database: Database, receiver: Receiver
) -> None:
    receiver.start()
    subscribe(database, receiver.url, {"maxRetries": 0, "retryDelay": 0})
    start(service(settings, database))
    database.queue.claim("w", datetime.now(UTC), 30)
    deliverer = Deliverer(settings, database.engine)  # webhook_allow_private is False
    try:
        drain(deliverer, database, settled(database))
    finally:
        deliverer.close()
    assert receiver.requests == []
    [attempt] = attempts(database)
    assert "loopback" in attempt["error"]


def _notify_operation(settings: Settings, database: Database, notifications: dict[str, Any]) -> str:
    request = StartRequest(
        operation_type="Steps",
        operation_name="Monthly analysis",
        operation_description=None,
        priority=Priority.HIGH,
        parameters={"records": 1},
        callbacks=None,
        notifications=notifications,
        timeout=3600,
        retry_policy=None,
    )
    started = service(settings, database).start(SCOPE, request, "t", None, lambda op: ({}, ""))
    assert started.operation is not None
    lease = database.queue.claim("w", datetime.now(UTC), 30)
    assert lease is not None
    failure = Failure(FailureType.INVALID_INPUT, "the bad log has no events")
    database.queue.fail(lease, datetime.now(UTC), failure, max_crashes=5)
    return started.operation.id


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


def test_email_goes_through_a_real_smtp_server(local: Settings, database: Database) -> None:
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        configured = local.model_copy(
            update={
                "smtp_host": "127.0.0.1",
                "smtp_port": controller.port,
                "smtp_security": "none",
                "smtp_from": "minerun@example.com",
                "public_base_url": "https://minerun.example.com",
            }
        )
        op_id = _notify_operation(configured, database, {"email": ["ops@example.com"]})
        deliverer = Deliverer(configured, database.engine)
        try:
            drain(deliverer, database, settled(database))
        finally:
            deliverer.close()
    finally:
        controller.stop()
    [(recipients, message)] = inbox.messages
    assert recipients == ["ops@example.com"]
    assert message["Subject"] == "[minerun] Monthly analysis failed"
    text = message.get_payload(decode=True).decode()
    assert op_id in text and "bad log" in text
    assert f"https://minerun.example.com/api/{SCOPE.tenant_id}" in text
    assert event_rows(database)[0]["status"] == "delivered"


def test_slack_through_a_local_stand_in_and_unconfigured_channels_are_skipped(
    local: Settings, database: Database, receiver: Receiver
) -> None:
    receiver.respond = lambda _n, _r: (200, {"content-type": "application/json"})
    receiver.reply = b'{"ok": true, "channel": "C0OPS", "ts": "1700000000.000100"}'
    receiver.start()
    configured = local.model_copy(
        update={"slack_token": "xoxb-test", "slack_base_url": f"http://127.0.0.1:{receiver.port}"}
    )
    _notify_operation(
        configured,
        database,
        {
            "email": ["ops@example.com"],
            "slack": {"channel": "#ops", "mentionUsers": ["U123ABC", "@analyst"]},
        },
    )
    deliverer = Deliverer(configured, database.engine)
    try:
        drain(deliverer, database, settled(database))
    finally:
        deliverer.close()
    [post] = receiver.requests
    assert post.path == "/chat.postMessage" and post.headers["authorization"] == "Bearer xoxb-test"
    sent = json.loads(post.body)
    assert sent["channel"] == "#ops"
    assert sent["text"].startswith("<@U123ABC> @analyst Operation 'Monthly analysis'")
    statuses = {r["target_kind"]: (r["status"], r["last_error"]) for r in event_rows(database)}
    assert statuses["slack"] == ("delivered", None)
    assert statuses["email"] == ("skipped", "e-mail is not configured (MINERUN_SMTP_HOST/FROM)")


def test_an_unsafe_callback_fails_at_once_is_counted_and_blocks_nothing(
    settings: Settings, database: Database
) -> None:
    # Stored as an older release accepted it, before callbacks were checked at submission.
    unsafe = "http://127.0.0.1:9/hook"
    request = StartRequest(
        operation_type="Steps",
        operation_name="callbacks",
        operation_description=None,
        priority=Priority.NORMAL,
        parameters={"records": 4},
        callbacks={"onProgress": unsafe, "onCompletion": unsafe},
        notifications=None,
        timeout=3600,
        retry_policy=None,
    )
    started = service(settings, database).start(SCOPE, request, "t", None, lambda op: ({}, ""))
    assert started.operation is not None
    lease = database.queue.claim("w", datetime.now(UTC), 30)
    assert lease is not None
    for position in range(3):
        database.queue.start_phase(lease, position, datetime.now(UTC))
        database.queue.progress(lease, position, 4, 4, "x", position * 4 + 4, 0)
        database.queue.complete_phase(lease, position, {}, [], datetime.now(UTC), 4, 4)
    database.queue.complete(lease, datetime.now(UTC), None, NO_USAGE)
    deliverer = Deliverer(settings, database.engine)  # webhook_allow_private is False
    try:
        drain(deliverer, database, settled(database))
    finally:
        deliverer.close()
    callbacks = [r for r in event_rows(database) if r["target_kind"] == "callback"]
    assert {r["event_type"] for r in callbacks} >= {"operation.progress", "operation.completed"}
    assert all(r["status"] == "failed" and r["attempts"] == 1 for r in callbacks)
    assert all("loopback" in r["last_error"] for r in callbacks)
    assert len(attempts(database)) == len(callbacks)
    notices = WebhookStore(database.engine).notices([started.operation.id])
    assert notices[started.operation.id].failed == len(callbacks)
