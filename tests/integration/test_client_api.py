"""The Python client against the in-process API with its worker, blocking and with asyncio."""

from __future__ import annotations

import asyncio
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from minerun.client import (
    AsyncClient,
    Client,
    Conflict,
    InvalidInput,
    NotFound,
    Unauthorized,
    verify_webhook,
)
from minerun.config import Settings
from tests.support.api import Api, running_api
from tests.support.factory import wait_for
from tests.support.receiver import Receiver

EVENTS = ["operation.completed"]
CSV_MAPPING = {
    "case_id": "case:concept:name",
    "activity": "concept:name",
    "timestamp": "time:timestamp",
}


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    local = settings.model_copy(update={"webhook_allow_private": True})
    with running_api(local) as api:
        yield api


class InProcess(httpx.BaseTransport):
    """Sends each request through the TestClient, so it reaches the app in this process."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        # The TestClient speaks httpx2, the client httpx: the request is copied across.
        answer = self.client.request(
            request.method, str(request.url), headers=dict(request.headers), content=request.read()
        )
        # The content is already decoded: its encoding header no longer applies.
        headers = [(k, v) for k, v in answer.headers.items() if k.lower() != "content-encoding"]
        return httpx.Response(answer.status_code, headers=headers, content=answer.content)


def sync_client(api: Api, token: str | None = None) -> Client:
    scope = api.scope
    return Client(
        "http://testserver",
        token or api.token,
        scope.tenant_id,
        scope.project_id,
        transport=InProcess(api.client),
    )


def test_datasets_operations_and_results(api: Api, shared_data: Path, tmp_path: Path) -> None:
    with sync_client(api) as client:
        dataset = client.upload_dataset(
            shared_data / "running-example.csv", name="running example", **CSV_MAPPING
        )
        assert (dataset.case_count, dataset.event_count, dataset.activity_count) == (6, 42, 8)
        assert client.dataset(dataset.dataset_id).dataset_name == "running example"
        assert [d.dataset_id for d in client.datasets()] == [dataset.dataset_id]

        started = client.start("Steps", name="three", parameters={"records": 3}, priority="High")
        assert started.status == "Initiated" and started.priority == "High"
        final = client.wait(started.operation_id, timeout=60, poll_min=0.05, poll_max=0.5)
        assert final.status == "Completed" and final.progress.percentage == 100
        assert final.execution and final.execution.processed_records == 3

        summary = client.results(started.operation_id)
        assert summary.success and summary.summary == {"phases": 3, "records": 9}
        assert all(p.results is None for p in summary.phase_results)
        detailed = client.results(started.operation_id, format="detailed")
        assert [p.results and p.results["records"] for p in detailed.phase_results] == [3, 3, 3]
        phase = client.results(started.operation_id, phase="Compute")
        assert [p.phase_name for p in phase.phase_results if p.results] == ["Compute"]

        archive = client.download_results(started.operation_id, tmp_path / "zip")
        with zipfile.ZipFile(archive) as opened:
            names = opened.namelist()
        assert len(names) == 4, names  # the results and the three artifacts
        saved = client.download_artifacts(started.operation_id, tmp_path / "files")
        assert sorted(p.relative_to(tmp_path / "files").as_posix() for p in saved) == [
            "Compute/compute.json",
            "Load/load.json",
            "Write/write.json",
        ]
        assert b'"records": 3' in saved[0].read_bytes()

        items = list(client.operations(status="Completed", operation_type="Steps", page_size=1))
        assert [op.operation_id for op in items] == [started.operation_id]
        page = client.operations_page(status="Completed")
        assert page.summary["completed"] == 1 and page.summary["totalOperations"] == 1
        assert list(client.operations(status="Failed")) == []
        [detailed] = client.detailed_operations(operation_type="Steps", priority="High")
        assert detailed.operation_id == started.operation_id and detailed.phases

        client.delete_dataset(dataset.dataset_id)
        with pytest.raises(NotFound):
            client.dataset(dataset.dataset_id)


def test_errors_come_back_as_the_client_exceptions(api: Api) -> None:
    with sync_client(api) as client:
        with pytest.raises(InvalidInput) as bad:
            client.start("Steps", parameters={"records": -1})
        assert {"field": "parameters.records", "reason": "must be a non-negative integer"} in (
            bad.value.errors
        )
        with pytest.raises(NotFound):
            client.operation("00000000-0000-4000-8000-000000000000")
        running = client.start("Steps", parameters={"records": 50, "sleep": 0.1})
        with pytest.raises(Conflict):
            client.results(running.operation_id)
        client.cancel(running.operation_id, force=True)
    with sync_client(api, token="not-a-token") as stranger, pytest.raises(Unauthorized):
        list(stranger.datasets())


def test_cancel_then_resume_or_restart(api: Api, tmp_path: Path) -> None:
    with sync_client(api) as client:
        slow = {"records": 20, "sleep": 0.05}
        op = client.start("Steps", parameters=slow)
        wait_for(lambda: client.operation(op.operation_id).progress.current_phase == "Compute")
        cancelled = client.cancel(op.operation_id, reason="enough")
        assert cancelled.status == "Cancelled" and cancelled.reason == "enough"
        assert cancelled.phase_at_cancellation == "Compute"
        assert cancelled.partial_results["completedPhases"] == 1

        resumed = client.retry(op.operation_id)
        assert resumed.retry_mode == "resume" and resumed.resume_from_phase == "Compute"
        done = client.wait(resumed.new_operation_id, timeout=60, poll_min=0.05, poll_max=0.5)
        assert done.status == "Completed" and done.retry_of == op.operation_id

        again = client.retry(
            op.operation_id, mode="restart", reason="faster", parameters={"records": 2}
        )
        assert again.retry_mode == "restart" and again.retry_number == 2
        assert again.resume_from_phase in (None, "Load")
        assert client.wait(again.new_operation_id, poll_min=0.05).status == "Completed"
        assert client.results(again.new_operation_id).summary == {"phases": 3, "records": 6}
        with pytest.raises(Conflict):
            client.cancel(again.new_operation_id)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


def test_webhook_lifecycle_ping_and_redelivery(api: Api, receiver: Receiver) -> None:
    with sync_client(api) as client:
        hook = client.create_webhook(receiver.url, EVENTS, name="main", headers={"X-A": "1"})
        assert hook.secret and hook.secret.startswith("whsec_") and hook.status == "Active"
        assert client.webhook(hook.webhook_id).secret is None, "shown once"
        assert [w.webhook_id for w in client.webhooks()] == [hook.webhook_id]
        paused = client.update_webhook(hook.webhook_id, status="Paused", name="renamed")
        assert (paused.status, paused.webhook_name) == ("Paused", "renamed")
        client.update_webhook(hook.webhook_id, status="Active")

        ping = client.test_webhook(hook.webhook_id)
        assert ping.event_type == "webhook.test"
        [request] = wait_for(lambda: receiver.of_type("webhook.test"))
        assert verify_webhook(hook.secret, request.headers, request.body)["type"] == "webhook.test"
        [attempt] = wait_for(lambda: list(client.deliveries(hook.webhook_id)))
        assert attempt.success and attempt.event_type == "webhook.test"
        client.redeliver(hook.webhook_id, attempt.delivery_id)
        wait_for(lambda: len(receiver.of_type("webhook.test")) == 2)

        client.delete_webhook(hook.webhook_id)
        with pytest.raises(NotFound):
            client.webhook(hook.webhook_id)


def test_the_async_client_does_the_same(api: Api, shared_data: Path, tmp_path: Path) -> None:
    async def scenario() -> None:
        transport = httpx.ASGITransport(app=api.client.app)
        scope = api.scope
        async with AsyncClient(
            "http://testserver", api.token, scope.tenant_id, scope.project_id, transport=transport
        ) as client:
            dataset = await client.upload_dataset(shared_data / "running-example.xes")
            assert dataset.event_count == 42
            assert [d.dataset_id async for d in client.datasets()] == [dataset.dataset_id]
            started = await client.start("Steps", parameters={"records": 2})
            seen = [s.status async for s in client.follow(started.operation_id, poll_min=0.05)]
            assert seen[-1] == "Completed" and seen.count("Completed") == 1
            results = await client.results(started.operation_id, format="detailed")
            assert results.summary == {"phases": 3, "records": 6}
            archive = await client.download_results(started.operation_id, tmp_path)
            assert zipfile.is_zipfile(archive)
            [artifact, *_] = results.artifacts
            path = await client.download_artifact(
                started.operation_id, artifact.artifact_id, tmp_path / "one"
            )
            assert path.read_bytes().startswith(b"{")
            with pytest.raises(NotFound):
                await client.cancel("00000000-0000-4000-8000-000000000000")

    asyncio.run(scenario())
