"""Activities, DFG with times, start/end activities, variants and complexity on small logs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from minerun.analysis.columns import (
    ACTIVITY,
    CASE,
    EVENT_INDEX,
    START_TIMESTAMP,
    TIMESTAMP,
)
from minerun.analysis.discovery import (
    ActivityStats,
    Complexity,
    DfgEdge,
    Variant,
    case_durations,
    complexity,
    directly_follows,
    discover,
    duration_seconds,
    end_activities,
    start_activities,
    variants,
)

T0 = datetime(2024, 3, 1, tzinfo=UTC)
HOUR = 3600.0


def log(events: Sequence[tuple[str, str, float]]) -> pl.DataFrame:
    """A canonical frame from (case, activity, hours after T0), event_index in list order."""
    return pl.DataFrame(
        {
            CASE: [case for case, _, _ in events],
            ACTIVITY: [activity for _, activity, _ in events],
            TIMESTAMP: [T0 + timedelta(hours=hours) for _, _, hours in events],
            EVENT_INDEX: list(range(len(events))),
        },
        schema_overrides={EVENT_INDEX: pl.UInt32, TIMESTAMP: pl.Datetime("us", "UTC")},
    )


SAMPLE = [
    ("c1", "a", 0),
    ("c1", "b", 1),
    ("c1", "c", 3),
    ("c2", "a", 0),
    ("c2", "b", 2),
    ("c2", "c", 6),
    ("c3", "a", 0),
    ("c3", "c", 1),
]


def test_discover_on_a_known_log() -> None:
    found = discover(log(SAMPLE).sample(fraction=1.0, shuffle=True, seed=7))
    assert (found.cases, found.events) == (3, 8)
    assert found.activities == (
        ActivityStats("a", 3, 3),
        ActivityStats("c", 3, 3),
        ActivityStats("b", 2, 2),
    )
    assert found.edges == (
        DfgEdge("a", "b", 2, 1.5 * HOUR, 1.5 * HOUR, HOUR, 2 * HOUR, 3 * HOUR),
        DfgEdge("b", "c", 2, 3 * HOUR, 3 * HOUR, 2 * HOUR, 4 * HOUR, 6 * HOUR),
        DfgEdge("a", "c", 1, HOUR, HOUR, HOUR, HOUR, HOUR),
    )
    assert found.start_activities == {"a": 3}
    assert found.end_activities == {"c": 3}
    assert found.variants == (
        Variant(("a", "b", "c"), 2, 2 / 3, 4.5 * HOUR, 4.5 * HOUR),
        Variant(("a", "c"), 1, 1 / 3, HOUR, HOUR),
    )
    assert (found.variant_count, found.unique_paths, found.transitions) == (2, 1, 3)
    assert found.complexity == Complexity(1.0, "Low")


def test_public_pieces_agree_with_discover() -> None:
    frame = log(SAMPLE)
    found = discover(frame)
    assert directly_follows(frame) == found.edges
    assert start_activities(frame) == found.start_activities
    assert end_activities(frame) == found.end_activities
    assert variants(frame) == found.variants


def test_equal_timestamps_follow_file_order() -> None:
    frame = log([("c", "second", 0), ("c", "first", 0)]).with_columns(
        pl.Series(EVENT_INDEX, [1, 0], dtype=pl.UInt32)
    )
    assert variants(frame)[0].activities == ("first", "second")
    assert [(e.source, e.target, e.mean_seconds) for e in directly_follows(frame)] == [
        ("first", "second", 0.0)
    ]


def test_self_loops_and_repeated_start_end_counts() -> None:
    frame = log([("x", "a", 0), ("x", "a", 1), ("y", "b", 0), ("y", "a", 2)])
    assert {(e.source, e.target): e.count for e in directly_follows(frame)} == {
        ("a", "a"): 1,
        ("b", "a"): 1,
    }
    assert start_activities(frame) == {"a": 1, "b": 1}
    assert end_activities(frame) == {"a": 2}


def test_case_durations_use_start_timestamps_when_earlier() -> None:
    frame = log([("x", "a", 1), ("x", "b", 5), ("y", "a", 2)]).with_columns(
        pl.Series(START_TIMESTAMP, [T0, None, None], dtype=pl.Datetime("us", "UTC"))
    )
    table = case_durations(frame)
    assert table[CASE].to_list() == ["x", "y"]
    assert table["duration_seconds"].to_list() == [5 * HOUR, 0.0]
    assert table["start"][0] == T0


@pytest.mark.parametrize(
    ("activities", "transitions", "label"),
    [(0, 0, "Low"), (4, 5, "Low"), (4, 6, "Medium"), (2, 5, "Medium-High"), (1, 4, "High")],
)
def test_complexity_labels_follow_the_thresholds(
    activities: int, transitions: int, label: str
) -> None:
    assert complexity(activities, transitions).label == label


def test_empty_log() -> None:
    found = discover(log([]))
    assert (found.cases, found.events, found.variant_count, found.unique_paths) == (0, 0, 0, 0)
    assert found.edges == () and found.start_activities == {}
    assert found.complexity.label == "Low"


def test_duration_seconds_keeps_microseconds() -> None:
    frame = pl.DataFrame({"d": [timedelta(days=2, seconds=5, microseconds=123456)]})
    assert frame.select(duration_seconds(pl.col("d"))).item() == 172805.123456
