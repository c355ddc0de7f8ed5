"""Batch benchmark: submit latency of a 100-operation batch, and release-to-pickup latency.

Run: ``.venv/bin/python benchmarks/batches.py`` (``make bench``). PostgreSQL is measured too
when ``MINERUN_TEST_DATABASE_URL`` or ``--pg URL`` is given (in a fresh schema, dropped after).
Each backend gets its own ``minerun serve`` (API and embedded worker, two slots) with the test
kinds and production timings:

- submit latency: ``--submits`` times, one ``POST …/async/batch`` of 100 trivial Steps
  operations (one root, 98 in parallel after it, one after them all), timed at the client from
  send to the 202 answer (the whole batch is committed before it);
- release-to-pickup: chains of ``--chain`` trivial operations run one after the other; for
  each link the latency is the child's ``started_at`` (its claim) minus the parent's
  ``finished_at`` (the transaction that completed it and released the child), both as stored.

Aims: a 100-operation batch submitted in 200 ms or less, release-to-pickup p50 20 ms or less.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import itertools

from benchmarks.lifecycle import database, percentile, server

from minerun.store import tables as t
from minerun.store.engine import make_engine

SUBMIT_AIM_MS = 200.0
PICKUP_AIM_MS = 20.0
TRIVIAL: dict[str, Any] = {"operationType": "Steps", "parameters": {"records": 1}}


def op(key: str, *deps: str) -> dict[str, Any]:
    return {**TRIVIAL, "operationName": key, "operationKey": key, "dependencies": list(deps)}


def wide_batch(size: int = 100) -> dict[str, Any]:
    middle = [op(f"m{i}", "root") for i in range(size - 2)]
    sink = op("sink", *(m["operationKey"] for m in middle))
    return {"batchName": "bench", "operations": [op("root"), *middle, sink]}


def chain_batch(length: int) -> dict[str, Any]:
    keys = [f"k{i}" for i in range(length)]
    ops = [op(keys[0])] + [op(k, p) for p, k in itertools.pairwise(keys)]
    return {"batchName": "chain", "operations": ops}


def submit_latencies(client: httpx.Client, count: int) -> list[float]:
    body = wide_batch()
    timings = []
    for _ in range(count):
        began = time.perf_counter()
        answer = client.post("/batch", json=body)
        timings.append((time.perf_counter() - began) * 1000)
        assert answer.status_code == 202, answer.text
        # The next submit measures the API, not a queue of 100 operations per earlier batch.
        batch_id = answer.json()["batchId"]
        client.request("DELETE", f"/batch/{batch_id}", json={})
    return timings


def wait_completed(client: httpx.Client, batch_id: str, timeout: float = 600.0) -> None:
    """Poll the batch twice a second: a tighter poll would load the server being measured
    (the API and the worker share its process)."""
    deadline = time.monotonic() + timeout
    while client.get(f"/batch/{batch_id}").json()["status"] != "Completed":
        if time.monotonic() > deadline:
            raise TimeoutError(f"batch {batch_id} did not complete in {timeout:.0f} s")
        time.sleep(0.5)


def release_latencies(client: httpx.Client, url: str, length: int, chains: int) -> list[float]:
    engine = make_engine(url, pool_size=1)
    o = t.operations.c
    latencies: list[float] = []
    try:
        for _ in range(chains):
            answer = client.post("/batch", json=chain_batch(length))
            assert answer.status_code == 202, answer.text
            batch_id = answer.json()["batchId"]
            wait_completed(client, batch_id)
            with engine.connect() as conn:
                rows = conn.execute(
                    select(o.operation_key, o.started_at, o.finished_at).where(
                        o.batch_id == batch_id
                    )
                ).all()
            times = {key: (started, finished) for key, started, finished in rows}
            for i in range(1, length):
                child_start = times[f"k{i}"][0]
                parent_end = times[f"k{i - 1}"][1]
                latencies.append((child_start - parent_end).total_seconds() * 1000)
    finally:
        engine.dispose()
    return latencies


def measure(backend: str, pg_url: str, args: argparse.Namespace) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp, database(backend, pg_url, Path(tmp)) as url:
        with server(url, Path(tmp), None) as srv, srv.client() as client:
            submits = submit_latencies(client, args.submits)
            releases = release_latencies(client, url, args.chain, args.chains)
    return {
        "submit p50 ms": percentile(submits, 0.5),
        "submit p99 ms": percentile(submits, 0.99),
        "release->pickup p50 ms": percentile(releases, 0.5),
        "release->pickup p99 ms": percentile(releases, 0.99),
        "links measured": float(len(releases)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default=os.environ.get("MINERUN_TEST_DATABASE_URL", ""))
    parser.add_argument("--submits", type=int, default=20)
    parser.add_argument("--chain", type=int, default=21)
    parser.add_argument("--chains", type=int, default=3)
    args = parser.parse_args()
    backends = ["sqlite"] + (["postgresql"] if args.pg else [])
    results = {backend: measure(backend, args.pg, args) for backend in backends}
    names = list(next(iter(results.values())))
    print(f"{'figure':<26}" + "".join(f"{b:>14}" for b in backends))
    for name in names:
        print(f"{name:<26}" + "".join(f"{results[b][name]:>14.1f}" for b in backends))
    print(f"aims: submit <= {SUBMIT_AIM_MS:.0f} ms, release->pickup p50 <= {PICKUP_AIM_MS:.0f} ms")


if __name__ == "__main__":
    main()
