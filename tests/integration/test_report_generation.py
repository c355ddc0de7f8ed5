"""ReportGeneration through the API with its worker: documents from an analysis or a dataset."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from pptx import Presentation
from pypdf import PdfReader

from minerun.config import Settings
from tests.support.api import Api, Service, shared_service
from tests.support.logs import csv_log

MAPPING = {
    "caseIdColumn": "case",
    "activityColumn": "activity",
    "timestampColumn": "time",
    "resourceColumn": "who",
}
# An activity name outside Latin-1: the documents must print it as it is.
CHECK = "Проверка заявки"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
MEDIA = {
    "PDF": "application/pdf",
    "PowerPoint": PPTX,
    "HTML": "text/html",
    "CSV": "text/csv",
    "JSON": "application/json",
}


@pytest.fixture(scope="module")
def service(shared_settings: Settings) -> Iterator[Service]:
    with shared_service(shared_settings) as service:
        yield service


@pytest.fixture
def api(service: Service) -> Iterator[Api]:
    with service.session() as api:
        yield api


def upload(api: Api, cases: int = 60, seed: int = 7) -> str:
    text = csv_log(cases=cases, seed=seed).replace(",check,", f",{CHECK},")
    response = api.client.post(
        f"/api/{api.scope.tenant_id}/{api.scope.project_id}/datasets",
        files={"file": ("log.csv", text.encode())},
        data=MAPPING,
        headers=api.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["datasetId"])


def run(api: Api, operation_type: str, **parameters: Any) -> dict[str, Any]:
    op = api.start(operationType=operation_type, parameters=parameters)
    done = api.wait_status(op["operationId"], timeout=240)
    assert done["status"] == "Completed", done.get("lastError")
    url = f"{api.base}/operation/{op['operationId']}/results?format=detailed"
    return api.client.get(url, headers=api.headers).json()  # type: ignore[no-any-return]


def refused(api: Api, **parameters: Any) -> list[str]:
    body = {"operationType": "ReportGeneration", "operationName": "r", "parameters": parameters}
    response = api.client.post(f"{api.base}/operation", json=body, headers=api.headers)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [e["field"] for e in response.json()["errors"]]


def download(api: Api, results: dict[str, Any], fmt: str) -> bytes:
    """The first document of ``fmt``, served with the media type of its format."""
    urls = [a["downloadUrl"] for a in results["artifacts"] if a["format"] == fmt]
    assert urls, f"no {fmt} artifact"
    response = api.client.get(urls[0])
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == MEDIA[fmt]
    return response.content


@pytest.fixture
def analysis(api: Api) -> dict[str, Any]:
    return run(api, "ProcessMiningAnalysis", datasetId=upload(api))


def test_a_detailed_report_of_an_analysis_in_every_format(
    api: Api, analysis: dict[str, Any]
) -> None:
    formats = ["PDF", "PowerPoint", "HTML", "CSV", "JSON"]
    results = run(
        api,
        "ReportGeneration",
        sourceOperationId=analysis["operationId"],
        reportType="detailed",
        exportFormats=formats,
    )
    assert {a["format"] for a in results["artifacts"]} == set(formats)
    rendered = results["phaseResults"][1]["results"]
    assert rendered["documentsCreated"] == len(results["artifacts"])
    assert {d["file"] for d in rendered["documents"]} >= {"report.pdf", "report.pptx"}
    summary = results["summary"]
    assert summary["sourceOperationId"] == analysis["operationId"]
    assert summary["reportsCreated"] == len(results["artifacts"])
    pdf_text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(download(api, results, "PDF"))).pages
    )
    assert CHECK in pdf_text and "?" * 3 not in pdf_text
    deck = Presentation(io.BytesIO(download(api, results, "PowerPoint")))
    titles = [s.shapes.title.text for s in deck.slides if s.shapes.title is not None]
    for expected in ("Key figures", "Process map", "Recommendations"):
        assert expected in titles
    assert any(shape.has_chart for s in deck.slides for shape in s.shapes)
    page = download(api, results, "HTML").decode()
    assert CHECK in page and "<svg" in page
    assert not re.search(r"(https?:)?//[\w.-]+\.\w", page), "an external reference"
    figures = json.loads(download(api, results, "JSON"))
    stored = analysis["phaseResults"][1]["results"]
    assert figures["current"]["variants"] == stored["processVariants"]
    assert figures["current"]["fitness"] == stored["conformance"]["fitness"]


def test_an_executive_summary_of_a_dataset_runs_the_analysis_itself(api: Api) -> None:
    dataset = upload(api)
    results = run(
        api,
        "ReportGeneration",
        datasetId=dataset,
        reportType="executive_summary",
        exportFormats=["PDF", "JSON"],
    )
    gathered = results["phaseResults"][0]["results"]
    analysed = gathered["analysis"]["results"]
    assert list(analysed) == [
        "Data Loading & Validation",
        "Process Discovery",
        "Machine Learning Analysis",
        "Report Generation",
    ]
    headline = results["summary"]["headline"]
    assert [h["label"] for h in headline] == ["Cases", "Median cycle time", "Cases with rework"]
    assert headline[0]["value"] == 60
    figures = json.loads(download(api, results, "JSON"))
    top = figures["current"]["topRecommendations"]
    assert top == analysed["Report Generation"]["recommendations"][:3]
    reader = PdfReader(io.BytesIO(download(api, results, "PDF")))
    first = reader.pages[0].extract_text()
    assert "Executive summary" in first and "Period covered" in first
    assert "Headline figures" in first


def test_a_comparison_of_two_analyses(api: Api, analysis: dict[str, Any]) -> None:
    baseline = run(api, "ProcessMiningAnalysis", datasetId=upload(api, cases=40, seed=11))
    results = run(
        api,
        "ReportGeneration",
        sourceOperationId=analysis["operationId"],
        baselineOperationId=baseline["operationId"],
        reportType="comparison",
        exportFormats=["JSON", "HTML"],
        includeVisualizations=False,
    )
    diff = json.loads(download(api, results, "JSON"))["comparison"]
    variants = diff["variants"]
    assert variants["current"] == analysis["summary"]["processVariants"]
    assert variants["baseline"] == baseline["summary"]["processVariants"]
    assert variants["new"] + variants["inBoth"] == variants["current"]
    assert variants["vanished"] + variants["inBoth"] == variants["baseline"]
    fitness = diff["fitness"]
    assert fitness["change"] == pytest.approx(fitness["current"] - fitness["baseline"])
    mean = diff["cycleTimeHours"]["mean"]
    assert mean["change"] == pytest.approx(mean["current"] - mean["baseline"], abs=0.02)
    page = download(api, results, "HTML").decode()
    assert "Bottleneck shifts" in page and "<svg" not in page


def test_invalid_parameters_are_refused(api: Api) -> None:
    guid = "00000000-0000-4000-8000-000000000000"
    assert refused(api, sourceOperationId="op-" + guid) == ["parameters.sourceOperationId"]
    assert refused(api, sourceOperationId=7) == ["parameters.sourceOperationId"]
    assert refused(api) == ["parameters.sourceOperationId"]
    assert "parameters.datasetId" in refused(api, sourceOperationId=guid, datasetId=guid)
    assert "parameters.exportFormats[0]" in refused(
        api, sourceOperationId=guid, exportFormats=["pdf"]
    )
    assert "parameters.reportType" in refused(api, sourceOperationId=guid, reportType="short")
    assert "parameters.baselineOperationId" in refused(
        api, sourceOperationId=guid, reportType="comparison"
    )
    assert "parameters.activitiesShare" in refused(api, sourceOperationId=guid, activitiesShare=0)
    assert "parameters.pathsShare" in refused(api, sourceOperationId=guid, pathsShare=1.5)
    assert "parameters.colour" in refused(api, sourceOperationId=guid, colour="red")


def test_a_source_of_another_kind_is_refused(api: Api) -> None:
    other = api.start(operationType="Steps", parameters={})
    api.wait_status(other["operationId"], timeout=120)
    assert refused(api, sourceOperationId=other["operationId"]) == ["parameters.sourceOperationId"]


def test_a_source_that_did_not_complete_is_refused(api: Api) -> None:
    analysis = api.start(
        operationType="ProcessMiningAnalysis", parameters={"datasetId": upload(api)}
    )
    response = api.client.request(
        "DELETE",
        f"{api.base}/operation/{analysis['operationId']}",
        json={"forceTermination": True},
        headers=api.headers,
    )
    assert response.status_code == 200, response.text
    body = {
        "operationType": "ReportGeneration",
        "operationName": "r",
        "parameters": {"sourceOperationId": analysis["operationId"]},
    }
    answer = api.client.post(f"{api.base}/operation", json=body, headers=api.headers)
    assert answer.status_code == 400, answer.text
    [error] = answer.json()["errors"]
    assert error == {
        "field": "parameters.sourceOperationId",
        "reason": "the operation is Cancelled, not Completed",
    }


def test_an_analysis_of_another_project_is_not_a_source(
    service: Service, api: Api, analysis: dict[str, Any]
) -> None:
    with service.session() as other:
        assert refused(other, sourceOperationId=analysis["operationId"]) == [
            "parameters.sourceOperationId"
        ]
