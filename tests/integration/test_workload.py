"""The workload read for queue estimates: live slots, running and queued operations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from minerun.config import Settings
from minerun.domain.priority import Priority
from minerun.services.workload import current_queue
from minerun.store.database import Database
from tests.support.factory import service, start


def test_only_workers_seen_within_a_lease_count_their_slots(database: Database) -> None:
    now = datetime.now(UTC)
    database.workload.beat("a", 2, now - timedelta(seconds=1))
    database.workload.beat("b", 3, now - timedelta(seconds=30))
    database.workload.beat("a", 4, now)
    assert database.workload.read(now, alive_seconds=10).slots == 4
    assert database.workload.read(now, alive_seconds=60).slots == 7
    database.workload.forget("a")
    assert database.workload.read(now, alive_seconds=60).slots == 3
    # A worker gone for a day is removed when another one starts beating.
    database.workload.beat("c", 1, now + timedelta(days=2))
    assert database.workload.read(now + timedelta(days=2), alive_seconds=10**6).slots == 1


def test_the_queue_holds_running_work_and_the_queue_in_claim_order(
    settings: Settings, database: Database
) -> None:
    svc = service(settings, database)
    now = datetime.now(UTC)
    database.workload.beat("w", 1, now)
    low = start(svc, Priority.LOW, records=10)
    high = start(svc, Priority.HIGH, records=10)
    lease = database.queue.claim("w", datetime.now(UTC), 60)
    assert lease is not None and lease.operation_id == high.id
    database.queue.start_phase(lease, 0, now)
    database.queue.progress(lease, 0, 5, 10, "x", 0, None)
    queue = current_queue(database, 10, datetime.now(UTC))
    assert queue.slots == 1
    # The running one has done half of its first phase, a sixth of its work, at once:
    # (5/6) x (elapsed + 0.1 x 30 s) / (1/6 + 0.1), elapsed being a few milliseconds.
    [busy] = queue.busy
    assert busy == pytest.approx(5 / 6 * 3 / (1 / 6 + 0.1), abs=0.5)
    assert [key for key, _ready, _expected in queue.waiting] == [low.queue_key]
    assert queue.waiting[0][2] == 30.0
    assert queue.start_in(low.queue_key, 0.0) == busy
