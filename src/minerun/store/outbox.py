"""The outbox writer: events are written in the transaction of the state change they report.

:func:`emit` is called with the connection of that transaction, so an event exists exactly
when its change was committed, whatever process dies afterwards. It writes one row per
target (each subscription that wants the event, each callback URL, e-mail, Slack); the
delivery workers send them later. :class:`ProgressEvents` does the same for progress, which
is written up to four times a second per operation, so it keeps what it needs in memory,
reads only the phases' small figures to compute the percentage (by the one definition in
:mod:`minerun.domain.progress`) and reads the whole operation only when a target is due an
event.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, text

from minerun.domain.progress import percentage
from minerun.domain.records import Operation, Phase, Scope
from minerun.domain.statuses import OperationStatus
from minerun.notify import events as ev
from minerun.store import tables as t
from minerun.store import tables_notify as tn
from minerun.store.phase_figures import phase_figures
from minerun.store.wakeup import EVENTS_CHANNEL

PENDING = "pending"
SENDING = "sending"
DELIVERED = "delivered"
FAILED = "failed"
SKIPPED = "skipped"
STREAM = "stream"
"""The status of event-stream rows: read by streams, never claimed by a delivery worker."""
OPEN = (PENDING, SENDING)
ACTIVE = "Active"
_PLAN_CACHE_LIMIT = 1000


def new_message_id() -> str:
    """A message id (the ``webhook-id`` of every attempt of one delivery)."""
    return f"msg_{uuid.uuid4().hex}"


def emit(
    conn: Connection,
    operation_id: str,
    event_type: str,
    data: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> int:
    """Write ``event_type`` about an operation for every target that wants it; returns how many.

    Call it inside the transaction that makes the change, after the change is written, so
    the snapshot in the payload shows the new state.
    """
    operation = load_operation(conn, operation_id)
    targets = subscription_targets(conn, operation, event_type)
    if not _callbacks_muted(operation, event_type):
        targets += ev.callback_targets(event_type, operation.callbacks)
        targets += ev.channel_targets(event_type, operation.notifications)
    return write_events(conn, operation, event_type, targets, data or {}, now)


def load_operation(conn: Connection, operation_id: str) -> Operation:
    """The operation with its phases, read on ``conn`` (so inside its transaction)."""
    row = conn.execute(select(t.operations).where(t.operations.c.id == operation_id)).mappings()
    first = row.one()
    phases = conn.execute(
        select(t.phases)
        .where(t.phases.c.operation_id == operation_id)
        .order_by(t.phases.c.position)
    ).mappings()
    return Operation.from_row(first, tuple(Phase.from_row(p) for p in phases))


def active_subscriptions(conn: Connection, scope: Scope) -> list[ev.Subscription]:
    """The active webhook subscriptions of a project."""
    s = tn.webhook_subscriptions.c
    rows = conn.execute(
        select(s.id, s.events, s.filters).where(
            s.tenant_id == scope.tenant_id, s.project_id == scope.project_id, s.status == ACTIVE
        )
    ).all()
    return [ev.Subscription.from_json(r[0], r[1], r[2]) for r in rows]


def subscription_targets(
    conn: Connection, operation: Operation, event_type: str
) -> list[ev.Target]:
    return [
        ev.Target("webhook", sub.id, sub.id, increment=sub.min_progress_increment)
        for sub in active_subscriptions(conn, operation.scope)
        if sub.wants(event_type, operation.operation_type, operation.priority.value)
    ]


def write_events(
    conn: Connection,
    operation: Operation,
    event_type: str,
    targets: Sequence[ev.Target],
    data: Mapping[str, Any],
    now: datetime | None = None,
    progress: float | None = None,
    stream: bool = True,
) -> int:
    """Insert one pending event row per target, each with its own message id and body.

    With ``stream`` (the default) the event is also kept for the event streams, whatever its
    type; progress decides that itself, since it thins the stream's copies.
    """
    if stream and ev.STREAM_TARGET not in targets:
        targets = [ev.STREAM_TARGET, *targets]
    if not targets:
        return 0
    moment = now or datetime.now(UTC)
    content = {"operation": ev.snapshot(operation), **data}
    rows = []
    for target in targets:
        message_id = new_message_id()
        body = ev.payload(event_type, message_id, moment, content)
        rows.append(
            {
                "id": message_id,
                "tenant_id": operation.scope.tenant_id,
                "project_id": operation.scope.project_id,
                "operation_id": operation.id,
                "event_type": event_type,
                "target_kind": target.kind,
                "subscription_id": target.subscription_id,
                "target": _target_detail(target, operation),
                "order_key": f"{operation.id}|{target.key}",
                "body": json.dumps(body, separators=(",", ":")),
                "progress": progress,
                "status": STREAM if target.kind == ev.STREAM_TARGET.kind else PENDING,
                "attempts": 0,
                "round_attempts": 0,
                "next_attempt_at": moment,
                "created_at": moment,
            }
        )
    conn.execute(insert(tn.outbox_events), rows)
    if conn.dialect.name == "postgresql" and ev.STREAM_TARGET in targets:
        # Delivered at commit: stream readers in every API process look at once.
        conn.execute(text(f"SELECT pg_notify('{EVENTS_CHANNEL}', '')"))
    return len(rows)


def _target_detail(target: ev.Target, operation: Operation) -> str | None:
    """What a delivery needs besides the body: the URL, the recipients, the Slack channel."""
    notifications = operation.notifications or {}
    if target.kind == "email":
        return ",".join(notifications.get("email") or [])
    if target.kind == "slack":
        return json.dumps(notifications.get("slack") or {})
    return target.url


def _callbacks_muted(operation: Operation, event_type: str) -> bool:
    """A cancel request with ``notifyCallbacks: false`` silences the operation's own channels."""
    if event_type != ev.CANCELLED or not operation.cancellation:
        return False
    return operation.cancellation.get("notifyCallbacks") is False


