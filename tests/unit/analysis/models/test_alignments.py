"""Alignment-based fitness on hand-built nets with known optimal alignments."""

from __future__ import annotations

import pytest

from minerun.analysis.models.alignments import MOVE_COST, alignment_fitness
from minerun.analysis.models.petri import NetBuilder, PetriNet

from ._build import make_log


def sequence(*labels: str | None) -> PetriNet:
    """A net firing ``labels`` in order (None: a silent step)."""
    builder = NetBuilder()
    places = [builder.place() for _ in range(len(labels) + 1)]
    for k, label in enumerate(labels):
        builder.transition(label, [places[k]], [places[k + 1]])
    return builder.build(places[0], places[-1])


def test_a_fitting_log_has_fitness_one() -> None:
    result = alignment_fitness(make_log({"abc": 3}), sequence("a", "b", "c"))
    assert result.log_fitness == 1.0 and result.average_trace_fitness == 1.0
    assert result.percentage_fitting_traces == 100.0 and result.bound_exceeded is None


def test_deviations_cost_one_move_each() -> None:
    # "ac" misses b (a model move); "axbc" has x, which the model lacks (a log move).
    result = alignment_fitness(make_log({"abc": 2, "ac": 1, "axbc": 1}), sequence("a", "b", "c"))
    # Trace fitness = 1 - deviations / (trace length + 3 visible steps of the model).
    expected_traces = [1.0, 1.0, 1 - 1 / (2 + 3), 1 - 1 / (4 + 3)]
    assert result.average_trace_fitness == pytest.approx(sum(expected_traces) / 4)
    worst = sum(n * MOVE_COST + 3 * MOVE_COST for n in (3, 3, 2, 4))
    assert result.log_fitness == pytest.approx(1 - 2 * MOVE_COST / worst)
    assert result.percentage_fitting_traces == 50.0


def test_silent_steps_cost_only_a_tie_break() -> None:
    result = alignment_fitness(make_log({"ab": 1}), sequence("a", None, "b"))
    assert result.average_trace_fitness == 1.0
    # The model's cheapest run fires one silent step: it is in the worst cost, not a deviation.
    assert result.log_fitness == pytest.approx(1 - 1 / (2 * MOVE_COST + 2 * MOVE_COST + 1))


def test_a_search_past_its_bound_gives_no_figure_and_says_why() -> None:
    result = alignment_fitness(
        make_log({"abc": 1, "cba": 1}), sequence("a", "b", "c"), max_states=2
    )
    assert result.log_fitness is None and result.average_trace_fitness is None
    assert result.bound_exceeded is not None and "states" in result.bound_exceeded
