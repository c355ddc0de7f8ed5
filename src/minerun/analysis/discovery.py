"""Control-flow discovery: activities, directly-follows graph, start/end activities, variants.

Every function takes a canonical log frame (see :mod:`minerun.analysis.columns`). Events
of a case are ordered by (timestamp, event_index), so equal timestamps keep file order.
Durations are in seconds (float, microsecond precision). The definitions are written out
for analysts in ``docs/analysis/discovery.md``.

An interval log (activity instances with a start and an end, see
:mod:`minerun.analysis.event_selection`) is read as pm4py reads one: with ``intervals=True``
the events of a case are ordered by (start, end, event_index), and the time of a
directly-follows edge is the wait from the source's end to the target's start, floored at 0
(an instance that starts before the previous one ends did not wait).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import polars as pl

from minerun.analysis.columns import ACTIVITY, CASE, EVENT_INDEX, START_TIMESTAMP, TIMESTAMP

__all__ = [
    "COMPLEXITY_LEVELS",
    "ActivityStats",
    "Complexity",
    "DfgEdge",
    "Discovery",
    "Variant",
    "activity_stats",
    "case_durations",
    "complexity",
    "directly_follows",
    "discover",
    "duration_seconds",
    "end_activities",
    "start_activities",
    "variants",
]

COMPLEXITY_LEVELS: Final = ((1.5, "Low"), (2.5, "Medium"), (4.0, "Medium-High"))
"""Upper bounds (exclusive) of the arcs-per-activity score for each label; above: High."""


@dataclass(frozen=True)
class ActivityStats:
    """How often an activity occurs: events in total and cases containing it."""

    activity: str
    events: int
    cases: int


@dataclass(frozen=True)
class DfgEdge:
    """A directly-follows relation: ``target`` happens right after ``source`` in a case.

    The times are the seconds between the two events' timestamps, over all occurrences.
    """

    source: str
    target: str
    count: int
    mean_seconds: float
    median_seconds: float
    min_seconds: float
    max_seconds: float
    total_seconds: float


@dataclass(frozen=True)
class Variant:
    """A distinct activity sequence, the cases following it and their durations."""

    activities: tuple[str, ...]
    cases: int
    share: float
    mean_duration_seconds: float
    median_duration_seconds: float


@dataclass(frozen=True)
class Complexity:
    """Arcs per activity of the DFG (coefficient of network connectivity) and its label."""

    score: float
    label: str


@dataclass(frozen=True)
class Discovery:
    """Everything :func:`discover` computes on one log.

    ``variants`` is sorted by number of cases (most frequent first), then sequence;
    ``unique_paths`` is the number of variants followed by exactly one case;
    ``transitions`` the number of distinct DFG edges.
    """

    cases: int
    events: int
    activities: tuple[ActivityStats, ...]
    edges: tuple[DfgEdge, ...]
    start_activities: dict[str, int]
    end_activities: dict[str, int]
    variants: tuple[Variant, ...]
    variant_count: int
    unique_paths: int
    transitions: int
    complexity: Complexity


def discover(frame: pl.DataFrame, *, intervals: bool = False) -> Discovery:
    """Compute the activities, DFG, start/end activities, variants and complexity of a log.

    ``intervals``: the log holds activity instances (a ``start_timestamp`` column), read as
    described in the module.
    """
    interval = intervals and START_TIMESTAMP in frame.columns
    ordered = _ordered(frame, intervals=interval)
    activities = _activity_stats(ordered)
    edges = _directly_follows(ordered, intervals=interval)
    found = _variants(ordered)
    return Discovery(
        cases=ordered[CASE].n_unique(),
        events=ordered.height,
        activities=activities,
        edges=edges,
        start_activities=_boundary_activities(ordered, first=True),
        end_activities=_boundary_activities(ordered, first=False),
        variants=found,
        variant_count=len(found),
        unique_paths=sum(1 for variant in found if variant.cases == 1),
        transitions=len(edges),
        complexity=complexity(len(activities), len(edges)),
    )


def activity_stats(frame: pl.DataFrame) -> tuple[ActivityStats, ...]:
    """Each activity with its number of events and of cases, most frequent first."""
    return _activity_stats(frame)


def directly_follows(frame: pl.DataFrame, *, intervals: bool = False) -> tuple[DfgEdge, ...]:
    """The directly-follows graph with frequency and time per edge, most frequent first."""
    interval = intervals and START_TIMESTAMP in frame.columns
    return _directly_follows(_ordered(frame, intervals=interval), intervals=interval)


def start_activities(frame: pl.DataFrame) -> dict[str, int]:
    """First activity of each case -> number of cases starting with it."""
    return _boundary_activities(_ordered(frame), first=True)


def end_activities(frame: pl.DataFrame) -> dict[str, int]:
    """Last activity of each case -> number of cases ending with it."""
    return _boundary_activities(_ordered(frame), first=False)


def variants(frame: pl.DataFrame) -> tuple[Variant, ...]:
    """The variants, most frequent first (ties by activity sequence)."""
    return _variants(_ordered(frame))


def case_durations(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per case: ``case_id``, ``start``, ``end``, ``duration_seconds``.

    ``end`` is the last completion timestamp; ``start`` the first timestamp, or the
    earliest start timestamp when the log has them and it is earlier.
    """
    begin = pl.col(TIMESTAMP).min()
    if START_TIMESTAMP in frame.columns:
        begin = pl.min_horizontal(pl.col(START_TIMESTAMP).min(), begin)
    return (
        frame.group_by(CASE)
        .agg(begin.alias("start"), pl.col(TIMESTAMP).max().alias("end"))
        .with_columns(duration_seconds(pl.col("end") - pl.col("start")).alias("duration_seconds"))
        .sort(CASE)
    )


