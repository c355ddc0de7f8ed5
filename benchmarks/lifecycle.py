"""Lifecycle benchmark: submit rate, pickup latency and whole-lifecycle throughput.

Run: ``.venv/bin/python benchmarks/lifecycle.py`` (``make bench``). PostgreSQL is measured too
when ``MINERUN_TEST_DATABASE_URL`` or ``--pg URL`` is given (in a fresh schema, dropped after).
Each measurement starts its own ``minerun serve`` (API and embedded worker, two slots) with the
test kinds, so one measurement's backlog never slows the next:

- submits/s: client threads, each with a keep-alive httpx client, POST ``/async/operation``
  for ``--seconds``; the rate counts 202 answers (the embedded worker runs the operations
  meanwhile, as it would in production);
- pickup latency: operations are submitted one at a time while the worker is idle, each after
  the previous one has finished; the latency is ``operations.started_at - created_at`` as both
  are stored (creation, just before the commit, to the claim that made it Running);
- lifecycle ops/s: ``--operations`` trivial operations (Steps with records=1) submitted at
  once; the rate is their number over the time from the first submit to the last Completed.

``--profile DIR`` runs each server under cProfile (every thread) and prints where its time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import psutil
import psycopg
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.acceptance.processes import (
    PROJECT,
    TENANT,
    Cluster,
    Node,
    free_port,
    wait_for,
)

from minerun.store import tables as t
from minerun.store.engine import make_engine

# Production timings, not the tests' fast ones: what a user of `minerun serve` gets.
SERVE_SETTINGS: dict[str, object] = {
    "worker_slots": 2,
    "poll_seconds": 1.0,
    "heartbeat_seconds": 5.0,
    "lease_seconds": 30.0,
    "drain_seconds": 0.0,
    "cancel_grace_seconds": 5.0,
}
TRIVIAL = {"operationType": "Steps", "operationName": "bench", "parameters": {"records": 1}}
WARM_UP = 20
SUBMIT_AIM = 1000.0
PICKUP_AIM_MS = 10.0


@dataclass(frozen=True, slots=True)
class Figures:
    """What one backend measured; None where the measurement was not run."""

    submits_per_second: float | None = None
    submit_p50_ms: float | None = None
    submit_p99_ms: float | None = None
    submit_errors: int | None = None
    server_cpu_ms_per_submit: float | None = None
    client_cpu_ms_per_submit: float | None = None
    pickup_p50_ms: float | None = None
    pickup_p99_ms: float | None = None
    pickup_max_ms: float | None = None
    lifecycle_per_second: float | None = None
    run_p50_ms: float | None = None
    phase_p50_ms: float | None = None


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of ``values`` (``share`` in 0..1)."""
    ordered = sorted(values)
    rank = max(round(share * len(ordered)) - 1, 0)
    return ordered[min(rank, len(ordered) - 1)]


# -- databases and servers --------------------------------------------------------------------


@contextmanager
def database(backend: str, pg_url: str, workdir: Path) -> Iterator[str]:
    """A fresh, empty database of ``backend``: an SQLite file or a PostgreSQL schema."""
    if backend == "sqlite":
        yield f"sqlite:///{workdir / 'minerun.db'}"
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in pg_url else "?"
    try:
        yield f"{pg_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@dataclass
class Server:
    """A running ``minerun serve`` and what is needed to talk to it."""

    node: Node
    token: str
    url: str

    @property
    def api(self) -> str:
        return f"{self.node.base_url}/api/{TENANT}/{PROJECT}/async"

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.api, headers={"Authorization": f"Bearer {self.token}"}, timeout=60
        )


@contextmanager
def server(url: str, workdir: Path, profile: Path | None, role: str = "serve") -> Iterator[Server]:
    """``minerun serve`` on ``url``; under cProfile (stats written to ``profile``) if given.

    With ``role="api"``: ``minerun api`` with one process per CPU and no worker, as an API
    node of a cluster runs; submitted operations then wait in the queue.
    """
    with Cluster(url, workdir, dict(SERVE_SETTINGS)) as cluster:
        token = cluster.create_token()
        if role == "api":
            srv = Server(cluster.api(api_processes=os.cpu_count() or 1), token, url)
            try:
                yield srv
            finally:
                srv.node.stop(timeout=60)
            return
        if profile is None:
            node = cluster.serve()
        else:
            node = _profiled_serve(cluster, profile)
        try:
            srv = Server(node, token, url)
            warm_up(srv)
            yield srv
        finally:
            node.stop(timeout=60)


