"""Cleaning rules on the real logs give exactly what pm4py's same operations give.

- ``merge_lifecycle`` on BPIC 2012 = pm4py's ``interval_lifecycle.to_interval``: the same
  activity instances (case, activity, start, end);
- the filters = ``filter_time_range`` (every mode), ``filter_event_attribute_values``,
  ``filter_case_size``, ``filter_case_performance`` and ``filter_variants_top_k``: the same
  cases with the same number of events;
- ``remove_duplicates`` = pandas' ``drop_duplicates`` on pm4py's frame over the attributes
  minerun keeps.

pm4py's time-range modes use closed bounds except ``traces_intersecting`` (open), so the
windows here fall between events, where every convention agrees.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import polars as pl
import pytest

from minerun.analysis.cleaning import apply_rules, parse_rules
from minerun.analysis.columns import ACTIVITY, CASE, RESOURCE, START_TIMESTAMP, TIMESTAMP
from minerun.analysis.eventlog import LIFECYCLE, CsvMapping, read_any
from tests.conftest import SHARED_DATA
from tests.support.reference import SHARED_LOGS, pm4py_frame

pm4py = pytest.importorskip("pm4py")

pytestmark = [
    pytest.mark.pm4py,
    pytest.mark.filterwarnings("ignore:Install the optional requirement:UserWarning"),
]

SEPSIS = CsvMapping("Case ID", "Activity", "Complete Timestamp", delimiter=";")
PM4PY_NAMES = {
    CASE: "case:concept:name",
    ACTIVITY: "concept:name",
    TIMESTAMP: "time:timestamp",
    RESOURCE: "org:resource",
    LIFECYCLE: "lifecycle:transition",
}


@dataclass(frozen=True)
class Pair:
    """The same log as pm4py and minerun read it."""

    name: str
    reference: Any
    frame: pl.DataFrame


@functools.cache
def load(name: str) -> Pair:
    """Each log once per run: pm4py needs about 30 s for BPIC 2012."""
    path = SHARED_DATA / name
    if not path.is_file():
        pytest.skip(f"shared log {path} is absent (set MINERUN_SHARED_DATA)")
    mapping = SEPSIS if name == "sepsis.csv" else None
    return Pair(name, pm4py_frame(path, SHARED_LOGS[name]), read_any(path, mapping).frame)


@pytest.fixture(
    scope="module",
    params=[
        "receipt.xes.gz",
        "sepsis.csv",
        pytest.param("bpic2012.xes.gz", marks=pytest.mark.slow),
    ],
)
def log(request: pytest.FixtureRequest) -> Pair:
    return load(request.param)


def cleaned(frame: pl.DataFrame, rule: dict[str, Any]) -> Counter[str]:
    """Events per case after the rule."""
    result = apply_rules(frame, parse_rules([rule])).frame
    return Counter(result[CASE].to_list())


def expected(reference: Any) -> Counter[str]:
    return Counter(reference["case:concept:name"].astype(str).tolist())


@pytest.mark.slow
def test_merge_lifecycle_equals_pm4py_interval_conversion() -> None:
    from pm4py.objects.log.util import interval_lifecycle

    pair = load("bpic2012.xes.gz")
    intervals = interval_lifecycle.to_interval(pm4py.convert_to_event_log(pair.reference))
    theirs = Counter(
        (
            trace.attributes["concept:name"],
            event["concept:name"],
            event["start_timestamp"],
            event["time:timestamp"],
        )
        for trace in intervals
        for event in trace
    )
    merged = apply_rules(pair.frame, parse_rules(["merge_lifecycle"]))
    ours = Counter(merged.frame.select(CASE, ACTIVITY, START_TIMESTAMP, TIMESTAMP).iter_rows())
    assert ours == theirs
    counts = merged.changes[0].counts
    assert counts["instances"] == sum(theirs.values())
    # BPIC 2012's work items (W_*) have starts: they are the instances that got a pair.
    paired = merged.frame.filter(pl.col(START_TIMESTAMP) != pl.col(TIMESTAMP))
    assert paired[ACTIVITY].str.starts_with("W_").all()
    assert counts["pairedInstances"] >= paired.height > 0


def window(frame: pl.DataFrame) -> tuple[Any, Any]:
    """Bounds at the 30% and 60% timestamps, moved off any event by 1 µs."""
    stamps = frame[TIMESTAMP].sort()
    low, high = stamps[int(stamps.len() * 0.3)], stamps[int(stamps.len() * 0.6)]
    return low + timedelta(microseconds=1), high - timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("pm4py_mode", "mode"),
    [
        ("events", "trim"),
        ("traces_contained", "contained"),
        ("traces_intersecting", "intersecting"),
        ("traces_starting_in", "started"),
        ("traces_completing_in", "completed"),
    ],
)
def test_time_window_equals_filter_time_range(log: Pair, pm4py_mode: str, mode: str) -> None:
    low, high = window(log.frame)
    if not set(log.frame[TIMESTAMP].to_list()).isdisjoint({low, high}):
        pytest.skip("the bounds fall on an event")
    theirs = pm4py.filter_time_range(log.reference, low, high, mode=pm4py_mode)
    rule = {"rule": "filter_time_window", "start": low.isoformat(), "end": high.isoformat()}
    ours = cleaned(log.frame, {**rule, "mode": mode})
    assert ours == expected(theirs) and 0 < len(ours) < log.frame[CASE].n_unique()


def frequent(frame: pl.DataFrame, column: str, n: int) -> list[str]:
    counts = (
        frame[column].drop_nulls().value_counts().sort(["count", column], descending=[True, False])
    )
    return counts[column].head(n).to_list()


@pytest.mark.parametrize("level", ["case", "event"])
@pytest.mark.parametrize("keep", [True, False])
def test_attribute_filter_equals_filter_event_attribute_values(
    log: Pair, level: str, keep: bool
) -> None:
    column = RESOURCE if RESOURCE in log.frame.columns else ACTIVITY
    values = frequent(log.frame, column, 2)
    theirs = pm4py.filter_event_attribute_values(
        log.reference, PM4PY_NAMES[column], values, level=level, retain=keep
    )
    rule = {"rule": "filter_attribute", "attribute": column, "values": values}
    assert cleaned(log.frame, {**rule, "level": level, "keep": keep}) == expected(theirs)


def test_activity_filter_equals_removing_activity_values(log: Pair) -> None:
    values = frequent(log.frame, ACTIVITY, 3)
    theirs = pm4py.filter_event_attribute_values(
        log.reference, "concept:name", values, level="event", retain=False
    )
    assert cleaned(log.frame, {"rule": "filter_activities", "remove": values}) == expected(theirs)


def test_case_length_equals_filter_case_size(log: Pair) -> None:
    theirs = pm4py.filter_case_size(log.reference, 3, 10)
    ours = cleaned(log.frame, {"rule": "filter_case_length", "min": 3, "max": 10})
    assert ours == expected(theirs) and ours


def test_case_duration_equals_filter_case_performance(log: Pair) -> None:
    low, high = 86400.0, 30 * 86400.0
    theirs = pm4py.filter_case_performance(log.reference, low, high)
    rule = {"rule": "filter_case_duration", "minSeconds": low, "maxSeconds": high}
    assert cleaned(log.frame, rule) == expected(theirs)


def test_top_variants_equals_filter_variants_top_k(log: Pair) -> None:
    counts = sorted(
        (
            len(c) if not isinstance(c, int) else c
            for c in pm4py.get_variants(log.reference).values()
        ),
        reverse=True,
    )
    # Where two variants tie at the cut, pm4py and minerun break the tie differently.
    cuts = [k for k in (1, 2, 3, 5, 10, 20) if k < len(counts) and counts[k - 1] > counts[k]]
    assert cuts
    for k in cuts:
        theirs = pm4py.filter_variants_top_k(log.reference, k)
        assert cleaned(log.frame, {"rule": "filter_top_variants", "k": k}) == expected(theirs)


@pytest.mark.parametrize("name", ["sepsis.csv", "bpic2020_permit_1t_per_variant.xes.gz"])
def test_remove_duplicates_equals_drop_duplicates(name: str) -> None:
    pair = load(name)
    keys = [PM4PY_NAMES[c] for c in pair.frame.columns if c in PM4PY_NAMES]
    theirs = pair.reference.drop_duplicates(subset=keys)
    result = apply_rules(pair.frame, parse_rules(["remove_duplicates"]))
    assert result.changes[0].counts["duplicates"] == len(pair.reference) - len(theirs) > 0
    assert Counter(result.frame[CASE].to_list()) == expected(theirs)
