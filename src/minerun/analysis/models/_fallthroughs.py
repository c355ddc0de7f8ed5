"""Fall-throughs of the inductive miner: what to do when no cut fits the log.

Tried in this order: empty traces, an activity once per trace, an activity concurrent to
the rest, the strict tau loop, the tau loop, and finally the flower model (any activity, any
number of times). Each returns the operator and the sub-logs to mine, like a cut.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from minerun.analysis.models._cuts import (
    concurrency_cut,
    loop_cut,
    sequence_cut,
    xor_cut,
)
from minerun.analysis.models._dfg import Dfg, Trace, VariantLog, alphabet, build_dfg
from minerun.analysis.models.process_tree import Operator

Step = tuple[Operator | None, list[VariantLog]]


def _add(log: VariantLog, trace: Trace, count: int) -> None:
    log[trace] = log.get(trace, 0) + count


def empty_traces(log: VariantLog) -> Step | None:
    """Choice between skipping (tau) and the non-empty traces."""
    if () not in log:
        return None
    rest = {t: c for t, c in log.items() if t}
    return (Operator.XOR, [{}, rest]) if rest else (None, [])


def _split_off(log: VariantLog, activity: int) -> Step:
    alone: VariantLog = {}
    rest: VariantLog = {}
    for trace, count in log.items():
        _add(alone, tuple(e for e in trace if e == activity), count)
        _add(rest, tuple(e for e in trace if e != activity), count)
    return Operator.PARALLEL, [alone, rest]


def activity_once_per_trace(log: VariantLog) -> Step | None:
    """An activity occurring exactly once in every trace is put in parallel to the rest."""
    candidates = set(alphabet(log))
    for trace in log:
        counts = Counter(trace)
        candidates &= {a for a, n in counts.items() if n == 1}
        if not candidates:
            return None
    return _split_off(log, min(candidates))


def _has_cut(dfg: Dfg) -> bool:
    detectors: tuple[Callable[[Dfg], object], ...] = (
        xor_cut,
        sequence_cut,
        concurrency_cut,
        loop_cut,
    )
    return any(detect(dfg) is not None for detect in detectors)


def _runs(log: VariantLog) -> set[tuple[int, int, int]]:
    """Every maximal run of one activity as (activity, before, after); -1 marks a trace end."""
    runs: set[tuple[int, int, int]] = set()
    for trace in log:
        n, i = len(trace), 0
        while i < n:
            j = i
            while j + 1 < n and trace[j + 1] == trace[i]:
                j += 1
            runs.add((trace[i], trace[i - 1] if i > 0 else -1, trace[j + 1] if j + 1 < n else -1))
            i = j + 1
    return runs


def _dfg_without(dfg: Dfg, runs: set[tuple[int, int, int]], activity: int) -> Dfg:
    # Only the shape of the DFG matters for detecting a cut, so the DFG of the log without
    # the activity is derived from the full DFG and the runs of that activity, not rebuilt.
    shape = Dfg(
        Counter({(a, b): 1 for a, b in dfg.edges if activity not in (a, b)}),
        Counter({a: 1 for a in dfg.starts if a != activity}),
        Counter({a: 1 for a in dfg.ends if a != activity}),
    )
    for act, before, after in runs:
        if act != activity:
            continue
        if before >= 0 and after >= 0:
            shape.edges[(before, after)] = 1
        elif after >= 0:
            shape.starts[after] = 1
        elif before >= 0:
            shape.ends[before] = 1
    return shape


def activity_concurrent(log: VariantLog) -> Step | None:
    """The first activity (by name) whose removal lets a cut appear goes in parallel."""
    dfg, runs = build_dfg(log), _runs(log)
    for activity in alphabet(log):
        if _has_cut(_dfg_without(dfg, runs, activity)):
            return _split_off(log, activity)
    return None


def _tau_loop(log: VariantLog, strict: bool) -> Step | None:
    starts = {t[0] for t in log if t}
    ends = {t[-1] for t in log if t}
    parts: VariantLog = {}
    for trace, count in log.items():
        begin = 0
        for i in range(1, len(trace)):
            if trace[i] in starts and (not strict or trace[i - 1] in ends):
                _add(parts, trace[begin:i], count)
                begin = i
        _add(parts, trace[begin:], count)
    if sum(parts.values()) > sum(log.values()):
        return Operator.LOOP, [parts, {}]
    return None


def strict_tau_loop(log: VariantLog) -> Step | None:
    """Cut traces where an end activity is followed by a start activity; loop over the parts."""
    return _tau_loop(log, strict=True)


def tau_loop(log: VariantLog) -> Step | None:
    """Cut traces before every start activity; loop over the parts."""
    return _tau_loop(log, strict=False)


def flower(log: VariantLog) -> Step:
    """Loop of tau with a choice of every activity as redo: anything goes."""
    return Operator.LOOP, [{}, {(a,): 1 for a in alphabet(log)}]


def fall_through(log: VariantLog) -> Step:
    """Apply the first fall-through that holds; the flower model always does."""
    for attempt in (
        empty_traces,
        activity_once_per_trace,
        activity_concurrent,
        strict_tau_loop,
        tau_loop,
    ):
        step = attempt(log)
        if step is not None:
            return step
    return flower(log)


__all__ = ["Step", "empty_traces", "fall_through"]
