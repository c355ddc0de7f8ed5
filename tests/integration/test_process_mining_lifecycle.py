"""The ``lifecycle`` event selection and the map controls of ProcessMiningAnalysis, run to
completion by the worker on an uploaded XES log with START/COMPLETE transitions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from minerun.config import Settings
from tests.conftest import TEST_KINDS
from tests.support.api import Api, running_api

CASES = 12
T0 = datetime(2024, 5, 6, 8, tzinfo=UTC)


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    assert settings.kind_modules == TEST_KINDS
    with running_api(settings) as api:
        yield api


def _event(activity: str, transition: str, moment: datetime) -> str:
    return (
        f'<event><string key="concept:name" value="{activity}"/>'
        f'<string key="lifecycle:transition" value="{transition}"/>'
        f'<date key="time:timestamp" value="{moment.isoformat()}"/></event>'
    )


def lifecycle_xes() -> bytes:
    """Every case: Register (an instant), then Review worked 2 h after a 3 h wait, then
    Decide worked 1 h after a 1 h wait, as START/COMPLETE pairs (Review also scheduled)."""
    traces = []
    for n in range(CASES):
        t = T0 + timedelta(days=n)
        hour = timedelta(hours=1)
        events = [
            _event("Register", "complete", t),
            _event("Review", "schedule", t + hour),
            _event("Review", "start", t + 3 * hour),
            _event("Review", "complete", t + 5 * hour),
            _event("Decide", "start", t + 6 * hour),
            _event("Decide", "complete", t + 7 * hour),
        ]
        traces.append(
            f'<trace><string key="concept:name" value="case-{n}"/>{"".join(events)}</trace>'
        )
    return f'<?xml version="1.0" encoding="UTF-8"?><log>{"".join(traces)}</log>'.encode()


@pytest.fixture
def dataset(api: Api) -> str:
    response = api.client.post(
        f"/api/{api.scope.tenant_id}/{api.scope.project_id}/datasets",
        files={"file": ("lifecycle.xes", lifecycle_xes())},
        headers=api.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["datasetId"])


def analyse(api: Api, **parameters: Any) -> dict[str, dict[str, Any]]:
    op = api.start(operationType="ProcessMiningAnalysis", parameters=parameters)
    done = api.wait_status(op["operationId"], "Completed", "Failed", timeout=300)
    assert done["status"] == "Completed", done.get("lastError")
    url = f"{api.base}/operation/{op['operationId']}/results?format=detailed"
    results = api.client.get(url, headers=api.headers).json()
    return {p["phaseName"]: p["results"] for p in results["phaseResults"]}


def edges(found: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(e["source"], e["target"]): e for e in found["directlyFollows"]}


def test_instances_separate_waiting_from_processing(api: Api, dataset: str) -> None:
    raw = analyse(api, datasetId=dataset, analysisType="discovery")
    # Every phase reads the instances, the machine-learning one included.
    merged = analyse(api, datasetId=dataset, analysisType="comprehensive", lifecycle="instances")
    selection = merged["Data Loading & Validation"]["eventSelection"]
    assert selection["lifecycle"] == "instances"
    assert (selection["eventsInWindow"], selection["eventsSelected"]) == (6 * CASES, 3 * CASES)
    assert selection["startEventsInWindow"] == selection["pairedInstances"] == 2 * CASES
    assert selection["scheduleDropped"] == CASES
    found = merged["Process Discovery"]
    assert found["performanceMetrics"]["hasStartTimestamps"] is True
    assert not raw["Process Discovery"]["performanceMetrics"]["hasStartTimestamps"]
    assert "instances" in raw["Data Loading & Validation"]["eventSelection"]["note"]
    assert "note" not in selection
    # Review's start comes 3 h after Register, Decide's 1 h after Review's end.
    assert edges(found)["Register", "Review"]["meanSeconds"] == 3 * 3600
    assert edges(found)["Review", "Decide"]["meanSeconds"] == 3600
    assert ("Review", "Review") in edges(raw["Process Discovery"])
    assert ("Review", "Review") not in edges(found)
    bottlenecks = {b["activity"]: b for b in found["performanceMetrics"]["bottlenecks"]}
    assert bottlenecks["Review"]["meanWaitingSeconds"] == 3 * 3600
    assert bottlenecks["Review"]["meanProcessingSeconds"] == 2 * 3600
    assert found["conformance"]["alignmentFitness"] == 1.0


def test_complete_events_only_and_the_map_controls(api: Api, dataset: str) -> None:
    phases = analyse(
        api,
        datasetId=dataset,
        analysisType="discovery",
        lifecycle="complete",
        activitiesShare=0.5,
        pathsShare=1,
        mapDuration="median",
    )
    selection = phases["Data Loading & Validation"]["eventSelection"]
    assert (selection["eventsSelected"], selection["eventsDropped"]) == (3 * CASES, 3 * CASES)
    drawn = phases["Report Generation"]["processMap"]
    assert (drawn["activities"], drawn["activitiesShown"]) == (3, 2)
    assert drawn["duration"] == "median" and drawn["pathsShare"] == 1.0
    assert "Process Map (performance)" in phases["Report Generation"]["artifacts"]


def test_a_malformed_control_is_refused_with_its_field(api: Api, dataset: str) -> None:
    response = api.client.post(
        f"{api.base}/operation",
        json={
            "operationType": "ProcessMiningAnalysis",
            "operationName": "malformed controls",
            "parameters": {"datasetId": dataset, "lifecycle": "starts", "pathsShare": 2},
        },
        headers=api.headers,
    )
    assert response.status_code == 400
    text = response.text
    assert "parameters.lifecycle" in text and "parameters.pathsShare" in text
