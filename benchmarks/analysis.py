"""The analysis engine beside pm4py: seconds, events per second and peak memory per step.

Run: ``.venv/bin/python benchmarks/analysis.py [--log PATH] [--scale N] [--repeat N]
[--skip-pm4py-large]``. The default log is BPIC 2012 from the shared data folder; an enlarged
copy (the log written ``--scale`` times, every case id suffixed ``-1`` … ``-N``) is built once
per run as gzipped XES in a temporary directory, and both sides read it from XES.

Per log, four fresh child processes (spawned, so nothing is inherited and the sides never
share memory):

- ``minerun steps``: each engine step on its own (XES import, validation, DFG, variants,
  performance, inductive miner, token replay);
- ``minerun upload``: what ``DatasetService.create`` does with an upload (read, validate,
  write the Parquet file and its JSON sidecar), without the database row;
- ``minerun analysis``: the four phases of ProcessMiningAnalysis on that dataset, in
  process through a minimal phase context, as a worker slot runs them (the upload and the
  analysis run in different processes in the service too);
- ``pm4py``: pm4py 2.7 doing the same steps as ``minerun steps`` (its Rust XES importer
  only when installed: the output says which importer ran; progress bars off).

Seconds are wall-clock per step (best of ``--repeat`` runs, each in a fresh process).
Per-step memory is the process's resident set sampled every 10 ms during the step (it
includes what earlier steps still hold); the totals use the exact peak resident set of the
child (``getrusage(RUSAGE_SELF).ru_maxrss``), the largest over the repeats. The speed ratio
is pm4py's seconds over minerun's; the memory ratio pm4py's peak over minerun's. The goal
lines compare pm4py's pipeline (import + DFG + variants + inductive miner + replay) with the
four phases and with upload + four phases (whose peak is the larger of the two processes').
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import multiprocessing
import os
import platform
import resource
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from lxml import etree

DEFAULT_LOG = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "bpic2012.xes.gz"
NOISE_THRESHOLD = 0.2
SAMPLE_SECONDS = 0.01
MB = 1024 * 1024
GZIP_LEVEL = 6  # the copy is written once per run; level 6 keeps that under half a minute

MINERUN_STEPS, MINERUN_UPLOAD = "minerun steps", "minerun upload"
MINERUN_ANALYSIS, PM4PY = "minerun analysis", "pm4py"
LIBRARY = "library import"
XES, VALIDATE, DFG, VARIANTS = "XES import", "validate", "DFG", "variants"
DISCOVER, PERFORMANCE = "discover() all-in-one", "performance"
MINER, REPLAY = "inductive miner", "token replay"
READ, STORE = "upload: read", "upload: write Parquet + sidecar"
UPLOAD_VALIDATE = "upload: validate"
UPLOAD_STEPS = (READ, UPLOAD_VALIDATE, STORE)
PIPELINE = (XES, DFG, VARIANTS, MINER, REPLAY)  # pm4py's pipeline the goal is measured on
GOAL_SPEEDUP = 20.0


# --- measuring, inside a child process ---------------------------------------------------


class Recorder:
    """Times named steps and samples the process's resident set while each one runs."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.steps: dict[str, dict[str, float]] = {}
        self._process = psutil.Process()
        self._lock = threading.Lock()
        self._peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            rss = self._process.memory_info().rss
            with self._lock:
                self._peak = max(self._peak, rss)

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time the body as step ``name`` and keep the largest resident set seen meanwhile."""
        _say(f"[{self.label}] {name} ...")
        with self._lock:
            self._peak = self._process.memory_info().rss
        start = time.perf_counter()
        yield
        seconds = time.perf_counter() - start
        with self._lock:
            peak = max(self._peak, self._process.memory_info().rss)
        self.steps[name] = {"seconds": seconds, "peak_mb": peak / MB}
        _say(f"[{self.label}] {name}: {seconds:.2f} s, {peak / MB:,.0f} MB")

    def close(self) -> float:
        """Stop sampling; the child's exact peak resident set in MB."""
        self._stop.set()
        self._thread.join()
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MB


