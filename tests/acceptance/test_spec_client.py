"""The contract's own Python client, unchanged, against a live ``minerun serve``.

Whatever the page promises its readers must work when they paste its example: start, follow,
list, cancel, read the results and retry, with the fields the page shows.
"""

# mypy: disable-error-code="no-untyped-call"
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.acceptance.processes import (
    OPERATION_TIMEOUT,
    PROJECT,
    TENANT,
    Cluster,
    marker_pids,
    wait_for,
)
from tests.acceptance.spec_client import AsyncOperationManager

pytestmark = pytest.mark.slow

START_FIELDS = {
    "operationId",
    "operationType",
    "operationName",
    "status",
    "estimatedDuration",
    "estimatedCompletion",
    "trackingUrl",
    "webhooksRegistered",
    "priority",
    "dateCreated",
    "timeoutAt",
    "resourcesAllocated",
}
STATUS_FIELDS = {
    "operationId",
    "operationType",
    "operationName",
    "status",
    "progress",
    "execution",
    "phases",
    "callbacks",
    "dateCreated",
    "timeoutAt",
    "priority",
}
PROGRESS_FIELDS = {
    "percentage",
    "currentPhase",
    "phasesCompleted",
    "totalPhases",
    "startTime",
    "elapsedTime",
    "estimatedRemaining",
    "estimatedCompletion",
}
EXECUTION_FIELDS = {
    "executionId",
    "workerNode",
    "resourceUsage",
    "processedRecords",
    "totalRecords",
    "processingRate",
}
CALLBACK_FIELDS = {
    "progressCallbacksSent",
    "lastProgressCallback",
    "callbacksSuccessful",
    "callbacksFailed",
}
CANCEL_FIELDS = {
    "operationId",
    "status",
    "cancellationTime",
    "reason",
    "progressAtCancellation",
    "phaseAtCancellation",
    "partialResults",
    "resourcesReleased",
    "cancelledBy",
}
RESULT_FIELDS = {
    "operationId",
    "operationType",
    "operationName",
    "status",
    "completionTime",
    "totalDuration",
    "success",
    "summary",
    "phaseResults",
    "artifacts",
    "performance",
    "recommendations",
}
RETRY_FIELDS = {
    "originalOperationId",
    "newOperationId",
    "retryMode",
    "retryNumber",
    "resumeFromPhase",
    "status",
    "estimatedDuration",
    "estimatedCompletion",
    "preservedResults",
    "resourcesAllocated",
    "retryAttemptDate",
}


@pytest.fixture
def client(database_url: str, tmp_path: Path) -> Iterator[AsyncOperationManager]:
    with Cluster(database_url, tmp_path) as cluster:
        token = cluster.create_token()
        serve = cluster.serve()
        yield AsyncOperationManager(serve.base_url, TENANT, PROJECT, token)


def _markers(tmp_path: Path, name: str) -> Path:
    path = tmp_path / "markers" / name
    path.mkdir(parents=True)
    return path


