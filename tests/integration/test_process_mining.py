"""The ProcessMiningAnalysis kind through the API, on a generated log."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from lxml import etree

from minerun.config import Settings
from tests.conftest import TEST_KINDS
from tests.support.api import Api, Service, shared_service
from tests.support.logs import csv_log

MAPPING = {
    "caseIdColumn": "case",
    "activityColumn": "activity",
    "timestampColumn": "time",
    "resourceColumn": "who",
}
PHASES = [
    "Data Loading & Validation",
    "Process Discovery",
    "Machine Learning Analysis",
    "Report Generation",
]


@pytest.fixture(scope="module")
def service(shared_settings: Settings) -> Iterator[Service]:
    """The API with its worker, shared by the module's tests (each in a tenant of its own)."""
    assert shared_settings.kind_modules == TEST_KINDS
    with shared_service(shared_settings) as service:
        yield service


@pytest.fixture
def api(service: Service) -> Iterator[Api]:
    with service.session() as api:
        yield api


@pytest.fixture
def dataset(api: Api) -> str:
    response = api.client.post(
        f"/api/{api.scope.tenant_id}/{api.scope.project_id}/datasets",
        files={"file": ("log.csv", csv_log().encode())},
        data=MAPPING,
        headers=api.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["datasetId"])


def analyse(api: Api, **parameters: Any) -> dict[str, Any]:
    op = api.start(operationType="ProcessMiningAnalysis", parameters=parameters)
    done = api.wait_status(op["operationId"], timeout=120)
    assert done["status"] == "Completed", done.get("lastError")
    url = f"{api.base}/operation/{op['operationId']}/results?format=detailed"
    return api.client.get(url, headers=api.headers).json()  # type: ignore[no-any-return]


def download(api: Api, url: str) -> bytes:
    response = api.client.get(url)
    assert response.status_code == 200
    return response.content


def test_a_full_analysis_has_every_section_of_the_contract(api: Api, dataset: str) -> None:
    results = analyse(api, datasetId=dataset)
    assert [p["phaseName"] for p in results["phaseResults"]] == PHASES
    summary = results["summary"]
    assert summary["recordsAnalyzed"] == summary_events(api, dataset)
    assert summary["processVariants"] == 4 and summary["dataQualityScore"] == 100.0
    assert summary["anomaliesDetected"] is not None and summary["reportsCreated"] == 6
    assert 0 < summary["overallConfidenceScore"] <= 100
    loading, found, ml, report = (p["results"] for p in results["phaseResults"])
    assert loading["validRecords"] == loading["recordsLoaded"]
    model = found["processModel"]
    assert (model["activities"], model["variants"]) == (5, 4)
    assert model["complexity"] in {"Low", "Medium", "Medium-High", "High"}
    assert found["performanceMetrics"]["averageCycleTime"].endswith("hours")
    assert found["performanceMetrics"]["bottleneckActivities"]
    assert 0.9 <= found["conformance"]["fitness"] <= 1.0
    assert 0.9 <= found["conformance"]["alignmentFitness"] <= 1.0
    assert found["conformance"]["alignmentDetail"]["reason"] is None
    assert loading["eventSelection"]["lifecycle"] == "all"
    assert ml["anomalies"]["falsePositiveRate"] is None
    assert "label" in ml["anomalies"]["falsePositiveRateReason"]
    assert ml["patterns"]["frequentPatterns"] > 0
    assert report["recommendations"] and results["recommendations"] == report["recommendations"]
    for item in results["recommendations"]:
        assert item["expectedImprovement"] and item["basis"]
    formats = {a["format"] for a in results["artifacts"]}
    assert formats == {"PNML", "BPMN", "CSV", "SVG", "PDF", "JSON"}
    by_name = {a["name"]: a["downloadUrl"] for a in results["artifacts"]}
    assert download(api, by_name["Process Mining Analysis Report"]).startswith(b"%PDF")
    etree.fromstring(download(api, by_name["Process Model Visualization"]))
    performance_map = download(api, by_name["Process Map (performance)"]).decode()
    assert etree.fromstring(performance_map.encode()) is not None and "mean " in performance_map
    drawn = report["processMap"]
    assert drawn["activitiesShown"] == drawn["activities"] == 5 and drawn["edgesShown"] > 0
    bpmn = etree.fromstring(download(api, by_name["Process Model (BPMN)"]))
    assert bpmn.tag.endswith("definitions")
    full = json.loads(download(api, by_name["Full Results"]))
    assert full["Process Discovery"]["processVariants"] == 4


