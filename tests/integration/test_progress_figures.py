"""Records, rates and estimates of real runs are what docs/lifecycle.md says they are."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from minerun.config import Settings
from tests.support.api import Api, running_api
from tests.support.factory import wait_for

ML = "Machine Learning Analysis"


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    with running_api(settings) as api:
        yield api


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _poll_until_done(api: Api, operation_id: str, timeout: float = 180) -> list[dict[str, Any]]:
    """Every status answer from the first poll to the terminal one."""
    seen: list[dict[str, Any]] = []

    def finished() -> bool:
        seen.append(api.status(operation_id))
        return seen[-1]["status"] in ("Completed", "Failed", "Cancelled", "Timeout")

    wait_for(finished, timeout, interval=0.02)
    return seen


def test_records_of_a_real_run_are_the_events_of_its_dataset(api: Api, shared_data: Path) -> None:
    uploaded = api.client.post(
        f"/api/{api.scope.tenant_id}/{api.scope.project_id}/datasets",
        files={"file": ("receipt.xes.gz", (shared_data / "receipt.xes.gz").read_bytes())},
        headers=api.headers,
    )
    assert uploaded.status_code == 201, uploaded.text
    events = uploaded.json()["eventCount"]
    op = api.start(
        operationType="ProcessMiningAnalysis",
        parameters={"datasetId": uploaded.json()["datasetId"]},
    )
    polls = _poll_until_done(api, op["operationId"])
    done = polls[-1]
    assert done["status"] == "Completed", done.get("lastError")

    execution = done["execution"]
    assert execution["processedRecords"] == execution["totalRecords"] == events
    for phase in done["phases"]:
        assert 0 < phase["recordsProcessed"] <= events, phase
    assert done["phases"][0]["recordsProcessed"] == events

    running = [p for p in polls if p["status"] == "Running" and p["execution"]]
    assert running, "no poll saw the operation run"
    for poll in running:
        assert poll["execution"]["processedRecords"] <= poll["execution"]["totalRecords"]
        for phase in poll["phases"]:
            assert phase.get("recordsProcessed", 0) <= events
    percentages = [p["progress"]["percentageExact"] for p in polls]
    assert percentages == sorted(percentages), "progress went backwards"

    results = api.client.get(
        f"{api.base}/operation/{op['operationId']}/results", headers=api.headers
    ).json()
    performance = results["performance"]
    # Records per minute of run time; the seconds shown are rounded to the millisecond.
    per_minute = float(performance["throughput"].split()[0])
    assert per_minute == pytest.approx(60 * events / performance["totalExecutionSeconds"], 1e-3)
    assert performance["throughput"].endswith(" records/minute")


def test_the_ml_phase_reports_its_models_and_moves_while_it_runs(
    api: Api, shared_data: Path
) -> None:
    uploaded = api.client.post(
        f"/api/{api.scope.tenant_id}/{api.scope.project_id}/datasets",
        files={"file": ("receipt.xes.gz", (shared_data / "receipt.xes.gz").read_bytes())},
        headers=api.headers,
    )
    op = api.start(
        operationType="ProcessMiningAnalysis",
        parameters={"datasetId": uploaded.json()["datasetId"]},
    )
    polls = _poll_until_done(api, op["operationId"])
    assert polls[-1]["status"] == "Completed", polls[-1].get("lastError")
    # From its first report on (a poll may fall between the phase's start and that report).
    in_ml = [
        p["phases"][2]
        for p in polls
        if p["phases"][2]["status"] == "Running" and p["phases"][2]["currentActivity"]
    ]
    assert in_ml, "no poll saw the ML phase run"
    for phase in in_ml:
        assert phase["modelsTraining"] == 3
        assert 0 <= phase["modelsCompleted"] <= phase["modelsTraining"]
    # Its progress only moves forward (how it moves step by step is a unit test's: polls
    # can miss a step on a busy machine).
    shown = [p["progress"] for p in in_ml]
    assert shown == sorted(shown)
    final = polls[-1]["phases"][2]
    assert final["results"]["modelsCompleted"] >= max(p["modelsCompleted"] for p in in_ml)


def test_estimated_completion_follows_the_measured_pace(api: Api) -> None:
    # Three phases of 20 chunks of 0.05 s: about 3 s, against a default estimate of 30 s.
    op = api.start(parameters={"records": 20, "sleep": 0.05})
    polls = _poll_until_done(api, op["operationId"], timeout=120)
    assert polls[-1]["status"] == "Completed"
    running = [p["progress"] for p in polls if p["status"] == "Running"]
    first = next(p for p in running if p["percentageExact"] == 0)
    late = [p for p in running if p["percentageExact"] >= 50]
    assert first["estimateBasis"] == "default" and late
    assert all(p["estimateBasis"] == "measured-pace+default" for p in late)
    # The estimate moved earlier as the pace was measured: the run is ten times faster.
    assert _when(late[-1]["estimatedCompletion"]) < _when(first["estimatedCompletion"]) - timedelta(
        seconds=5
    )
    assert len({p["estimatedCompletion"] for p in running}) > 2


def test_a_queued_operation_starts_after_the_running_ones_end(api: Api) -> None:
    # Both slots busy with a phase that reports nothing for 60 s, so no write lands between
    # the reads of one answer; they are cancelled at the end.
    busy = [api.start(parameters={"records": 1, "sleep": 60}) for _ in range(2)]
    queued: dict[str, Any] = {}
    try:
        for op in busy:
            api.wait_status(op["operationId"], "Running", timeout=120)
        before = [api.status(op["operationId"])["progress"] for op in busy]
        queued = api.start(parameters={"records": 1})
        answer = api.client.get(
            f"{api.base}/operations", params={"includeDetails": "true"}, headers=api.headers
        ).json()
    finally:
        for op in [*busy, queued]:
            if op:
                api.client.request(
                    "DELETE",
                    f"{api.base}/operation/{op['operationId']}",
                    json={"forceTermination": True},
                    headers=api.headers,
                )
    # One answer computes every figure at one moment from one reading of the queue.
    by_id = {op["operationId"]: op for op in answer["operations"]}
    waiting = by_id[queued["operationId"]]
    assert waiting["status"] == "Initiated", "a slot was free: the test proves nothing"
    ends = [_when(by_id[op["operationId"]]["progress"]["estimatedCompletion"]) for op in busy]
    progress = waiting["progress"]
    assert progress["estimateBasis"] == "queue+default"
    start = _when(progress["estimatedStart"])
    # It waits for the first slot to free: when the earlier running one is expected to end
    # (within the answers' whole seconds), then runs its own estimated duration.
    assert min(ends) - timedelta(seconds=1) <= start <= min(ends) + timedelta(seconds=1)
    assert _when(progress["estimatedCompletion"]) >= start + timedelta(seconds=20)
    # Its time left counts the wait (the running ones sleep for a minute) and its own run.
    waiting_for = (start - datetime.now(UTC)).total_seconds()
    assert waiting_for > 20
    assert progress["estimatedRemainingSeconds"] >= waiting_for + 20
    # The answer to the submission, read earlier, already put its end after the running
    # ones' expected end as they stood then.
    first_end = min(_when(p["estimatedCompletion"]) for p in before)
    assert _when(queued["estimatedCompletion"]) >= first_end + timedelta(seconds=20)
