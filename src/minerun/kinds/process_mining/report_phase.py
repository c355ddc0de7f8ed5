"""Phase 4, "Report Generation": recommendations and the files asked for."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from minerun.analysis import render
from minerun.analysis.discovery import Discovery, discover
from minerun.analysis.patterns import find_patterns
from minerun.analysis.performance import Performance, analyze_performance
from minerun.analysis.recommendations import Recommendation, recommend
from minerun.kinds.base import ArtifactSpec, PhaseContext
from minerun.kinds.process_mining import memo
from minerun.kinds.process_mining.loading import dataset_events, load_log
from minerun.kinds.process_mining.loading import findings as dataset_findings
from minerun.kinds.process_mining.map_files import map_files
from minerun.kinds.process_mining.parameters import AnalysisParameters, parse
from minerun.kinds.process_mining.report_content import (
    activity_stats,
    drawn_recommendations,
    findings,
    process_map,
    report_content,
)
from minerun.kinds.steps import StepProgress

PDF_ANOMALIES = 20
# Shares of the phase's work: recommendations, process map, PDF, exports. A step that is not
# asked for is skipped: its share passes with the step before it.
STEP_WEIGHTS = (1.0, 1.0, 2.0, 1.0)


def run(ctx: PhaseContext) -> dict[str, Any]:
    params = parse(ctx.parameters)
    frame = load_log(ctx, params)
    step = StepProgress(ctx, frame.height, dataset_events(ctx, params), STEP_WEIGHTS)
    step.next("Computing recommendations")
    found, perf = switched_off(
        params,
        *memo.load_or(
            ctx.scratch_dir,
            "discovery",
            lambda: (
                discover(frame, intervals=params.lifecycle == "instances"),
                analyze_performance(frame),
            ),
        ),
    )
    advice: list[Recommendation] = []
    if params.recommendations:
        patterns = (
            memo.load_or(ctx.scratch_dir, "patterns", lambda: find_patterns(frame))
            if params.insights
            else None
        )
        advice = recommend(findings(found, perf, patterns, ctx.results))
    recommendations = [recommendation_view(r) for r in advice]
    files: list[ArtifactSpec] = []
    drawn: dict[str, Any] = {}
    if params.create_visualizations:
        step.next("Drawing the process map")
        maps, drawn = map_files(process_map(found), params, ctx.workdir)
        files.extend(maps)
    else:
        step.skip()
    if params.generate_reports and "PDF" in params.export_formats:
        step.next("Writing the PDF report")
        name = dataset_findings(ctx, params).get("name") or params.dataset_id
        shown = drawn_recommendations(advice)
        content = replace(
            report_content(name, frame, found, perf, ctx.results, shown),
            activities_share=params.activities_share,
            paths_share=params.paths_share,
        )
        files.append(_pdf(content, ctx.workdir))
    else:
        step.skip()
    step.next("Writing the exports")
    if "CSV" in params.export_formats:
        files.extend(_csvs(found, perf, ctx.workdir, params.variant_analysis))
    if "JSON" in params.export_formats:
        files.append(_json({**ctx.results, "recommendations": recommendations}, ctx.workdir))
    for artifact in files:
        ctx.add_artifact(artifact)
    step.finish()
    return {
        "recommendations": recommendations,
        **({} if params.recommendations else {"recommendationsSkipped": _NO_RECOMMENDATIONS}),
        "reportsCreated": len(files),
        "artifacts": [a.name for a in files],
        **({"processMap": drawn} if drawn else {}),
    }


_NO_RECOMMENDATIONS = "generateOptimizationRecommendations is false"


def switched_off(
    params: AnalysisParameters, found: Discovery, perf: Performance
) -> tuple[Discovery, Performance]:
    """The measures without the parts the parameters switch off, so that neither the
    recommendations nor the files show them: the variants list, the bottlenecks."""
    if not params.variant_analysis:
        found = replace(found, variants=())
    if not params.bottleneck_detection:
        perf = replace(perf, bottlenecks=())
    return found, perf


def recommendation_view(item: Recommendation) -> dict[str, Any]:
    return {
        "category": item.category,
        "priority": item.priority.value,
        "recommendation": item.text,
        "expectedImprovement": item.expected_improvement,
        "improvementPercent": item.improvement_percent,
        "basis": item.basis,
    }


def _pdf(content: render.ReportContent, workdir: Path) -> ArtifactSpec:
    # The most severe anomalies are listed; all of them are in the anomalies CSV.
    path = render.render_pdf_report(content, workdir / "report.pdf", max_anomalies=PDF_ANOMALIES)
    return ArtifactSpec(
        path,
        "Process Mining Analysis Report",
        "Report",
        "PDF",
        "Analysis report with charts, findings and recommendations",
        "application/pdf",
    )


def _csvs(found: Any, perf: Any, workdir: Path, with_variants: bool) -> list[ArtifactSpec]:
    stats_path = render.write_activity_stats_csv(
        activity_stats(found, perf), workdir / "activity-statistics.csv"
    )
    return [
        *([_variants_csv(found, workdir)] if with_variants else []),
        ArtifactSpec(
            stats_path,
            "Activity Statistics",
            "Dataset",
            "CSV",
            "Frequency, waiting and processing time per activity",
            "text/csv",
        ),
    ]


def _variants_csv(found: Any, workdir: Path) -> ArtifactSpec:
    variants = [render.VariantCount(v.activities, v.cases) for v in found.variants]
    path = render.write_variants_csv(variants, workdir / "variants.csv", total_cases=found.cases)
    return ArtifactSpec(
        path,
        "Process Variants",
        "Dataset",
        "CSV",
        "Every variant with its case count and share",
        "text/csv",
    )


def _json(results: dict[str, Any], workdir: Path) -> ArtifactSpec:
    path = workdir / "results.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    return ArtifactSpec(
        path, "Full Results", "Dataset", "JSON", "Every phase's results as JSON", "application/json"
    )
