"""Predictive monitoring: remaining cycle time and next activity from a case prefix.

A prefix is a case cut after one of its events (see :func:`features.prefix_features`); every
event of a case gives one prefix.

Split: temporal. Cases are ordered by start time; the cut-off is the start time of the case at
position ``floor(TRAIN_SHARE * n)`` (the 80th percentile of start times). Cases starting
before the cut-off train, the others test. Test cases near the end of the extract may be
unfinished; they are scored as recorded. Training cases may end after the cut-off, as they
would when the model is refitted on the day of the cut-off with hindsight of their outcome.

Caps, so that fitting stays well under a second on logs of a few hundred thousand events:
at most ``MAX_TRAIN_CASES`` training and ``MAX_TEST_CASES`` test cases, and at most
``MAX_TRAIN_PREFIXES`` training and ``MAX_TEST_PREFIXES`` test prefixes, each drawn uniformly
without replacement by a NumPy generator seeded with ``seed``.

Models (scikit-learn decision trees, fast and deterministic):

- cycle time: a regression tree (depth 8, leaves of at least 1% of the training prefixes) on
  log(1 + remaining hours), which favours typical over extreme cases; the predicted total is
  the elapsed time plus the predicted remaining time. ``mae_hours`` is the mean absolute error
  of the remaining (hence also of the total) time; ``accuracy`` is the share of test prefixes
  whose predicted total cycle time is within ``ACCURACY_TOLERANCE`` (20%) of the actual one;
  ``r2`` is the coefficient of determination of the remaining hours. The baseline predicts the
  training median remaining time for every prefix.
- next activity: a classification tree (depth 12, leaves of at least 5 prefixes) whose
  classes include ``END_OF_CASE``. ``accuracy``
  is the share of test prefixes whose most probable class is right, ``mean_confidence`` the
  mean probability of that class; the baseline always predicts the training majority class.
"""

from __future__ import annotations

import json
import pickle
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import sklearn
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from minerun.analysis.columns import CASE, START_TIMESTAMP, TIMESTAMP
from minerun.analysis.features import activity_vocabulary, prefix_feature_names, prefix_features

TRAIN_SHARE = 0.8
MIN_SIDE_CASES = 20
MAX_TRAIN_CASES = 2000
MAX_TEST_CASES = 1000
MAX_TRAIN_PREFIXES = 12_000
MAX_TEST_PREFIXES = 10_000
ACCURACY_TOLERANCE = 0.2
SPLIT_RULE = (
    f"cases ordered by start time; the cut-off is the start of the case at position "
    f"floor({TRAIN_SHARE} x cases); earlier starts train, the rest test"
)


@dataclass(frozen=True)
class TemporalSplit:
    """Where the log was cut and how many cases fell on each side (before capping)."""

    cutoff: datetime
    train_cases: int
    test_cases: int
    rule: str = SPLIT_RULE


@dataclass(frozen=True)
class TrainedModel:
    """A fitted estimator with what is needed to apply it and to describe it."""

    name: str
    estimator: Any
    target: str
    feature_names: tuple[str, ...]
    vocabulary: tuple[str, ...]
    training_cases: int
    training_prefixes: int
    test_cases: int
    test_prefixes: int
    split: TemporalSplit
    scores: dict[str, float]
    seed: int

    def card(self) -> dict[str, Any]:
        """JSON-ready model card: estimator, features, data sizes, split and scores."""
        return {
            "name": self.name,
            "estimator": type(self.estimator).__name__,
            "parameters": {k: v for k, v in self.estimator.get_params().items()},
            "scikit_learn_version": sklearn.__version__,
            "target": self.target,
            "features": list(self.feature_names),
            "activity_vocabulary": list(self.vocabulary),
            "training": {"cases": self.training_cases, "prefixes": self.training_prefixes},
            "test": {"cases": self.test_cases, "prefixes": self.test_prefixes},
            "split": {
                "rule": self.split.rule,
                "cutoff": self.split.cutoff.isoformat(),
                "train_cases_before_capping": self.split.train_cases,
                "test_cases_before_capping": self.split.test_cases,
            },
            "scores": self.scores,
            "seed": self.seed,
        }


@dataclass(frozen=True)
class CycleTimeScores:
    """Held-out scores of the remaining-time model (see the module docstring)."""

    mae_hours: float
    accuracy: float
    r2: float
    baseline_mae_hours: float


