"""Batches through the API with a real worker, on SQLite and PostgreSQL: dependency order,
failure policies, cancels, retry, invalid batches, and the batch events in the outbox."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from minerun.config import Settings
from minerun.store import event_stream
from minerun.store import tables as t
from minerun.store import tables_notify as tn
from tests.support.api import Api, Service, shared_service
from tests.support.factory import wait_for

BATCH_TIMEOUT = 180.0
BATCH_EVENTS = [
    "batch.started",
    "batch.operation.completed",
    "batch.completed",
    "batch.failed",
    "batch.cancelled",
]


@pytest.fixture(scope="module")
def service(shared_settings: Settings) -> Iterator[Service]:
    with shared_service(shared_settings) as service:
        yield service


@pytest.fixture
def api(service: Service) -> Iterator[Api]:
    with service.session() as api:
        yield api


def step(key: str, *deps: str, **parameters: Any) -> dict[str, Any]:
    return {
        "operationType": "Steps",
        "operationName": key,
        "operationKey": key,
        "dependencies": list(deps),
        "parameters": {"records": 2, **parameters},
    }


def submit(api: Api, *operations: dict[str, Any], **body: Any) -> dict[str, Any]:
    payload = {"batchName": "test", "operations": list(operations), **body}
    response = api.client.post(f"{api.base}/batch", json=payload, headers=api.headers)
    assert response.status_code == 202, response.text
    assert response.headers["Location"] == response.json()["trackingUrl"]
    return response.json()  # type: ignore[no-any-return]


def get(api: Api, batch_id: str) -> dict[str, Any]:
    response = api.client.get(f"{api.base}/batch/{batch_id}", headers=api.headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def wait_batch(api: Api, batch_id: str, *statuses: str) -> dict[str, Any]:
    wanted = set(statuses) or {"Completed", "PartiallyCompleted", "Failed", "Cancelled"}
    return wait_for(  # type: ignore[no-any-return]
        lambda: (b := get(api, batch_id))["status"] in wanted and b, BATCH_TIMEOUT
    )


def by_key(batch: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {op["operationKey"]: op for op in batch["operations"]}


def subscribe(api: Api) -> None:
    response = api.client.post(
        f"{api.base}/webhooks",
        json={"webhookUrl": "https://hooks.example.com/batches", "events": BATCH_EVENTS},
        headers=api.headers,
    )
    assert response.status_code == 201, response.text


def events(api: Api) -> list[str]:
    e = tn.outbox_events.c
    with api.client.app.state.database.engine.connect() as conn:  # type: ignore[attr-defined]
        rows = conn.execute(
            select(e.event_type)
            .where(
                e.tenant_id == api.scope.tenant_id,
                e.event_type.like("batch.%"),
                e.target_kind == "webhook",
            )
            .order_by(e.seq)
        )
        return list(rows.scalars())


def streamed(api: Api) -> list[str]:
    """The batch events the project's event stream shows, in its order."""
    engine = api.client.app.state.database.engine  # type: ignore[attr-defined]
    event_stream.sequence(engine)
    shown = event_stream.read(engine, api.scope, 0, limit=1000)
    return [e.event_type for e in shown if e.event_type.startswith("batch.")]


