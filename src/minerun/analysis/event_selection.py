"""Which events of a log an analysis reads: the ``lifecycle`` event selection.

- ``all``: every event as recorded, whatever its lifecycle transition (a ``start`` and a
  ``complete`` of one work item are two events), as pm4py reads a raw log;
- ``complete``: only ``complete`` transitions (an event without a transition counts as one),
  so each activity instance is one event at its completion time;
- ``instances``: ``start``/``complete`` pairs merged into activity instances with a start
  and an end timestamp by the ``merge_lifecycle`` cleaning rule (pm4py's interval
  conversion); waiting time (previous end to start) and processing time (start to end) are
  then measured apart.

A log without a lifecycle column is the same under every selection. The definitions are
written out for analysts in ``docs/analysis/event-selection.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

import polars as pl

from minerun.analysis.cleaning.base import Environment
from minerun.analysis.cleaning.lifecycle import MergeLifecycle
from minerun.analysis.columns import START_TIMESTAMP
from minerun.analysis.eventlog import LIFECYCLE

__all__ = ["LIFECYCLE_SELECTIONS", "EventSelection", "select_events", "start_events"]

LIFECYCLE_SELECTIONS: Final = ("all", "complete", "instances")


@dataclass(frozen=True)
class EventSelection:
    """The selected events and what the selection did.

    ``counts`` are the ``merge_lifecycle`` tallies for ``instances`` (instances, pairs made,
    starts never completed, schedule and other transitions dropped), and the events
    dropped for ``complete``; empty for ``all``.
    """

    frame: pl.DataFrame
    lifecycle: str
    events_before: int
    counts: dict[str, int] = field(default_factory=dict)


def _transition() -> pl.Expr:
    return pl.col(LIFECYCLE).str.strip_chars().str.to_lowercase().fill_null("complete")


def start_events(frame: pl.DataFrame) -> int:
    """Events whose lifecycle transition is ``start`` (0 without a lifecycle column)."""
    if LIFECYCLE not in frame.columns:
        return 0
    return int(frame.select((_transition() == "start").sum()).item())


def select_events(frame: pl.DataFrame, lifecycle: str = "all") -> EventSelection:
    """The events of ``frame`` that ``lifecycle`` selects (one of LIFECYCLE_SELECTIONS)."""
    if lifecycle not in LIFECYCLE_SELECTIONS:
        raise ValueError(f"lifecycle must be one of {', '.join(LIFECYCLE_SELECTIONS)}")
    before = frame.height
    if lifecycle == "all" or LIFECYCLE not in frame.columns:
        return EventSelection(frame, lifecycle, before)
    if lifecycle == "complete":
        kept = frame.filter(_transition() == "complete")
        return EventSelection(kept, lifecycle, before, {"eventsDropped": before - kept.height})
    outcome = MergeLifecycle().apply(frame, Environment(now=datetime.now(UTC)))
    merged = outcome.frame
    if outcome.counts.get("pairedInstances", 0) == 0 and START_TIMESTAMP not in frame.columns:
        # No start was recorded: every instance is an instant, and a start column made of
        # completion times would claim processing times of zero that nobody measured.
        merged = merged.drop(START_TIMESTAMP)
    return EventSelection(merged, lifecycle, before, dict(outcome.counts))
