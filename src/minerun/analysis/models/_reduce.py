"""Removal of silent transitions that carry no choice, as pm4py's tree conversion does.

Two rules are applied until neither changes the net (pm4py's ``apply_simple_reduction``):

- *single entry*: a silent transition ``t`` with one input place ``p``, where ``p`` is fed
  by one transition ``s`` and feeds only ``t``: ``t`` and ``p`` go, ``s`` feeds ``t``'s
  output places directly;
- *single exit*: a silent transition ``t`` with one output place ``q``, where ``q`` feeds
  one transition ``u`` and is fed only by ``t``: ``t`` and ``q`` go, ``t``'s input places
  feed ``u`` directly.

Neither rule removes a choice (the place involved has a single consumer or producer) nor
changes the language. Then places that nothing feeds (except the initial place) or that
feed nothing (except the final place) are removed. Names of the surviving places and
transitions are kept, so a net reduced here orders its places as pm4py's does.
"""

from __future__ import annotations

from dataclasses import dataclass

Arcs = list[tuple[int, int]]


@dataclass
class NetGraph:
    """The mutable structure of a net: surviving place and transition indices and arcs."""

    labels: list[str | None]
    places: set[int]
    transitions: set[int]
    p2t: Arcs
    t2p: Arcs

    def inputs(self, t: int) -> list[int]:
        return [p for p, x in self.p2t if x == t]

    def outputs(self, t: int) -> list[int]:
        return [p for x, p in self.t2p if x == t]

    def producers(self, p: int) -> list[int]:
        return [t for t, x in self.t2p if x == p]

    def consumers(self, p: int) -> list[int]:
        return [t for x, t in self.p2t if x == p]

    def drop(self, t: int, p: int) -> None:
        self.transitions.discard(t)
        self.places.discard(p)
        self.p2t = [(a, b) for a, b in self.p2t if b != t and a != p]
        self.t2p = [(a, b) for a, b in self.t2p if a != t and b != p]

    def silent(self) -> list[int]:
        return [t for t in sorted(self.transitions) if self.labels[t] is None]


def _single_entry(g: NetGraph) -> bool:
    for t in g.silent():
        inputs = g.inputs(t)
        if len(inputs) != 1:
            continue
        (p,) = inputs
        feeders = g.producers(p)
        if len(feeders) == 1 and feeders[0] != t and set(g.consumers(p)) == {t}:
            targets = g.outputs(t)
            g.drop(t, p)
            g.t2p.extend((feeders[0], q) for q in targets)
            return True
    return False


def _single_exit(g: NetGraph) -> bool:
    for t in g.silent():
        outputs = g.outputs(t)
        if len(outputs) != 1:
            continue
        (q,) = outputs
        takers = g.consumers(q)
        if len(takers) == 1 and takers[0] != t and set(g.producers(q)) == {t}:
            sources = g.inputs(t)
            g.drop(t, q)
            g.p2t.extend((p, takers[0]) for p in sources)
            return True
    return False


def reduce_silent(g: NetGraph, initial: set[int], final: set[int]) -> None:
    """Apply both reduction rules until a fixpoint, then drop dead-end places (in place)."""
    while True:
        changed = False
        while _single_entry(g):
            changed = True
        while _single_exit(g):
            changed = True
        if not changed:
            break
    fed = {p for _, p in g.t2p}
    feeding = {p for p, _ in g.p2t}
    g.places = {p for p in g.places if (p in feeding or p in final) and (p in fed or p in initial)}
    g.p2t = [(p, t) for p, t in g.p2t if p in g.places]
    g.t2p = [(t, p) for t, p in g.t2p if p in g.places]


__all__ = ["NetGraph", "reduce_silent"]