def warm_up(srv: Server) -> None:
    """Run a few operations first: slot processes start after ``/readyz`` already answers."""
    engine = make_engine(srv.url, pool_size=1)
    with srv.client() as client:
        ids = [client.post("/operation", json=TRIVIAL).json()["operationId"] for _ in range(4)]
    wait_for(lambda: set(_status(engine, ids).values()) == {"Completed"}, 120, "the warm-up to run")
    engine.dispose()


def _profiled_serve(cluster: Cluster, out: Path) -> Node:
    port = free_port()
    env = cluster.env({"port": port, "worker_name": "bench"})
    log_path = cluster.workdir / "serve-profiled.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, __file__, "--profiled-serve", str(out)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    node = Node("serve", "serve", process, log_path, f"http://127.0.0.1:{port}")
    cluster.nodes.append(node)
    cluster.wait_ready(node)
    return node


def run_profiled_serve(out: Path) -> None:
    """Inside the server process: ``minerun serve`` with the CPU time of every thread profiled.

    The timer is each thread's CPU time, so waiting (locks, sockets, sleeps) costs nothing and
    the figures add up to the CPU the process spent.
    """
    from minerun.cli import main

    profiles: list[cProfile.Profile] = []
    lock = threading.Lock()

    def profile_thread(_frame: object, _event: str, _arg: object) -> None:
        sys.setprofile(None)
        profile = cProfile.Profile(time.thread_time)
        with lock:
            profiles.append(profile)
        profile.enable()

    # uvicorn re-raises SIGTERM once it has shut down; exit normally so the stats get written.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
    threading.setprofile(profile_thread)
    main_profile = cProfile.Profile(time.thread_time)
    main_profile.enable()
    try:
        main(["serve"])
    finally:
        main_profile.disable()
        stats = pstats.Stats(main_profile)
        with lock:
            for profile in profiles:
                stats.add(profile)
        stats.dump_stats(out)


# -- measurements -----------------------------------------------------------------------------


def measure_submits(srv: Server, threads: int, seconds: float) -> tuple[int, list[float], int]:
    """POST trivial operations over ``threads`` keep-alive connections for ``seconds``.

    The client is a minimal asyncio HTTP/1.1 one, so that on a 2-core machine its own CPU
    takes as little as possible from the server being measured.
    """
    with srv.client() as client:
        for _ in range(WARM_UP):
            client.post("/operation", json=TRIVIAL).raise_for_status()
    return asyncio.run(_submit_for(srv, threads, seconds))


async def _submit_for(
    srv: Server, connections: int, seconds: float
) -> tuple[int, list[float], int]:
    address = httpx.URL(srv.api)
    body = json.dumps(TRIVIAL).encode()
    request = (
        f"POST {address.path}/operation HTTP/1.1\r\nhost: {address.host}\r\n"
        f"authorization: Bearer {srv.token}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\n\r\n"
    ).encode() + body
    deadline = time.monotonic() + seconds

    async def connection() -> tuple[list[float], int]:
        reader, writer = await asyncio.open_connection(address.host, address.port)
        latencies: list[float] = []
        errors = 0
        while time.monotonic() < deadline:
            began = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"content-length: *(\d+)", head, re.I).group(1))  # type: ignore[union-attr]
            await reader.readexactly(length)
            if head.startswith(b"HTTP/1.1 202"):
                latencies.append(time.perf_counter() - began)
            else:
                errors += 1
        writer.close()
        return latencies, errors

    results = await asyncio.gather(*(connection() for _ in range(connections)))
    latencies = [value for values, _ in results for value in values]
    return len(latencies), latencies, sum(errors for _, errors in results)


def _status(engine: Any, operation_ids: list[str]) -> dict[str, str]:
    o = t.operations.c
    with engine.connect() as conn:
        rows = conn.execute(select(o.id, o.status).where(o.id.in_(operation_ids))).all()
    return {row[0]: row[1] for row in rows}


