"""Queries of the API side about batches: create, read, list, cancel and retry.

A batch is committed whole in one transaction (its row, every operation with its phases, its
nodes and edges, the ``batch.started`` event); what follows an operation's end is in
:mod:`minerun.store.batch_flow`, inside the transaction of that end.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from minerun.domain.batches import BATCH_TERMINAL, BatchStatus
from minerun.domain.records import Operation, Scope
from minerun.domain.statuses import TERMINAL, OperationStatus
from minerun.exceptions import Conflict, NotFound
from minerun.notify import events as ev
from minerun.store import tables as t
from minerun.store.batch_events import emit_batch
from minerun.store.batch_flow import cancel_member, load_graph, lock_batches, settle
from minerun.store.engine import reader
from minerun.store.operations import IdempotentRequest, OperationStore, StoredResponse
from minerun.store.phase_figures import phase_figures
from minerun.store.wakeup import Waker

b = t.batches.c
o = t.operations.c
n = t.batch_nodes.c
e = t.batch_edges.c


@dataclass(frozen=True, slots=True)
class Batch:
    """A batch as stored, with its current operations (phases' figures loaded) and edges."""

    id: str
    scope: Scope
    name: str
    description: str | None
    callbacks: dict[str, Any] | None
    failure_policy: dict[str, Any]
    stored_status: str
    estimate: dict[str, Any]
    created_by: str | None
    created_at: datetime
    finished_at: datetime | None
    cancellation: dict[str, Any] | None
    retries: int
    operations: tuple[tuple[str, Operation], ...] = ()
    """(operation key, current operation), in submission order."""
    dependencies: Mapping[str, tuple[str, ...]] | None = None

    @classmethod
    def from_row(
        cls,
        row: Mapping[Any, Any],
        operations: tuple[tuple[str, Operation], ...] = (),
        dependencies: Mapping[str, tuple[str, ...]] | None = None,
    ) -> Batch:
        return cls(
            id=row["id"],
            scope=Scope(row["tenant_id"], row["project_id"]),
            name=row["name"],
            description=row["description"],
            callbacks=row["callbacks"],
            failure_policy=row["failure_policy"],
            stored_status=row["status"],
            estimate=row["estimate"],
            created_by=row["created_by"],
            created_at=row["created_at"],
            finished_at=row["finished_at"],
            cancellation=row["cancellation"],
            retries=row["retries"],
            operations=operations,
            dependencies=dependencies,
        )


@dataclass(frozen=True, slots=True)
class NewOperations:
    """Operation rows ready to insert, with their phases and reused artifacts."""

    operations: Sequence[dict[str, Any]]
    phases: Sequence[dict[str, Any]]
    artifacts: Sequence[dict[str, Any]] = ()


@dataclass(frozen=True, slots=True)
class BatchPage:
    batches: list[Batch]
    total: int
    has_next: bool


def _scoped(scope: Scope) -> Any:
    return and_(b.tenant_id == scope.tenant_id, b.project_id == scope.project_id)


# A batch has started once one of its operations has started or ended.
def _started(batch_id: Any) -> Any:
    return exists().where(
        o.batch_id == batch_id,
        or_(o.started_at.is_not(None), o.status.in_([s.value for s in TERMINAL])),
    )


class BatchStore:
    """Every query the API needs about batches; SQL stays in here."""

    def __init__(self, engine: Engine, waker: Waker) -> None:
        self.engine = engine
        self._reader = reader(engine)
        self.waker = waker
        self._operations = OperationStore(engine, waker)

    def replay(self, scope: Scope, request: IdempotentRequest) -> StoredResponse | None:
        return self._operations.replay(scope, request)

    def insert(
        self,
        batch: dict[str, Any],
        new: NewOperations,
        nodes: Sequence[dict[str, Any]],
        edges: Sequence[dict[str, Any]],
        idempotency: tuple[IdempotentRequest, StoredResponse] | None = None,
    ) -> StoredResponse | None:
        """Commit a whole batch; returns an earlier answer on a key replay."""
        scope = Scope(batch["tenant_id"], batch["project_id"])
        try:
            with self.engine.begin() as conn:
                if idempotency is not None:
                    earlier = self._operations._replay(conn, scope, idempotency[0])
                    if earlier is not None:
                        return earlier
                conn.execute(insert(t.batches), batch)
                _insert_operations(conn, new)
                conn.execute(insert(t.batch_nodes), list(nodes))
                if edges:
                    conn.execute(insert(t.batch_edges), list(edges))
                emit_batch(conn, batch["id"], ev.BATCH_STARTED, batch["created_at"])
                if idempotency is not None:
                    self._operations._remember(conn, scope, *idempotency)
                self.waker.announce(conn)
        except IntegrityError:
            # Two requests with one key raced; the loser replays the winner's answer.
            replay = self.replay(scope, idempotency[0]) if idempotency else None
            if replay is None:
                raise
            return replay
        self.waker.wake()
        return None

    # -- reading ----------------------------------------------------------------------------

    def get(self, scope: Scope, batch_id: str) -> Batch:
        with self._reader.connect() as conn:
            return self._get(conn, scope, batch_id)

    def _get(self, conn: Connection, scope: Scope, batch_id: str) -> Batch:
        row = conn.execute(select(t.batches).where(_scoped(scope), b.id == batch_id)).mappings()
        first = row.first()
        if first is None:
            raise NotFound(f"Batch {batch_id} was not found.")
        return self._loaded(conn, [first])[0]

    def _loaded(self, conn: Connection, rows: Sequence[Mapping[Any, Any]]) -> list[Batch]:
        ids = [r["id"] for r in rows]
        if not ids:
            return []
        members = (
            conn.execute(
                select(t.operations)
                .join(t.batch_nodes, o.id == n.operation_id)
                .where(n.batch_id.in_(ids))
                .order_by(n.batch_id, n.position)
            )
            .mappings()
            .all()
        )
        phases = phase_figures(conn, [m["id"] for m in members])
        operations: dict[str, list[tuple[str, Operation]]] = {i: [] for i in ids}
        for m in members:
            operations[m["batch_id"]].append(
                (m["operation_key"], Operation.from_row(m, phases.get(m["id"], ())))
            )
        dependencies: dict[str, dict[str, list[str]]] = {i: {} for i in ids}
        for batch_id, child, parent in conn.execute(
            select(e.batch_id, e.child_key, e.parent_key)
            .where(e.batch_id.in_(ids))
            .order_by(e.position)
        ):
            dependencies[batch_id].setdefault(child, []).append(parent)
        return [
            Batch.from_row(
                r,
                tuple(operations[r["id"]]),
                {k: tuple(v) for k, v in dependencies[r["id"]].items()},
            )
            for r in rows
        ]

    def page(
        self,
        scope: Scope,
        status: BatchStatus | None,
        date_from: datetime | None,
        date_to: datetime | None,
        page: int,
        page_size: int,
    ) -> BatchPage:
        """One page of batches, newest first, and how many match in all."""
        where = [_scoped(scope)]
        if status in (BatchStatus.INITIATED, BatchStatus.RUNNING):
            active = [BatchStatus.INITIATED.value, BatchStatus.RUNNING.value]
            started = _started(b.id)
            where += [b.status.in_(active), started if status is BatchStatus.RUNNING else ~started]
        elif status is not None:
            where.append(b.status == status.value)
        if date_from is not None:
            where.append(b.created_at >= date_from)
        if date_to is not None:
            where.append(b.created_at <= date_to)
        query = (
            select(t.batches)
            .where(*where)
            .order_by(b.created_at.desc(), b.id.desc())
            .offset((page - 1) * page_size)
            .limit(page_size + 1)
        )
        with self._reader.connect() as conn:
            rows = conn.execute(query).mappings().all()
            total = int(conn.execute(select(func.count()).where(*where)).scalar_one())
            batches = self._loaded(conn, rows[:page_size])
        return BatchPage(batches, total, has_next=len(rows) > page_size)

    # -- cancelling and retrying --------------------------------------------------------------

    def cancel(
        self, scope: Scope, batch_id: str, now: datetime, cancellation: dict[str, Any], by: str
    ) -> Batch:
        """Cancel every operation of the batch not finished yet; the batch ends Cancelled."""
        force = bool(cancellation.get("forceTermination"))
        reason = cancellation.get("reason") or "The batch was cancelled."
        with self.engine.begin() as conn:
            batch = self._get(conn, scope, batch_id)
            lock_batches(conn, [op.id for _, op in batch.operations])
            graph = load_graph(conn, batch_id)
            stored = conn.execute(select(b.status).where(b.id == batch_id)).scalar_one()
            if stored in {s.value for s in BATCH_TERMINAL}:
                raise Conflict(f"Batch {batch_id} has ended ({stored}).", currentStatus=stored)
            conn.execute(
                update(t.batches).where(b.id == batch_id).values(cancellation=cancellation)
            )
            for key, status in graph.statuses.items():
                if status not in TERMINAL:
                    cancel_member(conn, graph.operation_ids[key], now, reason, by, force)
            settle(conn, batch_id, now)
            self.waker.announce_stop(conn)
        self.waker.wake()
        return self.get(scope, batch_id)

    def replace(self, scope: Scope, batch_id: str, new: NewOperations, now: datetime) -> Batch:
        """Put new operations in place of ended ones (a batch retry), in one transaction."""
        with self.engine.begin() as conn:
            batch = self._get(conn, scope, batch_id)
            lock_batches(conn, [op.id for _, op in batch.operations])
            stored = conn.execute(select(b.status).where(b.id == batch_id)).scalar_one()
            if stored not in {s.value for s in BATCH_TERMINAL}:
                raise Conflict(
                    f"Batch {batch_id} is still running; only an ended batch can be retried.",
                    currentStatus=stored,
                )
            _insert_operations(conn, new)
            for row in new.operations:
                conn.execute(
                    update(t.batch_nodes)
                    .where(n.batch_id == batch_id, n.operation_key == row["operation_key"])
                    .values(operation_id=row["id"])
                )
            conn.execute(
                update(t.batches)
                .where(b.id == batch_id)
                .values(cancellation=None, retries=b.retries + 1)
            )
            settle(conn, batch_id, now)
            self.waker.announce(conn)
        self.waker.wake()
        return self.get(scope, batch_id)


def _insert_operations(conn: Connection, new: NewOperations) -> None:
    conn.execute(insert(t.operations), list(new.operations))
    conn.execute(insert(t.phases), list(new.phases))
    if new.artifacts:
        conn.execute(insert(t.artifacts), list(new.artifacts))


def initial_retry_status(
    key: str, dependencies: Mapping[str, tuple[str, ...]], completed: set[str]
) -> OperationStatus:
    """A retried operation is queued when its parents have all completed, else it waits."""
    parents = dependencies.get(key, ())
    return (
        OperationStatus.INITIATED
        if all(p in completed for p in parents)
        else OperationStatus.PENDING
    )