@dataclass(frozen=True)
class Job:
    """What one child process runs: a side, on a log, with the service's data directory."""

    side: str
    log: Path
    label: str
    data_dir: Path
    dataset_id: str | None = None  # the upload the analysis runs on


def run_side(job: Job) -> dict[str, Any]:
    """Entry point of a child process: run one side on one log and return its measurements."""
    recorder = Recorder(f"{job.side} | {job.label}")
    found = SIDES[job.side](job, recorder)
    peak = recorder.close()
    return {"steps": recorder.steps, "peak_mb": peak, **found}


def _minerun_steps(job: Job, rec: Recorder) -> dict[str, Any]:
    # Imported here, in the child, so that the pm4py child never loads the engine.
    with rec.step(LIBRARY):
        from minerun.analysis import discovery, eventlog, performance, validation
        from minerun.analysis.models import discover_process_tree, token_replay, tree_to_petri_net
    with rec.step(XES):
        loaded = eventlog.read_xes(job.log)
    with rec.step(VALIDATE):
        frame = validation.validate(loaded).frame
    with rec.step(DFG):
        edges = discovery.directly_follows(frame)
        discovery.start_activities(frame), discovery.end_activities(frame)
    with rec.step(VARIANTS):
        variants = discovery.variants(frame)
    with rec.step(DISCOVER):
        discovery.discover(frame)
    with rec.step(PERFORMANCE):
        performance.analyze_performance(frame)
    with rec.step(MINER):
        net = tree_to_petri_net(discover_process_tree(frame, noise_threshold=NOISE_THRESHOLD))
    with rec.step(REPLAY):
        replay = token_replay(frame, net)
    return {
        "events": loaded.rows_read,
        "checks": {
            "events analysed": frame.height,
            "cases": frame["case_id"].n_unique(),
            "variants": len(variants),
            "DFG edges": len(edges),
            "net places / transitions": f"{len(net.places)} / {len(net.transitions)}",
            "replay log fitness": round(replay.log_fitness, 4),
            "fitting traces %": round(replay.percentage_fitting_traces, 2),
        },
    }


