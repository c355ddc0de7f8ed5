"""How runs end without a normal completion, on both databases and without worker processes:
crash loops, invalid input, cancellation and timeouts close their attempt and count run time."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta
from threading import Event

import pytest
from sqlalchemy import update

from minerun.config import Settings
from minerun.domain.failures import Failure, FailureType
from minerun.domain.statuses import OperationStatus, PhaseStatus
from minerun.kinds.registry import load_registry
from minerun.services.requests import CancelRequest
from minerun.store import tables as t
from minerun.store.database import Database
from minerun.worker.runner import run_operation
from tests.integration.test_outbox import events, subscribe
from tests.support.factory import SCOPE, service, start

DIED = Failure(FailureType.PROCESS_DIED, "The process running the operation died (exit code -9).")


def now() -> datetime:
    return datetime.now(UTC)


def _backdate_attempt(database: Database, operation_id: str, seconds: float) -> None:
    """Pretend the open attempt started ``seconds`` ago (no sleeping in tests)."""
    a = t.attempts.c
    with database.engine.begin() as conn:
        conn.execute(
            update(t.attempts)
            .where(a.operation_id == operation_id, a.ended_at.is_(None))
            .values(started_at=now() - timedelta(seconds=seconds))
        )


def test_an_operation_that_keeps_killing_its_worker_ends_failed(
    settings: Settings, database: Database
) -> None:
    sub = subscribe(database)
    op = start(service(settings, database), timeout=10**6)
    moment = now()
    for crash in range(1, settings.max_crashes + 1):
        lease = database.queue.claim(f"worker-{crash}", moment, 30)
        assert lease is not None and lease.operation_id == op.id, f"claim {crash}"
        database.queue.start_phase(lease, 0, moment)
        moment += timedelta(seconds=31)  # the worker died: its lease runs out
        assert database.queue.rescue_expired(moment, settings.max_crashes) == [op.id]
    stored = database.operations.get(None, op.id)
    assert stored.status is OperationStatus.FAILED
    assert stored.last_error_type == "crash-loop"
    assert f"crashed its worker {settings.max_crashes} times" in (stored.last_error or "")
    assert [a.outcome for a in stored.attempts] == ["lease-expired"] * settings.max_crashes
    assert [p.status for p in stored.phases] == [
        PhaseStatus.FAILED,
        PhaseStatus.SKIPPED,
        PhaseStatus.SKIPPED,
    ]
    assert database.queue.claim("worker-next", moment, 30) is None
    failed = [r for r in events(database, operation_id=op.id) if r["subscription_id"] == sub]
    assert [r["event_type"] for r in failed][-1] == "operation.failed"
    body = json.loads(failed[-1]["body"])["data"]["operation"]
    assert body["errorType"] == "crash-loop"


def test_the_crash_limit_is_a_setting(settings: Settings, database: Database) -> None:
    op = start(service(settings, database))
    lease = database.queue.claim("w", now(), 30)
    assert lease is not None
    assert database.queue.rescue_expired(now() + timedelta(seconds=31), 1) == [op.id]
    assert database.operations.get(None, op.id).status is OperationStatus.FAILED


def test_process_deaths_count_as_crashes_whatever_the_retry_policy(
    settings: Settings, database: Database
) -> None:
    policy = {"maxRetries": 100, "retryDelay": 0}
    op = start(service(settings, database), retry_policy=policy)
    moment = now()
    outcomes = []
    for _ in range(3):
        lease = database.queue.claim("w", moment, 30)
        assert lease is not None
        outcomes.append(database.queue.fail(lease, moment, DIED, max_crashes=3))
        moment += timedelta(seconds=1)
    assert outcomes[0] is not None and outcomes[1] is not None and outcomes[2] is None
    stored = database.operations.get(None, op.id)
    assert stored.status is OperationStatus.FAILED and stored.last_error_type == "crash-loop"
    assert "(process died: 3, lease expired: 0)" in (stored.last_error or "")
    assert [a.error_type for a in stored.attempts] == ["process-died"] * 3


def test_invalid_input_is_not_retried(settings: Settings, database: Database) -> None:
    op = start(service(settings, database), retry_policy={"maxRetries": 5, "retryDelay": 0})
    lease = database.queue.claim("w", now(), 30)
    assert lease is not None
    invalid = Failure(FailureType.INVALID_INPUT, "the time window contains no case")
    assert database.queue.fail(lease, now(), invalid, settings.max_crashes) is None
    stored = database.operations.get(None, op.id)
    assert stored.status is OperationStatus.FAILED and stored.failures == 1
    assert (stored.last_error, stored.last_error_type) == (invalid.message, "invalid-input")
    assert [(a.outcome, a.error_type) for a in stored.attempts] == [("failed", "invalid-input")]


def test_a_phase_error_is_retried_under_the_policy(settings: Settings, database: Database) -> None:
    op = start(service(settings, database), retry_policy={"maxRetries": 1, "retryDelay": 60})
    lease = database.queue.claim("w", now(), 30)
    assert lease is not None
    error = Failure(FailureType.PHASE_ERROR, "Phase 'Load' failed with an internal error")
    retry_at = database.queue.fail(lease, now(), error, settings.max_crashes)
    assert retry_at is not None and retry_at > now() + timedelta(seconds=50)
    stored = database.operations.get(None, op.id)
    assert stored.status is OperationStatus.INITIATED and stored.last_error_type == "phase-error"


def test_cancelling_a_running_operation_closes_its_attempt(
    settings: Settings, database: Database
) -> None:
    svc = service(settings, database)
    op = start(svc)
    lease = database.queue.claim("w", now(), 30)
    assert lease is not None
    _backdate_attempt(database, op.id, 13.6)
    svc.cancel(SCOPE, op.id, CancelRequest("enough", True, False, True), "tester")
    stored = database.operations.get(None, op.id)
    (attempt,) = stored.attempts
    assert attempt.outcome == "cancelled" and attempt.ended_at is not None
    assert attempt.ended_at == stored.finished_at
    assert 13.6 <= stored.run_seconds < 60


def test_a_swept_timeout_closes_its_attempt_and_counts_its_run(
    settings: Settings, database: Database
) -> None:
    op = start(service(settings, database), timeout=60)
    lease = database.queue.claim("w", now(), 30)
    assert lease is not None
    _backdate_attempt(database, op.id, 20)
    assert database.queue.sweep_timeouts(now() + timedelta(seconds=61)) == [op.id]
    stored = database.operations.get(None, op.id)
    (attempt,) = stored.attempts
    assert (attempt.outcome, attempt.error_type) == ("timeout", "timeout")
    assert stored.last_error_type == "timeout" and stored.run_seconds >= 20


def test_a_phase_error_logs_its_traceback_under_the_reference_it_reports(
    settings: Settings, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    params = {"records": 1, "failPhase": "Load", "failWith": "missing-file"}
    start(service(settings, database), **params)
    lease = database.queue.claim("w", now(), 30)
    kind = load_registry(settings.kind_module_names).get("Steps")
    assert lease is not None and kind is not None
    with caplog.at_level(logging.ERROR, logger="minerun.worker.runner"):
        outcome = run_operation(
            database.queue, kind, lease, settings.artifacts_dir, settings.data_dir, Event()
        )
    assert outcome.kind == "failed" and outcome.error is not None
    assert "no-such-input" not in outcome.error and "Traceback" not in outcome.error
    reference = re.search(r"err-[0-9a-f]{12}", outcome.error)
    assert reference is not None
    (record,) = [r for r in caplog.records if reference.group() in r.getMessage()]
    assert record.exc_info is not None and "no-such-input.csv" in caplog.text
