"""The parameters of a ReportGeneration, checked before the operation is accepted.

See docs/kinds/report-generation.md for what each one does.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

REPORT_TYPES: Final = ("executive_summary", "detailed", "comparison")
# The contract's values, spelled as it spells them.
EXPORT_FORMATS: Final = ("PDF", "PowerPoint", "HTML", "CSV", "JSON")
SHARES: Final = ("activitiesShare", "pathsShare")
TOP_LEVEL: Final = {
    "sourceOperationId",
    "datasetId",
    "baselineOperationId",
    "reportType",
    "includeVisualizations",
    "exportFormats",
    "resourceAllocation",
    *SHARES,
}
ANALYSIS: Final = "ProcessMiningAnalysis"


@dataclass(frozen=True, slots=True)
class ReportParameters:
    """What one report does, with the defaults filled in.

    Exactly one of ``source_operation_id`` and ``dataset_id`` is set; ``baseline_operation_id``
    is set for a comparison only.
    """

    source_operation_id: str | None
    dataset_id: str | None
    report_type: str = "detailed"
    include_visualizations: bool = True
    export_formats: tuple[str, ...] = ("PDF",)
    baseline_operation_id: str | None = None
    activities_share: float | None = None
    paths_share: float | None = None


class _Errors(list[dict[str, str]]):
    def add(self, name: str, reason: str) -> None:
        self.append({"field": f"parameters.{name}", "reason": reason})


def check(parameters: Mapping[str, Any]) -> list[dict[str, str]]:
    """Problems with ``parameters``, each as ``{"field", "reason"}`` (empty when valid)."""
    errors = _Errors()
    for key in sorted(set(parameters) - TOP_LEVEL):
        errors.add(key, "unknown; accepted: " + ", ".join(sorted(TOP_LEVEL)))
    _input(errors, parameters)
    report_type = parameters.get("reportType", "detailed")
    if report_type not in REPORT_TYPES:
        errors.add("reportType", "must be one of: " + ", ".join(REPORT_TYPES))
    baseline = parameters.get("baselineOperationId")
    if report_type == "comparison" and not _is_id(baseline):
        errors.add(
            "baselineOperationId",
            "required for a comparison: the id of a Completed ProcessMiningAnalysis",
        )
    elif report_type != "comparison" and baseline is not None:
        errors.add("baselineOperationId", "only for reportType comparison")
    if "includeVisualizations" in parameters and not isinstance(
        parameters["includeVisualizations"], bool
    ):
        errors.add("includeVisualizations", "must be true or false")
    _formats(errors, parameters.get("exportFormats", ["PDF"]))
    for name in SHARES:
        if name in parameters and not _is_share(parameters[name]):
            errors.add(name, "must be a number greater than 0 and at most 1")
    return errors


def _input(errors: _Errors, parameters: Mapping[str, Any]) -> None:
    source, dataset = parameters.get("sourceOperationId"), parameters.get("datasetId")
    if source is None and dataset is None:
        errors.add(
            "sourceOperationId",
            "required (or datasetId): the id of a Completed ProcessMiningAnalysis",
        )
    elif source is not None and dataset is not None:
        errors.add("datasetId", "give either sourceOperationId or datasetId, not both")
    elif source is not None and not _is_id(source):
        errors.add("sourceOperationId", "must be the id of a Completed ProcessMiningAnalysis")
    elif dataset is not None and not _is_guid(dataset):
        errors.add("datasetId", "must be the id of an uploaded dataset")


def _formats(errors: _Errors, formats: Any) -> None:
    if not isinstance(formats, list) or not formats:
        errors.add("exportFormats", "must be a non-empty list of: " + ", ".join(EXPORT_FORMATS))
        return
    for i, value in enumerate(formats):
        if value not in EXPORT_FORMATS:
            errors.add(f"exportFormats[{i}]", "must be one of: " + ", ".join(EXPORT_FORMATS))
    if len(set(map(str, formats))) != len(formats):
        errors.add("exportFormats", "lists a format twice")


def parse(parameters: Mapping[str, Any]) -> ReportParameters:
    """The parameters of a checked request, with defaults."""

    def share(name: str) -> float | None:
        value = parameters.get(name)
        return None if value is None else float(value)

    source = parameters.get("sourceOperationId")
    dataset = parameters.get("datasetId")
    baseline = parameters.get("baselineOperationId")
    return ReportParameters(
        source_operation_id=None if source is None else str(source),
        dataset_id=None if dataset is None else str(dataset),
        report_type=str(parameters.get("reportType", "detailed")),
        include_visualizations=bool(parameters.get("includeVisualizations", True)),
        export_formats=tuple(str(f) for f in parameters.get("exportFormats", ["PDF"])),
        baseline_operation_id=None if baseline is None else str(baseline),
        activities_share=share("activitiesShare"),
        paths_share=share("pathsShare"),
    )


def _is_share(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 < float(value) <= 1


def _is_id(value: Any) -> bool:
    """An operation id as the API gives it (whether it exists is checked against the store)."""
    return isinstance(value, str) and 0 < len(value) <= 100


def _is_guid(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