def _completed(engine: Any, operation_id: str) -> bool:
    return _status(engine, [operation_id]).get(operation_id) == "Completed"


def measure_pickups(srv: Server, count: int) -> list[float]:
    """Submit ``count`` operations one at a time to an idle worker; started_at - created_at."""
    engine = make_engine(srv.url, pool_size=1)
    ids: list[str] = []
    try:
        with srv.client() as client:
            for _ in range(count):
                answer = client.post("/operation", json=TRIVIAL)
                answer.raise_for_status()
                op_id = answer.json()["operationId"]
                ids.append(op_id)
                wait_for(partial(_completed, engine, op_id), 60, f"{op_id} to complete")
                time.sleep(0.02)  # the supervisor is back waiting for work
        o = t.operations.c
        with engine.connect() as conn:
            rows = conn.execute(select(o.created_at, o.started_at).where(o.id.in_(ids))).all()
    finally:
        engine.dispose()
    return [(started - created).total_seconds() for created, started in rows]


def measure_lifecycle(srv: Server, count: int, threads: int) -> float:
    """Operations per second from the first submit to the last one Completed."""
    engine = make_engine(srv.url, pool_size=1)
    o = t.operations.c
    query = select(func.count()).where(o.status == "Completed")
    with engine.connect() as conn:
        before = int(conn.execute(query).scalar_one())

    def completed() -> bool:
        with engine.connect() as conn:
            return int(conn.execute(query).scalar_one()) >= before + count

    def submit(_: int) -> None:
        with srv.client() as client:
            for _ in range(count // threads):
                client.post("/operation", json=TRIVIAL).raise_for_status()

    began = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(submit, range(threads)))
    wait_for(completed, 600, f"{count} operations to complete")
    elapsed = time.perf_counter() - began
    engine.dispose()
    return count / elapsed


def _cpu_seconds(pid: int, children: bool = True) -> float:
    """User and system CPU time of a process, with its live children (API worker processes)."""
    process = psutil.Process(pid)
    total = 0.0
    for member in [process, *(process.children(recursive=True) if children else [])]:
        try:
            times = member.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def run_times(srv: Server) -> tuple[list[float], list[float]]:
    """Seconds from claim to Completed of each operation, and of each phase, as stored."""
    engine = make_engine(srv.url, pool_size=1)
    o, p = t.operations.c, t.phases.c
    with engine.connect() as conn:
        runs = conn.execute(
            select(o.started_at, o.finished_at).where(o.status == "Completed")
        ).all()
        phases = conn.execute(
            select(p.started_at, p.finished_at).where(p.finished_at.is_not(None))
        ).all()
    engine.dispose()
    return (
        [(end - start).total_seconds() for start, end in runs],
        [(end - start).total_seconds() for start, end in phases],
    )


# -- one backend ------------------------------------------------------------------------------


def run_backend(backend: str, args: argparse.Namespace) -> Figures:
    """Every measurement on ``backend``, each with its own server and database."""
    figures: dict[str, Any] = {}
    steps = _steps(args)
    if args.profile:
        steps = {"baseline": lambda _srv: {}, **steps}
    for step, measure in steps.items():
        with tempfile.TemporaryDirectory(prefix=f"bench-{backend}-") as tmp:
            workdir = Path(tmp)
            profile = args.profile / f"{backend}-{step}.pstats" if args.profile else None
            role = "api" if step == "submits" and profile is None else "serve"
            with (
                database(backend, args.pg, workdir) as url,
                server(url, workdir, profile, role) as srv,
            ):
                print(f"  {backend}: {step} ...", flush=True)
                figures.update(measure(srv))
        if profile is not None and step != "baseline":
            units = {
                "submits": round(figures["submits_per_second"] * args.seconds),
                "pickups": args.pickups,
                "lifecycle": args.operations,
            }[step]
            baseline = args.profile / f"{backend}-baseline.pstats"
            print_profile(profile, baseline, units, f"{backend} {step} (per operation)")
    return Figures(**figures)


