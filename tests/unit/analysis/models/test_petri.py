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
    a, b = choice.labels.index("a"), choice.labels.index("b")
    assert choice.preset[a] == choice.preset[b] and choice.postset[a] == choice.postset[b]
    parallel = tree_to_petri_net(node(Operator.PARALLEL, A, B))
    silent = [t for t, label in enumerate(parallel.labels) if label is None]
    assert len(silent) == 2
    split, join = silent
    assert len(parallel.postset[split]) == 2 and len(parallel.preset[join]) == 2


def test_loop_goes_back_through_a_silent_transition_after_its_redo_part() -> None:
    net = tree_to_petri_net(node(Operator.LOOP, A, node(Operator.XOR, B, ProcessTree())))
    a, b = net.labels.index("a"), net.labels.index("b")
    (back,) = [t for t in range(len(net.labels)) if net.preset[t] == net.postset[b] != ()]
    assert net.labels[back] is None and net.postset[back] == net.preset[a]
    # entry, tau redo, back, exit; the silent link from source went with the reduction
    assert net.labels.count(None) == 4
    assert net.visible_labels() == frozenset({"a", "b"})


def test_silent_transitions_without_a_choice_are_removed() -> None:
    # ->(a, *(b, c), d): entering, leaving and going back in the loop choose nothing.
    D = ProcessTree(label="d")
    net = tree_to_petri_net(node(Operator.SEQUENCE, A, node(Operator.LOOP, B, C), D))
    assert net.labels.count(None) == 0 and len(net.places) == 4
    a, b, c, d = (net.labels.index(x) for x in "abcd")
    assert net.postset[a] == net.preset[b] == net.postset[c]
    assert net.postset[b] == net.preset[c] == net.preset[d]
    assert net.postset[d] == (net.places.index("sink"),)


def test_labels_must_match_transitions() -> None:
    with pytest.raises(ValueError, match="one label"):
        PetriNet(("p",), ("t",), (), (), (), (), ())
