"""Operations through the API with an embedded worker: run, cancel, retry, time out.

The tests share one started API and worker per backend, each in a tenant of its own.
"""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from minerun.config import Settings
from minerun.domain.records import Operation
from tests.integration.test_outbox import events, subscribe
from tests.support.api import (
    WAIT_TIMEOUT,
    Api,
    Service,
    running_api,
    shared_service,
    worker_of,
)
from tests.support.factory import wait_for


@pytest.fixture(scope="module")
def service(shared_settings: Settings) -> Iterator[Service]:
    with shared_service(shared_settings) as service:
        yield service


@pytest.fixture
def api(service: Service) -> Iterator[Api]:
    with service.session() as api:
        yield api


def runs(markers: Path, phase: str) -> int:
    path = markers / f"{phase}.runs"
    return len(path.read_text().splitlines()) if path.exists() else 0


def slot_pids() -> set[int]:
    return {c.pid for c in psutil.Process().children(recursive=True)}


def test_an_operation_runs_phase_by_phase_to_completion(api: Api, tmp_path: Path) -> None:
    op = api.start(parameters={"records": 6, "chunk": 2, "markerDir": str(tmp_path)})
    done = api.wait_status(op["operationId"])
    assert done["status"] == "Completed"
    assert done["progress"]["percentage"] == 100 and done["progress"]["phasesCompleted"] == 3
    assert [p["status"] for p in done["phases"]] == ["Completed"] * 3
    assert done["phases"][2]["results"]["earlierPhases"] == ["Compute", "Load"]
    assert done["execution"]["processedRecords"] == 6 and done["execution"]["totalRecords"] == 6
    usage = done["execution"]["resourceUsage"]
    assert usage["memoryBytes"] > 10_000_000 and usage["diskBytes"] > 0
    assert [a["outcome"] for a in done["attemptHistory"]] == ["completed"]
    assert all(runs(tmp_path, phase) == 1 for phase in ("Load", "Compute", "Write"))


def test_results_summary_detailed_phase_and_downloads(api: Api) -> None:
    op = api.start(parameters={"records": 2})
    api.wait_status(op["operationId"])
    url = f"{api.base}/operation/{op['operationId']}/results"
    summary = api.client.get(url, headers=api.headers).json()
    assert summary["success"] is True and summary["summary"] == {"phases": 3, "records": 6}
    assert "results" not in summary["phaseResults"][0]
    assert summary["performance"]["resourceUtilization"]["totalCost"].startswith("$")
    detailed = api.client.get(f"{url}?format=detailed", headers=api.headers).json()
    assert detailed["phaseResults"][1]["results"]["records"] == 2
    one = api.client.get(f"{url}?phase=Compute", headers=api.headers).json()
    assert [p["phaseName"] for p in one["phaseResults"]] == ["Compute"]
    assert [a["phaseName"] for a in one["artifacts"]] == ["Compute"]
    bare = api.client.get(f"{url}?includeArtifacts=false", headers=api.headers).json()
    assert "artifacts" not in bare
    assert api.client.get(f"{url}?phase=Nope", headers=api.headers).status_code == 404

    link = summary["artifacts"][0]["downloadUrl"]
    signed = api.client.get(link)  # no token: the signature is the credential
    assert signed.status_code == 200 and b'"phase": "Load"' in signed.content
    assert api.client.get(link.replace("signature=", "signature=0")).status_code == 401
    path = link.split("?")[0].replace("http://testserver", "")
    assert api.client.get(path).status_code == 401
    assert api.client.get(path, headers=api.headers).status_code == 200

    archive = api.client.get(f"{url}?format=download", headers=api.headers)
    assert archive.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert "results.json" in names and "compute/compute.json" in names


