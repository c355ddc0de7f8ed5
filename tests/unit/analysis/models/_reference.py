"""The same models built with pm4py, for the comparisons (tests only; pm4py is AGPL)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from minerun.analysis.models.petri import PetriNet


def pm4py_net(net: PetriNet) -> tuple[Any, Any, Any]:
    """The net as pm4py objects, with arcs iterated in our order.

    pm4py keeps arcs in sets hashed by object address, so where two silent paths tie its
    replay depends on memory layout; lists in our arc order make it deterministic and
    comparable token for token.
    """
    from pm4py.objects.petri_net.obj import Marking
    from pm4py.objects.petri_net.obj import PetriNet as Pm4pyNet

    result = Pm4pyNet("net")
    places = [Pm4pyNet.Place(name, in_arcs=[], out_arcs=[]) for name in net.places]
    transitions = [
        Pm4pyNet.Transition(name, label, in_arcs=[], out_arcs=[])
        for name, label in zip(net.transitions, net.labels, strict=True)
    ]
    result.places.update(places)
    result.transitions.update(transitions)
    for source, target in [(places[p], transitions[t]) for p, t in net.place_to_transition] + [
        (transitions[t], places[p]) for t, p in net.transition_to_place
    ]:
        arc = Pm4pyNet.Arc(source, target)
        source.out_arcs.append(arc)
        target.in_arcs.append(arc)
        result.arcs.add(arc)
    initial = Marking({places[p]: n for p, n in net.initial_marking})
    final = Marking({places[p]: n for p, n in net.final_marking})
    return result, initial, final


def pm4py_replay(frame: Any, net: Any, initial: Any, final: Any) -> list[dict[str, Any]]:
    """pm4py's per-trace token-based replay, as its fitness evaluation runs it."""
    from pm4py.algo.conformance.tokenreplay.variants import token_replay

    parameters = {"consider_remaining_in_fitness": True, "show_progress_bar": False}
    result: list[dict[str, Any]] = token_replay.apply(
        frame, net, initial, final, parameters=parameters
    )
    return result


Shape = tuple[tuple[str | None, ...], tuple[str | None, ...]]


def _sorted_labels(labels: list[str | None]) -> tuple[str | None, ...]:
    return tuple(sorted(labels, key=lambda label: (label is not None, label or "")))


def place_shapes(net: PetriNet) -> Counter[Shape]:
    """Each place as the labels of its input and output transitions (None for silent ones)."""
    return Counter(
        (
            _sorted_labels([net.labels[t] for t, q in net.transition_to_place if q == p]),
            _sorted_labels([net.labels[t] for q, t in net.place_to_transition if q == p]),
        )
        for p in range(len(net.places))
    )


def pm4py_place_shapes(net: Any) -> Counter[Shape]:
    """:func:`place_shapes` of a pm4py net."""
    return Counter(
        (
            _sorted_labels([arc.source.label for arc in place.in_arcs]),
            _sorted_labels([arc.target.label for arc in place.out_arcs]),
        )
        for place in net.places
    )
