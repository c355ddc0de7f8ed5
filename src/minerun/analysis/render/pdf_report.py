"""The PDF analysis report, written with fpdf2 in an embedded Unicode font.

Pages, each left out when its data is empty: with ``content.headline``, an executive summary
first (period, three headline figures, the first three recommendations, a simplified map)
and the rest as an annex; then the summary (title, dataset, period, generation time, summary
and data-quality figures, a glossary of the units), the recommendations, the process map
(the SVG of :func:`~minerun.analysis.render.svg_map.render_process_map_svg` placed as vector
graphics on a landscape page), the charts (cases per day, cycle-time histogram, variant
Pareto, waiting-time bars), then the tables of top variants, anomalies (first
``max_anomalies``) and any further tables. Text is drawn in DejaVu Sans
(:mod:`~minerun.analysis.render.fonts`), so activity names in non-Latin scripts print as they
are; every duration is in hours.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF, FontFace
from lxml import etree

from minerun.analysis.render import charts
from minerun.analysis.render.fmt import format_count, format_value, truncate
from minerun.analysis.render.fonts import FAMILY, register
from minerun.analysis.render.layout import Direction
from minerun.analysis.render.model import Figure, ProcessMap, ReportContent, TextTable
from minerun.analysis.render.svg_map import render_process_map_svg

_MARGIN = 15.0
_INK = (30, 30, 30)
# Helvetica's width over DejaVu Sans' on activity names (regular, bold): the map's labels
# are scaled by these to fit the boxes sized for Helvetica.
_FIT, _BOLD_FIT = 0.88, 0.83
# The simplified map of the executive summary.
_BRIEF_ACTIVITIES, _BRIEF_EDGES = 10, 15
GLOSSARY = (
    ("Case", "One run of the process: the events sharing a case id."),
    ("Variant", "The sequence of activities of a case; cases with equal sequences share it."),
    ("Cycle time", "From the first to the last event of a case, in hours (h)."),
    ("Waiting time", "From the previous event of the case to an event, in hours (h)."),
    ("Fitness, precision", "Token-replay conformance of the model and the log, 0 to 1."),
    ("Share", "Percentage of all cases."),
    (
        "Units",
        "Tables, figures and charts give durations in hours. Map labels and recommendation "
        "texts give each duration in the unit that reads best (min, h, d).",
    ),
)


class _Report(FPDF):
    """A4 portrait pages with a footer naming the dataset and the page number."""

    def __init__(self, footer: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        register(self)
        self._footer = footer
        self.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.set_auto_page_break(auto=True, margin=_MARGIN)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(120, 120, 120)
        self.cell(0, 6, f"{self._footer}  -  page {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(*_INK)


def render_pdf_report(
    content: ReportContent,
    path: str | Path,
    *,
    max_anomalies: int = 50,
    max_variants: int = 10,
    map_activities: int = 30,
    map_edges: int = 60,
    compress: bool = True,
) -> Path:
    """Write the report of ``content`` to ``path`` and return the path.

    ``max_anomalies`` and ``max_variants`` bound the table rows (the tables say how many
    rows were left out); ``map_activities`` and ``map_edges`` bound the process map.
    ``compress=False`` leaves the page streams readable, which tests use to find text.
    The file's creation date is ``content.generated_at``, so equal content gives an equal
    file.
    """
    target = Path(path)
    pdf = _Report(f"{content.title} - {content.dataset_name}")
    pdf.set_compression(compress)
    pdf.set_title(content.title)
    pdf.set_subject(content.dataset_name)
    pdf.set_creator("minerun")
    pdf.set_creation_date(content.generated_at)
    if content.headline:
        _executive_page(pdf, content)
    _summary_page(pdf, content)
    _recommendation_table(pdf, content)
    if content.process_map is not None:
        _map_page(pdf, content, map_activities, map_edges)
    _chart_pages(pdf, content)
    _variant_table(pdf, content, max_variants)
    _anomaly_table(pdf, content, max_anomalies)
    for table in content.tables:
        _text_table(pdf, table)
    pdf.output(str(target))
    return target


def _executive_page(pdf: _Report, content: ReportContent) -> None:
    """Page one of an executive summary: what a reader needs without the annex."""
    _title_block(pdf, content, "Executive summary")
    _figure_table(pdf, "Headline figures", content.headline)
    first = content.recommendations[:3]
    if first:
        _heading(pdf, "Top recommendations")
        rows = [(r.priority, r.text, r.expected_improvement or "n/a") for r in first]
        _table(pdf, ("Priority", "Recommendation", "Expected improvement"), rows, (2, 12, 5))
    if content.process_map is not None and pdf.get_y() < pdf.h - 90:
        _heading(pdf, "Process map (most frequent activities and paths)")
        _place_map(pdf, content.process_map, _BRIEF_ACTIVITIES, _BRIEF_EDGES)
    pdf.set_y(pdf.h)  # the annex starts on a page of its own


def _title_block(pdf: _Report, content: ReportContent, subtitle: str | None = None) -> None:
    pdf.add_page(orientation="P")
    pdf.set_font(FAMILY, "B", 20)
    pdf.set_text_color(*_INK)
    pdf.multi_cell(0, 9, content.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 11)
    if subtitle:
        pdf.cell(0, 7, subtitle, new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 7, f"Dataset: {content.dataset_name}", new_x="LMARGIN", new_y="NEXT")
    if content.period is not None:
        first, last = (t.isoformat(sep=" ", timespec="minutes") for t in content.period)
        pdf.cell(0, 7, f"Period covered: {first} to {last}", new_x="LMARGIN", new_y="NEXT")
    generated = content.generated_at.isoformat(sep=" ", timespec="seconds")
    pdf.cell(0, 7, f"Generated: {generated}", new_x="LMARGIN", new_y="NEXT")


def _summary_page(pdf: _Report, content: ReportContent) -> None:
    _title_block(pdf, content, "Annex: details" if content.headline else None)
    _figure_table(pdf, "Summary", content.summary)
    _figure_table(pdf, "Data quality", content.data_quality)
    _heading(pdf, "Glossary")
    _table(pdf, ("Term", "Meaning"), GLOSSARY, (3, 12))


def _figure_table(pdf: _Report, heading: str, figures: Sequence[Figure]) -> None:
    if not figures:
        return
    _heading(pdf, heading)
    rows = [(f.label, format_value(f.value)) for f in figures]
    _table(pdf, ("Figure", "Value"), rows, (3, 2), ("LEFT", "RIGHT"))


def _map_page(pdf: _Report, content: ReportContent, activities: int, edges: int) -> None:
    # Landscape, in whichever direction draws the map larger on it.
    assert content.process_map is not None
    pdf.add_page(orientation="L")
    _heading(pdf, "Process map", top=False)
    _place_map(
        pdf,
        content.process_map,
        activities,
        edges,
        direction=None,
        shares=(content.activities_share, content.paths_share),
    )


def _place_map(
    pdf: _Report,
    process_map: ProcessMap,
    activities: int,
    edges: int,
    direction: Direction | None = "TB",
    shares: tuple[float | None, float | None] = (None, None),
) -> None:
    """The map as vector graphics, scaled into the rest of the page, in the report's font.

    With ``direction=None`` the map is laid out both ways and the one drawn larger on the
    space left is kept: a long chain reads best left to right, a wide fan top to bottom.
    """
    box_w = pdf.w - 2 * _MARGIN
    box_h = pdf.h - pdf.get_y() - _MARGIN - 4
    drawn = []
    for way in ("LR", "TB") if direction is None else (direction,):
        svg = render_process_map_svg(
            process_map,
            activities,
            edges,
            tooltips=False,
            direction=way,
            activities_share=shares[0],
            paths_share=shares[1],
        )
        root = etree.fromstring(svg.encode())
        width, height = float(root.get("width")), float(root.get("height"))
        drawn.append((min(box_w / width, box_h / height), width, height, root))
    scale, width, height, root = max(drawn, key=lambda d: d[0])
    for element in root.iter():
        if element.get("font-family") is not None:
            element.set("font-family", FAMILY)
        size = element.get("font-size")
        if size is not None:
            # The map sizes its boxes by Helvetica's widths; DejaVu Sans is wider.
            bold = element.get("font-weight") == "bold"
            element.set("font-size", f"{float(size) * (_BOLD_FIT if bold else _FIT):.2f}")
    image = io.BytesIO(etree.tostring(root))
    top = pdf.get_y()
    pdf.image(image, x=_MARGIN, y=top, w=width * scale, h=height * scale)
    pdf.set_y(top + height * scale + 2)


def _chart_pages(pdf: _Report, content: ReportContent) -> None:
    if not content.charts:
        return
    if content.cases_per_day or content.cycle_times_s:
        top, width, height = _chart_page(pdf, "Cases and cycle times")
        charts.cases_over_time(pdf, (_MARGIN, top, width, height), content.cases_per_day)
        frame = (_MARGIN, top + height + 8, width, height)
        charts.cycle_time_histogram(pdf, frame, content.cycle_times_s)
    if content.variants or content.bottlenecks:
        top, width, height = _chart_page(pdf, "Variants and bottlenecks")
        total = sum(v.count for v in content.variants)
        charts.variant_pareto(pdf, (_MARGIN, top, width, height), content.variants, total)
        frame = (_MARGIN, top + height + 8, width, height)
        charts.bottleneck_bars(pdf, frame, content.bottlenecks)


def _chart_page(pdf: _Report, heading: str) -> tuple[float, float, float]:
    """A portrait page holding two charts; returns their top, width and height."""
    pdf.add_page(orientation="P")
    _heading(pdf, heading, top=False)
    top = pdf.get_y()
    height = (pdf.h - top - _MARGIN - 12) / 2
    # Charts draw at fixed positions, so whatever follows starts on the next page.
    pdf.set_y(pdf.h)
    return top, pdf.w - 2 * _MARGIN, height


def _variant_table(pdf: _Report, content: ReportContent, limit: int) -> None:
    if not content.variants:
        return
    total = sum(v.count for v in content.variants) or 1
    _heading(pdf, "Most frequent variants")
    rows = [
        (
            str(i + 1),
            format_count(v.count),
            f"{100 * v.count / total:.1f}%",
            _sequence(v.activities),
        )
        for i, v in enumerate(content.variants[:limit])
    ]
    _table(pdf, ("#", "Cases", "Share", "Activities"), rows, (1, 2, 2, 15), ("RIGHT",) * 3)
    _omitted(pdf, len(content.variants), limit, "variants")


def _anomaly_table(pdf: _Report, content: ReportContent, limit: int) -> None:
    if not content.anomalies:
        return
    _heading(pdf, "Anomalous cases")
    rows = [(a.case_id, format_value(a.severity), a.reason) for a in content.anomalies[:limit]]
    _table(pdf, ("Case", "Severity", "Reason"), rows, (3, 2, 10), ("LEFT", "LEFT", "LEFT"))
    _omitted(pdf, len(content.anomalies), limit, "anomalous cases")


def _recommendation_table(pdf: _Report, content: ReportContent) -> None:
    if not content.recommendations:
        return
    _heading(pdf, "Recommendations")
    rows = [
        (r.priority, r.category, r.text, r.expected_improvement or "n/a")
        for r in content.recommendations
    ]
    header = ("Priority", "Category", "Recommendation", "Expected improvement")
    _table(pdf, header, rows, (2, 3, 10, 4), ("LEFT",) * 4)


def _text_table(pdf: _Report, table: TextTable) -> None:
    _heading(pdf, table.heading)
    if table.rows:
        _table(pdf, table.header, table.rows, (1,) * len(table.header))
    if table.note or not table.rows:
        pdf.set_font(FAMILY, "I", 8)
        pdf.multi_cell(0, 5, table.note or "None.", new_x="LMARGIN", new_y="NEXT")


def _heading(pdf: _Report, text: str, top: bool = True) -> None:
    if top:
        pdf.ln(6)
        if pdf.get_y() > pdf.h - 50:
            pdf.add_page()
    pdf.set_font(FAMILY, "B", 13)
    pdf.set_text_color(*_INK)
    pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")


def _table(
    pdf: _Report,
    header: tuple[str, ...],
    rows: Sequence[tuple[str, ...]],
    widths: tuple[int, ...],
    align: tuple[str, ...] = (),
) -> None:
    """A bordered table; headings repeat on every page the table spans."""
    pdf.set_font(FAMILY, "", 8)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_draw_color(160, 160, 160)
    pdf.set_line_width(0.1)
    heads = FontFace(emphasis="BOLD", fill_color=(232, 238, 246))
    alignment = tuple(align[i] if i < len(align) else "LEFT" for i in range(len(header)))
    with pdf.table(
        col_widths=widths, text_align=alignment, line_height=4.5, headings_style=heads
    ) as table:
        table.row(header)
        for row in rows:
            table.row([truncate(cell, 400) for cell in row])


def _omitted(pdf: _Report, total: int, shown: int, what: str) -> None:
    if total > shown:
        pdf.set_font(FAMILY, "I", 8)
        note = (
            f"{format_count(total - shown)} more {what} not listed ({format_count(total)} in all)."
        )
        pdf.cell(0, 6, note, new_x="LMARGIN", new_y="NEXT")


def _sequence(activities: tuple[str, ...]) -> str:
    return truncate(" -> ".join(activities), 300)
