"""The figures a report shows, as JSON: one analysis' brief, and two analyses compared.

Durations are in hours (the reports' one unit), rounded to two decimals; shares are
percentages of cases. Definitions: docs/kinds/report-generation.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from minerun.analysis.columns import TIMESTAMP
from minerun.domain.times import iso
from minerun.kinds.report_generation.material import Analysis

TOP_RECOMMENDATIONS = 3
TOP_BOTTLENECKS = 5
LISTED_VARIANTS = 20


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def recommendation_views(analysis: Analysis) -> list[dict[str, Any]]:
    """The analysis' recommendations as it stored them, most important first."""
    return list(analysis.results.get("Report Generation", {}).get("recommendations", []))


def period(analysis: Analysis) -> dict[str, str | None]:
    """The first and the last event of the log the analysis covered."""
    stamps = analysis.frame.select(
        pl.col(TIMESTAMP).min().alias("first"), pl.col(TIMESTAMP).max().alias("last")
    ).row(0)
    return {"start": iso(stamps[0]), "end": iso(stamps[1])}


def conformance(analysis: Analysis) -> Mapping[str, Any]:
    return analysis.results.get("Process Discovery", {}).get("conformance", {}) or {}


def headline(analysis: Analysis) -> list[dict[str, Any]]:
    """The three figures of an executive summary's first page."""
    cycle = analysis.perf.cycle_times
    return [
        {"label": "Cases", "value": analysis.found.cases, "unit": "cases"},
        {"label": "Median cycle time", "value": hours(cycle.median_seconds), "unit": "h"},
        {
            "label": "Cases with rework",
            "value": round(100 * analysis.perf.rework.case_share, 1),
            "unit": "%",
        },
    ]


def brief(analysis: Analysis) -> dict[str, Any]:
    """What every report says of one analysis."""
    found, perf, cycle = analysis.found, analysis.perf, analysis.perf.cycle_times
    checks = conformance(analysis)
    return {
        "operationId": analysis.operation_id,
        "datasetId": analysis.params.dataset_id,
        "datasetName": analysis.dataset_name,
        "period": period(analysis),
        "cases": found.cases,
        "events": found.events,
        "activities": len(found.activities),
        "variants": found.variant_count,
        "meanCycleTimeHours": hours(cycle.mean_seconds),
        "medianCycleTimeHours": hours(cycle.median_seconds),
        "p90CycleTimeHours": hours(cycle.p90_seconds),
        "reworkCasePercent": round(100 * perf.rework.case_share, 1),
        "fitness": checks.get("fitness"),
        "precision": checks.get("precision"),
        "bottlenecks": [
            {
                "activity": b.activity,
                "meanWaitingHours": hours(b.waiting_mean_seconds),
                "totalWaitingHours": hours(b.waiting_total_seconds),
            }
            for b in perf.bottlenecks[:TOP_BOTTLENECKS]
        ],
        "headline": headline(analysis),
        "topRecommendations": recommendation_views(analysis)[:TOP_RECOMMENDATIONS],
    }


def compare(current: Analysis, baseline: Analysis) -> dict[str, Any]:
    """What changed from ``baseline`` to ``current``: variants, cycle times, bottlenecks,
    fitness. Changes are current minus baseline."""
    now = {v.activities: v.cases for v in current.found.variants}
    before = {v.activities: v.cases for v in baseline.found.variants}
    new = sorted(set(now) - set(before), key=lambda v: (-now[v], v))
    vanished = sorted(set(before) - set(now), key=lambda v: (-before[v], v))
    return {
        "activitiesInCommon": len(_activities(current) & _activities(baseline)),
        "activitiesOnlyInCurrent": sorted(_activities(current) - _activities(baseline)),
        "activitiesOnlyInBaseline": sorted(_activities(baseline) - _activities(current)),
        "variants": {
            "current": len(now),
            "baseline": len(before),
            "inBoth": len(set(now) & set(before)),
            "new": len(new),
            "vanished": len(vanished),
            "newCasePercent": _percent(sum(now[v] for v in new), current.found.cases),
            "vanishedCasePercent": _percent(sum(before[v] for v in vanished), baseline.found.cases),
            "newList": [{"activities": list(v), "cases": now[v]} for v in new[:LISTED_VARIANTS]],
            "vanishedList": [
                {"activities": list(v), "cases": before[v]} for v in vanished[:LISTED_VARIANTS]
            ],
        },
        "cycleTimeHours": {
            name: _change(
                getattr(baseline.perf.cycle_times, attr), getattr(current.perf.cycle_times, attr)
            )
            for name, attr in (
                ("mean", "mean_seconds"),
                ("median", "median_seconds"),
                ("p90", "p90_seconds"),
            )
        },
        "bottlenecks": _bottleneck_shifts(current, baseline),
        "fitness": _delta(
            conformance(baseline).get("fitness"), conformance(current).get("fitness")
        ),
        "precision": _delta(
            conformance(baseline).get("precision"), conformance(current).get("precision")
        ),
    }


def _activities(analysis: Analysis) -> set[str]:
    return {a.activity for a in analysis.found.activities}


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _delta(before: float | None, after: float | None) -> dict[str, float | None]:
    change = None if before is None or after is None else round(after - before, 6)
    return {"baseline": before, "current": after, "change": change}


def _change(before_s: float | None, after_s: float | None) -> dict[str, float | None]:
    """Two durations in hours, their difference and the difference in percent."""
    out = _delta(hours(before_s), hours(after_s))
    out["changePercent"] = None
    if before_s is not None and after_s is not None and before_s > 0:
        out["changePercent"] = round(100 * (after_s - before_s) / before_s, 1)
    return out


def _bottleneck_shifts(current: Analysis, baseline: Analysis) -> list[dict[str, Any]]:
    """The top bottlenecks of either analysis: rank and mean waiting time in each."""
    ranks_now = {b.activity: i + 1 for i, b in enumerate(current.perf.bottlenecks)}
    ranks_before = {b.activity: i + 1 for i, b in enumerate(baseline.perf.bottlenecks)}
    waits_now = {t.activity: t.waiting_mean_seconds for t in current.perf.activities}
    waits_before = {t.activity: t.waiting_mean_seconds for t in baseline.perf.activities}
    top = [b.activity for b in current.perf.bottlenecks[:TOP_BOTTLENECKS]]
    top += [
        b.activity for b in baseline.perf.bottlenecks[:TOP_BOTTLENECKS] if b.activity not in top
    ]
    return [
        {
            "activity": name,
            "rankCurrent": ranks_now.get(name),
            "rankBaseline": ranks_before.get(name),
            "meanWaitingHours": _change(waits_before.get(name), waits_now.get(name)),
        }
        for name in top
    ]
