"""Alignment-based fitness of an event log on an accepting Petri net.

An alignment pairs a trace with a run of the net from its initial to its final marking,
step by step: a synchronous move (the event and a transition with its label, cost 0), a
log move (an event the model cannot follow, cost 10,000), a model move (a visible
transition fired without an event, cost 10,000) or a silent transition (cost 1). These are
pm4py's standard costs; the small cost of silent steps only breaks ties, it never buys a
deviation. An optimal alignment is a cheapest path through the synchronous product of the
trace and the net, found here by Dijkstra's search over (marking, events consumed) states,
with the events whose activity no transition records counted as forced log moves (an exact
lower bound, so the search stays optimal as an A*).

Exactly as pm4py (``alignments.apply`` then ``replay_fitness`` "alignment_based"):

- the worst cost of a trace is its length x 10,000 plus the cost of the cheapest run of the
  model alone (the empty trace's alignment);
- trace fitness = 1 - (deviations of its alignment) / (trace length + visible steps of the
  cheapest model run), where deviations = cost // 10,000;
- log fitness = 1 - (sum of alignment costs) / (sum of worst costs), over all cases;
- a trace fits when its fitness is 1.

Each variant is aligned once. The search of a variant may expand at most ``max_states``
states and the whole log ``max_total_states``: past either bound the result says so, with
no fitness, rather than run for hours on a large or very unstructured net.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

import polars as pl

from minerun.analysis.columns import ACTIVITY, CASE
from minerun.analysis.models.petri import PetriNet

__all__ = [
    "MAX_STATES_PER_VARIANT",
    "MAX_TOTAL_STATES",
    "MOVE_COST",
    "AlignmentFitness",
    "alignment_fitness",
]

MOVE_COST: Final = 10_000
SILENT_COST: Final = 1
MAX_STATES_PER_VARIANT: Final = 50_000
MAX_TOTAL_STATES: Final = 400_000

Marking = tuple[int, ...]


@dataclass(frozen=True)
class AlignmentFitness:
    """Alignment fitness of a log, or why it was not computed.

    The figures are None when ``bound_exceeded`` says which bound the search hit.
    ``states`` is the number of search states expanded (over all variants aligned).
    """

    log_fitness: float | None
    average_trace_fitness: float | None
    percentage_fitting_traces: float | None
    variants: int
    variants_aligned: int
    states: int
    bound_exceeded: str | None = None


class _NoAlignment(Exception):
    """The search stopped without an alignment; the message says why."""


class _Aligner:
    """Optimal alignments of traces on one net (the net's firing rule precomputed)."""

    def __init__(self, net: PetriNet, max_states: int) -> None:
        self.net = net
        self.max_states = max_states
        self.visible = net.visible_labels()
        size = len(net.places)
        self.initial = _marking(size, net.initial_marking)
        self.final = _marking(size, net.final_marking)
        self.states = 0
        # The transitions each place feeds: only those of marked places can be enabled.
        consumers: list[list[int]] = [[] for _ in range(size)]
        for place, transition in net.place_to_transition:
            consumers[place].append(transition)
        self.consumers = tuple(tuple(c) for c in consumers)
        self._known: dict[Marking, tuple[tuple[str | None, Marking], ...]] = {}

    def cost(self, trace: tuple[str, ...]) -> int:
        """The cost of an optimal alignment of ``trace``."""
        forced = [0] * (len(trace) + 1)
        for i in range(len(trace) - 1, -1, -1):
            forced[i] = forced[i + 1] + (MOVE_COST if trace[i] not in self.visible else 0)
        start = (self.initial, 0)
        best = {start: 0}
        queue = [(forced[0], 0, 0, self.initial)]
        expanded = 0
        while queue:
            _, cost, position, marking = heapq.heappop(queue)
            if cost > best.get((marking, position), cost):
                continue
            if position == len(trace) and marking == self.final:
                self.states += expanded
                return cost
            expanded += 1
            if expanded > self.max_states:
                self.states += expanded
                raise _NoAlignment(
                    f"aligning a trace of {len(trace)} events needed over "
                    f"{self.max_states:,} search states"
                )
            for step, after, moved in self._moves(trace, position, marking):
                state = (after, position + moved)
                total = cost + step
                if total < best.get(state, total + 1):
                    best[state] = total
                    heapq.heappush(queue, (total + forced[position + moved], total, *state[::-1]))
        self.states += expanded
        raise _NoAlignment("the model's final marking cannot be reached")

    def _moves(
        self, trace: tuple[str, ...], position: int, marking: Marking
    ) -> Iterator[tuple[int, Marking, int]]:
        """(cost, marking after, events consumed) of every move from a state."""
        event = trace[position] if position < len(trace) else None
        if event is not None:
            yield MOVE_COST, marking, 1
        for label, after in self._firings(marking):
            if label is None:
                yield SILENT_COST, after, 0
                continue
            yield MOVE_COST, after, 0
            if label == event:
                yield 0, after, 1

    def _firings(self, marking: Marking) -> tuple[tuple[str | None, Marking], ...]:
        """(label, marking after) of every transition enabled in ``marking``.

        Remembered per marking: the same markings come back at every trace position and in
        every variant, and computing them again was half of the search's time.
        """
        known = self._known.get(marking)
        if known is not None:
            return known
        candidates = {t for p, n in enumerate(marking) if n for t in self.consumers[p]}
        firings = []
        for t in sorted(candidates):
            preset = self.net.preset[t]
            if any(marking[p] == 0 for p in preset):
                continue
            tokens = list(marking)
            for p in preset:
                tokens[p] -= 1
            for p in self.net.postset[t]:
                tokens[p] += 1
            firings.append((self.net.labels[t], tuple(tokens)))
        self._known[marking] = result = tuple(firings)
        return result


def _marking(size: int, pairs: tuple[tuple[int, int], ...]) -> Marking:
    tokens = [0] * size
    for place, count in pairs:
        tokens[place] += count
    return tuple(tokens)


def alignment_fitness(
    frame: pl.DataFrame,
    net: PetriNet,
    *,
    max_states: int = MAX_STATES_PER_VARIANT,
    max_total_states: int = MAX_TOTAL_STATES,
) -> AlignmentFitness:
    """Align every variant of a canonical event log on ``net`` and measure fitness."""
    variants = (
        frame.group_by(CASE, maintain_order=True)
        .agg(pl.col(ACTIVITY).alias("trace"))
        .group_by("trace")
        .agg(pl.len().alias("cases"))
        .sort(["cases", "trace"], descending=[True, False])
    )
    aligner = _Aligner(net, max_states)
    try:
        model_cost = aligner.cost(())
    except _NoAlignment as stopped:
        return _exceeded(variants.height, 0, aligner.states, str(stopped))
    cost_sum = worst_sum = fitness_sum = 0.0
    fitting = cases = 0
    for aligned, (trace, count) in enumerate(variants.iter_rows()):
        if aligner.states > max_total_states:
            reason = f"the log's search passed {max_total_states:,} states"
            return _exceeded(variants.height, aligned, aligner.states, reason)
        try:
            cost = aligner.cost(tuple(trace))
        except _NoAlignment as stopped:
            return _exceeded(variants.height, aligned, aligner.states, str(stopped))
        worst = len(trace) * MOVE_COST + model_cost
        denominator = worst // MOVE_COST
        fitness = 1 - (cost // MOVE_COST) / denominator if denominator > 0 else 0.0
        cost_sum += count * cost
        worst_sum += count * worst
        fitness_sum += count * fitness
        fitting += count if fitness == 1.0 else 0
        cases += count
    if cases == 0:
        return AlignmentFitness(0.0, 0.0, 0.0, 0, 0, aligner.states)
    return AlignmentFitness(
        log_fitness=1 - cost_sum / worst_sum if worst_sum > 0 else 0.0,
        average_trace_fitness=fitness_sum / cases,
        percentage_fitting_traces=100.0 * fitting / cases,
        variants=variants.height,
        variants_aligned=variants.height,
        states=aligner.states,
    )


def _exceeded(variants: int, aligned: int, states: int, reason: str) -> AlignmentFitness:
    return AlignmentFitness(None, None, None, variants, aligned, states, reason)
