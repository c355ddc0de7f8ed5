"""Frequent and rare patterns and critical paths on generated logs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from minerun.analysis.columns import ACTIVITY, CASE, EVENT_INDEX, TIMESTAMP
from minerun.analysis.patterns import LIST_LIMIT, find_patterns

START = datetime(2024, 5, 6, 8, 0, tzinfo=UTC)


def variant_log(variants: list[tuple[list[str], int, float]]) -> pl.DataFrame:
    """``(activities, number of cases, hours between events)`` per variant."""
    rows = []
    for number, (activities, cases, step) in enumerate(variants):
        for case in range(cases):
            moment = START + timedelta(days=case)
            for activity in activities:
                rows.append((f"v{number}-{case:04d}", activity, moment))
                moment += timedelta(hours=step)
    frame = pl.DataFrame(
        rows,
        schema={CASE: pl.String, ACTIVITY: pl.String, TIMESTAMP: pl.Datetime("us", "UTC")},
        orient="row",
    )
    return frame.with_columns(pl.int_range(pl.len(), dtype=pl.UInt32).alias(EVENT_INDEX)).sort(
        CASE, TIMESTAMP, EVENT_INDEX
    )


MAIN = ["a", "b", "c", "d"]
LOG = [(MAIN, 180, 1.0), (["a", "c", "b", "d"], 19, 1.0), (["a", "x", "d"], 1, 2000.0)]


def test_frequent_patterns_have_support_at_least_ten_percent() -> None:
    report = find_patterns(variant_log(LOG))
    frequent = {p.activities: p for p in report.frequent}
    assert frequent[("a", "b", "c", "d")].case_count == 180
    assert frequent[("a", "b", "c", "d")].support == pytest.approx(0.9)
    assert frequent[("b", "c")].support == pytest.approx(0.9)
    assert ("c", "b") not in frequent  # 19 of 200 cases: 9.5% is neither frequent nor rare
    assert ("c", "b") not in {p.activities for p in report.rare}
    assert all(p.support >= 0.10 for p in report.frequent)
    assert report.frequent_count == len(report.frequent)
    supports = [p.case_count for p in report.frequent]
    assert supports == sorted(supports, reverse=True)


def test_rare_patterns_are_below_one_percent() -> None:
    report = find_patterns(variant_log(LOG))
    rare = {p.activities for p in report.rare}
    assert rare == {("a", "x"), ("x", "d"), ("a", "x", "d")}
    assert all(p.case_count == 1 and p.support == pytest.approx(0.005) for p in report.rare)
    assert report.rare_count == 3


def test_critical_paths_rank_variants_by_total_case_time() -> None:
    report = find_patterns(variant_log(LOG))
    slow, main = report.critical_paths[0], report.critical_paths[1]
    assert slow.activities == ("a", "x", "d")
    assert slow.total_seconds == 4000 * 3600
    assert main.activities == tuple(MAIN)
    assert main.total_seconds == 180 * 3 * 3600
    assert main.mean_seconds == 3 * 3600
    total = (4000 + 180 * 3 + 19 * 3) * 3600
    assert slow.time_share == pytest.approx(4000 * 3600 / total)
    assert sum(p.time_share for p in report.critical_paths) == pytest.approx(1.0)
    assert main.case_share == pytest.approx(0.9)


def test_critical_transitions_rank_edges_by_total_time() -> None:
    report = find_patterns(variant_log(LOG))
    first = report.critical_transitions[0]
    assert (first.source, first.target) == ("a", "x")
    assert first.total_seconds == first.mean_seconds == 2000 * 3600


def test_lists_are_capped_but_counts_are_not() -> None:
    activities = [f"t{i:03d}" for i in range(120)]
    report = find_patterns(variant_log([(MAIN, 150, 1.0), (activities, 1, 1.0)]))
    assert report.rare_count == 119 + 118 + 117
    assert len(report.rare) == LIST_LIMIT


def test_empty_log_and_determinism() -> None:
    frame = variant_log(LOG)
    assert find_patterns(frame) == find_patterns(frame)
    empty = find_patterns(frame.clear())
    assert (empty.case_count, empty.frequent_count, empty.rare_count) == (0, 0, 0)
