"""Real processes killed around a batch: dependents are released in the transaction that
completes their parent, so nothing stays Pending, and every batch event is delivered once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from minerun.store import tables_notify as tn
from minerun.store.database import Database
from tests.acceptance.processes import (
    OPERATION_TIMEOUT,
    Cluster,
    Operations,
    cluster_in,
    wait_for,
)
from tests.support.receiver import Receiver

pytestmark = pytest.mark.slow

BATCH_EVENTS = [
    "batch.started",
    "batch.operation.completed",
    "batch.completed",
    "batch.failed",
    "batch.cancelled",
]
ONE_SECOND_PER_PHASE = {"records": 10, "sleep": 0.1}


@pytest.fixture
def cluster(database_url: str, tmp_path: Path) -> Iterator[Cluster]:
    yield from cluster_in(database_url, tmp_path, webhook_allow_private="true", lease_seconds=2.0)


def step(key: str, *deps: str, **parameters: Any) -> dict[str, Any]:
    return {
        "operationType": "Steps",
        "operationKey": key,
        "dependencies": list(deps),
        "parameters": {"records": 2, **parameters},
    }


def subscribe(ops: Operations, receiver: Receiver) -> None:
    answer = ops.http.post(
        "/webhooks",
        json={
            "webhookUrl": receiver.url,
            "events": BATCH_EVENTS,
            "retryPolicy": {"maxRetries": 10, "retryDelay": 0.2, "maxDelay": 1},
        },
    )
    assert answer.status_code == 201, answer.text


def submit(ops: Operations, *operations: dict[str, Any]) -> dict[str, Any]:
    answer = ops.http.post("/batch", json={"batchName": "crash", "operations": list(operations)})
    assert answer.status_code == 202, answer.text
    return dict(answer.json())


def batch(ops: Operations, batch_id: str) -> dict[str, Any]:
    answer = ops.http.get(f"/batch/{batch_id}")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def statuses(ops: Operations, batch_id: str) -> dict[str, str]:
    return {op["operationKey"]: op["status"] for op in batch(ops, batch_id)["operations"]}


def wait_completed(ops: Operations, batch_id: str, cluster: Cluster) -> dict[str, Any]:
    return wait_for(
        lambda: (b := batch(ops, batch_id))["status"] == "Completed" and b,
        OPERATION_TIMEOUT,
        f"batch {batch_id} to complete",
        lambda: json.dumps(batch(ops, batch_id), indent=1) + cluster.logs(),
    )


def delivered_events(database_url: str, cluster: Cluster, expected: int) -> list[str]:
    """The types of the batch events, once all ``expected`` of them are delivered."""
    database = Database(database_url)
    e = tn.outbox_events.c
    try:

        def all_sent() -> list[str] | None:
            with database.engine.connect() as conn:
                rows = conn.execute(
                    select(e.event_type, e.status)
                    .where(e.event_type.like("batch.%"))
                    .order_by(e.seq)
                ).all()
            done = len(rows) == expected and all(s == "delivered" for _, s in rows)
            return [r[0] for r in rows] if done else None

        return wait_for(all_sent, OPERATION_TIMEOUT, "every batch event delivered", cluster.logs)
    finally:
        database.close()


def received(receiver: Receiver) -> list[str]:
    """Event types the receiver accepted, one per webhook-id (retries of one event count once)."""
    seen: dict[str, str] = {}
    for request in receiver.accepted():
        seen.setdefault(request.webhook_id, request.json["type"])
    return sorted(seen.values())


def test_worker_killed_right_after_a_parent_completes(cluster: Cluster, database_url: str) -> None:
    receiver = Receiver().start()
    try:
        token = cluster.create_token()
        api = cluster.api(wait=False)
        first = cluster.worker("worker-a", wait=False)
        cluster.wait_ready(api, first)
        ops = Operations.open(api, token)
        subscribe(ops, receiver)
        answer = submit(
            ops,
            step("a"),
            step("b", "a", **ONE_SECOND_PER_PHASE),
            step("c", "a", **ONE_SECOND_PER_PHASE),
            step("d", "b", "c"),
        )
        batch_id = answer["batchId"]
        wait_for(
            lambda: statuses(ops, batch_id)["a"] == "Completed",
            OPERATION_TIMEOUT,
            "the parent to complete",
            cluster.logs,
        )
        first.kill()
        # Released with the parent's completion, before any other process ran.
        now = statuses(ops, batch_id)
        assert now["b"] in {"Initiated", "Running"} and now["c"] in {"Initiated", "Running"}
        assert now["d"] == "Pending"

        cluster.worker("worker-b")
        done = wait_completed(ops, batch_id, cluster)
        assert {op["status"] for op in done["operations"]} == {"Completed"}
        expected = ["batch.started", *["batch.operation.completed"] * 4, "batch.completed"]
        assert delivered_events(database_url, cluster, len(expected)) == expected
        assert received(receiver) == sorted(expected)
        ops.close()
    finally:
        receiver.stop()


def test_api_killed_right_after_the_batch_commit(cluster: Cluster, database_url: str) -> None:
    receiver = Receiver().start()
    try:
        token = cluster.create_token()
        api = cluster.api()
        ops = Operations.open(api, token)
        subscribe(ops, receiver)
        answer = submit(ops, step("a"), step("b", "a"), step("c", "b"), step("d", "a"))
        api.kill()
        ops.close()

        cluster.worker("worker-a")
        second = cluster.api("api-2")
        ops = Operations.open(second, token)
        done = wait_completed(ops, answer["batchId"], cluster)
        assert [op["operationId"] for op in done["operations"]] == [
            op["operationId"] for op in answer["operations"]
        ]
        expected = ["batch.started", *["batch.operation.completed"] * 4, "batch.completed"]
        assert delivered_events(database_url, cluster, len(expected)) == expected
        assert received(receiver) == sorted(expected)
        ops.close()
    finally:
        receiver.stop()
