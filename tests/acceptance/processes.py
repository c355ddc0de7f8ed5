"""Real ``minerun`` processes for acceptance tests: start, wait until ready, signal, clean up.

A :class:`Cluster` starts ``minerun serve``, ``minerun api`` and ``minerun worker`` processes that
share one database and one data directory, the way several machines share PostgreSQL and an
artifact store. Every process it started is killed when the cluster closes, whatever the test
did, so a failing test leaves no worker running. Waiting is done by polling with short sleeps:
these tests watch real processes, so there is nothing to fake.

A process counts as ready when it says so: an API when ``/readyz`` answers, a worker when it
has logged that its slots can take work. Tests time nothing before that, so a machine busy
with other work makes them slower, not wrong; the start itself gets a generous bound.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import httpx
import psutil

REPO_ROOT = Path(__file__).resolve().parents[2]
TEST_KINDS = "minerun.kinds.builtin,tests.support.kinds"
TENANT = "6f1c2a34-8d5e-4b7a-9c01-2e3f4a5b6c7d"
PROJECT = "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d"
POLL = 0.05
# How long a process may take to start (imports, migrations, slot processes) on a machine
# busy with other work; a process that exits meanwhile fails the wait at once.
START_TIMEOUT = 180.0
# What a worker (or ``serve``) logs once every slot can take work.
WORKER_READY = "ready with"
# How long an operation of the test kinds may take to reach a state once its worker is ready:
# a bound for a busy machine, not an expectation (the first operation of a slot also waits for
# the slot to import the kinds).
OPERATION_TIMEOUT = 120.0

# Fast timings for tests: quick polling and heartbeats, leases that expire in seconds.
DEFAULT_SETTINGS: dict[str, object] = {
    "poll_seconds": 0.1,
    "heartbeat_seconds": 0.5,
    "lease_seconds": 3,
    "drain_seconds": 0.5,
    "cancel_grace_seconds": 2,
    "worker_slots": 1,
}

T = TypeVar("T")


def wait_for(
    check: Callable[[], T | None],
    timeout: float,
    what: str,
    explain: Callable[[], str] | None = None,
) -> T:
    """Poll ``check`` until it returns something truthy; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            detail = f"\n{explain()}" if explain else ""
            raise AssertionError(f"timed out after {timeout:.1f} s waiting for {what}{detail}")
        time.sleep(POLL)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def minerun_command() -> list[str]:
    """The ``minerun`` entry point of the interpreter running the tests."""
    script = Path(sys.executable).with_name("minerun")
    return [str(script)] if script.exists() else [sys.executable, "-m", "minerun.cli"]


def pid_gone(pid: int) -> bool:
    """True once ``pid`` no longer runs (an unreaped zombie does not run)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def marker_pids(marker_dir: Path, phase: str) -> list[int]:
    """The pids that ran ``phase`` of a Steps operation, one per run, in order."""
    path = marker_dir / f"{phase}.runs"
    if not path.exists():
        return []
    return [int(line) for line in path.read_text().split()]


@dataclass
class Node:
    """One running minerun process."""

    name: str
    role: str
    process: subprocess.Popen[bytes]
    log_path: Path
    base_url: str | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def worker_ready(self) -> bool:
        """Whether every slot of this worker (or ``serve``) has come up at least once."""
        return WORKER_READY in self.log_text()

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return f"--- last lines of {self.name} ({self.role}) ---\n" + "\n".join(
            text.splitlines()[-lines:]
        )

    def slot_pids(self) -> list[int]:
        """Pids of the slot processes this worker (or ``serve``) runs operations in."""
        try:
            children = psutil.Process(self.pid).children()
        except psutil.NoSuchProcess:
            return []
        pids = []
        for child in children:
            try:
                if "spawn_main" in " ".join(child.cmdline()):
                    pids.append(child.pid)
            except psutil.NoSuchProcess:
                continue
        return pids

    def send(self, sig: signal.Signals) -> None:
        if self.alive():
            self.process.send_signal(sig)

    def wait(self, timeout: float) -> int:
        """The exit code, once the process has ended within ``timeout`` seconds."""
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL, as a machine losing power would; waits until the process is gone."""
        self.send(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM, then SIGKILL if it has not exited within ``timeout`` seconds."""
        self.send(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return self.process.wait(timeout=10)


@dataclass
class Cluster:
    """minerun processes on one database and data directory; all stopped on close."""

    database_url: str
    workdir: Path
    settings: dict[str, object] = field(default_factory=dict)
    nodes: list[Node] = field(default_factory=list)

    @property
    def data_dir(self) -> Path:
        return self.workdir / "data"

    def env(self, overrides: dict[str, object]) -> dict[str, str]:
        """The environment of a minerun process: this tree's code and test kinds importable
        (ahead of any installed copy), settings as MINERUN_*."""
        env = {key: value for key, value in os.environ.items() if not key.startswith("MINERUN_")}
        env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT / "src"), str(REPO_ROOT)])
        env["PYTHONUNBUFFERED"] = "1"
        values = {
            **DEFAULT_SETTINGS,
            "kind_modules": TEST_KINDS,
            "data_dir": self.data_dir,
            "database_url": self.database_url,
            **self.settings,
            **overrides,
        }
        env.update({f"MINERUN_{key.upper()}": str(value) for key, value in values.items()})
        return env

    def _spawn(self, role: str, name: str, overrides: dict[str, object], *args: str) -> Node:
        logs = self.workdir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        log_path = logs / f"{name}.log"
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [*minerun_command(), role, *args],
                env=self.env(overrides),
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        node = Node(name, role, process, log_path)
        self.nodes.append(node)
        return node

    def _http(
        self, role: str, name: str, wait: bool, overrides: dict[str, object], *args: str
    ) -> Node:
        port = int(str(overrides.get("port", free_port())))
        node = self._spawn(role, name, {"port": port, "worker_name": name, **overrides}, *args)
        node.base_url = f"http://127.0.0.1:{port}"
        if wait:
            self.wait_ready(node)
        return node

    def serve(
        self, name: str = "serve", wait: bool = True, demo: bool = False, **overrides: object
    ) -> Node:
        """``minerun serve`` (API and embedded worker), ready to answer unless ``wait`` is off;
        with ``demo``, as ``make run`` starts it."""
        return self._http("serve", name, wait, overrides, *(["--demo"] if demo else []))

    def api(self, name: str = "api", wait: bool = True, **overrides: object) -> Node:
        """``minerun api`` (no worker), ready to answer unless ``wait`` is off."""
        return self._http("api", name, wait, overrides)

    def worker(self, name: str, wait: bool = True, **overrides: object) -> Node:
        """``minerun worker`` named ``name``, once it has started its slot processes."""
        node = self._spawn("worker", name, {"worker_name": name, **overrides})
        if wait:
            self.wait_ready(node)
        return node

    def wait_ready(self, *nodes: Node) -> None:
        """Wait until each node answers ``/readyz`` (API) and its slots can take work (worker)."""
        for node in nodes:
            wait_for(
                partial(_ready, node), START_TIMEOUT, f"{node.name} to be ready", node.log_tail
            )

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A one-off ``minerun`` command on this cluster's database, once it has ended."""
        return subprocess.run(
            [*minerun_command(), *args],
            env=self.env({}),
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
        )

    def create_token(self, tenant: str = TENANT, project: str | None = PROJECT) -> str:
        """A bearer token made with ``minerun tokens create`` (the token is its last line).

        The token commands refuse a database that does not exist yet, so the schema is made
        first, as an operator runs ``minerun migrate`` before anything else.
        """
        migrated = self.run("migrate")
        assert migrated.returncode == 0, migrated.stderr
        args = ["tokens", "create", "--tenant", tenant]
        if project is not None:
            args += ["--project", project]
        done = self.run(*args)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]

    def logs(self) -> str:
        return "\n".join(node.log_tail() for node in self.nodes)

    def close(self) -> None:
        """Kill every process still running, and the slot processes under them."""
        for node in self.nodes:
            try:
                descendants = psutil.Process(node.pid).children(recursive=True)
            except psutil.NoSuchProcess:
                descendants = []
            if node.alive():
                node.kill()
            for child in descendants:
                try:
                    child.kill()
                except psutil.NoSuchProcess:
                    continue

    def __enter__(self) -> Cluster:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _ready(node: Node) -> bool:
    if not node.alive():
        raise AssertionError(
            f"{node.name} exited with {node.process.returncode}\n{node.log_tail()}"
        )
    if node.role in ("worker", "serve") and not node.worker_ready():
        return False
    if node.base_url is None:
        return True
    try:
        return httpx.get(f"{node.base_url}/readyz", timeout=10).status_code == 200
    except httpx.HTTPError:
        return False


