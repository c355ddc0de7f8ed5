"""The webhook endpoints end to end, with the embedded worker and a real local receiver."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from standardwebhooks import Webhook

from minerun.client import SignatureError, verify_webhook
from minerun.config import Settings
from minerun.domain.records import Scope
from tests.support.api import Api, Service, running_api, shared_service
from tests.support.factory import wait_for
from tests.support.receiver import Receiver

OTHER = Scope("33333333-3333-4333-8333-333333333333", "44444444-4444-4444-8444-444444444444")
EVENTS = [
    "operation.started",
    "operation.progress",
    "operation.phase.completed",
    "operation.completed",
]


@pytest.fixture(scope="module")
def service(shared_settings: Settings) -> Iterator[Service]:
    """The API with its worker, shared by the module's tests (each in a tenant of its own)."""
    local = shared_settings.model_copy(update={"webhook_allow_private": True})
    with shared_service(local) as service:
        yield service


@pytest.fixture
def api(service: Service) -> Iterator[Api]:
    with service.session() as api:
        yield api


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


def register(api: Api, url: str, **body: Any) -> dict[str, Any]:
    payload = {"webhookUrl": url, "webhookName": "main", "events": EVENTS, **body}
    answer = api.client.post(f"{api.base}/webhooks", json=payload, headers=api.headers)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_register_read_change_and_delete(api: Api, receiver: Receiver) -> None:
    created = register(
        api,
        receiver.url,
        filters={"operationTypes": ["Steps"], "priorities": ["High"], "minProgressIncrement": 10},
        retryPolicy={"maxRetries": 2, "retryDelay": 1, "backoffMultiplier": 2, "maxDelay": 5},
        headers={"X-Source": "tests"},
    )
    assert created["webhookId"].startswith("wh-") and created["status"] == "Active"
    assert created["eventsSubscribed"] == EVENTS
    assert created["filters"]["minProgressIncrement"] == 10
    assert created["authentication"]["secret"].startswith("whsec_")
    assert created["lastDelivery"] is None
    assert created["deliveryStats"] == {
        "totalDeliveries": 0,
        "successfulDeliveries": 0,
        "failedDeliveries": 0,
        "averageResponseTime": None,
        "averageResponseTimeMs": None,
    }
    url = f"{api.base}/webhooks/{created['webhookId']}"
    one = api.client.get(url, headers=api.headers).json()
    assert "secret" not in one["authentication"]
    listed = api.client.get(f"{api.base}/webhooks", headers=api.headers).json()
    assert [w["webhookId"] for w in listed["webhooks"]] == [created["webhookId"]]
    assert "secret" not in str(listed)
    paused = api.client.patch(url, json={"status": "Paused"}, headers=api.headers).json()
    assert paused["status"] == "Paused" and "secret" not in paused["authentication"]
    rotated = api.client.patch(url, json={"rotateSecret": True}, headers=api.headers).json()
    assert rotated["authentication"]["secret"] != created["authentication"]["secret"]
    assert rotated["authentication"]["previousSecretValidUntil"] is not None
    assert api.client.delete(url, headers=api.headers).status_code == 204
    assert api.client.get(url, headers=api.headers).status_code == 404


