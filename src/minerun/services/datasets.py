"""Datasets: uploaded event logs, validated row by row and stored as Parquet."""

from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import polars as pl

from minerun.analysis.columns import ACTIVITY, CASE, RESOURCE, START_TIMESTAMP, TIMESTAMP
from minerun.analysis.errors import EventLogError, LogTooLargeError
from minerun.analysis.eventlog import CsvMapping, read_any
from minerun.analysis.validation import ValidationReport, validate
from minerun.config import Settings
from minerun.domain.records import Scope
from minerun.domain.times import iso
from minerun.exceptions import InvalidInput, PayloadTooLarge, UnprocessableContent
from minerun.store.database import Database
from minerun.store.datasets import Dataset

SUFFIXES = (".csv", ".csv.gz", ".xes", ".xes.gz", ".parquet")
MAX_FILENAME_BYTES = 255


def source_format(filename: str) -> str:
    """The format an upload's file name announces; refuses anything else."""
    return _suffix(filename).split(".")[1]


def stored_name(filename: str) -> str:
    """The name an upload is saved under while it is read: its suffix, nothing of the rest.

    The client's name is only a label; it is checked (a usable file name with a known
    suffix) before anything is written, and never becomes a path.
    """
    if "\x00" in filename or len(filename.encode("utf-8", "surrogatepass")) > MAX_FILENAME_BYTES:
        raise InvalidInput(
            "The file name cannot be used.",
            errors=[
                {
                    "field": "file",
                    "reason": f"a file name has at most {MAX_FILENAME_BYTES} bytes and no NUL",
                }
            ],
        )
    return "upload" + _suffix(filename)


def _suffix(filename: str) -> str:
    lowered = filename.lower()
    for suffix in SUFFIXES:
        if lowered.endswith(suffix):
            return suffix
    raise InvalidInput(
        f"Unsupported file type {filename!r}.",
        errors=[{"field": "file", "reason": "must end in " + ", ".join(SUFFIXES)}],
    )


def dataset_path(data_dir: Path, dataset_id: str) -> Path:
    return data_dir / "datasets" / f"{dataset_id}.parquet"


def sidecar_path(parquet: Path) -> Path:
    """Where a dataset's statistics and validation findings are kept beside its data."""
    return parquet.with_suffix(".json")


# Ids of datasets written by an operation are named from the operation's id, so that every
# attempt of that operation writes (and lists) the same dataset.
_DERIVED: Final = uuid.UUID("6f0b8a52-4d1e-5c7a-9e83-2b4f61d0c9a7")


def derived_dataset_id(operation_id: str) -> str:
    """The id of the dataset an operation writes: the same on every attempt."""
    return str(uuid.uuid5(_DERIVED, operation_id))


