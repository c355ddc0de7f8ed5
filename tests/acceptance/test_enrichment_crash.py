"""A worker SIGKILLed in the middle of a DataEnrichment: the takeover writes one dataset."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.acceptance.processes import (
    PROJECT,
    TENANT,
    Cluster,
    Operations,
    pid_gone,
    running_phase,
    wait_for,
)
from tests.support.logs import csv_log

pytestmark = pytest.mark.slow

MAPPING = {
    "caseIdColumn": "case",
    "activityColumn": "activity",
    "timestampColumn": "time",
    "resourceColumn": "who",
}


@pytest.fixture
def cluster(database_url: str, tmp_path: Path) -> Iterator[Cluster]:
    with Cluster(database_url, tmp_path, {"lease_seconds": 2.0}) as cluster:
        yield cluster


def test_a_killed_enrichment_is_taken_over_and_writes_exactly_one_dataset(
    cluster: Cluster,
) -> None:
    token = cluster.create_token()
    api = cluster.api(wait=False)
    first = cluster.worker("worker-a", wait=False)
    cluster.wait_ready(api, first)
    ops = Operations.open(api, token)
    datasets = httpx.Client(
        base_url=f"{api.base_url}/api/{TENANT}/{PROJECT}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    try:
        uploaded = datasets.post(
            "/datasets", files={"file": ("log.csv", csv_log(cases=400).encode())}, data=MAPPING
        )
        assert uploaded.status_code == 201, uploaded.text
        source = uploaded.json()
        # Enough rules that the kill lands while they run.
        rules = ["remove_duplicates", "fix_timestamps", "validate_activities"] * 150
        op_id = ops.start(
            {"datasetId": source["datasetId"], "cleaningRules": rules},
            operationType="DataEnrichment",
        )
        ops.wait(op_id, running_phase("Cleaning"), 60, "to run Cleaning", cluster.logs)
        slots = first.slot_pids()
        first.kill()
        for pid in slots:
            wait_for(lambda pid=pid: pid_gone(pid), 5, "the killed worker's slot to die")
        cluster.worker("worker-b", wait=False)
        done = ops.wait_status(op_id, "Completed", 120, cluster.logs)
        assert [a["outcome"] for a in done["attemptHistory"]] == ["lease-expired", "completed"]

        new_id = ops.results(op_id)["summary"]["datasetId"]
        listed = datasets.get("/datasets").json()["datasets"]
        derived = [d for d in listed if d["derivedFrom"] == source["datasetId"]]
        assert [d["datasetId"] for d in derived] == [new_id]
        assert derived[0]["eventCount"] == source["eventCount"]
        files = sorted(p.name for p in (cluster.data_dir / "datasets").iterdir())
        ids = sorted([source["datasetId"], new_id])
        assert files == sorted(f"{i}{s}" for i in ids for s in (".json", ".parquet"))
    finally:
        datasets.close()
        ops.close()