def test_a_diamond_runs_in_dependency_order(api: Api) -> None:
    subscribe(api)
    answer = submit(
        api, step("a"), step("b", "a"), step("c", "a"), step("d", "b", "c"), batchName="diamond"
    )
    assert answer["batchId"].startswith("batch-")
    assert answer["batchName"] == "diamond"
    assert answer["status"] == "Initiated"
    assert answer["totalOperations"] == 4
    ops = by_key(answer)
    assert ops["a"]["status"] == "Initiated"
    assert {ops[k]["status"] for k in "bcd"} == {"Pending"}
    assert ops["d"]["dependencies"] == ["b", "c"]
    assert ops["d"]["estimatedStartTime"] > ops["a"]["estimatedStartTime"]
    assert answer["criticalPath"][0] == "a" and answer["criticalPath"][-1] == "d"
    assert answer["estimatedBatchCompletion"] > answer["batchStartTime"]

    done = wait_batch(api, answer["batchId"])
    assert done["status"] == "Completed"
    assert done["progress"]["percentage"] == 100
    ops = by_key(done)
    assert ops["b"]["startTime"] >= ops["a"]["endTime"]
    assert ops["d"]["startTime"] >= max(ops["b"]["endTime"], ops["c"]["endTime"])
    status = api.status(ops["d"]["operationId"])
    assert (status["batchId"], status["operationKey"]) == (answer["batchId"], "d")
    listed = api.client.get(
        f"{api.base}/operations", params={"batchId": answer["batchId"]}, headers=api.headers
    ).json()
    assert {op["operationKey"] for op in listed["operations"]} == set("abcd")
    assert events(api) == ["batch.started", *["batch.operation.completed"] * 4, "batch.completed"]
    assert streamed(api) == events(api)


def test_a_wide_fan_out_and_fan_in(api: Api) -> None:
    middles = [step(f"m{i}", "root", records=1) for i in range(48)]
    keys = [m["operationKey"] for m in middles]
    answer = submit(api, step("root", records=1), *middles, step("sink", *keys, records=1))
    done = wait_batch(api, answer["batchId"])
    assert done["status"] == "Completed"
    ops = by_key(done)
    assert ops["sink"]["startTime"] >= max(ops[k]["endTime"] for k in keys)
    assert min(ops[k]["startTime"] for k in keys) >= ops["root"]["endTime"]


def _wide(api: Api, policy: dict[str, bool]) -> dict[str, dict[str, Any]]:
    """a -> b, c -> d, (b, d) -> e: ``a`` fails once ``c`` runs (c takes seconds)."""
    answer = submit(
        api,
        step("a", records=4, sleep=0.5, failPhase="Compute", failWith="invalid"),
        step("b", "a"),
        step("c", records=5, sleep=0.3),
        step("d", "c"),
        step("e", "b", "d"),
        failurePolicy=policy,
    )
    done = wait_batch(api, answer["batchId"])
    ops = by_key(done)
    return {k: {**v, "batch": done["status"]} for k, v in ops.items()}


def test_continue_independent_operations_cancels_only_descendants(api: Api) -> None:
    ops = _wide(api, {"stopOnFirstFailure": False, "continueIndependentOperations": True})
    assert ops["a"]["status"] == "Failed"
    assert (ops["b"]["status"], ops["e"]["status"]) == ("Cancelled", "Cancelled")
    assert "'a' failed" in ops["b"]["cancellationReason"]
    assert (ops["c"]["status"], ops["d"]["status"]) == ("Completed", "Completed")
    assert ops["a"]["batch"] == "PartiallyCompleted"


def test_stop_on_first_failure_cancels_everything_unfinished(api: Api) -> None:
    ops = _wide(api, {"stopOnFirstFailure": True, "continueIndependentOperations": True})
    assert ops["a"]["status"] == "Failed"
    assert all(ops[k]["status"] == "Cancelled" for k in "bcde")
    assert "Batch stopped" in ops["c"]["cancellationReason"]
    assert ops["a"]["batch"] == "Failed"


def test_without_either_flag_running_work_finishes(api: Api) -> None:
    ops = _wide(api, {"stopOnFirstFailure": False, "continueIndependentOperations": False})
    assert ops["c"]["status"] == "Completed"
    assert all(ops[k]["status"] == "Cancelled" for k in "bde")
    assert ops["a"]["batch"] == "PartiallyCompleted"


@pytest.mark.parametrize("retry_failed", [True, False])
def test_retry_failed_operations_applies_the_retry_policy(
    api: Api, tmp_path: Path, retry_failed: bool
) -> None:
    flaky = step("a", failPhase="Load", failTimes=1, markerDir=str(tmp_path))
    flaky["retryPolicy"] = {"maxRetries": 2, "retryDelay": 0}
    answer = submit(
        api, flaky, step("b", "a"), failurePolicy={"retryFailedOperations": retry_failed}
    )
    done = wait_batch(api, answer["batchId"])
    ops = by_key(done)
    if retry_failed:
        assert done["status"] == "Completed"
    else:
        assert (ops["a"]["status"], ops["b"]["status"]) == ("Failed", "Cancelled")
        assert done["status"] == "Failed"


