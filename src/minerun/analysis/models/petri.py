"""Petri nets with integer-indexed places and transitions, and their construction from trees.

Places and transitions are numbered; arcs are pairs of numbers, so replay can work on
tuples and dictionaries of integers. All arcs have weight one (the nets the miners build
never need more).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from minerun.analysis.models._reduce import NetGraph, reduce_silent
from minerun.analysis.models.process_tree import Operator, ProcessTree


@dataclass(frozen=True)
class PetriNet:
    """An accepting Petri net (a net with an initial and a final marking).

    - ``places``: place names (unique).
    - ``transitions``: transition names (unique).
    - ``labels``: one per transition, the activity it records or None when silent.
    - ``place_to_transition``: arcs (place index, transition index).
    - ``transition_to_place``: arcs (transition index, place index).
    - ``initial_marking`` / ``final_marking``: (place index, tokens) pairs.
    - ``preset`` / ``postset`` (derived): input and output places of each transition.
    """

    places: tuple[str, ...]
    transitions: tuple[str, ...]
    labels: tuple[str | None, ...]
    place_to_transition: tuple[tuple[int, int], ...]
    transition_to_place: tuple[tuple[int, int], ...]
    initial_marking: tuple[tuple[int, int], ...]
    final_marking: tuple[tuple[int, int], ...]
    preset: tuple[tuple[int, ...], ...] = field(init=False, repr=False, compare=False)
    postset: tuple[tuple[int, ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.labels) != len(self.transitions):
            raise ValueError("one label (or None) is needed per transition")
        pre: list[list[int]] = [[] for _ in self.transitions]
        post: list[list[int]] = [[] for _ in self.transitions]
        for p, t in self.place_to_transition:
            pre[t].append(p)
        for t, p in self.transition_to_place:
            post[t].append(p)
        object.__setattr__(self, "preset", tuple(tuple(x) for x in pre))
        object.__setattr__(self, "postset", tuple(tuple(x) for x in post))

    def visible_labels(self) -> frozenset[str]:
        """Labels of the visible transitions."""
        return frozenset(label for label in self.labels if label is not None)


class NetBuilder:
    """Accumulates places, transitions and arcs, then freezes them into a :class:`PetriNet`."""

    def __init__(self) -> None:
        self.places: list[str] = []
        self.transitions: list[str] = []
        self.labels: list[str | None] = []
        self.p2t: list[tuple[int, int]] = []
        self.t2p: list[tuple[int, int]] = []

    def place(self, name: str | None = None) -> int:
        """Add a place (named ``p<n>`` unless a name is given) and return its index."""
        self.places.append(name if name is not None else f"p{len(self.places)}")
        return len(self.places) - 1

    def transition(self, label: str | None, inputs: list[int], outputs: list[int]) -> int:
        """Add a transition between places; silent when ``label`` is None."""
        index = len(self.transitions)
        self.transitions.append(f"tau{index}" if label is None else f"t{index}")
        self.labels.append(label)
        self.p2t.extend((p, index) for p in inputs)
        self.t2p.extend((index, p) for p in outputs)
        return index

    def build(self, source: int, sink: int) -> PetriNet:
        """Freeze with one token in ``source`` initially and in ``sink`` at the end."""
        return PetriNet(
            tuple(self.places),
            tuple(self.transitions),
            tuple(self.labels),
            tuple(self.p2t),
            tuple(self.t2p),
            ((source, 1),),
            ((sink, 1),),
        )

    def subnet(self, graph: NetGraph, source: int, sink: int) -> PetriNet:
        """Freeze only the places, transitions and arcs left in ``graph``, names kept."""
        places, transitions = sorted(graph.places), sorted(graph.transitions)
        pi = {p: i for i, p in enumerate(places)}
        ti = {t: i for i, t in enumerate(transitions)}
        return PetriNet(
            tuple(self.places[p] for p in places),
            tuple(self.transitions[t] for t in transitions),
            tuple(self.labels[t] for t in transitions),
            tuple((pi[p], ti[t]) for p, t in graph.p2t),
            tuple((ti[t], pi[p]) for t, p in graph.t2p),
            ((pi[source], 1),),
            ((pi[sink], 1),),
        )


def tree_to_petri_net(tree: ProcessTree) -> PetriNet:
    """Translate a process tree into a sound workflow net, as pm4py's conversion does.

    Activities become visible transitions and tau leaves silent ones; a sequence chains its
    children through fresh places; a choice puts its children between the same two places;
    a parallel node gets a silent split and join; a loop a silent entry, its body, its redo
    parts into a place from which a silent transition goes back before the body, and a
    silent exit. A silent transition links ``source`` to the net (``sink`` from it) when the
    tree starts (ends) with a choice, parallel node or loop. Then the silent transitions
    that carry no choice are removed (see :mod:`._reduce`); the places keep pm4py's names
    (``p<n>`` numbered in creation order), so replay visits them in the same order.
    """
    b = _TreeNetBuilder()
    source, sink = b.place("source"), b.place("sink")
    entry, exit_ = source, sink
    if _starts_with_block(tree):
        entry = b.place()
        b.transition(None, [source], [entry])
    if _ends_with_block(tree):
        exit_ = b.place()
        b.transition(None, [exit_], [sink])
    _translate(b, tree, entry, exit_)
    graph = NetGraph(
        b.labels, set(range(len(b.places))), set(range(len(b.transitions))), b.p2t, b.t2p
    )
    reduce_silent(graph, {source}, {sink})
    return b.subnet(graph, source, sink)


class _TreeNetBuilder(NetBuilder):
    def place(self, name: str | None = None) -> int:
        # pm4py numbers every place it creates, source and sink being p_1 and p_2.
        return super().place(name if name is not None else f"p{len(self.places) + 1}")


def _starts_with_block(tree: ProcessTree) -> bool:
    # pm4py's check_tau_mandatory_at_initial_marking, condition for condition.
    if tree.operator in (Operator.XOR, Operator.PARALLEL, Operator.LOOP):
        return True
    first = tree.children[0] if tree.children else None
    return first is not None and (
        first.operator is Operator.LOOP
        or (first.operator is not None and _ends_in_loop(first))
        or _leftmost_loop(first)
    )


def _ends_with_block(tree: ProcessTree) -> bool:
    if tree.operator in (Operator.XOR, Operator.PARALLEL, Operator.LOOP):
        return True
    return bool(tree.children) and _ends_in_loop(tree)


def _leftmost_loop(node: ProcessTree) -> bool:
    while node.children:
        if node.operator is Operator.LOOP or node.children[0].operator is Operator.LOOP:
            return True
        node = node.children[0]
    return node.operator is Operator.LOOP


def _ends_in_loop(node: ProcessTree) -> bool:
    while node.children:
        last = node.children[-1]
        if last.operator is Operator.LOOP:
            return True
        if last.operator is None:
            return False
        node = last
    return False


def _translate(b: NetBuilder, node: ProcessTree, entry: int, exit_: int) -> None:
    if node.operator is None:
        b.transition(node.label, [entry], [exit_])
    elif node.operator is Operator.SEQUENCE:
        current = entry
        for i, child in enumerate(node.children):
            after = exit_ if i == len(node.children) - 1 else b.place()
            _translate(b, child, current, after)
            current = after
    elif node.operator is Operator.XOR:
        for child in node.children:
            _translate(b, child, entry, exit_)
    elif node.operator is Operator.PARALLEL:
        split = b.transition(None, [entry], [])
        join = b.transition(None, [], [exit_])
        for child in node.children:
            start, end = b.place(), b.place()
            b.t2p.append((split, start))
            b.p2t.append((end, join))
            _translate(b, child, start, end)
    else:
        _translate_loop(b, node, entry, exit_)


def _translate_loop(b: NetBuilder, node: ProcessTree, entry: int, exit_: int) -> None:
    body_start = b.place()
    b.transition(None, [entry], [body_start])
    back = b.transition(None, [], [body_start])
    if len(node.children) == 1:
        _translate(b, node.children[0], body_start, exit_)
        b.p2t.append((exit_, back))
        return
    body_end = b.place()
    _translate(b, node.children[0], body_start, body_end)
    redo_end = b.place()
    for redo in node.children[1:]:
        _translate(b, redo, body_end, redo_end)
    b.transition(None, [body_end], [exit_])
    b.p2t.append((redo_end, back))


__all__ = ["NetBuilder", "PetriNet", "tree_to_petri_net"]
