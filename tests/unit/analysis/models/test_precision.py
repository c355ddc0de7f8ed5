"""Token-based (escaping edges) precision on hand-built logs and nets."""

from __future__ import annotations

import pytest

from minerun.analysis.models import precision, tree_to_petri_net
from minerun.analysis.models.process_tree import Operator, ProcessTree

from ._build import make_log


def leaf(label: str | None) -> ProcessTree:
    return ProcessTree(label=label)


def node(operator: Operator, *children: ProcessTree) -> ProcessTree:
    return ProcessTree(operator, None, children)


def test_an_allowed_activity_never_seen_after_a_prefix_is_an_escaping_edge() -> None:
    # Empty prefix: allows a, a starts every trace (2 traces: 2 allowed, 0 escaping).
    # Prefix "a" (2 traces): allows b, c, d; the log shows b and c (6 allowed, 2 escaping).
    net = tree_to_petri_net(
        node(Operator.SEQUENCE, leaf("a"), node(Operator.XOR, leaf("b"), leaf("c"), leaf("d")))
    )
    result = precision(make_log({"ab": 1, "ac": 1}), net)
    assert (result.allowed, result.escaping_edges) == (8, 2)
    assert result.precision == pytest.approx(0.75)
    assert (result.prefixes, result.unfit_prefixes) == (1, 0)


def test_a_model_allowing_only_what_the_log_shows_is_precise() -> None:
    net = tree_to_petri_net(
        node(Operator.SEQUENCE, leaf("a"), node(Operator.XOR, leaf("b"), leaf("c")))
    )
    assert precision(make_log({"ab": 3, "ac": 1}), net).precision == 1.0


def test_silent_transitions_are_looked_through_and_unfit_prefixes_left_out() -> None:
    # X(tau, a) before b: after the empty prefix both a and b are allowed (through tau).
    net = tree_to_petri_net(
        node(Operator.SEQUENCE, node(Operator.XOR, leaf(None), leaf("a")), leaf("b"))
    )
    result = precision(make_log({"ab": 1, "b": 1, "bab": 1}), net)
    # empty prefix: 3 traces x {a, b}, both start traces; "a" allows {b}; "b" allows
    # nothing (the net is done); "ba" needs a missing token, so it counts neither way.
    assert (result.prefixes, result.unfit_prefixes) == (3, 1)
    assert (result.allowed, result.escaping_edges) == (3 * 2 + 1, 0)
    assert result.precision == 1.0


def test_a_flower_model_is_imprecise() -> None:
    flower = tree_to_petri_net(
        node(Operator.LOOP, leaf(None), node(Operator.XOR, leaf("a"), leaf("b"), leaf("c")))
    )
    strict = tree_to_petri_net(node(Operator.SEQUENCE, leaf("a"), leaf("b"), leaf("c")))
    log = make_log({"abc": 5})
    assert precision(log, strict).precision == 1.0
    assert precision(log, flower).precision < 0.5
