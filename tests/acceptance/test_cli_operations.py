"""The operation commands (``minerun datasets``, ``ops``, ``webhooks``) against a live
``minerun serve``, on SQLite and PostgreSQL: what they print, their JSON, their exit codes.

Each command runs as a real process, as a user types it, with the connection in
``MINERUN_URL``/``MINERUN_TOKEN``/``MINERUN_TENANT``/``MINERUN_PROJECT``. Their output is
captured (not a terminal), so ``ops follow`` prints one line per change.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from minerun.client import Client
from tests.acceptance.processes import (
    OPERATION_TIMEOUT,
    PROJECT,
    REPO_ROOT,
    TENANT,
    Cluster,
    Node,
    minerun_command,
    wait_for,
)
from tests.conftest import BACKENDS, fresh_database

pytestmark = pytest.mark.slow

# Steps operations: three phases of 3 s, to watch; of 10 s, slow enough to be cancelled in
# its second phase however long a command takes to start on a busy machine.
SLOW = ["--param", "records=10", "--param", "sleep=0.3"]
CANCELLABLE = ["--param", "records=20", "--param", "sleep=0.5"]
COMMAND_TIMEOUT = 180.0


@dataclass
class Cli:
    """``minerun`` commands aimed at one running service."""

    node: Node
    token: str
    workdir: Path

    def env(self, **changes: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MINERUN_")}
        env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT / "src"), str(REPO_ROOT)])
        assert self.node.base_url is not None
        env.update(
            MINERUN_URL=self.node.base_url,
            MINERUN_TOKEN=self.token,
            MINERUN_TENANT=TENANT,
            MINERUN_PROJECT=PROJECT,
        )
        env.update(changes)
        return env

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*minerun_command(), *args],
            env=self.env(**env),
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
        )

    def ok(self, *args: str) -> str:
        """The output of a command that must succeed."""
        done = self.run(*args)
        assert done.returncode == 0, f"{args}: {done.returncode}\n{done.stdout}\n{done.stderr}"
        assert done.stderr == "", done.stderr
        return done.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json"))

    def start(self, *args: str) -> subprocess.Popen[str]:
        """A command left running (``ops follow``), its output captured."""
        return subprocess.Popen(
            [*minerun_command(), *args],
            env=self.env(),
            cwd=self.workdir,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def client(self) -> Client:
        return Client(self.node.base_url, self.token, TENANT, PROJECT)


@pytest.fixture(scope="module", params=BACKENDS)
def cli(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    directory = tmp_path_factory.mktemp("cli")
    (directory / "cluster").mkdir()
    with (
        fresh_database(request.param, directory) as url,
        Cluster(url, directory / "cluster") as cluster,
    ):
        token = cluster.create_token()
        yield Cli(cluster.serve(webhook_allow_private=True), token, directory)


def failed(done: subprocess.CompletedProcess[str], code: int, *expected: str) -> None:
    """The command failed with ``code``, saying each of ``expected`` on stderr, no traceback."""
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    assert done.stderr.startswith("minerun: "), done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    for text in expected:
        assert text in done.stderr, done.stderr


def header_percentages(output: str, operation_id: str) -> list[int]:
    """The percentages of ``ops follow``'s progress lines, in the order printed."""
    found = []
    for line in output.splitlines():
        if line.startswith(operation_id):
            status = line.split(" · ")[1]  # "Running 42%"
            found.append(int(status.split()[-1].rstrip("%")))
    return found


