"""Translation of process trees into Petri nets."""

from __future__ import annotations

import pytest

from minerun.analysis.models.petri import PetriNet, tree_to_petri_net
from minerun.analysis.models.process_tree import Operator, ProcessTree

A, B, C = ProcessTree(label="a"), ProcessTree(label="b"), ProcessTree(label="c")


def node(operator: Operator, *children: ProcessTree) -> ProcessTree:
    return ProcessTree(operator, None, children)


def test_sequence_chains_transitions_through_places() -> None:
    net = tree_to_petri_net(node(Operator.SEQUENCE, A, B))
    assert net.labels == ("a", "b")
    assert len(net.places) == 3
    assert net.initial_marking == ((net.places.index("source"), 1),)
    assert net.final_marking == ((net.places.index("sink"), 1),)
    assert net.postset[0] == net.preset[1]


def test_choice_shares_places_and_parallel_adds_silent_split_and_join() -> None:
    choice = tree_to_petri_net(node(Operator.XOR, A, B))
    assert choice.preset[0] == choice.preset[1] and choice.postset[0] == choice.postset[1]
    parallel = tree_to_petri_net(node(Operator.PARALLEL, A, B))
    silent = [t for t, label in enumerate(parallel.labels) if label is None]
    assert len(silent) == 2
    split, join = silent
    assert len(parallel.postset[split]) == 2 and len(parallel.preset[join]) == 2


def test_loop_has_silent_entry_and_exit_and_a_redo_back_arc() -> None:
    net = tree_to_petri_net(node(Operator.LOOP, A, node(Operator.XOR, B, ProcessTree())))
    a, b = net.labels.index("a"), net.labels.index("b")
    assert net.postset[b] == net.preset[a]
    assert net.labels.count(None) == 3  # entry, exit, tau redo
    assert net.visible_labels() == frozenset({"a", "b"})


def test_labels_must_match_transitions() -> None:
    with pytest.raises(ValueError, match="one label"):
        PetriNet(("p",), ("t",), (), (), (), (), ())
