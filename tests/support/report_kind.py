"""A stand-in ``ReportGeneration`` kind for batch tests, registered only when the real one is
not: one phase that reads the analysis it reports on (``sourceOperationId``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from minerun.kinds import Kind, Phase, PhaseContext, PhaseInputError
from minerun.kinds.registry import KindRegistry

NAME = "ReportGeneration"


def _report(ctx: PhaseContext) -> dict[str, Any]:
    source = ctx.parameters.get("sourceOperationId")
    if not source:
        raise PhaseInputError("no sourceOperationId to report on")
    return {"sourceOperationId": source, "formats": ctx.parameters.get("exportFormats", [])}


def _check(parameters: Mapping[str, Any]) -> list[dict[str, str]]:
    if not isinstance(parameters.get("sourceOperationId"), str):
        return [{"field": "parameters.sourceOperationId", "reason": "required"}]
    return []


def _count(_parameters: Mapping[str, Any], _data_dir: Path) -> int | None:
    return None


def register(registry: KindRegistry) -> None:
    if registry.get(NAME) is None:
        registry.add(
            Kind(
                name=NAME,
                phases=(Phase("Report", _report),),
                cpu_units=1,
                memory_gb=1,
                check_parameters=_check,
                count_records=_count,
                summarize=lambda results: {"summary": dict(results.get("Report", {}))},
            )
        )