BAD_URLS = [
    "http://127.0.0.1/hook",
    "http://localhost/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://[::ffff:127.0.0.1]/",
    "http://[::1]/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://10.1.2.3/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "http://[fe80::1]/",
    "http://metadata.google.internal/",
    "ftp://example.com/",
    "http://user:pw@example.com/",
    "file:///etc/passwd",
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_unsafe_urls_are_refused_at_registration(settings: Settings, url: str) -> None:
    with running_api(settings, worker=False) as api:
        answer = api.client.post(
            f"{api.base}/webhooks", json={"webhookUrl": url, "events": EVENTS}, headers=api.headers
        )
    assert answer.status_code == 400, answer.text
    problem = answer.json()
    assert answer.headers["content-type"] == "application/problem+json"
    assert problem["errors"][0]["field"] == "webhookUrl"


def test_a_name_that_does_not_resolve_yet_is_accepted(settings: Settings) -> None:
    with running_api(settings, worker=False) as api:
        created = register(api, "https://hooks.minerun-test.invalid/async-operations")
    assert "checked again" in created["urlCheck"]


def test_subscriptions_and_deliveries_are_isolated_per_tenant(
    settings: Settings, receiver: Receiver
) -> None:
    local = settings.model_copy(update={"webhook_allow_private": True})
    # No worker: the operation below is only counted, never run.
    with running_api(local, worker=False) as api:
        created = register(api, receiver.url)
        app = api.client.app
        _record, other_token = app.state.database.tokens.create(OTHER.tenant_id, None, "other")  # type: ignore[attr-defined]
        other = {"Authorization": f"Bearer {other_token}"}
        base = f"/api/{OTHER.tenant_id}/{OTHER.project_id}/async"
        assert api.client.get(f"{base}/webhooks", headers=other).json()["webhooks"] == []
        for path in ("", "/deliveries"):
            url = f"{base}/webhooks/{created['webhookId']}{path}"
            assert api.client.get(url, headers=other).status_code == 404
        foreign = f"{api.base}/webhooks/{created['webhookId']}"
        assert api.client.get(foreign, headers=other).status_code == 404
        op = api.client.post(
            f"{base}/operation", json={"operationType": "Steps"}, headers=other
        ).json()
        assert op["webhooksRegistered"] == 0  # the other tenant's subscription is not counted


def test_events_arrive_signed_and_in_order_and_are_counted(api: Api, receiver: Receiver) -> None:
    created = register(api, receiver.url, filters={"minProgressIncrement": 25})
    secret = created["authentication"]["secret"]
    op = api.start(
        parameters={"records": 8, "chunk": 2},
        callbacks={
            "onProgress": receiver.url + "/progress",
            "onCompletion": receiver.url + "/done",
        },
        notifications={"email": ["ops@example.com"]},
    )
    assert op["webhooksRegistered"] == 3  # one subscription and two callback URLs
    api.wait_status(op["operationId"])
    wait_for(lambda: any(r.path == "/hook/done" for r in receiver.accepted()))
    wait_for(lambda: [r for r in receiver.of_type("operation.completed") if r.path == "/hook"])
    hooks = [r for r in receiver.accepted() if r.path == "/hook"]
    kinds = [Webhook(secret).verify(r.body, r.headers)["type"] for r in hooks]
    assert kinds[0] == "operation.started" and kinds[-1] == "operation.completed"
    assert kinds.count("operation.phase.completed") == 3
    percentages = [
        r.json["data"]["operation"]["progress"]["percentage"]
        for r in hooks
        if r.json["type"] == "operation.progress"
    ]
    assert percentages == sorted(percentages) and len(percentages) <= 5

    project = api.client.get(f"{api.base}/signing-secret", headers=api.headers).json()
    callbacks = [r for r in receiver.accepted() if r.path != "/hook"]
    for request in callbacks:
        verify_webhook(project["secret"], request.headers, request.body)
        with pytest.raises(SignatureError):
            verify_webhook(secret, request.headers, request.body)

    status = wait_for(
        lambda: (
            (s := api.status(op["operationId"]))["callbacks"]["callbacksSuccessful"]
            == len(callbacks)
            and s
        )
    )
    progress_sent = sum(1 for r in callbacks if r.path == "/hook/progress")
    assert status["callbacks"]["progressCallbacksSent"] == progress_sent > 0
    assert status["callbacks"]["lastProgressCallback"] is not None
    assert status["callbacks"]["callbacksFailed"] == 0
    wait_for(lambda: api.status(op["operationId"])["notifications"]["deliveries"])
    [email] = api.status(op["operationId"])["notifications"]["deliveries"]
    assert email["channel"] == "email" and email["status"] == "skipped"
    assert "not configured" in email["reason"]

    hook_url = f"{api.base}/webhooks/{created['webhookId']}"
    view = wait_for(
        lambda: (
            (v := api.client.get(hook_url, headers=api.headers).json())["deliveryStats"][
                "successfulDeliveries"
            ]
            == len(hooks)
            and v
        )
    )
    assert view["lastDelivery"]["success"] is True
    assert view["deliveryStats"]["averageResponseTimeMs"] > 0


def test_ping_redelivery_and_secret_rotation(api: Api, receiver: Receiver) -> None:
    created = register(api, receiver.url)
    hook = f"{api.base}/webhooks/{created['webhookId']}"
    ping = api.client.post(f"{hook}/test", headers=api.headers)
    assert ping.status_code == 202
    wait_for(lambda: receiver.of_type("webhook.test"))
    [first] = receiver.of_type("webhook.test")
    assert first.webhook_id == ping.json()["eventId"]
    Webhook(created["authentication"]["secret"]).verify(first.body, first.headers)

    deliveries = wait_for(
        lambda: api.client.get(f"{hook}/deliveries", headers=api.headers).json()["deliveries"]
    )
    [attempt] = deliveries
    assert attempt["statusCode"] == 200 and attempt["success"] and attempt["latencyMs"] > 0
    assert attempt["eventId"] == first.webhook_id and attempt["nextRetryAt"] is None

    rotated = api.client.patch(hook, json={"rotateSecret": True}, headers=api.headers).json()
    again = api.client.post(
        f"{hook}/deliveries/{attempt['deliveryId']}/redeliver", headers=api.headers
    )
    assert again.status_code == 202 and again.json()["eventId"] == first.webhook_id
    wait_for(lambda: len(receiver.of_type("webhook.test")) == 2)
    second = receiver.of_type("webhook.test")[1]
    assert second.webhook_id == first.webhook_id and second.body == first.body
    assert len(second.headers["webhook-signature"].split()) == 2  # new and previous secret
    Webhook(rotated["authentication"]["secret"]).verify(second.body, second.headers)
    Webhook(created["authentication"]["secret"]).verify(second.body, second.headers)

    old = api.client.get(f"{api.base}/signing-secret", headers=api.headers).json()
    new = api.client.post(f"{api.base}/signing-secret/rotate", headers=api.headers).json()
    assert new["secret"] != old["secret"] and new["previousSecretValidUntil"] is not None
    missing = api.client.post(f"{hook}/deliveries/dlv-nope/redeliver", headers=api.headers)
    assert missing.status_code == 404
