"""The batch examples' parameters of ProcessMiningAnalysis: accepted where the contract puts
them, refused with the field named when malformed, and parsed with today's defaults."""

from __future__ import annotations

from typing import Any

import pytest

from minerun.domain.resume import changed_parameters
from minerun.kinds.process_mining import KIND
from minerun.kinds.process_mining.parameters import check, parse

DATASET = "5f3c1f62-6a8e-4a43-9d8e-0d6f7a1f7b10"
SWITCHES = {
    "enableVariantAnalysis": "variant_analysis",
    "enableBottleneckDetection": "bottleneck_detection",
    "generateOptimizationRecommendations": "recommendations",
    "enableML": "machine_learning",
    "generateInsights": "insights",
}
# The parameters of the contract's batch examples, each with the dataset it reads.
BATCH_EXAMPLES = [
    {"algorithm": "alpha_miner_enhanced", "enableVariantAnalysis": True},
    {"enableBottleneckDetection": True, "generateOptimizationRecommendations": True},
    {"analysisType": "comprehensive", "enableML": True, "generateInsights": True},
]


def fields(errors: list[dict[str, str]]) -> list[str]:
    return [e["field"] for e in errors]


@pytest.mark.parametrize("example", BATCH_EXAMPLES)
def test_the_contracts_batch_examples_are_accepted(example: dict[str, Any]) -> None:
    assert check({"datasetId": DATASET, **example}) == []


def test_every_part_is_on_by_default() -> None:
    params = parse({"datasetId": DATASET})
    assert all(getattr(params, attr) is True for attr in SWITCHES.values())
    assert params.algorithm == "inductive"


@pytest.mark.parametrize(("key", "attr"), SWITCHES.items())
def test_each_switch_turns_its_part_off(key: str, attr: str) -> None:
    params = parse({"datasetId": DATASET, key: False})
    assert getattr(params, attr) is False
    others = [a for a in SWITCHES.values() if a != attr]
    assert all(getattr(params, a) is True for a in others)


@pytest.mark.parametrize("key", SWITCHES)
@pytest.mark.parametrize("value", ["true", 1, 0, None, ["yes"]])
def test_a_switch_that_is_not_a_boolean_is_refused(key: str, value: Any) -> None:
    errors = check({"datasetId": DATASET, key: value})
    assert fields(errors) == [f"parameters.{key}"]
    assert errors[0]["reason"] == "must be true or false"


def test_an_unknown_key_beside_the_switches_is_refused_by_name() -> None:
    errors = check({"datasetId": DATASET, "enableVariantsAnalysis": True})
    assert fields(errors) == ["parameters.enableVariantsAnalysis"]
    assert "enableVariantAnalysis" in errors[0]["reason"]


@pytest.mark.parametrize(
    "parameters",
    [
        {"algorithm": "alpha_miner_enhanced"},
        {"algorithmSettings": {"algorithm": "alpha_miner_enhanced"}},
        {"algorithm": "alpha_miner_enhanced", "algorithmSettings": {"noiseThreshold": 0.1}},
    ],
)
def test_the_alpha_miner_is_chosen_at_either_path(parameters: dict[str, Any]) -> None:
    assert check({"datasetId": DATASET, **parameters}) == []
    assert parse({"datasetId": DATASET, **parameters}).algorithm == "alpha_miner_enhanced"


def test_an_unknown_algorithm_at_the_top_level_is_refused() -> None:
    errors = check({"datasetId": DATASET, "algorithm": "alpha"})
    assert fields(errors) == ["parameters.algorithm"]
    assert "alpha_miner_enhanced" in errors[0]["reason"]


def test_two_different_algorithms_are_refused() -> None:
    parameters = {
        "datasetId": DATASET,
        "algorithm": "alpha_miner_enhanced",
        "algorithmSettings": {"algorithm": "heuristics"},
    }
    assert fields(check(parameters)) == ["parameters.algorithm"]


def test_a_malformed_algorithm_settings_is_refused_without_error() -> None:
    errors = check({"datasetId": DATASET, "algorithm": "inductive", "algorithmSettings": 3})
    assert fields(errors) == ["parameters.algorithmSettings"]


def reused(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The phases whose declared parameters are unchanged between two submissions."""
    return [p.name for p in KIND.phases if not changed_parameters(before, after, p.depends_on)]


@pytest.mark.parametrize(
    ("key", "rerun"),
    [
        ("algorithm", {"Process Discovery"}),
        ("enableVariantAnalysis", {"Process Discovery", "Report Generation"}),
        ("enableBottleneckDetection", {"Process Discovery", "Report Generation"}),
        ("generateOptimizationRecommendations", {"Report Generation"}),
        ("enableML", {"Machine Learning Analysis"}),
        ("generateInsights", {"Machine Learning Analysis", "Report Generation"}),
    ],
)
def test_a_phase_depends_on_the_switches_it_reads(key: str, rerun: set[str]) -> None:
    before = {"datasetId": DATASET}
    after = {**before, key: "alpha_miner_enhanced" if key == "algorithm" else False}
    kept = reused(before, after)
    assert {p.name for p in KIND.phases} - set(kept) == rerun


@pytest.mark.parametrize("lifecycle", ["all", "complete", "instances"])
def test_each_event_selection_is_accepted(lifecycle: str) -> None:
    assert check({"datasetId": DATASET, "lifecycle": lifecycle}) == []
    assert parse({"datasetId": DATASET, "lifecycle": lifecycle}).lifecycle == lifecycle


def test_the_event_selection_defaults_to_all_events() -> None:
    params = parse({"datasetId": DATASET})
    assert params.lifecycle == "all"
    assert (params.activities_share, params.paths_share, params.map_duration) == (
        None,
        None,
        "mean",
    )


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("lifecycle", "start"),
        ("activitiesShare", 0),
        ("activitiesShare", 1.5),
        ("pathsShare", -0.1),
        ("pathsShare", True),
        ("pathsShare", "half"),
        ("mapDuration", "p90"),
    ],
)
def test_a_malformed_map_control_or_selection_is_refused_by_name(key: str, value: Any) -> None:
    assert fields(check({"datasetId": DATASET, key: value})) == [f"parameters.{key}"]


def test_map_shares_are_parsed() -> None:
    params = parse({"datasetId": DATASET, "activitiesShare": 0.5, "pathsShare": 1})
    assert (params.activities_share, params.paths_share) == (0.5, 1.0)


@pytest.mark.parametrize(
    ("key", "value", "rerun"),
    [
        ("lifecycle", "instances", {p.name for p in KIND.phases}),
        ("pathsShare", 0.5, {"Report Generation"}),
        ("mapDuration", "median", {"Report Generation"}),
    ],
)
def test_a_phase_depends_on_the_selection_and_map_controls(
    key: str, value: Any, rerun: set[str]
) -> None:
    before = {"datasetId": DATASET}
    kept = reused(before, {**before, key: value})
    assert {p.name for p in KIND.phases} - set(kept) == rerun