def _minerun_upload(job: Job, rec: Recorder) -> dict[str, Any]:
    """What ``DatasetService.create`` does with an upload, without the database row."""
    with rec.step(LIBRARY):
        from minerun.analysis.eventlog import read_any
        from minerun.analysis.validation import validate
        from minerun.services import datasets
    dataset_id = str(uuid.uuid4())
    with rec.step(READ):
        loaded = read_any(job.log)
    with rec.step(UPLOAD_VALIDATE):
        report = validate(loaded)
    with rec.step(STORE):
        target = datasets.dataset_path(job.data_dir, dataset_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        report.frame.write_parquet(target)
        sidecar = {
            "name": job.log.name,
            "statistics": datasets.statistics(report.frame),
            "validation": datasets.validation_summary(report),
        }
        datasets.sidecar_path(target).write_text(json.dumps(sidecar))
    return {"events": loaded.rows_read, "dataset_id": dataset_id}


@dataclass
class PhaseRun:
    """The smallest :class:`minerun.kinds.base.PhaseContext`: no progress, never cancelled."""

    parameters: Mapping[str, Any]
    results: Mapping[str, Any]
    workdir: Path
    data_dir: Path
    scratch_dir: Path
    artifacts: list[Any] = field(default_factory=list)

    def progress(self, done: int, total: int | None = None, activity: str | None = None) -> None:
        """Progress is not reported: the benchmark's own timing covers it."""

    def check_cancelled(self) -> None:
        """A benchmark run is never cancelled."""

    def add_artifact(self, artifact: Any) -> None:
        self.artifacts.append(artifact)


def _minerun_analysis(job: Job, rec: Recorder) -> dict[str, Any]:
    """The four phases of ProcessMiningAnalysis on the uploaded dataset, one after the other."""
    with rec.step(LIBRARY):
        from minerun.kinds.process_mining import KIND
    parameters = {"datasetId": job.dataset_id}
    if problems := KIND.check_parameters(parameters):
        raise ValueError(f"invalid parameters: {problems}")
    operation = Path(tempfile.mkdtemp(dir=job.data_dir, prefix="operation-"))
    shared = operation / "scratch"  # one per operation, shared by its phases
    shared.mkdir()
    results: dict[str, Any] = {}
    artifacts: list[Any] = []
    for number, phase in enumerate(KIND.phases, start=1):
        workdir = operation / f"phase-{number}"
        workdir.mkdir()
        context = PhaseRun(parameters, dict(results), workdir, job.data_dir, shared, artifacts)
        with rec.step(phase.name):
            results[phase.name] = phase.run(context)
    summary = KIND.summarize(results)["summary"]
    return {
        "events": results[KIND.phases[0].name]["recordsLoaded"],
        "phases": [phase.name for phase in KIND.phases],
        "checks": {
            "variants (analysis)": summary["processVariants"],
            "model fitness (analysis)": results["Process Discovery"]["conformance"]["fitness"],
            "anomalous cases (analysis)": summary["anomaliesDetected"],
            "artifacts (analysis)": len(artifacts),
        },
    }


def _pm4py(job: Job, rec: Recorder) -> dict[str, Any]:
    # Imported here so the minerun children never load pm4py; its banner goes to stderr
    # to keep standard output for the table. Its progress bars are off: they would be
    # measured too, and minerun's progress reports are off as well.
    os.environ.setdefault("PM4PY_SHOW_PROGRESS_BAR", "False")
    with rec.step(LIBRARY), contextlib.redirect_stdout(sys.stderr):
        import pm4py  # type: ignore[import-untyped]
        from pm4py.util import constants, rustxes_utils  # type: ignore[import-untyped]
    rust = rustxes_utils.get_rustxes_backend_name()
    importer = f"{rust} (Rust)" if rust else f"{constants.DEFAULT_XES_PARSER} (pure Python)"
    with rec.step(XES):
        df = pm4py.read_xes(str(job.log))
    with rec.step(DFG):
        dfg, _start, _end = pm4py.discover_dfg(df)
    with rec.step(VARIANTS):
        variants = pm4py.get_variants(df)
    with rec.step(PERFORMANCE):
        pm4py.discover_performance_dfg(df)
    with rec.step(MINER):
        net, initial, final = pm4py.discover_petri_net_inductive(
            df, noise_threshold=NOISE_THRESHOLD
        )
    with rec.step(REPLAY):
        fitness = pm4py.fitness_token_based_replay(df, net, initial, final)
    return {
        "events": len(df),
        "importer": importer,
        "version": pm4py.__version__,
        "checks": {
            "events analysed": len(df),
            "cases": int(df["case:concept:name"].nunique()),
            "variants": len(variants),
            "DFG edges": len(dfg),
            "net places / transitions": f"{len(net.places)} / {len(net.transitions)}",
            "replay log fitness": round(float(fitness["log_fitness"]), 4),
            "fitting traces %": round(float(fitness["percentage_of_fitting_traces"]), 2),
        },
    }


SIDES: dict[str, Callable[[Job, Recorder], dict[str, Any]]] = {
    MINERUN_STEPS: _minerun_steps,
    MINERUN_UPLOAD: _minerun_upload,
    MINERUN_ANALYSIS: _minerun_analysis,
    PM4PY: _pm4py,
}


# --- the enlarged copy -------------------------------------------------------------------


def enlarge(source: Path, target: Path, copies: int) -> Path:
    """Write ``source`` ``copies`` times into one gzipped XES file, case ids suffixed ``-k``.

    The log header (everything before the first trace) is written once; each trace is
    re-serialized with lxml after its ``concept:name`` is changed.
    """
    data = _xml_bytes(source)
    first, last = data.find(b"<trace"), data.rfind(b"</trace>")
    if first < 0 or last < 0:
        raise ValueError(f"{source} has no trace")
    with gzip.open(target, "wb", compresslevel=GZIP_LEVEL) as out:
        out.write(data[:first])
        for copy in range(1, copies + 1):
            _say(f"[enlarge] writing copy {copy} of {copies}")
            for trace in _traces(data, f"-{copy}"):
                out.write(trace)
        out.write(b"\n" + data[last + len(b"</trace>") :])
    return target


def _xml_bytes(path: Path) -> bytes:
    raw = path.read_bytes()
    return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw


def _traces(data: bytes, suffix: str) -> Iterator[bytes]:
    """Each trace of ``data`` serialized with ``suffix`` appended to its case id."""
    for _event, trace in etree.iterparse(_Reader(data), events=("end",), tag="{*}trace"):
        for child in trace:
            if etree.QName(child).localname == "string" and child.get("key") == "concept:name":
                child.set("value", child.get("value", "") + suffix)
                break
        text: bytes = etree.tostring(trace, with_tail=False)
        namespace = etree.QName(trace).namespace
        if namespace:  # declared once on <log>; lxml repeats it on each serialized trace
            text = text.replace(f' xmlns="{namespace}"'.encode(), b"", 1)
        yield b"\n\t" + text
        trace.clear()
        while trace.getprevious() is not None:
            del trace.getparent()[0]


class _Reader:
    """A file-like view of bytes, so iterparse streams them instead of copying."""

    def __init__(self, data: bytes) -> None:
        self._view, self._at = memoryview(data), 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._view) if size < 0 else self._at + size
        chunk = bytes(self._view[self._at : end])
        self._at += len(chunk)
        return chunk


