"""Cycle-time and next-activity prediction on generated logs with a learnable rule."""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from minerun.analysis.columns import ACTIVITY, CASE, EVENT_INDEX, TIMESTAMP
from minerun.analysis.features import prefix_features
from minerun.analysis.prediction import (
    PredictionReport,
    save_models,
    temporal_split,
    train_predictors,
)

START = datetime(2023, 1, 2, 8, 0, tzinfo=UTC)


def rule_log(cases: int = 200, seed: int = 11) -> pl.DataFrame:
    """Cases start with ``online`` or ``branch`` at random; after ``check`` an online case
    is approved (10-hour steps) and a branch case rejected (1-hour steps), then closed."""
    rng = np.random.default_rng(seed)
    rows = []
    for number in range(cases):
        online = bool(rng.random() < 0.5)
        path = ["online" if online else "branch", "check", "approve" if online else "reject"]
        step = 10.0 if online else 1.0
        moment = START + timedelta(hours=6 * number)
        for activity in [*path, "close"]:
            rows.append((f"case{number:04d}", activity, moment))
            moment += timedelta(hours=step * float(rng.uniform(0.9, 1.1)))
    frame = pl.DataFrame(
        rows,
        schema={CASE: pl.String, ACTIVITY: pl.String, TIMESTAMP: pl.Datetime("us", "UTC")},
        orient="row",
    )
    return frame.with_columns(pl.int_range(pl.len(), dtype=pl.UInt32).alias(EVENT_INDEX)).sort(
        CASE, TIMESTAMP, EVENT_INDEX
    )


@pytest.fixture(scope="module")
def report() -> PredictionReport:
    return train_predictors(rule_log())


def test_next_activity_beats_the_majority_baseline(report: PredictionReport) -> None:
    scores = report.next_activity
    assert scores is not None
    assert scores.baseline_accuracy == pytest.approx(0.25, abs=0.05)
    assert scores.accuracy > 0.95
    assert scores.accuracy > scores.baseline_accuracy
    assert 0.9 < scores.mean_confidence <= 1.0


def test_cycle_time_beats_the_median_baseline(report: PredictionReport) -> None:
    scores = report.cycle_time
    assert scores is not None
    assert scores.mae_hours < 0.5 * scores.baseline_mae_hours
    assert 0.5 < scores.accuracy <= 1.0
    assert scores.r2 > 0.8


def test_split_is_temporal(report: PredictionReport) -> None:
    frame = rule_log()
    split, train, test = temporal_split(frame)
    assert (split.train_cases, split.test_cases) == (160, 40)
    starts = frame.group_by(CASE).agg(pl.col(TIMESTAMP).min().alias("start"))
    train_starts = starts.filter(pl.col(CASE).is_in(train.implode())).get_column("start")
    test_starts = starts.filter(pl.col(CASE).is_in(test.implode())).get_column("start")
    assert train_starts.max() < split.cutoff <= test_starts.min()  # type: ignore[operator]
    assert report.split == split


def test_two_runs_are_equal() -> None:
    first, second = train_predictors(rule_log(), seed=5), train_predictors(rule_log(), seed=5)
    assert (first.cycle_time, first.next_activity) == (second.cycle_time, second.next_activity)
    assert first.models.cycle_time is not None and second.models.cycle_time is not None
    rows = prefix_features(rule_log(), first.models.cycle_time.vocabulary)
    features = rows.select(first.models.cycle_time.feature_names).to_numpy()
    assert np.array_equal(
        first.models.cycle_time.estimator.predict(features),
        second.models.cycle_time.estimator.predict(features),
    )


def test_too_small_log_gives_none_with_the_reason() -> None:
    small = train_predictors(rule_log(cases=30))
    assert small.cycle_time is None and small.next_activity is None
    assert small.models.cycle_time is None and small.models.next_activity is None
    assert small.reason is not None
    assert "24 training and 6 test cases" in small.reason
    assert "at least 20" in small.reason
    empty = train_predictors(rule_log().clear())
    assert empty.reason == "the log has no events"


def test_save_models_writes_estimators_and_cards(report: PredictionReport, tmp_path: Path) -> None:
    paths = save_models(report.models, tmp_path / "models")
    assert sorted(p.name for p in paths) == [
        "cycle_time.json",
        "cycle_time.pkl",
        "next_activity.json",
        "next_activity.pkl",
    ]
    card = json.loads((tmp_path / "models" / "next_activity.json").read_text())
    assert card["estimator"] == "DecisionTreeClassifier"
    assert card["training"]["cases"] == 160
    assert card["test"]["prefixes"] == 40 * 4
    assert card["scores"]["accuracy"] == report.next_activity.accuracy  # type: ignore[union-attr]
    assert "count=check" in card["features"]
    assert card["split"]["cutoff"] == report.split.cutoff.isoformat()  # type: ignore[union-attr]
    model = report.models.next_activity
    assert model is not None
    loaded = pickle.loads((tmp_path / "models" / "next_activity.pkl").read_bytes())
    rows = prefix_features(rule_log(), model.vocabulary).select(model.feature_names).to_numpy()
    assert list(loaded.predict(rows)) == list(model.estimator.predict(rows))
