"""A ``minerun worker`` process as an orchestrator and a log collector see it: its probes, its
own metrics, and JSON log lines that carry the operation's ids."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.acceptance.processes import (
    OPERATION_TIMEOUT,
    START_TIMEOUT,
    Cluster,
    Operations,
    free_port,
    wait_for,
)


def _probe(url: str) -> int | None:
    try:
        return httpx.get(url, timeout=10).status_code
    except httpx.HTTPError:
        return None


def _json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_worker_probes_metrics_and_log_lines(database_url: str, tmp_path: Path) -> None:
    with Cluster(database_url, tmp_path) as cluster:
        api = cluster.api()
        port = free_port()
        health = f"http://127.0.0.1:{port}"
        worker = cluster.worker("w1", health_port=port)
        wait_for(lambda: _probe(f"{health}/readyz") == 200, START_TIMEOUT, "readiness")
        assert _probe(f"{health}/livez") == 200
        assert _probe(f"{health}/nothing") == 404

        operations = Operations.open(api, cluster.create_token())
        try:
            operation_id = operations.start({"records": 3})
            operations.wait_status(operation_id, "Completed", OPERATION_TIMEOUT)
        finally:
            operations.close()

        text = httpx.get(f"{health}/metrics", timeout=10).text
        samples = {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
        }
        assert samples[("minerun_claims_total", (("kind", "Steps"),))] == 1
        for phase in ("Load", "Compute", "Write"):
            key = ("minerun_phase_duration_seconds_count", (("kind", "Steps"), ("phase", phase)))
            assert samples[key] == 1

        lines = wait_for(
            lambda: [
                line
                for line in _json_lines(worker.log_text())
                if line.get("operationId") == operation_id
            ],
            OPERATION_TIMEOUT,
            "the worker's lines about the operation",
        )
        events = {line.get("event"): line for line in lines}
        assert set(events) >= {"claimed", "ended"}, lines
        claimed = events["claimed"]
        assert claimed["workerNode"] == "w1" and claimed["attempt"] == 1
        assert claimed["executionId"].startswith("exec-")
        assert events["ended"]["status"] == "Completed"
        assert events["ended"]["phasesRun"] == ["Load", "Compute", "Write"]
        assert all(line["level"] and line["time"].endswith("Z") for line in lines)

        worker.send(signal.SIGTERM)
        assert worker.wait(START_TIMEOUT) == 0
