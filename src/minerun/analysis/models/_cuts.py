"""Cut detection on a directly-follows graph and log splitting, as in Leemans' inductive miner.

Each ``*_cut`` function returns the activity groups of a cut, or None when the DFG has no
such cut. Each ``split_*`` function projects a variant log onto the groups; the splits of
the exclusive-choice and sequence cuts drop the events that do not fit the cut, which is
how the infrequent variant keeps noise out of the sub-logs. The rules and tie-breaks
follow pm4py so both produce the same trees.
"""

from __future__ import annotations

from collections import Counter

from minerun.analysis.models._dfg import Dfg, Trace, VariantLog, reachability
from minerun.analysis.models.process_tree import Operator

Groups = list[set[int]]


def _components(vertices: set[int], edges: set[tuple[int, int]]) -> Groups:
    parent = {v: v for v in vertices}

    def find(v: int) -> int:
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    for a, b in edges:
        parent[find(a)] = find(b)
    groups: dict[int, set[int]] = {}
    for v in vertices:
        groups.setdefault(find(v), set()).add(v)
    return list(groups.values())


def xor_cut(dfg: Dfg) -> Groups | None:
    """Connected components of the undirected DFG, when there are several."""
    groups = _components(dfg.vertices(), set(dfg.edges))
    return sorted(groups, key=lambda g: sorted(g)) if len(groups) > 1 else None


def _sequence_groups(dfg: Dfg) -> Groups | None:
    vertices = dfg.vertices()
    if not vertices:
        return None
    succ = reachability(dfg.successors())
    # Two activities share a group when each reaches the other or neither reaches the other.
    merge = {
        (a, b) for a in vertices for b in vertices if a < b and ((b in succ[a]) == (a in succ[b]))
    }
    groups = _components(vertices, merge)
    pred_count = Counter(b for a in vertices for b in succ[a])
    n = len(vertices)
    groups.sort(key=lambda g: pred_count[min(g)] + n - len(succ[min(g)]))
    return groups if len(groups) > 1 else None


def sequence_cut(dfg: Dfg) -> Groups | None:
    """Strict sequence cut: a sequence cut whose skippable groups are merged (Leemans p. 233)."""
    groups = _sequence_groups(dfg)
    if groups is None:
        return None
    start, end = set(dfg.starts), set(dfg.ends)
    big = 2**63 - 1
    index = {a: i for i, g in enumerate(groups) for a in g}
    mf = [-big if g & start else big for g in groups]
    mt = [big if g & end else -big for g in groups]
    for a, b in dfg.edges:
        mf[index[b]] = min(mf[index[b]], index[a])
        mt[index[a]] = max(mt[index[a]], index[b])
    for p in range(len(groups)):
        if _skippable(p, dfg, start, end, groups):
            q = p - 1
            while q >= 0 and mt[q] <= p:
                groups[p] |= groups[q]
                groups[q] = set()
                q -= 1
            q = p + 1
            while q < len(mf) and mf[q] >= p:
                groups[p] |= groups[q]
                groups[q] = set()
                q += 1
    return [g for g in groups if g]


def _skippable(p: int, dfg: Dfg, start: set[int], end: set[int], groups: Groups) -> bool:
    before = set().union(*groups[:p])
    after = set().union(*groups[p + 1 :])
    if any(a in before and b in after for a, b in dfg.edges):
        return True
    return bool(after & start) or bool(before & end)


def concurrency_cut(dfg: Dfg) -> Groups | None:
    """Groups whose activities all follow each other in both directions across groups."""
    vertices = dfg.vertices()
    if not vertices:
        return None
    edges = set(dfg.edges)
    apart = {
        (a, b)
        for a in vertices
        for b in vertices
        if a < b and ((a, b) not in edges or (b, a) not in edges)
    }
    groups = sorted(_components(vertices, apart), key=min)
    groups.sort(key=len)
    start, end = set(dfg.starts), set(dfg.ends)
    i = 0
    while i < len(groups) and len(groups) > 1:
        if groups[i] & start and groups[i] & end:
            i += 1
            continue
        group = groups.pop(i)
        groups[i if i == 0 else i - 1] |= group
    return groups if len(groups) > 1 else None


def loop_cut(dfg: Dfg) -> Groups | None:
    """Body (start and end activities and what must belong to them) and one redo group."""
    if not dfg.edges:
        return None
    start, end = set(dfg.starts), set(dfg.ends)
    body = start | end
    inner = dfg.vertices() - body
    inner_edges = {(a, b) for a, b in dfg.edges if a in inner and b in inner}
    groups = _components(inner, inner_edges)
    for a, b in dfg.edges:
        if (a in start - end) or (b in end - start):
            # A component entered from a start activity that is not an end activity (or
            # leaving into a non-start end activity) is part of the body.
            other = b if a in start - end else a
            merged = [g for g in groups if other in g]
            for g in merged:
                body |= g
                groups.remove(g)
    redo: set[int] = set()
    for g in groups:
        if _loop_incomplete(g, dfg, start, end):
            body |= g
        else:
            redo |= g
    return [body, redo] if redo else None


