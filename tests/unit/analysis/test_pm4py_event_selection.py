"""The ``instances`` event selection on BPIC 2012 against pm4py's interval log.

pm4py converts START/COMPLETE pairs with ``interval_lifecycle.to_interval`` and measures a
directly-follows edge of an interval log from the source's end to the target's start
(``get_dfg_graph`` with a start timestamp key, the wait floored at 0); minerun's
``discover(..., intervals=True)`` on ``select_events(frame, "instances")`` must give the same
edges, frequencies and mean times. ``complete`` must give pm4py's DFG of the log filtered
to its COMPLETE events.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

import polars as pl
import pytest

from minerun.analysis.discovery import discover
from minerun.analysis.event_selection import select_events
from minerun.analysis.eventlog import read_any
from minerun.analysis.performance import analyze_performance
from tests.conftest import SHARED_DATA

pm4py = pytest.importorskip("pm4py")

pytestmark = [pytest.mark.pm4py, pytest.mark.slow]

SELF_LOOP = "W_Nabellen offertes"


@functools.cache
def bpic2012() -> tuple[pl.DataFrame, Any, Any]:
    path = SHARED_DATA / "bpic2012.xes.gz"
    if not path.is_file():
        pytest.skip(f"shared log {path} is absent (set MINERUN_SHARED_DATA)")
    from pm4py.objects.log.util import interval_lifecycle

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        log = pm4py.read_xes(str(path), return_legacy_log_object=True)
        intervals = pm4py.convert_to_dataframe(interval_lifecycle.to_interval(log))
        raw = pm4py.convert_to_dataframe(log)
    return read_any(path).frame, intervals, raw


def test_instance_dfg_equals_pm4py_interval_dfg() -> None:
    from pm4py.algo.discovery.dfg.adapters.pandas import df_statistics

    frame, intervals, _ = bpic2012()
    frequency, performance = df_statistics.get_dfg_graph(
        intervals,
        measure="both",
        activity_key="concept:name",
        timestamp_key="time:timestamp",
        case_id_glue="case:concept:name",
        start_timestamp_key="start_timestamp",
        perf_aggregation_key="mean",
    )
    found = discover(select_events(frame, "instances").frame, intervals=True)
    ours = {(e.source, e.target): (e.count, e.mean_seconds) for e in found.edges}
    assert {edge: count for edge, (count, _) in ours.items()} == dict(frequency)
    for edge, seconds in performance.items():
        assert ours[edge][1] == pytest.approx(seconds, rel=1e-9, abs=1e-6)


def test_complete_events_give_pm4py_dfg_of_the_completions() -> None:
    frame, _, raw = bpic2012()
    completions = raw[raw["lifecycle:transition"].str.lower() == "complete"]
    dfg, starts, ends = pm4py.discover_dfg(completions)
    found = discover(select_events(frame, "complete").frame)
    assert {(e.source, e.target): e.count for e in found.edges} == dict(dfg)
    assert found.start_activities == dict(starts) and found.end_activities == dict(ends)


def test_instances_separate_processing_from_waiting_on_the_self_loop() -> None:
    frame, _, _ = bpic2012()
    raw = {(e.source, e.target): e for e in discover(frame).edges}
    selected = select_events(frame, "instances")
    merged = {(e.source, e.target): e for e in discover(selected.frame, intervals=True).edges}
    loop_raw, loop_merged = raw[SELF_LOOP, SELF_LOOP], merged[SELF_LOOP, SELF_LOOP]
    # Raw events count START->COMPLETE of one work item as a loop; instances do not, and
    # the loop's time is the wait from one call's end to the next call's start.
    assert loop_merged.count < loop_raw.count
    waits = _self_loop_waits(selected.frame, SELF_LOOP)
    assert loop_merged.count == len(waits)
    assert loop_merged.mean_seconds == pytest.approx(sum(waits) / len(waits), rel=1e-9)
    # The raw loop's median is a call's own duration (minutes); the wait is days.
    assert loop_merged.median_seconds > 100 * loop_raw.median_seconds
    perf = analyze_performance(selected.frame)
    assert perf.has_start_timestamps
    timing = next(t for t in perf.activities if t.activity == SELF_LOOP)
    assert timing.processing_events > 0 and timing.processing_mean_seconds is not None
    assert timing.processing_mean_seconds > 0
    assert not analyze_performance(frame).has_start_timestamps


def _self_loop_waits(instances: pl.DataFrame, activity: str) -> list[float]:
    """End-to-start waits between consecutive instances of ``activity`` (pm4py's order)."""
    rows = instances.sort("case_id", "start_timestamp", "timestamp", "event_index")
    waits = []
    previous: dict[str, Any] | None = None
    for row in rows.iter_rows(named=True):
        if (
            previous is not None
            and previous["case_id"] == row["case_id"]
            and previous["activity"] == row["activity"] == activity
        ):
            begin = max(row["start_timestamp"], previous["timestamp"])
            waits.append((begin - previous["timestamp"]).total_seconds())
        previous = row
    return waits
