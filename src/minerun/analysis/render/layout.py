"""Layered layout of a directed graph (a small Sugiyama pipeline).

Nodes are indices ``0..n-1`` with a box size; edges are ``(source, target)`` pairs. The
layout runs five steps:

1. Cycle removal: a depth-first search from the given roots (then from every unvisited
   node) marks the edges that close a cycle (back edges); they are reversed for the rest of
   the pipeline and drawn against the flow. Callers list edges most frequent first, so the
   search follows the main flow and only the rarer loop-backs are reversed.
2. Ranking: longest path from the sources of the now acyclic graph; a node without
   predecessors that is not a root moves down next to its first successor.
3. Dummy nodes: an edge spanning several ranks gets one small dummy node per rank crossed,
   so every segment joins two adjacent layers and long edges bend around boxes.
4. Ordering: nodes start in depth-first discovery order, then alternate downward and upward
   barycenter sweeps (each node moves to the mean position of its neighbours in the layer
   just swept); the ordering with the fewest crossings is kept.
5. Coordinates: layers are stacked along the rank axis; within a layer nodes are pulled
   towards the mean position of their neighbours, keeping the order and a minimum gap
   (the mean of a left-packed and a right-packed placement keeps both constraints).

``direction`` "TB" puts ranks top to bottom, "LR" left to right. Self-loops are left to
the caller (they get no points).
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

Direction = Literal["TB", "LR"]
Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class NodeSize:
    """Box of a node; ``side_room`` is extra clearance after it along the layer."""

    width: float
    height: float
    side_room: float = 0.0


@dataclass(frozen=True, slots=True)
class Spacing:
    """Gaps of the layout, in SVG user units."""

    layer_gap: float = 70.0
    node_gap: float = 28.0
    dummy_size: float = 12.0
    margin: float = 20.0
    sweeps: int = 8
    align_passes: int = 4


@dataclass(frozen=True, slots=True)
class PlacedNode:
    """A node's centre, size and layer."""

    x: float
    y: float
    width: float
    height: float
    layer: int


@dataclass(frozen=True, slots=True)
class RoutedEdge:
    """An edge's polyline from its source's border to its target's border.

    ``points`` is empty for a self-loop; ``reversed`` marks an edge drawn against the
    flow (a back edge closing a cycle).
    """

    source: int
    target: int
    points: tuple[Point, ...]
    reversed: bool


@dataclass(frozen=True, slots=True)
class Layout:
    """Positions of every node and route of every edge (same order as the input)."""

    nodes: tuple[PlacedNode, ...]
    edges: tuple[RoutedEdge, ...]
    width: float
    height: float
    direction: Direction
    crossings: int


@dataclass(slots=True)
class _Work:
    """Mutable state shared by the steps; keys >= n are dummy nodes."""

    n_real: int
    layer: list[int]
    ext_o: list[float]
    ext_r: list[float]
    room: list[float]
    chains: list[list[int]]
    up: list[list[int]]
    down: list[list[int]]


def layered_layout(
    sizes: Sequence[NodeSize],
    edges: Sequence[tuple[int, int]],
    roots: Sequence[int] = (),
    *,
    direction: Direction = "TB",
    spacing: Spacing | None = None,
) -> Layout:
    """Place the nodes in layers and route the edges; deterministic for equal input."""
    spacing = spacing or Spacing()
    n = len(sizes)
    back, discovery = _back_edges(n, edges, roots)
    dag = [(t, s) if i in back else (s, t) for i, (s, t) in enumerate(edges)]
    ranks = _ranks(n, [e for e in dag if e[0] != e[1]], set(roots))
    work = _with_dummies(sizes, dag, ranks, direction, spacing.dummy_size)
    layers = _initial_order(work, discovery)
    layers, crossings = _reduce_crossings(layers, work, spacing.sweeps)
    o_pos = _order_coordinates(layers, work, spacing)
    r_pos = _rank_coordinates(layers, work, spacing)
    return _assemble(sizes, edges, back, work, (o_pos, r_pos), direction, crossings, spacing)


def _back_edges(
    n: int, edges: Sequence[tuple[int, int]], roots: Sequence[int]
) -> tuple[frozenset[int], list[int]]:
    """Edge indices closing a cycle in a DFS, and the DFS discovery rank of each node."""
    out: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for i, (s, t) in enumerate(edges):
        if s != t:
            out[s].append((t, i))
    state, discovery, back = [0] * n, [0] * n, set()
    seen = 0
    for root in [*roots, *range(n)]:
        if state[root]:
            continue
        state[root], discovery[root], seen = 1, seen, seen + 1
        stack = [(root, 0)]
        while stack:
            node, k = stack[-1]
            if k == len(out[node]):
                state[node] = 2
                stack.pop()
                continue
            stack[-1] = (node, k + 1)
            target, index = out[node][k]
            if state[target] == 1:
                back.add(index)
            elif state[target] == 0:
                state[target], discovery[target], seen = 1, seen, seen + 1
                stack.append((target, 0))
    return frozenset(back), discovery


