"""A dataset written by a phase is listed with the phase's checkpoint, once, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from minerun.config import Settings
from minerun.exceptions import LeaseLost
from minerun.store.database import Database
from tests.support.factory import SCOPE, service, start

DATASET = "0d6f6a7e-2b1c-5d3e-8f4a-9b0c1d2e3f40"


def now() -> datetime:
    return datetime.now(UTC)


def _row(events: int) -> dict[str, Any]:
    return {
        "id": DATASET,
        "tenant_id": SCOPE.tenant_id,
        "project_id": SCOPE.project_id,
        "name": "cleaned",
        "source_format": "parquet",
        "original_filename": "cleaned-log.parquet",
        "mapping": None,
        "path": f"datasets/{DATASET}.parquet",
        "size_bytes": 10 * events,
        "statistics": {"eventCount": events},
        "validation": {"rowsTotal": events},
        "derived_from": "source",
        "created_at": now(),
    }


def test_a_checkpoint_lists_the_dataset_and_a_second_one_refreshes_it(
    settings: Settings, database: Database
) -> None:
    start(service(settings, database))
    lease = database.queue.claim("w", now(), 30)
    assert lease is not None
    database.queue.start_phase(lease, 0, now())
    database.queue.complete_phase(lease, 0, {}, [], now(), 1, 1, [_row(5)])
    assert database.datasets.get(SCOPE, DATASET).statistics == {"eventCount": 5}
    database.queue.complete_phase(lease, 0, {}, [], now(), 1, 1, [_row(7)])
    datasets, total = database.datasets.page(SCOPE, 1, 10)
    assert total == 1 and datasets[0].statistics == {"eventCount": 7}
    assert datasets[0].derived_from == "source"


def test_a_stale_worker_cannot_list_a_dataset(settings: Settings, database: Database) -> None:
    start(service(settings, database))
    stale = database.queue.claim("dead-worker", now(), 30)
    assert stale is not None
    database.queue.start_phase(stale, 0, now())
    later = now() + timedelta(seconds=31)
    database.queue.rescue_expired(later, 5)
    with pytest.raises(LeaseLost):
        database.queue.complete_phase(stale, 0, {}, [], now(), 1, 1, [_row(5)])
    assert database.datasets.page(SCOPE, 1, 10)[1] == 0
