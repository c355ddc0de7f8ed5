"""The PDF report: opens, holds its sections and text, survives any text, is fast."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from pypdf import PdfReader

from minerun.analysis.render.model import (
    ActivityCount,
    AnomalyRow,
    Figure,
    ProcessEdge,
    ProcessMap,
    ReportContent,
)
from minerun.analysis.render.pdf_report import render_pdf_report
from tests.conftest import SHARED_DATA

from .samples import make_content, make_map


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", pdf))


def _shown_text(pdf: bytes) -> str:
    """The text of every page, as a PDF reader extracts it."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _render(content: ReportContent, tmp_path: Path, **kwargs: int) -> bytes:
    path = render_pdf_report(content, tmp_path / "report.pdf", compress=False, **kwargs)
    return path.read_bytes()


def test_full_report_has_every_section(tmp_path: Path) -> None:
    pdf = _render(make_content(400, make_map(10, 25)), tmp_path, max_anomalies=5)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    # summary, map, two chart pages, then the tables
    assert _pages(pdf) >= 5
    text = _shown_text(pdf)
    for expected in (
        "Process analysis",
        "Dataset: synthetic.xes",
        "Summary",
        "Data quality",
        "Process map",
        "Activity 00",  # a box label of the embedded SVG map
        "Cases started per day",
        "Case cycle time distribution",
        "Waiting time before activities (total)",
        "Most frequent variants",
        "Anomalous cases",
        "rework loop 4",
        "15 more anomalous cases not listed (20 in all).",
        "Recommendations",
        "Automate the check.",
    ):
        assert expected in text, expected
    assert "rework loop 5" not in text


def test_empty_sections_are_left_out(tmp_path: Path) -> None:
    content = ReportContent("Only a title", "empty.csv", datetime(2026, 1, 1, tzinfo=UTC))
    pdf = _render(content, tmp_path)
    assert _pages(pdf) == 1
    text = _shown_text(pdf)
    assert "Only a title" in text
    assert "Process map" not in text and "Anomalous cases" not in text


def test_text_in_other_scripts_prints_as_it_is(tmp_path: Path) -> None:
    name = "Проверка заявки → done"
    process_map = ProcessMap(
        (ActivityCount(name, 2), ActivityCount("Έλεγχος", 2)),
        (ProcessEdge(name, "Έλεγχος", 2, 30.0),),
        (ActivityCount(name, 2),),
        (ActivityCount("Έλεγχος", 2),),
    )
    content = replace(
        make_content(50, process_map),
        title="Rapport été — analyse",
        anomalies=(AnomalyRow("דוגמה-1", "high", "\u201cloop\u201d"),),
        summary=(Figure("Łódź", "Ærø"),),
    )
    text = _shown_text(_render(content, tmp_path))
    assert "Rapport été — analyse" in text
    assert "Проверка заявки" in text  # the map label, drawn through the SVG
    assert "Έλεγχος" in text
    assert "\u201cloop\u201d" in text and "Łódź" in text
    assert "?" not in text


def test_text_without_glyphs_in_the_font_does_not_fail(tmp_path: Path) -> None:
    content = replace(make_content(20, make_map(3, 3)), dataset_name="审核 \U0001f680")
    assert _render(content, tmp_path).startswith(b"%PDF-")


def test_recommendations_come_before_the_tables_and_units_are_hours(tmp_path: Path) -> None:
    text = _shown_text(_render(make_content(400, make_map(10, 25)), tmp_path))
    assert text.index("Recommendations") < text.index("Most frequent variants")
    assert text.index("Glossary") < text.index("Recommendations")
    assert "in hours (h)" in text
    assert "case duration (hours)" in text and "total waiting (hours)" in text


