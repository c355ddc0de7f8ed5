"""Uploads that would cost the server too much, or that it cannot name, get a clear problem."""

from __future__ import annotations

import json
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from minerun.config import Settings
from tests.support.api import Api, running_api

GIB = 1024**3
MAPPING = {"caseIdColumn": "case", "activityColumn": "activity", "timestampColumn": "time"}


def _gzip_member(data: bytes) -> bytes:
    return zlib.compress(data, wbits=31)


@pytest.fixture(scope="module")
def inflating() -> bytes:
    """A gzip member of 1 GiB of spaces: about 1 MB on the wire."""
    packer = zlib.compressobj(9, wbits=31)
    block = b" " * (1024 * 1024)
    parts = [packer.compress(block) for _ in range(GIB // len(block))]
    return b"".join([*parts, packer.flush()])


def bomb(kind: str, inflating: bytes) -> bytes:
    """A valid gzip file (three members) that decompresses to 1 GiB of one event log."""
    head, tail = (b"<log>", b"</log>") if kind == "xes" else (b"case,activity,time\n", b"")
    return _gzip_member(head) + inflating + _gzip_member(tail)


# Runs in a child process, so that its peak memory is the upload's alone. The peak is the
# kernel's VmHWM, reset just before the upload: getrusage's ru_maxrss would carry over the
# peak of the parent (pytest) from before the fork.
MEASURE = """
import json, re, sys
from pathlib import Path
from minerun.config import Settings
from tests.support.api import running_api

def status(key):
    text = Path("/proc/self/status").read_text()
    return int(re.search(key + r":\\s+(\\d+) kB", text).group(1)) * 1024

root, name, limit = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
form = json.loads(sys.argv[4])
settings = Settings(
    data_dir=root / "data",
    database_url=f"sqlite:///{root / 'minerun.db'}",
    max_decompressed_bytes=limit,
)
content = (root / name).read_bytes()
with running_api(settings, worker=False) as api:
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current size
    before = status("VmRSS")
    response = api.client.post(
        f"/api/{api.scope.tenant_id}/{api.scope.project_id}/datasets",
        files={"file": (name, content)},
        data=form,
        headers=api.headers,
    )
    after = status("VmHWM")
print(json.dumps({"status": response.status_code, "body": response.json(),
                  "before": before, "after": after}))
"""


@pytest.mark.slow
@pytest.mark.skipif(
    not Path("/proc/self/clear_refs").exists(), reason="measures memory with Linux's /proc"
)
@pytest.mark.parametrize(("name", "form"), [("bomb.xes.gz", {}), ("bomb.csv.gz", MAPPING)])
def test_a_decompression_bomb_is_refused_with_bounded_memory(
    tmp_path: Path, inflating: bytes, name: str, form: dict[str, str]
) -> None:
    (tmp_path / name).write_bytes(bomb(name.split(".")[1], inflating))
    limit = 32 * 1024**2
    run = subprocess.run(
        [sys.executable, "-c", MEASURE, str(tmp_path), name, str(limit), json.dumps(form)],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert found["status"] == 413, found["body"]
    body = found["body"]
    assert body["setting"] == "MINERUN_MAX_DECOMPRESSED_BYTES" and body["limit"] == limit
    assert "MINERUN_MAX_DECOMPRESSED_BYTES" in body["detail"]
    # Reading stops at the cap: the peak grows by a few times the cap, not by the 1 GiB
    # the file inflates to.
    assert found["after"] - found["before"] < 8 * limit
    assert found["after"] < GIB // 2


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    with running_api(settings, worker=False) as api:
        yield api


def upload(api: Api, name: str | bytes, content: bytes, **form: str) -> Any:
    return api.client.post(
        f"/api/{api.scope.tenant_id}/{api.scope.project_id}/datasets",
        files={"file": (name, content)},
        data=form,
        headers=api.headers,
    )