@dataclass
class Operations:
    """The operation endpoints of one node, for one tenant and project."""

    http: httpx.Client

    @classmethod
    def open(
        cls, node: Node, token: str, tenant: str = TENANT, project: str = PROJECT
    ) -> Operations:
        assert node.base_url is not None
        return cls(
            httpx.Client(
                base_url=f"{node.base_url}/api/{tenant}/{project}/async",
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
        )

    def start(self, parameters: dict[str, Any], **body: Any) -> str:
        """Start a Steps operation; returns its id."""
        answer = self.http.post(
            "/operation", json={"operationType": "Steps", "parameters": parameters, **body}
        )
        assert answer.status_code == 202, answer.text
        return str(answer.json()["operationId"])

    def get(self, operation_id: str) -> dict[str, Any]:
        answer = self.http.get(f"/operation/{operation_id}")
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def results(self, operation_id: str) -> dict[str, Any]:
        answer = self.http.get(f"/operation/{operation_id}/results", params={"format": "detailed"})
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def cancel(self, operation_id: str, force: bool = False) -> dict[str, Any]:
        answer = self.http.request(
            "DELETE", f"/operation/{operation_id}", json={"forceTermination": force}
        )
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def wait(
        self,
        operation_id: str,
        check: Callable[[dict[str, Any]], bool],
        timeout: float,
        what: str,
        explain: Callable[[], str] | None = None,
    ) -> dict[str, Any]:
        """The operation's status once ``check`` holds for it."""

        def current() -> dict[str, Any] | None:
            view = self.get(operation_id)
            return view if check(view) else None

        return wait_for(current, timeout, f"{operation_id} {what}", explain)

    def wait_status(
        self,
        operation_id: str,
        status: str,
        timeout: float,
        explain: Callable[[], str] | None = None,
    ) -> dict[str, Any]:
        return self.wait(
            operation_id, lambda op: op["status"] == status, timeout, f"to be {status}", explain
        )

    def close(self) -> None:
        self.http.close()


def running_phase(name: str) -> Callable[[dict[str, Any]], bool]:
    """A check: the operation runs, and ``name`` is its running phase."""

    def check(op: dict[str, Any]) -> bool:
        phases = {p["phaseName"]: p["status"] for p in op["phases"]}
        return op["status"] == "Running" and phases.get(name) == "Running"

    return check


def cluster_in(database_url: str, tmp_path: Path, **settings: object) -> Iterator[Cluster]:
    """Body of a ``cluster`` fixture: a cluster in ``tmp_path``, closed after the test."""
    with Cluster(database_url, tmp_path, dict(settings)) as cluster:
        yield cluster
