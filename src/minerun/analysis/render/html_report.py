"""The report as one self-contained HTML file: styles and graphics inline, no external
reference (no stylesheet, script, font or image is fetched), so it opens offline and can
be mailed as it is.

Sections follow the PDF: executive figures (when given), summary with a glossary, the
recommendations, the process map (inline SVG), bar charts (inline SVG), the variants,
anomalies and any further tables. Durations are in hours.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from pathlib import Path

from minerun.analysis.render.fmt import format_count, format_value, truncate
from minerun.analysis.render.model import Figure, ReportContent, TextTable
from minerun.analysis.render.pdf_report import GLOSSARY
from minerun.analysis.render.svg_map import render_process_map_svg

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:70rem;color:#1e1e1e}
h1{margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #bbb;padding:.25rem .5rem;
text-align:left;vertical-align:top;font-size:.9rem}th{background:#e8eef6}
.num{text-align:right}.note{font-style:italic;color:#555}.map svg{max-width:100%;height:auto}
"""
# The namespace declarations of the SVG map: names, not references, and not needed inline.
_NAMESPACE = re.compile(r'\s+xmlns(:\w+)?="[^"]*"')


def render_html_report(
    content: ReportContent,
    path: str | Path,
    *,
    max_anomalies: int = 50,
    max_variants: int = 10,
    map_activities: int = 30,
    map_edges: int = 60,
) -> Path:
    """Write the report of ``content`` to ``path`` (UTF-8) and return the path."""
    parts = [f"<h1>{_e(content.title)}</h1>", _meta(content)]
    if content.headline:
        parts.append(_figures("Headline figures", content.headline))
    parts += [
        _figures("Summary", content.summary),
        _figures("Data quality", content.data_quality),
    ]
    if content.recommendations:
        rows = [
            (r.priority, r.category, r.text, r.expected_improvement or "n/a")
            for r in content.recommendations
        ]
        header = ("Priority", "Category", "Recommendation", "Expected improvement")
        parts.append(_table("Recommendations", header, rows))
    if content.process_map is not None:
        svg = render_process_map_svg(
            content.process_map,
            map_activities,
            map_edges,
            activities_share=content.activities_share,
            paths_share=content.paths_share,
        )
        parts.append(f'<h2>Process map</h2><div class="map">{_NAMESPACE.sub("", svg)}</div>')
    if content.charts:
        parts.append(_charts(content, max_variants))
    parts.append(_variants(content, max_variants))
    if content.anomalies:
        flagged = [(a.case_id, format_value(a.severity), a.reason) for a in content.anomalies]
        shown = flagged[:max_anomalies]
        note = _omitted(len(flagged), len(shown), "anomalous cases")
        parts.append(_table("Anomalous cases", ("Case", "Severity", "Reason"), shown, note))
    parts += [_text_table(t) for t in content.tables]
    parts.append(_table("Glossary", ("Term", "Meaning"), GLOSSARY))
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{_e(content.title)}</title><style>{_STYLE}</style></head>"
        f"<body>{''.join(parts)}</body></html>\n"
    )
    target = Path(path)
    target.write_text(page, encoding="utf-8")
    return target


def _e(text: object) -> str:
    return html.escape(str(text))


def _meta(content: ReportContent) -> str:
    lines = [f"Dataset: {content.dataset_name}"]
    if content.period is not None:
        first, last = (t.isoformat(sep=" ", timespec="minutes") for t in content.period)
        lines.append(f"Period covered: {first} to {last}")
    lines.append(f"Generated: {content.generated_at.isoformat(sep=' ', timespec='seconds')}")
    return "".join(f"<p>{_e(line)}</p>" for line in lines)


def _figures(heading: str, figures: Sequence[Figure]) -> str:
    if not figures:
        return ""
    return _table(heading, ("Figure", "Value"), [(f.label, format_value(f.value)) for f in figures])


def _table(
    heading: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    note: str | None = None,
) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{_e(truncate(str(c), 600))}</td>" for c in row) + "</tr>"
        for row in rows
    )
    extra = f'<p class="note">{_e(note)}</p>' if note else ""
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>" if rows else ""
    return f"<h2>{_e(heading)}</h2>{table}{extra}"


def _text_table(table: TextTable) -> str:
    note = table.note or (None if table.rows else "None.")
    return _table(table.heading, table.header, table.rows, note)


def _variants(content: ReportContent, limit: int) -> str:
    if not content.variants:
        return ""
    total = sum(v.count for v in content.variants) or 1
    rows = [
        (
            str(i + 1),
            format_count(v.count),
            f"{100 * v.count / total:.1f}%",
            " -> ".join(v.activities),
        )
        for i, v in enumerate(content.variants[:limit])
    ]
    note = _omitted(len(content.variants), len(rows), "variants")
    return _table("Most frequent variants", ("#", "Cases", "Share", "Activities"), rows, note)


def _omitted(total: int, shown: int, what: str) -> str | None:
    if total <= shown:
        return None
    return f"{format_count(total - shown)} more {what} not listed ({format_count(total)} in all)."


def _charts(content: ReportContent, max_variants: int) -> str:
    parts = []
    if content.variants:
        total = sum(v.count for v in content.variants) or 1
        bars = [
            (f"#{i + 1}", 100 * v.count / total, f"{100 * v.count / total:.1f}%")
            for i, v in enumerate(content.variants[:max_variants])
        ]
        parts.append(_bar_chart("Share of cases per variant", bars))
    if content.bottlenecks:
        bars = [
            (b.activity, b.mean_waiting_s / 3600, f"{b.mean_waiting_s / 3600:,.1f} h")
            for b in content.bottlenecks[:10]
        ]
        parts.append(_bar_chart("Mean waiting time before activities (h)", bars))
    return "".join(parts)


def _bar_chart(title: str, bars: Sequence[tuple[str, float, str]]) -> str:
    """Horizontal bars as inline SVG: label, bar, value."""
    row, label_w, bar_w = 22, 260, 420
    high = max((value for _, value, _ in bars), default=0.0) or 1.0
    items = []
    for i, (label, value, text) in enumerate(bars):
        y = i * row
        width = bar_w * max(value, 0.0) / high
        name = _e(truncate(label, 40))
        items.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{name}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{width:.1f}" height="{row - 8}" '
            f'fill="#4a7ebb"/><text x="{label_w + width + 6:.1f}" y="{y + 15}">{_e(text)}</text>'
        )
    height = row * len(bars)
    return (
        f"<h2>{_e(title)}</h2>"
        f'<svg width="{label_w + bar_w + 90}" height="{height}" font-size="12" role="img">'
        f"{''.join(items)}</svg>"
    )