# --- orchestration -----------------------------------------------------------------------


@dataclass(frozen=True)
class LogRun:
    """What every side measured on one log (None for a side that was skipped)."""

    label: str
    sides: dict[str, dict[str, Any] | None]


def measure(job: Job, repeat: int) -> dict[str, Any]:
    """Run ``job`` ``repeat`` times, each in a fresh spawned process: best times, top peaks."""
    runs = []
    for attempt in range(1, repeat + 1):
        _say(f"== {job.side} on {job.label} (run {attempt} of {repeat})")
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
            runs.append(pool.submit(run_side, job).result())
    best = dict(runs[-1])  # the last upload is the dataset the analysis runs on
    best["steps"] = {
        name: {
            "seconds": min(r["steps"][name]["seconds"] for r in runs),
            "peak_mb": max(r["steps"][name]["peak_mb"] for r in runs),
        }
        for name in runs[0]["steps"]
    }
    best["peak_mb"] = max(r["peak_mb"] for r in runs)
    return best


def measure_log(label: str, log: Path, data_dir: Path, repeat: int, pm4py: bool) -> LogRun:
    """Every side on one log: engine steps, upload, the four phases, then pm4py."""
    steps = measure(Job(MINERUN_STEPS, log, label, data_dir), repeat)
    upload = measure(Job(MINERUN_UPLOAD, log, label, data_dir), repeat)
    analysis = measure(Job(MINERUN_ANALYSIS, log, label, data_dir, upload["dataset_id"]), repeat)
    theirs = measure(Job(PM4PY, log, label, data_dir), repeat) if pm4py else None
    sides = {MINERUN_STEPS: steps, MINERUN_UPLOAD: upload, MINERUN_ANALYSIS: analysis}
    return LogRun(label, {**sides, PM4PY: theirs})


