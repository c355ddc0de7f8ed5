"""DataEnrichment through the API with its worker: a new dataset, usable by an analysis."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from minerun.config import Settings
from minerun.services.datasets import dataset_path
from tests.support.api import Api, running_api
from tests.support.logs import csv_log

RULES = ["remove_duplicates", "fix_timestamps", "validate_activities"]
CANONICAL = {
    "caseIdColumn": "case_id",
    "activityColumn": "activity",
    "timestampColumn": "timestamp",
    "resourceColumn": "resource",
}


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    with running_api(settings) as api:
        yield api


def _datasets(api: Api) -> str:
    return f"/api/{api.scope.tenant_id}/{api.scope.project_id}/datasets"


def _upload(api: Api, name: str, content: bytes, **form: str) -> dict[str, Any]:
    response = api.client.post(
        _datasets(api), files={"file": (name, content)}, data=form, headers=api.headers
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def _source(api: Api, cases: int = 40) -> dict[str, Any]:
    lines = csv_log(cases=cases).splitlines()
    text = "\n".join([*lines, lines[1], lines[5]]) + "\n"  # two exact repeats
    return _upload(
        api,
        "claims.csv",
        text.encode(),
        caseIdColumn="case",
        activityColumn="activity",
        timestampColumn="time",
        resourceColumn="who",
    )


def _results(api: Api, operation_id: str) -> dict[str, Any]:
    response = api.client.get(
        f"{api.base}/operation/{operation_id}/results",
        params={"format": "detailed"},
        headers=api.headers,
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_enrichment_creates_a_dataset_an_analysis_can_use(api: Api, settings: Settings) -> None:
    source = _source(api)
    op = api.start(
        operationType="DataEnrichment",
        parameters={
            "datasetId": source["datasetId"],
            "cleaningRules": RULES,
            "outputFormat": "processed_csv",
        },
    )
    done = api.wait_status(op["operationId"], timeout=120)
    assert done["status"] == "Completed", done.get("lastError")
    assert done["execution"]["totalRecords"] == source["eventCount"]

    results = _results(api, op["operationId"])
    summary = results["summary"]
    new_id = summary["datasetId"]
    assert new_id != source["datasetId"] and summary["derivedFrom"] == source["datasetId"]
    assert summary["rowsIn"] == source["eventCount"]
    assert summary["rowsOut"] == source["eventCount"] - 2
    assert [r["rule"] for r in summary["rules"]] == RULES
    assert summary["rules"][0]["rowsRemoved"] == 2
    assert "case_duration_seconds" in summary["columnsAdded"]
    cleaning = next(p for p in results["phaseResults"] if p["phaseName"] == "Cleaning")
    assert cleaning["results"]["rules"][0]["examples"], "duplicates come with examples"

    dataset = api.client.get(f"{_datasets(api)}/{new_id}", headers=api.headers).json()
    assert dataset["derivedFrom"] == source["datasetId"]
    assert dataset["eventCount"] == summary["rowsOut"]
    listed = api.client.get(_datasets(api), headers=api.headers).json()
    assert new_id in {d["datasetId"] for d in listed["datasets"]}
    stored = pl.read_parquet(dataset_path(settings.data_dir, new_id))
    assert "waiting_seconds" in stored.columns

    # The CSV offered for download re-uploads to the same events.
    [artifact] = results["artifacts"]
    csv = api.client.get(artifact["downloadUrl"], headers=api.headers)
    assert csv.status_code == 200
    again = _upload(api, "cleaned.csv", csv.content, **CANONICAL)
    assert again["eventCount"] == dataset["eventCount"]
    assert again["skippedRowsCount"] == 0
    reuploaded = pl.read_parquet(dataset_path(settings.data_dir, again["datasetId"]))
    standard = ["case_id", "activity", "timestamp", "resource", "event_index"]
    assert_frame_equal(reuploaded.select(standard), stored.select(standard))

    analysis = api.start(
        operationType="ProcessMiningAnalysis",
        parameters={"datasetId": new_id, "analysisType": "discovery"},
    )
    finished = api.wait_status(analysis["operationId"], timeout=180)
    assert finished["status"] == "Completed", finished.get("lastError")


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({"cleaningRules": ["remove_duplicates", "polish"]}, "parameters.cleaningRules[1]"),
        (
            {"cleaningRules": [{"rule": "fix_timestamps", "outOfRange": "burn"}]},
            "parameters.cleaningRules[0].outOfRange",
        ),
        ({"outputFormat": "docx"}, "parameters.outputFormat"),
        ({"colour": "red"}, "parameters.colour"),
    ],
)
def test_invalid_parameters_are_refused_at_submission(
    api: Api, parameters: dict[str, Any], field: str
) -> None:
    source = _source(api, cases=5)
    response = api.client.post(
        f"{api.base}/operation",
        json={
            "operationType": "DataEnrichment",
            "operationName": "bad",
            "parameters": {"datasetId": source["datasetId"], **parameters},
        },
        headers=api.headers,
    )
    assert response.status_code == 400, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_an_unknown_dataset_is_refused(api: Api) -> None:
    response = api.client.post(
        f"{api.base}/operation",
        json={
            "operationType": "DataEnrichment",
            "operationName": "bad",
            "parameters": {"datasetId": "1b4e28ba-2fa1-11d2-883f-0016d3cca427"},
        },
        headers=api.headers,
    )
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == "parameters.datasetId"


def test_a_cancel_mid_cleaning_leaves_no_new_dataset(api: Api, settings: Settings) -> None:
    source = _source(api, cases=400)
    # Many rules, so that the cancel lands while they run; each is checked before it starts.
    rules = ["remove_duplicates", "fix_timestamps", "validate_activities"] * 150
    op = api.start(
        operationType="DataEnrichment",
        parameters={"datasetId": source["datasetId"], "cleaningRules": rules},
    )
    api.wait_phase(op["operationId"], 1)
    response = api.client.request(
        "DELETE", f"{api.base}/operation/{op['operationId']}", headers=api.headers
    )
    assert response.status_code == 200, response.text
    status = api.wait_status(op["operationId"], timeout=60)
    assert status["status"] == "Cancelled"
    assert [p["status"] for p in status["phases"]][1:] == ["Cancelled", "Skipped", "Skipped"]
    listed = api.client.get(_datasets(api), headers=api.headers).json()
    assert [d["datasetId"] for d in listed["datasets"]] == [source["datasetId"]]
    stored = sorted(p.name for p in (settings.data_dir / "datasets").iterdir())
    assert stored == sorted(f"{source['datasetId']}{s}" for s in (".parquet", ".json"))
