"""A client generated from the live ``/openapi.json`` by openapi-python-client works.

The generator must accept the document without a single warning (a warning means a route or
a model left out of the client), and the generated code must do a whole round trip against
a real ``minerun serve``: upload a log (the multipart form), start an analysis, follow it,
read its results and download an artifact by its path parameters, with typed answers.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.acceptance.processes import OPERATION_TIMEOUT, PROJECT, TENANT, Cluster, Node

pytestmark = pytest.mark.slow

TERMINAL = {"Completed", "Failed", "Cancelled", "Timeout"}


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[tuple[Node, str]]:
    (tmp_path / "cluster").mkdir()
    with Cluster(database_url, tmp_path / "cluster") as cluster:
        token = cluster.create_token()
        yield cluster.serve(), token


def generate(document: dict[str, Any], directory: Path) -> tuple[ModuleType, str]:
    """The generated package, imported under a name of its own; and what the generator said."""
    source = directory / "openapi.json"
    source.write_text(json.dumps(document))
    name = f"minerun_generated_{uuid.uuid4().hex[:8]}"
    bin_dir = str(Path(sys.executable).parent)  # the generator formats its output with ruff
    done = subprocess.run(
        [
            str(Path(bin_dir) / "openapi-python-client"),
            "generate",
            "--path",
            str(source),
            "--meta",
            "none",
            "--output-path",
            str(directory / name),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PATH": os.pathsep.join([bin_dir, os.environ.get("PATH", "")])},
    )
    said = done.stdout + done.stderr
    assert done.returncode == 0, said
    sys.path.insert(0, str(directory))
    try:
        return importlib.import_module(name), said
    finally:
        sys.path.remove(str(directory))


def _module(package: ModuleType, name: str) -> Any:
    return importlib.import_module(f"{package.__name__}.{name}")


def test_a_generated_client_does_a_round_trip(
    served: tuple[Node, str], shared_data: Path, tmp_path: Path
) -> None:
    node, token = served
    assert node.base_url is not None
    document = httpx.get(f"{node.base_url}/openapi.json", timeout=30).json()
    package, said = generate(document, tmp_path)
    assert "warning" not in said.lower(), said

    authenticated = _module(package, "client").AuthenticatedClient(
        base_url=node.base_url, token=token, timeout=httpx.Timeout(60.0)
    )
    with authenticated as client:
        _round_trip(package, client, shared_data / "running-example.xes")


def _round_trip(package: ModuleType, client: Any, log: Path) -> None:
    models = _module(package, "models")
    types = _module(package, "types")
    upload_dataset = _module(package, "api.datasets.upload_dataset")
    start_operation = _module(package, "api.operations.start_operation")
    get_operation = _module(package, "api.operations.get_operation")
    get_results = _module(package, "api.operations.get_operation_results")
    download_artifact = _module(package, "api.operations.download_artifact")
    scope = {"tenant_id": TENANT, "project_id": PROJECT, "client": client}

    with log.open("rb") as handle:
        form = models.DatasetUpload(
            file=types.File(payload=handle, file_name=log.name, mime_type="application/xml"),
            dataset_name="running-example",
        )
        dataset = upload_dataset.sync(**scope, body=form)
    assert isinstance(dataset, models.Dataset), dataset
    assert (dataset.case_count, dataset.event_count) == (6, 42)

    body = models.StartOperationBody(
        operation_type="ProcessMiningAnalysis",
        operation_name="Generated client",
        priority=models.Priority.HIGH,
        parameters=models.StartOperationBodyParameters.from_dict({"datasetId": dataset.dataset_id}),
    )
    started = start_operation.sync(**scope, body=body)
    assert isinstance(started, models.StartedOperation), started
    assert started.status == models.OperationStatus.INITIATED
    assert started.estimated_duration_seconds.expected_seconds > 0

    status = _wait_terminal(get_operation, scope, started.operation_id, models)
    assert status.status == models.OperationStatus.COMPLETED, status.last_error
    assert [p.status for p in status.phases] == [models.PhaseStatus.COMPLETED] * 4
    assert status.progress.percentage == 100

    results = get_results.sync(**scope, operation_id=started.operation_id)
    assert isinstance(results, models.OperationResults), results
    assert results.success is True
    assert results.summary["recordsAnalyzed"] == 42
    assert results.artifacts

    artifact = results.artifacts[0]
    downloaded = download_artifact.sync(
        **scope, operation_id=started.operation_id, artifact_id=artifact.artifact_id
    )
    assert isinstance(downloaded, types.File), downloaded
    assert len(downloaded.payload.read()) == artifact.size_bytes

    missing = get_operation.sync(**scope, operation_id=f"op-{uuid.uuid4()}")
    assert isinstance(missing, models.Problem)
    assert missing.status == 404


def _wait_terminal(
    get_operation: Any, scope: dict[str, Any], operation_id: str, models: Any
) -> Any:
    deadline = time.monotonic() + OPERATION_TIMEOUT
    while True:
        status = get_operation.sync(**scope, operation_id=operation_id)
        assert isinstance(status, models.OperationDetails), status
        if status.status.value in TERMINAL:
            return status
        assert time.monotonic() < deadline, f"still {status.status} after {OPERATION_TIMEOUT} s"
        time.sleep(0.2)
