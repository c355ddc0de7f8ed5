"""DataEnrichment: clean and enrich a dataset's event log into a new dataset.

Phases, each checkpointed and cancellable (see docs/kinds/data-enrichment.md):

1. Data Loading — the source dataset; options naming columns it lacks fail here.
2. Cleaning — ``cleaningRules`` in order, progress after each rule.
3. Enrichment — the cleaned log validated as an upload is, then the derived attributes.
4. Dataset Creation — the new dataset (``derivedFrom`` the source) and the cleaned log in
   ``outputFormat`` as a downloadable file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from minerun.kinds.base import Kind, Phase
from minerun.kinds.data_enrichment import phases
from minerun.kinds.data_enrichment.parameters import check
from minerun.services.datasets import dataset_path

NAME = "DataEnrichment"


def count_records(parameters: Mapping[str, Any], data_dir: Path) -> int | None:
    """Events in the source dataset (from the Parquet footer), the unit of the estimates."""
    try:
        path = dataset_path(data_dir, str(parameters["datasetId"]))
        return int(pl.scan_parquet(path).select(pl.len()).collect().item())
    except (KeyError, OSError, pl.exceptions.PolarsError):
        return None


def summarize(results: Mapping[str, Any]) -> dict[str, Any]:
    """The results' ``summary`` block: the new dataset and what changed on the way."""
    loaded = results.get(phases.LOADING, {})
    cleaned = results.get(phases.CLEANING, {})
    enriched = results.get(phases.ENRICHMENT, {})
    created = results.get(phases.CREATION, {})
    rules = cleaned.get("rules", [])
    return {
        "summary": {
            "datasetId": created.get("datasetId"),
            "derivedFrom": created.get("derivedFrom"),
            "rowsIn": loaded.get("rowsIn"),
            "rowsOut": created.get("rowsOut"),
            "casesIn": loaded.get("casesIn"),
            "casesOut": created.get("casesOut"),
            "rulesApplied": len(rules),
            "rowsRemovedByRules": sum(r["rowsRemoved"] for r in rules),
            "rowsSkippedByValidation": enriched.get("rowsSkippedByValidation"),
            "valuesFixed": sum(sum(r["valuesFixed"].values()) for r in rules),
            "columnsAdded": enriched.get("columnsAdded", []),
            "outputFormat": created.get("outputFormat"),
            # In brief; the Cleaning phase's results add options, tallies and examples.
            "rules": [{k: r[k] for k in _RULE_BRIEF} for r in rules],
        },
    }


_RULE_BRIEF = (
    "rule",
    "rowsRemoved",
    "casesRemoved",
    "valuesFixed",
    "columnsAdded",
    "columnsRemoved",
)


# Every phase reads the source dataset and (from Cleaning on) the log the rules leave.
_SOURCE = frozenset({"datasetId"})
_RULES = _SOURCE | {"cleaningRules"}
_ENRICHED = _RULES | {"enrich"}

KIND = Kind(
    name=NAME,
    phases=(
        Phase(phases.LOADING, phases.load, weight=1.0, depends_on=_RULES),
        Phase(phases.CLEANING, phases.clean, weight=3.0, depends_on=_RULES),
        Phase(phases.ENRICHMENT, phases.enrich_log, weight=2.0, depends_on=_ENRICHED),
        Phase(
            phases.CREATION,
            phases.create_dataset,
            weight=2.0,
            depends_on=_ENRICHED | {"outputFormat"},
        ),
    ),
    cpu_units=1,
    memory_gb=2,
    check_parameters=check,
    count_records=count_records,
    summarize=summarize,
)