@dataclass(frozen=True)
class NextActivityScores:
    """Held-out scores of the next-activity model (see the module docstring)."""

    accuracy: float
    mean_confidence: float
    baseline_accuracy: float


@dataclass(frozen=True)
class PredictionModels:
    """The fitted models, None when the log was too small to train them."""

    cycle_time: TrainedModel | None
    next_activity: TrainedModel | None


@dataclass(frozen=True)
class PredictionReport:
    """Scores and models; when they are None, ``reason`` says why."""

    split: TemporalSplit | None
    cycle_time: CycleTimeScores | None
    next_activity: NextActivityScores | None
    models: PredictionModels
    reason: str | None = None


def temporal_split(frame: pl.DataFrame) -> tuple[TemporalSplit, pl.Series, pl.Series]:
    """The split (see the module docstring) with the training and test case ids."""
    start = pl.col(TIMESTAMP).min()
    if START_TIMESTAMP in frame.columns:
        start = pl.min_horizontal(start, pl.col(START_TIMESTAMP).min())
    starts = frame.group_by(CASE).agg(start.alias("start")).sort("start", CASE)
    cutoff = starts.get_column("start")[int(TRAIN_SHARE * starts.height)]
    train = starts.filter(pl.col("start") < cutoff).get_column(CASE)
    test = starts.filter(pl.col("start") >= cutoff).get_column(CASE)
    return TemporalSplit(cutoff, train.len(), test.len()), train, test


def _sample(values: pl.Series, limit: int, rng: np.random.Generator) -> pl.Series:
    """At most ``limit`` values drawn without replacement, in their original order."""
    if values.len() <= limit:
        return values
    picked = np.sort(rng.choice(values.len(), size=limit, replace=False))
    return values.gather(picked)


def _prefixes(
    frame: pl.DataFrame, cases: pl.Series, vocabulary: tuple[str, ...], limit: int, rng: Any
) -> pl.DataFrame:
    rows = prefix_features(frame.filter(pl.col(CASE).is_in(cases.implode())), vocabulary)
    if rows.height <= limit:
        return rows
    return rows.gather(np.sort(rng.choice(rows.height, size=limit, replace=False)))


def _fit_cycle_time(
    train: pl.DataFrame, test: pl.DataFrame, names: tuple[str, ...], seed: int
) -> tuple[Any, CycleTimeScores]:
    hours = train.get_column("remaining_s").to_numpy() / 3600.0
    # Leaves of at least 1% of the prefixes: deeper trees overfit the long tails of cycle times.
    model = DecisionTreeRegressor(max_depth=8, min_samples_leaf=0.01, random_state=seed)
    model.fit(train.select(names).to_numpy(), np.log1p(hours))
    actual = test.get_column("remaining_s").to_numpy() / 3600.0
    predicted = np.expm1(model.predict(test.select(names).to_numpy())).clip(min=0.0)
    elapsed = test.get_column("elapsed_s").to_numpy() / 3600.0
    total = elapsed + actual
    within = np.abs(predicted - actual) <= ACCURACY_TOLERANCE * total
    spread = float(np.sum((actual - actual.mean()) ** 2))
    r2 = 1.0 - float(np.sum((actual - predicted) ** 2)) / spread if spread > 0 else 0.0
    scores = CycleTimeScores(
        mae_hours=float(np.mean(np.abs(predicted - actual))),
        accuracy=float(np.mean(within)),
        r2=r2,
        baseline_mae_hours=float(np.mean(np.abs(np.median(hours) - actual))),
    )
    return model, scores


def _fit_next_activity(
    train: pl.DataFrame, test: pl.DataFrame, names: tuple[str, ...], seed: int
) -> tuple[Any, NextActivityScores]:
    labels = train.get_column("next_activity").to_numpy()
    model = DecisionTreeClassifier(max_depth=12, min_samples_leaf=5, random_state=seed)
    model.fit(train.select(names).to_numpy(), labels)
    probabilities = model.predict_proba(test.select(names).to_numpy())
    predicted = model.classes_[probabilities.argmax(axis=1)]
    actual = test.get_column("next_activity").to_numpy()
    classes, counts = np.unique(labels, return_counts=True)
    majority = classes[counts.argmax()]  # np.unique sorts, so ties resolve by name
    scores = NextActivityScores(
        accuracy=float(np.mean(predicted == actual)),
        mean_confidence=float(np.mean(probabilities.max(axis=1))),
        baseline_accuracy=float(np.mean(actual == majority)),
    )
    return model, scores


