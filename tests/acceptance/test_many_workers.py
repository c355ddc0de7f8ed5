"""Several ``minerun worker`` processes on one PostgreSQL schema share the queue safely.

Three workers with two slots each and one ``minerun api``: sixty operations, every one run
exactly once, by one slot, with no phase run twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.acceptance.processes import (
    OPERATION_TIMEOUT,
    Cluster,
    Operations,
    marker_pids,
    wait_for,
)

pytestmark = pytest.mark.slow

WORKERS = 3
SLOTS = 2
OPERATIONS = 60
PHASES = ("Load", "Compute", "Write")


@pytest.fixture
def cluster(database_url: str, tmp_path: Path) -> Iterator[Cluster]:
    if database_url.startswith("sqlite"):
        pytest.skip(
            "several worker processes on one queue is the PostgreSQL deployment "
            "(SKIP LOCKED claims, LISTEN/NOTIFY); one machine on SQLite runs one worker"
        )
    with Cluster(database_url, tmp_path, {"worker_slots": SLOTS}) as cluster:
        yield cluster


def test_sixty_operations_over_three_workers_each_run_exactly_once(
    cluster: Cluster, tmp_path: Path
) -> None:
    token = cluster.create_token()
    api = cluster.api()
    # The workers start while the operations are submitted; all of them then compete.
    workers = [cluster.worker(f"worker-{n}", wait=False) for n in range(WORKERS)]
    ops = Operations.open(api, token)

    def submit(n: int) -> tuple[str, Path]:
        marker_dir = tmp_path / "markers" / f"op-{n}"
        marker_dir.mkdir(parents=True)
        # A few chunks per phase, so that operations overlap and claims compete.
        return ops.start({"records": 3, "sleep": 0.02, "markerDir": str(marker_dir)}), marker_dir

    with ThreadPoolExecutor(4) as pool:
        markers = dict(pool.map(submit, range(OPERATIONS)))
    cluster.wait_ready(*workers)

    def all_completed() -> bool:
        answer = ops.http.get("/operations", params={"status": "Completed", "pageSize": 1})
        return bool(answer.json()["summary"]["completed"] == OPERATIONS)

    wait_for(
        all_completed, OPERATION_TIMEOUT, f"all {OPERATIONS} operations to complete", cluster.logs
    )

    runners: Counter[str] = Counter()
    for op_id, marker_dir in markers.items():
        op = ops.get(op_id)
        assert op["status"] == "Completed"
        [attempt] = op["attemptHistory"]
        assert attempt["outcome"] == "completed"
        runners[attempt["workerNode"]] += 1
        pids = [marker_pids(marker_dir, phase) for phase in PHASES]
        assert all(len(runs) == 1 for runs in pids), f"{op_id} ran a phase twice: {pids}"
        assert len({runs[0] for runs in pids}) == 1, f"{op_id} moved between slots: {pids}"
    assert sum(runners.values()) == OPERATIONS
    assert set(runners) <= {f"worker-{n}" for n in range(WORKERS)}
    assert len(runners) >= 2, f"the work was not shared: {runners}"
    ops.close()
