"""Queries of the API side: create, read, list, cancel and retry operations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from minerun.domain.estimates import HistorySample
from minerun.domain.records import Artifact, Attempt, Operation, Phase, Scope
from minerun.domain.statuses import OperationStatus, PhaseStatus, check_transition, sources_of
from minerun.exceptions import IdempotencyMismatch, IllegalTransition, NotFound
from minerun.notify import events as ev
from minerun.store import outbox
from minerun.store import tables as t
from minerun.store.attempts import close_attempt, finish_phases, total_run_seconds
from minerun.store.batch_flow import after_end, lock_batches
from minerun.store.engine import reader
from minerun.store.phase_figures import phase_figures
from minerun.store.wakeup import Waker

HISTORY_LIMIT = 50


@dataclass(frozen=True, slots=True)
class IdempotentRequest:
    endpoint: str
    key: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status_code: int
    body: dict[str, Any]
    location: str | None


@dataclass(frozen=True, slots=True)
class ListFilters:
    status: OperationStatus | None = None
    operation_type: str | None = None
    priority: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    batch_id: str | None = None


@dataclass(frozen=True, slots=True)
class Page:
    operations: list[Operation]
    counts: dict[str, int]
    has_next: bool


def _scoped(scope: Scope) -> Any:
    return and_(
        t.operations.c.tenant_id == scope.tenant_id, t.operations.c.project_id == scope.project_id
    )


class OperationStore:
    """Every query the API needs about operations; SQL stays in here."""

    def __init__(self, engine: Engine, waker: Waker) -> None:
        self.engine = engine
        self._reader = reader(engine)
        self.waker = waker

    # -- creating ---------------------------------------------------------------------------

    def replay(self, scope: Scope, request: IdempotentRequest) -> StoredResponse | None:
        """The stored answer to an earlier request with this key, if any."""
        with self._reader.connect() as conn:
            return self._replay(conn, scope, request)

    def _replay(
        self, conn: Connection, scope: Scope, request: IdempotentRequest
    ) -> StoredResponse | None:
        k = t.idempotency_keys.c
        row = (
            conn.execute(
                select(t.idempotency_keys).where(
                    k.tenant_id == scope.tenant_id,
                    k.project_id == scope.project_id,
                    k.endpoint == request.endpoint,
                    k.key == request.key,
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        if row["fingerprint"] != request.fingerprint:
            raise IdempotencyMismatch(
                "This Idempotency-Key was already used with a different request body.",
                errors=[{"field": "Idempotency-Key", "reason": "reused with another body"}],
            )
        return StoredResponse(row["status_code"], row["body"], row["location"])

    def insert(
        self,
        operation: dict[str, Any],
        phase_rows: Sequence[dict[str, Any]],
        reused_artifacts: Sequence[dict[str, Any]] = (),
        idempotency: tuple[IdempotentRequest, StoredResponse] | None = None,
    ) -> StoredResponse | None:
        """Commit a new operation with its phases; returns an earlier answer on a key replay."""
        try:
            with self.engine.begin() as conn:
                if idempotency is not None:
                    earlier = self._replay(conn, operation_scope(operation), idempotency[0])
                    if earlier is not None:
                        return earlier
                conn.execute(insert(t.operations), operation)
                conn.execute(insert(t.phases), list(phase_rows))
                if reused_artifacts:
                    conn.execute(insert(t.artifacts), list(reused_artifacts))
                if idempotency is not None:
                    self._remember(conn, operation_scope(operation), *idempotency)
                self.waker.announce(conn)
        except IntegrityError:
            # Two requests with one key raced; the loser replays the winner's answer.
            if idempotency is None:
                raise
            replay = self.replay(operation_scope(operation), idempotency[0])
            if replay is None:
                raise
            return replay
        self.waker.wake()
        return None

    def _remember(
        self, conn: Connection, scope: Scope, request: IdempotentRequest, response: StoredResponse
    ) -> None:
        conn.execute(
            insert(t.idempotency_keys).values(
                tenant_id=scope.tenant_id,
                project_id=scope.project_id,
                endpoint=request.endpoint,
                key=request.key,
                fingerprint=request.fingerprint,
                status_code=response.status_code,
                body=response.body,
                location=response.location,
                created_at=func.now(),
            )
        )

    def history(self, operation_type: str) -> list[HistorySample]:
        """Records and run time of the latest completed operations of a kind."""
        o = t.operations.c
        query = (
            select(o.total_records, o.run_seconds)
            .where(
                o.operation_type == operation_type,
                o.status == OperationStatus.COMPLETED,
                # A retry may have reused phases it did not run: its time is not the whole work.
                o.retry_of.is_(None),
            )
            .order_by(o.finished_at.desc())
            .limit(HISTORY_LIMIT)
        )
        with self._reader.connect() as conn:
            rows = conn.execute(query).all()
        return [HistorySample(records=r[0] or None, seconds=r[1] or 0.0) for r in rows]

    # -- reading ----------------------------------------------------------------------------

    def get(self, scope: Scope | None, operation_id: str, details: bool = True) -> Operation:
        """One operation of ``scope`` (any scope when None); :class:`NotFound` otherwise."""
        query = select(t.operations).where(t.operations.c.id == operation_id)
        if scope is not None:
            query = query.where(_scoped(scope))
        with self._reader.connect() as conn:
            row = conn.execute(query).mappings().first()
            if row is None:
                raise NotFound(f"Operation {operation_id} was not found.")
            if not details:
                return Operation.from_row(row)
            return Operation.from_row(row, *self._children(conn, [operation_id])[operation_id])

    def _children(
        self, conn: Connection, ids: list[str]
    ) -> dict[str, tuple[tuple[Phase, ...], tuple[Artifact, ...], tuple[Attempt, ...]]]:
        phases: dict[str, list[Phase]] = {i: [] for i in ids}
        artifacts: dict[str, list[Artifact]] = {i: [] for i in ids}
        attempts: dict[str, list[Attempt]] = {i: [] for i in ids}
        for row in conn.execute(
            select(t.phases).where(t.phases.c.operation_id.in_(ids)).order_by(t.phases.c.position)
        ).mappings():
            phases[row["operation_id"]].append(Phase.from_row(row))
        for row in conn.execute(
            select(t.artifacts)
            .where(t.artifacts.c.operation_id.in_(ids))
            .order_by(t.artifacts.c.created_at, t.artifacts.c.name)
        ).mappings():
            artifacts[row["operation_id"]].append(Artifact.from_row(row))
        for row in conn.execute(
            select(t.attempts)
            .where(t.attempts.c.operation_id.in_(ids))
            .order_by(t.attempts.c.number)
        ).mappings():
            attempts[row["operation_id"]].append(Attempt.from_row(row))
        return {i: (tuple(phases[i]), tuple(artifacts[i]), tuple(attempts[i])) for i in ids}

    def page(
        self, scope: Scope, filters: ListFilters, page: int, page_size: int, details: bool
    ) -> Page:
        """One page of operations, newest first, and the count per status of all matches."""
        o = t.operations.c
        where = [_scoped(scope)]
        if filters.status is not None:
            where.append(o.status == filters.status)
        if filters.operation_type is not None:
            where.append(o.operation_type == filters.operation_type)
        if filters.priority is not None:
            where.append(o.priority == filters.priority)
        if filters.date_from is not None:
            where.append(o.created_at >= filters.date_from)
        if filters.date_to is not None:
            where.append(o.created_at <= filters.date_to)
        if filters.batch_id is not None:
            where.append(o.batch_id == filters.batch_id)
        query = (
            select(t.operations)
            .where(*where)
            .order_by(o.created_at.desc(), o.id.desc())
            .offset((page - 1) * page_size)
            .limit(page_size + 1)
        )
        counts_query = select(o.status, func.count()).where(*where).group_by(o.status)
        with self._reader.connect() as conn:
            rows = conn.execute(query).mappings().all()
            counts = {status: n for status, n in conn.execute(counts_query).all()}
            ids = [r["id"] for r in rows[:page_size]]
            if details:
                children = self._children(conn, ids) if ids else {}
            else:
                # Progress needs the phases' figures; one query for the page, results left out.
                children = {i: (phases, (), ()) for i, phases in phase_figures(conn, ids).items()}
        operations = [
            Operation.from_row(r, *children.get(r["id"], ((), (), ()))) for r in rows[:page_size]
        ]
        return Page(operations, counts, has_next=len(rows) > page_size)

    def artifact(self, scope: Scope | None, operation_id: str, artifact_id: str) -> Artifact:
        operation = self.get(scope, operation_id, details=False)
        with self._reader.connect() as conn:
            row = (
                conn.execute(
                    select(t.artifacts).where(
                        t.artifacts.c.id == artifact_id,
                        t.artifacts.c.operation_id == operation.id,
                    )
                )
                .mappings()
                .first()
            )
        if row is None:
            raise NotFound(f"Artifact {artifact_id} was not found.")
        return Artifact.from_row(row)

    # -- cancelling -------------------------------------------------------------------------

    def cancel(
        self,
        scope: Scope,
        operation_id: str,
        now: datetime,
        cancellation: dict[str, Any],
        force: bool,
    ) -> Operation:
        """Make an active operation Cancelled at once; a worker running it stops at its next check.

        The status change removes the lease, so whatever the worker still tries to write is
        refused; the worker sees the change and stops its process (at once when ``force``).
        The attempt in progress ends here too (outcome ``cancelled``), and the run time is
        counted up to now: what the worker does while it stops is not the operation's run.
        """
        with self.engine.begin() as conn:
            lock_batches(conn, [operation_id])
            row = (
                conn.execute(
                    select(t.operations).where(_scoped(scope), t.operations.c.id == operation_id)
                )
                .mappings()
                .first()
            )
            if row is None:
                raise NotFound(f"Operation {operation_id} was not found.")
            check_transition(OperationStatus(row["status"]), OperationStatus.CANCELLED)
            changed = conn.execute(
                update(t.operations)
                .where(
                    t.operations.c.id == operation_id,
                    # A worker may have finished it since the read: the guard, once more.
                    t.operations.c.status.in_(sources_of(OperationStatus.CANCELLED)),
                )
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
                raise IllegalTransition(
                    f"Operation {operation_id} finished before it could be cancelled."
                )
            finish_phases(conn, operation_id, PhaseStatus.CANCELLED, now)
            close_attempt(conn, operation_id, now, "cancelled")
            outbox.emit(conn, operation_id, ev.CANCELLED, {"cancellation": cancellation}, now)
            after_end(conn, operation_id, now, self.waker)
            self.waker.announce_stop(conn)
        self.waker.wake()
        return self.get(scope, operation_id)

    def drop_artifacts(self, operation_id: str) -> list[str]:
        """Forget an operation's artifacts (partial results not kept); returns their paths."""
        with self.engine.begin() as conn:
            paths = [
                r[0]
                for r in conn.execute(
                    select(t.artifacts.c.path).where(t.artifacts.c.operation_id == operation_id)
                )
            ]
            conn.execute(t.artifacts.delete().where(t.artifacts.c.operation_id == operation_id))
            conn.execute(
                update(t.phases).where(t.phases.c.operation_id == operation_id).values(results=None)
            )
        return paths

    def count_retries(self, original_id: str) -> int:
        with self._reader.connect() as conn:
            return int(
                conn.execute(
                    select(func.count()).where(t.operations.c.retry_of == original_id)
                ).scalar_one()
            )


def operation_scope(operation: dict[str, Any]) -> Scope:
    return Scope(operation["tenant_id"], operation["project_id"])
