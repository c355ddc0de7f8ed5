"""Phase 2, "Process Discovery": DFG, variants, performance, a process model and its fitness."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl

from minerun.analysis.discovery import Discovery, discover
from minerun.analysis.models import (
    PetriNet,
    PrecisionResult,
    ReplayResult,
    discover_alpha_plus,
    discover_heuristics_net,
    discover_process_tree,
    heuristics_to_petri_net,
    precision,
    to_bpmn,
    to_pnml,
    token_replay,
    tree_to_petri_net,
)
from minerun.analysis.models.alignments import AlignmentFitness, alignment_fitness
from minerun.analysis.performance import Performance, analyze_performance
from minerun.domain.humanize import hours_text
from minerun.kinds.base import ArtifactSpec, PhaseContext, PhaseInputError
from minerun.kinds.process_mining import memo
from minerun.kinds.process_mining.loading import dataset_events, load_log
from minerun.kinds.process_mining.parameters import AnalysisParameters, parse
from minerun.kinds.steps import StepProgress

MAX_EDGES_IN_RESULTS = 500
# The search bounds of the alignments, (states per variant, states for the log), by
# performanceOptimization: under 10 s for "balanced", about a minute for "high_accuracy"
# (a state takes about 20 µs on a busy 2-core machine; see docs/analysis/models.md §9).
ALIGNMENT_BOUNDS = {"balanced": (50_000, 400_000), "high_accuracy": (500_000, 3_000_000)}
TOP_VARIANTS = 20
# Shares of the phase's work: building the DFG and variants, measuring times, then waiting
# for the model, its replay and its precision (which run beside the first two). Measured on
# 2 cores: 0.12 s, 0.14 s, then 0.9 s more on BPIC 2012; 0.03 s, 0.11 s, 0.11 s on BPIC
# 2013; precision adds 0.38 s (BPIC 2012) and 0.06 s (BPIC 2013) to the last step.
STEP_WEIGHTS = (1.0, 1.0, 5.0)


def run(ctx: PhaseContext) -> dict[str, Any]:
    params = parse(ctx.parameters)
    frame = load_log(ctx, params)
    if frame.height == 0:
        raise PhaseInputError("the time window contains no events of the dataset")
    step = StepProgress(ctx, frame.height, dataset_events(ctx, params), STEP_WEIGHTS)
    step.next(f"Mining a process model ({params.algorithm} miner) and building the DFG")
    # The miner and the replay run in Python; the DFG and the time measures run in Polars,
    # which leaves the interpreter free: side by side they use two cores.
    with ThreadPoolExecutor(max_workers=1) as pool:
        modelling = pool.submit(_model_and_fitness, frame, params, ctx.workdir)
        found = discover(frame, intervals=params.lifecycle == "instances")
        step.next("Measuring cycle, waiting and processing times")
        perf = analyze_performance(frame)
        memo.store(ctx.scratch_dir, "discovery", (found, _without_cases(perf)))
        step.next("Replaying the log on the model")
        net, model_files, replay, precise, aligned = modelling.result()
    for artifact in model_files:
        ctx.add_artifact(artifact)
    step.finish()
    results = {
        "activitiesDiscovered": len(found.activities),
        "processVariants": found.variant_count,
        "uniquePaths": found.unique_paths,
        "processModel": _model_view(found, params, net),
        "performanceMetrics": _performance_view(perf, params),
        "conformance": _conformance_view(replay, precise, aligned),
        "startActivities": found.start_activities,
        "endActivities": found.end_activities,
        "topVariants": [_variant_view(v) for v in found.variants[:TOP_VARIANTS]],
        "directlyFollows": [_edge_view(e) for e in _top_edges(found)],
    }
    if not params.variant_analysis:
        del results["topVariants"]
        results["variantAnalysis"] = {"skipped": "enableVariantAnalysis is false"}
    return results


def _without_cases(perf: Performance) -> Performance:
    """What the report needs of the measures: the per-case list is cheaper to compute again
    from the log than to hand over."""
    return replace(perf, cycle_times=replace(perf.cycle_times, per_case=()))


_Conformance = tuple[
    PetriNet,
    list[ArtifactSpec],
    ReplayResult | None,
    PrecisionResult | None,
    AlignmentFitness | None,
]


def _model_and_fitness(
    frame: pl.DataFrame, params: AnalysisParameters, workdir: Path
) -> _Conformance:
    net, files = _model(frame, params, workdir)
    if not params.replay:
        return net, files, None, None, None
    replay, precise = token_replay(frame, net), precision(frame, net)
    per_variant, total = ALIGNMENT_BOUNDS[params.optimization]
    aligned = alignment_fitness(frame, net, max_states=per_variant, max_total_states=total)
    return net, files, replay, precise, aligned


def _model(
    frame: pl.DataFrame, params: AnalysisParameters, workdir: Path
) -> tuple[PetriNet, list[ArtifactSpec]]:
    if params.algorithm == "heuristics":
        hnet = discover_heuristics_net(frame, dependency_threshold=params.dependency_threshold)
        net = heuristics_to_petri_net(hnet)
        bpmn = to_bpmn(net)
    elif params.algorithm == "alpha_miner_enhanced":
        net = discover_alpha_plus(frame)
        bpmn = to_bpmn(net)
    else:
        tree = discover_process_tree(frame, noise_threshold=params.noise_threshold)
        net = tree_to_petri_net(tree)
        bpmn = to_bpmn(tree)
    pnml_path, bpmn_path = workdir / "process-model.pnml", workdir / "process-model.bpmn"
    pnml_path.write_text(to_pnml(net, name="minerun process model"))
    bpmn_path.write_text(bpmn)
    return net, [
        ArtifactSpec(
            pnml_path,
            "Process Model (Petri net)",
            "Model",
            "PNML",
            "Discovered Petri net, PNML 1.3",
            "application/xml",
        ),
        ArtifactSpec(
            bpmn_path,
            "Process Model (BPMN)",
            "Model",
            "BPMN",
            "Discovered model as BPMN 2.0 with diagram",
            "application/xml",
        ),
    ]


def _model_view(found: Discovery, params: AnalysisParameters, net: PetriNet) -> dict[str, Any]:
    return {
        "activities": len(found.activities),
        "transitions": found.transitions,
        "variants": found.variant_count,
        "complexity": found.complexity.label,
        "complexityScore": round(found.complexity.score, 3),
        "algorithm": params.algorithm,
        "noiseThreshold": params.noise_threshold if params.algorithm == "inductive" else None,
        "petriNet": {
            "places": len(net.places),
            "transitions": len(net.transitions),
            "silentTransitions": sum(1 for label in net.labels if label is None),
        },
    }


def _performance_view(perf: Performance, params: AnalysisParameters) -> dict[str, Any]:
    view = _measures_view(perf)
    if not params.bottleneck_detection:
        del view["bottleneckActivities"], view["bottlenecks"]
        view["bottleneckDetection"] = {"skipped": "enableBottleneckDetection is false"}
    return view


def _measures_view(perf: Performance) -> dict[str, Any]:
    cycle = perf.cycle_times
    return {
        "averageCycleTime": _hours(cycle.mean_seconds),
        "medianCycleTime": _hours(cycle.median_seconds),
        "p90CycleTime": _hours(cycle.p90_seconds),
        "averageCycleTimeSeconds": cycle.mean_seconds,
        "medianCycleTimeSeconds": cycle.median_seconds,
        "p90CycleTimeSeconds": cycle.p90_seconds,
        "bottleneckActivities": [b.activity for b in perf.bottlenecks[:5]],
        "bottlenecks": [
            {
                "activity": b.activity,
                "totalWaitingSeconds": b.waiting_total_seconds,
                "meanWaitingSeconds": b.waiting_mean_seconds,
                "medianWaitingSeconds": b.waiting_median_seconds,
                "meanProcessingSeconds": b.processing_mean_seconds,
                "events": b.events,
            }
            for b in perf.bottlenecks
        ],
        "efficiency": None if perf.efficiency.value is None else round(perf.efficiency.value, 1),
        "efficiencyBasis": perf.efficiency.basis,
        "rework": {
            "casesWithRework": perf.rework.cases_with_rework,
            "caseShare": perf.rework.case_share,
            "repetitions": perf.rework.repetitions,
            "activities": [
                {"activity": a.activity, "repetitions": a.repetitions, "cases": a.cases_with_rework}
                for a in perf.rework.activities[:10]
            ],
        },
        "selfLoops": len(perf.self_loops),
        "shortLoops": len(perf.short_loops),
        "hasStartTimestamps": perf.has_start_timestamps,
    }


def _conformance_view(
    replay: ReplayResult | None, precise: PrecisionResult | None, aligned: AlignmentFitness | None
) -> dict[str, Any]:
    if replay is None or precise is None or aligned is None:
        return {
            "fitness": None,
            "precision": None,
            "alignmentFitness": None,
            "reason": "skipped: performanceOptimization is high_throughput",
        }
    return {
        "fitness": round(replay.log_fitness, 6),
        "averageTraceFitness": round(replay.average_trace_fitness, 6),
        "percentageFittingTraces": round(replay.percentage_fitting_traces, 3),
        "precision": round(precise.precision, 6),
        "precisionDetail": {
            "escapingEdges": precise.escaping_edges,
            "allowedEdges": precise.allowed,
            "prefixes": precise.prefixes,
            "unfitPrefixes": precise.unfit_prefixes,
        },
        "method": "token-based replay",
        "precisionMethod": "token-based escaping edges",
        **_alignment_view(aligned),
    }


def _alignment_view(aligned: AlignmentFitness) -> dict[str, Any]:
    """Alignment fitness, or null with the bound the search hit (see analysis/models.md)."""
    figures = {
        "alignmentFitness": aligned.log_fitness,
        "alignmentAverageTraceFitness": aligned.average_trace_fitness,
        "alignmentPercentageFittingTraces": aligned.percentage_fitting_traces,
    }
    return {
        **{k: None if v is None else round(v, 6) for k, v in figures.items()},
        "alignmentDetail": {
            "variants": aligned.variants,
            "variantsAligned": aligned.variants_aligned,
            "statesExpanded": aligned.states,
            "reason": None
            if aligned.bound_exceeded is None
            else f"not computed: {aligned.bound_exceeded}",
        },
    }


def _variant_view(variant: Any) -> dict[str, Any]:
    return {
        "activities": list(variant.activities),
        "cases": variant.cases,
        "share": round(variant.share, 6),
        "meanDurationSeconds": variant.mean_duration_seconds,
        "medianDurationSeconds": variant.median_duration_seconds,
    }


def _top_edges(found: Discovery) -> list[Any]:
    return sorted(found.edges, key=lambda e: (-e.count, e.source, e.target))[:MAX_EDGES_IN_RESULTS]


def _edge_view(edge: Any) -> dict[str, Any]:
    return {
        "source": edge.source,
        "target": edge.target,
        "frequency": edge.count,
        "meanSeconds": edge.mean_seconds,
        "medianSeconds": edge.median_seconds,
    }


def _hours(seconds: float | None) -> str | None:
    return None if seconds is None else hours_text(seconds)