def write_dataset(
    data_dir: Path, dataset_id: str, report: ValidationReport, name: str
) -> tuple[Path, dict[str, Any], dict[str, Any]]:
    """Write a validated log as a dataset's files; returns the Parquet path, statistics and
    validation summary.

    Each file is written under a temporary name and renamed into place, so no reader ever
    sees half a file; the dataset exists for clients once its row is inserted, after this.
    """
    target = dataset_path(data_dir, dataset_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    stats, checks = statistics(report.frame), validation_summary(report)
    # The worker reads the findings beside the data, without a database round trip.
    sidecar = {"name": name, "statistics": stats, "validation": checks}
    suffix = f".tmp-{uuid.uuid4().hex}"
    data_tmp, sidecar_tmp = (Path(f"{p}{suffix}") for p in (target, sidecar_path(target)))
    try:
        report.frame.write_parquet(data_tmp)
        sidecar_tmp.write_text(json.dumps(sidecar))
        sidecar_tmp.replace(sidecar_path(target))
        data_tmp.replace(target)
    finally:
        data_tmp.unlink(missing_ok=True)
        sidecar_tmp.unlink(missing_ok=True)
    return target, stats, checks


class DatasetService:
    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        self.database = database

    def create(
        self,
        scope: Scope,
        upload: Path,
        filename: str,
        name: str,
        mapping: CsvMapping | None,
    ) -> Dataset:
        """Read, validate and store an uploaded log; the upload file is consumed."""
        fmt = source_format(filename)
        if fmt == "csv" and mapping is None:
            raise InvalidInput(
                "A CSV upload needs its column mapping.",
                errors=[
                    {"field": f, "reason": "required for CSV"}
                    for f in ("caseIdColumn", "activityColumn", "timestampColumn")
                ],
            )
        try:
            report = validate(
                read_any(upload, mapping, max_bytes=self.settings.max_decompressed_bytes)
            )
        except LogTooLargeError as error:
            raise PayloadTooLarge(
                f"{error.message} (MINERUN_MAX_DECOMPRESSED_BYTES).",
                field="file",
                setting="MINERUN_MAX_DECOMPRESSED_BYTES",
                limit=error.limit,
            ) from None
        except EventLogError as error:
            raise UnprocessableContent(
                f"The event log cannot be used: {error.message}",
                errors=[{"field": _form_field(error.field, mapping), "reason": error.message}],
            ) from None
        if report.rows_kept == 0:
            raise UnprocessableContent(
                "The event log has no valid event.",
                errors=[{"field": "file", "reason": f"all {report.rows_total} rows were skipped"}],
            )
        dataset_id = str(uuid.uuid4())
        target, stats, checks = write_dataset(self.settings.data_dir, dataset_id, report, name)
        return self.database.datasets.insert(
            {
                "id": dataset_id,
                "tenant_id": scope.tenant_id,
                "project_id": scope.project_id,
                "name": name,
                "source_format": fmt,
                "original_filename": filename,
                "mapping": asdict(mapping) if mapping else None,
                "path": str(target.relative_to(self.settings.data_dir)),
                "size_bytes": target.stat().st_size,
                "statistics": stats,
                "validation": checks,
                "derived_from": None,
                "created_at": datetime.now(UTC),
            }
        )

    def delete(self, scope: Scope, dataset_id: str) -> None:
        dataset = self.database.datasets.delete(scope, dataset_id)
        path = self.settings.data_dir / dataset.path
        path.unlink(missing_ok=True)
        sidecar_path(path).unlink(missing_ok=True)

    def upload_dir(self) -> Path:
        path = self.settings.data_dir / "uploads" / uuid.uuid4().hex
        path.mkdir(parents=True)
        return path

    @staticmethod
    def discard(upload_dir: Path) -> None:
        shutil.rmtree(upload_dir, ignore_errors=True)


FORM_FIELDS = {
    "case_column": "caseIdColumn",
    "activity_column": "activityColumn",
    "timestamp_column": "timestampColumn",
    "resource_column": "resourceColumn",
    "start_timestamp_column": "startTimestampColumn",
    "timestamp_format": "timestampFormat",
    "delimiter": "delimiter",
    "encoding": "encoding",
}


def _form_field(field: str | None, mapping: CsvMapping | None) -> str:
    """The upload form field an engine error is about: a mapped column names its field."""
    if field is None:
        return "file"
    if mapping is not None:
        for attribute, form_field in FORM_FIELDS.items():
            if getattr(mapping, attribute) == field:
                return form_field
    return FORM_FIELDS.get(field, field)


def statistics(frame: pl.DataFrame) -> dict[str, Any]:
    """Counts and time range of a clean log."""
    row = frame.select(
        pl.col(CASE).n_unique().alias("caseCount"),
        pl.len().alias("eventCount"),
        pl.col(ACTIVITY).n_unique().alias("activityCount"),
        pl.col(TIMESTAMP).min().alias("start"),
        pl.col(TIMESTAMP).max().alias("end"),
    ).row(0, named=True)
    return {
        "caseCount": row["caseCount"],
        "eventCount": row["eventCount"],
        "activityCount": row["activityCount"],
        "resourceCount": frame[RESOURCE].n_unique() if RESOURCE in frame.columns else None,
        "hasStartTimestamps": START_TIMESTAMP in frame.columns,
        "timeRange": {"start": iso(row["start"]), "end": iso(row["end"])},
    }


def validation_summary(report: ValidationReport) -> dict[str, Any]:
    return {
        "rowsTotal": report.rows_total,
        "validRecords": report.rows_kept,
        "skippedRowsCount": report.skipped_rows,
        "dataQualityScore": round(report.data_quality_score, 2),
        "issueCounts": report.issue_counts,
        "issuesTruncated": report.issues_truncated,
        "rowIssues": [
            {
                "row": i.row,
                "column": i.column,
                "errorType": i.error_type,
                "message": i.message,
                "outcome": i.outcome,
            }
            for i in report.issues
        ],
    }
