"""The filters on hand-built logs with known answers."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from minerun.analysis.cleaning import RuleChange, apply_rules, parse_rules
from minerun.analysis.columns import ACTIVITY, CASE, EVENT_INDEX
from tests.support.eventframes import events

DAY = 24.0


def run(frame: pl.DataFrame, rule: dict[str, Any]) -> tuple[pl.DataFrame, RuleChange]:
    result = apply_rules(frame, parse_rules([rule]))
    return result.frame, result.changes[0]


def cases(frame: pl.DataFrame) -> list[str]:
    return sorted(frame[CASE].unique().to_list())


def spans() -> pl.DataFrame:
    """c1 spans days 0-5, c2 days 3-4, c3 days 6-8, c4 days 9-10 (T0 is 2024-03-01 08:00)."""
    return events(
        [
            ("c1", "a", 0),
            ("c1", "b", 2.5 * DAY),
            ("c1", "c", 5 * DAY),
            ("c2", "a", 3 * DAY),
            ("c2", "b", 4 * DAY),
            ("c3", "a", 6 * DAY),
            ("c3", "b", 8 * DAY),
            ("c4", "a", 9 * DAY),
            ("c4", "b", 10 * DAY),
        ]
    )


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("intersecting", ["c1", "c2", "c3"]),
        ("contained", ["c2"]),
        ("started", ["c2", "c3"]),
        ("completed", ["c1", "c2"]),
    ],
)
def test_time_window_modes_keep_whole_cases(mode: str, expected: list[str]) -> None:
    # From 2024-03-03 (midnight) to the end of 2024-03-07 (day 6 starts 2024-03-07 08:00).
    rule = {"rule": "filter_time_window", "start": "2024-03-03", "end": "2024-03-07", "mode": mode}
    frame, change = run(spans(), rule)
    assert cases(frame) == expected
    kept = spans().filter(pl.col(CASE).is_in(expected))
    assert frame.height == kept.height
    assert change.to_json()["casesRemoved"] == 4 - len(expected)


def test_time_window_trim_keeps_the_events_inside() -> None:
    rule = {
        "rule": "filter_time_window",
        "start": "2024-03-03",
        "end": "2024-03-07",
        "mode": "trim",
    }
    frame, change = run(spans(), rule)
    assert sorted(frame[EVENT_INDEX].to_list()) == [1, 2, 3, 4, 5]
    assert change.to_json()["rowsRemoved"] == 4


def test_time_window_bounds_are_inclusive_and_either_may_be_open() -> None:
    exact = {"rule": "filter_time_window", "start": "2024-03-06T08:00:00Z", "mode": "started"}
    assert cases(run(spans(), exact)[0]) == ["c3", "c4"]  # c1's last event is at this instant
    exact["mode"] = "completed"
    assert cases(run(spans(), exact)[0]) == ["c1", "c3", "c4"]
    until = {"rule": "filter_time_window", "end": "2024-03-05T08:00:00+00:00", "mode": "contained"}
    assert cases(run(spans(), until)[0]) == ["c2"]


def test_a_start_timestamp_opens_the_case_earlier() -> None:
    log = events([("c1", "a", 3 * DAY)], start_timestamp=[1 * DAY])
    rule = {"rule": "filter_time_window", "start": "2024-03-03", "mode": "contained"}
    assert run(log, rule)[0].height == 0


def attribute_log() -> pl.DataFrame:
    return events(
        [("c1", "a", 0), ("c1", "b", 1), ("c2", "a", 0), ("c2", "b", 1), ("c3", "a", 0)],
        resource=["ann", "bob", "bob", "bob", None],
        cost=[10, 20, 10, 30, 10],
    )


def test_attribute_filter_keeps_or_drops_cases_with_a_value() -> None:
    keep = {"rule": "filter_attribute", "attribute": "resource", "values": ["ann"]}
    assert cases(run(attribute_log(), keep)[0]) == ["c1"]
    drop = {**keep, "keep": False}
    assert cases(run(attribute_log(), drop)[0]) == ["c2", "c3"]


def test_attribute_filter_on_events_and_numbers() -> None:
    rule = {"rule": "filter_attribute", "attribute": "cost", "values": [10], "level": "event"}
    frame, change = run(attribute_log(), rule)
    assert sorted(frame[EVENT_INDEX].to_list()) == [0, 2, 4]
    assert change.examples == [{"value": "20", "events": 1}, {"value": "30", "events": 1}]
    rule = {**rule, "attribute": "org:resource", "values": ["bob"], "keep": False}
    # A missing value never matches, so c3's event without resource stays.
    assert sorted(run(attribute_log(), rule)[0][EVENT_INDEX].to_list()) == [0, 4]


def test_activities_are_kept_or_removed() -> None:
    frame, change = run(attribute_log(), {"rule": "filter_activities", "keep": ["a"]})
    assert set(frame[ACTIVITY]) == {"a"} and frame.height == 3
    assert change.examples == [{"activity": "b", "events": 2}]
    frame, _ = run(attribute_log(), {"rule": "filter_activities", "remove": ["a"]})
    assert set(frame[ACTIVITY]) == {"b"} and cases(frame) == ["c1", "c2"]


def sized() -> pl.DataFrame:
    rows = [("c1", "a", 0.0)]
    rows += [("c2", x, float(i)) for i, x in enumerate("ab")]
    rows += [("c3", x, float(i) * 10) for i, x in enumerate("abc")]
    rows += [("c4", x, float(i)) for i, x in enumerate("abcd")]
    return events(rows)


@pytest.mark.parametrize(
    ("bounds", "expected"),
    [
        ({"min": 2}, ["c2", "c3", "c4"]),
        ({"max": 3}, ["c1", "c2", "c3"]),
        ({"min": 2, "max": 3}, ["c2", "c3"]),
        ({"min": 4, "max": 4}, ["c4"]),
    ],
)
def test_case_length_range_is_inclusive(bounds: dict[str, int], expected: list[str]) -> None:
    frame, change = run(sized(), {"rule": "filter_case_length", **bounds})
    assert cases(frame) == expected
    removed = {e["case_id"]: e["events"] for e in change.examples}
    assert set(removed) == {"c1", "c2", "c3", "c4"} - set(expected)


@pytest.mark.parametrize(
    ("bounds", "expected"),
    [
        ({"minSeconds": 3600}, ["c2", "c3", "c4"]),
        ({"maxSeconds": 3 * 3600}, ["c1", "c2", "c4"]),
        ({"minSeconds": 3 * 3600, "maxSeconds": 20 * 3600}, ["c3", "c4"]),
    ],
)
def test_case_duration_range_is_inclusive(bounds: dict[str, float], expected: list[str]) -> None:
    frame, change = run(sized(), {"rule": "filter_case_duration", **bounds})
    assert cases(frame) == expected
    durations = {e["case_id"]: e["durationSeconds"] for e in change.examples}
    assert durations.get("c3") in (None, 20 * 3600.0)


def variants() -> pl.DataFrame:
    """abc x3, ab x2, ac x2, b x1, a x2: ties between ab, ac and a."""
    traces = ["abc"] * 3 + ["ab"] * 2 + ["ac"] * 2 + ["b"] + ["a"] * 2
    rows = [(f"c{n}", x, float(i)) for n, t in enumerate(traces) for i, x in enumerate(t)]
    return events(rows)


def traces(frame: pl.DataFrame) -> dict[str, int]:
    per_case = frame.group_by(CASE, maintain_order=True).agg(pl.col(ACTIVITY).str.join(""))
    return dict(per_case[ACTIVITY].value_counts().iter_rows())


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        ({"k": 1}, {"abc": 3}),
        ({"k": 2}, {"abc": 3, "a": 2}),  # ties by sequence: a < ab < ac
        ({"k": 4}, {"abc": 3, "a": 2, "ab": 2, "ac": 2}),
        ({"coverage": 0.3}, {"abc": 3}),  # 3 of 10 cases cover 30%
        ({"coverage": 0.31}, {"abc": 3, "a": 2}),
        ({"coverage": 1}, {"abc": 3, "a": 2, "ab": 2, "ac": 2, "b": 1}),
    ],
)
def test_top_variants_by_count_or_coverage(
    option: dict[str, Any], expected: dict[str, int]
) -> None:
    frame, change = run(variants(), {"rule": "filter_top_variants", **option})
    assert traces(frame) == expected
    assert change.counts["variantsKept"] == len(expected)
    assert change.counts["variantsRemoved"] == 5 - len(expected)
