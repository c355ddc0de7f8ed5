"""How fast `GET …/async/operations` answers with 100,000 operations in one project.

Fills a fresh database (SQLite, and PostgreSQL when MINERUN_TEST_DATABASE_URL or --pg is
given) with operations spread over statuses, priorities and a month of creation dates, then
times the listing queries the API runs (a page plus the per-status counts), through the store.

    python benchmarks/listing.py [--operations 100000] [--pg postgresql://…]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import insert

from minerun.domain.records import Scope
from minerun.domain.statuses import OperationStatus
from minerun.store import tables as t
from minerun.store.database import Database
from minerun.store.operations import ListFilters

SCOPE = Scope(str(uuid.uuid4()), str(uuid.uuid4()))
STATUSES = ["Completed"] * 7 + ["Failed", "Cancelled", "Running", "Initiated"]
PRIORITIES = ["Low", "Normal", "Normal", "High", "Critical"]
QUERIES: dict[str, tuple[ListFilters, int]] = {
    "first page": (ListFilters(), 1),
    "page 200": (ListFilters(), 200),
    "status=Running": (ListFilters(status=OperationStatus.RUNNING), 1),
    "priority=High": (ListFilters(priority="High"), 1),
    "one week": (
        ListFilters(
            date_from=datetime(2026, 3, 8, tzinfo=UTC), date_to=datetime(2026, 3, 15, tzinfo=UTC)
        ),
        1,
    ),
}


def _row(n: int, start: datetime) -> dict[str, Any]:
    created = start + timedelta(seconds=n * 26)
    return {
        "id": f"op-{uuid.uuid4()}",
        "tenant_id": SCOPE.tenant_id,
        "project_id": SCOPE.project_id,
        "operation_type": "ProcessMiningAnalysis",
        "operation_name": f"analysis {n}",
        "operation_description": None,
        "priority": PRIORITIES[n % len(PRIORITIES)],
        "status": STATUSES[n % len(STATUSES)],
        "parameters": {"datasetId": str(uuid.uuid4())},
        "callbacks": None,
        "notifications": None,
        "timeout_seconds": 3600,
        "retry_policy": {},
        "resources": {"cpuUnits": 2, "memoryGB": 4, "estimatedCost": 0.01},
        "estimate": {
            "lowSeconds": 45,
            "expectedSeconds": 60,
            "highSeconds": 75,
            "basis": "default",
            "samples": 0,
            "totalRecords": None,
        },
        "created_by": "bench",
        "created_at": created,
        "timeout_at": created + timedelta(hours=1),
        "started_at": None,
        "finished_at": None,
        "queue_key": created.timestamp(),
        "run_after": created,
        "claims": 0,
        "failures": 0,
        "processed_records": 0,
        "cpu_seconds": 0.0,
        "run_seconds": 0.0,
        "retry_number": 0,
    }


def fill(database: Database, count: int) -> float:
    start = datetime(2026, 3, 1, tzinfo=UTC)
    began = time.perf_counter()
    with database.engine.begin() as conn:
        for offset in range(0, count, 5000):
            rows = [_row(n, start) for n in range(offset, min(offset + 5000, count))]
            conn.execute(insert(t.operations), rows)
    return time.perf_counter() - began


def measure(database: Database, repeat: int) -> dict[str, float]:
    timings = {}
    for name, (filters, page) in QUERIES.items():
        samples = []
        for _ in range(repeat):
            began = time.perf_counter()
            database.operations.page(SCOPE, filters, page, 20, details=False)
            samples.append(time.perf_counter() - began)
        timings[name] = statistics.median(samples) * 1000
    return timings


def _postgres(url: str) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}", schema


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--operations", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--pg", default=os.environ.get("MINERUN_TEST_DATABASE_URL", ""))
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        targets = {"SQLite": f"sqlite:///{Path(folder) / 'bench.db'}"}
        schema = None
        if args.pg:
            targets["PostgreSQL"], schema = _postgres(args.pg)
        for name, url in targets.items():
            database = Database(url)
            database.migrate()
            seconds = fill(database, args.operations)
            with database.engine.begin() as conn:  # what autovacuum or sqlite's optimize does
                conn.exec_driver_sql("ANALYZE")
            print(f"{name}: inserted {args.operations} operations in {seconds:.1f} s")
            results[name] = measure(database, args.repeat)
            database.close()
        if schema:
            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")
    names = list(results)
    print(
        f"\nGET …/async/operations with {args.operations:,} operations "
        f"(page of 20 + counts per status; median ms)\n"
    )
    print("| query | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for query in QUERIES:
        print(f"| {query} | " + " | ".join(f"{results[n][query]:.1f}" for n in names) + " |")


if __name__ == "__main__":
    main()
