"""The results of a finished operation: summary, per-phase results, artifacts, performance."""

from __future__ import annotations

import json
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from minerun.api.views import Links
from minerun.domain.humanize import duration_text, money_text, rate_text, size_text
from minerun.domain.records import Operation
from minerun.domain.statuses import OperationStatus
from minerun.domain.times import iso
from minerun.services.operations import OperationService


def results_view(
    op: Operation,
    service: OperationService,
    links_: Links,
    detailed: bool,
    include_artifacts: bool,
    phase: str | None,
) -> dict[str, Any]:
    outcome = op.outcome or {}
    phases = [p for p in op.phases if phase is None or p.name == phase]
    view: dict[str, Any] = {
        "operationId": op.id,
        "operationType": op.operation_type,
        "operationName": op.operation_name,
        "status": op.status.value,
        "completionTime": iso(op.finished_at),
        "totalDuration": duration_text(op.run_seconds),
        "totalDurationSeconds": round(op.run_seconds, 3),
        "success": op.status is OperationStatus.COMPLETED,
        "summary": outcome.get("summary", {}),
        "phaseResults": [
            {
                "phaseName": p.name,
                "status": p.status.value,
                **({"results": p.results} if detailed or phase else {}),
            }
            for p in phases
        ],
        "performance": performance_view(op, service),
        "recommendations": outcome.get("recommendations", []),
    }
    if op.last_error:
        view["error"] = op.last_error
        view["errorType"] = op.last_error_type
    if include_artifacts:
        positions = {p.position for p in phases}
        view["artifacts"] = [
            {
                "artifactId": a.id,
                "name": a.name,
                "type": a.type,
                "format": a.format,
                "size": size_text(a.size_bytes),
                "sizeBytes": a.size_bytes,
                "downloadUrl": links_.artifact(op, a),
                "description": a.description,
                "phaseName": op.phases[a.phase_position].name
                if a.phase_position is not None
                else None,
            }
            for a in op.artifacts
            if a.phase_position in positions or phase is None
        ]
    return view


def performance_view(op: Operation, service: OperationService) -> dict[str, Any]:
    """Measured figures: CPU from the process's CPU time over its run time; cost by allocation."""
    seconds = op.run_seconds
    average_cpu = 100.0 * op.cpu_seconds / seconds if seconds > 0 else None
    cpu_units = float(op.resources["cpuUnits"])
    cost = service.cost(op.resources, seconds)
    return {
        "totalExecutionTime": duration_text(seconds),
        "totalExecutionSeconds": round(seconds, 3),
        "resourceUtilization": {
            "averageCpuUsage": None if average_cpu is None else round(average_cpu, 1),
            "peakMemoryUsage": None
            if op.peak_memory_bytes is None
            else size_text(op.peak_memory_bytes),
            "peakMemoryBytes": op.peak_memory_bytes,
            "totalCpuHours": round(op.cpu_seconds / 3600, 6),
            "totalCost": money_text(cost),
            "totalCostAmount": round(cost, 6),
        },
        "throughput": rate_text(op.processed_records, seconds),
        "efficiency": None
        if average_cpu is None
        else round(min(average_cpu / cpu_units, 100.0), 1),
    }


def build_zip(op: Operation, artifacts_dir: Path, results: dict[str, Any]) -> Path:
    """A zip of every artifact plus ``results.json``, in a temporary file the caller removes."""
    handle = tempfile.NamedTemporaryFile(prefix=f"{op.id}-", suffix=".zip", delete=False)
    handle.close()
    target = Path(handle.name)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("results.json", json.dumps(results, indent=2))
        for artifact in op.artifacts:
            source = artifacts_dir / artifact.path
            phase = (
                op.phases[artifact.phase_position].name
                if artifact.phase_position is not None
                else "operation"
            )
            if source.is_file():
                archive.write(source, f"{_slug(phase)}/{source.name}")
    return target


def _slug(text: str) -> str:
    return "".join(c.lower() if c.isalnum() else "-" for c in text).strip("-")
