"""The event stream's rows: written for every event whoever listens, numbered after commit in
order, read per project and per operation, and pruned past the retention."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from minerun.config import Settings
from minerun.domain.records import Scope
from minerun.store import event_stream
from minerun.store import tables_notify as tn
from minerun.store.database import Database
from minerun.store.outbox import emit
from tests.support.factory import NO_USAGE, SCOPE, service, start

e = tn.outbox_events.c


def _now() -> datetime:
    return datetime.now(UTC)


def _run(database: Database, records: int = 50) -> None:
    lease = database.queue.claim("w", _now(), 30)
    assert lease is not None
    for position in range(3):
        database.queue.start_phase(lease, position, _now())
        for done in range(1, records + 1):
            database.queue.progress(lease, position, done, records, "x", position * records, 0)
        database.queue.complete_phase(
            lease, position, {}, [], _now(), (position + 1) * records, records
        )
    database.queue.complete(lease, _now(), None, NO_USAGE)


def test_every_event_is_kept_for_the_stream_with_no_subscriber_and_numbered_in_order(
    settings: Settings, database: Database
) -> None:
    op = start(service(settings, database), records=50)
    _run(database)
    assert event_stream.unnumbered(database.engine)
    assert event_stream.read(database.engine, SCOPE, 0) == [], "unnumbered: not yet shown"

    numbered = event_stream.sequence(database.engine)
    assert numbered > 0 and not event_stream.unnumbered(database.engine)
    stream = event_stream.read(database.engine, SCOPE, 0, op.id, limit=1000)
    assert [s.stream_seq for s in stream] == list(range(1, numbered + 1))
    kinds = [s.event_type for s in stream]
    assert kinds[0] == "operation.started" and kinds[-1] == "operation.completed"
    assert kinds.count("operation.phase.completed") == 3
    # 150 progress writes, kept each time the percentage grew by a point or more.
    with database.engine.connect() as conn:
        kept = list(
            conn.execute(
                select(e.progress)
                .where(e.target_kind == "stream", e.event_type == "operation.progress")
                .order_by(e.stream_seq)
            ).scalars()
        )
    assert 50 <= len(kept) <= 101 and kept == sorted(kept) and kept[-1] == 100
    # A point apart, but 100 % always comes.
    assert all(b - a >= 1 - 1e-9 for a, b in itertools.pairwise(kept) if b < 100)

    middle = stream[len(stream) // 2].stream_seq
    resumed = event_stream.read(database.engine, SCOPE, middle, op.id)
    assert resumed[0].stream_seq == middle + 1 and resumed == stream[len(stream) // 2 + 1 :]
    assert event_stream.read(database.engine, Scope("other", "project"), 0) == []
    assert event_stream.latest(database.engine) == numbered
    assert not event_stream.unread(database.engine, op.id, numbered)
    assert event_stream.unread(database.engine, op.id, numbered - 1)


def test_a_later_commit_always_gets_a_later_id(settings: Settings, database: Database) -> None:
    svc = service(settings, database)
    first, second = start(svc), start(svc)
    with database.engine.begin() as conn:
        emit(conn, first.id, "operation.progress")
    event_stream.sequence(database.engine)
    seen = event_stream.latest(database.engine)
    with database.engine.begin() as conn:
        emit(conn, second.id, "operation.progress")
    assert event_stream.read(database.engine, SCOPE, seen) == [], "not numbered yet"
    event_stream.sequence(database.engine)
    [after] = event_stream.read(database.engine, SCOPE, seen)
    assert after.operation_id == second.id and after.stream_seq == seen + 1


def test_pruning_removes_old_events_but_never_the_newest(
    settings: Settings, database: Database
) -> None:
    op = start(service(settings, database))
    with database.engine.begin() as conn:
        for _ in range(3):
            emit(conn, op.id, "operation.progress")
    event_stream.sequence(database.engine)
    old = _now() - timedelta(days=30)
    with database.engine.begin() as conn:
        conn.execute(update(tn.outbox_events).values(created_at=old))
    assert event_stream.prune(database.engine, _now() - timedelta(days=7)) == 2
    assert [s.stream_seq for s in event_stream.read(database.engine, SCOPE, 0)] == [3]
    with database.engine.begin() as conn:
        emit(conn, op.id, "operation.progress")
    event_stream.sequence(database.engine)
    assert [s.stream_seq for s in event_stream.read(database.engine, SCOPE, 0)] == [3, 4]
