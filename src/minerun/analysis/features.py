"""Features for the machine-learning part of the engine, built with Polars only.

Two granularities:

- :func:`case_features`: one row per case (size, duration, gaps, rework, start time, share of
  rare transitions), the input of the anomaly detectors.
- :func:`prefix_features`: one row per event, describing the case *up to and including* that
  event (a prefix), with the targets of the predictors: the remaining time of the case and the
  next activity (``END_OF_CASE`` after the last event).

A transition is a pair of directly consecutive activities in a case (a directly-follows edge).
It is *rare* when fewer than ``RARE_TRANSITION_CASE_SHARE`` of the cases contain it.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from minerun.analysis.columns import ACTIVITY, CASE, START_TIMESTAMP, TIMESTAMP

RARE_TRANSITION_CASE_SHARE = 0.01
"""A transition seen in fewer than 1% of the cases is rare."""

MAX_VOCABULARY = 30
"""Prefix features name at most this many activities (the most frequent); others are pooled."""

END_OF_CASE = "<end>"
"""Next-activity label of the last event of a case."""

OTHER_ACTIVITY = "<other>"
"""Name of the pool of activities outside the prefix vocabulary."""

CASE_FEATURE_COLUMNS: tuple[str, ...] = (
    "event_count",
    "distinct_activities",
    "duration_s",
    "mean_gap_s",
    "max_gap_s",
    "rework_count",
    "start_weekday",
    "start_hour",
    "rare_transition_count",
    "rare_transition_share",
)
"""Numeric columns of :func:`case_features`, in model order."""

_SOURCE = "source"
_TARGET = "target"


def _seconds(expr: pl.Expr) -> pl.Expr:
    return expr.dt.total_microseconds().cast(pl.Float64) / 1e6


def _case_start(frame: pl.DataFrame) -> pl.Expr:
    """Start of the case: its first completion, or an earlier recorded start time."""
    first = pl.col(TIMESTAMP).min()
    if START_TIMESTAMP in frame.columns:
        return pl.min_horizontal(first, pl.col(START_TIMESTAMP).min())
    return first


def transitions(frame: pl.DataFrame) -> pl.DataFrame:
    """Every directly-follows step of the log, one row per pair of consecutive events.

    Columns: ``case_id``, ``source``, ``target`` (activities) and ``gap_s`` (seconds between
    the two completion times).
    """
    # The log is sorted by case: the next row belongs to the same case exactly when its case
    # id is equal, which is cheaper than a window per case.
    return (
        frame.lazy()
        .select(
            pl.col(CASE),
            pl.col(ACTIVITY).alias(_SOURCE),
            pl.col(ACTIVITY).shift(-1).alias(_TARGET),
            _seconds(pl.col(TIMESTAMP).shift(-1) - pl.col(TIMESTAMP)).alias("gap_s"),
            (pl.col(CASE).shift(-1) == pl.col(CASE)).alias("_same"),
        )
        .filter(pl.col("_same"))
        .drop("_same")
        .collect()
    )


def transition_table(steps: pl.DataFrame, case_count: int) -> pl.DataFrame:
    """Directly-follows graph with frequencies, from :func:`transitions`.

    Columns: ``source``, ``target``, ``frequency`` (steps), ``case_count`` (cases containing
    the edge), ``case_share`` and ``rare`` (``case_share < RARE_TRANSITION_CASE_SHARE``),
    sorted by source and target so that the order never depends on hashing.
    """
    return (
        steps.group_by(_SOURCE, _TARGET)
        .agg(pl.len().alias("frequency"), pl.col(CASE).n_unique().alias("case_count"))
        .with_columns((pl.col("case_count") / max(case_count, 1)).alias("case_share"))
        .with_columns((pl.col("case_share") < RARE_TRANSITION_CASE_SHARE).alias("rare"))
        .sort(_SOURCE, _TARGET)
    )


def case_features(frame: pl.DataFrame, steps: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per case: ``case_id`` and the numeric :data:`CASE_FEATURE_COLUMNS`.

    ``steps`` is the output of :func:`transitions`, passed when the caller already has it.
    Rows are sorted by ``case_id``; a case with one event has zero gaps and transitions.
    """
    steps = transitions(frame) if steps is None else steps
    case_count = frame.select(pl.col(CASE).n_unique()).item()
    table = transition_table(steps, case_count).select(_SOURCE, _TARGET, "rare")
    per_case_steps = (
        steps.join(table, on=[_SOURCE, _TARGET], how="left")
        .group_by(CASE)
        .agg(
            pl.col("gap_s").max().alias("max_gap_s"),
            pl.col("rare").sum().cast(pl.Float64).alias("rare_transition_count"),
            pl.col("rare").mean().alias("rare_transition_share"),
        )
    )
    start = _case_start(frame)
    per_case = frame.group_by(CASE).agg(
        pl.len().cast(pl.Float64).alias("event_count"),
        pl.col(ACTIVITY).n_unique().cast(pl.Float64).alias("distinct_activities"),
        _seconds(pl.col(TIMESTAMP).max() - start).alias("duration_s"),
        _seconds(pl.col(TIMESTAMP).max() - pl.col(TIMESTAMP).min()).alias("span_s"),
        start.dt.weekday().cast(pl.Float64).alias("start_weekday"),
        start.dt.hour().cast(pl.Float64).alias("start_hour"),
    )
    return (
        per_case.join(per_case_steps, on=CASE, how="left")
        .with_columns(
            (pl.col("event_count") - pl.col("distinct_activities")).alias("rework_count"),
            # Completions are sorted, so the mean gap is the completion span over the gaps;
            # computed this way it is exact and independent of the summation order.
            pl.when(pl.col("event_count") > 1)
            .then(pl.col("span_s") / (pl.col("event_count") - 1))
            .otherwise(0.0)
            .alias("mean_gap_s"),
            pl.col("max_gap_s", "rare_transition_count", "rare_transition_share")
            .cast(pl.Float64)
            .fill_null(0.0),
        )
        .select(CASE, *CASE_FEATURE_COLUMNS)
        .sort(CASE)
    )


