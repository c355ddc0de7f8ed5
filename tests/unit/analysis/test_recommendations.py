"""Recommendations from findings, and the whole ML pipeline on a real log."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from minerun.analysis.anomalies import detect_anomalies
from minerun.analysis.columns import ACTIVITY, CASE, EVENT_INDEX, TIMESTAMP
from minerun.analysis.features import case_features
from minerun.analysis.patterns import CriticalPath, find_patterns
from minerun.analysis.prediction import train_predictors
from minerun.analysis.recommendations import (
    Bottleneck,
    Findings,
    Priority,
    RepeatedActivity,
    recommend,
)
from tests.conftest import SHARED_DATA

HOUR = 3600.0


def test_halving_a_bottleneck_is_computed_from_its_waiting_share() -> None:
    findings = Findings(
        case_count=100,
        event_count=1000,
        mean_cycle_time_seconds=10 * HOUR,
        bottlenecks=(
            Bottleneck("approve", 200 * HOUR, 2 * HOUR, 100),
            Bottleneck("check", 20 * HOUR, 0.5 * HOUR, 40),
        ),
    )
    first, second = recommend(findings)
    assert first.category == "bottleneck" and "'approve'" in first.text
    assert first.improvement_percent == pytest.approx(10.0)  # 100 h saved of 1000 h
    assert first.priority is Priority.HIGH
    assert "fall by 10.0% (from 10.0 hours to 9.0 hours)" in first.expected_improvement
    assert "upper bound" in first.basis
    assert second.improvement_percent == pytest.approx(1.0)
    assert second.priority is Priority.LOW


def test_unknown_cycle_time_gives_no_figure() -> None:
    findings = Findings(case_count=10, event_count=50, bottlenecks=(Bottleneck("a", 1, 1, 1),))
    (only,) = recommend(findings)
    assert only.improvement_percent is None
    assert only.priority is Priority.LOW
    assert only.expected_improvement.startswith("Not computed")


def test_rework_share_of_work() -> None:
    findings = Findings(
        case_count=50,
        event_count=400,
        rework_case_share=0.3,
        rework_activities=(RepeatedActivity("check", 20, 10), RepeatedActivity("fix", 60, 15)),
    )
    first, second = recommend(findings)
    assert "'fix'" in first.text and "30.0% of cases" in first.text
    assert first.improvement_percent == pytest.approx(15.0)
    assert first.priority is Priority.HIGH
    assert second.improvement_percent == pytest.approx(5.0)
    assert second.priority is Priority.MEDIUM


def test_high_severity_anomalies_are_at_least_medium() -> None:
    findings = Findings(
        case_count=1000, event_count=9000, anomaly_counts={"high": 2, "medium": 3, "low": 5}
    )
    (only,) = recommend(findings)
    assert only.category == "anomalies"
    assert only.improvement_percent == pytest.approx(1.0)
    assert only.priority is Priority.MEDIUM
    no_high = Findings(case_count=1000, event_count=9000, anomaly_counts={"low": 5})
    assert recommend(no_high)[0].priority is Priority.LOW


def test_data_quality_priority_follows_the_score() -> None:
    issues = {"missing_timestamp": 30, "unknown_activity": 10, "duplicate": 10}
    findings = Findings(
        case_count=10, event_count=100, data_quality_issues=issues, data_quality_score=65
    )
    recs = recommend(findings)
    assert [r.priority for r in recs] == [Priority.HIGH] * 3
    assert recs[0].improvement_percent == pytest.approx(30.0)  # 30 issues over 100 events
    assert "'missing_timestamp'" in recs[0].text and "65/100" in recs[0].text
    assert "60.0% of all 50 data-quality issues" in recs[0].basis
    assert [r.text for r in recs[1:]] == sorted(r.text for r in recs[1:])
    clean = Findings(
        case_count=10, event_count=1000, data_quality_issues={"dup": 3}, data_quality_score=97
    )
    (few,) = recommend(clean)
    assert few.improvement_percent == pytest.approx(0.3)
    assert few.priority is Priority.LOW


def test_slow_critical_path_improvement() -> None:
    path = CriticalPath(("a", "x", "d"), 10, 10 * 40 * HOUR, 40 * HOUR, 0.5, 0.1)
    findings = Findings(
        case_count=100, event_count=400, mean_cycle_time_seconds=8 * HOUR, critical_paths=(path,)
    )
    (only,) = recommend(findings)
    assert only.category == "critical_path"
    assert only.improvement_percent == pytest.approx(100 * 32 * 10 / 800)
    assert "a -> x -> d" in only.text


def test_no_findings_no_recommendations() -> None:
    assert recommend(Findings(case_count=0, event_count=0)) == []


def shared_data() -> Path:
    return SHARED_DATA


@pytest.fixture(scope="module")
def sepsis() -> pl.DataFrame:
    path = shared_data() / "sepsis.csv"
    if not path.exists():
        pytest.skip(f"the real log {path} is absent")
    raw = pl.read_csv(path, separator=";", infer_schema=False, columns=[0, 1, 2])
    return (
        raw.select(
            pl.col("Case ID").alias(CASE),
            pl.col("Activity").alias(ACTIVITY),
            pl.col("Complete Timestamp")
            .str.to_datetime("%Y/%m/%d %H:%M:%S%.3f", time_unit="us", time_zone="UTC")
            .alias(TIMESTAMP),
        )
        .with_columns(pl.int_range(pl.len(), dtype=pl.UInt32).alias(EVENT_INDEX))
        .sort(CASE, TIMESTAMP, EVENT_INDEX)
    )


def test_pipeline_on_sepsis_gives_figures_in_range(sepsis: pl.DataFrame) -> None:
    assert sepsis.get_column(CASE).n_unique() == 1050
    anomalies = detect_anomalies(sepsis)
    assert 0 < anomalies.flagged_case_count < 0.5 * anomalies.case_count
    assert anomalies.false_positive_rate is None
    patterns = find_patterns(sepsis)
    assert patterns.frequent_count > 0 and patterns.rare_count > 0
    assert all(0 < p.time_share <= 1 for p in patterns.critical_paths)
    prediction = train_predictors(sepsis)
    assert prediction.cycle_time is not None and prediction.next_activity is not None
    assert prediction.cycle_time.mae_hours > 0
    assert 0 <= prediction.cycle_time.accuracy <= 1
    assert prediction.next_activity.accuracy > prediction.next_activity.baseline_accuracy
    assert 0 < prediction.next_activity.mean_confidence <= 1
    cases = case_features(sepsis)
    findings = Findings(
        case_count=cases.height,
        event_count=sepsis.height,
        mean_cycle_time_seconds=cases.get_column("duration_s").mean(),  # type: ignore[arg-type]
        rework_case_share=cases.select((pl.col("rework_count") > 0).mean()).item(),
        anomaly_counts=anomalies.counts_by_severity,
        critical_paths=patterns.critical_paths,
    )
    recs = recommend(findings)
    assert {r.category for r in recs} >= {"anomalies"}
    assert all(r.improvement_percent is None or 0 <= r.improvement_percent <= 100 for r in recs)
