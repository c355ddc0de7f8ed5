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


def raw_upload(api: Api, filename: str, content: bytes, **form: str) -> Any:
    """A multipart upload written by hand, so the file name arrives exactly as given."""
    parts = [
        f'--B\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in form.items()
    ]
    head = f'--B\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
    parts.append(head.encode() + b"Content-Type: text/csv\r\n\r\n" + content + b"\r\n")
    return api.client.post(
        f"/api/{api.scope.tenant_id}/{api.scope.project_id}/datasets",
        content=b"".join(parts) + b"--B--\r\n",
        headers={**api.headers, "Content-Type": "multipart/form-data; boundary=B"},
    )


@pytest.mark.parametrize(
    "name",
    [".", "..", "../..", "a" * 252 + ".csv", "é" * 126 + ".csv", "log\x00.csv", "x/../.."],
)
def test_an_unusable_file_name_is_refused_before_anything_is_written(
    api: Api, settings: Settings, name: str
) -> None:
    response = raw_upload(api, name, b"case,activity,time\nc,a,2024-01-01\n", **MAPPING)
    assert response.status_code == 400, response.text
    assert "file" in {e["field"] for e in response.json()["errors"]}
    uploads = settings.data_dir / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


def test_a_long_but_valid_file_name_is_kept_as_the_label(api: Api) -> None:
    name = "é" * 125 + ".csv"  # 254 bytes
    response = upload(api, name, b"case,activity,time\nc,a,2024-01-01\n", **MAPPING)
    assert response.status_code == 201, response.text
    assert response.json()["originalFilename"] == name == response.json()["datasetName"]


def test_a_dataset_name_longer_than_stored_is_refused(api: Api) -> None:
    response = upload(
        api, "log.csv", b"case,activity,time\nc,a,2024-01-01\n", datasetName="n" * 501, **MAPPING
    )
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == "datasetName"


def test_a_codec_that_decodes_to_invalid_text_is_an_encoding_problem(api: Api) -> None:
    content = b"case,activity,time\nc,\\ud800,2024-01-01\n"
    response = upload(api, "log.csv", content, encoding="unicode_escape", **MAPPING)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "encoding"


@pytest.mark.parametrize("page", ["99999999999999999999", "1000001", "0"])
def test_the_dataset_list_bounds_its_page(api: Api, page: str) -> None:
    url = f"/api/{api.scope.tenant_id}/{api.scope.project_id}/datasets?page={page}"
    response = api.client.get(url, headers=api.headers)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == "page"


def test_the_last_page_allowed_answers_an_empty_list(api: Api) -> None:
    url = f"/api/{api.scope.tenant_id}/{api.scope.project_id}/datasets?page=1000000"
    response = api.client.get(url, headers=api.headers)
    assert response.status_code == 200, response.text
    assert response.json()["datasets"] == []