def _ranks(n: int, dag: list[tuple[int, int]], roots: set[int]) -> list[int]:
    """Longest-path layering, compacted so that no layer is empty."""
    out: list[list[int]] = [[] for _ in range(n)]
    indegree = [0] * n
    for s, t in dag:
        out[s].append(t)
        indegree[t] += 1
    has_in = [d > 0 for d in indegree]
    rank = [0] * n
    queue = deque(i for i in range(n) if indegree[i] == 0)
    while queue:
        u = queue.popleft()
        for v in out[u]:
            rank[v] = max(rank[v], rank[u] + 1)
            indegree[v] -= 1
            if indegree[v] == 0:
                queue.append(v)
    # A source that is no root would sit at the top, far from where it joins the flow.
    for u in range(n):
        if not has_in[u] and u not in roots and out[u]:
            rank[u] = min(rank[v] for v in out[u]) - 1
    used = {r: i for i, r in enumerate(sorted(set(rank)))}
    return [used[r] for r in rank]


def _with_dummies(
    sizes: Sequence[NodeSize],
    dag: list[tuple[int, int]],
    ranks: list[int],
    direction: Direction,
    dummy_size: float,
) -> _Work:
    """Split every edge into segments between adjacent layers."""
    along_order = [s.width if direction == "TB" else s.height for s in sizes]
    along_rank = [s.height if direction == "TB" else s.width for s in sizes]
    work = _Work(
        n_real=len(sizes),
        layer=list(ranks),
        ext_o=along_order,
        ext_r=along_rank,
        room=[s.side_room for s in sizes],
        chains=[],
        up=[[] for _ in sizes],
        down=[[] for _ in sizes],
    )
    for s, t in dag:
        if s == t:
            work.chains.append([])
            continue
        chain = [s]
        for layer in range(ranks[s] + 1, ranks[t]):
            chain.append(len(work.layer))
            work.layer.append(layer)
            work.ext_o.append(dummy_size)
            work.ext_r.append(0.0)
            work.room.append(0.0)
            work.up.append([])
            work.down.append([])
        chain.append(t)
        for a, b in pairwise(chain):
            work.down[a].append(b)
            work.up[b].append(a)
        work.chains.append(chain)
    return work


def _initial_order(work: _Work, discovery: list[int]) -> list[list[int]]:
    """Layers filled in depth-first order along the segments, starting at the top."""
    # Dummies always have a predecessor, so every start is a real node.
    starts = sorted((k for k in range(work.n_real) if not work.up[k]), key=discovery.__getitem__)
    layers: list[list[int]] = [[] for _ in range(max(work.layer, default=-1) + 1)]
    visited = [False] * len(work.layer)
    for start in starts:
        stack = [start]
        while stack:
            node = stack.pop()
            if visited[node]:
                continue
            visited[node] = True
            layers[work.layer[node]].append(node)
            stack.extend(reversed(work.down[node]))
    return layers


def _reduce_crossings(
    layers: list[list[int]], work: _Work, sweeps: int
) -> tuple[list[list[int]], int]:
    """Alternate barycenter sweeps, keeping the ordering with the fewest crossings."""
    best, best_count = [list(layer) for layer in layers], _crossings(layers, work)
    for sweep in range(sweeps):
        downward = sweep % 2 == 0
        indices = range(1, len(layers)) if downward else range(len(layers) - 2, -1, -1)
        for li in indices:
            fixed = layers[li - 1] if downward else layers[li + 1]
            neighbours = work.up if downward else work.down
            layers[li] = _barycenter_sort(layers[li], fixed, neighbours)
        count = _crossings(layers, work)
        if count < best_count:
            best, best_count = [list(layer) for layer in layers], count
    return best, best_count


def _barycenter_sort(layer: list[int], fixed: list[int], neighbours: list[list[int]]) -> list[int]:
    """Sort a layer by the mean position of each node's neighbours in the fixed layer."""
    position = {k: i for i, k in enumerate(fixed)}
    scale = len(fixed) / max(len(layer), 1)

    def barycenter(item: tuple[int, int]) -> float:
        index, node = item
        near = [position[m] for m in neighbours[node] if m in position]
        return sum(near) / len(near) if near else index * scale

    return [node for _, node in sorted(enumerate(layer), key=barycenter)]


def _crossings(layers: list[list[int]], work: _Work) -> int:
    """Number of segment crossings between every pair of adjacent layers."""
    total = 0
    for upper, lower in pairwise(layers):
        position = {k: i for i, k in enumerate(lower)}
        segments = sorted((i, position[v]) for i, u in enumerate(upper) for v in work.down[u])
        seen: list[int] = []
        for _, end in segments:
            total += len(seen) - bisect_right(seen, end)
            insort(seen, end)
    return total


