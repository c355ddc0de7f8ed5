"""Reading a cleaningRules list, and applying rules in order with progress and cancellation."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from minerun.analysis.cleaning import (
    RULES,
    RuleProgress,
    apply_rules,
    check_rules,
    column_problems,
    parse_rules,
)
from minerun.analysis.columns import CASE, EVENT_INDEX, TIMESTAMP
from minerun.analysis.errors import CleaningRuleError, InvalidCleaningRulesError
from tests.support.eventframes import events

DOC = Path(__file__).resolve().parents[3] / "docs" / "kinds" / "data-enrichment.md"


def test_the_contract_example_is_valid() -> None:
    assert check_rules(["remove_duplicates", "fix_timestamps"]) == []


def test_every_rule_is_valid_with_its_defaults_or_required_options() -> None:
    required = {
        "filter_time_window": {"start": "2024-01-01"},
        "filter_attribute": {"attribute": "resource", "values": ["x"]},
        "filter_activities": {"keep": ["a"]},
        "filter_case_length": {"min": 2},
        "filter_case_duration": {"maxSeconds": 60},
        "filter_top_variants": {"k": 3},
    }
    given = [{"rule": name, **required.get(name, {})} for name in RULES]
    assert [rule.name for rule in parse_rules(given)] == list(RULES)


@pytest.mark.parametrize(
    ("rules", "field", "reason"),
    [
        ("remove_duplicates", "parameters.cleaningRules", "must be a list"),
        (["remove_duplicate"], "parameters.cleaningRules[0]", "unknown rule 'remove_duplicate'"),
        ([{"rule": "fix"}], "parameters.cleaningRules[0].rule", "accepted: remove_duplicates"),
        ([{"keys": ["x"]}], "parameters.cleaningRules[0].rule", "unknown rule None"),
        ([7], "parameters.cleaningRules[0]", "must be a rule name or an object"),
        (
            ["fix_timestamps", {"rule": "remove_duplicates", "kes": ["a"]}],
            "parameters.cleaningRules[1].kes",
            "unknown option; accepted: keys",
        ),
        ([{"rule": "merge_lifecycle", "x": 1}], "parameters.cleaningRules[0].x", "accepted: none"),
        (
            [{"rule": "remove_duplicates", "keys": []}],
            "parameters.cleaningRules[0].keys",
            "non-empty list",
        ),
        (
            [{"rule": "fix_timestamps", "outOfRange": "hide"}],
            "parameters.cleaningRules[0].outOfRange",
            "one of drop, flag",
        ),
        (
            [{"rule": "fix_timestamps", "minDate": "2024-13-01"}],
            "parameters.cleaningRules[0].minDate",
            "ISO 8601",
        ),
        (
            [{"rule": "fix_timestamps", "minDate": "2024-02-01", "maxDate": "2024-01-01"}],
            "parameters.cleaningRules[0].maxDate",
            "later than minDate",
        ),
        (
            [{"rule": "filter_attribute", "values": ["a"]}],
            "parameters.cleaningRules[0].attribute",
            "required",
        ),
        (
            [{"rule": "filter_attribute", "attribute": "r", "values": [True]}],
            "parameters.cleaningRules[0].values",
            "string or a number",
        ),
        (
            [{"rule": "filter_activities", "keep": ["a"], "remove": ["b"]}],
            "parameters.cleaningRules[0].keep",
            "exactly one of keep and remove",
        ),
        ([{"rule": "filter_case_length"}], "parameters.cleaningRules[0].min", "give min"),
        (
            [{"rule": "filter_case_length", "min": 5, "max": 2}],
            "parameters.cleaningRules[0].max",
            "at least min",
        ),
        (
            [{"rule": "filter_case_length", "min": 0}],
            "parameters.cleaningRules[0].min",
            "at least 1",
        ),
        (
            [{"rule": "filter_case_duration", "maxSeconds": -1}],
            "parameters.cleaningRules[0].maxSeconds",
            "at least 0",
        ),
        (
            [{"rule": "filter_time_window", "start": "2024-02-01", "end": "2024-01-01"}],
            "parameters.cleaningRules[0].end",
            "not be before start",
        ),
        (
            [{"rule": "filter_time_window", "start": "2024-01-01", "mode": "during"}],
            "parameters.cleaningRules[0].mode",
            "intersecting, contained",
        ),
        (
            [{"rule": "filter_top_variants", "coverage": 1.5}],
            "parameters.cleaningRules[0].coverage",
            "at most 1",
        ),
        ([{"rule": "filter_top_variants"}], "parameters.cleaningRules[0].k", "exactly one"),
    ],
)
def test_problems_name_the_field_and_the_reason(rules: Any, field: str, reason: str) -> None:
    problems = check_rules(rules)
    assert [p["field"] for p in problems] == [field]
    assert reason in problems[0]["reason"]
    with pytest.raises(InvalidCleaningRulesError) as caught:
        parse_rules(rules)
    assert caught.value.problems == problems and caught.value.field == field


def test_every_problem_of_a_list_is_reported() -> None:
    problems = check_rules(["nope", {"rule": "remove_duplicates", "keys": "case_id", "x": 1}])
    assert {p["field"] for p in problems} == {
        "parameters.cleaningRules[0]",
        "parameters.cleaningRules[1].keys",
        "parameters.cleaningRules[1].x",
    }


def test_options_are_reported_with_their_defaults() -> None:
    (rule,) = parse_rules([{"rule": "filter_time_window", "end": "2024-01-31"}])
    assert rule.describe() == {
        "rule": "filter_time_window",
        "start": None,
        "end": "2024-01-31T23:59:59.999999+00:00",
        "mode": "intersecting",
    }


def test_columns_named_by_options_follow_the_rules_before() -> None:
    rules = parse_rules(
        [
            "merge_lifecycle",
            {"rule": "filter_attribute", "attribute": "start_timestamp", "values": ["x"]},
            {"rule": "remove_duplicates", "keys": ["lifecycle:transition"]},
        ]
    )
    problems = column_problems(rules, [CASE, "activity", TIMESTAMP, "lifecycle", EVENT_INDEX])
    assert [p["field"] for p in problems] == ["parameters.cleaningRules[2].keys"]
    assert "'lifecycle'" in problems[0]["reason"]


def sample() -> pl.DataFrame:
    return events(
        [("c1", "a", 0), ("c1", "a", 0), ("c1", "b", 1), ("c2", "a", 2), ("c3", "a", 3)],
    )


def test_rules_run_in_order_with_progress_after_each() -> None:
    seen: list[RuleProgress] = []
    rules = parse_rules(
        ["remove_duplicates", {"rule": "filter_case_length", "min": 2}, "fix_timestamps"]
    )
    result = apply_rules(sample(), rules, progress=seen.append)
    assert [(p.index, p.rule, p.rows_in, p.rows_out) for p in seen] == [
        (0, "remove_duplicates", 5, 4),
        (1, "filter_case_length", 4, 2),
        (2, "fix_timestamps", 2, 2),
    ]
    assert [p.rows_processed for p in seen] == [5, 9, 11]
    assert [p.rows_expected for p in seen] == [13, 11, 11]
    assert result.frame[CASE].to_list() == ["c1", "c1"]
    report = result.to_json()
    assert [c["rowsRemoved"] for c in report] == [1, 2, 0]
    assert [c["casesRemoved"] for c in report] == [0, 2, 0]
    json.dumps(report)


def test_order_matters_filters_see_what_earlier_rules_left() -> None:
    length_first = parse_rules([{"rule": "filter_case_length", "min": 2}, "remove_duplicates"])
    assert apply_rules(sample(), length_first).frame.height == 2
    assert apply_rules(sample(), list(reversed(length_first))).frame.height == 2
    keyed = {"rule": "remove_duplicates", "keys": ["case_id"]}
    assert apply_rules(sample(), [*parse_rules([keyed]), length_first[0]]).frame.height == 0


class Stop(Exception):
    pass


def test_cancellation_is_checked_before_each_rule() -> None:
    calls: list[int] = []

    def check() -> None:
        calls.append(len(calls))
        if len(calls) == 2:
            raise Stop

    applied: list[str] = []
    rules = parse_rules(["remove_duplicates", "fix_timestamps", "validate_activities"])
    with pytest.raises(Stop):
        apply_rules(
            sample(), rules, check_cancelled=check, progress=lambda p: applied.append(p.rule)
        )
    assert applied == ["remove_duplicates"]


def test_a_missing_column_fails_before_any_rule_runs() -> None:
    applied: list[str] = []
    rules = parse_rules(
        ["fix_timestamps", {"rule": "filter_attribute", "attribute": "cost", "values": [1]}]
    )
    with pytest.raises(CleaningRuleError) as caught:
        apply_rules(sample(), rules, progress=lambda p: applied.append(p.rule))
    assert caught.value.field == "parameters.cleaningRules[1].attribute"
    assert applied == []


def test_no_rule_returns_the_log_in_canonical_order() -> None:
    result = apply_rules(sample().reverse(), [])
    assert result.frame[EVENT_INDEX].to_list() == [0, 1, 2, 3, 4] and result.changes == ()


def test_the_documentation_describes_every_rule_and_option() -> None:
    text = DOC.read_text(encoding="utf-8")
    headings = re.findall(r"^### `(\w+)`", text, flags=re.MULTILINE)
    assert headings == list(RULES)
    for name, rule in RULES.items():
        section = text.split(f"### `{name}`", 1)[1].split("\n### ", 1)[0]
        for option in rule.options:
            assert f"`{option.key}`" in section, (name, option.key)


def test_every_rule_in_one_list_gives_a_json_report() -> None:
    log = events(
        [
            ("c1", " a", 0),
            ("c1", "a", 1),
            ("c1", "b", 2),
            ("c1", "b", 2),
            ("c2", "a", 30),
            ("c2", "c", 31),
            ("c2", "d", 32),
            ("c3", "a", 1e6),  # in 2138: flagged, then outside the time window
        ],
        lifecycle=["start", "complete", "complete", "complete", "complete", "schedule", "x", None],
        resource=["r1", "r1", "r2", "r2", None, "r1", "r3", "r1"],
    )
    rules = parse_rules(
        [
            "remove_duplicates",
            {"rule": "fix_timestamps", "outOfRange": "flag", "maxDate": "2025-01-01"},
            "validate_activities",
            "merge_lifecycle",
            {"rule": "filter_time_window", "end": "2024-03-10", "mode": "contained"},
            {"rule": "filter_attribute", "attribute": "resource", "values": ["r9"], "keep": False},
            {"rule": "filter_activities", "remove": ["zz"]},
            {"rule": "filter_case_length", "max": 10},
            {"rule": "filter_case_duration", "maxSeconds": 86400},
            {"rule": "filter_top_variants", "coverage": 1},
        ]
    )
    result = apply_rules(log, rules)
    assert result.frame[CASE].to_list() == ["c1", "c1", "c2"]
    report = result.to_json()
    assert [change["rule"] for change in report] == list(RULES)
    text = json.dumps(report, allow_nan=False)
    assert '"span"' in text and '"droppedTransition": "x"' in text


def test_flagged_timestamps_can_be_filtered_by_a_later_rule() -> None:
    log = events([("c1", "a", 0), ("c1", "b", 1e6)])
    flag = {"rule": "fix_timestamps", "outOfRange": "flag"}
    drop = {
        "rule": "filter_attribute",
        "attribute": "timestamp_out_of_range",
        "values": ["true"],
        "level": "event",
        "keep": False,
    }
    result = apply_rules(log, parse_rules([flag, drop]))
    assert result.frame[EVENT_INDEX].to_list() == [0]
