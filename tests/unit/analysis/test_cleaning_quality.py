"""remove_duplicates, fix_timestamps and validate_activities on hand-built logs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from minerun.analysis.cleaning import RuleChange, apply_rules, parse_rules
from minerun.analysis.columns import ACTIVITY, CASE, EVENT_INDEX, START_TIMESTAMP, TIMESTAMP
from minerun.analysis.errors import CleaningRuleError
from minerun.analysis.eventlog import CsvMapping, read_any
from minerun.analysis.validation import validate
from tests.support.eventframes import UTC_US, at, events, rows_of

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def run(frame: pl.DataFrame, rule: Any) -> tuple[pl.DataFrame, RuleChange]:
    result = apply_rules(frame, parse_rules([rule]), now=NOW)
    return result.frame, result.changes[0]


# remove_duplicates


def test_duplicates_are_rows_equal_in_every_attribute_and_the_first_is_kept() -> None:
    log = events(
        [
            ("c1", "a", 0),
            ("c1", "a", 0),  # repeats row 1
            ("c1", "a", 0),  # other resource: kept
            ("c1", "b", 1),
            ("c2", "a", 0),  # other case: kept
            ("c1", "b", 1),  # repeats row 4
        ],
        resource=["ann", "ann", "bob", None, "ann", None],
    )
    frame, change = run(log, "remove_duplicates")
    assert sorted(frame[EVENT_INDEX].to_list()) == [0, 2, 3, 4]
    report = change.to_json()
    assert report["rowsRemoved"] == 2 and report["casesRemoved"] == 0
    assert report["counts"] == {"duplicates": 2}
    assert [(e["row"], e["repeatsRow"]) for e in report["examples"]] == [(2, 1), (6, 4)]


def test_duplicates_on_given_keys_accept_xes_names() -> None:
    log = events([("c1", "a", 0), ("c1", "a", 1), ("c1", "b", 2), ("c2", "a", 3)])
    by_keys, _ = run(log, {"rule": "remove_duplicates", "keys": ["case_id", "activity"]})
    by_xes, _ = run(
        log, {"rule": "remove_duplicates", "keys": ["case:concept:name", "concept:name"]}
    )
    assert rows_of(by_keys, EVENT_INDEX) == rows_of(by_xes, EVENT_INDEX) == [(0,), (2,), (3,)]


def test_duplicates_keep_the_earliest_source_row_whatever_the_frame_order() -> None:
    log = events([("c1", "a", 0), ("c1", "a", 0)], resource=["x", "x"]).reverse()
    frame, change = run(log, "remove_duplicates")
    assert frame[EVENT_INDEX].to_list() == [0]
    assert change.examples[0]["row"] == 2


def test_rows_sharing_a_source_position_are_still_duplicates() -> None:
    log = events([("c1", "a", 0)])
    frame, change = run(pl.concat([log, log]), "remove_duplicates")
    assert frame.height == 1 and change.counts["duplicates"] == 1


def test_duplicate_keys_must_be_columns_of_the_log() -> None:
    log = events([("c1", "a", 0)])
    with pytest.raises(CleaningRuleError) as caught:
        run(log, {"rule": "remove_duplicates", "keys": ["case_id", "colour"]})
    assert caught.value.field == "parameters.cleaningRules[0].keys"
    assert "colour" in caught.value.message


# fix_timestamps


def test_time_zones_are_normalised_to_utc() -> None:
    log = events([("c1", "a", 0), ("c1", "b", 1)]).with_columns(
        pl.col(TIMESTAMP).dt.replace_time_zone(None).dt.replace_time_zone("Europe/Amsterdam")
    )
    frame, change = run(log, "fix_timestamps")
    assert frame.schema[TIMESTAMP] == UTC_US
    # 08:00 in Amsterdam (winter, UTC+1) is 07:00 UTC.
    assert frame[TIMESTAMP].to_list() == [at(-1), at(0)]
    assert change.counts["timeZoneConverted"] == 2
    assert change.values_fixed[TIMESTAMP] == 2


def test_naive_and_millisecond_timestamps_are_taken_as_utc() -> None:
    log = events([("c1", "a", 0)]).with_columns(
        pl.col(TIMESTAMP).dt.replace_time_zone(None).cast(pl.Datetime("ms"))
    )
    frame, change = run(log, "fix_timestamps")
    assert frame.schema[TIMESTAMP] == UTC_US and frame[TIMESTAMP].to_list() == [at(0)]
    assert change.counts["timeZoneConverted"] == 0


def test_missing_timestamps_are_dropped_or_taken_from_the_start() -> None:
    log = events(
        [("c1", "a", 0), ("c1", "b", None), ("c2", "a", None)], start_timestamp=[None, 0.5, None]
    )
    dropped, change = run(log, "fix_timestamps")
    assert dropped[EVENT_INDEX].to_list() == [0]
    assert change.counts["missingDropped"] == 2
    assert change.to_json()["casesRemoved"] == 1
    filled, change = run(log, {"rule": "fix_timestamps", "missing": "use_start"})
    assert rows_of(filled, EVENT_INDEX, TIMESTAMP) == [(0, at(0)), (1, at(0.5))]
    assert change.counts["missingFilledFromStart"] == 1
    assert change.counts["missingDropped"] == 1


def test_impossible_dates_are_dropped_by_default_or_flagged() -> None:
    log = events([("c1", "a", 0), ("c1", "b", 1), ("c1", "c", 2)]).with_columns(
        pl.Series(
            TIMESTAMP,
            [datetime(1900, 1, 1, tzinfo=UTC), at(1), datetime(2999, 1, 1, tzinfo=UTC)],
            dtype=UTC_US,
        )
    )
    dropped, change = run(log, "fix_timestamps")
    assert dropped[EVENT_INDEX].to_list() == [1]
    assert change.counts["outOfRangeDropped"] == 2
    assert [e["row"] for e in change.examples] == [1, 3]
    flagged, change = run(log, {"rule": "fix_timestamps", "outOfRange": "flag"})
    assert flagged.sort(EVENT_INDEX)["timestamp_out_of_range"].to_list() == [True, False, True]
    assert change.columns_added == ("timestamp_out_of_range",)
    assert change.counts["outOfRangeFlagged"] == 2


def test_the_sane_range_is_an_option_and_ends_on_whole_days() -> None:
    log = events([("c1", "a", -24), ("c1", "b", 0), ("c1", "c", 15.99)])
    rule = {"rule": "fix_timestamps", "minDate": "2024-03-01", "maxDate": "2024-03-01"}
    frame, _ = run(log, rule)
    assert frame[EVENT_INDEX].to_list() == [1, 2]  # 23:59 on the last day is inside
    later = events([("c1", "a", 0)]).with_columns(pl.lit(NOW, dtype=UTC_US).alias(TIMESTAMP))
    frame, _ = run(later.with_columns(pl.col(TIMESTAMP).dt.offset_by("1s")), "fix_timestamps")
    assert frame.height == 0  # the default upper limit is the moment the rules run


def test_start_timestamps_after_the_end_or_out_of_range_are_cleared() -> None:
    log = events(
        [("c1", "a", 1), ("c1", "b", 2), ("c1", "c", 3)], start_timestamp=[0, 2.5, None]
    ).with_columns(
        pl.when(pl.col(EVENT_INDEX) == 2)
        .then(pl.lit(datetime(1900, 1, 1, tzinfo=UTC), dtype=UTC_US))
        .otherwise(pl.col(START_TIMESTAMP))
        .alias(START_TIMESTAMP)
    )
    frame, change = run(log, "fix_timestamps")
    assert frame[START_TIMESTAMP].to_list() == [at(0), None, None]
    assert change.counts["startTimestampsCleared"] == 2
    assert change.values_fixed[START_TIMESTAMP] == 2


def test_events_of_a_case_are_ordered_by_time_then_source_position() -> None:
    log = events([("c1", "late", 5), ("c2", "x", 0), ("c1", "early", 1), ("c1", "tie", 5)])
    frame, change = run(log, "fix_timestamps")
    assert rows_of(frame, CASE, ACTIVITY) == [
        ("c1", "early"),
        ("c1", "late"),
        ("c1", "tie"),
        ("c2", "x"),
    ]
    # "early" moved from third to first of c1, "late" from first to second, "tie" stayed.
    assert change.counts["eventsReordered"] == 2


def test_text_timestamps_are_refused_with_the_rule_named() -> None:
    log = events([("c1", "a", 0)]).with_columns(pl.lit("yesterday").alias(TIMESTAMP))
    with pytest.raises(CleaningRuleError) as caught:
        run(log, "fix_timestamps")
    assert caught.value.field == "parameters.cleaningRules[0]"


# validate_activities

NAMES = [
    " Approve  order",
    "Approve order",
    "Approve\u00a0order\t",
    "",
    "   ",
    None,
    "approve ORDER",
    "Cafe\u0301",
    "Café",
]


def names_log() -> pl.DataFrame:
    return events([(f"c{i}", name, i) for i, name in enumerate(NAMES)])


def test_activity_names_are_normalised_and_blank_ones_dropped() -> None:
    frame, change = run(names_log(), "validate_activities")
    assert frame.sort(EVENT_INDEX)[ACTIVITY].to_list() == [
        "Approve order",
        "Approve order",
        "Approve order",
        "approve ORDER",
        "Café",
        "Café",
    ]
    assert change.counts == {"blankDropped": 3, "notAllowedDropped": 0}
    assert change.values_fixed == {ACTIVITY: 3}
    assert {"from": " Approve  order", "to": "Approve order", "events": 1} in (change.examples)
    assert change.to_json()["casesRemoved"] == 3


def test_case_variants_take_the_most_frequent_spelling() -> None:
    frame, change = run(names_log(), {"rule": "validate_activities", "caseInsensitive": True})
    assert frame[ACTIVITY].value_counts().sort(ACTIVITY).rows() == [
        ("Approve order", 4),
        ("Café", 2),
    ]
    assert change.values_fixed == {ACTIVITY: 4}


def test_an_allowed_list_drops_other_activities() -> None:
    rule = {"rule": "validate_activities", "allowed": ["Approve  order"]}
    frame, change = run(names_log(), rule)
    assert set(frame[ACTIVITY]) == {"Approve order"} and frame.height == 3
    assert change.counts["notAllowedDropped"] == 3
    rule["caseInsensitive"] = True
    frame, _ = run(names_log(), rule)
    assert frame.height == 4


def test_default_duplicates_are_the_repeats_the_upload_reports(shared_data: Path) -> None:
    path = shared_data / "sepsis.csv"
    if not path.is_file():
        pytest.skip(f"shared log {path} is absent")
    mapping = CsvMapping("Case ID", "Activity", "Complete Timestamp", delimiter=";")
    report = validate(read_any(path, mapping))
    _, change = run(report.frame, "remove_duplicates")
    assert change.counts["duplicates"] == report.issue_counts["duplicate_event"] > 0