def main(argv: list[str] | None = None) -> int:
    """Build the enlarged copy, measure every side on every log, print the tables."""
    args = _arguments(argv)
    log: Path = args.log.resolve()
    if not log.exists():
        _say(f"{log} does not exist")
        return 2
    runs: list[LogRun] = []
    with tempfile.TemporaryDirectory(prefix="minerun-bench-") as tmp:
        scratch = Path(tmp)
        logs = [(log.name, log)]
        if args.scale > 1:
            started = time.perf_counter()
            stem = log.name.split(".")[0]
            big = enlarge(log, scratch / f"{stem}-x{args.scale}.xes.gz", args.scale)
            _say(f"[enlarge] {big.name} built in {time.perf_counter() - started:.1f} s")
            logs.append((f"{log.name} x{args.scale}", big))
        for index, (label, path) in enumerate(logs):
            pm4py = index == 0 or not args.skip_pm4py_large
            runs.append(measure_log(label, path, scratch / "data", args.repeat, pm4py))
    print(report(runs, args.repeat))
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--log", type=Path, default=DEFAULT_LOG, help="XES or XES.gz log")
    parser.add_argument(
        "--scale", type=int, default=6, help="copies in the enlarged log (1: no enlarged log)"
    )
    parser.add_argument(
        "--skip-pm4py-large", action="store_true", help="do not run pm4py on the enlarged log"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per side; best time kept")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.scale < 1:
        parser.error("--repeat and --scale must be at least 1")
    return args


# --- the report --------------------------------------------------------------------------

HEADER = ["step", "minerun s", "ev/s", "peak MB", "pm4py s", "ev/s", "peak MB", "speed", "mem"]
Measured = tuple[float, float, int]  # seconds, peak MB, events


def report(runs: list[LogRun], repeat: int) -> str:
    """The tables of every log, in markdown, with the environment they were measured in."""
    pm = next((r.sides[PM4PY] for r in runs if r.sides[PM4PY] is not None), None)
    lines = [
        f"Python {platform.python_version()}, {psutil.cpu_count()} CPUs, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB; best of {repeat} run(s).",
        "pm4py " + (f"{pm['version']}, XES importer: {pm['importer']}" if pm else "not run") + ".",
    ]
    for run in runs:
        lines += ["", *_log_tables(run)]
    return "\n".join(lines)


def _log_tables(run: LogRun) -> list[str]:
    sides = [run.sides[s] for s in (MINERUN_STEPS, MINERUN_UPLOAD, MINERUN_ANALYSIS)]
    steps, upload, analysis = (side for side in sides if side is not None)
    pm = run.sides[PM4PY]
    out = [f"### {run.label}: {steps['events']:,} events", "", "Steps side by side:", ""]
    rows = [_row(n, steps, n, pm) for n in (LIBRARY, XES, VALIDATE, DFG, VARIANTS)]
    rows.append(_row(f"{DISCOVER} (pm4py: DFG + variants)", steps, DISCOVER, pm, (DFG, VARIANTS)))
    rows += [_row(n, steps, n, pm) for n in (PERFORMANCE, MINER, REPLAY)]
    ours = (_seconds(steps, PIPELINE), steps["peak_mb"], steps["events"])
    rows.append(_cells("**pipeline: import+DFG+variants+IM+replay**", ours, _pipeline(pm)))
    out += [*_table(rows), "", "Whole analysis: the upload, then the four phases:", ""]
    out += _table(_analysis_rows(upload, analysis, pm))
    return [*out, "", *_goal(upload, analysis, pm), "", *_checks(steps, analysis, pm)]


def _analysis_rows(
    upload: Mapping[str, Any], analysis: Mapping[str, Any], pm: Mapping[str, Any] | None
) -> list[list[str]]:
    phases = tuple(analysis["phases"])
    rows = [_row(f"{LIBRARY} (upload process)", upload, LIBRARY, None)]
    rows += [_row(n, upload, n, None) for n in UPLOAD_STEPS]
    rows.append(_row(f"{LIBRARY} (worker process)", analysis, LIBRARY, None))
    rows += [_row(f"phase: {n}", analysis, n, None) for n in phases]
    sent, done = _totals(upload, analysis)
    rows.append(_cells("**upload (read+validate+Parquet)**", sent, None))
    rows.append(_cells("**four phases** vs pm4py pipeline", done, _pipeline(pm)))
    rows.append(
        _cells("**upload + four phases** vs pm4py pipeline", _both(upload, analysis), _pipeline(pm))
    )
    return rows


def _totals(upload: Mapping[str, Any], analysis: Mapping[str, Any]) -> tuple[Measured, Measured]:
    sent = (_seconds(upload, UPLOAD_STEPS), upload["peak_mb"], upload["events"])
    done = (_seconds(analysis, tuple(analysis["phases"])), analysis["peak_mb"], upload["events"])
    return sent, done


def _both(upload: Mapping[str, Any], analysis: Mapping[str, Any]) -> Measured:
    """Upload and analysis together; two processes, as in the service, so the larger peak."""
    sent, done = _totals(upload, analysis)
    return sent[0] + done[0], max(sent[1], done[1]), sent[2]


def _seconds(side: Mapping[str, Any], names: tuple[str, ...]) -> float:
    return sum(float(side["steps"][n]["seconds"]) for n in names)


def _pipeline(pm: Mapping[str, Any] | None) -> Measured | None:
    return None if pm is None else (_seconds(pm, PIPELINE), pm["peak_mb"], pm["events"])


def _row(
    title: str,
    ours: Mapping[str, Any],
    name: str,
    theirs: Mapping[str, Any] | None,
    their_names: tuple[str, ...] | None = None,
) -> list[str]:
    mine = ours["steps"][name]
    names = their_names or (name,)
    other = None
    if theirs is not None and all(n in theirs["steps"] for n in names):
        peak = max(theirs["steps"][n]["peak_mb"] for n in names)
        other = (_seconds(theirs, names), peak, theirs["events"])
    rate = name != LIBRARY  # events per second mean nothing for loading the library
    return _cells(title, (mine["seconds"], mine["peak_mb"], ours["events"]), other, rate)


def _cells(title: str, mine: Measured, other: Measured | None, rate: bool = True) -> list[str]:
    cells = [title, *_side_cells(mine, rate)]
    if other is None:
        return [*cells, "-", "-", "-", "-", "-"]
    speed, memory = other[0] / mine[0], other[1] / mine[1]
    return [*cells, *_side_cells(other, rate), f"{speed:,.1f}x", f"{memory:,.2f}x"]


def _side_cells(values: Measured, rate: bool) -> list[str]:
    seconds, peak, events = values
    per_second = f"{events / seconds:,.0f}" if rate and seconds > 0 else "-"
    return [f"{seconds:,.2f}", per_second, f"{peak:,.0f}"]


def _goal(
    upload: Mapping[str, Any], analysis: Mapping[str, Any], pm: Mapping[str, Any] | None
) -> list[str]:
    theirs = _pipeline(pm)
    if theirs is None:
        return ["Goal: not measured (pm4py was not run on this log)."]
    lines = []
    for title, (seconds, peak, _events) in (
        ("four phases", _totals(upload, analysis)[1]),
        ("upload + four phases", _both(upload, analysis)),
    ):
        speed, lighter = theirs[0] / seconds, peak < theirs[1]
        met = "met" if speed >= GOAL_SPEEDUP and lighter else "NOT met"
        lines.append(
            f"Goal ({title} >= {GOAL_SPEEDUP:.0f}x faster than pm4py's pipeline, less memory): "
            f"{speed:,.1f}x, peak {peak:,.0f} MB vs {theirs[1]:,.0f} MB: {met}."
        )
    return lines


def _checks(
    steps: Mapping[str, Any], analysis: Mapping[str, Any], pm: Mapping[str, Any] | None
) -> list[str]:
    mine = {**steps["checks"], **analysis["checks"]}
    theirs: dict[str, Any] = pm["checks"] if pm else {}
    rows = [[name, _text(value), _text(theirs.get(name, "-"))] for name, value in mine.items()]
    return ["What each side found:", "", *_table(rows, ["check", "minerun", "pm4py"])]


def _text(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _table(rows: list[list[str]], header: list[str] = HEADER) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        rest = zip(cells[1:], widths[1:], strict=True)
        padded = [cells[0].ljust(widths[0]), *(c.rjust(w) for c, w in rest)]
        return "| " + " | ".join(padded) + " |"

    rule = "|:" + "|".join("-" * (w + 1) + (":" if i else "") for i, w in enumerate(widths))
    return [line(header), rule + "|", *(line(r) for r in rows)]


def _say(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
