"""The four phases of a DataEnrichment.

The log passes from one phase to the next as Parquet files in the scratch directory; when
a file is missing (the next phase runs on another machine) it is computed again from the
source dataset, so results never depend on it. Nothing is written under the data directory
before the last phase, which writes the new dataset's files and lists it in the transaction
that completes the phase: a cancel or a crash before that leaves no dataset, and a rerun
writes the same dataset id again (see docs/kinds/data-enrichment.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Final

import polars as pl

from minerun.analysis.cleaning import RuleProgress, apply_rules, column_problems
from minerun.analysis.columns import CASE, EVENT_INDEX, TIMESTAMP
from minerun.analysis.enrichment import enrich
from minerun.analysis.errors import CleaningRuleError
from minerun.analysis.eventlog import read_parquet
from minerun.analysis.validation import validate
from minerun.kinds.base import ArtifactSpec, DatasetSpec, PhaseContext, PhaseInputError
from minerun.kinds.data_enrichment import export
from minerun.kinds.data_enrichment.parameters import EnrichmentParameters, parse
from minerun.services.datasets import (
    dataset_path,
    derived_dataset_id,
    sidecar_path,
    write_dataset,
)

LOADING: Final = "Data Loading"
CLEANING: Final = "Cleaning"
ENRICHMENT: Final = "Enrichment"
CREATION: Final = "Dataset Creation"
_CLEANED: Final = "cleaned.parquet"
_ENRICHED: Final = "enriched.parquet"


def source_frame(ctx: PhaseContext, params: EnrichmentParameters) -> pl.DataFrame:
    """The source dataset's events, every column kept."""
    path = dataset_path(ctx.data_dir, params.dataset_id)
    if not path.exists():
        raise PhaseInputError(f"dataset {params.dataset_id} no longer exists")
    return pl.read_parquet(path)


def load(ctx: PhaseContext) -> dict[str, Any]:
    """Read the source dataset and check that every rule's columns will be there."""
    params = parse(ctx.parameters)
    path = dataset_path(ctx.data_dir, params.dataset_id)
    if not path.exists():
        raise PhaseInputError(f"dataset {params.dataset_id} no longer exists")
    schema = pl.read_parquet_schema(path)
    events = _events(ctx, params)
    ctx.progress(0, events, "Reading the dataset")
    frame = source_frame(ctx, params)
    problems = column_problems(params.rules, list(schema))
    if problems:
        raise PhaseInputError(f"{problems[0]['field']}: {problems[0]['reason']}")
    ctx.progress(events, events, "Read")
    name = json.loads(sidecar_path(path).read_text()).get("name", params.dataset_id)
    return {
        "sourceDatasetId": params.dataset_id,
        "sourceDatasetName": name,
        "rowsIn": frame.height,
        "casesIn": frame[CASE].n_unique(),
        "columnsIn": frame.columns,
    }


def clean(ctx: PhaseContext) -> dict[str, Any]:
    """Apply the rules in order; progress is the rows each finished rule read."""
    params = parse(ctx.parameters)
    events = _events(ctx, params)
    ctx.progress(0, events, f"Applying {len(params.rules)} rules", fraction=0.0)
    cleaned, changes = _cleaned(ctx, params, events)
    if cleaned.height == 0:
        raise PhaseInputError("the cleaning rules left no event: " + _removals(changes))
    _store(ctx, _CLEANED, cleaned)
    ctx.progress(events, events, "Rules applied", fraction=1.0)
    return {
        "rulesApplied": len(changes),
        "rowsIn": changes[0]["rowsIn"] if changes else cleaned.height,
        "rowsOut": cleaned.height,
        "casesOut": cleaned[CASE].n_unique() if cleaned.height else 0,
        "rules": changes,
    }


def enrich_log(ctx: PhaseContext) -> dict[str, Any]:
    """Validate the cleaned log as an upload would be, then add the derived attributes."""
    params = parse(ctx.parameters)
    events = _events(ctx, params)
    ctx.progress(0, events, "Validating the cleaned log", fraction=0.0)
    path = ctx.scratch_dir / _CLEANED
    if not path.exists():
        _store(ctx, _CLEANED, _cleaned(ctx, params, events)[0])
    # The reader and validator of uploads: the new dataset is what uploading its CSV gives.
    report = validate(read_parquet(path, other_columns=True))
    if report.rows_kept == 0:
        raise PhaseInputError("the cleaning rules left no valid event")
    ctx.check_cancelled()
    ctx.progress(events, events, "Adding derived attributes", fraction=0.5)
    if params.enrich:
        enriched = enrich(report.frame)
        frame, added, replaced = enriched.frame, enriched.columns_added, enriched.columns_replaced
    else:
        frame, added, replaced = report.frame, (), ()
    _store(ctx, _ENRICHED, frame)
    ctx.progress(events, events, "Enriched", fraction=1.0)
    return {
        "enabled": params.enrich,
        "rowsValidated": report.rows_total,
        "rowsSkippedByValidation": report.skipped_rows,
        "columnsAdded": list(added),
        "columnsReplaced": list(replaced),
    }


