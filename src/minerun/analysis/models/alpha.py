"""Alpha+ miner (de Medeiros, van der Aalst and Weijters, *Process mining: extending the
alpha-algorithm to mine short loops*, 2004): the alpha algorithm with length-one and
length-two loops.

1. Activities directly followed by themselves (length-one loops, L1L) are set aside and the
   relations of :mod:`._footprint` are computed on the log without them, each trace read
   with an artificial start ``START`` and end ``END``. Length-two loops ``a b a`` / ``b a b`` make
   ``a → b`` and ``b → a`` causal instead of parallel.
2. Places are the maximal pairs ``(A, B)``: ``A`` and ``B`` non-empty, every ``a ∈ A`` causes
   every ``b ∈ B``, the members of ``A`` (and of ``B``) pairwise unrelated (``#``), no larger
   pair containing both. ``START`` and ``END`` are silent transitions; a source place feeds
   ``START``, ``END`` feeds a sink place.
3. Each L1L activity ``t`` with ``A`` its predecessors and ``B`` its successors outside
   L1L (``START`` / ``END`` at the ends of traces) gets a self-loop on every place ``(X, Y)``
   with ``A \\ B ⊆ X`` and ``B \\ A ⊆ Y``.
4. ``START`` is removed when it feeds one place that nothing else feeds (that place becomes the
   initial one); ``END`` when one place feeds it, that place feeds nothing else and its
   producers feed no other place (that place becomes the final one), as pm4py does.

Known limits (those of alpha+): no frequency threshold; the net need not be sound with
non-free-choice constructs, duplicate tasks or noise. An activity in no place (no causal
relation left; an L1L activity whose ``A \\ B`` or ``B \\ A`` is empty or matches no place;
an activity directly followed by itself once L1L activities are removed) stays an
unconnected transition, always enabled. Two L1L activities next to each other are not
ordered.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from minerun.analysis.models._footprint import Footprint, footprint
from minerun.analysis.models.petri import NetBuilder, PetriNet

Pair = tuple[frozenset[int], frozenset[int]]


def discover_alpha_plus(frame: pl.DataFrame) -> PetriNet:
    """Discover a Petri net from a canonical event log with the alpha+ miner."""
    fp = footprint(frame)
    pairs = alpha_pairs(fp)
    loops = {t: _loop_places(fp, t, pairs) for t in sorted(fp.loops_one)}
    return _build(fp, pairs, loops)


def alpha_pairs(fp: Footprint) -> list[Pair]:
    """The maximal pairs (places) of a footprint, sorted by their activity names."""
    size = len(fp.names) + 2
    usable = [a for a in sorted(fp.present) if fp.unrelated[a, a] and a not in fp.loops_one]
    # Vertices: a as input (index a) and b as output (index size + b); two vertices are
    # adjacent when they may share a place. Maximal pairs are the maximal cliques with both
    # an input and an output (Bron-Kerbosch with pivoting on bit sets).
    ins = [a for a in usable if any(fp.causal[a, b] for b in usable)]
    outs = [b for b in usable if any(fp.causal[a, b] for a in usable)]
    adjacency: dict[int, int] = {}
    for a in ins:
        adjacency[a] = _bits(x for x in ins if x != a and fp.unrelated[a, x]) | _bits(
            size + b for b in outs if fp.causal[a, b]
        )
    for b in outs:
        adjacency[size + b] = _bits(size + y for y in outs if y != b and fp.unrelated[b, y]) | (
            _bits(a for a in ins if fp.causal[a, b])
        )
    in_mask = _bits(ins)
    found: list[Pair] = []

    def extend(clique: int, candidates: int, excluded: int) -> None:
        if not (clique | candidates) & in_mask or not (clique | candidates) & ~in_mask:
            return
        if not candidates and not excluded:
            members = _members(clique)
            found.append(
                (
                    frozenset(v for v in members if v < size),
                    frozenset(v - size for v in members if v >= size),
                )
            )
            return
        pivot = max(
            _members(candidates | excluded), key=lambda u: (candidates & adjacency[u]).bit_count()
        )
        for v in _members(candidates & ~adjacency[pivot]):
            extend(clique | 1 << v, candidates & adjacency[v], excluded & adjacency[v])
            candidates &= ~(1 << v)
            excluded |= 1 << v

    extend(0, _bits(adjacency), 0)
    return sorted(found, key=lambda pair: (_names(fp, pair[0]), _names(fp, pair[1])))


def _bits(items: Iterable[int]) -> int:
    mask = 0
    for item in items:
        mask |= 1 << item
    return mask


def _members(mask: int) -> list[int]:
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


def _names(fp: Footprint, items: frozenset[int]) -> list[str]:
    extra = {fp.start: "\x00start", fp.end: "\x00end"}
    return sorted(extra.get(i) or fp.names[i] for i in items)


def _loop_places(fp: Footprint, t: int, pairs: list[Pair]) -> list[int]:
    before, after = fp.before.get(t, frozenset()), fp.after.get(t, frozenset())
    inputs, outputs = before - after, after - before
    if not inputs or not outputs:
        return []
    return [i for i, (x, y) in enumerate(pairs) if inputs <= x and outputs <= y]


def _merged_ends(fp: Footprint, pairs: list[Pair]) -> tuple[int | None, int | None]:
    """The places that can stand for the source and the sink (step 4), if any."""
    starting = [i for i, (x, _) in enumerate(pairs) if fp.start in x]
    first = starting[0] if len(starting) == 1 and pairs[starting[0]][0] == {fp.start} else None
    ending = [i for i, (_, y) in enumerate(pairs) if fp.end in y]
    last = None
    if len(ending) == 1 and pairs[ending[0]][1] == {fp.end} and ending[0] != first:
        feeders = pairs[ending[0]][0]
        if all(sum(a in x for x, _ in pairs) == 1 for a in feeders):
            last = ending[0]
    return first, last


def _build(fp: Footprint, pairs: list[Pair], loops: dict[int, list[int]]) -> PetriNet:
    first, last = _merged_ends(fp, pairs)
    b = NetBuilder()
    source, sink = b.place("source"), b.place("sink")
    place = {
        i: source if i == first else sink if i == last else b.place(f"p{i + 1}")
        for i in range(len(pairs))
    }
    visible = {a: b.transition(name, [], []) for a, name in enumerate(fp.names)}
    if first is None:
        visible[fp.start] = b.transition(None, [source], [])
    if last is None:
        visible[fp.end] = b.transition(None, [], [sink])
    for i, (inputs, outputs) in enumerate(pairs):
        b.t2p.extend((visible[a], place[i]) for a in sorted(inputs) if a in visible)
        b.p2t.extend((place[i], visible[y]) for y in sorted(outputs) if y in visible)
    for t, indices in loops.items():
        for i in indices:
            b.t2p.append((visible[t], place[i]))
            b.p2t.append((place[i], visible[t]))
    return b.build(source, sink)


__all__ = ["alpha_pairs", "discover_alpha_plus"]
