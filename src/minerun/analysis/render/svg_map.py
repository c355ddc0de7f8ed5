"""SVG drawing of a process map (directly-follows graph).

Activities are boxes labelled with their name and frequency, shaded darker the more
frequent they are; an artificial start circle feeds the start activities and the end
activities feed an end circle. Edges are smooth curves through the layout's dummy points,
thicker the more frequent, labelled "frequency · mean duration"; edges closing a cycle
are dashed, self-loops are drawn beside their box. Positions come from
:mod:`minerun.analysis.render.layout`. The SVG uses only what fpdf2 can draw (rects,
circles, paths, polygons, text with presentation attributes), so the PDF report embeds
the same drawing as vector graphics.

Two views of the same selection, as in Disco: the frequency view (above) and the
performance view, where every edge between activities is labelled with its mean or median
duration and both its width and its colour (grey-blue to red) grow with that duration, so
the slow hand-overs stand out; edges without a duration stay thin and grey.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, replace
from typing import Literal

from fpdf.fonts import CORE_FONTS_CHARWIDTHS
from lxml import etree

from minerun.analysis.render.fmt import format_count, format_duration, truncate, xml_safe
from minerun.analysis.render.geometry import (
    LOOP,
    Box,
    Curve,
    arrow_points,
    curve,
    loop,
    place_labels,
)
from minerun.analysis.render.layout import (
    Direction,
    Layout,
    NodeSize,
    Point,
    Spacing,
    layered_layout,
)
from minerun.analysis.render.map_select import MapSelection, select_map
from minerun.analysis.render.model import ProcessMap

SVG_NS = "http://www.w3.org/2000/svg"
_FONT = 12.0
_SMALL = 10.0
_LABEL_CHARS = 34
_NODE_HEIGHT = 42.0
_TERMINAL = 28.0
_EDGE_COLOUR = "#5d6d82"
_SLOW_COLOUR = "#c0392b"
MapView = Literal["frequency", "performance"]
MapDuration = Literal["mean", "median"]
_SPACING: dict[Direction, Spacing] = {
    "TB": Spacing(layer_gap=62.0, node_gap=30.0),
    "LR": Spacing(layer_gap=110.0, node_gap=22.0),
}


@dataclass(frozen=True, slots=True)
class _Edge:
    source: int
    target: int
    frequency: int
    mean_s: float | None
    median_s: float | None
    terminal: bool


@dataclass(frozen=True, slots=True)
class _Graph:
    """Node 0 is the artificial start, node 1 the artificial end, then the activities."""

    names: tuple[str, ...]
    counts: tuple[int, ...]
    edges: tuple[_Edge, ...]
    view: MapView = "frequency"
    duration: MapDuration = "mean"

    def seconds(self, edge: _Edge) -> float | None:
        """The duration the performance view shows for ``edge``."""
        if edge.terminal:
            return None
        return edge.mean_s if self.duration == "mean" else edge.median_s


def render_process_map_svg(
    process_map: ProcessMap,
    max_activities: int = 30,
    max_edges: int | None = None,
    *,
    direction: Direction = "TB",
    tooltips: bool = True,
    activities_share: float | None = None,
    paths_share: float | None = None,
    view: MapView = "frequency",
    duration: MapDuration = "mean",
) -> str:
    """Draw ``process_map`` as a standalone SVG document (a string, UTF-8 when saved).

    At most ``max_activities`` activities and ``max_edges`` edges are drawn (the most
    frequent ones; ``None``, the readable default: see
    :func:`~minerun.analysis.render.map_select.select_map`, which also reads
    ``activities_share`` and ``paths_share``); a caption under the graph says what was
    hidden. ``view`` is "frequency" or "performance" (edges by ``duration``, "mean" or
    "median"). ``direction`` is "TB" (top to bottom) or "LR". ``tooltips`` adds a
    ``<title>`` with the full name to every box (viewers show it on hover; the PDF report
    turns it off because fpdf2 ignores the element). The output is deterministic: the same
    map gives the same bytes.
    """
    selection = select_map(
        process_map,
        max_activities,
        max_edges,
        activities_share=activities_share,
        paths_share=paths_share,
    )
    graph = replace(_graph(selection), view=view, duration=duration)
    if len(graph.names) == 2:
        return _empty_svg(selection.caption)
    sizes = [_node_size(graph, k, direction) for k in range(len(graph.names))]
    layout = layered_layout(
        sizes,
        [(e.source, e.target) for e in graph.edges],
        roots=[0],
        direction=direction,
        spacing=_SPACING[direction],
    )
    return _document(graph, layout, selection.caption, tooltips)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width of ``text`` in Helvetica at ``size``, the font the PDF draws labels with."""
    widths = CORE_FONTS_CHARWIDTHS["helveticaB" if bold else "helvetica"]
    units = 0
    for char in text:
        if char in widths:
            units += widths[char]
        else:
            units += 1000 if unicodedata.east_asian_width(char) in "WF" else 600
    return units * size / 1000


