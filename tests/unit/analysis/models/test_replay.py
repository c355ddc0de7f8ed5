"""Token-based replay on hand-checked nets and logs."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from minerun.analysis.models.petri import NetBuilder, PetriNet, tree_to_petri_net
from minerun.analysis.models.process_tree import Operator, ProcessTree
from minerun.analysis.models.replay import token_replay

from ._build import make_log


def sequence_net(*labels: str) -> PetriNet:
    builder = NetBuilder()
    places = (
        [builder.place("source")] + [builder.place() for _ in labels[1:]] + [builder.place("sink")]
    )
    for i, label in enumerate(labels):
        builder.transition(label, [places[i]], [places[i + 1]])
    return builder.build(places[0], places[-1])


def row(cases: pl.DataFrame, case: str) -> dict[str, Any]:
    return next(r for r in cases.iter_rows(named=True) if r["case_id"] == case)


def test_fitting_trace_has_no_missing_or_remaining_tokens() -> None:
    result = token_replay(make_log({"abc": 2}), sequence_net("a", "b", "c"))
    first = row(result.cases, "c00001")
    assert (first["missing_tokens"], first["remaining_tokens"]) == (0, 0)
    assert (first["consumed_tokens"], first["produced_tokens"]) == (4, 4)
    assert first["trace_is_fit"] and first["trace_fitness"] == 1.0
    assert result.log_fitness == 1.0 and result.percentage_fitting_traces == 100.0


def test_skipped_activity_counts_one_missing_and_one_remaining_token() -> None:
    # a c on a->b->c: c lacks its token (missing 1), the token after a stays (remaining 1);
    # produced = 1 initial + a + c = 3, consumed = a + c + 1 final = 3.
    result = token_replay(make_log({"ac": 1, "abc": 3}), sequence_net("a", "b", "c"))
    bad = row(result.cases, "c00001")
    assert (
        bad["missing_tokens"],
        bad["consumed_tokens"],
        bad["remaining_tokens"],
        bad["produced_tokens"],
    ) == (1, 3, 1, 3)
    assert bad["trace_fitness"] == pytest.approx(0.5 * (1 - 1 / 3) + 0.5 * (1 - 1 / 3))
    assert not bad["trace_is_fit"]
    assert result.missing_tokens == 1 and result.consumed_tokens == 3 + 3 * 4
    assert result.log_fitness == pytest.approx(1 - 1 / 15)
    assert result.percentage_fitting_traces == 75.0 and result.variants == 2


def test_silent_transitions_are_fired_to_enable_events_and_reach_the_end() -> None:
    tree = ProcessTree(
        Operator.SEQUENCE,
        None,
        (
            ProcessTree(label="a"),
            ProcessTree(Operator.XOR, None, (ProcessTree(label="b"), ProcessTree())),
            ProcessTree(label="c"),
        ),
    )
    result = token_replay(make_log({"ac": 1, "abc": 1}), tree_to_petri_net(tree))
    assert result.cases["trace_is_fit"].to_list() == [True, True]
    assert result.log_fitness == 1.0


def test_unknown_activities_are_skipped_and_empty_logs_give_zero() -> None:
    result = token_replay(make_log({"axb": 1}), sequence_net("a", "b"))
    assert result.cases["trace_is_fit"].to_list() == [True]
    empty = token_replay(make_log({}), sequence_net("a"))
    assert empty.cases.height == 0 and empty.log_fitness == 0.0
