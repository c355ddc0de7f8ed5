"""Heuristics miner measures, bindings and Petri net translation."""

from __future__ import annotations

import pytest

from minerun.analysis.models.heuristics import (
    HeuristicsNet,
    discover_heuristics_net,
    heuristics_to_petri_net,
)
from minerun.analysis.models.replay import token_replay

from ._build import make_log


def arcs(net: HeuristicsNet) -> dict[tuple[str, str], float]:
    return {(a.source, a.target): a.dependency for a in net.arcs}


def test_dependency_measure_and_threshold() -> None:
    # |a>b| = 10, |b>a| = 1: (10 - 1) / (10 + 1 + 1) = 0.75.
    hnet = discover_heuristics_net(make_log({"abc": 10, "bac": 1}), dependency_threshold=0.7)
    assert arcs(hnet)[("a", "b")] == pytest.approx(0.75)
    assert ("b", "a") not in arcs(hnet)
    assert hnet.start_activities == ("a", "b") and hnet.end_activities == ("c",)
    assert dict(zip(hnet.activities, hnet.activity_counts, strict=True)) == {
        "a": 11,
        "b": 11,
        "c": 11,
    }


def test_parallel_successors_form_one_and_binding() -> None:
    hnet = discover_heuristics_net(make_log({"abcd": 5, "acbd": 5}))
    split = dict(zip(hnet.activities, hnet.splits, strict=True))
    join = dict(zip(hnet.activities, hnet.joins, strict=True))
    assert split["a"] == (("b", "c"),)
    assert join["d"] == (("b", "c"),)


def test_exclusive_successors_are_separate_bindings() -> None:
    hnet = discover_heuristics_net(make_log({"abd": 5, "acd": 5}))
    assert dict(zip(hnet.activities, hnet.splits, strict=True))["a"] == (("b",), ("c",))


def test_self_loops_and_length_two_loops() -> None:
    # |b>b| = 5: 5 / 6.
    assert arcs(discover_heuristics_net(make_log({"abbc": 5, "abc": 5})))[
        ("b", "b")
    ] == pytest.approx(5 / 6)
    # |b>c| = 15 and |c>b| = 5 give c => b < 0, but the b c b and c b c patterns (5 + 5,
    # so 10 / 11 >= 0.5) keep both directions of the length-two loop.
    found = arcs(discover_heuristics_net(make_log({"abcbcd": 5, "abcd": 5})))
    assert found[("c", "b")] < 0 < found[("b", "c")]


def test_translated_net_replays_its_structured_log_perfectly() -> None:
    log = make_log({"abcd": 5, "acbd": 5, "aed": 3})
    net = heuristics_to_petri_net(discover_heuristics_net(log))
    assert net.visible_labels() == frozenset("abcde")
    result = token_replay(log, net)
    assert result.log_fitness == 1.0 and result.percentage_fitting_traces == 100.0
