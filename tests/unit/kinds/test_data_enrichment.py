"""The DataEnrichment phases on a fake context: figures, files, cancellation, re-runs."""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from minerun.analysis.eventlog import CsvMapping, read_csv, read_xes
from minerun.analysis.validation import validate
from minerun.kinds.base import ArtifactSpec, DatasetSpec, OperationCancelled
from minerun.kinds.data_enrichment import KIND, phases, summarize
from minerun.kinds.data_enrichment.parameters import check
from minerun.services.datasets import (
    dataset_path,
    derived_dataset_id,
    sidecar_path,
    statistics,
    validation_summary,
)
from tests.support.logs import csv_log

SOURCE = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
STANDARD = ["case_id", "activity", "timestamp", "resource", "event_index"]
CANONICAL = CsvMapping("case_id", "activity", "timestamp", resource_column="resource")


@dataclass
class FakeContext:
    """A phase context that keeps what the phases report and list."""

    parameters: Mapping[str, Any]
    data_dir: Path
    workdir: Path
    scratch_dir: Path
    operation_id: str = "op-1"
    results: dict[str, Any] = field(default_factory=dict)
    reports: list[dict[str, Any]] = field(default_factory=list)
    artifacts: list[ArtifactSpec] = field(default_factory=list)
    datasets: list[DatasetSpec] = field(default_factory=list)
    cancel_after: int | None = None  # checks before check_cancelled raises
    checks: int = 0

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
        self.checks += 1
        if self.cancel_after is not None and self.checks > self.cancel_after:
            raise OperationCancelled

    def add_artifact(self, artifact: ArtifactSpec) -> None:
        self.artifacts.append(artifact)

    def add_dataset(self, dataset: DatasetSpec) -> None:
        self.datasets.append(dataset)

    def run_all(self) -> dict[str, Any]:
        for phase in KIND.phases:
            self.results[phase.name] = phase.run(self)
        return self.results


def _source_log(tmp_path: Path) -> str:
    """The generated log with two exact duplicate rows and a badly spaced name appended."""
    text = csv_log(cases=60)
    lines = text.splitlines()
    extra = [lines[1], lines[2], "case-3,  check \t,2024-01-02T10:00:00Z,ann"]
    return "\n".join([*lines, *extra]) + "\n"


def _upload(data_dir: Path, text: str) -> pl.DataFrame:
    """Store ``text`` as dataset SOURCE the way an upload does."""
    source = data_dir / "upload.csv"
    source.write_text(text)
    report = validate(read_csv(source, CsvMapping("case", "activity", "time", "who")))
    target = dataset_path(data_dir, SOURCE)
    target.parent.mkdir(parents=True)
    report.frame.write_parquet(target)
    sidecar = {
        "name": "claims",
        "statistics": statistics(report.frame),
        "validation": validation_summary(report),
    }
    sidecar_path(target).write_text(json.dumps(sidecar))
    return report.frame


def _context(tmp_path: Path, **parameters: Any) -> FakeContext:
    for name in ("data", "work", "scratch"):
        (tmp_path / name).mkdir(exist_ok=True)
    return FakeContext(
        {"datasetId": SOURCE, **parameters},
        tmp_path / "data",
        tmp_path / "work",
        tmp_path / "scratch",
    )


RULES = ["remove_duplicates", "fix_timestamps", "validate_activities"]


def test_the_phases_write_a_new_dataset_and_report_what_each_rule_changed(
    tmp_path: Path,
) -> None:
    ctx = _context(tmp_path, cleaningRules=RULES)
    source = _upload(ctx.data_dir, _source_log(tmp_path))
    results = ctx.run_all()

    rules = results["Cleaning"]["rules"]
    assert [r["rule"] for r in rules] == RULES
    assert rules[0]["rowsRemoved"] == 2  # the two rows appended twice
    assert rules[2]["valuesFixed"] == {"activity": 1}  # the badly spaced name
    assert results["Data Loading"]["rowsIn"] == source.height
    created = results["Dataset Creation"]
    assert created["rowsOut"] == source.height - 2
    assert created["datasetId"] == derived_dataset_id("op-1")
    assert created["derivedFrom"] == SOURCE

    [listed] = ctx.datasets
    assert listed.id == created["datasetId"] and listed.derived_from == SOURCE
    assert listed.path == dataset_path(ctx.data_dir, listed.id)
    stored = pl.read_parquet(listed.path)
    assert stored.height == listed.statistics["eventCount"] == source.height - 2
    assert stored["activity"].n_unique() == source["activity"].n_unique() - 1
    # The derived attributes are part of the new dataset, not only of the file offered.
    for column in ("case_duration_seconds", "case_length", "waiting_seconds"):
        assert column in stored.columns
    assert results["Enrichment"]["columnsAdded"] == [
        c for c in stored.columns if c not in source.columns
    ]
    assert not [p for p in ctx.data_dir.joinpath("datasets").iterdir() if ".tmp" in p.name]

    summary = summarize(results)["summary"]
    assert summary["datasetId"] == created["datasetId"]
    assert summary["rowsIn"] - summary["rowsOut"] == summary["rowsRemovedByRules"] == 2
    assert summary["valuesFixed"] == 1


