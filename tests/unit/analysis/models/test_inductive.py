"""Inductive miner (IMf) on synthetic logs whose model is known."""

from __future__ import annotations

import pytest

from minerun.analysis.models._dfg import EncodedLog
from minerun.analysis.models._fallthroughs import fall_through, flower, strict_tau_loop, tau_loop
from minerun.analysis.models.inductive import (
    discover_process_tree,
    discover_process_tree_from_variants,
)
from minerun.analysis.models.process_tree import Operator, ProcessTree

from ._build import make_log


def shape(tree: ProcessTree) -> str:
    """Print with choice and parallel children sorted by name, for readable assertions."""
    if tree.operator is None:
        return tree.label or "tau"
    parts = [shape(c) for c in tree.children]
    if tree.operator in (Operator.XOR, Operator.PARALLEL):
        parts.sort()
    return f"{tree.operator.value}({','.join(parts)})"


@pytest.mark.parametrize(
    ("variants", "expected"),
    [
        ({"abc": 5}, "->(a,b,c)"),
        ({"abd": 3, "acd": 2}, "->(a,X(b,c),d)"),
        ({"abcd": 3, "acbd": 2}, "->(a,+(b,c),d)"),
        ({"ab": 2, "abab": 1, "ababab": 1}, "*(->(a,b),tau)"),
        ({"a": 3}, "a"),
        ({"ac": 4, "abc": 4}, "->(a,X(b,tau),c)"),
    ],
)
def test_discovers_the_textbook_constructs(variants: dict[str, int], expected: str) -> None:
    assert shape(discover_process_tree(make_log(variants), 0.0)) == expected


def test_noise_threshold_filters_infrequent_directly_follows() -> None:
    # Without filtering, the three rare variants make d concurrent to b and c.
    log = make_log({"abcd": 40, "abd": 1, "acd": 1, "adbc": 1})
    assert shape(discover_process_tree(log, 0.0)) == "->(a,+(->(X(b,tau),X(c,tau)),d))"
    assert shape(discover_process_tree(log, 0.2)) == "->(a,b,c,d)"


def test_empty_traces_become_a_skip_only_when_frequent() -> None:
    frequent = EncodedLog(("a", "b"), {(0, 1): 6, (): 4})
    rare = EncodedLog(("a", "b"), {(0, 1): 9, (): 1})
    assert shape(discover_process_tree_from_variants(frequent, 0.2)) == "X(->(a,b),tau)"
    assert shape(discover_process_tree_from_variants(rare, 0.2)) == "->(a,b)"


def test_activity_once_per_trace_fall_through() -> None:
    # 'x' occurs once in every trace but at no fixed position: it runs in parallel.
    tree = discover_process_tree(make_log({"xabab": 1, "abxab": 1, "ababx": 1, "abx": 1}), 0.0)
    assert tree.operator is Operator.PARALLEL
    assert ProcessTree(label="x") in tree.children


def test_flower_fall_through_allows_any_activity_any_number_of_times() -> None:
    operator, logs = flower({(0, 1, 2): 1, (2, 2): 3})
    assert operator is Operator.LOOP
    assert logs == [{}, {(0,): 1, (1,): 1, (2,): 1}]
    tree = discover_process_tree_from_variants(EncodedLog(("a", "b", "c"), logs[1]), 0.0)
    assert shape(tree) == "X(a,b,c)"


def test_fall_throughs_are_tried_in_order() -> None:
    assert fall_through({(0,): 2, (): 1}) == (Operator.XOR, [{}, {(0,): 2}])
    # 0 occurs once in every trace: it is split off in parallel.
    assert fall_through({(0, 1, 1): 1, (1, 0): 1}) == (
        Operator.PARALLEL,
        [{(0,): 2}, {(1, 1): 1, (1,): 1}],
    )


def test_tau_loops_cut_traces_into_iterations() -> None:
    # Strict: cut where an end activity (1) is followed by a start activity (0).
    assert strict_tau_loop({(0, 1, 0, 1): 1, (0, 1): 2}) == (Operator.LOOP, [{(0, 1): 4}, {}])
    # Plain: cut before every start activity (0 or 1) after the first event.
    assert tau_loop({(0, 1, 2, 1, 0, 1, 2): 1, (1, 0, 2): 1}) == (
        Operator.LOOP,
        [{(0,): 2, (1, 2): 2, (1,): 2, (0, 2): 1}, {}],
    )
    assert strict_tau_loop({(0, 1): 3}) is None


def test_rejects_thresholds_outside_the_unit_interval() -> None:
    with pytest.raises(ValueError, match="noise_threshold"):
        discover_process_tree(make_log({"ab": 1}), 1.5)
