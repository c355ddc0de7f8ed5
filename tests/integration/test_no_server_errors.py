"""Every route answers bad input with a 4xx problem, never a 500."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from minerun.config import Settings
from tests.support.api import Api, running_api

BODIES: list[Any] = [
    None,
    "null",
    "[]",
    "{}",
    '"text"',
    "12",
    "{nope",
    '{"operationType": 5}',
    '{"webhookUrl": "http://[::1"}',
    '{"priority": {"a": 1}}',
    '{"timeout": 1e309}',
    '{"parameters": {"datasetId": "\\u0000"}}',
    "\xff\xfe",
]
QUERIES = [
    "",
    "?page=-1",
    "?pageSize=1e9",
    "?format=zip",
    "?includeArtifacts=2",
    "?dateFrom=2024-99-99",
    "?status=%00",
    "?phase=" + "x" * 300,
]
PATH_VALUES = {
    "operationId": "op-x",
    "webhookId": "wh-x",
    "datasetId": "nope",
    "artifactId": "art-x",
    "deliveryId": "d-x",
}


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    return f"sqlite:///{tmp_path / 'minerun.db'}"


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    with running_api(settings, worker=False) as api:
        yield api


def _streams(operation: dict[str, Any]) -> bool:
    ok = operation.get("responses", {}).get("200", {})
    return "text/event-stream" in ok.get("content", {})


def _routes(api: Api) -> list[tuple[str, str]]:
    schema = api.client.app.openapi()  # type: ignore[attr-defined]
    routes = []
    for path, methods in schema["paths"].items():
        if any(_streams(spec) for spec in methods.values()):
            continue  # an open stream never ends here; see tests/acceptance/test_event_stream.py
        concrete = path.replace("{tenantId}", api.scope.tenant_id).replace(
            "{projectId}", api.scope.project_id
        )
        for name, value in PATH_VALUES.items():
            concrete = concrete.replace("{" + name + "}", value)
        routes.extend((method.upper(), concrete) for method in methods)
    return routes


def test_malformed_requests_never_cause_a_server_error(api: Api) -> None:
    routes = _routes(api)
    assert len(routes) > 15
    for (method, path), body, query in itertools.product(routes, BODIES, QUERIES):
        response = api.client.request(
            method,
            path + query,
            content=body.encode("utf-8", "surrogateescape") if isinstance(body, str) else body,
            headers={**api.headers, "content-type": "application/json"},
        )
        assert response.status_code < 500, (method, path, query, body, response.text)
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json")
