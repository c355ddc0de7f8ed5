"""The Python client's batch methods against the API, blocking and asynchronous."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from minerun.client import AsyncClient, Conflict
from minerun.config import Settings
from tests.integration.test_client_api import sync_client
from tests.support.api import Api, running_api
from tests.support.factory import wait_for

ENDED = {"Completed", "PartiallyCompleted", "Failed", "Cancelled"}


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    with running_api(settings) as api:
        yield api


def steps(key: str, *deps: str, **parameters: Any) -> dict[str, Any]:
    return {
        "operationType": "Steps",
        "operationKey": key,
        "dependencies": list(deps),
        "parameters": {"records": 1, **parameters},
    }


def test_submit_follow_list_cancel_and_retry(api: Api) -> None:
    with sync_client(api) as client:
        started = client.submit_batch("pair", [steps("a"), steps("b", "a")])
        assert started.batch_id.startswith("batch-") and started.total_operations == 2
        assert [op.status for op in started.operations] == ["Initiated", "Pending"]
        done = wait_for(lambda: (b := client.batch(started.batch_id)).status in ENDED and b, 120)
        assert done.status == "Completed" and done.progress["percentage"] == 100
        page = client.batches_page(status="Completed")
        assert [b.batch_id for b in page.batches] == [started.batch_id]

        slow = client.submit_batch("slow", [steps("a", records=50, sleep=0.2), steps("b", "a")])
        cancelled = client.cancel_batch(slow.batch_id, reason="enough")
        assert cancelled.status == "Cancelled"
        retried = client.retry_batch(slow.batch_id)
        assert retried.retries == 1 and retried.status in {"Initiated", "Running"}
        client.cancel_batch(slow.batch_id)
        with pytest.raises(Conflict):
            client.cancel_batch(slow.batch_id)


def test_the_async_client_submits_and_follows(api: Api) -> None:
    async def scenario() -> None:
        transport = httpx.ASGITransport(app=api.client.app)
        scope = api.scope
        async with AsyncClient(
            "http://testserver", api.token, scope.tenant_id, scope.project_id, transport=transport
        ) as client:
            started = await client.submit_batch("pair", [steps("a"), steps("b", "a")])
            for _ in range(1200):
                current = await client.batch(started.batch_id)
                if current.status in ENDED:
                    break
                await asyncio.sleep(0.1)
            assert current.status == "Completed"
            page = await client.batches_page()
            assert page.total_batches == 1

    # In a thread of its own: another test in this process (a browser driver) may have left
    # an event loop marked running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result()