def test_upload_analyse_follow_and_fetch_the_results(
    cli: Cli, shared_data: Path, tmp_path: Path
) -> None:
    shown = cli.ok("datasets", "upload", str(shared_data / "running-example.xes"))
    assert "cases" in shown and "running-example.xes" in shown
    dataset = cli.ok("datasets", "upload", "-q", str(shared_data / "running-example.xes")).strip()
    assert cli.json("datasets", "show", dataset)["caseCount"] == 6
    assert dataset in {d["datasetId"] for d in cli.json("datasets", "list")}

    done = cli.run(
        "ops", "start", "ProcessMiningAnalysis", "--dataset", dataset, "--name", "cli", "--follow"
    )
    assert done.returncode == 0, done.stderr
    operation = done.stdout.split()[1]  # the first field printed: "operation  op-…"
    percentages = header_percentages(done.stdout, operation)
    assert percentages[-1] == 100 and percentages == sorted(percentages), done.stdout
    summary = done.stdout[done.stdout.index("summary") :]
    for phase in ("Data Loading & Validation", "Process Discovery", "Report Generation"):
        assert phase in summary
    assert f"results: minerun ops results {operation}" in summary

    status = cli.json("ops", "show", operation)
    assert (status["status"], status["operationName"]) == ("Completed", "cli")
    assert "Completed" in cli.ok("ops", "show", operation)
    listed = cli.json("ops", "list", "--status", "Completed")
    assert operation in {op["operationId"] for op in listed}
    assert all(op["status"] == "Completed" for op in listed)

    results = cli.json("ops", "results", operation, "--format", "detailed")
    assert results["success"] is True and results["summary"]["processVariants"] > 0
    readable = cli.ok("ops", "results", operation)
    assert "processVariants" in readable and "Process Mining Analysis Report" in readable

    archive = Path(cli.ok("ops", "download", operation, "-o", str(tmp_path)).strip())
    with zipfile.ZipFile(archive) as opened:
        assert len(opened.namelist()) > 1
    again = cli.ok("ops", "results", operation, "--format", "download", "-o", str(tmp_path / "z"))
    with zipfile.ZipFile(archive) as first, zipfile.ZipFile(again.strip()) as second:
        assert first.namelist() == second.namelist()
    pdf = cli.ok(
        "ops",
        "download",
        operation,
        "--artifact",
        "Process Mining Analysis Report",
        "-o",
        str(tmp_path / "report"),
    )
    assert Path(pdf.strip()).read_bytes().startswith(b"%PDF")

    cli.ok("datasets", "delete", dataset)
    failed(cli.run("datasets", "show", dataset), 1, "404")


def test_follow_ends_non_zero_on_a_cancel_and_a_retry_resumes(cli: Cli) -> None:
    operation = cli.ok("ops", "start", "Steps", *CANCELLABLE, "-q").strip()
    follower = cli.start("ops", "follow", operation)
    try:
        with cli.client() as client:
            wait_for(
                lambda: client.operation(operation).progress.current_phase == "Compute",
                OPERATION_TIMEOUT,
                "the second phase to run",
            )
        cancelled = cli.json("ops", "cancel", operation, "--reason", "from the cli")
        assert (cancelled["status"], cancelled["reason"]) == ("Cancelled", "from the cli")
        output, errors = follower.communicate(timeout=COMMAND_TIMEOUT)
    finally:
        if follower.poll() is None:
            follower.kill()
            follower.communicate()
    assert follower.returncode == 4, (output, errors)
    lines = [line for line in output.splitlines() if line.startswith(operation)]
    assert any(" | Compute " in line for line in lines), output
    assert lines[-1].split(" · ")[1].startswith("Cancelled"), output
    assert f"retry: minerun ops retry {operation}" in output

    retried = cli.run("ops", "retry", operation, "--follow")
    assert retried.returncode == 0, retried.stderr
    # The cancel lands in Compute or, on a slow machine, just after it: either way the new
    # operation reuses what the cancelled one completed and resumes at the next phase.
    phases = cli.json("ops", "show", operation)["phases"]
    done = [p["phaseName"] for p in phases if p["status"] == "Completed"]
    assert done in (["Load"], ["Load", "Compute"]), phases
    assert re.search(rf"phases reused +{', '.join(done)}\n", retried.stdout), retried.stdout
    resumed = ("Load", "Compute", "Write")[len(done)]
    assert re.search(rf"resumes at +{resumed}\n", retried.stdout), retried.stdout
    new = retried.stdout.split()[2]  # "new operation  op-…"
    assert cli.json("ops", "show", new)["retryOf"] == operation

    failed(cli.run("ops", "cancel", new), 1, "409")
    restarted = cli.json("ops", "retry", operation, "--restart")
    assert restarted["retryMode"] == "restart"
    forced = cli.json("ops", "cancel", restarted["newOperationId"], "--force")
    assert forced["forceTermination"] is True


def test_follow_lines_carry_the_running_phase_figures(cli: Cli) -> None:
    operation = cli.ok("ops", "start", "Steps", *SLOW, "-q").strip()
    done = cli.run("ops", "follow", operation)
    assert done.returncode == 0, done.stderr
    running = [line for line in done.stdout.splitlines() if " | " in line]
    assert running, done.stdout
    # "… | Compute 40% 4/10 3 rec/s ETA 1.8s computeing"
    assert any("/10" in line and "rec/s" in line and "ETA" in line for line in running)
    phases = [line.split(" | ")[1].split()[0] for line in running]
    assert phases == sorted(phases, key=("Load", "Compute", "Write").index)
    as_json = cli.run("ops", "follow", operation, "--json")
    assert as_json.returncode == 0
    assert json.loads(as_json.stdout.splitlines()[-1])["status"] == "Completed"