def test_the_csv_re_uploads_to_the_same_dataset(tmp_path: Path) -> None:
    ctx = _context(tmp_path, cleaningRules=RULES, enrich=False)
    _upload(ctx.data_dir, _source_log(tmp_path))
    ctx.run_all()
    [artifact] = ctx.artifacts
    assert artifact.format == "csv"
    again = validate(read_csv(artifact.path, CANONICAL))
    stored = pl.read_parquet(ctx.datasets[0].path)
    assert again.skipped_rows == 0
    assert_frame_equal(again.frame.select(STANDARD), stored.select(STANDARD))
    assert sorted(stored.columns) == sorted(STANDARD)


def test_an_enriched_csv_re_uploads_to_the_same_events(tmp_path: Path) -> None:
    ctx = _context(tmp_path, cleaningRules=RULES)
    _upload(ctx.data_dir, _source_log(tmp_path))
    ctx.run_all()
    again = validate(read_csv(ctx.artifacts[0].path, CANONICAL))
    stored = pl.read_parquet(ctx.datasets[0].path)
    assert_frame_equal(again.frame.select(STANDARD), stored.select(STANDARD))
    header = ctx.artifacts[0].path.read_text().splitlines()[0].split(",")
    assert "case_duration_seconds" in header and "event_index" not in header


@pytest.mark.parametrize("fmt", ["xes", "parquet"])
def test_other_output_formats_hold_the_same_events(tmp_path: Path, fmt: str) -> None:
    ctx = _context(tmp_path, cleaningRules=RULES, outputFormat=fmt)
    _upload(ctx.data_dir, _source_log(tmp_path))
    ctx.run_all()
    [artifact] = ctx.artifacts
    stored = pl.read_parquet(ctx.datasets[0].path)
    if fmt == "xes":
        back = read_xes(artifact.path).frame
        assert 'key="case_length"' in artifact.path.read_text()
    else:
        back = pl.read_parquet(artifact.path)
    columns = ["case_id", "activity", "timestamp", "resource"]
    assert_frame_equal(back.select(columns), stored.select(columns))


def test_xes_escapes_markup_in_names(tmp_path: Path) -> None:
    ctx = _context(tmp_path, outputFormat="xes")
    text = 'case,activity,time,who\nc&1,"check <a> ""b""",2024-01-01T10:00:00Z,x\n'
    _upload(ctx.data_dir, text)
    ctx.run_all()
    back = read_xes(ctx.artifacts[0].path).frame
    assert back["case_id"].to_list() == ["c&1"]
    assert back["activity"].to_list() == ['check <a> "b"']


def test_a_cancel_between_rules_leaves_no_dataset(tmp_path: Path) -> None:
    ctx = _context(tmp_path, cleaningRules=RULES)
    _upload(ctx.data_dir, _source_log(tmp_path))
    ctx.results["Data Loading"] = phases.load(ctx)
    ctx.cancel_after = 1  # the first rule runs, the second is cancelled
    with pytest.raises(OperationCancelled):
        phases.clean(ctx)
    assert ctx.datasets == []
    assert [p.name for p in (ctx.data_dir / "datasets").iterdir()] == sorted(
        [f"{SOURCE}.parquet", f"{SOURCE}.json"]
    )


def test_cleaning_reports_progress_after_each_rule(tmp_path: Path) -> None:
    ctx = _context(tmp_path, cleaningRules=RULES)
    source = _upload(ctx.data_dir, _source_log(tmp_path))
    phases.clean(ctx)
    fractions = [r["fraction"] for r in ctx.reports]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions == sorted(fractions)
    applied = [r["figures"]["rulesApplied"] for r in ctx.reports if r["figures"]]
    assert applied == [1, 2, 3]
    assert all(r["done"] <= source.height == r["total"] for r in ctx.reports)


def test_a_rerun_writes_the_same_dataset_again_and_recomputes_a_lost_scratch(
    tmp_path: Path,
) -> None:
    ctx = _context(tmp_path, cleaningRules=RULES)
    _upload(ctx.data_dir, _source_log(tmp_path))
    ctx.run_all()
    first = pl.read_parquet(ctx.datasets[0].path)
    for path in ctx.scratch_dir.iterdir():  # the next attempt runs on another machine
        path.unlink()
    ctx.results["Dataset Creation"] = phases.create_dataset(ctx)
    assert [d.id for d in ctx.datasets] == [derived_dataset_id("op-1")] * 2
    assert_frame_equal(pl.read_parquet(ctx.datasets[1].path), first)


