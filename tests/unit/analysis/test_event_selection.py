"""The ``lifecycle`` event selection on hand-built logs with known answers."""

from __future__ import annotations

import polars as pl
import pytest

from minerun.analysis.columns import ACTIVITY, START_TIMESTAMP, TIMESTAMP
from minerun.analysis.discovery import discover
from minerun.analysis.event_selection import select_events, start_events
from minerun.analysis.eventlog import LIFECYCLE
from minerun.analysis.performance import analyze_performance
from tests.support.eventframes import at, events

HOUR = 3600.0


def work_log() -> pl.DataFrame:
    """A starts 0 ends 1; B scheduled 2, starts 3, ends 5; C completes 6 with no start."""
    return events(
        [
            ("c1", "A", 0),
            ("c1", "A", 1),
            ("c1", "B", 2),
            ("c1", "B", 3),
            ("c1", "B", 5),
            ("c1", "C", 6),
        ],
        lifecycle=["start", "complete", "schedule", "start", "complete", "complete"],
    )


def test_all_keeps_every_event_as_recorded() -> None:
    selection = select_events(work_log(), "all")
    assert selection.frame.equals(work_log())
    assert selection.counts == {} and selection.events_before == 6
    assert start_events(work_log()) == 2


def test_complete_keeps_only_completions() -> None:
    selection = select_events(work_log(), "complete")
    assert selection.frame[ACTIVITY].to_list() == ["A", "B", "C"]
    assert selection.frame[TIMESTAMP].to_list() == [at(1), at(5), at(6)]
    assert selection.counts == {"eventsDropped": 3}


def test_instances_pair_starts_with_completions() -> None:
    selection = select_events(work_log(), "instances")
    frame = selection.frame
    assert frame.select(ACTIVITY, START_TIMESTAMP, TIMESTAMP).rows() == [
        ("A", at(0), at(1)),
        ("B", at(3), at(5)),
        ("C", at(6), at(6)),
    ]
    assert LIFECYCLE not in frame.columns
    assert selection.counts["pairedInstances"] == 2
    assert selection.counts["scheduleDropped"] == 1


def test_instances_measure_waiting_apart_from_processing() -> None:
    frame = select_events(work_log(), "instances").frame
    edges = {(e.source, e.target): e.mean_seconds for e in discover(frame, intervals=True).edges}
    # A ends at 1, B starts at 3: two hours of waiting; the raw log mixes B's work in.
    assert edges == {("A", "B"): 2 * HOUR, ("B", "C"): 1 * HOUR}
    perf = analyze_performance(frame)
    assert perf.has_start_timestamps
    timing = {t.activity: t for t in perf.activities}
    assert timing["A"].processing_mean_seconds == 1 * HOUR
    assert timing["B"].processing_mean_seconds == 2 * HOUR
    assert timing["B"].waiting_mean_seconds == 2 * HOUR
    assert timing["C"].waiting_mean_seconds == 1 * HOUR
    raw = analyze_performance(work_log())
    assert not raw.has_start_timestamps


def test_overlapping_instances_wait_zero_and_follow_their_starts() -> None:
    log = events(
        [("c1", "A", 0), ("c1", "B", 1), ("c1", "A", 2), ("c1", "B", 3)],
        lifecycle=["start", "start", "complete", "complete"],
    )
    frame = select_events(log, "instances").frame
    (edge,) = discover(frame, intervals=True).edges
    assert (edge.source, edge.target, edge.mean_seconds) == ("A", "B", 0.0)


def test_a_log_with_completions_only_has_no_start_timestamps_as_instances() -> None:
    log = events([("c1", "A", 0), ("c1", "B", 1)], lifecycle=["complete", "COMPLETE"])
    frame = select_events(log, "instances").frame
    assert START_TIMESTAMP not in frame.columns
    assert not analyze_performance(frame).has_start_timestamps


@pytest.mark.parametrize("lifecycle", ["all", "complete", "instances"])
def test_a_log_without_transitions_is_the_same_under_every_selection(lifecycle: str) -> None:
    log = events([("c1", "A", 0), ("c1", "B", 1)])
    assert select_events(log, lifecycle).frame.equals(log)


def test_an_unknown_selection_is_refused() -> None:
    with pytest.raises(ValueError, match="lifecycle"):
        select_events(work_log(), "starts")