def _order_coordinates(layers: list[list[int]], work: _Work, spacing: Spacing) -> list[float]:
    """Position along the layers: packed, then pulled towards neighbours, then shifted."""
    pos = [0.0] * len(work.layer)
    for layer in layers:
        cursor = 0.0
        for i, node in enumerate(layer):
            cursor += _separation(layer, i - 1, work, spacing) if i else 0.0
            pos[node] = cursor
    for _ in range(spacing.align_passes):
        for layer in layers[1:]:
            _align(layer, work.up, pos, work, spacing)
        for layer in reversed(layers[:-1]):
            _align(layer, work.down, pos, work, spacing)
    low = min((pos[k] - work.ext_o[k] / 2 for k in range(len(pos))), default=0.0)
    return [p - low + spacing.margin for p in pos]


def _separation(layer: list[int], i: int, work: _Work, spacing: Spacing) -> float:
    """Minimum distance between the centres of ``layer[i]`` and ``layer[i + 1]``."""
    a, b = layer[i], layer[i + 1]
    real = a < work.n_real or b < work.n_real
    gap = spacing.node_gap if real else spacing.node_gap / 2
    return (work.ext_o[a] + work.ext_o[b]) / 2 + work.room[a] + gap


def _align(
    layer: list[int], neighbours: list[list[int]], pos: list[float], work: _Work, sp: Spacing
) -> None:
    """Move a layer's nodes towards their neighbours' mean, keeping order and gaps."""
    wanted = [
        sum(pos[m] for m in neighbours[k]) / len(neighbours[k]) if neighbours[k] else pos[k]
        for k in layer
    ]
    left, right = list(wanted), list(wanted)
    for i in range(1, len(layer)):
        left[i] = max(wanted[i], left[i - 1] + _separation(layer, i - 1, work, sp))
    for i in range(len(layer) - 2, -1, -1):
        right[i] = min(wanted[i], right[i + 1] - _separation(layer, i, work, sp))
    for i, node in enumerate(layer):
        pos[node] = (left[i] + right[i]) / 2


def _rank_coordinates(layers: list[list[int]], work: _Work, spacing: Spacing) -> list[float]:
    """Centre of each layer along the rank axis."""
    centres, cursor = [], spacing.margin
    for layer in layers:
        depth = max((work.ext_r[k] for k in layer), default=0.0)
        centres.append(cursor + depth / 2)
        cursor += depth + spacing.layer_gap
    return centres


def _assemble(
    sizes: Sequence[NodeSize],
    edges: Sequence[tuple[int, int]],
    back: frozenset[int],
    work: _Work,
    coordinates: tuple[list[float], list[float]],
    direction: Direction,
    crossings: int,
    spacing: Spacing,
) -> Layout:
    """Map (order, rank) coordinates to (x, y) and route edges through their ports."""
    o_pos, r_centres = coordinates
    r_pos = [r_centres[layer] for layer in work.layer]
    ports = _ports(work, o_pos)

    def xy(o: float, r: float) -> Point:
        return (o, r) if direction == "TB" else (r, o)

    routed = []
    for i, ((s, t), chain) in enumerate(zip(edges, work.chains, strict=True)):
        if not chain:
            routed.append(RoutedEdge(s, t, (), False))
            continue
        head, tail = chain[0], chain[-1]
        points = [xy(o_pos[head] + ports[(i, head)], r_pos[head] + work.ext_r[head] / 2)]
        points += [xy(o_pos[d], r_pos[d]) for d in chain[1:-1]]
        points.append(xy(o_pos[tail] + ports[(i, tail)], r_pos[tail] - work.ext_r[tail] / 2))
        flipped = i in back
        routed.append(RoutedEdge(s, t, tuple(reversed(points) if flipped else points), flipped))
    placed = tuple(
        PlacedNode(*xy(o_pos[k], r_pos[k]), size.width, size.height, work.layer[k])
        for k, size in enumerate(sizes)
    )
    far_o = max((o_pos[k] + work.ext_o[k] / 2 + work.room[k] for k in range(len(o_pos))), default=0)
    far_r = max((r_pos[k] + work.ext_r[k] / 2 for k in range(len(sizes))), default=0)
    extent = xy(far_o + spacing.margin, far_r + spacing.margin)
    return Layout(placed, tuple(routed), extent[0], extent[1], direction, crossings)


def _ports(work: _Work, o_pos: list[float]) -> dict[tuple[int, int], float]:
    """Offset of each edge end along its node's border, ordered to avoid crossings."""
    sides: dict[tuple[int, bool], list[tuple[float, int]]] = {}
    for i, chain in enumerate(work.chains):
        if chain:
            sides.setdefault((chain[0], True), []).append((o_pos[chain[1]], i))
            sides.setdefault((chain[-1], False), []).append((o_pos[chain[-2]], i))
    offsets: dict[tuple[int, int], float] = {}
    for (node, _), ends in sides.items():
        ends.sort()
        step = min(work.ext_o[node] * 0.7 / max(len(ends) - 1, 1), 14.0)
        for j, (_, edge) in enumerate(ends):
            offsets[(edge, node)] = (j - (len(ends) - 1) / 2) * step
    return offsets