def complexity(activities: int, transitions: int) -> Complexity:
    """Arcs per activity of the DFG, labelled with :data:`COMPLEXITY_LEVELS`.

    A purely sequential process scores about 1; every extra alternative, loop or
    reordering adds arcs. An empty log scores 0 (Low).
    """
    score = transitions / activities if activities else 0.0
    label = next((name for bound, name in COMPLEXITY_LEVELS if score < bound), "High")
    return Complexity(round(score, 3), label)


def _ordered(frame: pl.DataFrame, *, intervals: bool = False) -> pl.DataFrame:
    if intervals:
        return frame.sort([CASE, START_TIMESTAMP, TIMESTAMP, EVENT_INDEX])
    return frame.sort([CASE, TIMESTAMP, EVENT_INDEX])


def duration_seconds(duration: pl.Expr) -> pl.Expr:
    """A Duration expression in seconds (Float64): days x 86400 + seconds + microseconds x 1e-6.

    The sum is evaluated in this order, as pm4py does, so both give bit-identical floats.
    """
    micros = duration.dt.total_microseconds()
    whole = micros // 1_000_000
    return whole.cast(pl.Float64) + (micros - whole * 1_000_000).cast(pl.Float64) * 1e-6


def _activity_stats(frame: pl.DataFrame) -> tuple[ActivityStats, ...]:
    table = (
        frame.group_by(ACTIVITY)
        .agg(pl.len().alias("events"), pl.col(CASE).n_unique().alias("cases"))
        .sort(["events", ACTIVITY], descending=[True, False])
    )
    return tuple(ActivityStats(*row) for row in table.iter_rows())


def _pairs(ordered: pl.DataFrame, *, intervals: bool = False) -> pl.DataFrame:
    """Each event with the next event of its case: ``source``, ``target``, ``seconds``."""
    following = pl.col(CASE).shift(-1) == pl.col(CASE)
    begins = pl.col(START_TIMESTAMP if intervals else TIMESTAMP).shift(-1)
    if intervals:
        begins = pl.max_horizontal(begins, pl.col(TIMESTAMP))
    return ordered.select(
        pl.col(CASE),
        pl.col(ACTIVITY).alias("source"),
        pl.col(ACTIVITY).shift(-1).alias("target"),
        duration_seconds(begins - pl.col(TIMESTAMP)).alias("seconds"),
        following.alias("_follows"),
    ).filter(pl.col("_follows"))


def _directly_follows(ordered: pl.DataFrame, *, intervals: bool = False) -> tuple[DfgEdge, ...]:
    seconds = pl.col("seconds")
    table = (
        _pairs(ordered, intervals=intervals)
        .group_by("source", "target")
        .agg(
            pl.len().alias("count"),
            seconds.mean().alias("mean"),
            seconds.median().alias("median"),
            seconds.min().alias("min"),
            seconds.max().alias("max"),
            seconds.sum().alias("total"),
        )
        .sort(["count", "source", "target"], descending=[True, False, False])
    )
    return tuple(DfgEdge(*row) for row in table.iter_rows())


def _boundary_activities(ordered: pl.DataFrame, *, first: bool) -> dict[str, int]:
    pick = pl.col(ACTIVITY).first() if first else pl.col(ACTIVITY).last()
    table = (
        ordered.group_by(CASE)
        .agg(pick)
        .group_by(ACTIVITY)
        .len()
        .sort(["len", ACTIVITY], descending=[True, False])
    )
    return dict(table.iter_rows())


def _variants(ordered: pl.DataFrame) -> tuple[Variant, ...]:
    traces = ordered.group_by(CASE, maintain_order=True).agg(pl.col(ACTIVITY).alias("trace"))
    durations = case_durations(ordered).select(CASE, "duration_seconds")
    cases = max(traces.height, 1)
    table = (
        traces.join(durations, on=CASE)
        .group_by("trace")
        .agg(
            pl.len().alias("cases"),
            pl.col("duration_seconds").mean().alias("mean"),
            pl.col("duration_seconds").median().alias("median"),
        )
        .sort(["cases", "trace"], descending=[True, False])
    )
    return tuple(
        Variant(tuple(trace), count, count / cases, mean, median)
        for trace, count, mean, median in table.iter_rows()
    )
