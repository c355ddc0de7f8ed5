"""Cold-start benchmark: how long a fresh ``minerun serve`` takes to be useful.

Run: ``.venv/bin/python benchmarks/cold_start.py`` (part of ``make bench``). One data
directory is prepared once (schema, a token, a small generated event log uploaded); then each
run starts ``minerun serve`` on it with the production settings (two slots), and measures,
from the moment the process is started:

- listening: the ``listening on`` line (the API answers from then on), or, for a version
  that does not log it, the first answer of ``/readyz``;
- worker ready: the ``ready with N slots`` line (every slot can take work);
- first Running / first Completed: a ProcessMiningAnalysis of the uploaded log, submitted as
  soon as the API listens (what a user who waits for the line does), seen Running and then
  Completed by polling its status every 20 ms.

The runs are sequential and each server is stopped (SIGTERM) before the next starts; the table
shows every run and the median. A stop that makes the resource tracker report leaked
semaphores is counted in the last column.
"""

from __future__ import annotations

import argparse
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.acceptance.processes import PROJECT, TENANT, Cluster, Node, wait_for
from tests.support.logs import csv_log

SERVE_SETTINGS: dict[str, object] = {
    "worker_slots": 2,
    "poll_seconds": 1.0,
    "heartbeat_seconds": 5.0,
    "lease_seconds": 30.0,
    "kind_modules": "minerun.kinds.builtin",
}
MAPPING = {"caseIdColumn": "case", "activityColumn": "activity", "timestampColumn": "time"}
LIMIT = 300.0
POLL = 0.02


@dataclass(frozen=True, slots=True)
class Run:
    """Seconds from process start; None when the line never came."""

    listening: float | None
    worker_ready: float | None
    running: float
    completed: float
    leaked: bool


def _line_at(node: Node, started: float, text: str, seen: dict[str, float]) -> None:
    if text not in seen and text in node.log_text():
        seen[text] = time.monotonic() - started


def _api(node: Node, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"{node.base_url}/api/{TENANT}/{PROJECT}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )


def _answers(node: Node) -> bool:
    try:
        return httpx.get(f"{node.base_url}/readyz", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def prepare(cluster: Cluster) -> tuple[str, str]:
    """Schema, token and an uploaded dataset in the cluster's data directory."""
    token = cluster.create_token()
    node = cluster.serve("prepare", wait=False)
    wait_for(lambda: _answers(node), LIMIT, "the API to answer", node.log_tail)
    with _api(node, token) as api:
        answer = api.post(
            "/datasets", files={"file": ("log.csv", csv_log().encode())}, data=MAPPING
        )
        assert answer.status_code == 201, answer.text
        dataset = str(answer.json()["datasetId"])
    node.stop(timeout=60)
    return token, dataset


def measure(cluster: Cluster, token: str, dataset: str, n: int) -> Run:
    """One cold start: the process is started, the first operation submitted at once."""
    started = time.monotonic()
    node = cluster.serve(f"serve-{n}", wait=False)
    seen: dict[str, float] = {}

    def listening() -> bool:
        _line_at(node, started, "listening on", seen)
        _line_at(node, started, "ready with", seen)
        if not node.alive():
            raise AssertionError(node.log_tail())
        # A server without the line (an older version) is taken as listening when it answers.
        if "listening on" not in seen and _answers(node):
            seen["listening on"] = time.monotonic() - started
        return "listening on" in seen

    wait_for(listening, LIMIT, "the API to listen", node.log_tail)
    body = {
        "operationType": "ProcessMiningAnalysis",
        "operationName": "cold start",
        "parameters": {"datasetId": dataset},
    }
    marks: dict[str, float] = {}
    with _api(node, token) as api:
        op_id = api.post("/async/operation", json=body).json()["operationId"]
        while "Completed" not in marks:
            _line_at(node, started, "ready with", seen)
            status = api.get(f"/async/operation/{op_id}").json()["status"]
            if status in ("Running", "Completed"):
                marks.setdefault("Running", time.monotonic() - started)
            if status == "Completed":
                marks["Completed"] = time.monotonic() - started
            elif status in ("Failed", "Cancelled", "Timeout"):
                raise AssertionError(f"{op_id} ended {status}\n{node.log_tail()}")
            if time.monotonic() - started > LIMIT:
                raise AssertionError(f"{op_id} did not complete\n{node.log_tail()}")
            time.sleep(POLL)
    _line_at(node, started, "ready with", seen)
    node.send(signal.SIGTERM)
    try:
        node.wait(timeout=60)
    except subprocess.TimeoutExpired:
        node.kill()
    time.sleep(0.5)  # the resource tracker reports after its last user has gone
    return Run(
        seen.get("listening on"),
        seen.get("ready with"),
        marks["Running"],
        marks["Completed"],
        "leaked semaphore" in node.log_text(),
    )


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:6.2f}"


def report(runs: list[Run]) -> None:
    header = f"{'run':>6} {'listening':>10} {'worker ready':>13} {'1st Running':>12}"
    print(f"{header} {'1st Completed':>14} {'leaked':>7}")
    for n, run in enumerate(runs, 1):
        print(
            f"{n:>6} {_cell(run.listening):>10} {_cell(run.worker_ready):>13} "
            f"{_cell(run.running):>12} {_cell(run.completed):>14} {run.leaked!s:>7}"
        )

    def median(values: list[float | None]) -> float | None:
        known = [v for v in values if v is not None]
        return statistics.median(known) if known else None

    print(
        f"{'median':>6} {_cell(median([r.listening for r in runs])):>10} "
        f"{_cell(median([r.worker_ready for r in runs])):>13} "
        f"{_cell(median([r.running for r in runs])):>12} "
        f"{_cell(median([r.completed for r in runs])):>14} "
        f"{sum(r.leaked for r in runs):>7}"
    )
    print("seconds from process start; the operation is submitted when the API listens")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="minerun-cold-") as tmp:
        workdir = Path(tmp)
        url = f"sqlite:///{workdir / 'data' / 'minerun.db'}"
        with Cluster(url, workdir, dict(SERVE_SETTINGS)) as cluster:
            token, dataset = prepare(cluster)
            runs = [measure(cluster, token, dataset, n) for n in range(1, args.runs + 1)]
    report(runs)


if __name__ == "__main__":
    main()
