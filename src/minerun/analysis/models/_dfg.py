"""Variant logs and directly-follows graphs built from counts, shared by the miners.

A variant log maps an activity sequence (activities encoded as integers whose order is
the order of their names) to the number of cases that follow it. Every structure here is
computed from those counts, so its cost depends on the number of variants, never on the
number of events.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise

import polars as pl

from minerun.analysis.columns import ACTIVITY, CASE

Trace = tuple[int, ...]
VariantLog = dict[Trace, int]


@dataclass
class Dfg:
    """Directly-follows graph with start and end activity counts."""

    edges: Counter[tuple[int, int]] = field(default_factory=Counter)
    starts: Counter[int] = field(default_factory=Counter)
    ends: Counter[int] = field(default_factory=Counter)

    def vertices(self) -> set[int]:
        """Activities that occur on an edge or as a start or end activity."""
        found = set(self.starts) | set(self.ends)
        for a, b in self.edges:
            found.add(a)
            found.add(b)
        return found

    def successors(self) -> dict[int, set[int]]:
        """Direct successors of every vertex."""
        succ: dict[int, set[int]] = {v: set() for v in self.vertices()}
        for a, b in self.edges:
            succ[a].add(b)
        return succ


def build_dfg(log: VariantLog) -> Dfg:
    """Directly-follows graph of a variant log, weighted by variant counts."""
    edges: dict[tuple[int, int], int] = {}
    starts: dict[int, int] = {}
    ends: dict[int, int] = {}
    get = edges.get
    for trace, count in log.items():
        if not trace:
            continue
        starts[trace[0]] = starts.get(trace[0], 0) + count
        ends[trace[-1]] = ends.get(trace[-1], 0) + count
        for pair in pairwise(trace):
            edges[pair] = get(pair, 0) + count
    return Dfg(Counter(edges), Counter(starts), Counter(ends))


def reachability(succ: dict[int, set[int]]) -> dict[int, set[int]]:
    """Activities reachable from each vertex by one or more edges (a vertex excluded)."""
    reach: dict[int, set[int]] = {}
    for start in succ:
        seen: set[int] = set()
        stack = list(succ[start])
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(succ.get(node, ()))
        seen.discard(start)
        reach[start] = seen
    return reach


def alphabet(log: VariantLog) -> list[int]:
    """Sorted activities occurring in a variant log."""
    return sorted({a for trace in log for a in trace})


@dataclass(frozen=True)
class EncodedLog:
    """Variants of a frame with activities encoded as integers ordered by name."""

    names: tuple[str, ...]
    variants: VariantLog


def encode_variants(frame: pl.DataFrame) -> EncodedLog:
    """Group a canonical event log into variants (activity sequences with case counts)."""
    names = tuple(sorted(frame.get_column(ACTIVITY).unique().drop_nulls().to_list()))
    codes = {name: index for index, name in enumerate(names)}
    traces = (
        frame.select(CASE, pl.col(ACTIVITY).replace_strict(codes, return_dtype=pl.UInt32))
        .group_by(CASE, maintain_order=True)
        .agg(pl.col(ACTIVITY).alias("trace"))
        .group_by("trace", maintain_order=True)
        .len()
    )
    variants: VariantLog = {
        tuple(trace): count
        for trace, count in zip(traces["trace"].to_list(), traces["len"].to_list(), strict=True)
    }
    return EncodedLog(names, variants)


__all__ = [
    "Dfg",
    "EncodedLog",
    "Trace",
    "VariantLog",
    "alphabet",
    "build_dfg",
    "encode_variants",
    "reachability",
]
