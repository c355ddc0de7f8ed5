"""Authentication, tenant isolation and every validation error path of the API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from minerun.config import Settings
from minerun.domain.records import Scope
from tests.support.api import Api, running_api

OTHER = Scope("33333333-3333-4333-8333-333333333333", "44444444-4444-4444-8444-444444444444")


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    with running_api(settings, worker=False) as api:
        yield api


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def fields(body: dict[str, Any]) -> set[str]:
    return {error["field"] for error in body["errors"]}


def test_health_endpoints_need_no_token(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    assert api.client.get("/readyz").json()["status"] == "ready"


def test_missing_or_bad_token_is_401_with_a_challenge(api: Api) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        response = api.client.get(f"{api.base}/operations", headers=headers)
        problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_ids_that_are_not_guids_are_400(api: Api) -> None:
    body = problem(api.client.get("/api/not-a-guid/x/async/operations", headers=api.headers), 400)
    assert "tenantId" in fields(body)


def test_another_tenant_sees_nothing(api: Api) -> None:
    op = api.start()
    app = api.client.app
    _record, other_token = app.state.database.tokens.create(OTHER.tenant_id, None, "other")  # type: ignore[attr-defined]
    other = {"Authorization": f"Bearer {other_token}"}
    problem(api.client.get(f"{api.base}/operation/{op['operationId']}", headers=other), 404)
    problem(api.client.get(f"{api.base}/operations", headers=other), 404)
    own = f"/api/{OTHER.tenant_id}/{OTHER.project_id}/async"
    problem(api.client.get(f"{own}/operation/{op['operationId']}", headers=other), 404)
    assert api.client.get(f"{own}/operations", headers=other).json()["operations"] == []


def test_a_project_token_is_limited_to_its_project(api: Api) -> None:
    app = api.client.app
    _r, token = app.state.database.tokens.create(api.scope.tenant_id, OTHER.project_id, "p")  # type: ignore[attr-defined]
    response = api.client.get(
        f"{api.base}/operations", headers={"Authorization": f"Bearer {token}"}
    )
    problem(response, 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"surprise": 1}, "surprise"),
        ({"priority": "Urgent"}, "priority"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": "soon"}, "timeout"),
        ({"retryPolicy": {"maxRetries": -1}}, "retryPolicy.maxRetries"),
        ({"retryPolicy": {"backoffMultiplier": 0.5}}, "retryPolicy.backoffMultiplier"),
        ({"retryPolicy": {"jitter": 1}}, "retryPolicy.jitter"),
        ({"callbacks": {"onProgress": "ftp://x"}}, "callbacks.onProgress"),
        ({"callbacks": {"onError": "not a url"}}, "callbacks.onError"),
        ({"notifications": {"email": ["nobody"]}}, "notifications.email"),
        ({"notifications": {"slack": {"mentionUsers": ["@a"]}}}, "notifications.slack.channel"),
        ({"operationType": "Nope"}, "operationType"),
        ({"parameters": {"records": -3}}, "parameters.records"),
        ({"parameters": []}, "parameters"),
    ],
)
def test_invalid_start_bodies_name_the_field(api: Api, body: dict[str, Any], field: str) -> None:
    payload = {"operationType": "Steps", "operationName": "x", **body}
    response = api.client.post(f"{api.base}/operation", json=payload, headers=api.headers)
    assert field in fields(problem(response, 400))


def test_a_body_that_is_not_json_is_400(api: Api) -> None:
    response = api.client.post(
        f"{api.base}/operation",
        content=b"{nope",
        headers={**api.headers, "content-type": "application/json"},
    )
    problem(response, 400)


def test_the_spec_example_body_is_accepted(api: Api) -> None:
    body = {
        "operationType": "Steps",
        "operationName": "Comprehensive Customer Journey Analysis",
        "operationDescription": "Deep analysis",
        "priority": "High",
        "parameters": {"records": 3},
        "callbacks": {
            "onProgress": "https://your-app.com/webhooks/progress",
            "onCompletion": "https://your-app.com/webhooks/completion",
            "onError": "https://your-app.com/webhooks/error",
        },
        "notifications": {
            "email": ["analyst@company.com", "manager@company.com"],
            "slack": {"channel": "#process-mining", "mentionUsers": ["@analyst", "@data-team"]},
        },
        "timeout": 7200,
        "retryPolicy": {"maxRetries": 3, "retryDelay": 300, "backoffMultiplier": 2.0},
    }
    response = api.client.post(f"{api.base}/operation", json=body, headers=api.headers)
    assert response.status_code == 202
    answer = response.json()
    assert response.headers["location"] == answer["trackingUrl"]
    assert answer["operationId"].startswith("op-")
    assert answer["status"] == "Initiated" and answer["priority"] == "High"
    assert answer["resourcesAllocated"]["cpuUnits"] == 2
    assert answer["resourcesAllocated"]["estimatedCost"].startswith("$")
    assert answer["webhooksRegistered"] == 3  # the three callback URLs
    status = api.status(answer["operationId"])
    assert status["priority"] == "High" and status["timeoutAt"] == answer["timeoutAt"]


@pytest.mark.parametrize(
    "query",
    [
        "pageSize=0",
        "pageSize=101",
        "page=0",
        "status=Bogus",
        "priority=Urgent",
        "dateFrom=yesterday",
        "includeDetails=maybe",
    ],
)
def test_invalid_list_queries_are_400(api: Api, query: str) -> None:
    problem(api.client.get(f"{api.base}/operations?{query}", headers=api.headers), 400)


def test_unknown_operation_is_404(api: Api) -> None:
    problem(api.client.get(f"{api.base}/operation/op-nope", headers=api.headers), 404)
    problem(api.client.delete(f"{api.base}/operation/op-nope", headers=api.headers), 404)


def test_results_before_the_end_are_409_with_the_status(api: Api) -> None:
    op = api.start()
    body = problem(
        api.client.get(f"{api.base}/operation/{op['operationId']}/results", headers=api.headers),
        409,
    )
    assert body["status"] == 409 and "Initiated" in body["detail"]


def test_retry_of_an_active_operation_is_409(api: Api) -> None:
    op = api.start()
    url = f"{api.base}/operation/{op['operationId']}/retry"
    problem(api.client.post(url, json={"retryMode": "resume"}, headers=api.headers), 409)
    problem(api.client.post(url, json={"retryMode": "sideways"}, headers=api.headers), 400)


def test_idempotency_key_replays_the_first_answer(api: Api) -> None:
    headers = {**api.headers, "Idempotency-Key": "abc-1"}
    body = {"operationType": "Steps", "operationName": "once"}
    first = api.client.post(f"{api.base}/operation", json=body, headers=headers)
    second = api.client.post(f"{api.base}/operation", json=body, headers=headers)
    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()
    assert second.headers["location"] == first.headers["location"]
    listing = api.client.get(f"{api.base}/operations", headers=api.headers).json()
    assert listing["summary"]["totalOperations"] == 1
    changed = api.client.post(
        f"{api.base}/operation", json={**body, "operationName": "other"}, headers=headers
    )
    problem(changed, 422)


def test_listing_filters_pages_and_counts(api: Api) -> None:
    for priority in ("Low", "High", "High", "Critical", "Normal"):
        api.start(priority=priority)
    url = f"{api.base}/operations"
    page1 = api.client.get(f"{url}?pageSize=2", headers=api.headers).json()
    assert len(page1["operations"]) == 2 and page1["hasNextPage"] is True
    assert page1["summary"]["totalOperations"] == 5 and page1["summary"]["initiated"] == 5
    page3 = api.client.get(f"{url}?pageSize=2&page=3", headers=api.headers).json()
    assert len(page3["operations"]) == 1 and page3["hasNextPage"] is False
    high = api.client.get(f"{url}?priority=High", headers=api.headers).json()
    assert [o["priority"] for o in high["operations"]] == ["High", "High"]
    assert high["summary"]["totalOperations"] == 2
    none = api.client.get(f"{url}?status=Running", headers=api.headers).json()
    assert none["operations"] == [] and none["summary"]["totalOperations"] == 0
    future = api.client.get(f"{url}?dateFrom=2999-01-01T00:00:00Z", headers=api.headers).json()
    assert future["operations"] == []
    detailed = api.client.get(f"{url}?includeDetails=true&pageSize=1", headers=api.headers).json()
    assert "phases" in detailed["operations"][0]


def test_a_revoked_token_is_refused_at_once(api: Api) -> None:
    app = api.client.app
    record, token = app.state.database.tokens.create(api.scope.tenant_id, None, "short")  # type: ignore[attr-defined]
    headers = {"Authorization": f"Bearer {token}"}
    assert api.client.get(f"{api.base}/operations", headers=headers).status_code == 200
    app.state.database.tokens.revoke(record.id)  # type: ignore[attr-defined]
    problem(api.client.get(f"{api.base}/operations", headers=headers), 401)
