"""Derived attributes added to every event of a log, so that later analyses can use them.

Case attributes (the same value on every event of a case):

- ``case_duration_seconds``: last completion timestamp minus the first timestamp (or the
  earliest start timestamp, when earlier), the cycle time of
  :func:`minerun.analysis.discovery.case_durations`;
- ``case_length``: number of events of the case;
- ``case_rework_count``: events that repeat a step seen earlier in the case, where a step
  is the activity, or the (activity, lifecycle transition) pair when the log has
  transitions, as the rework of :mod:`minerun.analysis.performance` counts them;
- ``case_start_weekday`` (1 = Monday … 7 = Sunday) and ``case_start_hour`` (0-23) of the
  case's start, in UTC.

Event attributes, with events of a case ordered by (timestamp, source position):

- ``waiting_seconds``: null for the first event of a case; otherwise, without start
  timestamps, its completion minus the previous event's completion; with them, its start
  minus the previous completion, floored at 0, and null where its start is unknown (the
  waiting time of :mod:`minerun.analysis.performance`);
- ``processing_seconds``: completion minus start, only added when the log has start
  timestamps, null where the start is unknown.

Columns that already exist (enrichment run twice) are recomputed and reported as replaced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from minerun.analysis.columns import ACTIVITY, CASE, EVENT_INDEX, START_TIMESTAMP, TIMESTAMP
from minerun.analysis.discovery import duration_seconds
from minerun.analysis.eventlog import LIFECYCLE

__all__ = ["CASE_COLUMNS", "EVENT_COLUMNS", "Enrichment", "enrich"]

CASE_COLUMNS: Final = (
    "case_duration_seconds",
    "case_length",
    "case_rework_count",
    "case_start_weekday",
    "case_start_hour",
)
"""Case attributes :func:`enrich` adds, in this order."""

EVENT_COLUMNS: Final = ("waiting_seconds", "processing_seconds")
"""Event attributes :func:`enrich` adds (``processing_seconds`` only with start times)."""


@dataclass(frozen=True)
class Enrichment:
    """The enriched frame, in canonical order, and the columns it gained or recomputed."""

    frame: pl.DataFrame
    columns_added: tuple[str, ...]
    columns_replaced: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """What the results report: ``columnsAdded`` and ``columnsReplaced``."""
        return {
            "columnsAdded": list(self.columns_added),
            "columnsReplaced": list(self.columns_replaced),
        }


def enrich(frame: pl.DataFrame, *, cases: bool = True, events: bool = True) -> Enrichment:
    """Add the case attributes (``cases``) and event attributes (``events``) of the module."""
    ordered = frame.sort([CASE, TIMESTAMP, EVENT_INDEX])
    new: list[pl.Expr] = []
    if cases:
        new.extend(_case_attributes(ordered))
    if events:
        new.extend(_event_attributes(ordered))
    enriched = ordered.with_columns(new)
    names = [column for column in enriched.columns if column not in frame.columns]
    replaced = [expr.meta.output_name() for expr in new if expr.meta.output_name() in frame.columns]
    return Enrichment(enriched, tuple(names), tuple(replaced))


def _case_attributes(frame: pl.DataFrame) -> list[pl.Expr]:
    begin = pl.col(TIMESTAMP).min()
    if START_TIMESTAMP in frame.columns:
        begin = pl.min_horizontal(pl.col(START_TIMESTAMP).min(), begin)
    step: pl.Expr = pl.col(ACTIVITY)
    if LIFECYCLE in frame.columns:
        step = pl.concat_str(ACTIVITY, pl.col(LIFECYCLE).fill_null(""), separator="\x00")
    return [
        duration_seconds(pl.col(TIMESTAMP).max() - begin).over(CASE).alias(CASE_COLUMNS[0]),
        pl.len().over(CASE).cast(pl.Int64).alias(CASE_COLUMNS[1]),
        (pl.len() - step.n_unique()).over(CASE).cast(pl.Int64).alias(CASE_COLUMNS[2]),
        begin.dt.weekday().over(CASE).cast(pl.Int8).alias(CASE_COLUMNS[3]),
        begin.dt.hour().over(CASE).cast(pl.Int8).alias(CASE_COLUMNS[4]),
    ]


def _event_attributes(frame: pl.DataFrame) -> list[pl.Expr]:
    # The frame is sorted by case, so the previous row is the previous event of the case
    # exactly when it has the same case id.
    same_case = pl.col(CASE).shift(1) == pl.col(CASE)
    previous_end = pl.when(same_case).then(pl.col(TIMESTAMP).shift(1))
    if START_TIMESTAMP not in frame.columns:
        waited = duration_seconds(pl.col(TIMESTAMP) - previous_end)
        return [waited.alias(EVENT_COLUMNS[0])]
    waited = duration_seconds(pl.col(START_TIMESTAMP) - previous_end).clip(lower_bound=0)
    processing = duration_seconds(pl.col(TIMESTAMP) - pl.col(START_TIMESTAMP))
    return [waited.alias(EVENT_COLUMNS[0]), processing.alias(EVENT_COLUMNS[1])]
