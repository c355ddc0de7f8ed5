"""Webhook delivery: deliveries per second and latency from state change to delivery.

Run: ``.venv/bin/python benchmarks/webhooks.py`` (PostgreSQL too when
``MINERUN_TEST_DATABASE_URL`` is set). A receiver runs in its own process on 127.0.0.1 and
answers 200 at once; it notes when each delivery arrives.

- throughput: a backlog of events (operations x events each, one subscription) is written
  first, then one delivery worker sends it all; deliveries per second = events / time.
- latency: with the delivery worker running, events are written one transaction at a time
  at a steady rate; latency = arrival at the receiver - the event's timestamp (taken in
  the transaction that wrote it).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.factory import SCOPE, service, start
from tests.support.receiver import free_port

from minerun.config import Settings
from minerun.notify.deliverer import Deliverer
from minerun.store.database import Database
from minerun.store.outbox import emit
from minerun.store.webhooks import WebhookStore

OPERATIONS = 300
EVENTS_PER_OPERATION = 10
RATE = 200  # events per second in the latency run
LATENCY_SECONDS = 5.0


def _receiver(port: int, out: Any) -> None:
    """A minimal asyncio HTTP/1.1 receiver: as little CPU as possible on the receiving side,
    so that the figures measure minerun's sending, not the receiver's parsing."""
    lags: list[float] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                break
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            body = await reader.readexactly(length) if length else b""
            if head.startswith(b"POST"):
                stamp = json.loads(body)["timestamp"]
                sent = datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
                lags.append(time.time() - sent)
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
            else:
                data = json.dumps(lags).encode()
                lags.clear()
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % len(data) + data)
            await writer.drain()
        writer.close()

    async def serve() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port)
        out.put("ready")
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


def _collect(port: int) -> list[float]:
    import httpx

    return list(httpx.get(f"http://127.0.0.1:{port}/", timeout=30).json())


def _subscribe(database: Database, url: str) -> None:
    now = datetime.now(UTC)
    WebhookStore(database.engine).create(
        {
            "id": f"wh-{uuid.uuid4()}",
            "tenant_id": SCOPE.tenant_id,
            "project_id": SCOPE.project_id,
            "url": url,
            "name": "bench",
            "events": ["operation.progress"],
            "filters": {},
            "retry_policy": None,
            "headers": {},
            "secret": "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcY",
            "status": "Active",
            "created_at": now,
            "updated_at": now,
        }
    )


def _pending(database: Database) -> int:
    from sqlalchemy import func, select

    from minerun.store import tables_notify as tn

    e = tn.outbox_events.c
    with database.engine.connect() as conn:
        query = select(func.count()).where(e.status != "delivered")
        return int(conn.execute(query).scalar_one())


def run(url: str, label: str, workdir: Path) -> dict[str, Any]:
    port = free_port()
    ready: Any = multiprocessing.Queue()
    receiver = multiprocessing.Process(target=_receiver, args=(port, ready), daemon=True)
    receiver.start()
    ready.get(timeout=10)
    settings = Settings(
        data_dir=workdir,
        database_url=url,
        kind_modules="minerun.kinds.builtin,tests.support.kinds",
        webhook_allow_private=True,
        delivery_threads=16,
    )
    database = Database(url, pool_size=20)
    database.migrate()
    try:
        _subscribe(database, f"http://127.0.0.1:{port}/hook")
        svc = service(settings, database)
        ops = [start(svc).id for _ in range(OPERATIONS)]
        for _ in range(EVENTS_PER_OPERATION):
            with database.engine.begin() as conn:
                for op in ops:
                    emit(conn, op, "operation.progress")
        deliverer = Deliverer(settings, database.engine)
        total = OPERATIONS * EVENTS_PER_OPERATION
        began = time.perf_counter()
        while deliverer.run_once():
            pass
        seconds = time.perf_counter() - began
        assert _pending(database) == 0, "some events were not delivered"
        _collect(port)

        stopping = threading.Event()
        thread = threading.Thread(target=deliverer.run, args=(stopping,))
        thread.start()
        count = int(RATE * LATENCY_SECONDS)
        for i in range(count):
            with database.engine.begin() as conn:
                emit(conn, ops[i % len(ops)], "operation.progress")
            time.sleep(1.0 / RATE)
        deadline = time.monotonic() + 30
        while _pending(database) and time.monotonic() < deadline:
            time.sleep(0.05)
        stopping.set()
        thread.join()
        lags = sorted(_collect(port))
    finally:
        database.close()
        receiver.kill()
    p99 = lags[min(len(lags) - 1, int(0.99 * len(lags)))]
    return {
        "backend": label,
        "events": total,
        "per_second": total / seconds,
        "latency_events": len(lags),
        "p50_ms": statistics.median(lags) * 1000,
        "p99_ms": p99 * 1000,
    }


def _pg_url(base: str) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}", schema


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(run(f"sqlite:///{tmp}/bench.db", "SQLite", Path(tmp)))
        base = os.environ.get("MINERUN_TEST_DATABASE_URL", "")
        if base:
            url, schema = _pg_url(base)
            try:
                rows.append(run(url, "PostgreSQL", Path(tmp)))
            finally:
                with psycopg.connect(base, autocommit=True) as conn:
                    conn.execute(f"DROP SCHEMA {schema} CASCADE")
    print(
        f"{'backend':<11} {'backlog':>8} {'deliveries/s':>13} {'timed':>6} "
        f"{'p50 ms':>8} {'p99 ms':>8}"
    )
    for r in rows:
        print(
            f"{r['backend']:<11} {r['events']:>8} {r['per_second']:>13.0f} "
            f"{r['latency_events']:>6} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f}"
        )


if __name__ == "__main__":
    main()