def _too_small(split: TemporalSplit) -> str:
    return (
        f"the temporal split leaves {split.train_cases} training and {split.test_cases} test "
        f"cases; at least {MIN_SIDE_CASES} on each side are needed to train and score a model"
    )


@dataclass(frozen=True)
class _Sample:
    """The capped training and test prefixes and what describes them in a model card."""

    split: TemporalSplit
    vocabulary: tuple[str, ...]
    names: tuple[str, ...]
    train_cases: int
    test_cases: int
    train: pl.DataFrame
    test: pl.DataFrame
    seed: int


def _draw(frame: pl.DataFrame, seed: int) -> tuple[TemporalSplit, _Sample | str]:
    """The split and the capped, seeded sample of prefixes, or why the log is too small."""
    split, train_ids, test_ids = temporal_split(frame)
    if min(split.train_cases, split.test_cases) < MIN_SIDE_CASES:
        return split, _too_small(split)
    rng = np.random.default_rng(seed)
    train_ids = _sample(train_ids, MAX_TRAIN_CASES, rng)
    test_ids = _sample(test_ids, MAX_TEST_CASES, rng)
    vocabulary = activity_vocabulary(frame.filter(pl.col(CASE).is_in(train_ids.implode())))
    return split, _Sample(
        split=split,
        vocabulary=vocabulary,
        names=prefix_feature_names(vocabulary),
        train_cases=train_ids.len(),
        test_cases=test_ids.len(),
        train=_prefixes(frame, train_ids, vocabulary, MAX_TRAIN_PREFIXES, rng),
        test=_prefixes(frame, test_ids, vocabulary, MAX_TEST_PREFIXES, rng),
        seed=seed,
    )


def _trained(
    sample: _Sample,
    name: str,
    target: str,
    fitted: tuple[Any, CycleTimeScores] | tuple[Any, NextActivityScores],
) -> TrainedModel:
    estimator, scores = fitted
    return TrainedModel(
        name=name,
        estimator=estimator,
        target=target,
        feature_names=sample.names,
        vocabulary=sample.vocabulary,
        training_cases=sample.train_cases,
        training_prefixes=sample.train.height,
        test_cases=sample.test_cases,
        test_prefixes=sample.test.height,
        split=sample.split,
        scores=asdict(scores),
        seed=sample.seed,
    )


def train_predictors(frame: pl.DataFrame, seed: int = 0) -> PredictionReport:
    """Fit and score the cycle-time and next-activity models on a temporal split.

    Returns None figures, no models and the reason when either side of the split has fewer
    than ``MIN_SIDE_CASES`` cases. The same ``seed`` gives the same models and scores.
    """
    untrained = PredictionModels(None, None)
    if frame.height == 0:
        return PredictionReport(None, None, None, untrained, "the log has no events")
    split, sample = _draw(frame, seed)
    if isinstance(sample, str):
        return PredictionReport(split, None, None, untrained, sample)
    cycle = _fit_cycle_time(sample.train, sample.test, sample.names, seed)
    following = _fit_next_activity(sample.train, sample.test, sample.names, seed)
    models = PredictionModels(
        cycle_time=_trained(sample, "cycle_time", "log(1 + remaining hours)", cycle),
        next_activity=_trained(sample, "next_activity", "next activity", following),
    )
    return PredictionReport(sample.split, cycle[1], following[1], models)


def save_models(models: PredictionModels, directory: Path) -> list[Path]:
    """Write each fitted model as ``<name>.pkl`` (pickle of the estimator) and its card as
    ``<name>.json``; returns the written paths. Nothing is written for missing models."""
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for model in (models.cycle_time, models.next_activity):
        if model is None:
            continue
        estimator_path = directory / f"{model.name}.pkl"
        estimator_path.write_bytes(pickle.dumps(model.estimator, protocol=pickle.HIGHEST_PROTOCOL))
        card_path = directory / f"{model.name}.json"
        card = {**model.card(), "estimator_file": estimator_path.name}
        card_path.write_text(json.dumps(card, indent=2, sort_keys=True, default=str) + "\n")
        written.extend((estimator_path, card_path))
    return written


__all__ = [
    "ACCURACY_TOLERANCE",
    "MIN_SIDE_CASES",
    "CycleTimeScores",
    "NextActivityScores",
    "PredictionModels",
    "PredictionReport",
    "TemporalSplit",
    "TrainedModel",
    "save_models",
    "temporal_split",
    "train_predictors",
]