def test_errors_print_the_problem_and_exit_non_zero(cli: Cli, tmp_path: Path) -> None:
    failed(cli.run("ops", "show", "op-missing"), 1, "404", "op-missing")
    failed(
        cli.run("ops", "start", "ProcessMiningAnalysis", "--param", "analysisType=fast"),
        1,
        "400",
        "parameters.datasetId",
    )
    failed(cli.run("ops", "list", MINERUN_TOKEN="mrt_wrong"), 1, "401")
    failed(cli.run("ops", "list", MINERUN_TENANT=""), 2, "--tenant")
    failed(cli.run("ops", "start", "Steps", "--param", "records"), 2, "key=value")
    body = tmp_path / "body.json"
    body.write_text("{not json")
    failed(cli.run("ops", "start", "--file", str(body)), 2, "body.json")
    body.write_text(json.dumps({"operationType": "Steps", "priority": "High", "colour": 1}))
    failed(cli.run("ops", "start", "--file", str(body)), 2, "colour")
    failed(cli.run("datasets", "upload", str(tmp_path / "absent.csv")), 1, "absent.csv")


def test_a_start_from_a_body_file_with_overrides(cli: Cli, tmp_path: Path) -> None:
    body = tmp_path / "body.json"
    body.write_text(
        json.dumps(
            {
                "operationType": "Steps",
                "operationName": "from a file",
                "priority": "High",
                "parameters": {"records": 2, "chunk": 1},
            }
        )
    )
    started = cli.json("ops", "start", "--file", str(body), "--param", "records=3")
    status = cli.json("ops", "show", started["operationId"])
    assert (status["operationName"], status["priority"]) == ("from a file", "High")
    with cli.client() as client:
        final = client.wait(started["operationId"], timeout=OPERATION_TIMEOUT, poll_min=0.1)
    assert final.status == "Completed"
    assert cli.json("ops", "results", started["operationId"])["summary"]["records"] == 9


def test_webhooks_create_list_show_deliveries_delete(cli: Cli) -> None:
    made = cli.json(
        "webhooks",
        "create",
        "http://127.0.0.1:9/hooks",
        "--event",
        "operation.completed",
        "--name",
        "cli hook",
        "--filter",
        'priorities=["High"]',
    )
    hook = made["webhookId"]
    assert made["authentication"]["secret"].startswith("whsec_")
    assert made["filters"]["priorities"] == ["High"]
    assert hook in {h["webhookId"] for h in cli.json("webhooks", "list")}
    assert "cli hook" in cli.ok("webhooks", "show", hook)
    assert isinstance(cli.json("webhooks", "deliveries", hook), list)
    assert "deleted" in cli.ok("webhooks", "delete", hook)
    failed(cli.run("webhooks", "show", hook), 1, "404")


def test_a_batch_is_submitted_from_a_file_and_followed_to_its_end(cli: Cli, tmp_path: Path) -> None:
    step = {"operationType": "Steps", "parameters": {"records": 2}}
    body = {
        "batchName": "diamond",
        "operations": [
            {**step, "operationKey": "a"},
            {**step, "operationKey": "b", "dependencies": ["a"]},
            {**step, "operationKey": "c", "dependencies": ["a"]},
            {**step, "operationKey": "d", "dependencies": ["b", "c"]},
        ],
    }
    path = tmp_path / "batch.json"
    path.write_text(json.dumps(body))
    done = cli.run("batch", "submit", str(path), "--follow")
    assert done.returncode == 0, (done.stdout, done.stderr)
    lines = done.stdout.splitlines()
    assert lines[-1].endswith(": Completed") and lines[-1].startswith("batch batch-")
    batch_id = lines[-1].split()[1].rstrip(":")
    # Every operation is seen completing, and d only after both its parents.
    completed = [line.split(":")[0] for line in lines if line.endswith(": Completed")]
    assert set(completed) >= {"a", "b", "c", "d"}
    assert completed.index("d") > max(completed.index("b"), completed.index("c"))

    shown = cli.json("batch", "show", batch_id)
    assert shown["status"] == "Completed" and shown["totalOperations"] == 4
    assert batch_id in {b["batchId"] for b in cli.json("batch", "list")["batches"]}

    path.write_text(
        json.dumps({**body, "operations": [*body["operations"], body["operations"][0]]})
    )
    failed(cli.run("batch", "submit", str(path)), 1, "400", "operations")
