"""The analyses a report is about: their stored results, their logs and the measures of them.

A report on a ProcessMiningAnalysis (``sourceOperationId``, and ``baselineOperationId`` for a
comparison) reads that operation's stored results through the phase context; the log's
measures (variants, the map, cycle times) are computed again from the analysis' dataset and
time window with the same engine functions, and kept in the scratch directory for the next
phase. A report on a dataset runs the analysis itself (see :mod:`.analysis_run`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from minerun.analysis.discovery import Discovery, discover
from minerun.analysis.performance import Performance, analyze_performance
from minerun.kinds.base import PhaseContext, PhaseInputError
from minerun.kinds.process_mining import memo
from minerun.kinds.process_mining.loading import findings, load_log
from minerun.kinds.process_mining.parameters import AnalysisParameters
from minerun.kinds.process_mining.parameters import parse as parse_analysis
from minerun.kinds.process_mining.report_phase import switched_off
from minerun.kinds.report_generation.parameters import ANALYSIS

DATASET_ANALYSIS = "analysis"  # the scratch folder of an analysis run by the report itself


@dataclass(frozen=True)
class Analysis:
    """One analysis a report shows: ``results`` are its phases' results by phase name."""

    operation_id: str | None
    params: AnalysisParameters
    dataset_name: str
    results: Mapping[str, Any]
    frame: pl.DataFrame
    found: Discovery
    perf: Performance


def source_results(
    ctx: PhaseContext, operation_id: str, field: str
) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """The parameters and phase results of a Completed ProcessMiningAnalysis.

    The submission checked it; it is checked again because a later input (a batch's) may
    name an operation that did not complete.
    """
    source = ctx.source_operation(operation_id)
    if source.operation_type != ANALYSIS:
        raise PhaseInputError(
            f"{field} {operation_id} is a {source.operation_type}, not a {ANALYSIS}"
        )
    if source.status != "Completed":
        raise PhaseInputError(f"{field} {operation_id} is {source.status}, not Completed")
    return source.parameters, source.results


def load_analysis(
    ctx: PhaseContext,
    operation_id: str | None,
    parameters: Mapping[str, Any],
    results: Mapping[str, Any],
) -> Analysis:
    """The analysis of ``parameters`` with its stored ``results``, its log and measures."""
    params = parse_analysis(parameters)
    frame = load_log(ctx, params)
    folder = ctx.scratch_dir / (
        DATASET_ANALYSIS if operation_id is None else f"source-{operation_id}"
    )
    folder.mkdir(parents=True, exist_ok=True)

    def measure() -> tuple[Discovery, Performance]:
        measured = (discover(frame), analyze_performance(frame))
        memo.store(folder, "discovery", measured)
        return measured

    found, perf = switched_off(params, *memo.load_or(folder, "discovery", measure))
    name = findings(ctx, params).get("name") or params.dataset_id
    return Analysis(operation_id, params, str(name), results, frame, found, perf)