def _until(
    client: AsyncOperationManager, op_id: str, check: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    def current() -> dict[str, Any] | None:
        status: dict[str, Any] = client.get_operation_status(op_id)
        return status if check(status) else None

    return wait_for(current, OPERATION_TIMEOUT, f"{op_id} to reach the expected state")


def _missing(fields: set[str], body: dict[str, Any]) -> set[str]:
    return fields - set(body)


def test_the_contract_client_runs_the_whole_lifecycle(
    client: AsyncOperationManager, tmp_path: Path
) -> None:
    done_markers = _markers(tmp_path, "done")
    started = client.start_operation(
        "Steps", "Spec client run", {"records": 3, "markerDir": str(done_markers)}
    )
    assert not _missing(START_FIELDS, started), started
    assert started["status"] == "Initiated" and started["priority"] == "Normal"
    assert started["operationName"] == "Spec client run"
    assert started["webhooksRegistered"] == 3, "the three callback URLs the client sends"
    assert {"cpuUnits", "memoryGB", "estimatedCost"} <= set(started["resourcesAllocated"])
    op_id = started["operationId"]
    assert started["trackingUrl"].endswith(op_id)

    status = _until(client, op_id, lambda s: s["status"] == "Completed")
    assert not _missing(STATUS_FIELDS, status), status
    assert not _missing(PROGRESS_FIELDS, status["progress"])
    assert not _missing(EXECUTION_FIELDS, status["execution"])
    assert not _missing(CALLBACK_FIELDS, status["callbacks"])
    assert {"cpuUsage", "memoryUsage", "diskUsage", "networkIO"} <= set(
        status["execution"]["resourceUsage"]
    )
    assert status["progress"]["percentage"] == 100
    assert status["progress"]["phasesCompleted"] == status["progress"]["totalPhases"] == 3
    assert status["execution"]["processedRecords"] == status["execution"]["totalRecords"] == 3
    for phase in status["phases"]:
        assert phase["status"] == "Completed"
        assert {"phaseName", "startTime", "endTime", "duration", "recordsProcessed"} <= set(phase)

    listed = client.list_operations(status="Completed", operation_type="Steps")
    assert {"operations", "summary", "page", "pageSize", "hasNextPage"} <= set(listed)
    [item] = listed["operations"]
    assert item["operationId"] == op_id and item["progress"] == 100
    assert {"startTime", "endTime", "duration", "recordsProcessed"} <= set(item)
    assert listed["summary"]["totalOperations"] == 1 and listed["summary"]["completed"] == 1

    results = client.get_operation_results(op_id)
    assert not _missing(RESULT_FIELDS, results), results
    assert results["success"] is True and results["status"] == "Completed"
    assert results["summary"] == {"phases": 3, "records": 9}
    assert [p["phaseName"] for p in results["phaseResults"]] == ["Load", "Compute", "Write"]
    assert all(p["results"]["records"] == 3 for p in results["phaseResults"])
    assert len(results["artifacts"]) == 3
    for artifact in results["artifacts"]:
        assert {"name", "type", "format", "size", "downloadUrl", "description"} <= set(artifact)
    performance = results["performance"]
    assert {"totalExecutionTime", "resourceUtilization", "throughput", "efficiency"} <= set(
        performance
    )
    assert {"averageCpuUsage", "peakMemoryUsage", "totalCpuHours", "totalCost"} <= set(
        performance["resourceUtilization"]
    )

    _cancel_then_resume(client, tmp_path)


def _cancel_then_resume(client: AsyncOperationManager, tmp_path: Path) -> None:
    markers = _markers(tmp_path, "cancelled")
    long_run = {"records": 10, "sleep": 0.1, "markerDir": str(markers)}
    op_id = client.start_operation("Steps", "Spec client cancel", long_run)["operationId"]
    _until(client, op_id, lambda s: s["progress"]["currentPhase"] == "Compute")

    cancelled = client.cancel_operation(op_id)
    assert not _missing(CANCEL_FIELDS, cancelled), cancelled
    assert cancelled["status"] == "Cancelled" and cancelled["reason"] == "User cancellation"
    assert cancelled["phaseAtCancellation"] == "Compute"
    partial = cancelled["partialResults"]
    assert partial["available"] is True and partial["completedPhases"] == 1
    assert len(partial["downloadUrls"]) == 1
    assert {"cpuUnits", "memoryGB", "costSaved"} <= set(cancelled["resourcesReleased"])

    retried = client.retry_operation(op_id)
    assert not _missing(RETRY_FIELDS, retried), retried
    assert retried["originalOperationId"] == op_id and retried["retryMode"] == "resume"
    assert retried["retryNumber"] == 1 and retried["status"] == "Initiated"
    assert retried["resumeFromPhase"] == "Compute"
    assert retried["preservedResults"]["phasesPreserved"] == 1
    assert retried["preservedResults"]["recordsProcessed"] == 10

    new_id = retried["newOperationId"]
    _until(client, new_id, lambda s: s["status"] == "Completed")
    results = client.get_operation_results(new_id)
    runs = {p["phaseName"]: p["results"]["run"] for p in results["phaseResults"]}
    assert runs == {"Load": 1, "Compute": 2, "Write": 1}, "Load was reused, not run again"
    assert len(marker_pids(markers, "Load")) == 1
    assert len(marker_pids(markers, "Compute")) == 2
