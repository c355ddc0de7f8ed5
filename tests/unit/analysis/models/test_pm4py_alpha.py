"""The alpha+ miner against pm4py's alpha and alpha+ miners on the shared real logs.

pm4py's alpha+ computes the same relations (checked here), but its places differ where
pm4py departs from the algorithm (see docs/analysis/models.md): it merges place pairs
without checking that every input causes every output, never puts its artificial end in a
place with other activities, keeps only the last predecessor of a length-one-loop
activity and gives that activity a private, never marked place. So the places are
compared where both are defined the same way: every place of pm4py that satisfies the
alpha definition is contained in one of ours, and on a log without short loops both nets
are equal to pm4py's classic alpha.
"""

from __future__ import annotations

import copy
import warnings
from typing import Any

import numpy as np
import polars as pl
import pytest

from minerun.analysis.models import discover_alpha_plus
from minerun.analysis.models._footprint import Footprint, footprint
from minerun.analysis.models.alpha import alpha_pairs

from ._logs import canonical, to_pm4py_frame
from ._reference import place_shapes, pm4py_place_shapes

pytestmark = pytest.mark.pm4py
pm4py = pytest.importorskip("pm4py")
plus = pytest.importorskip("pm4py.algo.discovery.alpha.variants.plus")

LOGS = [
    "running-example.xes",
    "roadtraffic100traces.xes",
    "receipt.csv",
    "sepsis.csv",
    "bpic2013_incidents.xes.gz",
    "bpic2020_permit_1t_per_variant.xes.gz",
]
Relation = set[tuple[str, str]]


@pytest.fixture(scope="module", params=LOGS)
def log(request: pytest.FixtureRequest) -> tuple[pl.DataFrame, Any]:
    frame = canonical(request.param)
    return frame, to_pm4py_frame(frame)


def pm4py_names(fp: Footprint) -> list[str]:
    return [*fp.names, "artificial_start", "artificial_end"]


def as_pairs(fp: Footprint, matrix: Any) -> Relation:
    names = pm4py_names(fp)
    return {(names[a], names[b]) for a, b in zip(*np.nonzero(matrix), strict=True)}


def flat(relation: dict[str, set[str]]) -> Relation:
    return {(a, b) for a, targets in relation.items() for b in targets}


def pm4py_alpha_plus_steps(pandas_frame: Any) -> tuple[Any, ...]:
    event_log = pm4py.convert_to_event_log(pandas_frame)
    filtered, loops_one, before, after, _, _ = plus.preprocessing(copy.deepcopy(event_log))
    causal, _, follows = plus.get_relations(filtered)
    pairs = plus.processing(filtered, causal, follows)[3]
    return loops_one, before, after, flat(causal), flat(follows), pairs


def test_alpha_plus_relations_equal_pm4py(log: tuple[pl.DataFrame, Any]) -> None:
    frame, pandas_frame = log
    fp = footprint(frame)
    names = pm4py_names(fp)
    loops_one, before, after, causal, follows, _ = pm4py_alpha_plus_steps(pandas_frame)
    assert {fp.names[t] for t in fp.loops_one} == set(loops_one)
    assert as_pairs(fp, fp.follows) == follows
    assert as_pairs(fp, fp.causal) == causal
    assert {names[t]: {names[x] for x in xs} for t, xs in fp.after.items()} == after
    # pm4py keeps one predecessor per length-one-loop activity (the last one it saw).
    for activity, found in before.items():
        assert found <= {names[x] for x in fp.before[fp.names.index(activity)]}


def test_every_valid_pm4py_alpha_plus_place_is_within_one_of_ours(
    log: tuple[pl.DataFrame, Any],
) -> None:
    frame, pandas_frame = log
    fp = footprint(frame)
    names = pm4py_names(fp)
    _, _, _, causal, follows, pairs = pm4py_alpha_plus_steps(pandas_frame)
    ours = [({names[a] for a in x}, {names[b] for b in y}) for x, y in alpha_pairs(fp)]

    def valid(inputs: set[str], outputs: set[str]) -> bool:
        unrelated = all(
            (a, b) not in follows for side in (inputs, outputs) for a in side for b in side
        )
        return unrelated and all((a, b) in causal for a in inputs for b in outputs)

    checked = [(x, y) for x, y in pairs if valid(x, y)]
    assert checked
    for inputs, outputs in checked:
        assert any(inputs <= x and outputs <= y for x, y in ours), (inputs, outputs)


def test_without_short_loops_alpha_plus_is_pm4py_alpha() -> None:
    frame = canonical("running-example.xes")
    pandas_frame = to_pm4py_frame(frame)
    ours = place_shapes(discover_alpha_plus(frame))
    assert ours == pm4py_place_shapes(pm4py.discover_petri_net_alpha(pandas_frame)[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pm4py marks its alpha+ as deprecated
        their_plus = pm4py.discover_petri_net_alpha_plus(pandas_frame)[0]
    assert ours == pm4py_place_shapes(their_plus)
