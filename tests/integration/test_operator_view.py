"""What an operator sees: ``/metrics`` after a known sequence of operations, request ids,
and log lines that a collector can parse, on both databases."""

from __future__ import annotations

import json
import logging
import re

import pytest
from prometheus_client.parser import text_string_to_metric_families

from minerun.config import Settings
from minerun.logs import JsonFormatter
from tests.support.api import Api, running_api

OPERATION_ROUTE = "/api/{tenantId}/{projectId}/async/operation"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(api: Api) -> Samples:
    response = api.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_count_exactly_what_happened(settings: Settings) -> None:
    with running_api(settings) as api:
        before = scrape(api)
        completed = [api.start(parameters={"records": 3})["operationId"] for _ in range(2)]
        for operation_id in completed:
            api.wait_status(operation_id, "Completed")
        slow = api.start(parameters={"records": 10_000, "sleep": 0.05})["operationId"]
        api.wait_phase(slow, 0)
        cancel = api.client.request(
            "DELETE", f"{api.base}/operation/{slow}", json={}, headers=api.headers
        )
        assert cancel.status_code == 200, cancel.text
        api.wait_status(slow, "Cancelled")
        after = scrape(api)

    # The census is read from this test's own fresh database.
    assert value(after, "minerun_operations", kind="Steps", status="Completed") == 2
    assert value(after, "minerun_operations", kind="Steps", status="Cancelled") == 1
    assert value(after, "minerun_operation_claims", kind="Steps") == 3
    assert value(after, "minerun_workers") == 1
    assert value(after, "minerun_worker_slots") == settings.worker_slots
    assert value(after, "minerun_queue_depth", priority="medium") == 0

    # This process's instruments count since it started: compare with before.
    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert (
        grew("minerun_http_requests_total", route=OPERATION_ROUTE, method="POST", status="202") == 3
    )
    assert grew("minerun_claims_total", kind="Steps") == 3
    assert grew("minerun_pickup_latency_seconds_count", kind="Steps") == 3
    for phase in ("Load", "Compute", "Write"):
        # The cancelled operation never finished its first phase.
        assert grew("minerun_phase_duration_seconds_count", kind="Steps", phase=phase) == 2
    # Leases lost are not counted here: the slot may notice the cancellation first, through its
    # fenced write, and end before the supervisor sees the lease gone.


def test_requests_carry_an_id_and_are_logged_once(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with running_api(settings, worker=False) as api, caplog.at_level(logging.INFO):
        given = api.client.get(
            f"{api.base}/operations", headers={**api.headers, "X-Request-Id": "abc-123"}
        )
        made = api.client.get(
            f"{api.base}/operations", headers={**api.headers, "X-Request-Id": "no spaces!"}
        )
        missing = api.client.get(f"{api.base}/operation/op-missing", headers=api.headers)
    assert given.headers["x-request-id"] == "abc-123"
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])
    assert missing.status_code == 404

    lines = [r for r in caplog.records if r.name == "minerun.http"]
    parsed = [json.loads(JsonFormatter().format(r)) for r in lines]
    by_id = {line["requestId"]: line for line in parsed}
    assert by_id["abc-123"]["route"] == "/api/{tenantId}/{projectId}/async/operations"
    assert by_id["abc-123"]["status"] == 200 and by_id["abc-123"]["method"] == "GET"
    assert by_id["abc-123"]["durationMs"] >= 0
    not_found = by_id[missing.headers["x-request-id"]]
    assert not_found["status"] == 404
    # The path template, never the path: ids and tokens stay out of logs.
    assert "op-missing" not in json.dumps(parsed)
    assert api.token not in json.dumps(parsed)