def _cancel_op(api: Api, operation_id: str) -> None:
    response = api.client.request(
        "DELETE", f"{api.base}/operation/{operation_id}", json={}, headers=api.headers
    )
    assert response.status_code == 200, response.text


def test_cancelling_a_root_cancels_its_descendants(api: Api) -> None:
    answer = submit(api, step("a", records=50, sleep=0.2), step("b", "a"), step("c", "b"))
    root = by_key(answer)["a"]["operationId"]
    api.wait_status(root, "Running")
    _cancel_op(api, root)
    done = wait_batch(api, answer["batchId"])
    assert done["status"] == "Cancelled"
    ops = by_key(done)
    assert ops["c"]["status"] == "Cancelled"
    assert "'a'" in ops["b"]["cancellationReason"]


def test_cancelling_a_middle_node_lets_its_parent_finish(api: Api) -> None:
    answer = submit(api, step("a", records=5, sleep=0.2), step("b", "a"), step("c", "b"))
    _cancel_op(api, by_key(answer)["b"]["operationId"])
    done = wait_batch(api, answer["batchId"])
    ops = by_key(done)
    assert (ops["a"]["status"], ops["b"]["status"], ops["c"]["status"]) == (
        "Completed",
        "Cancelled",
        "Cancelled",
    )
    assert done["status"] == "Cancelled"


def test_cancelling_the_whole_batch(api: Api) -> None:
    subscribe(api)
    answer = submit(api, step("a", records=50, sleep=0.2), step("b", "a"), step("c"))
    url = f"{api.base}/batch/{answer['batchId']}"
    response = api.client.request("DELETE", url, json={"reason": "enough"}, headers=api.headers)
    assert response.status_code == 200, response.text
    cancelled = response.json()
    assert cancelled["status"] == "Cancelled"
    assert {op["status"] for op in cancelled["operations"]} == {"Cancelled"}
    assert cancelled["cancellation"]["reason"] == "enough"
    again = api.client.request("DELETE", url, json={}, headers=api.headers)
    assert again.status_code == 409
    assert events(api) == ["batch.started", "batch.cancelled"]


def test_a_batch_retry_resumes_what_did_not_complete(api: Api, tmp_path: Path) -> None:
    marker = str(tmp_path)
    answer = submit(
        api,
        step("a"),
        step("b", "a", failPhase="Compute", failTimes=1, failWith="invalid", markerDir=marker),
        step("c", "b"),
    )
    first = wait_batch(api, answer["batchId"])
    assert first["status"] == "PartiallyCompleted"
    failed_b = by_key(first)["b"]["operationId"]
    response = api.client.post(f"{api.base}/batch/{answer['batchId']}/retry", headers=api.headers)
    assert response.status_code == 202, response.text
    retried = by_key(response.json())
    assert retried["a"]["operationId"] == by_key(first)["a"]["operationId"]
    assert retried["b"]["retryOf"] == failed_b
    assert retried["b"]["status"] == "Initiated" and retried["c"]["status"] == "Pending"
    done = wait_batch(api, answer["batchId"])
    assert done["status"] == "Completed"
    assert done["retries"] == 1
    # b resumed at Compute: its Load ran once.
    assert len((tmp_path / "Load.runs").read_text().splitlines()) == 1
    again = api.client.post(f"{api.base}/batch/{answer['batchId']}/retry", headers=api.headers)
    assert again.status_code == 409


def _counts(api: Api) -> tuple[int, int]:
    with api.client.app.state.database.engine.connect() as conn:  # type: ignore[attr-defined]
        ops = conn.execute(
            select(func.count()).where(t.operations.c.tenant_id == api.scope.tenant_id)
        ).scalar_one()
        batches = conn.execute(
            select(func.count()).where(t.batches.c.tenant_id == api.scope.tenant_id)
        ).scalar_one()
    return int(ops), int(batches)


