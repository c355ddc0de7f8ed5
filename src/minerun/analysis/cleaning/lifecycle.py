"""``merge_lifecycle``: one row per activity instance, with a start and an end timestamp.

The pairing is pm4py's interval conversion (``interval_lifecycle.to_interval``) and Disco's:
within a case, the events of each activity are read in order (timestamp, then source
position); a ``start`` is queued, a ``complete`` takes the oldest queued ``start`` of the same
activity, if any. So the k-th matched ``complete`` of an activity gets its k-th ``start``, and
which ``complete`` is matched follows from counting: with ``S`` the starts seen up to the k-th
complete, the number of completes matched so far is ``m_k = min(m_(k-1) + 1, S)``, which
unrolls to ``m_k = k + min(0, min over j <= k of (S_j - j))``, a cumulative minimum, so the
pairing needs no loop over events.

Every ``complete`` becomes an instance: its attributes are kept, ``start_timestamp`` is the
paired start's timestamp; a ``complete`` without a start keeps its own start timestamp if the
log has one, else gets its completion time (an instant, as in pm4py and Disco). A ``start``
never completed, ``schedule`` and every other transition (``assign``, ``suspend``,
``resume``, ``ate_abort``, …) are dropped and counted. An event without a transition is a
``complete``. Transitions compare case-insensitively. The ``lifecycle`` column is removed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Final

import polars as pl

from minerun.analysis.cleaning.base import (
    CleaningRule,
    Environment,
    Outcome,
    example_rows,
    value_counts,
)
from minerun.analysis.columns import ACTIVITY, CASE, EVENT_INDEX, START_TIMESTAMP, TIMESTAMP
from minerun.analysis.eventlog import LIFECYCLE

__all__ = ["MergeLifecycle"]

_GROUP: Final = (CASE, ACTIVITY)


@dataclass(frozen=True)
class MergeLifecycle(CleaningRule):
    """Pair ``start``/``complete`` events into activity instances (see the module)."""

    name: ClassVar[str] = "merge_lifecycle"

    def columns_after(self, columns: Sequence[str]) -> list[str]:
        kept = [c for c in columns if c != LIFECYCLE]
        return kept if LIFECYCLE not in columns else list(dict.fromkeys([*kept, START_TIMESTAMP]))

    def apply(self, frame: pl.DataFrame, env: Environment) -> Outcome:
        if LIFECYCLE not in frame.columns:
            return Outcome(frame, counts={"instances": frame.height})
        transition = pl.col(LIFECYCLE).str.strip_chars().str.to_lowercase().fill_null("complete")
        counted = (
            frame.sort([CASE, TIMESTAMP, EVENT_INDEX])
            .with_columns(transition.alias("_t"))
            .with_columns(
                (pl.col("_t") == "start").cast(pl.Int64).cum_sum().over(_GROUP).alias("_starts")
            )
        )
        completes = _matched_completes(counted.filter(pl.col("_t") == "complete"))
        starts = _starts(counted, completes)
        instances = completes.join(
            starts.select(*_GROUP, "_pair", "_start_time"), on=[*_GROUP, "_pair"], how="left"
        )
        merged = _finish(instances, had_start=START_TIMESTAMP in frame.columns)
        other = counted.filter(~pl.col("_t").is_in(["start", "complete"]))
        unmatched = starts.filter(pl.col("_pair") > pl.col("_matched"))
        counts = {
            "instances": merged.height,
            "pairedInstances": starts.height - unmatched.height,
            "completeWithoutStart": merged.height - (starts.height - unmatched.height),
            "startWithoutCompleteDropped": unmatched.height,
            "scheduleDropped": other.filter(pl.col("_t") == "schedule").height,
            "otherTransitionsDropped": other.filter(pl.col("_t") != "schedule").height,
        }
        examples = value_counts(other[LIFECYCLE], "droppedTransition") + example_rows(
            unmatched.sort(EVENT_INDEX), (LIFECYCLE,)
        )
        added = () if START_TIMESTAMP in frame.columns else (START_TIMESTAMP,)
        return Outcome(
            merged, counts, columns_added=added, columns_removed=(LIFECYCLE,), examples=examples
        )


def _starts(counted: pl.DataFrame, completes: pl.DataFrame) -> pl.DataFrame:
    """Start events with ``_pair`` (their ordinal) and ``_matched`` (completes paired)."""
    matched = completes.group_by(_GROUP).agg(pl.col("_pair").count().alias("_matched"))
    return (
        counted.filter(pl.col("_t") == "start")
        .with_columns(pl.col("_starts").alias("_pair"), pl.col(TIMESTAMP).alias("_start_time"))
        .join(matched, on=list(_GROUP), how="left")
        .with_columns(pl.col("_matched").fill_null(0))
    )


def _matched_completes(completes: pl.DataFrame) -> pl.DataFrame:
    """Each complete with ``_pair``: the ordinal of its start, or null when it has none."""
    k = pl.int_range(1, pl.len() + 1).over(_GROUP)
    slack = pl.col("_starts") - pl.col("_k")
    return (
        completes.with_columns(k.alias("_k"))
        .with_columns(
            (pl.col("_k") + pl.min_horizontal(0, slack.cum_min().over(_GROUP))).alias("_m")
        )
        .with_columns(
            pl.when(pl.col("_m") > pl.col("_m").shift(1, fill_value=0).over(_GROUP))
            .then(pl.col("_m"))
            .alias("_pair")
        )
    )


def _finish(instances: pl.DataFrame, *, had_start: bool) -> pl.DataFrame:
    own = [pl.col(START_TIMESTAMP)] if had_start else []
    start = pl.coalesce("_start_time", *own, TIMESTAMP).alias(START_TIMESTAMP)
    helpers = ["_t", "_starts", "_k", "_m", "_pair", "_start_time", LIFECYCLE]
    return instances.with_columns(start).drop(helpers).sort([CASE, TIMESTAMP, EVENT_INDEX])
