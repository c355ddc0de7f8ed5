"""Anomalous cases: an isolation forest on case features plus four explainable rules.

Detectors (each flags whole cases):

- ``rare_transition``: the case contains a directly-follows transition seen in fewer than
  ``RARE_TRANSITION_CASE_SHARE`` (1%) of the cases.
- ``extreme_duration``: the robust z-score of the case's cycle time, on a log scale because
  cycle times are right-skewed, is beyond ``ROBUST_Z_LIMIT`` (3.5) in either direction.
  z = 0.6745 (x - median) / MAD (Iglewicz and Hoaglin); when the MAD is 0 the mean absolute
  deviation stands in (z = (x - median) / (1.2533 MeanAD)).
- ``rework``: the rework count (events minus distinct activities) has a robust z-score above
  ``ROBUST_Z_LIMIT``, so only rework beyond what is usual in this log is flagged.
- ``order_violation``: the case contains a transition a -> b whose reverse b -> a is at least
  ``ORDER_RATIO`` (10) times as frequent and is not itself rare.
- ``isolation_forest``: the ``FOREST_SHARE`` (2%) of cases with the highest isolation-forest
  score (scikit-learn, 100 trees, fixed seed) on log-scaled case features. Skipped below
  ``MIN_FOREST_CASES`` cases.

Severity: ``high`` when |z| of the duration is at least twice the limit or when three or more
detectors agree; ``medium`` when two agree or when the only detector is extreme duration, rare
transition or order violation; ``low`` when the only detector is rework or the forest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import polars as pl
from sklearn.ensemble import IsolationForest

from minerun.analysis.columns import CASE
from minerun.analysis.features import (
    CASE_FEATURE_COLUMNS,
    case_features,
    transition_table,
    transitions,
)

ROBUST_Z_LIMIT = 3.5
ORDER_RATIO = 10.0
FOREST_SHARE = 0.02
FOREST_TREES = 100
MIN_FOREST_CASES = 20
DETECTORS = ("extreme_duration", "rare_transition", "order_violation", "rework", "isolation_forest")
NORMAL_LABELS = ("", "0", "false", "no", "none", "normal", "ok")
"""Label values (case-insensitive) that mean "normal"; null also means normal."""

NO_LABEL_REASON = (
    "the log has no label column marking cases as normal or anomalous, so flagged cases "
    "cannot be checked against ground truth"
)


class Severity(StrEnum):
    """How urgently an anomalous case deserves a look."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True)
class Anomaly:
    """One flagged case; ``score`` is the isolation-forest score in [0, 1] (about 0.5 is
    ordinary, near 1 is isolated), None when the forest was skipped."""

    case_id: str
    detectors: tuple[str, ...]
    severity: Severity
    score: float | None
    reason: str


@dataclass(frozen=True)
class Transition:
    """A directly-follows edge with the number of cases containing it."""

    source: str
    target: str
    case_count: int


@dataclass(frozen=True)
class AnomalyReport:
    """Anomalies sorted by severity then score; counts cover every severity and detector.

    ``false_positive_rate`` is the share of flagged cases whose label says normal (one minus
    precision); ``detection_rate`` the share of labelled-anomalous cases that were flagged.
    Both are None without labels, with the reason in ``false_positive_rate_reason``.
    """

    case_count: int
    anomalies: tuple[Anomaly, ...]
    counts_by_severity: dict[str, int]
    counts_by_detector: dict[str, int]
    rare_transitions: tuple[Transition, ...]
    order_violations: tuple[Transition, ...]
    false_positive_rate: float | None
    false_positive_rate_reason: str | None
    detection_rate: float | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def flagged_case_count(self) -> int:
        """Number of distinct flagged cases."""
        return len(self.anomalies)


def span_text(seconds: float) -> str:
    """A duration in the largest fitting unit with one decimal: ``"3.2 days"``."""
    for unit, size in (("days", 86400.0), ("hours", 3600.0), ("minutes", 60.0)):
        if abs(seconds) >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} seconds"


def robust_z(values: pl.Expr) -> pl.Expr:
    """Modified z-score (median/MAD, MeanAD fallback); 0 everywhere when the spread is 0."""
    median = values.median()
    mad = (values - median).abs().median()
    mean_ad = (values - median).abs().mean()
    scale = pl.when(mad > 0).then(mad / 0.6745).otherwise(1.2533 * mean_ad)
    return pl.when(scale > 0).then((values - median) / scale).otherwise(0.0)


