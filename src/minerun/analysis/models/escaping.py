"""Token-based precision (escaping edges, ETConformance), as pm4py's
``precision_token_based_replay`` computes it (Muñoz-Gama and Carmona, *A fresh look at
precision in process conformance*, 2010).

For every prefix of every trace that some event follows (the prefix ``s[0:i]`` of a trace
``s`` for ``1 ≤ i < |s|``), the log says which activities came next (*reflected*: the
activities ``s[i]`` over all traces with that prefix). The prefix is replayed on the net by
token-based replay (the rules of :mod:`.replay`, without the final-marking step) and
stops at the first event that needs a missing token; for a prefix that replays without
one, the *allowed* activities are the labels of the visible transitions enabled in the
reached marking or in any marking reachable from it by silent transitions. Its *escaping
edges* are the allowed activities the log never shows after it. With each prefix weighted
by the number of traces that have it:

    precision = 1 - sum(escaping edges) / sum(allowed activities)

The empty prefix counts too, once per trace: allowed from the initial marking, reflected
= the start activities of the log. Prefixes that do not replay count neither way; with
nothing allowed at all, precision is 1.0.

Each distinct prefix is replayed once, extending the replay of the prefix one event
shorter (a prefix tree over the variants), and the allowed set of each marking is
computed once.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from minerun.analysis.columns import ACTIVITY, CASE
from minerun.analysis.models._tbr import Marking, TokenReplayer
from minerun.analysis.models.petri import PetriNet

# (transition, marking) pairs explored from one marking; sound nets stay far below.
MAX_SILENT_STEPS = 100_000


@dataclass(frozen=True)
class PrecisionResult:
    """Escaping-edges precision of a log on a net.

    ``precision`` in [0, 1]; ``escaping_edges`` and ``allowed`` are the weighted sums of the
    formula; ``prefixes`` is the number of distinct non-empty prefixes followed by an
    event, ``unfit_prefixes`` those that needed a missing token (left out).
    """

    precision: float
    escaping_edges: int
    allowed: int
    prefixes: int
    unfit_prefixes: int


@dataclass
class _Node:
    count: int
    following: set[str]
    marking: Marking | None


def precision(frame: pl.DataFrame, net: PetriNet) -> PrecisionResult:
    """Token-based (escaping edges) precision of a canonical event log on ``net``."""
    variants = (
        frame.group_by(CASE, maintain_order=True)
        .agg(pl.col(ACTIVITY).alias("trace"))
        .group_by("trace", maintain_order=True)
        .len()
    )
    traces = [tuple(t) for t in variants["trace"].to_list()]
    counts: list[int] = variants["len"].to_list()
    replayer = TokenReplayer(net)
    allowed = _Allowed(net)
    cases = sum(counts)
    first = allowed(replayer.initial_marking)
    starts = {trace[0] for trace in traces if trace}
    total_allowed, escaping = cases * len(first), cases * len(first - starts)
    nodes = _prefix_tree(traces, counts, replayer)
    unfit = 0
    for node in nodes.values():
        if node.marking is None:
            unfit += 1
            continue
        enabled = allowed(node.marking)
        total_allowed += len(enabled) * node.count
        escaping += len(enabled - node.following) * node.count
    value = 1.0 - escaping / total_allowed if total_allowed > 0 else 1.0
    return PrecisionResult(value, escaping, total_allowed, len(nodes), unfit)


def _prefix_tree(
    traces: list[tuple[str, ...]], counts: list[int], replayer: TokenReplayer
) -> dict[tuple[str, ...], _Node]:
    nodes: dict[tuple[str, ...], _Node] = {}
    for trace, count in zip(traces, counts, strict=True):
        marking: Marking | None = replayer.initial_marking
        for i in range(1, len(trace)):
            prefix = trace[:i]
            node = nodes.get(prefix)
            if node is None:
                if marking is not None:
                    marking, fit = replayer.advance(trace[i - 1], marking)
                    marking = marking if fit else None
                node = nodes[prefix] = _Node(0, set(), marking)
            node.count += count
            node.following.add(trace[i])
            marking = node.marking
    return nodes


class _Allowed:
    """Visible labels reached from a marking through silent transitions, cached by marking.

    The exploration is pm4py's (``get_visible_transitions_eventually_enabled_by_marking``):
    a work list of enabled transitions in name order, each remembered with the marking it
    was last found enabled in; a silent one is fired from that marking and the transitions
    enabled afterwards are appended. A transition found enabled again later takes the newer
    marking, so not every marking reachable by silent transitions is visited; this keeps
    the figures equal to pm4py's.
    """

    def __init__(self, net: PetriNet) -> None:
        self._net = net
        self._order = sorted(range(len(net.transitions)), key=lambda t: net.transitions[t])
        self._cache: dict[_Key, frozenset[str]] = {}

    def __call__(self, marking: Marking) -> frozenset[str]:
        key = _key(marking)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._explore(key)
        return found

    def _enabled(self, m: dict[int, int]) -> list[int]:
        pre = self._net.preset
        return [t for t in self._order if all(m.get(p, 0) >= 1 for p in pre[t])]

    def _explore(self, start: _Key) -> frozenset[str]:
        net = self._net
        work = self._enabled(dict(start))
        found_in: dict[int, _Key] = dict.fromkeys(work, start)
        labels: set[str] = set()
        visited: set[tuple[int, _Key]] = set()
        i = 0
        while i < len(work) and len(visited) < MAX_SILENT_STEPS:
            t = work[i]
            i += 1
            key = found_in[t]
            if (t, key) in visited:
                continue
            visited.add((t, key))
            label = net.labels[t]
            if label is not None:
                labels.add(label)
                continue
            m = dict(key)
            for p in net.preset[t]:
                m[p] -= 1
            for p in net.postset[t]:
                m[p] = m.get(p, 0) + 1
            after = _key(m)
            for t2 in self._enabled(m):
                work.append(t2)
                found_in[t2] = after
        return frozenset(labels)


_Key = tuple[tuple[int, int], ...]


def _key(m: Marking) -> _Key:
    return tuple(sorted((p, n) for p, n in m.items() if n > 0))


__all__ = ["MAX_SILENT_STEPS", "PrecisionResult", "precision"]
