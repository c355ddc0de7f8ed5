"""Petri nets with integer-indexed places and transitions, and their construction from trees.

Places and transitions are numbered; arcs are pairs of numbers, so replay can work on
tuples and dictionaries of integers. All arcs have weight one (the nets the miners build
never need more).
"""

from __future__ import annotations

from dataclasses import dataclass, field

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


def tree_to_petri_net(tree: ProcessTree) -> PetriNet:
    """Translate a process tree into a sound workflow net.

    Activities become visible transitions and tau leaves silent ones; a sequence chains its
    children through fresh places; a choice puts its children between the same two places;
    parallel and loop nodes get silent split/join (entry/exit) transitions so that their
    inner places are never shared with siblings.
    """
    builder = NetBuilder()
    source = builder.place("source")
    sink = builder.place("sink")
    _translate(builder, tree, source, sink)
    return builder.build(source, sink)


def _translate(b: NetBuilder, node: ProcessTree, entry: int, exit_: int) -> None:
    if node.operator is None:
        b.transition(node.label, [entry], [exit_])
    elif node.operator is Operator.SEQUENCE:
        places = [entry] + [b.place() for _ in node.children[1:]] + [exit_]
        for i, child in enumerate(node.children):
            _translate(b, child, places[i], places[i + 1])
    elif node.operator is Operator.XOR:
        for child in node.children:
            _translate(b, child, entry, exit_)
    elif node.operator is Operator.PARALLEL:
        starts = [b.place() for _ in node.children]
        ends = [b.place() for _ in node.children]
        b.transition(None, [entry], starts)
        for child, start, end in zip(node.children, starts, ends, strict=True):
            _translate(b, child, start, end)
        b.transition(None, ends, [exit_])
    else:
        _translate_loop(b, node, entry, exit_)


def _translate_loop(b: NetBuilder, node: ProcessTree, entry: int, exit_: int) -> None:
    body_start, body_end = b.place(), b.place()
    b.transition(None, [entry], [body_start])
    _translate(b, node.children[0], body_start, body_end)
    for redo in node.children[1:]:
        _translate(b, redo, body_end, body_start)
    b.transition(None, [body_end], [exit_])


__all__ = ["NetBuilder", "PetriNet", "tree_to_petri_net"]
