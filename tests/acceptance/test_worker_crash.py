"""Real worker processes killed, drained and cancelled while they run operations.

Each test starts a ``minerun api`` and a ``minerun worker`` on one database, runs the ``Steps``
test kind (each phase run appends its pid to ``<markerDir>/<phase>.runs``), and signals the
processes as an operator or a crashing machine would.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.acceptance.processes import (
    OPERATION_TIMEOUT,
    Cluster,
    Node,
    Operations,
    marker_pids,
    pid_gone,
    running_phase,
    wait_for,
)

pytestmark = pytest.mark.slow

LEASE_SECONDS = 2.0
DRAIN_SECONDS = 0.5
# Long enough that what must happen within the grace (a polite phase handed back, a forced
# cancel killing at once) does so on a busy machine, and what waits for it is told apart.
GRACE_SECONDS = 4.0
# A process's own exit (threads joined, connections closed) on a busy machine.
EXIT_MARGIN = 10.0
PHASES = ["Load", "Compute", "Write"]
# One second per phase: long enough to signal a process in the middle of one.
SECOND_PER_PHASE = {"records": 10, "sleep": 0.1}


@dataclass
class Setup:
    cluster: Cluster
    ops: Operations
    api: Node
    markers: Path

    def first_worker(self, slots: int = 1) -> Node:
        """Worker ``worker-a``; returns once it and the API (started with it) are ready."""
        worker = self.cluster.worker("worker-a", wait=False, worker_slots=slots)
        self.cluster.wait_ready(self.api, worker)
        return worker

    def start(self, name: str, **parameters: Any) -> tuple[str, Path]:
        """Start a Steps operation with its own marker directory."""
        markers = self.markers / name
        markers.mkdir(parents=True)
        return self.ops.start({**parameters, "markerDir": str(markers)}), markers

    def wait_running(self, op_id: str, phase: str) -> dict[str, Any]:
        return self.ops.wait(
            op_id, running_phase(phase), OPERATION_TIMEOUT, f"to run {phase}", self.cluster.logs
        )

    def wait_status(
        self, op_id: str, status: str, timeout: float = OPERATION_TIMEOUT
    ) -> dict[str, Any]:
        return self.ops.wait_status(op_id, status, timeout, self.cluster.logs)


@pytest.fixture
def setup(database_url: str, tmp_path: Path) -> Iterator[Setup]:
    """A token, then an API; each test starts its first worker while the API starts."""
    timings: dict[str, object] = {
        "lease_seconds": LEASE_SECONDS,
        "drain_seconds": DRAIN_SECONDS,
        "cancel_grace_seconds": GRACE_SECONDS,
    }
    with Cluster(database_url, tmp_path, timings) as cluster:
        token = cluster.create_token()
        api = cluster.api(wait=False)
        ops = Operations.open(api, token)
        yield Setup(cluster, ops, api, tmp_path / "markers")
        ops.close()


def _attempts(op: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(a["workerNode"], a["outcome"]) for a in op["attemptHistory"]]


def _phase_statuses(op: dict[str, Any]) -> list[str]:
    return [p["status"] for p in op["phases"]]


def test_killed_worker_is_taken_over_after_its_lease_expires(setup: Setup) -> None:
    first = setup.first_worker()
    op_id, markers = setup.start("crash", **SECOND_PER_PHASE)
    setup.wait_running(op_id, "Compute")
    [doomed_slot] = marker_pids(markers, "Compute")
    assert doomed_slot in first.slot_pids()

    first.kill()
    # The slot dies with its worker: no orphan goes on running the phase.
    wait_for(lambda: pid_gone(doomed_slot), EXIT_MARGIN, "the killed worker's slot process to die")
    killed_at = time.monotonic()
    setup.cluster.worker("worker-b", wait=False)
    done = setup.wait_status(op_id, "Completed")
    assert time.monotonic() - killed_at >= LEASE_SECONDS * 0.9, "taken over before expiry"

    [load_pid] = marker_pids(markers, "Load")
    compute_pids = marker_pids(markers, "Compute")
    [write_pid] = marker_pids(markers, "Write")
    assert load_pid == doomed_slot, "Load ran once, by the first worker, and was not redone"
    assert compute_pids[0] == doomed_slot and len(compute_pids) == 2
    assert write_pid == compute_pids[1] != doomed_slot
    assert _attempts(done) == [("worker-a", "lease-expired"), ("worker-b", "completed")]
    assert done["attempts"] == 2

    results = setup.ops.results(op_id)
    assert results["status"] == "Completed" and results["success"] is True
    runs = {p["phaseName"]: p["results"]["run"] for p in results["phaseResults"]}
    assert runs == {"Load": 1, "Compute": 2, "Write": 1}
    assert results["summary"] == {"phases": 3, "records": 30}
    names = sorted(a["name"] for a in results["artifacts"])
    assert names == sorted(f"{phase} output" for phase in PHASES)
    for artifact in results["artifacts"]:
        body = httpx.get(artifact["downloadUrl"], timeout=10)
        assert body.status_code == 200, body.text
        assert body.json()["phase"] == artifact["phaseName"]


# A phase that reports progress every 50 ms for a minute: it only ends if it is stopped.
LONG_RUN = {"records": 1200, "sleep": 0.05}


def _slot_running_load(setup: Setup, worker: Node, op_id: str, markers: Path) -> int:
    setup.wait_running(op_id, "Load")
    [pid] = marker_pids(markers, "Load")
    assert pid in worker.slot_pids()
    return pid


def test_sigterm_drains_hands_back_and_kills_a_stubborn_phase_after_the_grace(
    setup: Setup,
) -> None:
    first = setup.first_worker(slots=2)
    stubborn, stubborn_markers = setup.start("stubborn", **LONG_RUN, stubbornPhase="Load")
    polite, polite_markers = setup.start("polite", records=20, sleep=0.1)
    setup.wait_running(polite, "Compute")
    stubborn_pid = _slot_running_load(setup, first, stubborn, stubborn_markers)

    asked = time.monotonic()
    first.send(signal.SIGTERM)
    # After the drain time both phases are asked to stop: the polite one stops at its next
    # check and is handed back; the stubborn one runs on until the grace period is over.
    setup.ops.wait(
        polite, lambda op: op["status"] == "Initiated", DRAIN_SECONDS + GRACE_SECONDS, "handed back"
    )
    assert time.monotonic() - asked < DRAIN_SECONDS + GRACE_SECONDS
    assert setup.ops.get(stubborn)["status"] == "Running"
    assert not pid_gone(stubborn_pid), "a stubborn phase keeps running during the grace period"

    assert first.wait(timeout=DRAIN_SECONDS + GRACE_SECONDS + EXIT_MARGIN) == 0
    took = time.monotonic() - asked
    assert pid_gone(stubborn_pid)
    for op_id, statuses in (
        (polite, ["Completed", "Pending", "Pending"]),
        (stubborn, ["Pending", "Pending", "Pending"]),
    ):
        handed_back = setup.ops.get(op_id)
        assert handed_back["status"] == "Initiated"
        assert _attempts(handed_back) == [("worker-a", "handed-back")]
        assert _phase_statuses(handed_back) == statuses

    setup.ops.cancel(stubborn)
    setup.cluster.worker("worker-b", wait=False)
    done = setup.wait_status(polite, "Completed")
    assert _attempts(done) == [("worker-a", "handed-back"), ("worker-b", "completed")]
    [load_pid] = marker_pids(polite_markers, "Load")
    first_compute, second_compute = marker_pids(polite_markers, "Compute")
    assert load_pid == first_compute, "the second worker started at Compute, not Load"
    assert marker_pids(polite_markers, "Write") == [second_compute]
    assert second_compute != first_compute
    # Checked last so that a slow exit does not hide the checks above.
    assert DRAIN_SECONDS + GRACE_SECONDS <= took < DRAIN_SECONDS + GRACE_SECONDS + EXIT_MARGIN, (
        f"the worker took {took:.2f} s to exit after SIGTERM"
    )


def test_cooperative_cancel_stops_at_the_next_check_and_force_kills_at_once(
    setup: Setup,
) -> None:
    worker = setup.first_worker()
    polite, polite_markers = setup.start("polite", **LONG_RUN)
    pid = _slot_running_load(setup, worker, polite, polite_markers)
    setup.ops.cancel(polite, force=False)
    # The phase stops between two chunks and the same slot process takes the next operation.
    forced, forced_markers = setup.start("forced", **LONG_RUN)
    assert _slot_running_load(setup, worker, forced, forced_markers) == pid, "slot reused"
    assert marker_pids(polite_markers, "Load") == [pid]
    assert _phase_statuses(setup.ops.get(polite)) == ["Cancelled", "Skipped", "Skipped"]

    # forceTermination: the slot process is killed as soon as the worker sees the cancel.
    asked = time.monotonic()
    answer = setup.ops.cancel(forced, force=True)
    assert answer["status"] == "Cancelled" and answer["forceTermination"] is True
    # At once: well before the grace a cooperative cancel would get.
    wait_for(
        lambda: pid_gone(pid), GRACE_SECONDS, "the slot process to be killed", setup.cluster.logs
    )
    assert time.monotonic() - asked < GRACE_SECONDS
    assert _phase_statuses(setup.ops.get(forced)) == ["Cancelled", "Skipped", "Skipped"]
