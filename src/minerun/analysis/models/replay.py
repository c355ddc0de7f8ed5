"""Token-based replay fitness of an event log on an accepting Petri net.

Each trace is replayed from the initial marking, counting tokens: ``produced`` (the initial
tokens plus those put by every fired transition), ``consumed`` (taken by fired transitions
plus the final marking's tokens), ``missing`` (added because a transition of the trace was
not enabled, plus final-marking tokens never reached) and ``remaining`` (left over beyond
the final marking). Silent transitions are fired when they enable the next event or lead to
the final marking. Then, exactly as pm4py:

- trace fitness = 0.5 * (1 - missing / consumed) + 0.5 * (1 - remaining / produced)
  (1.0 when nothing was consumed or produced);
- a trace fits when it has neither missing nor remaining tokens before the final marking
  is compared (events of activities absent from the net are skipped and do not count);
- log fitness applies the same formula to the sums over all traces.

Each variant is replayed once and the result is given to all of its cases.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from minerun.analysis.columns import ACTIVITY, CASE
from minerun.analysis.models._tbr import TokenReplayer, TraceReplay
from minerun.analysis.models.petri import PetriNet

_COUNTS = ("missing_tokens", "consumed_tokens", "remaining_tokens", "produced_tokens")


@dataclass(frozen=True)
class ReplayResult:
    """Fitness of a log on a net.

    ``cases`` has one row per case: ``case_id``, ``trace_is_fit`` (bool), ``trace_fitness``
    (float), ``missing_tokens``, ``consumed_tokens``, ``remaining_tokens``,
    ``produced_tokens`` (ints). The totals are sums over cases; ``log_fitness`` is computed
    from them, ``average_trace_fitness`` is the mean of the trace fitness values and
    ``percentage_fitting_traces`` the share (0-100) of fitting cases. With no cases, the three
    fitness figures are 0.0, as in pm4py.
    """

    cases: pl.DataFrame
    log_fitness: float
    average_trace_fitness: float
    percentage_fitting_traces: float
    missing_tokens: int
    consumed_tokens: int
    remaining_tokens: int
    produced_tokens: int
    variants: int


def token_replay(frame: pl.DataFrame, net: PetriNet) -> ReplayResult:
    """Replay every case of a canonical event log on ``net`` and measure fitness."""
    variants = (
        frame.group_by(CASE, maintain_order=True)
        .agg(pl.col(ACTIVITY).alias("trace"))
        .group_by("trace", maintain_order=True)
        .agg(pl.col(CASE))
    )
    replayer = TokenReplayer(net)
    results = [replayer.replay(tuple(trace)) for trace in variants["trace"].to_list()]
    cases = variants.drop("trace").with_columns(_result_columns(results)).explode(CASE).sort(CASE)
    return _summarise(cases, len(results))


def _result_columns(results: list[TraceReplay]) -> list[pl.Series]:
    return [
        pl.Series("trace_is_fit", [r.is_fit for r in results], dtype=pl.Boolean),
        pl.Series("trace_fitness", [r.fitness for r in results], dtype=pl.Float64),
        pl.Series(_COUNTS[0], [r.missing for r in results], dtype=pl.Int64),
        pl.Series(_COUNTS[1], [r.consumed for r in results], dtype=pl.Int64),
        pl.Series(_COUNTS[2], [r.remaining for r in results], dtype=pl.Int64),
        pl.Series(_COUNTS[3], [r.produced for r in results], dtype=pl.Int64),
    ]


def _summarise(cases: pl.DataFrame, variants: int) -> ReplayResult:
    totals = cases.select(pl.col(c).sum() for c in _COUNTS).row(0) if cases.height else (0, 0, 0, 0)
    missing, consumed, remaining, produced = (int(x) for x in totals)
    log_fitness = average = percentage = 0.0
    if cases.height and consumed > 0 and produced > 0:
        log_fitness = 0.5 * (1 - missing / consumed) + 0.5 * (1 - remaining / produced)
        average = float(cases["trace_fitness"].sum()) / cases.height
        percentage = 100.0 * int(cases["trace_is_fit"].sum()) / cases.height
    return ReplayResult(
        cases=cases,
        log_fitness=log_fitness,
        average_trace_fitness=average,
        percentage_fitting_traces=percentage,
        missing_tokens=missing,
        consumed_tokens=consumed,
        remaining_tokens=remaining,
        produced_tokens=produced,
        variants=variants,
    )


__all__ = ["ReplayResult", "token_replay"]
