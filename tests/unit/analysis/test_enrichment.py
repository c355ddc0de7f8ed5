"""Derived case and event attributes, checked on a hand-built log."""

from __future__ import annotations

import polars as pl

from minerun.analysis.columns import CASE, EVENT_INDEX
from minerun.analysis.enrichment import CASE_COLUMNS, enrich
from tests.support.eventframes import events, rows_of

HOUR = 3600.0


def log(**extra: list[object]) -> pl.DataFrame:
    # c1 starts on Friday 2024-03-01 at 08:00 UTC; c2 on Sunday 2024-03-03 at 23:00 UTC.
    return events(
        [("c1", "a", 0), ("c1", "b", 2), ("c1", "a", 5), ("c2", "x", 63), ("c1", "c", 5)],
        **extra,
    )


def test_case_attributes() -> None:
    result = enrich(log())
    table = result.frame.unique(CASE).sort(CASE)
    assert rows_of(table, CASE, *CASE_COLUMNS) == [
        ("c1", 5 * HOUR, 4, 1, 5, 8),
        ("c2", 0.0, 1, 0, 7, 23),
    ]
    assert result.columns_added == (*CASE_COLUMNS, "waiting_seconds")
    assert result.columns_replaced == ()


def test_waiting_time_without_start_timestamps_is_the_gap_to_the_previous_event() -> None:
    frame = enrich(log()).frame
    assert rows_of(frame, EVENT_INDEX, "waiting_seconds") == [
        (0, None),
        (1, 2 * HOUR),
        (2, 3 * HOUR),
        (4, 0.0),
        (3, None),
    ]
    assert "processing_seconds" not in frame.columns


def test_with_start_timestamps_waiting_and_processing_are_separated() -> None:
    result = enrich(log(start_timestamp=[-1, 1, 1.5, None, 6]))
    frame = result.frame
    # b starts 1 h after a ends; the second a started (1.5) before b ended (2): no wait;
    # c ended at 5 but started at 6: its start is kept as given, so processing is negative
    # only if the data says so; fix_timestamps clears such starts.
    assert rows_of(frame, EVENT_INDEX, "waiting_seconds", "processing_seconds") == [
        (0, None, 1 * HOUR),
        (1, 1 * HOUR, 1 * HOUR),
        (2, 0.0, 3.5 * HOUR),
        (4, 1 * HOUR, -1 * HOUR),
        (3, None, None),
    ]
    # The case starts at its earliest start timestamp.
    c1 = frame.filter(pl.col(CASE) == "c1").row(0, named=True)
    assert c1["case_duration_seconds"] == 6 * HOUR
    assert "processing_seconds" in result.columns_added


def test_a_second_enrichment_replaces_the_columns() -> None:
    once = enrich(log()).frame
    twice = enrich(once)
    assert twice.columns_added == () and twice.columns_replaced == (
        *CASE_COLUMNS,
        "waiting_seconds",
    )
    assert twice.frame.equals(once)


def test_lifecycle_pairs_are_not_rework() -> None:
    frame = events(
        [("c1", "a", 0), ("c1", "a", 1), ("c1", "a", 2)],
        lifecycle=["start", "complete", "complete"],
    )
    assert enrich(frame).frame["case_rework_count"].to_list() == [1, 1, 1]
