"""The README's five-minute tour, run as written: its shell blocks, in order, in a shell, against
``minerun serve --demo`` (what ``make run`` starts), with the ``export`` line that it prints.

The tour runs from a project directory with ``../shared/data`` beside it and ``.venv`` in it,
as on a fresh clone after ``make run``; here ``.venv`` is the environment running the tests.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.acceptance.processes import REPO_ROOT, Cluster

pytestmark = pytest.mark.slow

README = REPO_ROOT / "README.md"
# Placeholder of the tour for the line that ``make run`` prints.
PLACEHOLDER = re.compile(r"^export MINERUN_URL=.*MINERUN_TOKEN=mrt_\.\.\.$", re.MULTILINE)


def tour_script(exports: str) -> str:
    """The tour's shell blocks, in order, each command echoed before it runs; the admin block
    (which makes tokens and starts servers) is left out."""
    readme = README.read_text()
    tour = readme[readme.index("## A five-minute tour") : readme.index("## Configuration")]
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", tour, flags=re.DOTALL):
        if "minerun serve" in block:
            continue
        for line in PLACEHOLDER.sub(exports, block).splitlines():
            lines += [f"echo '$ {line.replace(chr(39), '')}'", line]
    return "\n".join(lines) + "\n"


def test_the_readme_tour_works_as_written(shared_data: Path, tmp_path: Path) -> None:
    project = tmp_path / "minerun"
    project.mkdir()
    (tmp_path / "shared").symlink_to(shared_data.parent, target_is_directory=True)
    (project / ".venv").symlink_to(Path(sys.executable).parents[1], target_is_directory=True)
    assert (project / ".venv" / "bin" / "activate").exists()

    with Cluster("", tmp_path / "service") as cluster:
        (tmp_path / "service").mkdir()
        node = cluster.serve(demo=True, worker_slots=2)
        printed = node.log_text()
        exports = next(
            line.strip() for line in printed.splitlines() if line.strip().startswith("export ")
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("MINERUN_")}
        env["PYTHONPATH"] = str(REPO_ROOT / "src")
        done = subprocess.run(
            ["bash", "-c", tour_script(exports)],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Traceback" not in output
    # Each step did what the README says it does.
    assert re.search(r"events +262,200", output), output
    assert re.search(r"status +Completed", output), output
    assert (project / "downloads" / "report.pdf").read_bytes().startswith(b"%PDF")
    assert list((project / "downloads").glob("*-results.zip"))
    assert re.search(r"status +Cancelled", output), output
    assert "exit code 4" in output
    assert re.search(r"phases reused +Data Loading & Validation", output), output
    assert "409 Conflict" in output and "404 Not Found" in output
    assert "whsec_" in output
