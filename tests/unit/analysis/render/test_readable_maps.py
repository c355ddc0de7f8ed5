"""The default map of the tangled real logs (Sepsis, BPIC 2012) stays readable.

A fixed cap of 80 edges draws Sepsis' 16 activities with 80 edges, five per box. The
default keeps at most two edges per shown activity, every activity still joined to the
flow by its strongest incoming and outgoing edge, and covers most transitions.
"""

from __future__ import annotations

import functools

import pytest
from lxml import etree

from minerun.analysis.discovery import discover
from minerun.analysis.eventlog import CsvMapping, read_any
from minerun.analysis.render.map_select import select_map
from minerun.analysis.render.model import ProcessMap
from minerun.analysis.render.svg_map import render_process_map_svg
from minerun.kinds.process_mining.report_content import process_map
from tests.conftest import SHARED_DATA

SEPSIS = CsvMapping("Case ID", "Activity", "Complete Timestamp", delimiter=";")


@functools.cache
def shared_map(name: str) -> ProcessMap:
    path = SHARED_DATA / name
    if not path.is_file():
        pytest.skip(f"shared log {path} is absent (set MINERUN_SHARED_DATA)")
    frame = read_any(path, SEPSIS if name == "sepsis.csv" else None).frame
    return process_map(discover(frame))


@pytest.mark.parametrize(
    "name", ["sepsis.csv", pytest.param("bpic2012.xes.gz", marks=pytest.mark.slow)]
)
def test_the_default_map_is_readable(name: str) -> None:
    graph = shared_map(name)
    selection = select_map(graph, 30, None)
    shown = len(selection.activities)
    assert shown == len(graph.activities)  # both logs have fewer than 30 activities
    assert len(selection.edges) <= 2 * shown < len(graph.edges)
    joined = {e.source for e in selection.edges} | {e.target for e in selection.edges}
    assert joined == {a.name for a in selection.activities}
    transitions = sum(e.frequency for e in graph.edges)
    assert sum(e.frequency for e in selection.edges) >= 0.8 * transitions
    old = select_map(graph, 30, 80)
    assert len(old.edges) >= 1.5 * len(selection.edges)


def test_both_views_draw_the_same_selection_of_sepsis() -> None:
    graph = shared_map("sepsis.csv")
    frequency = etree.fromstring(render_process_map_svg(graph).encode())
    performance = etree.fromstring(
        render_process_map_svg(graph, view="performance", duration="median").encode()
    )
    ns = {"s": "http://www.w3.org/2000/svg"}
    count = "count(//s:g[contains(@class, 'edge')])"
    assert frequency.xpath(count, namespaces=ns) == performance.xpath(count, namespaces=ns)
    labels = performance.xpath("//s:g[@class='edge-labels']/s:text/text()", namespaces=ns)
    assert any(label.startswith("median ") for label in labels)
    colours = {p.get("stroke") for p in performance.xpath("//s:path", namespaces=ns)}
    assert len(colours) > 3  # coloured by duration, not one ink
