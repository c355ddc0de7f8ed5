"""The contract's two batch examples run as written, with real dataset ids, on SQLite and
PostgreSQL: outputs flow along the edges (a DataEnrichment's new dataset, the analysis a
report is about)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from minerun.config import Settings
from minerun.services.datasets import derived_dataset_id
from minerun.store import tables as t
from tests.support.api import Api, running_api
from tests.support.factory import wait_for
from tests.support.logs import csv_log

PIPELINE_TIMEOUT = 300.0


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    with running_api(settings) as api:
        yield api


def upload(api: Api) -> str:
    url = f"/api/{api.scope.tenant_id}/{api.scope.project_id}/datasets"
    response = api.client.post(
        url,
        files={"file": ("claims.csv", csv_log(cases=40).encode())},
        data={
            "caseIdColumn": "case",
            "activityColumn": "activity",
            "timestampColumn": "time",
            "resourceColumn": "who",
        },
        headers=api.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["datasetId"])


def run(api: Api, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    response = api.client.post(f"{api.base}/batch", json=body, headers=api.headers)
    assert response.status_code == 202, response.text
    answer = response.json()
    url = f"{api.base}/batch/{answer['batchId']}"
    done = wait_for(
        lambda: (b := api.client.get(url, headers=api.headers).json())["endTime"] and b,
        PIPELINE_TIMEOUT,
    )
    return answer, done


def parameters(api: Api, operation_id: str) -> dict[str, Any]:
    with api.client.app.state.database.engine.connect() as conn:  # type: ignore[attr-defined]
        query = select(t.operations.c.parameters).where(t.operations.c.id == operation_id)
        return dict(conn.execute(query).scalar_one())


def test_preparation_discovery_performance(api: Api) -> None:
    dataset = upload(api)
    answer, done = run(
        api,
        {
            "batchName": "Monthly Process Mining Pipeline",
            "batchDescription": "Complete monthly analysis workflow with multiple datasets",
            "operations": [
                {
                    "operationName": "Data Preparation",
                    "operationType": "DataEnrichment",
                    "priority": "High",
                    "operationKey": "data-prep",
                    "parameters": {
                        "datasetId": dataset,
                        "cleaningRules": ["remove_duplicates", "fix_timestamps"],
                        "outputFormat": "processed_csv",
                    },
                },
                {
                    "operationName": "Process Discovery",
                    "operationType": "ProcessMiningAnalysis",
                    "priority": "High",
                    "operationKey": "discovery",
                    "dependencies": ["data-prep"],
                    "parameters": {
                        "algorithm": "alpha_miner_enhanced",
                        "enableVariantAnalysis": True,
                    },
                },
                {
                    "operationName": "Performance Analysis",
                    "operationType": "ProcessMiningAnalysis",
                    "priority": "Normal",
                    "operationKey": "performance",
                    "dependencies": ["discovery"],
                    "parameters": {
                        "enableBottleneckDetection": True,
                        "generateOptimizationRecommendations": True,
                    },
                },
            ],
            "failurePolicy": {
                "stopOnFirstFailure": False,
                "continueIndependentOperations": True,
                "retryFailedOperations": True,
            },
        },
    )
    ops = {op["operationKey"]: op for op in done["operations"]}
    assert done["status"] == "Completed", [op["lastError"] for op in done["operations"]]
    new_dataset = derived_dataset_id(ops["data-prep"]["operationId"])
    assert parameters(api, ops["discovery"]["operationId"])["datasetId"] == new_dataset
    assert parameters(api, ops["performance"]["operationId"])["datasetId"] == new_dataset
    listed = api.client.get(
        f"/api/{api.scope.tenant_id}/{api.scope.project_id}/datasets/{new_dataset}",
        headers=api.headers,
    )
    assert listed.status_code == 200 and listed.json()["derivedFrom"] == dataset
    assert answer["operations"][0]["status"] == "Initiated"


def test_cleaning_analysis_report(api: Api) -> None:
    dataset = upload(api)
    _answer, done = run(
        api,
        {
            "batchName": "Complete Process Mining Pipeline",
            "batchDescription": "End-to-end analysis with data prep and reporting",
            "operations": [
                {
                    "operationName": "Data Cleaning",
                    "operationType": "DataEnrichment",
                    "priority": "High",
                    "operationKey": "clean",
                    "parameters": {
                        "datasetId": dataset,
                        "cleaningRules": [
                            "remove_duplicates",
                            "fix_timestamps",
                            "validate_activities",
                        ],
                    },
                },
                {
                    "operationName": "Process Analysis",
                    "operationType": "ProcessMiningAnalysis",
                    "priority": "High",
                    "operationKey": "analyze",
                    "dependencies": ["clean"],
                    "parameters": {
                        "analysisType": "comprehensive",
                        "enableML": True,
                        "generateInsights": True,
                    },
                },
                {
                    "operationName": "Report Generation",
                    "operationType": "ReportGeneration",
                    "priority": "Normal",
                    "operationKey": "report",
                    "dependencies": ["analyze"],
                    "parameters": {
                        "reportType": "executive_summary",
                        "includeVisualizations": True,
                        "exportFormats": ["PDF", "PowerPoint"],
                    },
                },
            ],
            "failurePolicy": {
                "stopOnFirstFailure": False,
                "continueIndependentOperations": True,
                "retryFailedOperations": True,
            },
        },
    )
    ops = {op["operationKey"]: op for op in done["operations"]}
    assert done["status"] == "Completed", [op["lastError"] for op in done["operations"]]
    report = parameters(api, ops["report"]["operationId"])
    assert report["sourceOperationId"] == ops["analyze"]["operationId"]
    assert "datasetId" not in report  # a report takes one input: the analysis
    results = api.client.get(
        f"{api.base}/operation/{ops['report']['operationId']}/results", headers=api.headers
    )
    assert results.status_code == 200, results.text
    formats = {a["format"] for a in results.json()["artifacts"]}
    assert {"PDF", "PowerPoint"} <= formats, formats


def test_two_analyses_feeding_one_report_are_refused(api: Api) -> None:
    dataset = upload(api)
    analysis = {"operationType": "ProcessMiningAnalysis", "parameters": {"datasetId": dataset}}
    body = {
        "batchName": "ambiguous",
        "operations": [
            {**analysis, "operationKey": "one"},
            {**analysis, "operationKey": "two"},
            {
                "operationType": "ReportGeneration",
                "operationKey": "report",
                "dependencies": ["one", "two"],
                "parameters": {},
            },
        ],
    }
    response = api.client.post(f"{api.base}/batch", json=body, headers=api.headers)
    assert response.status_code == 400, response.text
    [error] = response.json()["errors"]
    assert error["field"] == "operations[2].parameters.sourceOperationId"
    assert "one, two" in error["reason"]
