"""The layered layout: layers follow the flow, cycles are broken, crossings reduced."""

from __future__ import annotations

import itertools

from minerun.analysis.render.layout import Layout, NodeSize, Spacing, layered_layout

BOX = NodeSize(100.0, 40.0)


def _layout(edges: list[tuple[int, int]], n: int, **kwargs: object) -> Layout:
    return layered_layout([BOX] * n, edges, roots=[0], **kwargs)  # type: ignore[arg-type]


def test_chain_goes_down_one_layer_per_step() -> None:
    layout = _layout([(0, 1), (1, 2), (2, 3)], 4)
    assert [node.layer for node in layout.nodes] == [0, 1, 2, 3]
    ys = [node.y for node in layout.nodes]
    assert ys == sorted(ys) and len(set(ys)) == 4
    assert {round(node.x) for node in layout.nodes} == {round(layout.nodes[0].x)}


def test_left_to_right_swaps_the_axes() -> None:
    layout = _layout([(0, 1), (1, 2)], 3, direction="LR")
    xs = [node.x for node in layout.nodes]
    assert xs == sorted(xs) and len(set(xs)) == 3
    assert layout.width > layout.height


def test_cycle_is_broken_by_reversing_the_closing_edge() -> None:
    layout = _layout([(0, 1), (1, 2), (2, 1)], 3)
    back = [edge for edge in layout.edges if edge.reversed]
    assert [(edge.source, edge.target) for edge in back] == [(2, 1)]
    forward = layout.edges[1]
    assert forward.points[0][1] < forward.points[-1][1]  # drawn downwards
    assert back[0].points[0][1] > back[0].points[-1][1]  # drawn upwards, against the flow


def test_long_edge_bends_through_one_point_per_layer_crossed() -> None:
    layout = _layout([(0, 1), (1, 2), (2, 3), (0, 3)], 4)
    long_edge = layout.edges[3]
    assert len(long_edge.points) == 2 + 2  # two ports and two dummy points
    ys = [p[1] for p in long_edge.points]
    assert ys == sorted(ys)


def test_edges_start_and_end_on_the_box_borders() -> None:
    layout = _layout([(0, 1)], 2)
    (start, end) = layout.edges[0].points
    assert start[1] == layout.nodes[0].y + BOX.height / 2
    assert end[1] == layout.nodes[1].y - BOX.height / 2


def test_self_loop_is_left_to_the_caller() -> None:
    layout = _layout([(0, 1), (1, 1)], 2)
    assert layout.edges[1].points == ()
    assert not layout.edges[1].reversed


def test_boxes_in_a_layer_never_overlap() -> None:
    edges = [(0, k) for k in range(1, 7)] + [(k, 7) for k in range(1, 7)]
    spacing = Spacing(node_gap=25.0)
    layout = layered_layout([BOX] * 8, edges, roots=[0], spacing=spacing)
    middle = sorted(node.x for node in layout.nodes if node.layer == 1)
    assert len(middle) == 6
    assert all(b - a >= BOX.width + 25.0 - 1e-6 for a, b in itertools.pairwise(middle))
    assert all(node.x - node.width / 2 >= 0 for node in layout.nodes)
    assert all(node.x + node.width / 2 <= layout.width for node in layout.nodes)


def test_barycenter_sweeps_untangle_a_crossing_free_graph() -> None:
    # Two parallel chains listed so that the depth-first start order crosses them.
    edges = [(0, 1), (0, 2), (1, 4), (2, 3), (3, 5), (4, 6)]
    layout = _layout(edges, 7)
    assert layout.crossings == 0


def test_same_input_gives_the_same_layout() -> None:
    edges = [(0, 1), (1, 2), (2, 0), (1, 3), (3, 2), (0, 3)]
    assert _layout(edges, 4) == _layout(edges, 4)


def test_unreachable_nodes_are_still_placed() -> None:
    layout = _layout([(0, 1), (2, 3), (3, 2)], 4)
    assert len(layout.nodes) == 4
    assert all(edge.points for edge in layout.edges)
