"""Inductive miner, infrequent variant (IMf; Leemans, Fahland and van der Aalst, 2013).

The miner works on variants with counts and on DFGs built from those counts:

1. Empty traces: if more than ``noise_threshold`` of the traces are empty, the model is a
   choice between tau and the rest; otherwise the empty traces are dropped as noise.
2. Base cases: an empty log gives tau, a log of one single-activity variant gives that leaf.
3. Cuts on the DFG, in order: exclusive choice, strict sequence, parallel, loop. The log is
   split accordingly (the choice and sequence splits drop events that do not fit).
4. Without a cut, IMf filters the DFG (an edge is kept when its count exceeds
   ``noise_threshold`` times the most frequent outgoing edge or end count of its source; a
   start activity when its count reaches ``noise_threshold`` times the most frequent one)
   and looks for a cut again, splitting the unfiltered log.
5. Otherwise a fall-through applies (see :mod:`._fallthroughs`).

The result is folded and its children ordered as pm4py does, so the printed trees of both
implementations can be compared.
"""

from __future__ import annotations

from collections import Counter

import polars as pl

from minerun.analysis.models._cuts import SPLITTERS, find_cut
from minerun.analysis.models._dfg import Dfg, EncodedLog, VariantLog, build_dfg, encode_variants
from minerun.analysis.models._fallthroughs import Step, empty_traces, fall_through
from minerun.analysis.models.process_tree import DraftNode, Operator, ProcessTree, fold, freeze


def discover_process_tree(frame: pl.DataFrame, noise_threshold: float = 0.2) -> ProcessTree:
    """Discover a process tree from a canonical event log with IMf.

    ``noise_threshold`` in [0, 1): 0 keeps all behaviour (plain inductive miner behaviour on
    the DFG), higher values filter more infrequent directly-follows relations.
    """
    if not 0.0 <= noise_threshold < 1.0:
        raise ValueError("noise_threshold must be in [0, 1)")
    return discover_process_tree_from_variants(encode_variants(frame), noise_threshold)


def discover_process_tree_from_variants(
    log: EncodedLog, noise_threshold: float = 0.2
) -> ProcessTree:
    """IMf on an already encoded variant log (see :func:`discover_process_tree`)."""
    miner = _Miner(log.names, noise_threshold)
    return freeze(fold(miner.mine(dict(log.variants))))


def filter_dfg(dfg: Dfg, noise_threshold: float) -> Dfg:
    """IMf's infrequent-behaviour filter on a DFG (end activities are kept as they are)."""
    strongest: dict[int, int] = {}
    for (a, _), count in dfg.edges.items():
        strongest[a] = max(strongest.get(a, 0), count, dfg.ends.get(a, 0))
    edges = Counter({e: c for e, c in dfg.edges.items() if c > noise_threshold * strongest[e[0]]})
    top = max(dfg.starts.values())
    starts = Counter({a: c for a, c in dfg.starts.items() if c >= top * noise_threshold})
    return Dfg(edges, starts, Counter(dfg.ends))


class _Miner:
    def __init__(self, names: tuple[str, ...], noise_threshold: float) -> None:
        self._names = names
        self._noise = noise_threshold

    def mine(self, log: VariantLog) -> DraftNode:
        step = empty_traces(log)
        if step is not None and step[1]:
            total = sum(log.values())
            if total - sum(step[1][1].values()) > self._noise * total:
                return self._expand(step)
            log = step[1][1]
        leaf = self._base_case(log)
        if leaf is not None:
            return leaf
        dfg = build_dfg(log)
        node = self._cut(log, dfg)
        if node is None:
            node = self._cut(log, filter_dfg(dfg, self._noise))
        return node if node is not None else self._expand(fall_through(log))

    def _base_case(self, log: VariantLog) -> DraftNode | None:
        if not log:
            return DraftNode()
        if len(log) == 1:
            (trace,) = log
            if len(trace) <= 1:
                return DraftNode(label=self._names[trace[0]]) if trace else DraftNode()
        return None

    def _cut(self, log: VariantLog, dfg: Dfg) -> DraftNode | None:
        found = find_cut(dfg)
        if found is None:
            return None
        operator, groups = found
        return self._recurse(operator, SPLITTERS[operator](log, groups))

    def _expand(self, step: Step) -> DraftNode:
        operator, logs = step
        if operator is None:
            return DraftNode()
        return self._recurse(operator, logs)

    def _recurse(self, operator: Operator, logs: list[VariantLog]) -> DraftNode:
        return DraftNode(operator, None, [self.mine(sub) for sub in logs])


__all__ = ["discover_process_tree", "discover_process_tree_from_variants", "filter_dfg"]