@dataclass
class _Plan:
    """What the progress path keeps about one leased operation between writes."""

    scope: Scope
    operation_type: str
    priority: str
    callback: ev.Target | None
    last: dict[str, float] = field(default_factory=dict)


class ProgressEvents:
    """Writes ``operation.progress`` events, thinned per target by percentage points."""

    def __init__(self) -> None:
        self._plans: dict[tuple[str, str], _Plan] = {}

    def emit(
        self,
        conn: Connection,
        operation_id: str,
        lease_token: str,
    ) -> int:
        """Inside the progress transaction: write an event for each target that is due one."""
        plan = self._plan(conn, operation_id, lease_token)
        targets = self._targets(conn, plan)
        if not targets:
            return 0
        phases = phase_figures(conn, [operation_id])[operation_id]
        percent = percentage(OperationStatus.RUNNING, phases)
        due = [t for t in targets if ev.crossed(plan.last.get(t.key), percent, t.increment)]
        if not due:
            return 0
        operation = load_operation(conn, operation_id)
        written = write_events(
            conn, operation, ev.PROGRESS, due, {}, progress=round(percent, 4), stream=False
        )
        for target in due:
            plan.last[target.key] = percent
        return written

    def _targets(self, conn: Connection, plan: _Plan) -> list[ev.Target]:
        targets = [ev.STREAM_TARGET] + [
            ev.Target("webhook", sub.id, sub.id, increment=sub.min_progress_increment)
            for sub in active_subscriptions(conn, plan.scope)
            if sub.wants(ev.PROGRESS, plan.operation_type, plan.priority)
        ]
        return targets + ([plan.callback] if plan.callback else [])

    def _plan(self, conn: Connection, operation_id: str, lease_token: str) -> _Plan:
        key = (operation_id, lease_token)
        plan = self._plans.get(key)
        if plan is None:
            if len(self._plans) >= _PLAN_CACHE_LIMIT:
                self._plans.clear()
            plan = self._plans[key] = _read_plan(conn, operation_id)
        return plan


def _read_plan(conn: Connection, operation_id: str) -> _Plan:
    o = t.operations.c
    row = conn.execute(
        select(o.tenant_id, o.project_id, o.operation_type, o.priority, o.callbacks).where(
            o.id == operation_id
        )
    ).one()
    callbacks = ev.callback_targets(ev.PROGRESS, row[4])
    plan = _Plan(Scope(row[0], row[1]), row[2], row[3], next(iter(callbacks), None))
    # A new lease (another attempt, another process) carries on from what was already sent.
    e = tn.outbox_events.c
    for order_key, last in conn.execute(
        select(e.order_key, func.max(e.progress))
        .where(e.operation_id == operation_id, e.event_type == ev.PROGRESS)
        .group_by(e.order_key)
    ):
        if last is not None:
            plan.last[order_key.partition("|")[2]] = float(last)
    return plan


def emit_phase_completed(conn: Connection, operation_id: str, position: int) -> int:
    """``operation.phase.completed`` for the phase at ``position``, with its name and records."""
    operation = load_operation(conn, operation_id)
    phase = operation.phases[position]
    data = {
        "phase": {
            "phaseName": phase.name,
            "position": phase.position,
            "recordsProcessed": phase.records_processed,
            "startTime": ev.iso(phase.started_at),
            "endTime": ev.iso(phase.finished_at),
        }
    }
    targets = subscription_targets(conn, operation, ev.PHASE_COMPLETED)
    return write_events(conn, operation, ev.PHASE_COMPLETED, targets, data)
