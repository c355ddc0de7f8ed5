"""Geometry of the process map's edges: curves, arrows, loops and label placement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from minerun.analysis.render.layout import Direction, Point

ARROW = 8.0
LOOP = 30.0
# Where along an edge's middle segment a label may sit, best first.
_LABEL_STOPS = (0.5, 0.3, 0.7, 0.15, 0.85, 0.05, 0.95)


@dataclass(frozen=True, slots=True)
class Box:
    """An axis-aligned rectangle given by its centre and size."""

    x: float
    y: float
    width: float
    height: float

    def overlap(self, other: Box) -> float:
        """Area shared with ``other`` (0 when apart)."""
        dx = (self.width + other.width) / 2 - abs(self.x - other.x)
        dy = (self.height + other.height) / 2 - abs(self.y - other.y)
        return dx * dy if dx > 0 and dy > 0 else 0.0


@dataclass(frozen=True, slots=True)
class Curve:
    """An edge ready to draw: SVG path data, arrow tip and base, label candidates."""

    d: str
    tip: Point
    base: Point
    label_spots: tuple[Point, ...]


def curve(points: Sequence[Point], direction: Direction) -> Curve:
    """Cubic segments that leave and enter each point along the rank axis.

    The last point is the target's border: the path stops one arrow length before it and
    the arrow covers the rest, so thick edges do not poke through the arrow's tip.
    """
    *body, tip = points
    axis = 1 if direction == "TB" else 0
    sign = 1.0 if tip[axis] >= body[-1][axis] else -1.0
    base = (tip[0], tip[1] - sign * ARROW) if axis else (tip[0] - sign * ARROW, tip[1])
    path = [*body, base]
    d = [f"M{_pt(path[0])}"]
    for a, b in pairwise(path):
        c1, c2 = _controls(a, b, axis)
        d.append(f"C{_pt(c1)} {_pt(c2)} {_pt(b)}")
    k = (len(path) - 2) // 2
    spots = tuple(_bezier(path[k], path[k + 1], axis, t) for t in _LABEL_STOPS)
    return Curve(" ".join(d), tip, base, spots)


def loop(centre: Point, box: tuple[float, float], direction: Direction) -> Curve:
    """A self-loop beside the box: on its right (top-down) or below it (left-right)."""
    cx, cy = centre
    if direction == "TB":
        x = cx + box[0] / 2
        d = f"M{_pt((x, cy - 9))} C{_pt((x + LOOP, cy - 24))} {_pt((x + LOOP, cy + 24))} "
        tip, base, label = (x, cy + 9), (x + ARROW, cy + 11), (x + LOOP + 2, cy)
    else:
        y = cy + box[1] / 2
        d = f"M{_pt((cx + 9, y))} C{_pt((cx + 24, y + LOOP))} {_pt((cx - 24, y + LOOP))} "
        tip, base, label = (cx - 9, y), (cx - 11, y + ARROW), (cx, y + LOOP + 10)
    return Curve(d + _pt(base), tip, base, (label,))


def arrow_points(tip: Point, base: Point, stroke: float) -> str:
    """SVG ``points`` of a triangle from ``base`` to ``tip``, wider for thicker edges."""
    dx, dy = tip[0] - base[0], tip[1] - base[1]
    length = (dx * dx + dy * dy) ** 0.5 or 1.0
    half = (2.5 + stroke) / length
    left = (base[0] - dy * half, base[1] + dx * half)
    right = (base[0] + dy * half, base[1] - dx * half)
    return " ".join(_pt(p) for p in (tip, left, right))


def place_labels(
    candidates: Sequence[tuple[tuple[Point, ...], float, float]], obstacles: Sequence[Box]
) -> list[Box]:
    """Pick for each label (spots, width, height) the first spot that overlaps nothing.

    Labels are placed in the order given (most frequent edge first), each avoiding the
    boxes and the labels already placed; when every spot collides the least covered wins.
    """
    placed: list[Box] = []
    for spots, width, height in candidates:
        best, best_cost = Box(*spots[0], width, height), float("inf")
        for spot in spots:
            box = Box(*spot, width, height)
            cost = sum(box.overlap(o) for o in obstacles) + sum(box.overlap(p) for p in placed)
            if cost < best_cost:
                best, best_cost = box, cost
            if cost == 0:
                break
        placed.append(best)
    return placed


def _controls(a: Point, b: Point, axis: int) -> tuple[Point, Point]:
    if axis:
        mid = (a[1] + b[1]) / 2
        return (a[0], mid), (b[0], mid)
    mid = (a[0] + b[0]) / 2
    return (mid, a[1]), (mid, b[1])


def _bezier(a: Point, b: Point, axis: int, t: float) -> Point:
    c1, c2 = _controls(a, b, axis)
    u = 1 - t
    weights = (u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t)
    return (
        sum(w * p[0] for w, p in zip(weights, (a, c1, c2, b), strict=True)),
        sum(w * p[1] for w, p in zip(weights, (a, c1, c2, b), strict=True)),
    )


def _pt(point: Point) -> str:
    return f"{point[0]:.1f},{point[1]:.1f}"
