"""Bad input that once answered 500: each case now gets a 4xx problem naming its field.

Every case runs on both databases: PostgreSQL refuses NUL characters that SQLite stores, so a
check that holds on one backend only is not a check.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from minerun.config import Settings
from tests.support.api import Api, running_api

ANALYSIS = "ProcessMiningAnalysis"
GUID = "0f8fad5b-d9cb-469f-a165-70867728950e"
SECRET = "a-secret-of-sixteen-or-more"


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    with running_api(settings, worker=False) as api:
        yield api


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"]
    return body


def fields(body: dict[str, Any]) -> set[str]:
    return {error["field"] for error in body.get("errors", [])}


def post(api: Api, path: str, body: Any) -> Any:
    return api.client.post(f"{api.base}{path}", json=body, headers=api.headers)


def start_body(**parameters: Any) -> dict[str, Any]:
    return {"operationType": "Steps", "operationName": "x", "parameters": parameters}


def cancelled(api: Api) -> str:
    operation_id: str = api.start()["operationId"]
    answer = api.client.delete(f"{api.base}/operation/{operation_id}", headers=api.headers)
    assert answer.status_code == 200, answer.text
    return operation_id


WRONG_RESOURCES: list[tuple[Any, str]] = [
    ("x", "parameters.resourceAllocation"),
    (1, "parameters.resourceAllocation"),
    ([1], "parameters.resourceAllocation"),
    (None, "parameters.resourceAllocation"),
    ({"cpuUnits": "x"}, "parameters.resourceAllocation.cpuUnits"),
    ({"cpuUnits": None}, "parameters.resourceAllocation.cpuUnits"),
    ({"cpuUnits": True}, "parameters.resourceAllocation.cpuUnits"),
    ({"cpuUnits": -1}, "parameters.resourceAllocation.cpuUnits"),
    ({"cpuUnits": 0}, "parameters.resourceAllocation.cpuUnits"),
    ({"cpuUnits": 1.7e308}, "parameters.resourceAllocation.cpuUnits"),
    ({"cpuUnits": 2.5}, "parameters.resourceAllocation.cpuUnits"),
    ({"memoryGB": {}}, "parameters.resourceAllocation.memoryGB"),
    ({"memoryGB": 100000}, "parameters.resourceAllocation.memoryGB"),
    ({"priority": "Urgent"}, "parameters.resourceAllocation.priority"),
    ({"gpus": 1}, "parameters.resourceAllocation.gpus"),
]


@pytest.mark.parametrize(("allocation", "field"), WRONG_RESOURCES)
def test_a_wrong_resource_allocation_is_400_at_start(api: Api, allocation: Any, field: str) -> None:
    body = start_body(resourceAllocation=allocation)
    assert field in fields(problem(post(api, "/operation", body), 400))


def test_a_wrong_resource_allocation_is_400_at_retry(api: Api) -> None:
    operation_id = cancelled(api)
    for allocation, field in WRONG_RESOURCES:
        body = {"modifyParameters": True, "updatedParameters": {"resourceAllocation": allocation}}
        answer = post(api, f"/operation/{operation_id}/retry", body)
        assert field in fields(problem(answer, 400)), allocation


def test_a_valid_resource_allocation_is_shown_as_asked(api: Api) -> None:
    started = api.start(parameters={"resourceAllocation": {"cpuUnits": 6, "memoryGB": 12}})
    resources = started["resourcesAllocated"]
    assert resources["cpuUnits"] == 6 and isinstance(resources["cpuUnits"], int)
    assert resources["memoryGB"] == 12 and isinstance(resources["memoryGB"], int)
    assert resources["estimatedCostAmount"] > 0
    assert not resources["estimatedCost"].startswith("$-")


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({"outputOptions": {"exportFormats": [{}]}}, "parameters.outputOptions.exportFormats"),
        ({"outputOptions": {"exportFormats": [["PDF"]]}}, "parameters.outputOptions.exportFormats"),
        ({"outputOptions": {"exportFormats": "PDF"}}, "parameters.outputOptions.exportFormats"),
        (
            {"algorithmSettings": {"noiseThreshold": True}},
            "parameters.algorithmSettings.noiseThreshold",
        ),
        (
            {"algorithmSettings": {"dependencyThreshold": False}},
            "parameters.algorithmSettings.dependencyThreshold",
        ),
        ({"timeWindow": {"startDate": {}}}, "parameters.timeWindow.startDate"),
        ({"timeWindow": {"startDate": 20240101}}, "parameters.timeWindow.startDate"),
    ],
)
def test_wrong_analysis_parameters_are_400(
    api: Api, parameters: dict[str, Any], field: str
) -> None:
    body = {"operationType": ANALYSIS, "parameters": {"datasetId": GUID, **parameters}}
    assert field in fields(problem(post(api, "/operation", body), 400))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"timeout": True}, "timeout"),
        ({"timeout": 3600.5}, "timeout"),
        ({"retryPolicy": {"maxRetries": True}}, "retryPolicy.maxRetries"),
        ({"retryPolicy": {"retryDelay": False}}, "retryPolicy.retryDelay"),
    ],
)
def test_booleans_are_not_numbers(api: Api, body: dict[str, Any], field: str) -> None:
    assert field in fields(problem(post(api, "/operation", {**start_body(), **body}), 400))


def test_booleans_are_not_numbers_in_webhooks(api: Api) -> None:
    body = {
        "webhookUrl": "https://hooks.invalid/x",
        "events": ["operation.completed"],
        "filters": {"minProgressIncrement": True},
    }
    assert "filters.minProgressIncrement" in fields(problem(post(api, "/webhooks", body), 400))


def test_list_dates_that_overflow_utc_are_400(api: Api) -> None:
    for query in ("dateFrom=0001-01-01T00:00:00%2B14:00", "dateTo=9999-12-31T23:59:59-14:00"):
        answer = api.client.get(f"{api.base}/operations?{query}", headers=api.headers)
        assert query.split("=")[0] in fields(problem(answer, 400))
    for query in ("dateFrom=0001-01-01T00:00:00", "dateTo=9999-12-31T23:59:59Z"):
        answer = api.client.get(f"{api.base}/operations?{query}", headers=api.headers)
        assert answer.status_code == 200, answer.text


NUL = "a\u0000b"


def test_nul_in_json_strings_is_400_naming_the_field(api: Api) -> None:
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("/operation", {**start_body(), "operationName": NUL}, "operationName"),
        ("/operation", {**start_body(), "operationType": NUL}, "operationType"),
        ("/operation", {**start_body(), "operationDescription": NUL}, "operationDescription"),
        ("/operation", start_body(note=NUL), "parameters.note"),
        ("/operation", start_body(**{NUL: 1}), "parameters"),
        (
            "/webhooks",
            {
                "webhookUrl": "https://h.invalid/",
                "events": ["operation.completed"],
                "webhookName": NUL,
            },
            "webhookName",
        ),
        (
            "/webhooks",
            {
                "webhookUrl": "https://h.invalid/",
                "events": ["operation.completed"],
                "authentication": {"secret": SECRET + NUL},
            },
            "authentication.secret",
        ),
    ]
    for path, body, field in cases:
        assert field in fields(problem(post(api, path, body), 400)), (path, field)


def test_nul_in_paths_and_queries_is_400(api: Api) -> None:
    for url, field in [
        (f"{api.base}/operation/op-%00", "operationId"),
        (f"{api.base}/operation/op-%00/results", "operationId"),
        (f"{api.base}/webhooks/wh-%00", "webhookId"),
        (f"{api.base}/operations?operationType=a%00", "operationType"),
        (f"/api/{api.scope.tenant_id}/{api.scope.project_id}/datasets/d-%00", "datasetId"),
    ]:
        assert field in fields(problem(api.client.get(url, headers=api.headers), 400)), url


def test_nul_in_a_dataset_name_is_400(api: Api) -> None:
    url = f"/api/{api.scope.tenant_id}/{api.scope.project_id}/datasets"
    answer = api.client.post(
        url,
        files={"file": ("log.csv", b"case,activity,time\n1,a,2024-01-01T00:00:00\n", "text/csv")},
        data={
            "datasetName": NUL,
            "caseIdColumn": "case",
            "activityColumn": "activity",
            "timestampColumn": "time",
        },
        headers=api.headers,
    )
    assert "datasetName" in fields(problem(answer, 400))


UNSAFE_CALLBACKS = [
    "http://127.0.0.1/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://[::1]/",
    "http://2130706433/",
    "http://localhost/",
]


@pytest.mark.parametrize("url", UNSAFE_CALLBACKS)
def test_unsafe_callbacks_are_refused_at_submission(api: Api, url: str) -> None:
    for name in ("onProgress", "onCompletion", "onError"):
        body = {**start_body(), "callbacks": {name: url}}
        answer = problem(post(api, "/operation", body), 400)
        assert f"callbacks.{name}" in fields(answer)
    listing = api.client.get(f"{api.base}/operations", headers=api.headers).json()
    assert listing["summary"]["totalOperations"] == 0


def test_private_callbacks_are_accepted_when_the_operator_allows_them(settings: Settings) -> None:
    local = settings.model_copy(update={"webhook_allow_private": True})
    with running_api(local, worker=False) as api:
        accepted = post(
            api, "/operation", {**start_body(), "callbacks": {"onError": "http://127.0.0.1/h"}}
        )
        assert accepted.status_code == 202, accepted.text
        metadata = {**start_body(), "callbacks": {"onError": "http://169.254.169.254/"}}
        assert "callbacks.onError" in fields(problem(post(api, "/operation", metadata), 400))


def test_a_json_body_over_the_limit_is_413(settings: Settings) -> None:
    small = settings.model_copy(update={"max_json_bytes": 10_000})
    with running_api(small, worker=False) as api:
        big = start_body(items=list(range(5000)))
        answer = problem(post(api, "/operation", big), 413)
        assert "10000" in answer["detail"]
        chunked = api.client.post(
            f"{api.base}/operation",
            content=iter([json.dumps(big).encode()]),
            headers={**api.headers, "content-type": "application/json"},
        )
        problem(chunked, 413)
        assert post(api, "/operation", start_body()).status_code == 202


def test_the_webhook_list_is_paged(api: Api) -> None:
    for n in range(3):
        body = {"webhookUrl": f"https://h{n}.invalid/", "events": ["operation.completed"]}
        assert post(api, "/webhooks", body).status_code == 201
    url = f"{api.base}/webhooks"
    first = api.client.get(f"{url}?pageSize=2", headers=api.headers).json()
    second = api.client.get(f"{url}?pageSize=2&page=2", headers=api.headers).json()
    assert len(first["webhooks"]) == 2 and first["hasNextPage"] is True
    assert len(second["webhooks"]) == 1 and second["hasNextPage"] is False
    assert first["total"] == second["total"] == 3
    seen = {w["webhookId"] for w in first["webhooks"] + second["webhooks"]}
    assert len(seen) == 3
    problem(api.client.get(f"{url}?pageSize=0", headers=api.headers), 400)
    problem(api.client.get(f"{url}?page=0", headers=api.headers), 400)


def test_405_names_the_allowed_methods(api: Api) -> None:
    answer = api.client.put(f"{api.base}/operations", headers=api.headers)
    problem(answer, 405)
    assert set(answer.headers["allow"].replace(" ", "").split(",")) == {"GET"}
    answer = api.client.put(f"{api.base}/webhooks/wh-1", headers=api.headers)
    problem(answer, 405)
    assert set(answer.headers["allow"].replace(" ", "").split(",")) == {"GET", "PATCH", "DELETE"}


def test_invalid_json_names_the_body_and_the_position(api: Api) -> None:
    answer = api.client.post(
        f"{api.base}/operation",
        content=b'{"operationType": "Steps",, }',
        headers={**api.headers, "content-type": "application/json"},
    )
    [error] = problem(answer, 400)["errors"]
    assert error["field"] == "body"
    assert error["reason"].startswith("invalid JSON at character 26")


def test_a_download_link_with_a_non_ascii_signature_is_refused(api: Api) -> None:
    url = f"{api.base}/operation/op-1/artifacts/art-1?expires=99999999999&signature=%C3%A9"
    problem(api.client.get(url), 401)


def test_a_patch_cannot_erase_what_a_subscription_needs(api: Api) -> None:
    body = {"webhookUrl": "https://h.invalid/", "events": ["operation.completed"]}
    created = post(api, "/webhooks", body).json()
    url = f"{api.base}/webhooks/{created['webhookId']}"
    for name in ("webhookUrl", "webhookName", "events", "status"):
        answer = api.client.patch(url, json={name: None}, headers=api.headers)
        assert name in fields(problem(answer, 400))
    cleared = api.client.patch(url, json={"headers": None}, headers=api.headers)
    assert cleared.status_code == 200 and cleared.json()["headers"] == {}
