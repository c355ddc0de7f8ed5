"""Heuristics miner (Weijters and Ribeiro, 2011) and the translation of its nets to Petri nets.

Counts come from the variants: ``|a>b|`` (a directly followed by b) and ``|a>>b|`` (the
pattern a b a). The measures are the standard ones:

- dependency ``a => b = (|a>b| - |b>a|) / (|a>b| + |b>a| + 1)``, and for a self-loop
  ``a => a = |a>a| / (|a>a| + 1)``; an arc is kept when it reaches ``dependency_threshold``;
- length-two loops ``a =>2 b = (|a>>b| + |b>>a|) / (|a>>b| + |b>>a| + 1)``: when it reaches
  ``loop_two_threshold`` and neither activity has a self-loop, both arcs a->b and b->a are kept;
- all tasks connected: an activity that does not start a trace and has no kept input gets
  its best-scoring observed input arc (likewise for outputs of non-final activities);
- AND measure of two outputs b, c of a: ``(|b>c| + |c>b|) / (|a>b| + |a>c| + 1)`` (inputs:
  ``(|b>c| + |c>b|) / (|b>a| + |c>a| + 1)``); pairs reaching ``and_threshold`` are parallel.
  The bindings of an activity are the maximal groups of pairwise parallel outputs (inputs):
  a fires all activities of one group (waits for all of one group); a self-loop is a group
  of its own.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import polars as pl

from minerun.analysis.models._dfg import EncodedLog, build_dfg, encode_variants
from minerun.analysis.models.petri import NetBuilder, PetriNet

Bindings = tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class HeuristicsArc:
    """A kept causal dependency ``source -> target``."""

    source: str
    target: str
    frequency: int
    dependency: float


@dataclass(frozen=True)
class HeuristicsNet:
    """Causal net found by the heuristics miner.

    ``splits[i]`` / ``joins[i]`` belong to ``activities[i]``: groups of successors
    (predecessors) activated together; different groups are alternatives.
    """

    activities: tuple[str, ...]
    activity_counts: tuple[int, ...]
    start_activities: tuple[str, ...]
    end_activities: tuple[str, ...]
    arcs: tuple[HeuristicsArc, ...]
    splits: tuple[Bindings, ...]
    joins: tuple[Bindings, ...]


def discover_heuristics_net(
    frame: pl.DataFrame,
    dependency_threshold: float = 0.5,
    and_threshold: float = 0.65,
    loop_two_threshold: float = 0.5,
) -> HeuristicsNet:
    """Discover a heuristics net from a canonical event log (thresholds in [0, 1])."""
    return _Mining(encode_variants(frame)).net(
        dependency_threshold, and_threshold, loop_two_threshold
    )


class _Mining:
    def __init__(self, log: EncodedLog) -> None:
        self.names = log.names
        dfg = build_dfg(log.variants)
        self.follows = dfg.edges
        self.starts, self.ends = dfg.starts, dfg.ends
        self.counts: Counter[int] = Counter()
        self.loops2: Counter[tuple[int, int]] = Counter()
        for trace, count in log.variants.items():
            for a in trace:
                self.counts[a] += count
            for a, b, c in zip(trace, trace[1:], trace[2:], strict=False):
                if a == c and a != b:
                    self.loops2[(a, b)] += count

    def dependency(self, a: int, b: int) -> float:
        ab, ba = self.follows.get((a, b), 0), self.follows.get((b, a), 0)
        return ab / (ab + 1) if a == b else (ab - ba) / (ab + ba + 1)

    def net(self, dependency: float, and_threshold: float, loop_two: float) -> HeuristicsNet:
        arcs = {e for e in self.follows if self.dependency(*e) >= dependency}
        self_loops = {a for a, b in arcs if a == b}
        for a, b in self.loops2:
            both = self.loops2[(a, b)] + self.loops2.get((b, a), 0)
            if both / (both + 1) >= loop_two and not {a, b} & self_loops:
                arcs |= {e for e in ((a, b), (b, a)) if e in self.follows}
        arcs |= self._connect_all(arcs)
        order = sorted(arcs, key=lambda e: (self.names[e[0]], self.names[e[1]]))
        acts = sorted(self.counts)
        return HeuristicsNet(
            activities=tuple(self.names[a] for a in acts),
            activity_counts=tuple(self.counts[a] for a in acts),
            start_activities=tuple(self.names[a] for a in sorted(self.starts)),
            end_activities=tuple(self.names[a] for a in sorted(self.ends)),
            arcs=tuple(
                HeuristicsArc(
                    self.names[a], self.names[b], self.follows[(a, b)], self.dependency(a, b)
                )
                for a, b in order
            ),
            splits=tuple(self._bindings(a, arcs, and_threshold, outgoing=True) for a in acts),
            joins=tuple(self._bindings(a, arcs, and_threshold, outgoing=False) for a in acts),
        )

    def _connect_all(self, arcs: set[tuple[int, int]]) -> set[tuple[int, int]]:
        added: set[tuple[int, int]] = set()
        observed = [e for e in self.follows if e[0] != e[1]]
        for act in self.counts:
            if act not in self.starts and not any(b == act for _, b in arcs):
                inputs = [e for e in observed if e[1] == act]
                if inputs:
                    added.add(max(inputs, key=lambda e: (self.dependency(*e), -e[0])))
            if act not in self.ends and not any(a == act for a, _ in arcs):
                outputs = [e for e in observed if e[0] == act]
                if outputs:
                    added.add(max(outputs, key=lambda e: (self.dependency(*e), -e[1])))
        return added

    def _and_measure(self, a: int, b: int, c: int, outgoing: bool) -> float:
        between = self.follows.get((b, c), 0) + self.follows.get((c, b), 0)
        if outgoing:
            return between / (self.follows.get((a, b), 0) + self.follows.get((a, c), 0) + 1)
        return between / (self.follows.get((b, a), 0) + self.follows.get((c, a), 0) + 1)

    def _bindings(
        self, a: int, arcs: set[tuple[int, int]], threshold: float, outgoing: bool
    ) -> Bindings:
        others = sorted(b if outgoing else x for x, b in arcs if (x if outgoing else b) == a)
        members = [b for b in others if b != a]
        parallel = {
            b: {c for c in members if c != b and self._and_measure(a, b, c, outgoing) >= threshold}
            for b in members
        }
        groups = _maximal_cliques(parallel) + ([[a]] if a in others else [])
        named = sorted(sorted(self.names[x] for x in g) for g in groups)
        return tuple(tuple(g) for g in named)


def _maximal_cliques(graph: dict[int, set[int]]) -> list[list[int]]:
    """Bron-Kerbosch: every maximal set of pairwise parallel activities (one per node at least)."""
    found: list[list[int]] = []
    if not graph:
        return found

    def extend(clique: list[int], candidates: set[int], excluded: set[int]) -> None:
        if not candidates and not excluded:
            found.append(sorted(clique))
            return
        for v in sorted(candidates):
            extend([*clique, v], candidates & graph[v], excluded & graph[v])
            candidates = candidates - {v}
            excluded = excluded | {v}

    extend([], set(graph), set())
    return found


def heuristics_to_petri_net(hnet: HeuristicsNet) -> PetriNet:
    """Translate a heuristics net into a Petri net with one place per causal arc.

    Every activity is a visible transition. An activity with one output group and no trace
    ending in it puts tokens straight into the places of its arcs; otherwise it marks an
    output place from which one silent transition per group (and one to the sink for end
    activities) chooses. Inputs mirror outputs, with the source place feeding start
    activities. Heuristics nets are not always sound, so neither is the result.
    """
    b = NetBuilder()
    source, sink = b.place("source"), b.place("sink")
    arc_place = {(arc.source, arc.target): b.place() for arc in hnet.arcs}
    starts, ends = set(hnet.start_activities), set(hnet.end_activities)
    for act, split, join in zip(hnet.activities, hnet.splits, hnet.joins, strict=True):
        inputs = [[arc_place[(x, act)] for x in group] for group in join] + (
            [[source]] if act in starts else []
        )
        outputs = [[arc_place[(act, y)] for y in group] for group in split] + (
            [[sink]] if act in ends else []
        )
        # With no input or output at all (cannot happen with all tasks connected), the
        # activity gets a private place that nothing marks or empties.
        entry = inputs[0] if len(inputs) == 1 else [b.place()]
        exit_ = outputs[0] if len(outputs) == 1 else [b.place()]
        b.transition(act, entry, exit_)
        if len(inputs) > 1:
            for group in inputs:
                b.transition(None, group, entry)
        if len(outputs) > 1:
            for group in outputs:
                b.transition(None, exit_, group)
    return b.build(source, sink)


__all__ = ["HeuristicsArc", "HeuristicsNet", "discover_heuristics_net", "heuristics_to_petri_net"]
