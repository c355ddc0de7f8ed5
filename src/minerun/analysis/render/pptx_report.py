"""The report as a PowerPoint deck (.pptx), written with python-pptx.

Slides, each left out when its data is empty: title (report, dataset, period), key figures
(the headline figures when given, else the summary), the process map (the most frequent
activities and paths, drawn as native shapes on the layout the SVG map uses), charts
(native, editable: variants and waiting time before activities), the recommendations, then
one slide per further table. Durations are in hours, as in the PDF.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.enum.shapes import MSO_CONNECTOR, MSO_SHAPE
from pptx.oxml.ns import qn
from pptx.presentation import Presentation as Deck
from pptx.slide import Slide
from pptx.util import Emu, Inches, Pt

from minerun.analysis.render.fmt import format_value, truncate
from minerun.analysis.render.layout import NodeSize, layered_layout
from minerun.analysis.render.map_select import select_map
from minerun.analysis.render.model import Figure, ReportContent

_WIDTH, _HEIGHT = Inches(13.333), Inches(7.5)
_MARGIN = Inches(0.5)
_TITLE_ONLY = 5
_ROWS_PER_SLIDE = 12
_BLUE = RGBColor(74, 126, 187)
_MAP_ACTIVITIES, _MAP_EDGES = 12, 20


def render_pptx_report(
    content: ReportContent,
    path: str | Path,
    *,
    max_variants: int = 10,
    map_activities: int = _MAP_ACTIVITIES,
    map_edges: int = _MAP_EDGES,
) -> Path:
    """Write the deck of ``content`` to ``path`` and return the path."""
    deck = Presentation()
    deck.slide_width, deck.slide_height = _WIDTH, _HEIGHT
    _title_slide(deck, content)
    figures = content.headline or content.summary
    if figures:
        _table_slide(deck, "Key figures", ("Figure", "Value"), _figure_rows(figures))
    if content.process_map is not None and content.process_map.activities:
        _map_slide(deck, content, map_activities, map_edges)
    if content.charts:
        _chart_slides(deck, content, max_variants)
    if content.recommendations:
        rows = [
            (r.priority, r.category, r.text, r.expected_improvement or "n/a")
            for r in content.recommendations
        ]
        header = ("Priority", "Category", "Recommendation", "Expected improvement")
        _table_slide(deck, "Recommendations", header, rows, widths=(1, 2, 7, 3))
    for table in content.tables:
        _table_slide(deck, table.heading, table.header, table.rows, note=table.note)
    target = Path(path)
    deck.save(str(target))
    return target


def _figure_rows(figures: Sequence[Figure]) -> list[tuple[str, ...]]:
    return [(f.label, format_value(f.value)) for f in figures]


def _title_slide(deck: Deck, content: ReportContent) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[0])
    slide.shapes.title.text = content.title
    lines = [f"Dataset: {content.dataset_name}"]
    if content.period is not None:
        first, last = (t.date().isoformat() for t in content.period)
        lines.append(f"Period covered: {first} to {last}")
    lines.append(f"Generated: {content.generated_at.isoformat(sep=' ', timespec='seconds')}")
    slide.placeholders[1].text = "\n".join(lines)


def _slide(deck: Deck, title: str) -> Slide:
    slide = deck.slides.add_slide(deck.slide_layouts[_TITLE_ONLY])
    slide.shapes.title.text = title
    slide.shapes.title.text_frame.paragraphs[0].font.size = Pt(28)
    return slide


def _table_slide(
    deck: Deck,
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    widths: Sequence[int] | None = None,
    note: str | None = None,
) -> None:
    """The rows in a table, over as many slides as they need."""
    chunks = [rows[i : i + _ROWS_PER_SLIDE] for i in range(0, len(rows), _ROWS_PER_SLIDE)]
    for number, chunk in enumerate(chunks or [[]]):
        heading = title if number == 0 else f"{title} (continued)"
        slide = _slide(deck, heading)
        top = Inches(1.5)
        width = _WIDTH - 2 * _MARGIN
        shape = slide.shapes.add_table(
            len(chunk) + 1, len(header), _MARGIN, top, width, Inches(0.4) * (len(chunk) + 1)
        )
        table = shape.table
        shares = widths or [1] * len(header)
        for i, share in enumerate(shares):
            table.columns[i].width = Emu(int(width * share / sum(shares)))
        for col, text in enumerate(header):
            _cell(table.cell(0, col), text, bold=True)
        for row_number, row in enumerate(chunk, start=1):
            for col, text in enumerate(row):
                _cell(table.cell(row_number, col), truncate(str(text), 300))
        if note and number == max(len(chunks) - 1, 0):
            box = slide.shapes.add_textbox(_MARGIN, _HEIGHT - Inches(0.9), width, Inches(0.5))
            box.text_frame.text = note
            box.text_frame.paragraphs[0].font.size = Pt(11)


def _cell(cell: object, text: str, bold: bool = False) -> None:
    frame = cell.text_frame  # type: ignore[attr-defined]
    frame.text = text
    for paragraph in frame.paragraphs:
        paragraph.font.size = Pt(11)
        paragraph.font.bold = bold


def _map_slide(deck: Deck, content: ReportContent, activities: int, edges: int) -> None:
    """The most frequent activities and paths, laid out left to right, as shapes."""
    assert content.process_map is not None
    selection = select_map(
        content.process_map,
        activities,
        edges,
        activities_share=content.activities_share,
        paths_share=content.paths_share,
    )
    slide = _slide(deck, "Process map")
    names = [a.name for a in selection.activities]
    counts = {a.name: a.count for a in selection.activities}
    index = {name: i for i, name in enumerate(names)}
    pairs = [
        (index[e.source], index[e.target])
        for e in selection.edges
        if e.source != e.target and e.source in index and e.target in index
    ]
    roots = [index[a.name] for a in selection.start_activities if a.name in index]
    layout = layered_layout([NodeSize(150.0, 40.0) for _ in names], pairs, roots, direction="LR")
    box_top = Inches(1.4)
    box_w, box_h = _WIDTH - 2 * _MARGIN, _HEIGHT - box_top - Inches(0.9)
    scale = min(box_w / max(layout.width, 1.0), box_h / max(layout.height, 1.0))

    def at(x: float, y: float) -> tuple[int, int]:
        return int(_MARGIN + x * scale), int(box_top + y * scale)

    frequency = {
        (index[e.source], index[e.target]): e.frequency
        for e in selection.edges
        if e.source in index and e.target in index
    }
    for edge in layout.edges:
        points = [at(x, y) for x, y in edge.points]
        for (x1, y1), (x2, y2) in itertools.pairwise(points):
            line = slide.shapes.add_connector(MSO_CONNECTOR.STRAIGHT, x1, y1, x2, y2)
            line.line.color.rgb = RGBColor(120, 120, 120)
        if len(points) > 1:
            _arrow_head(line)
            _edge_label(slide, points, frequency.get((edge.source, edge.target)))
    for name, node in zip(names, layout.nodes, strict=False):
        left, top = at(node.x - node.width / 2, node.y - node.height / 2)
        shape = slide.shapes.add_shape(
            MSO_SHAPE.ROUNDED_RECTANGLE,
            left,
            top,
            int(node.width * scale),
            int(node.height * scale),
        )
        shape.fill.solid()
        shape.fill.fore_color.rgb = _BLUE
        frame = shape.text_frame
        frame.word_wrap = True
        frame.text = f"{truncate(name, 40)}\n{counts[name]:,}"
        for paragraph in frame.paragraphs:
            paragraph.font.size = Pt(_label_points(node.height * scale))
    caption = slide.shapes.add_textbox(_MARGIN, _HEIGHT - Inches(0.8), box_w, Inches(0.4))
    caption.text_frame.text = selection.caption or "All activities and paths are shown."
    caption.text_frame.paragraphs[0].font.size = Pt(10)


def _edge_label(slide: Slide, points: list[tuple[int, int]], count: int | None) -> None:
    """How often the path was taken, beside the middle of its route."""
    if count is None:
        return
    middle = (len(points) - 2) // 2  # the middle segment of the route
    (x1, y1), (x2, y2) = points[middle], points[middle + 1]
    box = slide.shapes.add_textbox((x1 + x2) // 2, (y1 + y2) // 2 - Pt(8), Inches(0.8), Pt(14))
    box.text_frame.text = f"{count:,}"
    box.text_frame.paragraphs[0].font.size = Pt(8)


def _label_points(box_height_emu: float) -> int:
    """A label size that fits two lines in a node box of that height (12,700 EMU a point)."""
    return max(6, min(12, int(box_height_emu / 12_700 * 0.3)))


def _arrow_head(connector: object) -> None:
    line = connector.line._get_or_add_ln()  # type: ignore[attr-defined]
    tail = line.makeelement(qn("a:tailEnd"), {"type": "triangle"})
    line.append(tail)


def _chart_slides(deck: Deck, content: ReportContent, max_variants: int) -> None:
    if content.variants:
        total = sum(v.count for v in content.variants) or 1
        shown = content.variants[:max_variants]
        data = CategoryChartData()
        data.categories = [f"#{i + 1}" for i in range(len(shown))]
        data.add_series("Share of cases (%)", [round(100 * v.count / total, 1) for v in shown])
        _chart_slide(deck, "Most frequent variants", data)
    if content.bottlenecks:
        shown_b = content.bottlenecks[:10]
        data = CategoryChartData()
        data.categories = [truncate(b.activity, 30) for b in shown_b]
        data.add_series(
            "Mean waiting time before the activity (h)",
            [round(b.mean_waiting_s / 3600, 2) for b in shown_b],
        )
        _chart_slide(deck, "Waiting time before activities", data, XL_CHART_TYPE.BAR_CLUSTERED)
    if content.cases_per_day:
        data = CategoryChartData()
        data.categories = [d.day for d in content.cases_per_day]
        data.add_series("Cases started", [d.cases for d in content.cases_per_day])
        _chart_slide(deck, "Cases started per day", data, XL_CHART_TYPE.LINE)


def _chart_slide(
    deck: Deck,
    title: str,
    data: CategoryChartData,
    kind: XL_CHART_TYPE = XL_CHART_TYPE.COLUMN_CLUSTERED,
) -> None:
    slide = _slide(deck, title)
    frame = slide.shapes.add_chart(
        kind, _MARGIN, Inches(1.4), _WIDTH - 2 * _MARGIN, _HEIGHT - Inches(2.0), data
    )
    chart = frame.chart
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.BOTTOM
    chart.legend.include_in_layout = False
