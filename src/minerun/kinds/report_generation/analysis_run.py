"""A ProcessMiningAnalysis run inside a report's phase, when the report names a dataset.

The report then needs what an analysis finds (conformance, anomalies, recommendations). It
runs the analysis kind's own phases, in order, through a context that forwards to the
report's phase: cancellation, the data directory and progress (each analysis phase's share
by its weight). The analysis writes no file: its report outputs are switched off, and the
report kind draws its own documents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minerun.kinds import process_mining
from minerun.kinds.base import ArtifactSpec, DatasetSpec, PhaseContext, SourceOperation

# The analysis' own files are not wanted: the report draws its documents itself.
NO_FILES: Mapping[str, Any] = {
    "generateReports": False,
    "createVisualizations": False,
    "exportFormats": [],
}


def analysis_parameters(dataset_id: str) -> dict[str, Any]:
    """The parameters of the analysis a report on ``dataset_id`` runs: the defaults."""
    return {"datasetId": dataset_id, "outputOptions": dict(NO_FILES)}


def run_analysis(ctx: PhaseContext, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Every phase of a ProcessMiningAnalysis on ``parameters``: their results by name."""
    kind = process_mining.KIND
    total = sum(p.weight for p in kind.phases)
    results: dict[str, Any] = {}
    before = 0.0
    for phase in kind.phases:
        ctx.check_cancelled()
        workdir = ctx.scratch_dir / "analysis" / str(len(results))
        workdir.mkdir(parents=True, exist_ok=True)
        inner = _InnerPhase(
            ctx, parameters, dict(results), workdir, before / total, phase.weight / total
        )
        results[phase.name] = phase.run(inner)
        before += phase.weight
    return results


@dataclass
class _InnerPhase:
    """The context of one analysis phase run within the report's phase."""

    outer: PhaseContext
    parameters: Mapping[str, Any]
    results: Mapping[str, Any]
    workdir: Path
    offset: float
    share: float
    files: list[ArtifactSpec] = field(default_factory=list)

    @property
    def operation_id(self) -> str:
        return self.outer.operation_id

    @property
    def scratch_dir(self) -> Path:
        path = self.outer.scratch_dir / "analysis"
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def data_dir(self) -> Path:
        return self.outer.data_dir

    def progress(
        self,
        done: int,
        total: int | None = None,
        activity: str | None = None,
        *,
        fraction: float | None = None,
        figures: Mapping[str, Any] | None = None,
    ) -> None:
        if fraction is None:
            fraction = min(done / total, 1.0) if total else 0.0
        self.outer.progress(
            done,
            total,
            f"Analysing the dataset: {activity}" if activity else "Analysing the dataset",
            fraction=self.offset + self.share * fraction,
            figures=figures,
        )

    def check_cancelled(self) -> None:
        self.outer.check_cancelled()

    def add_artifact(self, artifact: ArtifactSpec) -> None:
        self.files.append(artifact)  # not offered: the report's documents are

    def add_dataset(self, dataset: DatasetSpec) -> None:
        raise RuntimeError("an analysis writes no dataset")

    def source_operation(self, operation_id: str) -> SourceOperation:
        return self.outer.source_operation(operation_id)
