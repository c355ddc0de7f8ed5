"""A worker process killed while it delivers: nothing is lost, duplicates keep their id."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from minerun.store import tables_notify as tn
from minerun.store.database import Database
from tests.acceptance.processes import (
    OPERATION_TIMEOUT,
    PROJECT,
    TENANT,
    Cluster,
    Operations,
    cluster_in,
    wait_for,
)
from tests.support.receiver import Receiver

pytestmark = pytest.mark.slow
TIMEOUT = 1.0


@pytest.fixture
def cluster(database_url: str, tmp_path: Path) -> Iterator[Cluster]:
    yield from cluster_in(
        database_url, tmp_path, webhook_allow_private="true", webhook_timeout_seconds=TIMEOUT
    )


def test_killed_delivery_worker_loses_nothing(cluster: Cluster, database_url: str) -> None:
    receiver = Receiver(delay=0.05).start()
    try:
        token = cluster.create_token()
        api = cluster.api()
        hooks = httpx.Client(
            base_url=f"{api.base_url}/api/{TENANT}/{PROJECT}/async",
            headers={"Authorization": f"Bearer {token}"},
        )
        answer = hooks.post(
            "/webhooks",
            json={
                "webhookUrl": receiver.url,
                "events": ["operation.started", "operation.progress", "operation.completed"],
                "filters": {"minProgressIncrement": 0},
                "retryPolicy": {"maxRetries": 10, "retryDelay": 0.2, "maxDelay": 1},
            },
        )
        assert answer.status_code == 201, answer.text
        ops = Operations.open(api, token)
        first = cluster.worker("worker-a")
        op_id = ops.start({"records": 60, "sleep": 0.02})
        wait_for(
            lambda: len(receiver.requests) >= 10,
            OPERATION_TIMEOUT,
            "deliveries to start",
            cluster.logs,
        )
        first.kill()
        cluster.worker("worker-b")
        ops.wait_status(op_id, "Completed", OPERATION_TIMEOUT, cluster.logs)

        database = Database(database_url)
        try:

            def all_sent() -> list[dict[str, object]] | None:
                with database.engine.connect() as conn:
                    sent = select(tn.outbox_events).where(
                        tn.outbox_events.c.target_kind != "stream"  # read, never delivered
                    )
                    rows = [dict(r) for r in conn.execute(sent).mappings()]
                return rows if rows and all(r["status"] == "delivered" for r in rows) else None

            rows = wait_for(
                all_sent, OPERATION_TIMEOUT, "every event to be delivered", cluster.logs
            )
        finally:
            database.close()
        received = receiver.accepted()
        ids = [r.webhook_id for r in received]
        assert {r["id"] for r in rows} <= set(ids), "an event was lost"
        bodies: dict[str, bytes] = {}
        for request in received:
            assert bodies.setdefault(request.webhook_id, request.body) == request.body
        types = [r.json["type"] for r in received]
        assert types[0] == "operation.started" and types[-1] == "operation.completed"
        ops.close()
        hooks.close()
    finally:
        receiver.stop()