def _graph(selection: MapSelection) -> _Graph:
    names = ("start", "end", *(a.name for a in selection.activities))
    counts = (0, 0, *(a.count for a in selection.activities))
    index = {name: i + 2 for i, name in enumerate(names[2:])}
    edges = [
        _Edge(
            index[e.source],
            index[e.target],
            e.frequency,
            e.mean_duration_s,
            e.median_duration_s,
            False,
        )
        for e in selection.edges
    ]
    edges += [
        _Edge(0, index[a.name], a.count, None, None, True) for a in selection.start_activities
    ]
    edges += [_Edge(index[a.name], 1, a.count, None, None, True) for a in selection.end_activities]
    # Most frequent first: the layout's cycle removal then follows the main flow.
    edges.sort(key=lambda e: (-e.frequency, names[e.source], names[e.target]))
    return _Graph(names, counts, tuple(edges))


def _node_size(graph: _Graph, node: int, direction: Direction) -> NodeSize:
    if node < 2:
        return NodeSize(_TERMINAL, _TERMINAL)
    label = truncate(graph.names[node], _LABEL_CHARS)
    width = max(text_width(label, _FONT, bold=True) + 20, 90.0)
    loop = next((e for e in graph.edges if e.source == e.target == node), None)
    if loop is None:
        return NodeSize(width, _NODE_HEIGHT)
    if direction == "TB":
        return NodeSize(
            width, _NODE_HEIGHT, LOOP + text_width(_edge_label(graph, loop), _SMALL) + 6
        )
    return NodeSize(width, _NODE_HEIGHT, LOOP + _SMALL + 8)


def _edge_label(graph: _Graph, edge: _Edge) -> str:
    if graph.view == "performance":
        seconds = graph.seconds(edge)
        if seconds is None:
            return format_count(edge.frequency)
        return f"{graph.duration} {format_duration(seconds)}"
    if edge.mean_s is None:
        return format_count(edge.frequency)
    return f"{format_count(edge.frequency)} \u00b7 {format_duration(edge.mean_s)}"


def _document(graph: _Graph, layout: Layout, caption: str, tooltips: bool) -> str:
    lines = _wrap(caption, max(layout.width - 40, 320.0))
    width = max(layout.width, 360.0)
    height = layout.height + 16 * len(lines) + 8
    root = _svg_root(width, height)
    curves = [_curve(routed.points, routed.source, layout) for routed in layout.edges]
    _draw_edges(_sub(root, "g", {"class": "edges", "fill": "none"}), graph, layout, curves)
    _draw_labels(_sub(root, "g", {"class": "edge-labels"}), graph, layout, curves)
    nodes = _sub(root, "g", {"class": "nodes"})
    top_count = max(graph.counts, default=1) or 1
    for k, placed in enumerate(layout.nodes):
        centre = (placed.x, placed.y)
        if k < 2:
            _draw_terminal(nodes, k, centre)
        else:
            shade = math.sqrt(graph.counts[k] / top_count)
            box = (placed.width, placed.height)
            _draw_activity(nodes, graph.names[k], graph.counts[k], centre, box, shade, tooltips)
    for i, line in enumerate(lines):
        _text(root, (20.0, layout.height + 12 + 16 * i), line, 11.0, fill="#555555")
    return str(etree.tostring(root, encoding="unicode"))


def _svg_root(width: float, height: float) -> etree._Element:
    attributes = {
        "width": _n(width),
        "height": _n(height),
        "viewBox": f"0 0 {_n(width)} {_n(height)}",
        "font-family": "Helvetica, Arial, sans-serif",
    }
    root = etree.Element(f"{{{SVG_NS}}}svg", attributes, nsmap={None: SVG_NS})
    _sub(root, "rect", {"width": _n(width), "height": _n(height), "fill": "#ffffff"})
    return root


def _empty_svg(caption: str) -> str:
    root = _svg_root(360.0, 60.0)
    _text(root, (20.0, 30.0), "No activities to show.", _FONT, fill="#333333")
    _text(root, (20.0, 48.0), caption, 11.0, fill="#555555")
    return str(etree.tostring(root, encoding="unicode"))


def _curve(points: tuple[Point, ...], source: int, layout: Layout) -> Curve:
    if points:
        return curve(points, layout.direction)
    node = layout.nodes[source]
    return loop((node.x, node.y), (node.width, node.height), layout.direction)


def _draw_edges(parent: etree._Element, graph: _Graph, layout: Layout, curves: list[Curve]) -> None:
    top = max((e.frequency for e in graph.edges), default=1)
    slowest = max((graph.seconds(e) or 0.0 for e in graph.edges), default=0.0)
    for edge, routed, shape in zip(graph.edges, layout.edges, curves, strict=True):
        weight, colour = _edge_style(graph, edge, top, slowest)
        stroke = 1.0 + 5.0 * weight
        if not routed.points:
            stroke = min(stroke, 3.0)
        group = _sub(parent, "g", {"class": "edge back" if routed.reversed else "edge"})
        attributes = {"d": shape.d, "stroke": colour, "stroke-width": _n(stroke)}
        if routed.reversed:
            attributes["stroke-dasharray"] = "6,4"
        _sub(group, "path", attributes | {"stroke-opacity": "0.8"})
        arrow = {"points": arrow_points(shape.tip, shape.base, stroke), "fill": colour}
        _sub(group, "polygon", arrow)


