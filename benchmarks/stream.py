"""Event streams: latency from a committed state change to the SSE event at the client, and
how many idle streams one API process holds, with its memory.

Run: ``.venv/bin/python benchmarks/stream.py`` (PostgreSQL too when
``MINERUN_TEST_DATABASE_URL`` is set). One ``minerun api`` process (no worker) serves the
streams; this script writes the events itself, as a worker does: one transaction per event,
through the outbox writer.

- latency: one project stream is open; events are committed one at a time at a steady
  rate; latency = arrival of the event at the client - the moment its transaction committed
  (both clocks are this machine's).
- idle streams: N project streams are opened (a light asyncio client, headers read, then
  idle); the API process's resident memory is read after each step; then one event is
  committed and the time until every stream has received it is measured (fan-out).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psutil
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.acceptance.processes import PROJECT, TENANT, TEST_KINDS, Cluster
from tests.support.factory import service, start
from tests.support.sse import events

from minerun.config import Settings
from minerun.domain.records import Scope
from minerun.store.database import Database
from minerun.store.outbox import emit

RATE = 20  # events per second in the latency run
LATENCY_EVENTS = 300
IDLE_STEPS = (250, 500, 1000, 2000)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _rss_mb(pid: int) -> float:
    process = psutil.Process(pid)
    total = process.memory_info().rss
    for child in process.children(recursive=True):
        total += child.memory_info().rss
    return total / 1024**2


def _latency(database: Database, base: str, token: str, operations: list[str]) -> list[float]:
    committed: dict[str, float] = {}
    arrived: dict[str, float] = {}
    ready = threading.Event()

    def listen() -> None:
        url = f"{base}/events"
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.stream("GET", url, headers=headers, timeout=None) as answer:
            ready.set()
            for event in events(answer):
                arrived[event.document["id"]] = time.time()
                if len(arrived) >= LATENCY_EVENTS:
                    return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    ready.wait(30)
    time.sleep(0.5)  # the stream's first read has happened: what follows is new
    for i in range(LATENCY_EVENTS):
        with database.engine.begin() as conn:
            emit(conn, operations[i % len(operations)], "operation.progress")
        moment = time.time()
        with database.engine.connect() as conn:
            body = conn.exec_driver_sql(
                "SELECT body FROM outbox_events WHERE target_kind = 'stream' "
                "ORDER BY seq DESC LIMIT 1"
            ).scalar()
        committed[json.loads(str(body))["id"]] = moment
        time.sleep(1 / RATE)
    listener.join(30)
    return [(arrived[k] - committed[k]) * 1000 for k in committed if k in arrived]


async def _open_idle(host: str, port: int, path: str, token: str, count: int) -> list[Any]:
    async def one() -> Any:
        reader, writer = await asyncio.open_connection(host, port)
        request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\r\n"
        writer.write(request.encode())
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        assert b" 200 " in head.split(b"\r\n")[0], head
        return reader, writer

    opened = []
    for start_at in range(0, count, 100):  # in waves: the accept queue is finite
        opened += await asyncio.gather(*(one() for _ in range(min(100, count - start_at))))
    return opened


async def _fan_out(streams: list[Any], commit: Any) -> list[float]:
    async def until_event(reader: asyncio.StreamReader) -> float:
        while True:
            line = await reader.readline()
            if line.startswith(b"id:"):
                return time.time()

    waiting = [asyncio.create_task(until_event(r)) for r, _ in streams]
    await asyncio.sleep(0.2)
    moment = await asyncio.to_thread(commit)
    done = await asyncio.wait_for(asyncio.gather(*waiting), timeout=120)
    return [(t - moment) * 1000 for t in done]


def _idle(
    database: Database, node_pid: int, base_url: str, token: str, operation: str
) -> list[dict[str, Any]]:
    host, port = base_url.removeprefix("http://").split(":")
    path = f"/api/{TENANT}/{PROJECT}/async/events"

    def commit() -> float:
        with database.engine.begin() as conn:
            emit(conn, operation, "operation.progress")
        return time.time()

    async def run() -> list[dict[str, Any]]:
        rows = []
        streams: list[Any] = []
        base_rss = _rss_mb(node_pid)
        for step in IDLE_STEPS:
            streams += await _open_idle(host, int(port), path, token, step - len(streams))
            await asyncio.sleep(1.0)
            rss = _rss_mb(node_pid)
            lags = await _fan_out(streams, commit)
            rows.append(
                {
                    "streams": len(streams),
                    "rss": rss,
                    "per_stream_kb": (rss - base_rss) * 1024 / len(streams),
                    "fan_p50": statistics.median(lags),
                    "fan_max": max(lags),
                }
            )
        for _, writer in streams:
            writer.close()
        return rows

    return asyncio.run(run())


def run(url: str, label: str, workdir: Path) -> dict[str, Any]:
    settings = Settings(data_dir=workdir / "data", database_url=url, kind_modules=TEST_KINDS)
    database = Database(url, pool_size=5)
    database.migrate()
    svc = service(settings, database)
    operations = [start(svc, scope=Scope(TENANT, PROJECT), records=10).id for _ in range(20)]
    with Cluster(url, workdir, settings={"api_processes": 1}) as cluster:
        token = cluster.create_token()
        node = cluster.api("api")
        base = f"{node.base_url}/api/{TENANT}/{PROJECT}/async"
        lags = _latency(database, base, token, operations)
        idle = _idle(database, node.pid, node.base_url, token, operations[0])
    database.close()
    return {"label": label, "lags": lags, "idle": idle}


def _pg_url(base: str) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}", schema


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "sqlite").mkdir()
        rows.append(run(f"sqlite:///{tmp}/sqlite/bench.db", "SQLite", Path(tmp) / "sqlite"))
        pg = os.environ.get("MINERUN_TEST_DATABASE_URL")
        if pg:
            url, schema = _pg_url(pg)
            (Path(tmp) / "pg").mkdir()
            try:
                rows.append(run(url, "PostgreSQL", Path(tmp) / "pg"))
            finally:
                with psycopg.connect(pg, autocommit=True) as conn:
                    conn.execute(f"DROP SCHEMA {schema} CASCADE")
    print(f"\nlatency: commit -> SSE event at the client, {RATE} events/s, one API process")
    print(f"{'database':<12}{'events':>8}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for row in rows:
        lags = row["lags"]
        print(
            f"{row['label']:<12}{len(lags):>8}{statistics.median(lags):>10.1f}"
            f"{_percentile(lags, 0.99):>10.1f}{max(lags):>10.1f}"
        )
    print("\nidle project streams on one API process: memory, and one event to all of them")
    print(
        f"{'database':<12}{'streams':>8}{'RSS MB':>9}{'KB/stream':>11}"
        f"{'fan-out p50 ms':>16}{'fan-out max ms':>16}"
    )
    for row in rows:
        for step in row["idle"]:
            print(
                f"{row['label']:<12}{step['streams']:>8}{step['rss']:>9.0f}"
                f"{step['per_stream_kb']:>11.1f}{step['fan_p50']:>16.0f}{step['fan_max']:>16.0f}"
            )


if __name__ == "__main__":
    main()
