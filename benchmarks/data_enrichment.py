"""DataEnrichment with every cleaning rule: seconds, events per second and peak memory.

Run: ``.venv/bin/python benchmarks/data_enrichment.py [--log PATH] [--scale N] [--repeat N]``.
The default log is BPIC 2012 from the shared data folder. It is uploaded as the service
does (read, validate, write the dataset's Parquet file and sidecar); the enlarged copy is
the validated log repeated ``--scale`` times (default 10), every case id suffixed ``-1`` …
``-N`` and the event positions shifted, uploaded the same way.

Each run is a fresh spawned child process that runs the four phases of the DataEnrichment
kind on the dataset, in process through a minimal phase context, as a worker slot runs
them: Data Loading, Cleaning (the ten rules below, in this order), Enrichment (every
derived attribute) and Dataset Creation (the new dataset and its ``processed_csv`` file).
Seconds are wall-clock per phase, best of ``--repeat`` runs; events per second are the
source's events over the four phases' seconds; peak memory is the child's exact peak
resident set (``getrusage(RUSAGE_SELF).ru_maxrss``), the largest over the repeats. A second
table gives each rule's own seconds (the ``durationSeconds`` the Cleaning phase reports).

The rules' options are computed from the log so that each one has work to do and most of
the log stays: a time window without the first and last 5% of the log's span, the rarest
resource's cases removed, the rarest activity of at least 100 events removed, cases of at
least three events and at most 60 days, the variants covering 95% of the cases.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import polars as pl

DEFAULT_LOG = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "bpic2012.xes.gz"
MB = 1024 * 1024
MAX_CASE_SECONDS = 60 * 24 * 3600
MIN_EVENTS = 100  # the activity removed is the rarest with this many events


@dataclass
class PhaseRun:
    """The smallest :class:`minerun.kinds.base.PhaseContext`: no progress, never cancelled."""

    operation_id: str
    parameters: Mapping[str, Any]
    results: Mapping[str, Any]
    workdir: Path
    data_dir: Path
    scratch_dir: Path
    artifacts: list[Any] = field(default_factory=list)
    datasets: list[Any] = field(default_factory=list)

    def progress(self, done: int, total: int | None = None, *args: Any, **kwargs: Any) -> None:
        """Progress is not reported: the benchmark's own timing covers it."""

    def check_cancelled(self) -> None:
        """A benchmark run is never cancelled."""

    def add_artifact(self, artifact: Any) -> None:
        self.artifacts.append(artifact)

    def add_dataset(self, dataset: Any) -> None:
        self.datasets.append(dataset)


def upload(frame: pl.DataFrame, loaded: Any, data_dir: Path, name: str) -> str:
    """Validate ``frame`` and write it as a dataset, as ``DatasetService.create`` does."""
    from minerun.analysis.validation import validate
    from minerun.services.datasets import write_dataset

    dataset_id = str(uuid.uuid4())
    write_dataset(data_dir, dataset_id, validate(replace(loaded, frame=frame)), name)
    return dataset_id


def enlarged(frame: pl.DataFrame, copies: int) -> pl.DataFrame:
    """``frame`` ``copies`` times, case ids suffixed ``-k``, event positions shifted."""
    height = frame.height
    return pl.concat(
        frame.with_columns(
            pl.col("case_id") + f"-{k}",
            (pl.col("event_index").cast(pl.UInt64) + (k - 1) * height).cast(pl.UInt32),
        )
        for k in range(1, copies + 1)
    )


def rules_for(frame: pl.DataFrame) -> list[Any]:
    """Every cleaning rule, with options computed from the log (see the module)."""
    first, last = frame["timestamp"].min(), frame["timestamp"].max()
    assert first is not None and last is not None
    margin = (last - first) * 0.05  # type: ignore[operator]

    def rarest(column: str, least: int = 1) -> Any:
        counts = frame[column].drop_nulls().value_counts().filter(pl.col("count") >= least)
        return counts.sort(["count", column])[column][0]

    rules: list[Any] = ["remove_duplicates", "fix_timestamps", "validate_activities"]
    rules.append("merge_lifecycle")
    rules.append(
        {
            "rule": "filter_time_window",
            "start": (first + margin).isoformat(),
            "end": (last - margin - timedelta(microseconds=1)).isoformat(),
            "mode": "intersecting",
        }
    )
    if "resource" in frame.columns:
        resource_value = str(rarest("resource"))
        rules.append(
            {"rule": "filter_attribute", "attribute": "resource", "values": [resource_value]}
            | {"keep": False}
        )
    rules.append({"rule": "filter_activities", "remove": [str(rarest("activity", MIN_EVENTS))]})
    rules.append({"rule": "filter_case_length", "min": 3})
    rules.append({"rule": "filter_case_duration", "maxSeconds": MAX_CASE_SECONDS})
    rules.append({"rule": "filter_top_variants", "coverage": 0.95})
    return rules


