"""Charts drawn straight onto an fpdf2 page with lines, rectangles and text (vector).

Each chart takes the page, a frame ``(x, y, width, height)`` in millimetres and its data;
it draws a title, axes with "nice" ticks and the marks. Text is drawn in the report's
Unicode font (:mod:`~minerun.analysis.render.fonts`), registered on the page's document, and
every duration is in hours, the one unit of the report (see its glossary).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import timedelta

import numpy as np
from fpdf import FPDF

from minerun.analysis.render.fmt import format_count, format_hours, truncate
from minerun.analysis.render.fonts import FAMILY
from minerun.analysis.render.model import Bottleneck, DailyCount, VariantCount

Frame = tuple[float, float, float, float]
_BAR = (74, 126, 187)
_LINE = (192, 80, 77)
_AXIS = (90, 90, 90)
_GRID = (225, 225, 225)
_LEFT, _BOTTOM, _TOP, _RIGHT = 16.0, 12.0, 9.0, 4.0
_HOUR = 3600.0


def nice_ticks(high: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``high`` (steps of 1, 2 or 5 times 10^k)."""
    if not math.isfinite(high) or high <= 0:
        return [0.0, 1.0]
    raw = high / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return [i * step for i in range(math.ceil(high / step - 1e-9) + 1)]


def cases_over_time(pdf: FPDF, frame: Frame, series: Sequence[DailyCount]) -> None:
    """Line chart of cases started per day; days without a case count as zero."""
    _title(pdf, frame, "Cases started per day")
    if not series:
        return
    first = min(p.day for p in series)
    days = (max(p.day for p in series) - first).days + 1
    counts = np.zeros(days)
    for point in series:
        counts[(point.day - first).days] += point.cases
    plot = _plot_area(frame)
    ticks = nice_ticks(float(counts.max()))
    _y_axis(pdf, plot, ticks, lambda v: format_count(int(v)))
    xs = plot[0] + plot[2] * np.arange(days) / max(days - 1, 1)
    ys = plot[1] + plot[3] * (1 - counts / ticks[-1])
    pdf.set_draw_color(*_BAR)
    pdf.set_line_width(0.3)
    if days > 1:
        pdf.polyline(list(zip(xs.tolist(), ys.tolist(), strict=True)), style="D")
    else:
        pdf.set_fill_color(*_BAR)
        pdf.circle(x=float(xs[0]), y=float(ys[0]), radius=0.8, style="F")
    labels = [
        (plot[0] + plot[2] * i / 4, (first + timedelta(days=round((days - 1) * i / 4))).isoformat())
        for i in range(5)
    ]
    _x_labels(pdf, plot, labels if days > 1 else [(plot[0], first.isoformat())])