@pytest.mark.parametrize(
    ("operations", "field", "reason"),
    [
        ([step("a", "c"), step("b", "a"), step("c", "b")], "operations", "cycle"),
        ([step("a"), step("b", "zz")], "operations[1].dependencies[0]", "'zz'"),
        ([step("a"), step("a")], "operations[1].operationKey", "duplicate"),
        (
            [step("a"), step("b", "a"), step("c", "b", records=-1)],
            "operations[2].parameters.records",
            "",
        ),
        ([step("a"), {**step("b"), "operationType": "Nope"}], "operations[1].operationType", ""),
    ],
)
def test_invalid_batches_commit_nothing(
    api: Api, operations: list[dict[str, Any]], field: str, reason: str
) -> None:
    payload = {"batchName": "bad", "operations": operations}
    response = api.client.post(f"{api.base}/batch", json=payload, headers=api.headers)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert any(e["field"] == field and reason in e["reason"] for e in errors), errors
    assert _counts(api) == (0, 0)


def test_idempotency_key_replays_the_first_answer(api: Api) -> None:
    payload = {"batchName": "once", "operations": [step("a"), step("b", "a")]}
    headers = {**api.headers, "Idempotency-Key": "batch-key-1"}
    first = api.client.post(f"{api.base}/batch", json=payload, headers=headers)
    second = api.client.post(f"{api.base}/batch", json=payload, headers=headers)
    assert first.status_code == second.status_code == 202
    assert second.headers["Idempotent-Replayed"] == "true"
    assert json.loads(second.text)["batchId"] == first.json()["batchId"]
    assert _counts(api) == (2, 1)


def test_batches_are_listed_with_filters_and_paging(api: Api) -> None:
    first = submit(api, step("a"))
    wait_batch(api, first["batchId"])
    second = submit(api, step("a", records=50, sleep=0.2))
    url = f"{api.base}/batches"
    listed = api.client.get(url, params={"pageSize": 1}, headers=api.headers).json()
    assert listed["totalBatches"] == 2 and listed["hasNextPage"] is True
    assert listed["batches"][0]["batchId"] == second["batchId"]
    completed = api.client.get(url, params={"status": "Completed"}, headers=api.headers).json()
    assert [b["batchId"] for b in completed["batches"]] == [first["batchId"]]
    bad = api.client.get(url, params={"status": "Sleeping"}, headers=api.headers)
    assert bad.status_code == 400


def test_batch_callbacks_hear_their_events(api: Api) -> None:
    hooks = "https://hooks.example.com"
    callbacks = {
        "onBatchStart": f"{hooks}/start",
        "onOperationComplete": f"{hooks}/operation",
        "onBatchComplete": f"{hooks}/end",
    }
    answer = submit(api, step("a"), step("b", "a"), batchCallbacks=callbacks)
    wait_batch(api, answer["batchId"])
    e = tn.outbox_events.c
    with api.client.app.state.database.engine.connect() as conn:  # type: ignore[attr-defined]
        rows = conn.execute(
            select(e.target, e.event_type)
            .where(e.tenant_id == api.scope.tenant_id, e.target_kind == "callback")
            .order_by(e.seq)
        ).all()
    assert [tuple(r) for r in rows] == [
        (f"{hooks}/start", "batch.started"),
        (f"{hooks}/operation", "batch.operation.completed"),
        (f"{hooks}/operation", "batch.operation.completed"),
        (f"{hooks}/end", "batch.completed"),
    ]


def test_a_refused_batch_callback_is_named(api: Api) -> None:
    payload = {
        "batchName": "bad hook",
        "operations": [step("a")],
        "batchCallbacks": {"onBatchStart": "http://169.254.169.254/latest"},
    }
    response = api.client.post(f"{api.base}/batch", json=payload, headers=api.headers)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == "batchCallbacks.onBatchStart"
    assert _counts(api) == (0, 0)
