"""Cycle times, waiting/processing times, bottlenecks, rework, loops and efficiency."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from minerun.analysis.columns import ACTIVITY, CASE, EVENT_INDEX, START_TIMESTAMP, TIMESTAMP
from minerun.analysis.eventlog import LIFECYCLE
from minerun.analysis.performance import (
    ReworkActivity,
    SelfLoop,
    ShortLoop,
    analyze_performance,
    cycle_times,
)

T0 = datetime(2024, 3, 1, tzinfo=UTC)
HOUR = 3600.0


def at(hours: float | None) -> datetime | None:
    return None if hours is None else T0 + timedelta(hours=hours)


def log(
    events: Sequence[tuple[str, str, float]], starts: Sequence[float | None] | None = None
) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            CASE: [case for case, _, _ in events],
            ACTIVITY: [activity for _, activity, _ in events],
            TIMESTAMP: [at(hours) for _, _, hours in events],
            EVENT_INDEX: list(range(len(events))),
        },
        schema_overrides={EVENT_INDEX: pl.UInt32, TIMESTAMP: pl.Datetime("us", "UTC")},
    )
    if starts is None:
        return frame
    return frame.with_columns(
        pl.Series(START_TIMESTAMP, [at(h) for h in starts], dtype=pl.Datetime("us", "UTC"))
    )


SAMPLE = [
    ("c1", "a", 0),
    ("c1", "b", 1),
    ("c1", "c", 3),
    ("c1", "b", 4),
    ("c2", "a", 0),
    ("c2", "c", 2),
    ("c3", "a", 0),
    ("c3", "a", 1),
]


def test_cycle_times() -> None:
    times = cycle_times(log(SAMPLE))
    assert times.cases == 3
    assert [(c.case_id, c.duration_seconds) for c in times.per_case] == [
        ("c1", 4 * HOUR),
        ("c2", 2 * HOUR),
        ("c3", HOUR),
    ]
    assert times.mean_seconds == pytest.approx(7 / 3 * HOUR)
    assert times.median_seconds == 2 * HOUR
    assert times.p90_seconds == pytest.approx(3.6 * HOUR)  # linear between 2 h and 4 h
    assert (times.min_seconds, times.max_seconds) == (HOUR, 4 * HOUR)
    assert times.per_case[0].start == T0 and times.per_case[0].end == at(4)


def test_waiting_time_without_start_timestamps_is_time_since_previous_event() -> None:
    result = analyze_performance(log(SAMPLE))
    timing = {t.activity: t for t in result.activities}
    assert not result.has_start_timestamps
    assert (timing["b"].events, timing["b"].waiting_events) == (2, 2)
    assert timing["b"].waiting_mean_seconds == HOUR
    assert timing["b"].waiting_total_seconds == 2 * HOUR
    assert timing["c"].waiting_median_seconds == 2 * HOUR
    assert timing["a"].waiting_events == 1  # only c3's second "a" follows an event
    assert timing["a"].processing_mean_seconds is None
    assert timing["a"].processing_total_seconds is None
    assert [t.activity for t in result.bottlenecks] == ["c", "b", "a"]


def test_bottleneck_limit() -> None:
    assert [
        t.activity for t in analyze_performance(log(SAMPLE), bottleneck_limit=1).bottlenecks
    ] == ["c"]


def test_rework_and_loops() -> None:
    result = analyze_performance(log(SAMPLE))
    rework = result.rework
    assert (rework.cases_with_rework, rework.repetitions) == (2, 2)
    assert rework.case_share == pytest.approx(2 / 3)
    assert rework.activities == (
        ReworkActivity("a", 1, 1, pytest.approx(1 / 3)),  # type: ignore[arg-type]
        ReworkActivity("b", 1, 1, pytest.approx(1 / 3)),  # type: ignore[arg-type]
    )
    assert result.self_loops == (SelfLoop("a", 1, 1),)
    assert result.short_loops == (ShortLoop("b", "c", 1, 1),)


def test_efficiency_without_start_timestamps_is_first_time_right() -> None:
    efficiency = analyze_performance(log(SAMPLE)).efficiency
    assert efficiency.basis == "first_time_right"
    assert efficiency.value == pytest.approx(75.0)  # 2 of 8 events are repetitions
    assert efficiency.flow_efficiency is None


def test_with_start_timestamps_waiting_processing_and_flow_efficiency() -> None:
    frame = log([("x", "a", 1), ("x", "b", 4), ("x", "c", 5)], starts=[0, 3, 3.5])
    result = analyze_performance(frame)
    timing = {t.activity: t for t in result.activities}
    assert result.has_start_timestamps
    assert timing["b"].waiting_mean_seconds == 2 * HOUR  # start 3 h - previous end 1 h
    assert timing["c"].waiting_mean_seconds == 0.0  # started before b ended: no wait
    assert timing["c"].processing_mean_seconds == 1.5 * HOUR
    assert timing["a"].processing_total_seconds == HOUR
    assert result.cycle_times.per_case[0].duration_seconds == 5 * HOUR
    efficiency = result.efficiency
    assert efficiency.basis == "flow"
    assert efficiency.value == pytest.approx(70.0)  # 3.5 h of work in 5 h
    assert efficiency.first_time_right == 100.0


def test_lifecycle_transitions_are_not_rework_or_loops() -> None:
    steps = [("k", "W", 0), ("k", "W", 1), ("k", "W", 2), ("k", "W", 3)]
    frame = log(steps).with_columns(
        pl.Series(LIFECYCLE, ["SCHEDULE", "START", "COMPLETE", "COMPLETE"])
    )
    result = analyze_performance(frame)
    assert result.rework.repetitions == 1  # the second COMPLETE only
    assert result.self_loops == (SelfLoop("W", 1, 1),)  # COMPLETE -> COMPLETE


def test_empty_log() -> None:
    result = analyze_performance(log([]))
    assert result.cycle_times.cases == 0 and result.cycle_times.mean_seconds is None
    assert result.bottlenecks == () and result.rework.cases_with_rework == 0
    assert result.efficiency.value is None
