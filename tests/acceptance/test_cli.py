"""The ``minerun`` command as a newcomer meets it: ``make run``'s start, stop and tokens.

These run on the default SQLite database in a data directory, as ``make run`` does.
"""

from __future__ import annotations

import shlex
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.acceptance.processes import (
    START_TIMEOUT,
    Cluster,
    Node,
    free_port,
    minerun_command,
    pid_gone,
    wait_for,
)

pytestmark = pytest.mark.slow

DEMO_TENANT = "00000000-0000-4000-8000-000000000001"
DEMO_PROJECT = "00000000-0000-4000-8000-000000000002"


def _line_after(text: str, marker: str) -> str:
    lines = text.splitlines()
    return next(lines[n + 1] for n, line in enumerate(lines) if marker in line).strip()


def _token_works(node: Node, token: str) -> bool:
    answer = httpx.get(
        f"{node.base_url}/api/{DEMO_TENANT}/{DEMO_PROJECT}/async/operations",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    return answer.status_code == 200


def _stop(node: Node) -> str:
    """SIGTERM, as a process manager stops the service; its whole output once it has ended."""
    # The resource tracker, a process of its own, reports leaks after the service has gone.
    trackers = [
        child.pid
        for child in psutil.Process(node.pid).children()
        if "resource_tracker" in " ".join(child.cmdline())
    ]
    node.send(signal.SIGTERM)
    node.wait(timeout=START_TIMEOUT)
    for pid in trackers:
        wait_for(lambda pid=pid: pid_gone(pid), 30, "the resource tracker to exit")
    return node.log_text()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    # No database URL: the SQLite file in the data directory, as `make run` uses.
    with Cluster("", tmp_path) as cluster:
        yield cluster


def test_a_busy_port_ends_serve_before_the_demo_token_is_made(cluster: Cluster) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        node = cluster.serve("clash", wait=False, demo=True, port=port)
        code = node.wait(timeout=START_TIMEOUT)
    output = node.log_text()
    assert code != 0
    assert f"127.0.0.1:{port}" in output and "--port" in output, output
    assert "demo token" not in output, "a token shown by a server that could not start is lost"
    assert not (cluster.data_dir / "minerun.db").exists()


def test_serve_says_when_it_is_ready_stops_cleanly_and_tells_how_to_get_a_token(
    cluster: Cluster, tmp_path: Path
) -> None:
    port = free_port()
    first = cluster.serve("first", demo=True, port=port)
    output = first.log_text()
    token = _line_after(output, "demo project:").removeprefix("demo token:").strip()
    assert output.index("demo token:") < output.index(f"listening on http://127.0.0.1:{port}")
    assert "ready with 1 slot" in output
    assert _token_works(first, token)
    # The variables it prints for the operation commands work as given.
    exports = _line_after(output, "for the command line").removeprefix("export ").split()
    env = {**cluster.env({}), **dict(pair.split("=", 1) for pair in exports)}
    assert env["MINERUN_TOKEN"] == token
    listed = subprocess.run(
        [*minerun_command(), "ops", "list"], env=env, capture_output=True, text=True, timeout=120
    )
    assert (listed.returncode, listed.stdout.strip()) == (0, "(none)"), listed.stderr
    stopped = _stop(first)
    assert "leaked" not in stopped, stopped

    second = cluster.serve("second", demo=True, port=port)
    hint = _line_after(second.log_text(), "tokens exist already")
    assert "demo token:" not in second.log_text()
    # The command it suggests works as given, from any directory, without the settings.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = cluster.env({})
    del env["MINERUN_DATA_DIR"]
    made = subprocess.run(
        shlex.split(hint), env=env, cwd=elsewhere, capture_output=True, text=True, timeout=120
    )
    assert made.returncode == 0, made.stderr
    assert _token_works(second, made.stdout.strip().splitlines()[-1])
    assert not (elsewhere / "var").exists()
    assert "leaked" not in _stop(second)


def test_token_commands_refuse_a_directory_without_the_database(tmp_path: Path) -> None:
    env = Cluster("", tmp_path).env({})
    del env["MINERUN_DATA_DIR"]
    del env["MINERUN_DATABASE_URL"]
    for command in (["list"], ["create", "--tenant", DEMO_TENANT]):
        done = subprocess.run(
            [*minerun_command(), "tokens", *command],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode != 0
        assert "MINERUN_DATA_DIR" in done.stderr and str(tmp_path / "var") in done.stderr
        assert not (tmp_path / "var" / "minerun.db").exists(), "an empty database was made"
