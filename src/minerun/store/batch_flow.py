"""What follows, inside the same transaction, when an operation of a batch ends.

Every write that ends an operation (completion, final failure, timeout, cancel, crash loop)
calls :func:`after_end` on its connection before it commits. A completed operation releases
its dependents whose parents have all completed (``Pending`` -> ``Initiated``); one that ended
otherwise cancels what the failure policy says; then the batch's status is derived again and,
when it ends, its event is written. Because all of it commits with the change that caused it,
no crash can leave a dependent ``Pending`` forever or release it twice.

On PostgreSQL, transactions that end operations of one batch take the batch's row lock
(:func:`lock_batches`) before they change any operation, so two parents ending at once are
decided one after the other, each seeing the other's result; SQLite writes one at a time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from minerun.domain import batches as rules
from minerun.domain.statuses import TERMINAL, OperationStatus, PhaseStatus, sources_of
from minerun.notify import events as ev
from minerun.store import tables as t
from minerun.store.attempts import close_attempt, finish_phases, total_run_seconds
from minerun.store.batch_events import emit_batch
from minerun.store.outbox import emit
from minerun.store.wakeup import Waker

o = t.operations.c
n = t.batch_nodes.c
e = t.batch_edges.c
b = t.batches.c

_END_EVENTS = {
    rules.BatchStatus.COMPLETED: ev.BATCH_COMPLETED,
    rules.BatchStatus.PARTIALLY_COMPLETED: ev.BATCH_COMPLETED,
    rules.BatchStatus.FAILED: ev.BATCH_FAILED,
    rules.BatchStatus.CANCELLED: ev.BATCH_CANCELLED,
}


@dataclass(frozen=True, slots=True)
class Graph:
    """A batch's nodes (each key's current operation and its status) and edges."""

    nodes: list[rules.Node]
    operation_ids: dict[str, str]
    statuses: dict[str, OperationStatus]
    started: bool


def lock_batches(conn: Connection, operation_ids: Iterable[str]) -> None:
    """Take the row locks of the batches these operations belong to (PostgreSQL), in id order."""
    if conn.dialect.name == "sqlite":
        return
    ids = list(operation_ids)
    if not ids:
        return
    batch_ids = conn.execute(
        select(o.batch_id).where(o.id.in_(ids), o.batch_id.is_not(None)).distinct()
    ).scalars()
    wanted = sorted(set(batch_ids))
    if wanted:
        conn.execute(select(b.id).where(b.id.in_(wanted)).order_by(b.id).with_for_update()).all()


def load_graph(conn: Connection, batch_id: str) -> Graph:
    members = conn.execute(
        select(n.operation_key, n.operation_id, o.status, o.started_at)
        .join(t.operations, o.id == n.operation_id)
        .where(n.batch_id == batch_id)
        .order_by(n.position)
    ).all()
    parents: dict[str, list[str]] = {key: [] for key, *_ in members}
    for child, parent in conn.execute(
        select(e.child_key, e.parent_key).where(e.batch_id == batch_id).order_by(e.position)
    ):
        parents[child].append(parent)
    return Graph(
        nodes=[rules.Node(key, tuple(parents[key])) for key, *_ in members],
        operation_ids={key: op_id for key, op_id, _, _ in members},
        statuses={key: OperationStatus(status) for key, _, status, _ in members},
        started=any(started is not None for *_, started in members),
    )


def after_end(conn: Connection, operation_id: str, now: datetime, waker: Waker) -> None:
    """Release or cancel what depends on ``operation_id``, which just ended, and settle the
    batch; nothing when it belongs to no batch (or was replaced by a batch retry)."""
    row = conn.execute(
        select(o.batch_id, o.operation_key, o.status).where(o.id == operation_id)
    ).one()
    batch_id, key, status = row
    # A rescue may have queued it again rather than ended it: nothing follows yet.
    if batch_id is None or OperationStatus(status) not in TERMINAL:
        return
    graph = load_graph(conn, batch_id)
    if graph.operation_ids.get(key) != operation_id:
        return
    if OperationStatus(status) is OperationStatus.COMPLETED:
        _release(conn, graph, key, now, waker)
        emit_batch(conn, batch_id, ev.BATCH_OPERATION_COMPLETED, now, operation_id)
    else:
        policy = _policy(conn, batch_id)
        cancelled = rules.to_cancel(graph.nodes, graph.statuses, key, policy)
        for child, reason in cancelled.items():
            cancel_member(conn, graph.operation_ids[child], now, reason, "batch", False)
        if cancelled:
            waker.announce_stop(conn)
    settle(conn, batch_id, now)


def _release(conn: Connection, graph: Graph, key: str, now: datetime, waker: Waker) -> None:
    ready = rules.released(graph.nodes, graph.statuses, key)
    for child in ready:
        conn.execute(
            update(t.operations)
            .where(o.id == graph.operation_ids[child], o.status == OperationStatus.PENDING)
            .values(status=OperationStatus.INITIATED, run_after=now)
        )
    if ready:
        waker.announce(conn)


def _policy(conn: Connection, batch_id: str) -> rules.FailurePolicy:
    data = conn.execute(select(b.failure_policy).where(b.id == batch_id)).scalar_one()
    return rules.FailurePolicy.from_json(data)


def cancel_member(
    conn: Connection, operation_id: str, now: datetime, reason: str, by: str, force: bool
) -> bool:
    """End an active operation of a batch Cancelled, as an operation's cancel does; False
    when it had ended already."""
    cancellation: dict[str, Any] = {
        "reason": reason,
        "cancelledBy": by,
        "cancellationTime": ev.iso(now),
        "forceTermination": force,
        "preservePartialResults": True,
        "notifyCallbacks": True,
    }
    changed = conn.execute(
        update(t.operations)
        .where(o.id == operation_id, o.status.in_(sources_of(OperationStatus.CANCELLED)))
        .values(
            status=OperationStatus.CANCELLED,
            finished_at=now,
            stop_mode="force" if force else "cooperative",
            cancellation=cancellation,
            lease_token=None,
            lease_expires_at=None,
            run_seconds=total_run_seconds(conn, operation_id, now),
        )
    )
    if changed.rowcount != 1:
        return False
    finish_phases(conn, operation_id, PhaseStatus.CANCELLED, now)
    close_attempt(conn, operation_id, now, "cancelled")
    emit(conn, operation_id, ev.CANCELLED, {"cancellation": cancellation}, now)
    return True


def settle(conn: Connection, batch_id: str, now: datetime) -> rules.BatchStatus:
    """Derive the batch's status again; when it has just ended, record when and tell."""
    graph = load_graph(conn, batch_id)
    before, cancellation = conn.execute(
        select(b.status, b.cancellation).where(b.id == batch_id)
    ).one()
    status = rules.batch_status(graph.statuses.values(), graph.started, cancellation is not None)
    if status.value == before:
        return status
    ended = status in rules.BATCH_TERMINAL
    conn.execute(
        update(t.batches)
        .where(b.id == batch_id)
        .values(status=status.value, finished_at=now if ended else None)
    )
    if ended:
        emit_batch(conn, batch_id, _END_EVENTS[status], now)
    return status