def run_kind(dataset_id: str, data_dir: str, rules: list[Any]) -> dict[str, Any]:
    """In a child process: the four phases of DataEnrichment, timed."""
    from minerun.kinds.data_enrichment import KIND

    parameters = {"datasetId": dataset_id, "cleaningRules": rules, "outputFormat": "processed_csv"}
    if problems := KIND.check_parameters(parameters):
        raise ValueError(f"invalid parameters: {problems}")
    root = Path(data_dir)
    operation = Path(tempfile.mkdtemp(dir=root, prefix="operation-"))
    scratch = operation / "scratch"
    scratch.mkdir()
    results: dict[str, Any] = {}
    seconds: dict[str, float] = {}
    operation_id = str(uuid.uuid4())
    for number, phase in enumerate(KIND.phases, start=1):
        workdir = operation / f"phase-{number}"
        workdir.mkdir()
        context = PhaseRun(operation_id, parameters, dict(results), workdir, root, scratch)
        began = time.perf_counter()
        results[phase.name] = phase.run(context)
        seconds[phase.name] = time.perf_counter() - began
    cleaning = results["Cleaning"]
    return {
        "seconds": seconds,
        "rules": [
            (r["rule"], r.get("durationSeconds"), r["rowsRemoved"]) for r in cleaning["rules"]
        ],
        "rows_out": results["Dataset Creation"].get("rowsOut", cleaning.get("rowsOut")),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


@dataclass
class Measure:
    label: str
    events: int
    runs: list[dict[str, Any]]

    def best(self, phase: str) -> float:
        return min(run["seconds"][phase] for run in self.runs)

    @property
    def total(self) -> float:
        return min(sum(run["seconds"].values()) for run in self.runs)

    @property
    def peak_mb(self) -> float:
        return max(run["peak_mb"] for run in self.runs)


def measure(
    label: str, dataset_id: str, events: int, data_dir: Path, rules: list[Any], repeat: int
) -> Measure:
    runs = []
    spawn = multiprocessing.get_context("spawn")
    for attempt in range(repeat):
        print(f"[run] {label}: run {attempt + 1} of {repeat}", file=sys.stderr, flush=True)
        with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
            runs.append(pool.submit(run_kind, dataset_id, str(data_dir), rules).result())
    return Measure(label, events, runs)


def print_tables(measures: list[Measure]) -> None:
    phases = list(measures[0].runs[0]["seconds"])
    head = ["log", "events", *phases, "total s", "events/s", "peak MB", "events out"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for m in measures:
        cells = [
            m.label,
            f"{m.events:,}",
            *(f"{m.best(p):.2f}" for p in phases),
            f"{m.total:.2f}",
            f"{m.events / m.total:,.0f}",
            f"{m.peak_mb:,.0f}",
            f"{m.runs[0]['rows_out']:,}" if m.runs[0]["rows_out"] is not None else "n/a",
        ]
        print("| " + " | ".join(cells) + " |")
    print()
    print("| rule | " + " | ".join(f"{m.label} s (rows removed)" for m in measures) + " |")
    print("|---|" + "---|" * len(measures))
    for k, (rule, _, _) in enumerate(measures[0].runs[0]["rules"]):
        cells = []
        for m in measures:
            best = min(run["rules"][k][1] or 0.0 for run in m.runs)
            cells.append(f"{best:.3f} ({m.runs[0]['rules'][k][2]:,})")
        print(f"| {rule} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", type=Path, default=DEFAULT_LOG)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    from minerun.analysis.eventlog import read_any

    print(f"[upload] reading {args.log}", file=sys.stderr, flush=True)
    loaded = read_any(args.log)
    rules = rules_for(loaded.frame)
    with tempfile.TemporaryDirectory(prefix="minerun-bench-") as tmp:
        data_dir = Path(tmp)
        base = upload(loaded.frame, loaded, data_dir, args.log.name)
        measures = [measure(args.log.name, base, loaded.frame.height, data_dir, rules, args.repeat)]
        if args.scale > 1:
            print(f"[upload] writing the {args.scale}x copy", file=sys.stderr, flush=True)
            big = enlarged(loaded.frame, args.scale)
            copy = upload(big, loaded, data_dir, f"{args.scale}x {args.log.name}")
            label = f"{args.scale}x {args.log.name}"
            measures.append(measure(label, copy, big.height, data_dir, rules, args.repeat))
            del big
    print(f"DataEnrichment, {len(rules)} rules then every derived attribute, processed_csv")
    print()
    print_tables(measures)


if __name__ == "__main__":
    main()
