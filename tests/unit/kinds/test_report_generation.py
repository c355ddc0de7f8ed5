"""ReportGeneration's parameters and figures, on hand-built logs with known answers."""

from __future__ import annotations

from typing import Any

import pytest

from minerun.analysis.discovery import discover
from minerun.analysis.performance import analyze_performance
from minerun.kinds.process_mining.parameters import parse as parse_analysis
from minerun.kinds.report_generation.figures import brief, compare
from minerun.kinds.report_generation.material import Analysis
from minerun.kinds.report_generation.parameters import check, parse
from tests.support.eventframes import events

OP = "op-00000000-0000-4000-8000-000000000001"


def _fields(**parameters: Any) -> list[str]:
    return [e["field"] for e in check(parameters)]


def test_defaults() -> None:
    assert check({"sourceOperationId": OP}) == []
    params = parse({"sourceOperationId": OP})
    assert (params.report_type, params.export_formats) == ("detailed", ("PDF",))
    assert params.include_visualizations and params.dataset_id is None


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({}, "parameters.sourceOperationId"),
        ({"sourceOperationId": OP, "datasetId": OP}, "parameters.datasetId"),
        ({"datasetId": "not-a-guid"}, "parameters.datasetId"),
        ({"sourceOperationId": OP, "reportType": "brief"}, "parameters.reportType"),
        ({"sourceOperationId": OP, "reportType": "comparison"}, "parameters.baselineOperationId"),
        ({"sourceOperationId": OP, "baselineOperationId": OP}, "parameters.baselineOperationId"),
        ({"sourceOperationId": OP, "exportFormats": []}, "parameters.exportFormats"),
        ({"sourceOperationId": OP, "exportFormats": "PDF"}, "parameters.exportFormats"),
        (
            {"sourceOperationId": OP, "exportFormats": ["PDF", "pptx"]},
            "parameters.exportFormats[1]",
        ),
        ({"sourceOperationId": OP, "exportFormats": ["PDF", "PDF"]}, "parameters.exportFormats"),
        (
            {"sourceOperationId": OP, "includeVisualizations": "yes"},
            "parameters.includeVisualizations",
        ),
        ({"sourceOperationId": OP, "activitiesShare": 0}, "parameters.activitiesShare"),
        ({"sourceOperationId": OP, "pathsShare": True}, "parameters.pathsShare"),
        ({"sourceOperationId": OP, "pathsShare": 1.01}, "parameters.pathsShare"),
        ({"sourceOperationId": OP, "format": "PDF"}, "parameters.format"),
    ],
)
def test_each_mistake_names_its_field(parameters: dict[str, Any], field: str) -> None:
    assert field in _fields(**parameters)


def test_the_contract_values_are_accepted() -> None:
    parameters = {
        "datasetId": "00000000-0000-4000-8000-000000000002",
        "reportType": "executive_summary",
        "includeVisualizations": True,
        "exportFormats": ["PDF", "PowerPoint"],
        "activitiesShare": 0.5,
        "pathsShare": 1,
    }
    assert check(parameters) == []
    assert parse(parameters).activities_share == 0.5


def _analysis(rows: list[tuple[str, str, float]], fitness: float) -> Analysis:
    frame = events(rows)
    results = {"Process Discovery": {"conformance": {"fitness": fitness, "precision": 0.5}}}
    params = parse_analysis({"datasetId": "00000000-0000-4000-8000-000000000003"})
    return Analysis(
        None, params, "log", results, frame, discover(frame), analyze_performance(frame)
    )


BEFORE = [
    ("1", "a", 0),
    ("1", "b", 2),
    ("1", "c", 4),
    ("2", "a", 0),
    ("2", "b", 2),
    ("2", "c", 4),
    ("3", "a", 0),
    ("3", "c", 10),
]
AFTER = [
    ("1", "a", 0),
    ("1", "b", 1),
    ("1", "c", 2),
    ("2", "a", 0),
    ("2", "b", 1),
    ("2", "b", 2),
    ("2", "c", 3),
]


def test_a_comparison_finds_new_and_vanished_variants_and_shifts() -> None:
    baseline, current = _analysis(BEFORE, 0.9), _analysis(AFTER, 0.95)
    diff = compare(current, baseline)
    variants = diff["variants"]
    assert (variants["current"], variants["baseline"], variants["inBoth"]) == (2, 2, 1)
    assert variants["newList"] == [{"activities": ["a", "b", "b", "c"], "cases": 1}]
    assert variants["vanishedList"] == [{"activities": ["a", "c"], "cases": 1}]
    assert variants["newCasePercent"] == 50.0
    assert variants["vanishedCasePercent"] == pytest.approx(33.3)
    # Mean cycle time: (4 + 4 + 10) / 3 = 6 h before, (2 + 3) / 2 = 2.5 h after.
    mean = diff["cycleTimeHours"]["mean"]
    assert (mean["baseline"], mean["current"], mean["change"]) == (6.0, 2.5, -3.5)
    assert mean["changePercent"] == pytest.approx(-58.3)
    assert diff["fitness"]["change"] == pytest.approx(0.05)
    assert diff["activitiesInCommon"] == 3 and diff["activitiesOnlyInCurrent"] == []


def test_the_brief_holds_the_period_and_the_headline() -> None:
    figures = brief(_analysis(BEFORE, 0.9))
    assert figures["period"] == {"start": "2024-03-01T08:00:00Z", "end": "2024-03-01T18:00:00Z"}
    assert [h["value"] for h in figures["headline"]] == [3, 4.0, 0.0]
    assert figures["fitness"] == 0.9
