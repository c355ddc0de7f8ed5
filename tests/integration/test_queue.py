"""Claims, leases and fencing on both databases, without worker processes."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from minerun.config import Settings
from minerun.domain.failures import Failure, FailureType
from minerun.domain.priority import Priority
from minerun.domain.statuses import OperationStatus, PhaseStatus
from minerun.exceptions import LeaseLost
from minerun.store import tables as t
from minerun.store.database import Database
from minerun.store.queue import Usage
from tests.support.factory import NO_USAGE, service, start

MAX_CRASHES = 5


def now() -> datetime:
    return datetime.now(UTC)


def test_claims_follow_priority_then_age(settings: Settings, database: Database) -> None:
    svc = service(settings, database)
    low = start(svc, Priority.LOW)
    normal_first = start(svc, Priority.NORMAL)
    critical = start(svc, Priority.CRITICAL)
    normal_second = start(svc, Priority.NORMAL)
    claimed = [database.queue.claim("w", now(), 30) for _ in range(4)]
    order = [lease.operation_id for lease in claimed if lease]
    assert order == [critical.id, normal_first.id, normal_second.id, low.id]
    assert database.queue.claim("w", now(), 30) is None


def test_aged_low_priority_work_is_claimed_before_new_critical_work(
    settings: Settings, database: Database
) -> None:
    svc = service(settings, database)
    low = start(svc, Priority.LOW)
    # Pretend the Low operation has waited four aging periods.
    with database.engine.begin() as conn:
        conn.execute(
            update(t.operations)
            .where(t.operations.c.id == low.id)
            .values(queue_key=t.operations.c.queue_key - 4 * settings.priority_aging_seconds)
        )
    start(svc, Priority.CRITICAL)
    lease = database.queue.claim("w", now(), 30)
    assert lease is not None and lease.operation_id == low.id


def test_a_claim_leases_the_operation_and_records_an_attempt(
    settings: Settings, database: Database
) -> None:
    op = start(service(settings, database))
    lease = database.queue.claim("worker-a", now(), 30)
    assert lease is not None
    stored = database.operations.get(None, op.id)
    assert stored.status is OperationStatus.RUNNING
    assert stored.lease_owner == "worker-a" and stored.lease_token == lease.token
    assert [a.worker for a in stored.attempts] == ["worker-a"]


def test_operations_waiting_for_a_retry_delay_are_not_claimed(
    settings: Settings, database: Database
) -> None:
    op = start(service(settings, database), retry_policy={"maxRetries": 1, "retryDelay": 3600})
    lease = database.queue.claim("w", now(), 30)
    assert lease is not None
    database.queue.fail(lease, now(), Failure(FailureType.PHASE_ERROR, "boom"), MAX_CRASHES)
    assert database.queue.claim("w", now(), 30) is None
    later = database.queue.claim("w", now() + timedelta(hours=2), 30)
    assert later is not None and later.operation_id == op.id


def test_an_expired_lease_is_rescued_and_the_stale_worker_cannot_write(
    settings: Settings, database: Database
) -> None:
    op = start(service(settings, database))
    stale = database.queue.claim("dead-worker", now(), 30)
    assert stale is not None
    database.queue.start_phase(stale, 0, now())
    later = now() + timedelta(seconds=31)
    assert database.queue.rescue_expired(later, MAX_CRASHES) == [op.id]
    fresh = database.queue.claim("live-worker", later, 30)
    assert fresh is not None and fresh.operation_id == op.id
    with pytest.raises(LeaseLost):
        database.queue.complete_phase(stale, 0, {"x": 1}, [], now(), 1, 1)
    with pytest.raises(LeaseLost):
        database.queue.complete(stale, now(), None, NO_USAGE)
    with pytest.raises(LeaseLost):
        database.queue.progress(stale, 0, 5, 10, None, 0, None)
    assert database.queue.renew([stale], now(), 30, {}) == {op.id}
    stored = database.operations.get(None, op.id)
    assert stored.lease_owner == "live-worker"
    assert stored.phases[0].status is PhaseStatus.PENDING
    assert [a.outcome for a in stored.attempts] == ["lease-expired", None]


def test_a_live_lease_is_not_rescued(settings: Settings, database: Database) -> None:
    start(service(settings, database))
    lease = database.queue.claim("w", now(), 30)
    assert lease is not None
    assert database.queue.rescue_expired(now() + timedelta(seconds=10), MAX_CRASHES) == []
    assert database.queue.renew([lease], now() + timedelta(seconds=25), 30, {}) == set()
    assert database.queue.rescue_expired(now() + timedelta(seconds=40), MAX_CRASHES) == []


def test_operations_past_their_timeout_end_as_timeout(
    settings: Settings, database: Database
) -> None:
    svc = service(settings, database)
    queued = start(svc, timeout=60)
    running = start(svc, timeout=60)
    later = start(svc, timeout=3600)
    lease = database.queue.claim("w", now(), 30)
    assert lease is not None and lease.operation_id == queued.id
    swept = database.queue.sweep_timeouts(now() + timedelta(seconds=61))
    assert set(swept) == {queued.id, running.id}
    assert database.operations.get(None, later.id).status is OperationStatus.INITIATED
    with pytest.raises(LeaseLost):
        database.queue.complete(lease, now(), None, NO_USAGE)
    assert database.operations.get(None, queued.id).status is OperationStatus.TIMEOUT


def test_concurrent_claimers_never_share_an_operation(
    settings: Settings, database: Database
) -> None:
    svc = service(settings, database)
    ids = {start(svc).id for _ in range(60)}
    claimed: list[str] = []
    lock = threading.Lock()

    def claimer(name: str) -> None:
        while True:
            lease = database.queue.claim(name, now(), 30)
            if lease is None:
                return
            with lock:
                claimed.append(lease.operation_id)

    threads = [threading.Thread(target=claimer, args=(f"w{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == sorted(ids)


def test_completion_carries_the_usage_measured_to_the_end(
    settings: Settings, database: Database
) -> None:
    # A Completed operation must never show no usage, even before the supervisor's next sample.
    op = start(service(settings, database))
    lease = database.queue.claim("w", now(), 30)
    assert lease is not None
    usage = Usage(
        cpu_percent=55.0, cpu_seconds=1.5, memory_bytes=123, peak_memory_bytes=456, disk_bytes=7
    )
    database.queue.complete(lease, now(), None, usage)
    stored = database.operations.get(None, op.id)
    assert (stored.memory_bytes, stored.peak_memory_bytes, stored.disk_bytes) == (123, 456, 7)
    assert stored.cpu_seconds == 1.5 and stored.cpu_percent == 55.0