def test_executive_summary_comes_first(tmp_path: Path) -> None:
    content = replace(
        make_content(100, make_map(10, 25)),
        headline=(Figure("Cases (cases)", 100), Figure("Median cycle time (h)", 5.5)),
        period=(datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 3, 1, tzinfo=UTC)),
    )
    pdf = PdfReader(io.BytesIO(_render(content, tmp_path)))
    first = pdf.pages[0].extract_text()
    assert "Executive summary" in first and "Headline figures" in first
    assert "Period covered: 2024-01-01 00:00+00:00 to 2024-03-01 00:00+00:00" in first
    assert "Top recommendations" in first
    assert "Process map (most frequent activities and paths)" in first
    assert "Annex: details" in pdf.pages[1].extract_text()


def test_same_content_gives_the_same_file(tmp_path: Path) -> None:
    content = make_content(200, make_map(8, 20))
    first = render_pdf_report(content, tmp_path / "a.pdf").read_bytes()
    second = render_pdf_report(content, tmp_path / "b.pdf").read_bytes()
    assert first == second


def test_the_map_gets_a_landscape_page(tmp_path: Path) -> None:
    # A fan of 12 parallel activities.
    names = [f"Parallel step {i}" for i in range(12)]
    process_map = ProcessMap(
        tuple(ActivityCount(n, 5) for n in names),
        (),
        tuple(ActivityCount(n, 5) for n in names),
        tuple(ActivityCount(n, 5) for n in names),
    )
    content = ReportContent(
        "Wide", "w.csv", datetime(2026, 1, 1, tzinfo=UTC), process_map=process_map
    )
    pdf = _render(content, tmp_path)
    sizes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert any(float(w) > float(h) for w, h in sizes)


def test_a_report_for_13k_cases_renders(tmp_path: Path) -> None:
    # Its speed is measured by benchmarks/report_generation.py, not asserted here.
    content = make_content(13_087, make_map(24, 100))
    path = render_pdf_report(content, tmp_path / "report.pdf")
    assert path.read_bytes().startswith(b"%PDF-")


@pytest.mark.skipif(
    not (SHARED_DATA / "running-example.csv").is_file(),
    reason="running-example.csv not found in the shared data directory",
)
def test_report_of_the_running_example(tmp_path: Path) -> None:
    log = (
        pl.read_csv(SHARED_DATA / "running-example.csv")
        .select(
            pl.col("case:concept:name").cast(pl.String).alias("case_id"),
            pl.col("concept:name").alias("activity"),
            pl.col("time:timestamp").str.to_datetime(time_zone="UTC").alias("timestamp"),
        )
        .sort("case_id", "timestamp")
    )
    pairs = log.with_columns(
        pl.col("activity").shift(-1).over("case_id").alias("next"),
        (pl.col("timestamp").shift(-1).over("case_id") - pl.col("timestamp"))
        .dt.total_seconds()
        .alias("gap"),
    ).drop_nulls("next")
    edges = pairs.group_by("activity", "next").agg(
        pl.len().alias("n"), pl.col("gap").mean().alias("mean"), pl.col("gap").median().alias("med")
    )
    counts = log.group_by("activity").len().sort("activity")
    firsts = log.group_by("case_id").first().group_by("activity").len()
    lasts = log.group_by("case_id").last().group_by("activity").len()
    process_map = ProcessMap(
        tuple(ActivityCount(a, n) for a, n in counts.iter_rows()),
        tuple(
            ProcessEdge(s, t, n, m, d)
            for s, t, n, m, d in edges.sort("activity", "next").iter_rows()
        ),
        tuple(ActivityCount(a, n) for a, n in firsts.iter_rows()),
        tuple(ActivityCount(a, n) for a, n in lasts.iter_rows()),
    )
    content = ReportContent(
        "Running example",
        "running-example.csv",
        datetime(2026, 1, 1, tzinfo=UTC),
        process_map=process_map,
    )
    text = _shown_text(_render(content, tmp_path))
    for name in ("register request", "examine casually", "decide", "pay compensation"):
        assert name in text
