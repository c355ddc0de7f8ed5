"""The event stream's store: the order in which readers see events, the reads, the retention.

Every event is written into the outbox with the state change it reports, as one row whose
target kind is ``stream`` (whoever listens; see store/outbox.py). Its ``seq`` is taken at
insert, and on PostgreSQL two transactions can commit in the other order than their seqs: a
reader that had passed seq 12 would never see a seq 11 committed after it. So a committed row
gets its ``stream_seq`` afterwards, from :func:`sequence`, one sequencer at a time (a
transaction lock on PostgreSQL, the write lock on SQLite), in the order found. A row
committed later always gets a larger number, so a reader that resumes after ``stream_seq`` N
misses nothing and sees nothing twice. ``stream_seq`` is the SSE event ``id``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, bindparam, delete, func, or_, select, text, update

from minerun.domain.records import Scope
from minerun.domain.statuses import TERMINAL, OperationStatus
from minerun.notify import events as ev
from minerun.store import tables as t
from minerun.store import tables_notify as tn
from minerun.store.engine import is_sqlite, reader
from minerun.store.wakeup import EVENTS_CHANNEL

e = tn.outbox_events.c
STREAM_KIND = ev.STREAM_TARGET.kind
_SEQUENCER_LOCK = 0x6D696E6572756E  # any constant: the advisory lock only sequencers take
SEQUENCE_BATCH = 1000


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One event as a stream shows it: its ``id``, whom it is about, its type and document."""

    stream_seq: int
    scope: Scope
    operation_id: str | None
    event_type: str
    body: str

    @classmethod
    def from_row(cls, row: Any) -> StreamEvent:
        return cls(int(row[0]), Scope(row[1], row[2]), row[3], row[4], row[5])


_COLUMNS = (e.stream_seq, e.tenant_id, e.project_id, e.operation_id, e.event_type, e.body)


def sequence(engine: Engine, limit: int = SEQUENCE_BATCH) -> int:
    """Number the committed stream rows that have no ``stream_seq`` yet; returns how many."""
    postgres = not is_sqlite(engine)
    with engine.begin() as conn:
        if postgres:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SEQUENCER_LOCK})
        pending = (
            conn.execute(
                select(e.seq)
                .where(e.target_kind == STREAM_KIND, e.stream_seq.is_(None))
                .order_by(e.seq)
                .limit(limit)
            )
            .scalars()
            .all()
        )
        if not pending:
            return 0
        top = conn.execute(
            select(func.max(e.stream_seq)).where(e.target_kind == STREAM_KIND)
        ).scalar()
        start = int(top or 0)
        conn.execute(
            update(tn.outbox_events)
            .where(e.seq == bindparam("row_seq"))
            .values(stream_seq=bindparam("new_seq")),
            [{"row_seq": seq, "new_seq": start + i} for i, seq in enumerate(pending, 1)],
        )
        if postgres:
            # Readers in the other API processes read the numbered rows at once.
            conn.execute(text(f"SELECT pg_notify('{EVENTS_CHANNEL}', 'sequenced')"))
    return len(pending)


def unnumbered(engine: Engine) -> bool:
    """Whether committed stream rows wait for their ``stream_seq``."""
    with reader(engine).connect() as conn:
        found = conn.execute(
            select(e.seq).where(e.target_kind == STREAM_KIND, e.stream_seq.is_(None)).limit(1)
        ).first()
    return found is not None


def numbered_since(engine: Engine, after: int, limit: int = SEQUENCE_BATCH) -> list[StreamEvent]:
    """Every project's events numbered after ``after``."""
    with reader(engine).connect() as conn:
        rows = conn.execute(
            select(*_COLUMNS)
            .where(e.target_kind == STREAM_KIND, e.stream_seq > after)
            .order_by(e.stream_seq)
            .limit(limit)
        ).all()
    return [StreamEvent.from_row(r) for r in rows]


def latest(engine: Engine) -> int:
    """The highest ``stream_seq`` given so far (0 when none): where a new project stream starts."""
    with reader(engine).connect() as conn:
        top = conn.execute(
            select(func.max(e.stream_seq)).where(e.target_kind == STREAM_KIND)
        ).scalar()
    return int(top or 0)


def read(
    engine: Engine,
    scope: Scope,
    after: int,
    operation_id: str | None = None,
    limit: int = 200,
) -> list[StreamEvent]:
    """The numbered events of a project (or of one of its operations) after ``after``."""
    query = select(*_COLUMNS).where(
        e.target_kind == STREAM_KIND,
        e.stream_seq > after,
        e.tenant_id == scope.tenant_id,
        e.project_id == scope.project_id,
    )
    if operation_id is not None:
        query = query.where(e.operation_id == operation_id)
    with reader(engine).connect() as conn:
        rows = conn.execute(query.order_by(e.stream_seq).limit(limit)).all()
    return [StreamEvent.from_row(r) for r in rows]


def unread(engine: Engine, operation_id: str, after: int) -> bool:
    """Whether the operation has events a reader at ``after`` has not seen (numbered or not)."""
    with reader(engine).connect() as conn:
        found = conn.execute(
            select(e.seq)
            .where(
                e.operation_id == operation_id,
                e.target_kind == STREAM_KIND,
                or_(e.stream_seq.is_(None), e.stream_seq > after),
            )
            .limit(1)
        ).first()
    return found is not None


def finished(engine: Engine, operation_id: str, after: int) -> bool:
    """Whether the operation has ended and a reader at ``after`` has seen every event kept
    about it. The final event commits with the final status, so once the status is final
    the event is found here, numbered or not."""
    o = t.operations.c
    with reader(engine).connect() as conn:
        status = conn.execute(select(o.status).where(o.id == operation_id)).scalar()
    if status is None or OperationStatus(status) not in TERMINAL:
        return False
    return not unread(engine, operation_id, after)


def prune(engine: Engine, before: datetime) -> int:
    """Delete the stream events created before ``before``; returns how many.

    The newest numbered event is always kept: numbering goes on from it, so an ``id`` is
    never given twice.
    """
    with engine.begin() as conn:
        top = conn.execute(
            select(func.max(e.stream_seq)).where(e.target_kind == STREAM_KIND)
        ).scalar()
        if top is None:
            return 0
        return conn.execute(
            delete(tn.outbox_events).where(
                e.target_kind == STREAM_KIND, e.created_at < before, e.stream_seq < top
            )
        ).rowcount