def test_an_option_naming_a_missing_column_fails_the_loading_phase(tmp_path: Path) -> None:
    rules = [{"rule": "remove_duplicates", "keys": ["case_id", "ward"]}]
    ctx = _context(tmp_path, cleaningRules=rules)
    _upload(ctx.data_dir, _source_log(tmp_path))
    with pytest.raises(Exception, match=r"cleaningRules\[0\]\.keys"):
        phases.load(ctx)


def test_rules_that_leave_no_event_fail_without_a_dataset(tmp_path: Path) -> None:
    rules = [{"rule": "filter_activities", "keep": ["no such activity"]}]
    ctx = _context(tmp_path, cleaningRules=rules)
    _upload(ctx.data_dir, _source_log(tmp_path))
    with pytest.raises(Exception, match="left no event: filter_activities removed"):
        ctx.run_all()
    assert ctx.datasets == []


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({"cleaningRules": ["remove_duplicates", "polish"]}, "parameters.cleaningRules[1]"),
        (
            {"cleaningRules": [{"rule": "remove_duplicates", "kes": ["a"]}]},
            "parameters.cleaningRules[0].kes",
        ),
        ({"outputFormat": "csv"}, "parameters.outputFormat"),
        ({"enrich": "yes"}, "parameters.enrich"),
        ({"colour": "red"}, "parameters.colour"),
        ({"datasetId": "nope"}, "parameters.datasetId"),
    ],
)
def test_bad_parameters_are_named(parameters: dict[str, Any], field: str) -> None:
    errors = check({"datasetId": SOURCE, **parameters})
    assert [e["field"] for e in errors] == [field]


def test_the_contract_example_is_accepted() -> None:
    parameters = {
        "datasetId": SOURCE,
        "cleaningRules": ["remove_duplicates", "fix_timestamps", "validate_activities"],
        "outputFormat": "processed_csv",
    }
    assert check(parameters) == []


def test_merged_lifecycles_re_upload_with_their_start_times(tmp_path: Path) -> None:
    text = (
        "case,activity,time,who,lifecycle:transition\n"
        "c1,register,2024-01-01T09:00:00Z,ann,start\n"
        "c1,register,2024-01-01T09:30:00Z,ann,complete\n"
        "c1,decide,2024-01-01T11:00:00Z,bob,start\n"
        "c1,decide,2024-01-01T12:15:00.250Z,bob,complete\n"
        "c2,register,2024-01-02T08:00:00Z,ann,complete\n"
    )
    ctx = _context(tmp_path, cleaningRules=["merge_lifecycle"])
    _upload(ctx.data_dir, text)
    results = ctx.run_all()
    stored = pl.read_parquet(ctx.datasets[0].path)
    assert stored.height == 3 and "lifecycle" not in stored.columns
    # An unpaired completion is an instant (docs: merge_lifecycle).
    assert stored["processing_seconds"].to_list() == [1800.0, 4500.25, 0.0]
    assert ctx.datasets[0].statistics["hasStartTimestamps"] is True
    assert "processing_seconds" in results["Enrichment"]["columnsAdded"]
    mapping = CsvMapping(
        "case_id",
        "activity",
        "timestamp",
        resource_column="resource",
        start_timestamp_column="start_timestamp",
    )
    again = validate(read_csv(ctx.artifacts[0].path, mapping))
    columns = [*STANDARD, "start_timestamp"]
    assert_frame_equal(again.frame.select(columns), stored.select(columns))


def test_pm4py_reads_the_xes_file(tmp_path: Path) -> None:
    pm4py = pytest.importorskip("pm4py")
    ctx = _context(tmp_path, cleaningRules=RULES, outputFormat="xes")
    _upload(ctx.data_dir, _source_log(tmp_path))
    ctx.run_all()
    stored = pl.read_parquet(ctx.datasets[0].path)
    with warnings.catch_warnings():  # a hint about an optional faster reader
        warnings.simplefilter("ignore", UserWarning)
        log = pm4py.read_xes(str(ctx.artifacts[0].path), return_legacy_log_object=False)
    assert len(log) == stored.height
    assert log["case:concept:name"].nunique() == stored["case_id"].n_unique()
    assert log["case_length"].tolist() == stored["case_length"].to_list()


def test_a_cancel_in_the_last_phase_writes_no_dataset_file(tmp_path: Path) -> None:
    ctx = _context(tmp_path, cleaningRules=RULES)
    _upload(ctx.data_dir, _source_log(tmp_path))
    for phase in KIND.phases[:-1]:
        ctx.results[phase.name] = phase.run(ctx)
    ctx.cancel_after = ctx.checks
    with pytest.raises(OperationCancelled):
        phases.create_dataset(ctx)
    assert ctx.datasets == []
    stored = sorted(p.name for p in (ctx.data_dir / "datasets").iterdir())
    assert stored == sorted([f"{SOURCE}.parquet", f"{SOURCE}.json"])