def activity_vocabulary(frame: pl.DataFrame, limit: int = MAX_VOCABULARY) -> tuple[str, ...]:
    """The ``limit`` most frequent activities, ties broken by name (deterministic)."""
    counts = (
        frame.group_by(ACTIVITY)
        .agg(pl.len().alias("n"))
        .sort(["n", ACTIVITY], descending=[True, False])
    )
    return tuple(counts.get_column(ACTIVITY).head(limit).to_list())


def prefix_feature_names(vocabulary: Sequence[str]) -> tuple[str, ...]:
    """Names of the model inputs built by :func:`prefix_features` for this vocabulary."""
    slots = [*vocabulary, OTHER_ACTIVITY]
    return (
        "prefix_length",
        "elapsed_s",
        "gap_s",
        "distinct_so_far",
        "weekday",
        "hour",
        *(f"last={name}" for name in slots),
        *(f"previous={name}" for name in slots),
        *(f"count={name}" for name in slots),
    )


def prefix_features(frame: pl.DataFrame, vocabulary: Sequence[str]) -> pl.DataFrame:
    """One row per event: the features of the case prefix ending at it, plus targets.

    Columns: ``case_id``, ``case_start``, the names of :func:`prefix_feature_names`,
    ``remaining_s`` (seconds from this event to the case's last completion) and
    ``next_activity`` (the following activity, or ``END_OF_CASE``). Activities outside
    ``vocabulary`` count as ``OTHER_ACTIVITY``.
    """
    slots = [*vocabulary, OTHER_ACTIVITY]
    code = (
        pl.col(ACTIVITY)
        .replace_strict(list(vocabulary), list(range(len(vocabulary))), default=len(vocabulary))
        .cast(pl.Int32)
    )
    base = frame.lazy().select(
        pl.col(CASE),
        pl.col(ACTIVITY),
        pl.col(TIMESTAMP),
        code.alias("_code"),
        _case_start(frame).over(CASE).alias("case_start"),
    )
    with_codes = base.with_columns(
        pl.col("_code").shift(1).over(CASE).fill_null(-1).alias("_previous"),
        pl.int_range(1, pl.len() + 1).over(CASE).cast(pl.Float64).alias("prefix_length"),
    )
    one_hot = [(pl.col("_code") == k).cast(pl.Float64) for k in range(len(slots))]
    counts = [
        hot.cum_sum().over(CASE).alias(f"count={name}")
        for hot, name in zip(one_hot, slots, strict=True)
    ]
    features = with_codes.with_columns(
        _seconds(pl.col(TIMESTAMP) - pl.col("case_start")).alias("elapsed_s"),
        _seconds(pl.col(TIMESTAMP) - pl.col(TIMESTAMP).shift(1).over(CASE))
        .fill_null(0.0)
        .alias("gap_s"),
        pl.col(TIMESTAMP).dt.weekday().cast(pl.Float64).alias("weekday"),
        pl.col(TIMESTAMP).dt.hour().cast(pl.Float64).alias("hour"),
        *(hot.alias(f"last={name}") for hot, name in zip(one_hot, slots, strict=True)),
        *(
            (pl.col("_previous") == k).cast(pl.Float64).alias(f"previous={name}")
            for k, name in enumerate(slots)
        ),
        *counts,
        _seconds(pl.col(TIMESTAMP).max().over(CASE) - pl.col(TIMESTAMP)).alias("remaining_s"),
        pl.col(ACTIVITY).shift(-1).over(CASE).fill_null(END_OF_CASE).alias("next_activity"),
    ).with_columns(
        pl.sum_horizontal((pl.col(f"count={name}") > 0).cast(pl.Float64) for name in slots).alias(
            "distinct_so_far"
        )
    )
    names = prefix_feature_names(vocabulary)
    return features.select(CASE, "case_start", *names, "remaining_s", "next_activity").collect()


__all__ = [
    "CASE_FEATURE_COLUMNS",
    "END_OF_CASE",
    "MAX_VOCABULARY",
    "OTHER_ACTIVITY",
    "RARE_TRANSITION_CASE_SHARE",
    "activity_vocabulary",
    "case_features",
    "prefix_feature_names",
    "prefix_features",
    "transition_table",
    "transitions",
]
