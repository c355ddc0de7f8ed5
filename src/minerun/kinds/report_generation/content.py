"""What a report's documents show, by report type, as the renderers take it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from minerun.analysis import render
from minerun.analysis.render.fmt import format_value
from minerun.kinds.process_mining.report_content import (
    recommendations_from_views,
    report_content,
)
from minerun.kinds.report_generation.figures import recommendation_views
from minerun.kinds.report_generation.material import Analysis
from minerun.kinds.report_generation.parameters import ReportParameters

TITLES = {
    "executive_summary": "Process Mining Executive Summary",
    "detailed": "Process Mining Analysis Report",
    "comparison": "Process Comparison Report",
}


def document_content(
    params: ReportParameters,
    current: Analysis,
    gathered: Mapping[str, Any],
    baseline: Analysis | None = None,
) -> render.ReportContent:
    """The content of the report's documents: the analysis' full report, with an executive
    first page or the comparison's tables as the report type asks."""
    drawn = recommendations_from_views(recommendation_views(current))
    content = report_content(
        current.dataset_name, current.frame, current.found, current.perf, current.results, drawn
    )
    brief = gathered["current"]
    start, end = brief["period"]["start"], brief["period"]["end"]
    content = replace(
        content,
        title=TITLES[params.report_type],
        activities_share=params.activities_share,
        paths_share=params.paths_share,
        period=(_time(start), _time(end)) if start and end else None,
    )
    if params.report_type == "executive_summary":
        content = replace(
            content,
            headline=tuple(
                render.Figure(f"{h['label']} ({h['unit']})", h["value"]) for h in brief["headline"]
            ),
        )
    if params.report_type == "comparison" and baseline is not None:
        content = replace(content, tables=comparison_tables(gathered))
    if not params.include_visualizations:
        content = replace(content, process_map=None, charts=False)
    return content


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def comparison_tables(gathered: Mapping[str, Any]) -> tuple[render.TextTable, ...]:
    """The comparison's findings as tables (see figures.compare)."""
    now, before, diff = gathered["current"], gathered["baseline"], gathered["comparison"]
    cycle = diff["cycleTimeHours"]
    rows = [
        ("Cases", before["cases"], now["cases"], now["cases"] - before["cases"]),
        ("Variants", before["variants"], now["variants"], now["variants"] - before["variants"]),
        *(
            (f"{name.title()} cycle time (h)", c["baseline"], c["current"], c["change"])
            for name, c in cycle.items()
        ),
        *(
            (f"Model {name}", diff[name]["baseline"], diff[name]["current"], diff[name]["change"])
            for name in ("fitness", "precision")
        ),
    ]
    variants = diff["variants"]
    shifts = [
        (
            b["activity"],
            _text(b["rankBaseline"]),
            _text(b["rankCurrent"]),
            _text(b["meanWaitingHours"]["baseline"]),
            _text(b["meanWaitingHours"]["current"]),
            _text(b["meanWaitingHours"]["changePercent"]),
        )
        for b in diff["bottlenecks"]
    ]
    return (
        render.TextTable(
            "Change from the baseline",
            ("Figure", "Baseline", "Current", "Change"),
            tuple(tuple(_text(v) for v in row) for row in rows),
            f"Baseline: {before['datasetName']} ({_span(before)}); "
            f"current: {now['datasetName']} ({_span(now)}).",
        ),
        _variant_table("New variants", variants["newList"], variants["new"], "current"),
        _variant_table(
            "Vanished variants", variants["vanishedList"], variants["vanished"], "baseline"
        ),
        render.TextTable(
            "Bottleneck shifts",
            (
                "Activity",
                "Rank (baseline)",
                "Rank (current)",
                "Mean wait, baseline (h)",
                "Mean wait, current (h)",
                "Change (%)",
            ),
            tuple(shifts),
        ),
    )


def _variant_table(
    heading: str, listed: list[dict[str, Any]], count: int, where: str
) -> render.TextTable:
    rows = tuple((_text(v["cases"]), " -> ".join(v["activities"])) for v in listed)
    note = f"{count} in all; cases counted in the {where} analysis." if count > len(rows) else None
    return render.TextTable(heading, ("Cases", "Activities"), rows, note)


def _span(brief: Mapping[str, Any]) -> str:
    period = brief["period"]
    return f"{period['start']} to {period['end']}"


def _text(value: Any) -> str:
    return (
        format_value(value) if value is None or isinstance(value, int | float | str) else str(value)
    )