def _edge_style(graph: _Graph, edge: _Edge, top: int, slowest: float) -> tuple[float, str]:
    """Width weight (0-1) and colour: by frequency, or by duration in the performance view."""
    if edge.terminal:
        return math.sqrt(edge.frequency / top), "#9aa5b1"
    if graph.view == "frequency":
        return math.sqrt(edge.frequency / top), _EDGE_COLOUR
    seconds = graph.seconds(edge)
    if seconds is None or slowest <= 0:
        return 0.0, "#9aa5b1"
    share = math.sqrt(max(seconds, 0.0) / slowest)
    return share, _blend(_EDGE_COLOUR, _SLOW_COLOUR, share)


def _draw_labels(
    parent: etree._Element, graph: _Graph, layout: Layout, curves: list[Curve]
) -> None:
    """Labels go above every edge so curves never cross out their figures."""
    texts = [_edge_label(graph, edge) for edge in graph.edges]
    wanted = []
    for shape, text, routed in zip(curves, texts, layout.edges, strict=True):
        width = text_width(text, _SMALL) + 6
        spots = shape.label_spots
        if not routed.points and layout.direction == "TB":
            # A loop's label starts where the loop bulges and extends outwards.
            spots = tuple((x + width / 2, y) for x, y in spots)
        wanted.append((spots, width, 13.0))
    obstacles = [Box(n.x, n.y, n.width, n.height) for n in layout.nodes]
    for box, text in zip(place_labels(wanted, obstacles), texts, strict=True):
        left = box.x - box.width / 2
        rect = {"x": _n(left), "y": _n(box.y - 7), "width": _n(box.width), "height": "13"}
        rect |= {"rx": "3", "fill": "#ffffff", "fill-opacity": "0.85"}
        _sub(parent, "rect", rect)
        _text(parent, (left + box.width / 2, box.y + 3.5), text, _SMALL, "#36404d").set(
            "text-anchor", "middle"
        )


def _draw_terminal(parent: etree._Element, node: int, centre: Point) -> None:
    fill = "#3f9b4f" if node == 0 else "#47525e"
    group = _sub(parent, "g", {"class": "start" if node == 0 else "end"})
    circle = {"cx": _n(centre[0]), "cy": _n(centre[1]), "r": _n(_TERMINAL / 2), "fill": fill}
    _sub(group, "circle", circle)
    label = _text(group, (centre[0], centre[1] + 3), "start" if node == 0 else "end", 8.0)
    label.set("text-anchor", "middle")
    label.set("fill", "#ffffff")


def _draw_activity(
    parent: etree._Element,
    name: str,
    count: int,
    centre: Point,
    box: tuple[float, float],
    shade: float,
    tooltips: bool,
) -> None:
    group = _sub(parent, "g", {"class": "activity"})
    if tooltips:
        _sub(group, "title").text = xml_safe(f"{name} ({format_count(count)})")
    rect = {
        "x": _n(centre[0] - box[0] / 2),
        "y": _n(centre[1] - box[1] / 2),
        "width": _n(box[0]),
        "height": _n(box[1]),
        "rx": "6",
        "fill": _blend("#eef3fa", "#2f5d9c", shade),
        "stroke": "#27466f",
    }
    _sub(group, "rect", rect)
    ink = "#ffffff" if shade > 0.55 else "#1d2733"
    title = _text(group, (centre[0], centre[1] - 2), truncate(name, _LABEL_CHARS), _FONT, ink)
    title.set("font-weight", "bold")
    title.set("text-anchor", "middle")
    figure = _text(group, (centre[0], centre[1] + 13), format_count(count), _SMALL, ink)
    figure.set("text-anchor", "middle")


def _text(
    parent: etree._Element, at: Point, text: str, size: float, fill: str = "#000000"
) -> etree._Element:
    attributes = {"x": _n(at[0]), "y": _n(at[1]), "font-size": _n(size), "fill": fill}
    element = _sub(parent, "text", attributes)
    element.text = xml_safe(text)
    return element


def _wrap(text: str, width: float) -> list[str]:
    lines: list[str] = []
    for word in text.split(" "):
        if lines and text_width(f"{lines[-1]} {word}", 11.0) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _blend(low: str, high: str, t: float) -> str:
    a = [int(low[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(high[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))


def _sub(
    parent: etree._Element, tag: str, attributes: dict[str, str] | None = None
) -> etree._Element:
    """A child element in the SVG namespace (lxml would otherwise leave it in none)."""
    return etree.SubElement(parent, f"{{{SVG_NS}}}{tag}", attributes or {})


def _n(value: float) -> str:
    return f"{value:.1f}"
