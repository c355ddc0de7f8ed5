"""How the process-mining phases report progress: step shares, true records, live figures."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from minerun.analysis.eventlog import CsvMapping, read_csv
from minerun.kinds.base import ArtifactSpec
from minerun.kinds.process_mining import discovery_phase, ml_phase, report_phase
from minerun.services.datasets import dataset_path, sidecar_path
from tests.support.logs import csv_log


@dataclass
class Recorder:
    """A phase context that keeps every progress report."""

    parameters: Mapping[str, Any]
    data_dir: Path
    workdir: Path
    scratch_dir: Path
    results: Mapping[str, Any] = field(default_factory=dict)
    reports: list[dict[str, Any]] = field(default_factory=list)

    def progress(
        self,
        done: int,
        total: int | None = None,
        activity: str | None = None,
        *,
        fraction: float | None = None,
        figures: Mapping[str, Any] | None = None,
    ) -> None:
        self.reports.append(
            {"done": done, "total": total, "fraction": fraction, "figures": figures}
        )

    def check_cancelled(self) -> None:
        pass

    def add_artifact(self, artifact: ArtifactSpec) -> None:
        pass


@pytest.fixture
def ctx(tmp_path: Path) -> Recorder:
    source = tmp_path / "log.csv"
    source.write_text(csv_log(cases=120))
    frame = read_csv(source, CsvMapping("case", "activity", "time", resource_column="who")).frame
    target = dataset_path(tmp_path, "ds-1")
    target.parent.mkdir(parents=True)
    frame.write_parquet(target)
    sidecar_path(target).write_text(json.dumps({"name": "generated log"}))
    (tmp_path / "work").mkdir()
    (tmp_path / "scratch").mkdir()
    return Recorder({"datasetId": "ds-1"}, tmp_path, tmp_path / "work", tmp_path / "scratch")


def _events(ctx: Recorder) -> int:
    return pl.read_parquet(dataset_path(ctx.data_dir, "ds-1")).height


@pytest.mark.parametrize("phase", [discovery_phase, ml_phase, report_phase])
def test_a_phase_reports_its_share_of_work_and_never_more_records_than_its_input(
    ctx: Recorder, phase: Any
) -> None:
    phase.run(ctx)
    events = _events(ctx)
    fractions = [r["fraction"] for r in ctx.reports if r["fraction"] is not None]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions) and len(set(fractions)) > 2, fractions
    for report in ctx.reports:
        assert report["done"] <= events
        assert report["total"] in (None, events)
    assert ctx.reports[-1]["done"] == events


def test_the_ml_phase_reports_its_models_as_they_are_trained(ctx: Recorder) -> None:
    results = ml_phase.run(ctx)
    figures = [r["figures"] for r in ctx.reports]
    assert all(f["modelsTraining"] == results["modelsTraining"] == 3 for f in figures)
    completed = [f["modelsCompleted"] for f in figures]
    assert completed[0] == 0 and completed == sorted(completed)
    assert completed[-1] == results["modelsCompleted"]
    # Anomaly detection is counted as soon as it is done, before the predictive models.
    assert 0 < completed[2] <= completed[-1]