def _loop_incomplete(group: set[int], dfg: Dfg, start: set[int], end: set[int]) -> bool:
    for a, b in dfg.edges:
        if a in group and b in start and any((a, s) not in dfg.edges for s in start):
            return True
        if b in group and a in end and any((e, b) not in dfg.edges for e in end):
            return True
    return False


def find_cut(dfg: Dfg) -> tuple[Operator, Groups] | None:
    """The first cut found among exclusive choice, strict sequence, parallel and loop."""
    for operator, detect in (
        (Operator.XOR, xor_cut),
        (Operator.SEQUENCE, sequence_cut),
        (Operator.PARALLEL, concurrency_cut),
        (Operator.LOOP, loop_cut),
    ):
        groups = detect(dfg)
        if groups is not None:
            return operator, groups
    return None


# --- splitting the log --------------------------------------------------------------------


def split_xor(log: VariantLog, groups: Groups) -> list[VariantLog]:
    """Each trace goes to the group holding most of its events (ties: the later group)."""
    logs: list[VariantLog] = [{} for _ in groups]
    for trace, count in log.items():
        sizes = [sum(1 for e in trace if e in g) for g in groups]
        best = max(range(len(groups)), key=lambda i: (sizes[i], i))
        kept = tuple(e for e in trace if e in groups[best])
        logs[best][kept] = logs[best].get(kept, 0) + count
    return logs


def _split_point(trace: Trace, group: set[int], start: int, ignore: set[int]) -> int:
    least, position, cost = 0, start, 0
    for i in range(start, len(trace)):
        if trace[i] in group:
            cost -= 1
        elif trace[i] not in ignore:
            cost += 1
        if cost < least:
            least, position = cost, i + 1
    return position


def split_sequence(log: VariantLog, groups: Groups) -> list[VariantLog]:
    """Cut every trace where the fewest events are out of place; drop the misplaced ones."""
    logs: list[VariantLog] = [{} for _ in groups]
    for trace, count in log.items():
        point, done = 0, set[int]()
        for i, group in enumerate(groups):
            new_point = _split_point(trace, group, point, done)
            part = tuple(e for e in trace[point:new_point] if e in group)
            logs[i][part] = logs[i].get(part, 0) + count
            point = new_point
            done |= group
    return logs


def split_parallel(log: VariantLog, groups: Groups) -> list[VariantLog]:
    """Project every trace on each group."""
    logs: list[VariantLog] = [{} for _ in groups]
    for trace, count in log.items():
        for i, group in enumerate(groups):
            part = tuple(e for e in trace if e in group)
            logs[i][part] = logs[i].get(part, 0) + count
    return logs


def split_loop(log: VariantLog, groups: Groups) -> list[VariantLog]:
    """Cut traces into body and redo iterations; events in neither group are dropped."""
    body, redo = groups[0], groups[1]
    body_log: VariantLog = {}
    redo_log: VariantLog = {}
    for trace, count in log.items():
        current: list[int] = []
        in_body = True
        for e in trace:
            side = e in body
            if not side and e not in redo:
                _flush(current, in_body, body_log, redo_log, count, keep_empty=False)
                current = []
                continue
            if side != in_body:
                _flush(current, in_body, body_log, redo_log, count, keep_empty=False)
                current, in_body = [], side
            current.append(e)
        if in_body:
            body_log[tuple(current)] = body_log.get(tuple(current), 0) + count
        else:
            _flush(current, False, body_log, redo_log, count, keep_empty=False)
            body_log[()] = body_log.get((), 0) + count
    return [body_log, redo_log]


def _flush(
    part: list[int],
    in_body: bool,
    body_log: VariantLog,
    redo_log: VariantLog,
    count: int,
    keep_empty: bool,
) -> None:
    if not part and not keep_empty:
        return
    target = body_log if in_body else redo_log
    target[tuple(part)] = target.get(tuple(part), 0) + count


SPLITTERS = {
    Operator.XOR: split_xor,
    Operator.SEQUENCE: split_sequence,
    Operator.PARALLEL: split_parallel,
    Operator.LOOP: split_loop,
}

__all__ = [
    "SPLITTERS",
    "Groups",
    "concurrency_cut",
    "find_cut",
    "loop_cut",
    "sequence_cut",
    "xor_cut",
]