def _steps(args: argparse.Namespace) -> dict[str, Callable[[Server], dict[str, Any]]]:
    def submits(srv: Server) -> dict[str, Any]:
        server_cpu, client_cpu = _cpu_seconds(srv.node.pid), _cpu_seconds(os.getpid(), False)
        count, latencies, errors = measure_submits(srv, args.threads, args.seconds)
        server_cpu = _cpu_seconds(srv.node.pid) - server_cpu
        client_cpu = _cpu_seconds(os.getpid(), False) - client_cpu
        return {
            "submits_per_second": count / args.seconds,
            "submit_p50_ms": 1000 * percentile(latencies, 0.50),
            "submit_p99_ms": 1000 * percentile(latencies, 0.99),
            "submit_errors": errors,
            "server_cpu_ms_per_submit": 1000 * server_cpu / count,
            "client_cpu_ms_per_submit": 1000 * client_cpu / count,
        }

    def pickups(srv: Server) -> dict[str, Any]:
        lags = measure_pickups(srv, args.pickups)
        return {
            "pickup_p50_ms": 1000 * percentile(lags, 0.50),
            "pickup_p99_ms": 1000 * percentile(lags, 0.99),
            "pickup_max_ms": 1000 * max(lags),
        }

    def lifecycle(srv: Server) -> dict[str, Any]:
        rate = measure_lifecycle(srv, args.operations, args.threads)
        runs, phases = run_times(srv)
        return {
            "lifecycle_per_second": rate,
            "run_p50_ms": 1000 * percentile(runs, 0.5),
            "phase_p50_ms": 1000 * percentile(phases, 0.5),
        }

    steps = {"submits": submits, "pickups": pickups, "lifecycle": lifecycle}
    return {name: steps[name] for name in args.only}


# Where a submit's server CPU goes: each line is the cumulative CPU of one function.
PROFILE_PARTS = [
    ("event-loop thread (HTTP, ASGI, validation)", r"asyncio/runners.py:\d+\(run\)"),
    ("POST route in the threadpool", r"routes/operations.py:\d+\(start_operation\)"),
    ("  service start", r"services/operations.py:\d+\(start\)$"),
    ("    insert transaction", r"store/operations.py:\d+\(insert\)"),
    ("    re-read of the new operation", r"store/operations.py:\d+\(get\)"),
    ("    estimate (history query)", r"services/operations.py:\d+\(_estimate\)"),
    ("  webhook targets count", r"store/webhooks.py:\d+\(targets_count\)"),
    ("auth dependency (token lookup)", r"api/deps.py:\d+\(_principal\)"),
    ("other dependencies (threadpool hops)", r"api/deps.py:\d+\(_(service|links|settings)\)"),
    ("supervisor thread", r"worker/supervisor.py:\d+\(run\)"),
    ("delivery thread", r"notify/deliverer.py:\d+\(run\)"),
    ("LISTEN thread", r"store/wakeup.py:\d+\(_listen\)"),
    ("SQLAlchemy execute (all threads)", r"sqlalchemy/engine/base.py:\d+\(_execute_context\)"),
    ("pool pre-ping (all threads)", r"sqlalchemy/.*\(_do_ping_w_event\)"),
]


def _profile_rows(path: Path) -> dict[str, tuple[int, float, float]]:
    raw: dict[Any, Any] = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
    return {f"{f}:{line}({name})": (v[1], v[2], v[3]) for (f, line, name), v in raw.items()}


def print_profile(path: Path, baseline: Path, units: int, title: str, lines: int = 25) -> None:
    """CPU per unit of work, with start-up and warm-up (the baseline run) taken away."""
    base = _profile_rows(baseline)
    rows = {}
    for key, (calls, own, cumulative) in _profile_rows(path).items():
        b_calls, b_own, b_cum = base.get(key, (0, 0.0, 0.0))
        rows[key] = (calls - b_calls, own - b_own, cumulative - b_cum)
    total = sum(own for _, own, _ in rows.values())
    print(f"\n--- server CPU during {title}: {1000 * total / units:.2f} ms per unit (profiled) ---")
    for label, pattern in PROFILE_PARTS:
        cpu = sum(c for key, (_, _, c) in rows.items() if re.search(pattern, key))
        print(f"{label:<46} {1000 * cpu / units:7.3f} ms {100 * cpu / total:5.1f} %")
    print(f"top {lines} functions by own CPU:")
    for key, (calls, own, _) in sorted(rows.items(), key=lambda r: -r[1][1])[:lines]:
        print(f"{1000 * own / units:7.3f} ms {calls / units:7.1f} calls  {key[-110:]}")


