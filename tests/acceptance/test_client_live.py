"""The Python client against a real ``minerun serve``: the docs' example runs as written, and
the asynchronous client does a whole round trip."""

from __future__ import annotations

import asyncio
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from minerun.client import AsyncClient, Client
from tests.acceptance.processes import PROJECT, TENANT, Cluster, Node

pytestmark = pytest.mark.slow

DOC = Path(__file__).resolve().parents[2] / "docs" / "client.md"
SLOW = {"records": 20, "sleep": 0.1}


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[tuple[Node, str]]:
    (tmp_path / "cluster").mkdir()
    with Cluster(database_url, tmp_path / "cluster") as cluster:
        token = cluster.create_token()
        yield cluster.serve(webhook_allow_private=True), token


def doc_example() -> dict[str, Any]:
    # The first block: the contract's use cases (the batch block after it is an excerpt).
    code = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.DOTALL)[0]
    namespace: dict[str, Any] = {"__name__": "client_doc"}
    exec(compile(code, str(DOC), "exec"), namespace)
    return namespace


def test_the_docs_example_runs_against_a_live_server(
    served: tuple[Node, str], shared_data: Path, tmp_path: Path
) -> None:
    node, token = served
    example = doc_example()
    with Client(node.base_url, token, TENANT, PROJECT) as client:
        found = example["analyse"](client, shared_data / "running-example.xes", tmp_path / "dl")
        assert found["listed"] is True
        assert found["summary"]["processVariants"] > 0
        with zipfile.ZipFile(found["zip"]) as archive:
            assert len(archive.namelist()) > 1
        assert found["report"].read_bytes().startswith(b"%PDF")

        assert example["cancel_then_resume"](client, "Steps", SLOW) == "Completed"
        [retried, cancelled] = list(client.operations(operation_type="Steps"))[:2]
        assert (retried.status, cancelled.status) == ("Completed", "Cancelled")

        hook_id = example["register_webhook"](client, "http://127.0.0.1:9/hooks")
        hook = client.webhook(hook_id)
        assert hook.filters["priorities"] == ["High"] and hook.secret is None


def test_the_async_client_round_trip(
    served: tuple[Node, str], shared_data: Path, tmp_path: Path
) -> None:
    node, token = served

    async def scenario() -> None:
        async with AsyncClient(node.base_url, token, TENANT, PROJECT) as client:
            dataset = await client.upload_dataset(shared_data / "running-example.xes")
            assert dataset.case_count == 6
            op = await client.start("Steps", parameters=SLOW)
            async for status in client.follow(op.operation_id, poll_min=0.1, poll_max=0.2):
                if status.progress.current_phase == "Compute":
                    break
            cancelled = await client.cancel(op.operation_id, force=True)
            assert cancelled.status == "Cancelled" and cancelled.force_termination
            retried = await client.retry(op.operation_id, mode="restart", parameters={"records": 3})
            final = await client.wait(retried.new_operation_id, poll_min=0.1)
            assert final.status == "Completed"
            results = await client.results(retried.new_operation_id, format="detailed")
            assert results.summary == {"phases": 3, "records": 9}
            archive = await client.download_results(retried.new_operation_id, tmp_path)
            assert zipfile.is_zipfile(archive)
            files = await client.download_artifacts(retried.new_operation_id, tmp_path / "a")
            assert len(files) == 3 and all(f.stat().st_size > 0 for f in files)
            await client.delete_dataset(dataset.dataset_id)
            assert [d async for d in client.datasets()] == []

    asyncio.run(scenario())
