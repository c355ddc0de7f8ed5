"""Anomaly detection on generated logs with planted anomalies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from minerun.analysis.anomalies import (
    NO_LABEL_REASON,
    Severity,
    detect_anomalies,
    robust_z,
)
from minerun.analysis.columns import ACTIVITY, CASE, EVENT_INDEX, TIMESTAMP

START = datetime(2024, 3, 4, 8, 0, tzinfo=UTC)
PLANTED = {
    "slow": ["register", "check", "approve", "close"],
    "skip": ["register", "close", "check", "approve"],
    "loop": ["register", "check", "approve", "check", "approve", "check", "approve", "close"],
}


def planted_log(normal_cases: int = 300, seed: int = 7) -> pl.DataFrame:
    """Normal cases run register -> check -> approve -> close with 1-3 hour gaps; three
    planted cases: ``slow`` (gaps of 60 days), ``skip`` (order broken by a rare jump) and
    ``loop`` (check/approve three times). ``label`` marks the planted cases."""
    rng = np.random.default_rng(seed)
    traces = {f"n{i:04d}": PLANTED["slow"] for i in range(normal_cases)} | PLANTED
    rows = []
    for number, (case, activities) in enumerate(traces.items()):
        moment = START + timedelta(hours=2 * number)
        for activity in activities:
            hours = 24 * 60 if case == "slow" else float(rng.uniform(1, 3))
            moment += timedelta(hours=hours)
            label = "normal" if case.startswith("n") else "anomalous"
            rows.append((case, activity, moment, label))
    frame = pl.DataFrame(
        rows,
        schema={
            CASE: pl.String,
            ACTIVITY: pl.String,
            TIMESTAMP: pl.Datetime("us", "UTC"),
            "label": pl.String,
        },
        orient="row",
    )
    return frame.with_columns(pl.int_range(pl.len(), dtype=pl.UInt32).alias(EVENT_INDEX)).sort(
        CASE, TIMESTAMP, EVENT_INDEX
    )


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    return planted_log()


def test_extreme_duration_is_flagged_high(frame: pl.DataFrame) -> None:
    report = detect_anomalies(frame)
    slow = next(a for a in report.anomalies if a.case_id == "slow")
    assert "extreme_duration" in slow.detectors
    assert slow.severity is Severity.HIGH
    assert "took 180.0 days" in slow.reason  # three gaps of 60 days
    assert report.anomalies[0].severity is Severity.HIGH


def test_rare_transition_and_order_violation_are_found(frame: pl.DataFrame) -> None:
    report = detect_anomalies(frame)
    rare = {(t.source, t.target) for t in report.rare_transitions}
    assert ("register", "close") in rare
    assert ("close", "check") in rare
    assert {(t.source, t.target) for t in report.order_violations} == {("approve", "check")}
    skip = next(a for a in report.anomalies if a.case_id == "skip")
    assert "rare_transition" in skip.detectors
    assert "seen in only 1 of 303 cases" in skip.reason


def test_rework_beyond_the_usual_is_flagged(frame: pl.DataFrame) -> None:
    report = detect_anomalies(frame)
    loop = next(a for a in report.anomalies if a.case_id == "loop")
    assert {"rework", "order_violation"} <= set(loop.detectors)
    assert "repeats activities 4 times against a median of 0" in loop.reason


def test_counts_add_up_and_list_is_sorted_by_severity(frame: pl.DataFrame) -> None:
    report = detect_anomalies(frame)
    assert sum(report.counts_by_severity.values()) == report.flagged_case_count
    ranks = [list(Severity).index(a.severity) for a in report.anomalies]
    assert ranks == sorted(ranks)
    assert report.counts_by_detector["isolation_forest"] == pytest.approx(0.02 * 303, abs=1)
    assert all(a.score is not None and 0 < a.score < 1 for a in report.anomalies)


def test_labels_give_the_false_positive_rate(frame: pl.DataFrame) -> None:
    report = detect_anomalies(frame, label_column="label")
    planted = {a.case_id for a in report.anomalies} & set(PLANTED)
    expected = 1 - len(planted) / report.flagged_case_count
    assert report.false_positive_rate == pytest.approx(expected)
    assert report.false_positive_rate_reason is None
    assert report.detection_rate == 1.0


@pytest.mark.parametrize(
    "typed_label",
    [pl.col("label") != "normal", (pl.col("label") != "normal").cast(pl.Int64)],
    ids=["boolean", "integer"],
)
def test_boolean_and_numeric_labels_read_like_text(
    frame: pl.DataFrame, typed_label: pl.Expr
) -> None:
    text = detect_anomalies(frame, label_column="label")
    typed = detect_anomalies(frame.with_columns(typed_label.alias("label")), label_column="label")
    assert typed.false_positive_rate == text.false_positive_rate
    assert typed.detection_rate == text.detection_rate


def test_without_labels_the_rate_is_none_with_a_reason(frame: pl.DataFrame) -> None:
    report = detect_anomalies(frame.drop("label"))
    assert report.false_positive_rate is None
    assert report.false_positive_rate_reason == NO_LABEL_REASON
    missing = detect_anomalies(frame, label_column="truth")
    assert missing.false_positive_rate is None
    assert missing.false_positive_rate_reason is not None
    assert "'truth'" in missing.false_positive_rate_reason


def test_two_runs_are_equal_and_the_label_is_no_feature(frame: pl.DataFrame) -> None:
    first = detect_anomalies(frame, seed=3)
    assert first == detect_anomalies(frame, seed=3)
    unlabelled = detect_anomalies(frame.drop("label"), seed=3)
    assert unlabelled.anomalies == first.anomalies


def test_small_log_skips_the_forest_but_keeps_the_rules() -> None:
    report = detect_anomalies(planted_log(normal_cases=10))
    assert report.counts_by_detector["isolation_forest"] == 0
    assert report.notes and "isolation forest skipped" in report.notes[0]
    assert all(a.score is None for a in report.anomalies)
    assert "slow" in {a.case_id for a in report.anomalies}


def test_robust_z_falls_back_to_mean_absolute_deviation() -> None:
    values = pl.DataFrame({"x": [0.0] * 9 + [5.0]})
    z = values.select(robust_z(pl.col("x"))).to_series().to_list()
    assert z[:9] == [0.0] * 9
    assert z[9] == pytest.approx(5.0 / (1.2533 * 0.5))
    flat = pl.DataFrame({"x": [2.0] * 4}).select(robust_z(pl.col("x"))).to_series()
    assert flat.to_list() == [0.0] * 4
