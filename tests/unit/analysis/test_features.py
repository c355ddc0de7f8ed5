"""Case and prefix features built from small hand-made logs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

import polars as pl

from minerun.analysis.columns import ACTIVITY, CASE, EVENT_INDEX, START_TIMESTAMP, TIMESTAMP
from minerun.analysis.features import (
    END_OF_CASE,
    OTHER_ACTIVITY,
    activity_vocabulary,
    case_features,
    prefix_feature_names,
    prefix_features,
    transition_table,
    transitions,
)

MONDAY = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)


def log(traces: Mapping[str, Sequence[tuple[str, float]]]) -> pl.DataFrame:
    """Canonical log from ``{case: [(activity, hours after MONDAY), ...]}``."""
    rows = [
        (case, activity, MONDAY + timedelta(hours=hours))
        for case, events in traces.items()
        for activity, hours in events
    ]
    frame = pl.DataFrame(
        rows,
        schema={CASE: pl.String, ACTIVITY: pl.String, TIMESTAMP: pl.Datetime("us", "UTC")},
        orient="row",
    )
    return frame.with_columns(pl.int_range(pl.len(), dtype=pl.UInt32).alias(EVENT_INDEX)).sort(
        CASE, TIMESTAMP, EVENT_INDEX
    )


def test_case_features_measure_size_time_and_rework() -> None:
    frame = log({"c1": [("a", 0), ("b", 1), ("a", 4)], "c2": [("a", 26)]})
    features = case_features(frame).rows_by_key(CASE, named=True, unique=True)
    first = features["c1"]
    assert first["event_count"] == 3
    assert first["distinct_activities"] == 2
    assert first["duration_s"] == 4 * 3600
    assert first["mean_gap_s"] == 2 * 3600
    assert first["max_gap_s"] == 3 * 3600
    assert first["rework_count"] == 1
    assert (first["start_weekday"], first["start_hour"]) == (1, 9)
    single = features["c2"]
    assert (single["duration_s"], single["mean_gap_s"], single["rare_transition_share"]) == (
        0,
        0,
        0,
    )
    assert (single["start_weekday"], single["start_hour"]) == (2, 11)


def test_rare_transition_share_counts_edges_seen_in_under_one_percent_of_cases() -> None:
    traces = {f"c{i:03d}": [("a", i), ("b", i + 1), ("c", i + 2)] for i in range(150)}
    traces["odd"] = [("a", 0), ("c", 1), ("b", 2)]
    steps = transitions(log(traces))
    table = transition_table(steps, case_count=151)
    rare = table.filter(pl.col("rare")).select("source", "target").rows()
    assert rare == [("a", "c"), ("c", "b")]
    odd = case_features(log(traces), steps).filter(pl.col(CASE) == "odd").row(0, named=True)
    assert odd["rare_transition_count"] == 2
    assert odd["rare_transition_share"] == 1.0


def test_start_timestamp_extends_the_duration() -> None:
    frame = log({"c1": [("a", 2), ("b", 3)]}).with_columns(
        (pl.col(TIMESTAMP) - timedelta(hours=2)).alias(START_TIMESTAMP)
    )
    assert case_features(frame).get_column("duration_s").to_list() == [3 * 3600]


def test_prefix_features_give_targets_and_history() -> None:
    frame = log({"c1": [("a", 0), ("b", 1), ("a", 3), ("z", 7)]})
    vocabulary = ("a", "b")
    rows = prefix_features(frame, vocabulary)
    assert rows.columns[2:-2] == list(prefix_feature_names(vocabulary))
    assert rows.get_column("remaining_s").to_list() == [7 * 3600, 6 * 3600, 4 * 3600, 0]
    assert rows.get_column("next_activity").to_list() == ["b", "a", "z", END_OF_CASE]
    assert rows.get_column("count=a").to_list() == [1, 1, 2, 2]
    assert rows.get_column(f"last={OTHER_ACTIVITY}").to_list() == [0, 0, 0, 1]
    assert rows.get_column("previous=b").to_list() == [0, 0, 1, 0]
    assert rows.get_column("distinct_so_far").to_list() == [1, 2, 2, 3]
    assert rows.get_column("elapsed_s").to_list() == [0, 3600, 3 * 3600, 7 * 3600]


def test_vocabulary_is_most_frequent_first_with_ties_by_name() -> None:
    frame = log({"c1": [("b", 0), ("a", 1), ("c", 2), ("c", 3)]})
    assert activity_vocabulary(frame) == ("c", "a", "b")
    assert activity_vocabulary(frame, limit=2) == ("c", "a")


def test_case_features_are_deterministic() -> None:
    traces = {f"c{i}": [("a", i), ("b", i + 0.5 * (i % 3)), ("a", i + 2)] for i in range(30)}
    assert case_features(log(traces)).equals(case_features(log(traces)))
