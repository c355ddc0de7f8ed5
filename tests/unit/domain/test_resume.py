"""Which phases a resume retry reuses: only results computed with today's parameters."""

from __future__ import annotations

from typing import Any

from minerun.domain.resume import PhaseState, Rerun, ResumePlan, changed_parameters, plan_resume
from minerun.kinds.process_mining import KIND

ANALYSIS = {
    "datasetId": "5f3c1f62-6a8e-4a43-9d8e-0d6f7a1f7b10",
    "timeWindow": {"startDate": "2024-01-01", "endDate": "2024-03-31"},
    "algorithmSettings": {"algorithm": "inductive", "noiseThreshold": 0.2},
    "outputOptions": {"exportFormats": ["PDF", "CSV"]},
}


def analysis_plan(after: dict[str, Any], completed: int = 3) -> ResumePlan:
    """The plan for ProcessMiningAnalysis, whose first ``completed`` phases completed."""
    states = [
        PhaseState(
            p.name,
            p.depends_on,
            "Completed" if i < completed else ("Failed" if i == completed else "Skipped"),
            kept=i < completed,
        )
        for i, p in enumerate(KIND.phases)
    ]
    return plan_resume(states, ANALYSIS, after, resume=True)


def test_unchanged_parameters_reuse_every_completed_phase() -> None:
    plan = analysis_plan(ANALYSIS)
    assert plan.reused == (0, 1, 2)
    assert plan.rerun == (
        Rerun("Report Generation", "did not complete in the original operation (Failed)"),
    )


def test_a_new_time_window_reuses_nothing() -> None:
    after = {**ANALYSIS, "timeWindow": {"startDate": "2024-02-01", "endDate": "2024-03-31"}}
    plan = analysis_plan(after)
    assert plan.reused == ()
    assert plan.rerun[0] == Rerun("Data Loading & Validation", "parameters changed: timeWindow")
    assert plan.rerun[1].reason == "parameters changed: timeWindow"


def test_a_new_dataset_reuses_nothing() -> None:
    after = {**ANALYSIS, "datasetId": "0b5d2d8e-3a53-4f43-8d2c-7a4f2a4c9e11"}
    assert analysis_plan(after).reused == ()


def test_a_new_algorithm_keeps_only_the_loading() -> None:
    after = {**ANALYSIS, "algorithmSettings": {"algorithm": "heuristics", "noiseThreshold": 0.2}}
    plan = analysis_plan(after)
    assert plan.reused == (0,)
    assert plan.rerun[0] == Rerun(
        "Process Discovery", "parameters changed: algorithmSettings.algorithm"
    )
    # Machine learning does not read the algorithm, but it follows a phase that runs again.
    assert plan.rerun[1] == Rerun(
        "Machine Learning Analysis", "runs after a phase that runs again (Process Discovery)"
    )


def test_new_resources_or_output_options_reuse_the_analysis() -> None:
    after = {
        **ANALYSIS,
        "resourceAllocation": {"cpuUnits": 8},
        "outputOptions": {"exportFormats": ["PDF", "CSV"], "createVisualizations": False},
    }
    assert analysis_plan(after).reused == (0, 1, 2)


def test_a_phase_whose_results_were_dropped_runs_again() -> None:
    states = [
        PhaseState("Load", None, "Completed", kept=True),
        PhaseState("Compute", None, "Completed", kept=False),
        PhaseState("Write", None, "Cancelled", kept=False),
    ]
    plan = plan_resume(states, {}, {}, resume=True)
    assert plan.reused == (0,)
    assert plan.rerun == (
        Rerun("Compute", "its results were not preserved"),
        Rerun("Write", "did not complete in the original operation (Cancelled)"),
    )


def test_a_kind_that_declares_nothing_depends_on_every_parameter() -> None:
    states = [PhaseState("Load", None, "Completed", kept=True)]
    assert plan_resume(states, {"a": 1}, {"a": 1, "b": 2}, resume=True).rerun == (
        Rerun("Load", "parameters changed: b"),
    )


def test_restart_reuses_nothing() -> None:
    states = [PhaseState("Load", None, "Completed", kept=True)]
    assert plan_resume(states, {}, {}, resume=False) == ResumePlan(
        (), (Rerun("Load", "restart runs every phase"),)
    )


def test_dotted_paths_compare_nested_values_and_absent_keys() -> None:
    before = {"a": {"b": 1, "c": 2}}
    paths = frozenset({"a.b", "a.c", "a.d", "e"})
    assert changed_parameters(before, {"a": {"b": 1, "c": 3}}, paths) == ["a.c"]
    assert changed_parameters(before, {"a": {"b": 1, "c": 2, "d": None}}, paths) == ["a.d"]
    assert changed_parameters(before, {}, paths) == ["a.b", "a.c"]
