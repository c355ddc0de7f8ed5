"""Turning the engine's results into the renderers' and the recommender's inputs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import polars as pl

from minerun.analysis import recommendations as rec
from minerun.analysis import render
from minerun.analysis.discovery import Discovery, case_durations
from minerun.analysis.patterns import PatternReport
from minerun.analysis.performance import Performance


def process_map(found: Discovery) -> render.ProcessMap:
    return render.ProcessMap(
        activities=tuple(render.ActivityCount(a.activity, a.events) for a in found.activities),
        edges=tuple(
            render.ProcessEdge(e.source, e.target, e.count, e.mean_seconds, e.median_seconds)
            for e in found.edges
        ),
        start_activities=_counts(found.start_activities),
        end_activities=_counts(found.end_activities),
    )


def _counts(counts: Mapping[str, int]) -> tuple[render.ActivityCount, ...]:
    return tuple(render.ActivityCount(name, n) for name, n in sorted(counts.items()))


def activity_stats(found: Discovery, perf: Performance) -> list[render.ActivityStats]:
    timing = {t.activity: t for t in perf.activities}
    return [
        render.ActivityStats(
            activity=a.activity,
            frequency=a.events,
            case_count=a.cases,
            start_count=found.start_activities.get(a.activity, 0),
            end_count=found.end_activities.get(a.activity, 0),
            mean_duration_s=_get(timing, a.activity, "processing_mean_seconds"),
            median_duration_s=_get(timing, a.activity, "processing_median_seconds"),
            mean_waiting_s=_get(timing, a.activity, "waiting_mean_seconds"),
            total_waiting_s=_get(timing, a.activity, "waiting_total_seconds"),
        )
        for a in found.activities
    ]


def _get(timing: Mapping[str, Any], activity: str, name: str) -> Any:
    return getattr(timing[activity], name) if activity in timing else None


def findings(
    found: Discovery,
    perf: Performance,
    patterns: PatternReport | None,
    results: Mapping[str, Any],
) -> rec.Findings:
    """What the recommender needs, from this phase's measures and the earlier phases
    (``patterns`` is None when insights are switched off: no critical-path advice)."""
    cases = {a.activity: a.cases for a in found.activities}
    loading = results.get("Data Loading & Validation", {})
    anomalies = results.get("Machine Learning Analysis", {}).get("anomalies", {})
    return rec.Findings(
        case_count=found.cases,
        event_count=found.events,
        mean_cycle_time_seconds=perf.cycle_times.mean_seconds,
        bottlenecks=tuple(
            rec.Bottleneck(
                b.activity,
                b.waiting_total_seconds,
                b.waiting_mean_seconds or 0.0,
                cases.get(b.activity, 0),
            )
            for b in perf.bottlenecks
        ),
        rework_case_share=perf.rework.case_share,
        rework_activities=tuple(
            rec.RepeatedActivity(a.activity, a.repetitions, a.cases_with_rework)
            for a in perf.rework.activities
        ),
        anomaly_counts={
            level: anomalies.get(f"{level}Severity", 0) for level in ("high", "medium", "low")
        },
        data_quality_issues={
            e["type"].lower().replace(" ", "_"): e["count"]
            for e in loading.get("validationErrors", [])
        },
        data_quality_score=loading.get("dataQualityScore"),
        critical_paths=() if patterns is None else patterns.critical_paths,
    )


def report_content(
    name: str,
    frame: pl.DataFrame,
    found: Discovery,
    perf: Performance,
    results: Mapping[str, Any],
    recommendations: Sequence[render.Recommendation],
) -> render.ReportContent:
    loading = results.get("Data Loading & Validation", {})
    ml = results.get("Machine Learning Analysis", {})
    durations = case_durations(frame)
    return render.ReportContent(
        title="Process Mining Analysis Report",
        dataset_name=name,
        generated_at=datetime.now(UTC).replace(microsecond=0),
        summary=_summary_figures(found, perf, results),
        process_map=process_map(found),
        cases_per_day=_cases_per_day(durations),
        cycle_times_s=tuple(durations["duration_seconds"].to_list()),
        variants=tuple(render.VariantCount(v.activities, v.cases) for v in found.variants),
        bottlenecks=tuple(
            render.Bottleneck(b.activity, b.waiting_total_seconds, b.waiting_mean_seconds or 0.0)
            for b in perf.bottlenecks
        ),
        anomalies=tuple(
            render.AnomalyRow(a["caseId"], a["severity"], a["reason"])
            for a in ml.get("anomalies", {}).get("cases", [])
        ),
        recommendations=tuple(recommendations),
        data_quality=(
            render.Figure("Records loaded", loading.get("recordsLoaded")),
            render.Figure("Valid records", loading.get("validRecords")),
            render.Figure("Data quality score", loading.get("dataQualityScore")),
        ),
    )


def drawn_recommendations(advice: Sequence[rec.Recommendation]) -> list[render.Recommendation]:
    """The recommender's advice as the renderers take it."""
    return [
        render.Recommendation(r.category, r.priority.value, r.text, r.expected_improvement)
        for r in advice
    ]


def recommendations_from_views(views: Sequence[Mapping[str, Any]]) -> list[render.Recommendation]:
    """Recommendations as an analysis' results list them, as the renderers take them."""
    return [
        render.Recommendation(
            str(v.get("category", "")),
            str(v.get("priority", "")),
            str(v.get("recommendation", "")),
            v.get("expectedImprovement"),
        )
        for v in views
    ]


def _summary_figures(
    found: Discovery, perf: Performance, results: Mapping[str, Any]
) -> tuple[render.Figure, ...]:
    discovery = results.get("Process Discovery", {})
    conformance = discovery.get("conformance", {})
    return (
        render.Figure("Cases", found.cases),
        render.Figure("Events", found.events),
        render.Figure("Activities", len(found.activities)),
        render.Figure("Variants", found.variant_count),
        render.Figure("Mean cycle time (hours)", _hours(perf.cycle_times.mean_seconds)),
        render.Figure("Median cycle time (hours)", _hours(perf.cycle_times.median_seconds)),
        render.Figure("Model fitness (token replay)", conformance.get("fitness")),
        render.Figure("Model precision (token replay)", conformance.get("precision")),
        render.Figure("Efficiency", perf.efficiency.value),
    )


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def _cases_per_day(durations: pl.DataFrame) -> tuple[render.DailyCount, ...]:
    daily = durations.group_by(pl.col("start").dt.date().alias("day")).len().sort("day")
    return tuple(render.DailyCount(day, n) for day, n in daily.iter_rows())