def _edge_flags(table: pl.DataFrame) -> pl.DataFrame:
    """Per edge: ``rare`` and ``order_violation`` with the reverse edge's frequency."""
    reverse = table.select(
        pl.col("target").alias("source"),
        pl.col("source").alias("target"),
        pl.col("frequency").alias("reverse_frequency"),
        pl.col("rare").alias("reverse_rare"),
    )
    return table.join(reverse, on=["source", "target"], how="left").with_columns(
        (
            (pl.col("source") != pl.col("target"))
            & (pl.col("reverse_frequency") >= ORDER_RATIO * pl.col("frequency"))
            & ~pl.col("reverse_rare").fill_null(True)
        ).alias("order_violation")
    )


def _case_edges(steps: pl.DataFrame, edges: pl.DataFrame) -> pl.DataFrame:
    """Per case with a flagged edge: the first rare and first order-violating transition."""
    flagged = edges.filter(pl.col("rare") | pl.col("order_violation"))
    label = pl.format("{} → {}", "source", "target")
    return (
        steps.join(flagged, on=["source", "target"], how="inner", maintain_order="left")
        .group_by(CASE)
        .agg(
            label.filter(pl.col("rare")).first().alias("rare_edge"),
            pl.col("case_count").filter(pl.col("rare")).first().alias("rare_edge_cases"),
            label.filter(pl.col("order_violation")).first().alias("order_edge"),
            pl.col("reverse_frequency").filter(pl.col("order_violation")).first().alias("reverse"),
            pl.col("frequency").filter(pl.col("order_violation")).first().alias("order_frequency"),
        )
    )


def _forest_scores(features: pl.DataFrame, seed: int) -> np.ndarray | None:
    """Isolation-forest anomaly scores in [0, 1], or None when there are too few cases."""
    if features.height < MIN_FOREST_CASES:
        return None
    matrix = np.log1p(features.select(CASE_FEATURE_COLUMNS).to_numpy().clip(min=0.0))
    forest = IsolationForest(n_estimators=FOREST_TREES, random_state=seed, n_jobs=1)
    forest.fit(matrix)
    scores: np.ndarray = -forest.score_samples(matrix)
    return scores


def _flag_frame(frame: pl.DataFrame, seed: int) -> tuple[pl.DataFrame, pl.DataFrame, bool]:
    """Case features with one boolean column per detector, plus the edge table."""
    steps = transitions(frame)
    features = case_features(frame, steps)
    edges = _edge_flags(transition_table(steps, features.height))
    scores = _forest_scores(features, seed)
    cutoff = math.inf
    if scores is not None:
        cutoff = float(np.quantile(scores, 1.0 - FOREST_SHARE, method="higher"))
        features = features.with_columns(pl.Series("score", scores))
    else:
        features = features.with_columns(pl.lit(None, dtype=pl.Float64).alias("score"))
    flagged = features.with_columns(
        robust_z(pl.col("duration_s").log1p()).alias("duration_z"),
        robust_z(pl.col("rework_count")).alias("rework_z"),
        pl.median("duration_s").alias("median_duration_s"),
        pl.median("rework_count").alias("median_rework"),
        pl.lit(features.height).alias("case_total"),
    ).join(_case_edges(steps, edges), on=CASE, how="left")
    flagged = flagged.with_columns(
        (pl.col("duration_z").abs() > ROBUST_Z_LIMIT).alias("extreme_duration"),
        pl.col("rare_edge").is_not_null().alias("rare_transition"),
        pl.col("order_edge").is_not_null().alias("order_violation"),
        ((pl.col("rework_z") > ROBUST_Z_LIMIT) & (pl.col("rework_count") > 0)).alias("rework"),
        (pl.col("score").fill_null(-1.0) >= cutoff).alias("isolation_forest"),
    )
    return flagged, edges, scores is not None


def _severity_expr() -> pl.Expr:
    count = pl.sum_horizontal(pl.col(name).cast(pl.Int32) for name in DETECTORS)
    strong = pl.col("extreme_duration") | pl.col("rare_transition") | pl.col("order_violation")
    very_long = pl.col("duration_z").abs() >= 2 * ROBUST_Z_LIMIT
    return (
        pl.when(very_long | (count >= 3))
        .then(pl.lit(Severity.HIGH.value))
        .when((count == 2) | strong)
        .then(pl.lit(Severity.MEDIUM.value))
        .otherwise(pl.lit(Severity.LOW.value))
    )


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


def _reason(row: dict[str, Any]) -> str:
    parts: list[str] = []
    if row["extreme_duration"]:
        parts.append(
            f"took {span_text(row['duration_s'])} against a median of "
            f"{span_text(row['median_duration_s'])} "
            f"(robust z-score {row['duration_z']:+.1f})"
        )
    if row["rare_transition"]:
        parts.append(
            f"contains the rare transition {row['rare_edge']}, seen in only "
            f"{row['rare_edge_cases']} of {row['case_total']} cases"
        )
    if row["order_violation"]:
        parts.append(
            f"runs {row['order_edge']} ({_times(row['order_frequency'])} in the log) although "
            f"the reverse order occurs {_times(row['reverse'])}"
        )
    if row["rework"]:
        parts.append(
            f"repeats activities {row['rework_count']:.0f} times against a "
            f"median of {row['median_rework']:.0f}"
        )
    if row["isolation_forest"]:
        parts.append(
            f"its feature profile is among the {FOREST_SHARE:.0%} most isolated cases "
            f"(score {row['score']:.2f})"
        )
    return f"Case {row[CASE]} " + "; ".join(parts) + "."