def summary_events(api: Api, dataset: str) -> int:
    url = f"/api/{api.scope.tenant_id}/{api.scope.project_id}/datasets/{dataset}"
    return int(api.client.get(url, headers=api.headers).json()["eventCount"])


def test_results_are_the_same_run_to_run(api: Api, dataset: str) -> None:
    first, second = analyse(api, datasetId=dataset), analyse(api, datasetId=dataset)
    assert [p["results"] for p in first["phaseResults"]] == [
        p["results"] for p in second["phaseResults"]
    ]
    assert first["summary"] == second["summary"]


def test_outputs_follow_the_options_and_the_window(api: Api, dataset: str) -> None:
    results = analyse(
        api,
        datasetId=dataset,
        timeWindow={"startDate": "2024-01-05", "endDate": "2024-01-10"},
        algorithmSettings={"algorithm": "heuristics", "performanceOptimization": "high_throughput"},
        outputOptions={"exportFormats": ["JSON"], "createVisualizations": False},
    )
    formats = sorted(a["format"] for a in results["artifacts"])
    assert formats == ["BPMN", "JSON", "PNML"]
    loading, found = results["phaseResults"][0]["results"], results["phaseResults"][1]["results"]
    assert loading["recordsInWindow"] < loading["validRecords"]
    assert found["processModel"]["algorithm"] == "heuristics"
    assert (
        found["conformance"]["fitness"] is None
        and "high_throughput" in found["conformance"]["reason"]
    )
    archive = api.client.get(
        f"{api.base}/operation/{results['operationId']}/results?format=download",
        headers=api.headers,
    )
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert "report-generation/results.json" in names


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({}, "parameters.datasetId"),
        ({"datasetId": "not-a-guid"}, "parameters.datasetId"),
        ({"datasetId": "11111111-1111-4111-8111-000000000000"}, "parameters.datasetId"),
        ({"analysisType": "everything"}, "parameters.analysisType"),
        ({"timeWindow": {"startDate": "2024-13-01"}}, "parameters.timeWindow.startDate"),
        (
            {"timeWindow": {"startDate": "2024-02-01", "endDate": "2024-01-01"}},
            "parameters.timeWindow",
        ),
        (
            {"algorithmSettings": {"noiseThreshold": 2}},
            "parameters.algorithmSettings.noiseThreshold",
        ),
        ({"algorithmSettings": {"algorithm": "alpha"}}, "parameters.algorithmSettings.algorithm"),
        ({"outputOptions": {"exportFormats": ["DOCX"]}}, "parameters.outputOptions.exportFormats"),
        ({"colour": "blue"}, "parameters.colour"),
        ({"algorithm": "alpha"}, "parameters.algorithm"),
        ({"enableML": "yes"}, "parameters.enableML"),
        ({"generateInsights": 1}, "parameters.generateInsights"),
    ],
)
def test_invalid_parameters_are_refused_before_anything_runs(
    api: Api, dataset: str, parameters: dict[str, Any], field: str
) -> None:
    body = {
        "operationType": "ProcessMiningAnalysis",
        "parameters": {"datasetId": dataset, **parameters},
    }
    if not parameters or "datasetId" in parameters:
        body["parameters"] = parameters
    response = api.client.post(f"{api.base}/operation", json=body, headers=api.headers)
    assert response.status_code == 400, response.text
    assert field in {e["field"] for e in response.json()["errors"]}


@pytest.mark.no_worker
def test_a_window_outside_the_dataset_is_refused_at_submission(api: Api, dataset: str) -> None:
    # The generated log runs through January 2024: a 2030 window cannot select anything.
    window = {"startDate": "2030-01-01", "endDate": "2030-01-31"}
    body = {
        "operationType": "ProcessMiningAnalysis",
        "parameters": {"datasetId": dataset, "timeWindow": window},
    }
    response = api.client.post(f"{api.base}/operation", json=body, headers=api.headers)
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert error["field"] == "parameters.timeWindow" and "2024-01-" in error["reason"]
    listed = api.client.get(f"{api.base}/operations", headers=api.headers).json()
    assert listed["summary"]["totalOperations"] == 0
