"""The outbox writer: events written with the state change, routed, filtered and thinned."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from minerun.config import Settings
from minerun.domain.failures import Failure, FailureType
from minerun.domain.priority import Priority
from minerun.domain.records import Scope
from minerun.exceptions import LeaseLost
from minerun.services.requests import CancelRequest, StartRequest
from minerun.store import tables_notify as tn
from minerun.store.database import Database
from minerun.store.queue import Lease
from minerun.store.webhooks import WebhookStore
from tests.support.factory import NO_USAGE, SCOPE, service, start

ALL = [
    "operation.started",
    "operation.progress",
    "operation.phase.completed",
    "operation.completed",
    "operation.failed",
    "operation.cancelled",
    "operation.timeout",
]


def _now() -> datetime:
    return datetime.now(UTC)


def subscribe(
    database: Database, scope: Scope = SCOPE, events: list[str] | None = None, **filters: Any
) -> str:
    sub_id = f"wh-{len(filters)}-{_now().timestamp()}"
    now = _now()
    WebhookStore(database.engine).create(
        {
            "id": sub_id,
            "tenant_id": scope.tenant_id,
            "project_id": scope.project_id,
            "url": "http://127.0.0.1:9/hook",
            "name": "test",
            "events": events or ALL,
            "filters": filters,
            "retry_policy": None,
            "headers": {},
            "secret": "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcY",
            "status": "Active",
            "created_at": now,
            "updated_at": now,
        }
    )
    return sub_id


def events(database: Database, **where: Any) -> list[dict[str, Any]]:
    """The rows for delivery targets (the event stream's own rows are tested elsewhere)."""
    e = tn.outbox_events.c
    query = select(tn.outbox_events).where(e.target_kind != "stream").order_by(e.seq)
    for name, value in where.items():
        query = query.where(getattr(e, name) == value)
    with database.engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def types(rows: list[dict[str, Any]]) -> list[str]:
    return [r["event_type"] for r in rows]


def run_phases(database: Database, lease: Lease, records: int = 10) -> None:
    for position in range(3):
        database.queue.start_phase(lease, position, _now())
        for done in range(1, records + 1):
            database.queue.progress(lease, position, done, records, "x", position * records, 0)
        database.queue.complete_phase(
            lease, position, {"ok": True}, [], _now(), (position + 1) * records, records
        )


def test_lifecycle_events_are_written_with_their_state_changes(
    settings: Settings, database: Database
) -> None:
    every = subscribe(database, minProgressIncrement=10)
    svc = service(settings, database)
    op = start(svc, records=10)
    assert events(database) == []  # nothing happened yet that anyone asked about
    lease = database.queue.claim("w", _now(), 30)
    assert lease is not None
    run_phases(database, lease)
    database.queue.complete(lease, _now(), {"summary": 1}, NO_USAGE)

    rows = events(database, subscription_id=every)
    kinds = types(rows)
    assert kinds[0] == "operation.started" and kinds[-1] == "operation.completed"
    assert kinds.count("operation.phase.completed") == 3
    progress = [r["progress"] for r in rows if r["event_type"] == "operation.progress"]
    # 30 progress writes, thinned to steps of at least 10 points (and 100 % at the end).
    assert progress == sorted(progress) and len(progress) <= 11
    assert all(b - a >= 10 - 1e-9 for a, b in itertools.pairwise(progress))
    body = json.loads(rows[-1]["body"])
    assert body["type"] == "operation.completed" and body["id"] == rows[-1]["id"]
    assert body["data"]["operation"]["operationId"] == op.id
    assert body["data"]["operation"]["status"] == "Completed"
    assert body["data"]["operation"]["progress"]["percentage"] == 100
    assert len({r["id"] for r in rows}) == len(rows)
    assert {r["order_key"] for r in rows} == {f"{op.id}|{every}"}


def test_filters_and_thinning_apply_per_subscription(
    settings: Settings, database: Database
) -> None:
    coarse = subscribe(database, minProgressIncrement=50)
    fine = subscribe(database, minProgressIncrement=5)
    other_type = subscribe(database, operationTypes=["DataEnrichment"])
    high_only = subscribe(database, priorities=["High", "Critical"])
    only_done = subscribe(database, events=["operation.completed"])
    svc = service(settings, database)
    start(svc, priority=Priority.NORMAL, records=20)
    lease = database.queue.claim("w", _now(), 30)
    assert lease is not None
    run_phases(database, lease, records=20)
    database.queue.complete(lease, _now(), None, NO_USAGE)

    def progress_count(sub: str) -> int:
        return types(events(database, subscription_id=sub)).count("operation.progress")

    assert events(database, subscription_id=other_type) == []
    assert events(database, subscription_id=high_only) == []
    assert types(events(database, subscription_id=only_done)) == ["operation.completed"]
    assert 2 <= progress_count(coarse) <= 3
    assert progress_count(fine) > 3 * progress_count(coarse)


def test_progress_thinning_survives_a_new_lease(settings: Settings, database: Database) -> None:
    sub = subscribe(database, minProgressIncrement=30)
    svc = service(settings, database)
    start(svc, records=10)
    first = database.queue.claim("w", _now(), 30)
    assert first is not None
    database.queue.start_phase(first, 0, _now())
    database.queue.progress(first, 0, 5, 10, "x", 0, 0)  # 16.7 %: the first event
    database.queue.hand_back(first, _now())
    second = database.queue.claim("w2", _now(), 30)
    assert second is not None
    database.queue.start_phase(second, 0, _now())
    database.queue.progress(second, 0, 6, 10, "x", 0, 0)  # 20 %: not 30 points further
    assert types(events(database, subscription_id=sub)).count("operation.progress") == 1


def test_callbacks_and_channels_get_their_events(settings: Settings, database: Database) -> None:
    svc = service(settings, database)
    request = StartRequest(
        operation_type="Steps",
        operation_name="cb",
        operation_description=None,
        priority=Priority.NORMAL,
        parameters={"records": 4},
        callbacks={
            "onProgress": "http://127.0.0.1:9/progress",
            "onCompletion": "http://127.0.0.1:9/done",
            "onError": "http://127.0.0.1:9/error",
        },
        notifications={"email": ["a@example.com", "b@example.com"], "slack": {"channel": "#x"}},
        timeout=3600,
        retry_policy=None,
    )
    started = svc.start(SCOPE, request, "t", None, lambda op: ({}, ""))
    assert started.operation is not None
    lease = database.queue.claim("w", _now(), 30)
    assert lease is not None
    run_phases(database, lease, records=4)
    database.queue.complete(lease, _now(), None, NO_USAGE)
    rows = events(database, operation_id=started.operation.id)
    targets = [(r["target_kind"], r["event_type"], r["target"]) for r in rows]
    progress = [t for t in targets if t[1] == "operation.progress"]
    assert progress and all(t[:1] == ("callback",) and t[2].endswith("/progress") for t in progress)
    assert ("callback", "operation.completed", "http://127.0.0.1:9/done") in targets
    assert ("email", "operation.completed", "a@example.com,b@example.com") in targets
    assert ("slack", "operation.completed", json.dumps({"channel": "#x"})) in targets
    assert not any(t[2] == "http://127.0.0.1:9/error" for t in targets)


@pytest.mark.parametrize("notify", [True, False])
def test_cancel_honours_notify_callbacks(
    settings: Settings, database: Database, notify: bool
) -> None:
    sub = subscribe(database, events=["operation.cancelled"])
    svc = service(settings, database)
    request = StartRequest(
        operation_type="Steps",
        operation_name="c",
        operation_description=None,
        priority=Priority.NORMAL,
        parameters={},
        callbacks={"onCompletion": "http://127.0.0.1:9/done"},
        notifications=None,
        timeout=3600,
        retry_policy=None,
    )
    started = svc.start(SCOPE, request, "t", None, lambda op: ({}, ""))
    assert started.operation is not None
    svc.cancel(SCOPE, started.operation.id, CancelRequest("stop", True, False, notify), "me")
    rows = events(database, operation_id=started.operation.id)
    assert [(r["target_kind"], r["event_type"]) for r in rows if r["subscription_id"] == sub] == [
        ("webhook", "operation.cancelled")
    ]
    callbacks = [r for r in rows if r["target_kind"] == "callback"]
    assert len(callbacks) == (1 if notify else 0)
    body = json.loads(rows[0]["body"])
    assert body["data"]["cancellation"]["reason"] == "stop"


def test_timeouts_and_final_failures_emit_once(settings: Settings, database: Database) -> None:
    sub = subscribe(database)
    svc = service(settings, database)
    timed = start(svc, timeout=1)
    database.queue.sweep_timeouts(_now() + timedelta(seconds=5))
    assert types(events(database, operation_id=timed.id)) == ["operation.timeout"]

    failing = start(svc, retry_policy={"maxRetries": 1, "retryDelay": 0})
    lease = database.queue.claim("w", _now(), 30)
    assert lease is not None and lease.operation_id == failing.id
    boom = Failure(FailureType.PHASE_ERROR, "boom")
    assert database.queue.fail(lease, _now(), boom, max_crashes=5) is not None  # not final
    again = database.queue.claim("w", _now() + timedelta(seconds=1), 30)
    assert again is not None
    assert database.queue.fail(again, _now(), boom, max_crashes=5) is None
    kinds = types(events(database, operation_id=failing.id, subscription_id=sub))
    assert kinds == ["operation.started", "operation.failed"]  # started once, failed once


def test_a_refused_write_leaves_no_event(settings: Settings, database: Database) -> None:
    subscribe(database)
    svc = service(settings, database)
    op = start(svc)
    lease = database.queue.claim("w", _now(), 30)
    assert lease is not None
    stale = Lease(op.id, lease.operation_type, "not-the-token", "x", 1, lease.timeout_at)
    with pytest.raises(LeaseLost):
        database.queue.complete(stale, _now(), None, NO_USAGE)
    assert "operation.completed" not in types(events(database, operation_id=op.id))