def _labelled_anomalous(frame: pl.DataFrame, label_column: str) -> pl.DataFrame:
    """Per case: True when any of its events carries a label outside ``NORMAL_LABELS``."""
    column = pl.col(label_column)
    dtype = frame.schema[label_column]
    if dtype == pl.Boolean:
        anomalous = column
    elif dtype.is_numeric():
        anomalous = column != 0
    else:
        text = column.cast(pl.String).str.strip_chars().str.to_lowercase()
        anomalous = ~text.is_in(list(NORMAL_LABELS))
    return frame.group_by(CASE).agg(anomalous.fill_null(False).any().alias("labelled"))


def _label_rates(
    frame: pl.DataFrame, flagged: pl.DataFrame, label_column: str | None
) -> tuple[float | None, float | None, str | None]:
    """False positive rate, detection rate and the reason when they are None."""
    if label_column is None:
        return None, None, NO_LABEL_REASON
    if label_column not in frame.columns:
        return None, None, f"the log has no column named {label_column!r} to read labels from"
    labels = _labelled_anomalous(frame, label_column)
    joined = flagged.select(CASE, "any_flag").join(labels, on=CASE, how="left")
    flagged_cases = joined.filter(pl.col("any_flag"))
    anomalous = joined.filter(pl.col("labelled"))
    detection = anomalous.select(pl.col("any_flag").mean()).item() if anomalous.height else None
    if flagged_cases.height == 0:
        return None, detection, "no case was flagged, so the share of false positives is undefined"
    false_positives = flagged_cases.filter(~pl.col("labelled")).height
    return false_positives / flagged_cases.height, detection, None


def detect_anomalies(
    frame: pl.DataFrame, label_column: str | None = None, seed: int = 0
) -> AnomalyReport:
    """Flag anomalous cases of a canonical event log (see the module docstring).

    ``label_column``, when given, names an event or case attribute that marks anomalous
    cases (booleans, non-zero numbers, or any text outside ``NORMAL_LABELS``); it is used
    only to score the detectors, never as a feature. The same ``seed`` gives the same report.
    """
    flagged, edges, forest_ran = _flag_frame(frame, seed)
    flagged = flagged.with_columns(pl.any_horizontal(DETECTORS).alias("any_flag"))
    false_positive_rate, detection_rate, reason = _label_rates(frame, flagged, label_column)
    hits = (
        flagged.filter(pl.col("any_flag"))
        .with_columns(_severity_expr().alias("severity"))
        .with_columns(
            pl.col("severity").replace_strict({"high": 0, "medium": 1, "low": 2}).alias("_rank")
        )
        .sort(["_rank", "score", CASE], descending=[False, True, False], nulls_last=True)
    )
    anomalies = tuple(
        Anomaly(
            case_id=row[CASE],
            detectors=tuple(name for name in DETECTORS if row[name]),
            severity=Severity(row["severity"]),
            score=row["score"],
            reason=_reason(row),
        )
        for row in hits.iter_rows(named=True)
    )
    return AnomalyReport(
        case_count=flagged.height,
        anomalies=anomalies,
        counts_by_severity={
            level.value: hits.filter(pl.col("severity") == level.value).height for level in Severity
        },
        counts_by_detector={name: int(flagged.get_column(name).sum()) for name in DETECTORS},
        rare_transitions=_edge_list(edges.filter(pl.col("rare"))),
        order_violations=_edge_list(edges.filter(pl.col("order_violation"))),
        false_positive_rate=false_positive_rate,
        false_positive_rate_reason=reason,
        detection_rate=detection_rate,
        notes=()
        if forest_ran
        else (f"isolation forest skipped: it needs at least {MIN_FOREST_CASES} cases",),
    )


def _edge_list(edges: pl.DataFrame) -> tuple[Transition, ...]:
    return tuple(
        Transition(source=row["source"], target=row["target"], case_count=row["case_count"])
        for row in edges.sort(["case_count", "source", "target"]).iter_rows(named=True)
    )


__all__ = [
    "DETECTORS",
    "NO_LABEL_REASON",
    "Anomaly",
    "AnomalyReport",
    "Severity",
    "Transition",
    "detect_anomalies",
    "robust_z",
    "span_text",
]