def cycle_time_histogram(pdf: FPDF, frame: Frame, cycle_times_s: Sequence[float]) -> None:
    """Histogram of case durations up to the 99th percentile, with median and mean."""
    _title(pdf, frame, "Case cycle time distribution")
    values = np.asarray(cycle_times_s, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return
    high = float(np.percentile(values, 99)) or float(values.max()) or 1.0
    unit, unit_name = _HOUR, "hours"
    counts, edges = np.histogram(values, bins=30, range=(0.0, high))
    plot = _plot_area(frame)
    ticks = nice_ticks(float(counts.max()))
    _y_axis(pdf, plot, ticks, lambda v: format_count(int(v)))
    _bars(pdf, plot, counts / ticks[-1])
    x_ticks = nice_ticks(high / unit, 5)
    labels = [(plot[0] + plot[2] * t * unit / high, f"{t:g}") for t in x_ticks if t * unit <= high]
    _x_labels(pdf, plot, labels)
    _caption(pdf, plot, f"case duration ({unit_name})")
    for name, value in (("median", float(np.median(values))), ("mean", float(values.mean()))):
        if value <= high:
            _marker(pdf, plot, plot[0] + plot[2] * value / high, f"{name} {format_hours(value)}")
    beyond = int((values > edges[-1]).sum())
    if beyond:
        note = f"{format_count(beyond)} cases longer than {format_hours(high)} not shown"
        _note(pdf, frame, note)


def variant_pareto(
    pdf: FPDF, frame: Frame, variants: Sequence[VariantCount], total_cases: int, top: int = 20
) -> None:
    """Bars for the ``top`` first variants and a line of the share of cases they cover."""
    _title(
        pdf, frame, f"Variants (first {min(top, len(variants))} of {format_count(len(variants))})"
    )
    shown = list(variants[:top])
    if not shown or total_cases <= 0:
        return
    counts = np.array([v.count for v in shown], dtype=float)
    plot = _plot_area(frame, right=12.0)
    ticks = nice_ticks(float(counts.max()))
    _y_axis(pdf, plot, ticks, lambda v: format_count(int(v)))
    _bars(pdf, plot, counts / ticks[-1])
    step = plot[2] / len(shown)
    _x_labels(pdf, plot, [(plot[0] + step * (i + 0.5), str(i + 1)) for i in range(len(shown))])
    share = np.cumsum(counts) / total_cases
    points = [
        (plot[0] + step * (i + 0.5), plot[1] + plot[3] * (1 - s)) for i, s in enumerate(share)
    ]
    pdf.set_draw_color(*_LINE)
    pdf.set_line_width(0.4)
    if len(points) > 1:
        pdf.polyline(points, style="D")
    _right_percent_axis(pdf, plot)
    _note(pdf, frame, f"first {len(shown)} variants cover {100 * share[-1]:.1f}% of cases")


def bottleneck_bars(
    pdf: FPDF, frame: Frame, bottlenecks: Sequence[Bottleneck], top: int = 10
) -> None:
    """Horizontal bars of total waiting time before each activity, mean in the label."""
    _title(pdf, frame, "Waiting time before activities (total)")
    shown = list(bottlenecks[:top])
    if not shown:
        return
    unit, unit_name = _HOUR, "hours"
    totals = np.array([max(b.total_waiting_s, 0.0) / unit for b in shown])
    label_width = min(frame[2] * 0.35, 55.0)
    plot = (frame[0] + label_width, frame[1] + _TOP, frame[2] - label_width - 28, frame[3] - 20)
    ticks = nice_ticks(float(totals.max()))
    row = plot[3] / len(shown)
    pdf.set_font(FAMILY, "", 7)
    for i, (item, total) in enumerate(zip(shown, totals, strict=True)):
        top_y = plot[1] + i * row
        pdf.set_fill_color(*_BAR)
        pdf.rect(plot[0], top_y + row * 0.15, plot[2] * total / ticks[-1], row * 0.7, style="F")
        name = _fit(pdf, item.activity, label_width - 2)
        pdf.text(plot[0] - 1.5 - pdf.get_string_width(name), top_y + row / 2 + 1, name)
        mean = f"mean {format_hours(item.mean_waiting_s)}"
        pdf.text(plot[0] + plot[2] * total / ticks[-1] + 1.5, top_y + row / 2 + 1, mean)
    labels = [(plot[0] + plot[2] * t / ticks[-1], f"{t:g}") for t in ticks]
    _x_labels(pdf, plot, labels)
    _caption(pdf, plot, f"total waiting ({unit_name})")


def _title(pdf: FPDF, frame: Frame, text: str) -> None:
    pdf.set_font(FAMILY, "B", 10)
    pdf.set_text_color(30, 30, 30)
    pdf.text(frame[0], frame[1] + 4, text)


def _plot_area(frame: Frame, right: float = _RIGHT) -> Frame:
    x, y, w, h = frame
    return (x + _LEFT, y + _TOP, w - _LEFT - right, h - _TOP - _BOTTOM)


def _y_axis(pdf: FPDF, plot: Frame, ticks: list[float], label: Callable[[float], str]) -> None:
    x, y, w, h = plot
    pdf.set_font(FAMILY, "", 7)
    pdf.set_line_width(0.1)
    for tick in ticks:
        ty = y + h * (1 - tick / ticks[-1])
        pdf.set_draw_color(*_GRID)
        pdf.line(x, ty, x + w, ty)
        text = label(tick)
        pdf.text(x - 1.5 - pdf.get_string_width(text), ty + 1, text)
    pdf.set_draw_color(*_AXIS)
    pdf.line(x, y, x, y + h)
    pdf.line(x, y + h, x + w, y + h)


def _x_labels(pdf: FPDF, plot: Frame, labels: list[tuple[float, str]]) -> None:
    _, y, _, h = plot
    pdf.set_font(FAMILY, "", 7)
    pdf.set_draw_color(*_AXIS)
    for position, text in labels:
        pdf.line(position, y + h, position, y + h + 1)
        pdf.text(position - pdf.get_string_width(text) / 2, y + h + 4, text)


def _bars(pdf: FPDF, plot: Frame, heights: np.ndarray) -> None:
    x, y, w, h = plot
    step = w / len(heights)
    pdf.set_fill_color(*_BAR)
    for i, height in enumerate(heights.tolist()):
        if height > 0:
            pdf.rect(x + i * step + step * 0.1, y + h * (1 - height), step * 0.8, h * height, "F")


def _right_percent_axis(pdf: FPDF, plot: Frame) -> None:
    x, y, w, h = plot
    pdf.set_font(FAMILY, "", 7)
    pdf.set_text_color(*_LINE)
    for share in (0, 25, 50, 75, 100):
        pdf.text(x + w + 1.5, y + h * (1 - share / 100) + 1, f"{share}%")
    pdf.set_text_color(30, 30, 30)


def _marker(pdf: FPDF, plot: Frame, at: float, text: str) -> None:
    x, y, w, h = plot
    pdf.set_draw_color(*_LINE)
    pdf.set_line_width(0.3)
    with pdf.local_context():
        pdf.set_dash_pattern(dash=1, gap=1)
        pdf.line(at, y, at, y + h)
    pdf.set_font(FAMILY, "", 7)
    pdf.set_text_color(*_LINE)
    offset = 4 if text.startswith("mean") else 0
    pdf.text(min(at + 1, x + w - pdf.get_string_width(text)), y + 3 + offset, text)
    pdf.set_text_color(30, 30, 30)


def _caption(pdf: FPDF, plot: Frame, text: str) -> None:
    x, y, w, h = plot
    pdf.set_font(FAMILY, "", 7)
    pdf.text(x + w - pdf.get_string_width(text), y + h + 8, text)


def _note(pdf: FPDF, frame: Frame, text: str) -> None:
    pdf.set_font(FAMILY, "I", 7)
    pdf.set_text_color(100, 100, 100)
    pdf.text(frame[0] + frame[2] - pdf.get_string_width(text), frame[1] + 4, text)
    pdf.set_text_color(30, 30, 30)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """Shorten ``text`` until it fits ``width`` millimetres in the current font."""
    text = text
    chars = len(text)
    while chars > 4 and pdf.get_string_width(truncate(text, chars)) > width:
        chars -= 2
    return truncate(text, chars)
