"""The contract's batch-example parameters of ProcessMiningAnalysis, run to completion by the
worker on a real log: the alpha+ model, precision beside fitness, and parts switched off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from minerun.config import Settings
from tests.conftest import TEST_KINDS
from tests.support.api import Api, running_api

PHASES = [
    "Data Loading & Validation",
    "Process Discovery",
    "Machine Learning Analysis",
    "Report Generation",
]


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    assert settings.kind_modules == TEST_KINDS
    with running_api(settings) as api:
        yield api


@pytest.fixture
def receipt(api: Api, shared_data: Path) -> str:
    response = api.client.post(
        f"/api/{api.scope.tenant_id}/{api.scope.project_id}/datasets",
        files={"file": ("receipt.xes.gz", (shared_data / "receipt.xes.gz").read_bytes())},
        headers=api.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["datasetId"])


def analyse(api: Api, **parameters: Any) -> dict[str, Any]:
    op = api.start(operationType="ProcessMiningAnalysis", parameters=parameters)
    done = api.wait_status(op["operationId"], "Completed", "Failed", timeout=300)
    assert done["status"] == "Completed", done.get("lastError")
    url = f"{api.base}/operation/{op['operationId']}/results?format=detailed"
    return api.client.get(url, headers=api.headers).json()  # type: ignore[no-any-return]


def phases(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["phaseName"]: p["results"] for p in results["phaseResults"]}


def test_the_discovery_example_mines_an_alpha_net_with_its_precision(
    api: Api, receipt: str
) -> None:
    results = analyse(
        api, datasetId=receipt, algorithm="alpha_miner_enhanced", enableVariantAnalysis=True
    )
    found = phases(results)["Process Discovery"]
    model = found["processModel"]
    assert model["algorithm"] == "alpha_miner_enhanced"
    assert model["petriNet"]["transitions"] >= model["activities"] == 27
    conformance = found["conformance"]
    assert 0 < conformance["precision"] <= 1 and 0 < conformance["fitness"] <= 1
    detail = conformance["precisionDetail"]
    assert 0 <= detail["escapingEdges"] <= detail["allowedEdges"]
    assert conformance["precision"] == pytest.approx(
        1 - detail["escapingEdges"] / detail["allowedEdges"], abs=1e-6
    )
    assert results["summary"]["modelPrecision"] == conformance["precision"]
    assert found["topVariants"] and "variantAnalysis" not in found
    assert {"PNML", "BPMN"} <= {a["format"] for a in results["artifacts"]}


def test_the_inductive_default_reports_precision_too(api: Api, receipt: str) -> None:
    results = analyse(
        api,
        datasetId=receipt,
        enableBottleneckDetection=True,
        generateOptimizationRecommendations=True,
    )
    found = phases(results)["Process Discovery"]
    assert found["processModel"]["algorithm"] == "inductive"
    assert 0 < found["conformance"]["precision"] <= 1
    assert found["performanceMetrics"]["bottlenecks"]
    assert phases(results)["Report Generation"]["recommendations"]


def test_parts_switched_off_are_left_out_and_say_so(api: Api, receipt: str) -> None:
    results = analyse(
        api,
        datasetId=receipt,
        analysisType="comprehensive",
        enableML=False,
        generateInsights=False,
        enableVariantAnalysis=False,
        enableBottleneckDetection=False,
        generateOptimizationRecommendations=False,
    )
    by_phase = phases(results)
    assert list(by_phase) == PHASES
    found, ml, report = (by_phase[p] for p in PHASES[1:])
    assert (
        "topVariants" not in found
        and "enableVariantAnalysis" in found["variantAnalysis"]["skipped"]
    )
    perf = found["performanceMetrics"]
    assert "bottlenecks" not in perf and "bottleneckActivities" not in perf
    assert "enableBottleneckDetection" in perf["bottleneckDetection"]["skipped"]
    assert ml == {"skipped": "enableML is false", "modelsTraining": 0, "modelsCompleted": 0}
    assert report["recommendations"] == []
    assert "generateOptimizationRecommendations" in report["recommendationsSkipped"]
    names = {a["name"] for a in results["artifacts"]}
    assert "Process Variants" not in names and "Activity Statistics" in names
    assert results["summary"]["anomaliesDetected"] is None
    assert results["summary"]["modelsGenerated"] == 1


def test_insights_off_leaves_out_the_patterns_only(api: Api, receipt: str) -> None:
    results = analyse(api, datasetId=receipt, enableML=True, generateInsights=False)
    ml = phases(results)["Machine Learning Analysis"]
    assert ml["patterns"] == {"skipped": "generateInsights is false"}
    assert ml["anomalies"]["detected"] is not None