# -- report -----------------------------------------------------------------------------------

ROWS = [
    ("submits/s (POST /async/operation)", "submits_per_second", "{:.0f}"),
    ("submit latency p50 (ms)", "submit_p50_ms", "{:.1f}"),
    ("submit latency p99 (ms)", "submit_p99_ms", "{:.1f}"),
    ("submit errors", "submit_errors", "{}"),
    ("server CPU per submit (ms)", "server_cpu_ms_per_submit", "{:.2f}"),
    ("client CPU per submit (ms)", "client_cpu_ms_per_submit", "{:.2f}"),
    ("pickup p50 (ms, started_at - created_at)", "pickup_p50_ms", "{:.1f}"),
    ("pickup p99 (ms)", "pickup_p99_ms", "{:.1f}"),
    ("pickup max (ms)", "pickup_max_ms", "{:.1f}"),
    ("lifecycle ops/s (submit -> Completed)", "lifecycle_per_second", "{:.1f}"),
    ("run time p50 (ms, claim -> Completed)", "run_p50_ms", "{:.1f}"),
    ("phase time p50 (ms)", "phase_p50_ms", "{:.1f}"),
]


def table(results: dict[str, Figures | None]) -> str:
    """The figures side by side, one column per backend."""
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    width = max(len(label) for label, _, _ in ROWS)
    lines = [f"{'':<{width}} | " + " | ".join(f"{names[b]:>12}" for b in results)]
    lines.append("-" * len(lines[0]))
    for label, key, fmt in ROWS:
        cells = []
        for figures in results.values():
            value = None if figures is None else getattr(figures, key)
            cells.append(f"{'n/a' if value is None else fmt.format(value):>12}")
        lines.append(f"{label:<{width}} | " + " | ".join(cells))
    return "\n".join(lines)


def verdict(results: dict[str, Figures | None]) -> list[str]:
    """Which aims each backend met (>= 1,000 submits/s, p50 pickup <= 10 ms)."""
    notes = []
    for backend, figures in results.items():
        if figures is None:
            continue
        if figures.submits_per_second is not None:
            met = figures.submits_per_second >= SUBMIT_AIM
            notes.append(
                f"{backend}: submits/s aim {SUBMIT_AIM:.0f}: {'met' if met else 'NOT met'}"
            )
        if figures.pickup_p50_ms is not None:
            met = figures.pickup_p50_ms <= PICKUP_AIM_MS
            notes.append(
                f"{backend}: p50 pickup aim {PICKUP_AIM_MS} ms: {'met' if met else 'NOT met'}"
            )
    return notes


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default=os.environ.get("MINERUN_TEST_DATABASE_URL", ""))
    parser.add_argument("--seconds", type=float, default=10.0, help="submit run length")
    parser.add_argument("--threads", type=int, default=4, help="client threads")
    parser.add_argument("--pickups", type=int, default=200, help="operations for pickup")
    parser.add_argument("--operations", type=int, default=400, help="lifecycle operations")
    parser.add_argument(
        "--only",
        nargs="+",
        default=["submits", "pickups", "lifecycle"],
        choices=["submits", "pickups", "lifecycle"],
    )
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--profile", type=Path, help="directory for cProfile stats")
    parser.add_argument("--profiled-serve", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    if args.profiled_serve:
        run_profiled_serve(args.profiled_serve)
        return
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    results: dict[str, Figures | None] = {}
    for backend in args.backends:
        if backend == "postgresql" and not args.pg:
            print("PostgreSQL skipped: give --pg URL or set MINERUN_TEST_DATABASE_URL")
            results[backend] = None
            continue
        results[backend] = run_backend(backend, args)
    print(f"\n{os.cpu_count()} CPUs; {args.threads} client threads; serve with 2 slots\n")
    print(table(results))
    print("\n".join(verdict(results)))


if __name__ == "__main__":
    main()
