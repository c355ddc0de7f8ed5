"""Discovery on the real logs gives exactly pm4py's figures.

DFG, start and end activities, variants (sequence -> number of cases) and case durations
must be identical to pm4py 2.7's on every shared log, read once per module. pm4py reads
BPIC 2012 in about 15 s with its pure-Python importer, so it stays in the default run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from minerun.analysis import discovery
from minerun.analysis.eventlog import CsvMapping, read_any
from tests.conftest import SHARED_DATA
from tests.support.reference import SHARED_LOGS, pm4py_frame

pm4py = pytest.importorskip("pm4py")

pytestmark = [
    pytest.mark.pm4py,
    # pm4py suggests its optional Rust importer on every read.
    pytest.mark.filterwarnings("ignore:Install the optional requirement:UserWarning"),
]

DATA = SHARED_DATA

SEPSIS = CsvMapping("Case ID", "Activity", "Complete Timestamp", delimiter=";")
LOGS = [
    "running-example.xes",
    "roadtraffic100traces.xes",
    "receipt.xes.gz",
    "receipt.csv",
    "sepsis.csv",
    "bpic2013_incidents.xes.gz",
    "bpic2020_permit_1t_per_variant.xes.gz",
    "bpic2012.xes.gz",
]


@dataclass(frozen=True)
class Pair:
    """The same log as pm4py and minerun read it."""

    reference: Any
    frame: Any


@pytest.fixture(scope="module", params=LOGS)
def log(request: pytest.FixtureRequest) -> Pair:
    path = DATA / request.param
    if not path.is_file():
        pytest.skip(f"shared log {path} is absent (set MINERUN_SHARED_DATA)")
    mapping = SEPSIS if path.name == "sepsis.csv" else None
    return Pair(pm4py_frame(path, SHARED_LOGS[path.name]), read_any(path, mapping).frame)


def test_dfg_and_start_end_activities_match(log: Pair) -> None:
    dfg, starts, ends = pm4py.discover_dfg(log.reference)
    edges = discovery.directly_follows(log.frame)
    assert {(edge.source, edge.target): edge.count for edge in edges} == dict(dfg)
    assert discovery.start_activities(log.frame) == dict(starts)
    assert discovery.end_activities(log.frame) == dict(ends)


def test_variants_match(log: Pair) -> None:
    expected = {
        tuple(variant): count if isinstance(count, int) else len(count)
        for variant, count in pm4py.get_variants(log.reference).items()
    }
    found = discovery.variants(log.frame)
    assert {variant.activities: variant.cases for variant in found} == expected


def test_case_durations_match(log: Pair) -> None:
    expected = pm4py.get_all_case_durations(log.reference)
    durations = discovery.case_durations(log.frame)["duration_seconds"]
    assert sorted(durations.to_list()) == list(expected)
