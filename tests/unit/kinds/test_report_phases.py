"""ReportGeneration's phases through a minimal context: progress, cancellation, the source."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from minerun.kinds.base import (
    ArtifactSpec,
    DatasetSpec,
    OperationCancelled,
    PhaseInputError,
    SourceOperation,
)
from minerun.kinds.report_generation.phases import GATHERING, gather, render
from minerun.services.datasets import dataset_path, sidecar_path
from tests.support.eventframes import events

DATASET = "00000000-0000-4000-8000-0000000000aa"
SOURCE = "op-source"
ROWS = [
    ("1", "a", 0), ("1", "b", 2), ("1", "c", 4),
    ("2", "a", 0), ("2", "c", 5),
]  # fmt: skip


@dataclass
class Context:
    """Just enough of a worker's context; ``cancel_after`` checks pass, then it cancels."""

    parameters: Mapping[str, Any]
    workdir: Path
    scratch_dir: Path
    data_dir: Path
    results: Mapping[str, Any] = field(default_factory=dict)
    sources: dict[str, SourceOperation] = field(default_factory=dict)
    cancel_after: int | None = None
    checks: int = 0
    reports: list[tuple[str | None, float | None]] = field(default_factory=list)
    artifacts: list[ArtifactSpec] = field(default_factory=list)

    @property
    def operation_id(self) -> str:
        return "op-report"

    def progress(
        self,
        done: int,
        total: int | None = None,
        activity: str | None = None,
        *,
        fraction: float | None = None,
        figures: Mapping[str, Any] | None = None,
    ) -> None:
        self.reports.append((activity, fraction))

    def check_cancelled(self) -> None:
        self.checks += 1
        if self.cancel_after is not None and self.checks > self.cancel_after:
            raise OperationCancelled

    def add_artifact(self, artifact: ArtifactSpec) -> None:
        self.artifacts.append(artifact)

    def add_dataset(self, dataset: DatasetSpec) -> None:
        raise AssertionError("a report writes no dataset")

    def source_operation(self, operation_id: str) -> SourceOperation:
        if operation_id not in self.sources:
            raise PhaseInputError(f"operation {operation_id} does not exist")
        return self.sources[operation_id]


def _context(tmp_path: Path, **parameters: Any) -> Context:
    path = dataset_path(tmp_path / "data", DATASET)
    path.parent.mkdir(parents=True)
    events(ROWS).write_parquet(path)
    sidecar_path(path).write_text(json.dumps({"name": "claims.csv"}))
    (tmp_path / "work").mkdir()
    (tmp_path / "scratch").mkdir()
    analysis = SourceOperation(
        SOURCE, "ProcessMiningAnalysis", "Completed", {"datasetId": DATASET}, {}, {}
    )
    return Context(
        {"sourceOperationId": SOURCE, **parameters},
        tmp_path / "work",
        tmp_path / "scratch",
        tmp_path / "data",
        sources={SOURCE: analysis},
    )


def test_documents_are_written_format_after_format(tmp_path: Path) -> None:
    ctx = _context(tmp_path, exportFormats=["JSON", "HTML", "CSV"])
    ctx.results = {GATHERING: gather(ctx)}
    assert ctx.results[GATHERING]["current"]["cases"] == 2
    ctx.reports.clear()
    out = render(ctx)
    assert [a.format for a in ctx.artifacts] == ["JSON", "HTML", "CSV", "CSV", "CSV"]
    assert out["documentsCreated"] == 5
    fractions = [f for _, f in ctx.reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert [a for a, _ in ctx.reports][:3] == ["Writing JSON", "Writing HTML", "Writing CSV"]


def test_a_cancel_between_formats_stops_before_the_next_one(tmp_path: Path) -> None:
    ctx = _context(tmp_path, exportFormats=["JSON", "HTML", "PDF"])
    ctx.results = {GATHERING: gather(ctx)}
    ctx.checks, ctx.cancel_after = 0, 1  # the first format is written, then a cancel
    with pytest.raises(OperationCancelled):
        render(ctx)
    assert ctx.artifacts == []  # nothing is offered from a phase that did not complete
    assert sorted(p.name for p in ctx.workdir.iterdir()) == ["report-figures.json"]


def test_a_source_that_is_not_a_completed_analysis_is_an_input_error(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    ctx.sources[SOURCE] = SourceOperation(SOURCE, "ProcessMiningAnalysis", "Failed", {}, {}, {})
    with pytest.raises(PhaseInputError, match="Failed, not Completed"):
        gather(ctx)
    ctx.sources[SOURCE] = SourceOperation(SOURCE, "DataEnrichment", "Completed", {}, {}, {})
    with pytest.raises(PhaseInputError, match="not a ProcessMiningAnalysis"):
        gather(ctx)


def test_a_report_on_a_dataset_runs_the_analysis_with_progress_in_order(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    ctx.parameters = {"datasetId": DATASET, "exportFormats": ["JSON"]}
    (tmp_path / "data" / "datasets" / f"{DATASET}.json").write_text(
        json.dumps(
            {
                "name": "claims.csv",
                "validation": {
                    "rowsTotal": 5,
                    "validRecords": 5,
                    "skippedRowsCount": 0,
                    "dataQualityScore": 100.0,
                    "issueCounts": {},
                },
            }
        )
    )
    gathered = gather(ctx)
    assert list(gathered["analysis"]["results"]) == [
        "Data Loading & Validation",
        "Process Discovery",
        "Machine Learning Analysis",
        "Report Generation",
    ]
    fractions = [f for _, f in ctx.reports if f is not None]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any(a and a.startswith("Analysing the dataset") for a, _ in ctx.reports)
