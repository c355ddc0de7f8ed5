"""Batch events in the outbox, written in the transaction of the change that causes them.

Routing is the operations' own: webhook subscriptions that list the event (an event about
one operation of the batch also passes their operation filters), and the batch's callbacks
(``batchCallbacks``) by :data:`minerun.notify.events.BATCH_CALLBACK_EVENTS`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, text

from minerun.domain.records import Operation, Scope
from minerun.notify import events as ev
from minerun.store import tables as t
from minerun.store import tables_notify as tn
from minerun.store.outbox import (
    PENDING,
    STREAM,
    active_subscriptions,
    load_operation,
    new_message_id,
)
from minerun.store.wakeup import EVENTS_CHANNEL


def emit_batch(
    conn: Connection,
    batch_id: str,
    event_type: str,
    now: datetime,
    operation_id: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> int:
    """Write ``event_type`` about a batch (and one of its operations, when given) for every
    target that wants it; returns how many rows."""
    batch = conn.execute(select(t.batches).where(t.batches.c.id == batch_id)).mappings().one()
    scope = Scope(batch["tenant_id"], batch["project_id"])
    operation = load_operation(conn, operation_id) if operation_id else None
    # The event streams keep every batch event, whoever listens, as they keep operations'.
    targets = [ev.STREAM_TARGET] + [
        ev.Target("webhook", sub.id, sub.id)
        for sub in active_subscriptions(conn, scope)
        if sub.wants(
            event_type,
            operation.operation_type if operation else None,
            operation.priority.value if operation else None,
        )
    ]
    targets += ev.callback_targets(event_type, batch["callbacks"], ev.BATCH_CALLBACK_EVENTS)
    content: dict[str, Any] = {"batch": batch_snapshot(conn, batch), **(data or {})}
    if operation is not None:
        content["operation"] = ev.snapshot(operation)
    rows = [
        _row(batch_id, scope, event_type, target, content, now, operation) for target in targets
    ]
    conn.execute(insert(tn.outbox_events), rows)
    if conn.dialect.name == "postgresql":
        # Seen at commit by the stream readers of every API process.
        conn.execute(text(f"SELECT pg_notify('{EVENTS_CHANNEL}', '')"))
    return len(rows)


def batch_snapshot(conn: Connection, batch: Mapping[Any, Any]) -> dict[str, Any]:
    """The batch as an event shows it: identity, status and each operation's status."""
    o = t.operations.c
    n = t.batch_nodes.c
    members = conn.execute(
        select(n.operation_key, o.id, o.status)
        .join(t.operations, o.id == n.operation_id)
        .where(n.batch_id == batch["id"])
        .order_by(n.position)
    ).all()
    return {
        "batchId": batch["id"],
        "batchName": batch["name"],
        "status": batch["status"],
        "tenantId": batch["tenant_id"],
        "projectId": batch["project_id"],
        "totalOperations": len(members),
        "operations": [
            {"operationKey": key, "operationId": op_id, "status": status}
            for key, op_id, status in members
        ],
        "batchStartTime": ev.iso(batch["created_at"]),
        "endTime": ev.iso(batch["finished_at"]),
    }


def _row(
    batch_id: str,
    scope: Scope,
    event_type: str,
    target: ev.Target,
    content: dict[str, Any],
    now: datetime,
    operation: Operation | None,
) -> dict[str, Any]:
    message_id = new_message_id()
    body = ev.payload(event_type, message_id, now, content)
    return {
        "id": message_id,
        "tenant_id": scope.tenant_id,
        "project_id": scope.project_id,
        "operation_id": operation.id if operation else None,
        "event_type": event_type,
        "target_kind": target.kind,
        "subscription_id": target.subscription_id,
        "target": target.url,
        # One order per batch and target: a batch's events reach each target in order.
        "order_key": f"{batch_id}|{target.key}",
        "body": json.dumps(body, separators=(",", ":")),
        "progress": None,
        "status": STREAM if target.kind == ev.STREAM_TARGET.kind else PENDING,
        "attempts": 0,
        "round_attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
