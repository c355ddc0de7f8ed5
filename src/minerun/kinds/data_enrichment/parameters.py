"""The parameters of a DataEnrichment, checked before the operation is accepted.

``cleaningRules`` is read by the cleaning engine's own parser, so what the submission
refuses and what the phases run are one definition (docs/kinds/data-enrichment.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from minerun.analysis.cleaning import CleaningRule, check_rules, parse_rules

OUTPUT_FORMATS: Final = ("processed_csv", "parquet", "xes")
TOP_LEVEL: Final = {"datasetId", "cleaningRules", "outputFormat", "enrich", "resourceAllocation"}


@dataclass(frozen=True)
class EnrichmentParameters:
    """What one DataEnrichment does, with the defaults filled in."""

    dataset_id: str
    rules: tuple[CleaningRule, ...] = ()
    output_format: str = "processed_csv"
    enrich: bool = True


def check(parameters: Mapping[str, Any]) -> list[dict[str, str]]:
    """Problems with ``parameters``, each as ``{"field", "reason"}`` (empty when valid)."""
    errors: list[dict[str, str]] = [
        {
            "field": f"parameters.{key}",
            "reason": "unknown; accepted: " + ", ".join(sorted(TOP_LEVEL)),
        }
        for key in sorted(set(parameters) - TOP_LEVEL)
    ]
    if not _is_guid(parameters.get("datasetId")):
        errors.append(
            {"field": "parameters.datasetId", "reason": "required: the id of an uploaded dataset"}
        )
    if "cleaningRules" in parameters:
        errors.extend(check_rules(parameters["cleaningRules"]))
    fmt = parameters.get("outputFormat")
    if fmt is not None and fmt not in OUTPUT_FORMATS:
        reason = "must be one of: " + ", ".join(OUTPUT_FORMATS)
        errors.append({"field": "parameters.outputFormat", "reason": reason})
    if "enrich" in parameters and not isinstance(parameters["enrich"], bool):
        errors.append({"field": "parameters.enrich", "reason": "must be true or false"})
    return errors


def parse(parameters: Mapping[str, Any]) -> EnrichmentParameters:
    """The parameters of a checked request, with defaults."""
    return EnrichmentParameters(
        dataset_id=str(parameters["datasetId"]),
        rules=parse_rules(parameters.get("cleaningRules", [])),
        output_format=str(parameters.get("outputFormat", "processed_csv")),
        enrich=bool(parameters.get("enrich", True)),
    )


def _is_guid(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
