"""One writer per export format: the files of a report and how they are offered."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from minerun.analysis import render
from minerun.analysis.render.html_report import render_html_report
from minerun.analysis.render.pptx_report import render_pptx_report
from minerun.kinds.base import ArtifactSpec
from minerun.kinds.process_mining.report_content import activity_stats
from minerun.kinds.report_generation.material import Analysis

PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
PDF_ANOMALIES = 20


def write(
    fmt: str,
    content: render.ReportContent,
    analysis: Analysis,
    figures: Mapping[str, Any],
    workdir: Path,
) -> list[ArtifactSpec]:
    """The files of ``fmt`` (one of parameters.EXPORT_FORMATS) written under ``workdir``."""
    title = content.title
    if fmt == "PDF":
        path = render.render_pdf_report(
            content, workdir / "report.pdf", max_anomalies=PDF_ANOMALIES
        )
        return [ArtifactSpec(path, title, "Report", "PDF", "The report as PDF", "application/pdf")]
    if fmt == "PowerPoint":
        path = render_pptx_report(content, workdir / "report.pptx")
        return [
            ArtifactSpec(
                path, f"{title} (slides)", "Report", "PowerPoint", "The report as slides", PPTX
            )
        ]
    if fmt == "HTML":
        path = render_html_report(content, workdir / "report.html", max_anomalies=PDF_ANOMALIES)
        return [
            ArtifactSpec(
                path,
                f"{title} (web page)",
                "Report",
                "HTML",
                "The report as one self-contained web page",
                "text/html",
            )
        ]
    if fmt == "CSV":
        return _csvs(analysis, figures, workdir)
    if fmt == "JSON":
        path = workdir / "report-figures.json"
        path.write_text(json.dumps(figures, indent=2, ensure_ascii=False))
        return [
            ArtifactSpec(
                path,
                "Report Figures",
                "Dataset",
                "JSON",
                "Every figure of the report",
                "application/json",
            )
        ]
    raise ValueError(f"unknown export format {fmt!r}")


def _csvs(analysis: Analysis, figures: Mapping[str, Any], workdir: Path) -> list[ArtifactSpec]:
    found, perf = analysis.found, analysis.perf
    stats = render.write_activity_stats_csv(
        activity_stats(found, perf), workdir / "report-activity-statistics.csv"
    )
    files = [
        _csv(
            render.write_figures_csv(_figure_rows(figures), workdir / "report-figures.csv"),
            "Report Figures",
            "The report's figures, one per row",
        ),
        _csv(stats, "Activity Statistics", "Frequency, waiting and processing time per activity"),
    ]
    if found.variants:
        variants = [render.VariantCount(v.activities, v.cases) for v in found.variants]
        path = render.write_variants_csv(
            variants, workdir / "report-variants.csv", total_cases=found.cases
        )
        files.append(_csv(path, "Process Variants", "Every variant with its case count and share"))
    return files


def _csv(path: Path, name: str, description: str) -> ArtifactSpec:
    return ArtifactSpec(path, name, "Dataset", "CSV", description, "text/csv")


def _figure_rows(figures: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
    """Every scalar figure as (section, dotted name, value); lists are numbered."""
    rows: list[tuple[str, str, Any]] = []

    def walk(section: str, prefix: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                walk(section, f"{prefix}.{key}" if prefix else str(key), item)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(section, f"{prefix}[{i}]", item)
        else:
            rows.append((section, prefix, value))

    for section, block in figures.items():
        walk(section, "", block)
    return rows