def test_cooperative_cancel_stops_the_phase_at_its_next_check(api: Api, tmp_path: Path) -> None:
    params = {"records": 200, "sleep": 0.05, "markerDir": str(tmp_path)}
    op = api.start(parameters=params)
    api.wait_phase(op["operationId"], 1)
    response = api.client.request(
        "DELETE",
        f"{api.base}/operation/{op['operationId']}",
        json={"reason": "changed requirements", "preservePartialResults": True},
        headers=api.headers,
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["status"] == "Cancelled" and answer["reason"] == "changed requirements"
    assert answer["phaseAtCancellation"] == "Compute"
    assert 33 <= answer["progressAtCancellation"] < 67
    assert answer["partialResults"]["available"] is True
    assert answer["partialResults"]["completedPhases"] == 1
    assert answer["cancelledBy"] == "tester"
    assert answer["resourcesReleased"]["cpuUnits"] == 2
    status = api.status(op["operationId"])
    assert [p["status"] for p in status["phases"]] == ["Completed", "Cancelled", "Skipped"]
    # The slot is given back once the phase has stopped at a check: nothing ran after it.
    supervisor = worker_of(api.client)
    wait_for(lambda: not any(slot.lease for slot in supervisor.slots), WAIT_TIMEOUT)
    assert runs(tmp_path, "Compute") == 1
    assert runs(tmp_path, "Write") == 0
    partial = api.client.get(answer["partialResults"]["downloadUrls"][0], headers=api.headers)
    assert "load/load.json" in zipfile.ZipFile(io.BytesIO(partial.content)).namelist()
    again = api.client.request(
        "DELETE", f"{api.base}/operation/{op['operationId']}", headers=api.headers
    )
    assert again.status_code == 409


def test_forced_cancel_kills_a_phase_that_never_checks(api: Api, tmp_path: Path) -> None:
    params = {"records": 400, "sleep": 0.05, "stubbornPhase": "Load"}
    op = api.start(parameters=params)
    api.wait_phase(op["operationId"], 0)
    before = slot_pids()
    response = api.client.request(
        "DELETE",
        f"{api.base}/operation/{op['operationId']}",
        json={"forceTermination": True, "preservePartialResults": False},
        headers=api.headers,
    )
    assert response.status_code == 200 and response.json()["partialResults"]["available"] is False
    killed = wait_for(lambda: before - slot_pids(), WAIT_TIMEOUT)
    assert len(killed) == 1
    # The worker replaces the slot and keeps working.
    follow = api.start(parameters={"records": 1})
    assert api.wait_status(follow["operationId"])["status"] == "Completed"


def test_cancelling_a_queued_operation_needs_no_worker(settings: Settings) -> None:
    with running_api(settings, worker=False) as api:
        op = api.start()
        response = api.client.request(
            "DELETE", f"{api.base}/operation/{op['operationId']}", headers=api.headers
        )
        answer = response.json()
        assert answer["status"] == "Cancelled" and answer["progressAtCancellation"] == 0
        assert answer["partialResults"] == {
            "available": False,
            "completedPhases": 0,
            "downloadUrls": [],
        }


def test_a_failed_operation_resumes_at_the_failed_phase(api: Api, tmp_path: Path) -> None:
    params = {"records": 2, "markerDir": str(tmp_path), "failPhase": "Compute", "failTimes": 1}
    op = api.start(parameters=params)
    failed = api.wait_status(op["operationId"])
    assert failed["status"] == "Failed" and failed["lastErrorType"] == "phase-error"
    assert "Phase 'Compute' failed with an internal error (RuntimeError)" in failed["lastError"]
    assert [p["status"] for p in failed["phases"]] == ["Completed", "Failed", "Skipped"]
    retry = api.client.post(
        f"{api.base}/operation/{op['operationId']}/retry",
        json={"retryMode": "resume", "retryReason": "fixed", "newTimeout": 600},
        headers=api.headers,
    )
    assert retry.status_code == 202
    answer = retry.json()
    assert answer["originalOperationId"] == op["operationId"]
    assert answer["resumeFromPhase"] == "Compute" and answer["retryNumber"] == 1
    assert answer["preservedResults"]["phasesPreserved"] == 1
    assert answer["preservedResults"]["phasesReused"] == ["Load"]
    assert answer["preservedResults"]["phasesRerun"] == [
        {"phaseName": "Compute", "reason": "did not complete in the original operation (Failed)"},
        {"phaseName": "Write", "reason": "did not complete in the original operation (Skipped)"},
    ]
    assert answer["preservedResults"]["recordsProcessed"] == 2
    assert 30 < answer["preservedResults"]["progressSaved"] < 35
    done = api.wait_status(answer["newOperationId"])
    assert done["status"] == "Completed" and done["retryOf"] == op["operationId"]
    assert done["phases"][0]["reusedFrom"] == op["operationId"]
    assert (runs(tmp_path, "Load"), runs(tmp_path, "Compute"), runs(tmp_path, "Write")) == (1, 2, 1)
    results = api.client.get(
        f"{api.base}/operation/{answer['newOperationId']}/results", headers=api.headers
    ).json()
    assert sorted(a["phaseName"] for a in results["artifacts"]) == ["Compute", "Load", "Write"]


def test_restart_runs_every_phase_again_with_merged_parameters(api: Api, tmp_path: Path) -> None:
    params = {"records": 2, "markerDir": str(tmp_path), "failPhase": "Write", "nested": {"a": 1}}
    op = api.start(parameters=params)
    assert api.wait_status(op["operationId"])["status"] == "Failed"
    retry = api.client.post(
        f"{api.base}/operation/{op['operationId']}/retry",
        json={
            "retryMode": "restart",
            "modifyParameters": True,
            "updatedParameters": {"failPhase": "none", "nested": {"b": 2}},
        },
        headers=api.headers,
    ).json()
    assert retry["resumeFromPhase"] == "Load" and retry["preservedResults"]["phasesPreserved"] == 0
    assert api.wait_status(retry["newOperationId"])["status"] == "Completed"
    assert (runs(tmp_path, "Load"), runs(tmp_path, "Write")) == (2, 2)
    new = api.client.get(f"{api.base}/operations?includeDetails=true", headers=api.headers).json()
    assert new["summary"]["completed"] == 1 and new["summary"]["failed"] == 1


def test_failures_retry_automatically_with_backoff(api: Api, tmp_path: Path) -> None:
    params = {"records": 1, "markerDir": str(tmp_path), "failPhase": "Load", "failTimes": 2}
    # Retry n waits retryDelay * backoffMultiplier ** (n - 1), +/- 10 % (see RetryPolicy).
    policy = {"maxRetries": 3, "retryDelay": 0.5, "backoffMultiplier": 3.0, "maxDelay": 10}
    op = api.start(parameters=params, retryPolicy=policy)
    done = api.wait_status(op["operationId"])
    assert done["status"] == "Completed" and done["failures"] == 2
    assert [a["outcome"] for a in done["attemptHistory"]] == ["failed", "failed", "completed"]
    assert runs(tmp_path, "Load") == 3

    # The stored times, to the microsecond (the API shows seconds).
    stored: Operation = api.client.app.state.database.operations.get(None, op["operationId"])  # type: ignore[attr-defined]
    first, second, third = stored.attempts
    assert first.ended_at and second.ended_at
    # The second retry was scheduled 1.5 s (+/- 10 %) after the second failure was recorded;
    # the failure is timed a moment after the delay is drawn, hence the small allowance.
    scheduled = (stored.run_after - second.ended_at).total_seconds()
    assert 1.5 * 0.9 - 0.2 <= scheduled <= 1.5 * 1.1, scheduled
    # No attempt started before its delay was over (a busy machine only makes them later).
    assert (second.started_at - first.ended_at).total_seconds() >= 0.5 * 0.9 - 0.2
    assert third.started_at >= stored.run_after


def test_retries_run_out_and_the_operation_fails(api: Api) -> None:
    policy = {"maxRetries": 1, "retryDelay": 0.1}
    op = api.start(parameters={"records": 1, "failPhase": "Load"}, retryPolicy=policy)
    done = api.wait_status(op["operationId"])
    assert done["status"] == "Failed" and done["failures"] == 2
    assert "Phase 'Load' failed" in done["lastError"] and done["lastErrorType"] == "phase-error"


def test_a_crashing_phase_fails_the_operation_not_the_worker(api: Api) -> None:
    op = api.start(parameters={"records": 1, "crashPhase": "Compute"})
    done = api.wait_status(op["operationId"])
    assert done["status"] == "Failed" and "exit code 17" in done["lastError"]
    assert done["lastErrorType"] == "process-died"
    follow = api.start(parameters={"records": 1})
    assert api.wait_status(follow["operationId"])["status"] == "Completed"


def test_a_phase_that_keeps_killing_its_process_stops_at_the_crash_limit(
    settings: Settings,
) -> None:
    with running_api(settings.model_copy(update={"max_crashes": 2})) as api:
        policy = {"maxRetries": 10, "retryDelay": 0.1}
        op = api.start(parameters={"records": 1, "crashPhase": "Load"}, retryPolicy=policy)
        done = api.wait_status(op["operationId"], timeout=60)
    assert done["status"] == "Failed" and done["lastErrorType"] == "crash-loop"
    assert "(process died: 2, lease expired: 0)" in done["lastError"]
    assert [a["errorType"] for a in done["attemptHistory"]] == ["process-died"] * 2


def test_timeout_ends_the_operation_and_kills_its_process(api: Api) -> None:
    # The timeout counts from creation; the fixture hands over the API once the worker's
    # slots can take work, so the clock does not include their start.
    op = api.start(parameters={"records": 1000, "sleep": 0.05, "stubbornPhase": "Load"}, timeout=4)
    api.wait_phase(op["operationId"], 0)
    before = slot_pids()
    done = api.wait_status(op["operationId"])
    assert done["status"] == "Timeout"
    assert wait_for(lambda: before - slot_pids(), WAIT_TIMEOUT)
    assert [p["status"] for p in done["phases"]] == ["Cancelled", "Skipped", "Skipped"]


def test_resume_with_changed_parameters_reuses_no_phase_that_depends_on_them(
    api: Api, tmp_path: Path
) -> None:
    params = {"records": 2, "markerDir": str(tmp_path), "failPhase": "Compute", "failTimes": 1}
    op = api.start(parameters=params)
    assert api.wait_status(op["operationId"])["status"] == "Failed"
    retry = api.client.post(
        f"{api.base}/operation/{op['operationId']}/retry",
        json={"retryMode": "resume", "modifyParameters": True, "updatedParameters": {"records": 3}},
        headers=api.headers,
    ).json()
    # The test kind declares no dependencies: every parameter counts for every phase.
    preserved = retry["preservedResults"]
    assert retry["resumeFromPhase"] == "Load" and preserved["phasesReused"] == []
    assert preserved["phasesRerun"][0] == {
        "phaseName": "Load",
        "reason": "parameters changed: records",
    }
    done = api.wait_status(retry["newOperationId"])
    assert done["status"] == "Completed"
    assert [p["results"]["records"] for p in done["phases"]] == [3, 3, 3]
    assert "reusedFrom" not in done["phases"][0]


@pytest.mark.parametrize("force", [False, True])
def test_a_cancelled_run_ends_its_attempt_and_counts_its_duration(api: Api, force: bool) -> None:
    params = {"records": 400, "sleep": 0.05, "stubbornPhase": "Load" if force else None}
    op = api.start(parameters=params)
    began = time.monotonic()
    wait_for(lambda: api.status(op["operationId"])["phases"][0].get("recordsProcessed", 0) >= 4)
    response = api.client.request(
        "DELETE",
        f"{api.base}/operation/{op['operationId']}",
        json={"forceTermination": force},
        headers=api.headers,
    )
    assert response.status_code == 200, response.text
    bound = time.monotonic() - began
    status = api.status(op["operationId"])
    (attempt,) = status["attemptHistory"]
    assert attempt["outcome"] == "cancelled" and attempt["endTime"] == status["endTime"]
    results = api.client.get(
        f"{api.base}/operation/{op['operationId']}/results", headers=api.headers
    ).json()
    # At least the four chunks of 0.05 s it ran, at most the time from submission to cancel.
    assert 0.2 <= results["totalDurationSeconds"] <= bound + 1.0
    assert results["totalDuration"] != "0 seconds"


def test_a_phase_error_reaches_clients_without_traceback_or_server_paths(
    api: Api, tmp_path: Path
) -> None:
    database = api.client.app.state.database  # type: ignore[attr-defined]
    subscribe(database, api.scope)
    params = {"records": 1, "failPhase": "Compute", "failWith": "missing-file"}
    op = api.start(parameters=params, retryPolicy={"maxRetries": 1, "retryDelay": 0.1})
    done = api.wait_status(op["operationId"])
    assert done["status"] == "Failed" and done["lastErrorType"] == "phase-error"
    assert "(FileNotFoundError)" in done["lastError"]
    results = api.client.get(
        f"{api.base}/operation/{op['operationId']}/results", headers=api.headers
    ).json()
    failed = [
        json.loads(r["body"])["data"]["operation"]
        for r in events(database, operation_id=op["operationId"])
        if r["event_type"] == "operation.failed"
    ]
    assert failed and failed[0]["errorType"] == "phase-error"
    texts = [done["lastError"], results["error"], *(f["error"] for f in failed)]
    texts += [a["error"] for a in done["attemptHistory"]]
    texts += [p.get("error") or "" for p in done["phases"]]
    assert len(done["attemptHistory"]) == 2
    for text in texts:
        assert "Traceback" not in text and "no-such-input" not in text, text
        assert not re.search(r"(/[\w.-]+){2,}|\.py\b", text), text


def test_invalid_input_in_a_phase_fails_at_once(api: Api) -> None:
    params = {"records": 1, "failPhase": "Load", "failWith": "invalid"}
    op = api.start(parameters=params, retryPolicy={"maxRetries": 3, "retryDelay": 0.1})
    done = api.wait_status(op["operationId"])
    assert done["status"] == "Failed" and done["failures"] == 1
    assert done["lastErrorType"] == "invalid-input"
    assert done["lastError"] == "Phase 'Load': Load cannot use its input"
    assert [(a["outcome"], a["errorType"]) for a in done["attemptHistory"]] == [
        ("failed", "invalid-input")
    ]
