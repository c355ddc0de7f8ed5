"""The operation list with work in every status, through every filter, on both databases.

The operations are put in their statuses through the store's own writes (claim, phase start,
progress, failure, cancel, timeout), so every list answer meets each shape of row it can hold.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from minerun.config import Settings
from minerun.domain.failures import Failure, FailureType
from minerun.domain.priority import Priority
from minerun.services.operations import OperationService
from minerun.services.requests import CancelRequest
from tests.support.api import Api, running_api
from tests.support.factory import NO_USAGE, SCOPE, start

BOOM = Failure(FailureType.PHASE_ERROR, "Phase failed with an internal error")

# Steps has three phases of weight 1, each of ``records`` records.
RECORDS = 10


def _now() -> datetime:
    return datetime.now(UTC)


def _populate(svc: OperationService) -> dict[str, float]:
    """One operation per status; returns each one's true percentage, by operation id."""
    queue = svc.database.queue
    expected: dict[str, float] = {}

    def claim() -> Any:
        lease = queue.claim("w1", _now(), 60)
        assert lease is not None
        return lease

    completed = start(svc, Priority.LOW, records=RECORDS)
    lease = claim()
    for position in range(3):
        queue.start_phase(lease, position, _now())
        queue.progress(lease, position, RECORDS, RECORDS, "x", 0, None)
        queue.complete_phase(lease, position, {}, [], _now(), RECORDS, RECORDS)
    queue.complete(lease, _now(), {}, NO_USAGE)
    expected[completed.id] = 100.0

    failed = start(svc, Priority.HIGH, records=RECORDS)
    lease = claim()
    queue.start_phase(lease, 0, _now())
    queue.progress(lease, 0, 5, RECORDS, "x", 0, None)
    queue.fail(lease, _now(), BOOM, max_crashes=5)
    # Half of its first phase was done when it failed.
    expected[failed.id] = 100 / 6

    waiting = start(
        svc, Priority.CRITICAL, retry_policy={"maxRetries": 1, "retryDelay": 3600}, records=RECORDS
    )
    lease = claim()
    queue.start_phase(lease, 0, _now())
    queue.complete_phase(lease, 0, {}, [], _now(), RECORDS, RECORDS)
    queue.start_phase(lease, 1, _now())
    queue.progress(lease, 1, 5, RECORDS, "x", RECORDS, None)
    # Fails in its second phase and waits for an automatic retry: the first phase is kept.
    queue.fail(lease, _now(), BOOM, max_crashes=5)
    expected[waiting.id] = 100 / 3

    running = start(svc, Priority.NORMAL, records=RECORDS)
    lease = claim()
    queue.start_phase(lease, 0, _now())
    queue.complete_phase(lease, 0, {}, [], _now(), RECORDS, RECORDS)
    queue.start_phase(lease, 1, _now())
    queue.progress(lease, 1, 5, RECORDS, "x", RECORDS, None)
    expected[running.id] = 100 / 3 + 100 / 6

    cancelled = start(svc, Priority.NORMAL, records=RECORDS)
    lease = claim()
    queue.start_phase(lease, 0, _now())
    queue.progress(lease, 0, 5, RECORDS, "x", 0, None)
    svc.cancel(SCOPE, cancelled.id, CancelRequest("test", True, False, True), "tester")
    expected[cancelled.id] = 100 / 6

    timed_out = start(svc, Priority.LOW, records=RECORDS)
    lease = claim()
    queue.start_phase(lease, 0, _now())
    queue.complete_phase(lease, 0, {}, [], _now(), RECORDS, RECORDS)
    queue.start_phase(lease, 1, _now())
    queue.time_out(lease, _now())
    expected[timed_out.id] = 100 / 3

    # Claimed last so that the claims above took the others; it stays queued.
    initiated = start(svc, Priority.HIGH, records=RECORDS)
    expected[initiated.id] = 0.0
    return expected


@pytest.fixture
def populated(settings: Settings) -> Any:
    with running_api(settings, worker=False) as api:
        svc: OperationService = api.client.app.state.operations  # type: ignore[attr-defined]
        expected = _populate(svc)
        yield api, expected


def _list(api: Api, **params: Any) -> dict[str, Any]:
    response = api.client.get(f"{api.base}/operations", params=params, headers=api.headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _check(api: Api, expected: dict[str, float], params: dict[str, Any]) -> int:
    body = _list(api, **params)
    for item in body["operations"]:
        exact = expected[item["operationId"]]
        if params.get("includeDetails") == "true":
            assert item["progress"]["percentageExact"] == pytest.approx(exact, abs=0.01), item
        else:
            assert item["progress"] == round(exact), (params, item)
    return len(body["operations"])


STATUSES = ("Initiated", "Running", "Completed", "Failed", "Cancelled", "Timeout", "Pending")


def test_every_filter_lists_every_status_with_its_true_progress(populated: Any) -> None:
    api, expected = populated
    statuses = {op["operationId"]: op["status"] for op in _list(api, pageSize=100)["operations"]}
    assert sorted(statuses.values()) == sorted(
        ["Completed", "Failed", "Initiated", "Initiated", "Running", "Cancelled", "Timeout"]
    )
    yesterday, tomorrow = (_now() + timedelta(days=d) for d in (-1, 1))
    filters: list[dict[str, Any]] = [
        {},
        *({"status": s} for s in STATUSES),
        {"operationType": "Steps"},
        {"operationType": "Nothing"},
        *({"priority": p.value} for p in Priority),
        {"dateFrom": yesterday.isoformat(), "dateTo": tomorrow.isoformat()},
        {"dateFrom": tomorrow.isoformat()},
        {"page": 1, "pageSize": 2},
        {"page": 2, "pageSize": 2},
        {"page": 4, "pageSize": 2},
    ]
    seen = 0
    for extra in filters:
        for details in ("false", "true"):
            seen += _check(api, expected, {**extra, "includeDetails": details})
    assert seen > 0
    by_status = {
        s: _check(api, expected, {"status": s, "includeDetails": "false"}) for s in STATUSES
    }
    assert by_status == {
        "Initiated": 2,
        "Running": 1,
        "Completed": 1,
        "Failed": 1,
        "Cancelled": 1,
        "Timeout": 1,
        "Pending": 0,
    }


def test_a_list_item_and_the_status_answer_agree(populated: Any) -> None:
    api, _expected = populated
    for item in _list(api, pageSize=100)["operations"]:
        status = api.status(item["operationId"])
        assert item["progress"] == status["progress"]["percentage"]
        if item["status"] not in ("Completed", "Failed", "Cancelled", "Timeout"):
            assert item["currentPhase"] == status["progress"]["currentPhase"]
