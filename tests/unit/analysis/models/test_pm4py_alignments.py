"""Alignment-based fitness equals pm4py's on the same nets, on the small shared logs.

pm4py's alignments take minutes on the larger logs (receipt: 107 s on one inductive net,
where minerun needs 17 s), so the two smallest logs are compared here, on the inductive
and the heuristics nets; receipt was checked by hand to the same figures.
"""

from __future__ import annotations

import warnings
from typing import Any

import polars as pl
import pytest

from minerun.analysis.models import (
    PetriNet,
    discover_heuristics_net,
    discover_process_tree,
    heuristics_to_petri_net,
    tree_to_petri_net,
)
from minerun.analysis.models.alignments import alignment_fitness

from ._logs import canonical, to_pm4py_frame
from ._reference import pm4py_net

pytestmark = pytest.mark.pm4py
pm4py = pytest.importorskip("pm4py")


def inductive(frame: pl.DataFrame) -> PetriNet:
    return tree_to_petri_net(discover_process_tree(frame, 0.2))


def heuristics(frame: pl.DataFrame) -> PetriNet:
    return heuristics_to_petri_net(discover_heuristics_net(frame))


@pytest.mark.parametrize("name", ["running-example.xes", "roadtraffic100traces.xes"])
@pytest.mark.parametrize("miner", [inductive, heuristics])
def test_alignment_fitness_equals_pm4py(name: str, miner: Any) -> None:
    frame = canonical(name)
    net = miner(frame)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = pm4py.fitness_alignments(
            to_pm4py_frame(frame), *pm4py_net(net), multi_processing=False
        )
    ours = alignment_fitness(frame, net)
    assert ours.bound_exceeded is None
    assert ours.log_fitness == pytest.approx(theirs["log_fitness"], abs=1e-9)
    assert ours.average_trace_fitness == pytest.approx(theirs["average_trace_fitness"], abs=1e-9)
    assert ours.percentage_fitting_traces == pytest.approx(
        theirs["percentage_of_fitting_traces"], abs=1e-9
    )
