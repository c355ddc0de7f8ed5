"""The SVG process map: valid, deterministic, escaped, filtered, fast enough."""

from __future__ import annotations

import pytest
from lxml import etree

from minerun.analysis.render.model import ActivityCount, ProcessEdge, ProcessMap
from minerun.analysis.render.svg_map import SVG_NS, render_process_map_svg, text_width

from .samples import make_map

NS = {"s": SVG_NS}


def _parse(svg: str) -> etree._Element:
    return etree.fromstring(svg.encode())


def _texts(root: etree._Element) -> list[str]:
    return [t.text for t in root.iterfind(".//s:text", NS)]


def test_draws_every_activity_edge_and_the_artificial_start_and_end(
    loop_map: ProcessMap,
) -> None:
    root = _parse(render_process_map_svg(loop_map))
    assert root.tag == f"{{{SVG_NS}}}svg"
    boxes = root.findall(".//s:g[@class='activity']", NS)
    assert len(boxes) == 3
    assert len(root.findall(".//s:g[@class='start']", NS)) == 1
    assert len(root.findall(".//s:g[@class='end']", NS)) == 1
    # 4 activity edges + 1 from start + 1 to end
    assert (
        len(root.findall(".//s:g[@class='edge']", NS))
        + len(root.findall(".//s:g[@class='edge back']", NS))
        == 6
    )
    texts = _texts(root)
    assert {"register", "check", "decide", "14"} <= set(texts)
    assert "12 \u00b7 2 h" in texts  # frequency and mean duration of check -> decide
    assert "2" in texts  # the back edge has no duration: frequency alone


def test_edge_closing_the_cycle_is_dashed(loop_map: ProcessMap) -> None:
    root = _parse(render_process_map_svg(loop_map))
    back = root.findall(".//s:g[@class='edge back']/s:path", NS)
    assert len(back) == 1
    assert back[0].get("stroke-dasharray")


def test_edge_width_grows_with_frequency(loop_map: ProcessMap) -> None:
    root = _parse(render_process_map_svg(loop_map))
    widths = sorted(float(p.get("stroke-width")) for p in root.iterfind(".//s:g/s:path", NS))
    assert widths[0] < widths[-1]
    assert widths[-1] == pytest.approx(6.0)


def test_labels_with_markup_characters_are_escaped() -> None:
    name = "Check <invoice> & \"approve\" 'now'"
    process_map = ProcessMap(
        (ActivityCount(name, 3), ActivityCount("done\x07", 3)),
        (ProcessEdge(name, "done\x07", 3, 10.0),),
        (ActivityCount(name, 3),),
        (ActivityCount("done\x07", 3),),
    )
    svg = render_process_map_svg(process_map)
    assert "<invoice>" not in svg
    root = _parse(svg)
    assert name in _texts(root)
    assert "done\ufffd" in _texts(root)  # control character replaced, XML stays valid
    titles = [t.text for t in root.iterfind(".//s:title", NS)]
    assert f"{name} (3)" in titles


def test_output_is_deterministic() -> None:
    process_map = make_map(12, 40)
    assert render_process_map_svg(process_map) == render_process_map_svg(process_map)


def test_large_map_is_filtered_and_the_caption_says_so() -> None:
    root = _parse(render_process_map_svg(make_map(24, 100), max_activities=10, max_edges=25))
    assert len(root.findall(".//s:g[@class='activity']", NS)) == 10
    caption = " ".join(_texts(root)[-3:])
    assert "Showing 10 of 24 activities" in caption


def test_left_to_right_map_is_wider_than_tall(loop_map: ProcessMap) -> None:
    root = _parse(render_process_map_svg(loop_map, direction="LR"))
    assert float(root.get("width")) > float(root.get("height"))


def test_boxes_do_not_overlap() -> None:
    root = _parse(render_process_map_svg(make_map(24, 100), 24, 100))
    boxes = [
        tuple(float(r.get(k)) for k in ("x", "y", "width", "height"))
        for r in root.iterfind(".//s:g[@class='activity']/s:rect", NS)
    ]
    for i, (x1, y1, w1, h1) in enumerate(boxes):
        for x2, y2, w2, h2 in boxes[i + 1 :]:
            assert x1 + w1 <= x2 or x2 + w2 <= x1 or y1 + h1 <= y2 or y2 + h2 <= y1


def test_without_tooltips_there_is_no_title_element(loop_map: ProcessMap) -> None:
    assert "<title>" not in render_process_map_svg(loop_map, tooltips=False)


def test_empty_map_still_renders() -> None:
    root = _parse(render_process_map_svg(ProcessMap((), ())))
    assert "No activities to show." in _texts(root)


def test_text_width_uses_helvetica_metrics() -> None:
    assert text_width("ii", 10) < text_width("WW", 10)
    assert text_width("abc", 10, bold=True) > text_width("abc", 10)
    assert text_width("\u4e2d", 10) == pytest.approx(10.0)


def test_24_activities_and_100_edges_render() -> None:
    root = _parse(render_process_map_svg(make_map(24, 100), 24, 100))
    assert len(root.findall(".//s:g[@class='activity']", NS)) == 24


def test_the_performance_view_labels_and_colours_edges_by_duration(loop_map: ProcessMap) -> None:
    mean = _texts(_parse(render_process_map_svg(loop_map, view="performance")))
    # register -> check has a mean of 1 h and a median of 30 min; decide -> check none.
    assert "mean 1 h" in mean and "mean 2 h" in mean
    median = _texts(_parse(render_process_map_svg(loop_map, view="performance", duration="median")))
    assert "median 30 min" in median and "median 1 h" in median
    root = _parse(render_process_map_svg(loop_map, view="performance"))
    # The slowest edge (check -> decide, 2 h) is drawn in the slow colour itself.
    paths = [p.get("stroke") for p in root.iterfind(".//s:path", NS)]
    assert "#c0392b" in paths and len(set(paths)) > 2


def test_the_frequency_view_is_the_default(loop_map: ProcessMap) -> None:
    assert render_process_map_svg(loop_map) == render_process_map_svg(loop_map, view="frequency")
