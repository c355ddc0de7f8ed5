"""ReportGeneration: the documents an analyst hands on, from a ProcessMiningAnalysis.

Phases, each checkpointed (see docs/kinds/report-generation.md):

1. Gathering Analyses — the source analysis' stored results (``sourceOperationId``), or an
   analysis run on ``datasetId``; the baseline of a comparison; the figures of the report.
2. Document Rendering — one document per export format, cancellable between formats.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from minerun.kinds import process_mining
from minerun.kinds.base import Kind, Phase
from minerun.kinds.report_generation import phases
from minerun.kinds.report_generation.parameters import ANALYSIS, check

NAME = "ReportGeneration"


def summarize(results: Mapping[str, Any]) -> dict[str, Any]:
    """The results' ``summary`` block: what the report covers and the documents made."""
    gathered = results.get(phases.GATHERING, {})
    rendered = results.get(phases.RENDERING, {})
    current = gathered.get("current", {})
    return {
        "summary": {
            "reportType": rendered.get("reportType"),
            "sourceOperationId": current.get("operationId"),
            "datasetId": current.get("datasetId"),
            "baselineOperationId": gathered.get("baseline", {}).get("operationId"),
            "period": current.get("period"),
            "headline": current.get("headline"),
            "reportsCreated": rendered.get("documentsCreated"),
            "documents": [d["file"] for d in rendered.get("documents", [])],
        },
        "recommendations": current.get("topRecommendations", []),
    }


# Gathering reads the inputs; rendering also what is drawn and in which formats.
_INPUTS = frozenset({"sourceOperationId", "datasetId", "baselineOperationId", "reportType"})
_DOCUMENTS = _INPUTS | {"includeVisualizations", "exportFormats", "activitiesShare", "pathsShare"}

KIND = Kind(
    name=NAME,
    phases=(
        Phase(phases.GATHERING, phases.gather, weight=2.0, depends_on=_INPUTS),
        Phase(phases.RENDERING, phases.render, weight=2.0, depends_on=_DOCUMENTS),
    ),
    cpu_units=1,
    memory_gb=2,
    check_parameters=check,
    # Events of the dataset when one is named (a source analysis' are not known up front).
    count_records=process_mining.count_records,
    summarize=summarize,
    source_operations={"sourceOperationId": ANALYSIS, "baselineOperationId": ANALYSIS},
)