def create_dataset(ctx: PhaseContext) -> dict[str, Any]:
    """Write the cleaned log in ``outputFormat``, then the new dataset."""
    params = parse(ctx.parameters)
    events = _events(ctx, params)
    ctx.progress(0, events, "Writing the cleaned log", fraction=0.0)
    path = ctx.scratch_dir / _ENRICHED
    if not path.exists():
        enrich_log(ctx)
    report = validate(read_parquet(path, other_columns=True))
    artifact = export.write(report.frame, params.output_format, ctx.workdir)
    _, fmt, media_type = export.FORMATS[params.output_format]
    ctx.add_artifact(
        ArtifactSpec(
            path=artifact,
            name=artifact.name,
            type="dataset",
            format=fmt,
            description=f"The cleaned log of dataset {params.dataset_id}",
            media_type=media_type,
        )
    )
    ctx.progress(events, events, "Writing the dataset", fraction=0.5)
    # The last cancellation check. The dataset's files are written last, so that nothing
    # but the checkpoint (which lists the dataset) can fail after they are in place.
    ctx.check_cancelled()
    source = ctx.results.get(LOADING, {}).get("sourceDatasetName", params.dataset_id)
    dataset_id = derived_dataset_id(ctx.operation_id)
    name = f"{source} (enriched)"
    target, stats, checks = write_dataset(ctx.data_dir, dataset_id, report, name)
    ctx.add_dataset(
        DatasetSpec(
            id=dataset_id,
            name=name,
            path=target,
            source_format="parquet",
            original_filename=export.FORMATS["parquet"][0],
            statistics=stats,
            validation=checks,
            derived_from=params.dataset_id,
        )
    )
    ctx.progress(events, events, "Done", fraction=1.0)
    return {
        "datasetId": dataset_id,
        "derivedFrom": params.dataset_id,
        "datasetName": name,
        "rowsOut": stats["eventCount"],
        "casesOut": stats["caseCount"],
        "columns": report.frame.columns,
        "outputFormat": params.output_format,
        "artifact": artifact.name,
    }


def _events(ctx: PhaseContext, params: EnrichmentParameters) -> int:
    """Events of the source dataset (Parquet footer): the operation's records."""
    path = dataset_path(ctx.data_dir, params.dataset_id)
    if not path.exists():
        raise PhaseInputError(f"dataset {params.dataset_id} no longer exists")
    return int(pl.scan_parquet(path).select(pl.len()).collect().item())


def _cleaned(
    ctx: PhaseContext, params: EnrichmentParameters, events: int
) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """The source after the rules, renumbered: its positions are those of the new log."""
    report: Callable[[RuleProgress], None] = lambda step: ctx.progress(  # noqa: E731
        events,
        events,
        f"Rule {step.index + 1} of {step.rules} done: {step.rule}",
        fraction=step.rows_processed / max(step.rows_expected, 1),
        figures={"rulesApplied": step.index + 1, "rowsProcessed": step.rows_processed},
    )
    try:
        result = apply_rules(
            source_frame(ctx, params),
            params.rules,
            progress=report,
            check_cancelled=ctx.check_cancelled,
        )
    except CleaningRuleError as error:
        raise PhaseInputError(f"{error.field}: {error.reason}") from None
    frame = result.frame.sort([CASE, TIMESTAMP, EVENT_INDEX]).with_columns(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias(EVENT_INDEX)
    )
    return frame, result.to_json()


def _removals(changes: list[dict[str, Any]]) -> str:
    return ", ".join(f"{c['rule']} removed {c['rowsRemoved']}" for c in changes)


def _store(ctx: PhaseContext, name: str, frame: pl.DataFrame) -> None:
    temporary = ctx.scratch_dir / f"{name}.tmp"
    frame.write_parquet(temporary)
    temporary.replace(ctx.scratch_dir / name)
