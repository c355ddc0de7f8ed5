from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from minerun.domain.estimates import Queue
from minerun.domain.priority import Priority
from minerun.domain.progress import (
    current_phase,
    percentage,
    phase_fraction,
    progress_of,
    timing_of,
)
from minerun.domain.records import Operation, Phase, Scope
from minerun.domain.statuses import OperationStatus, PhaseStatus

NOW = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)


def phase(position: int, status: PhaseStatus, weight: float = 1.0, **figures: object) -> Phase:
    values: dict[str, object] = {
        "position": position,
        "name": f"P{position}",
        "weight": weight,
        "status": status,
        "started_at": None,
        "finished_at": None,
        "records_processed": 0,
        "total_records": None,
        "current_activity": None,
        "results": None,
        "reused_from": None,
        "error": None,
        **figures,
    }
    return Phase(**values)  # type: ignore[arg-type]


def operation(status: OperationStatus, *phases: Phase, **fields: object) -> Operation:
    row: dict[str, object] = {name: None for name in Operation.__slots__}
    row.update(
        id="op-1",
        scope=Scope("t", "p"),
        operation_type="Steps",
        operation_name="x",
        priority=Priority.NORMAL,
        status=status,
        estimate={
            "lowSeconds": 80.0,
            "expectedSeconds": 100.0,
            "highSeconds": 120.0,
            "basis": "history-rate",
            "samples": 3,
        },
        created_at=NOW - timedelta(minutes=5),
        run_after=NOW - timedelta(minutes=5),
        phases=phases,
        artifacts=(),
        attempts=(),
        queue_key=10.0,
        **fields,
    )
    return Operation(**row)  # type: ignore[arg-type]


def test_phases_count_by_weight_and_the_share_of_work_they_reported() -> None:
    phases = (
        phase(0, PhaseStatus.COMPLETED),
        phase(1, PhaseStatus.RUNNING, records_processed=5, total_records=10),
        phase(2, PhaseStatus.PENDING, weight=2.0),
    )
    assert percentage(OperationStatus.RUNNING, phases) == pytest.approx(37.5)
    # A phase made of steps reports its share of work; its records do not move it.
    stepped = replace(phases[1], records_processed=10, work_fraction=0.25)
    assert phase_fraction(stepped) == 0.25
    assert percentage(OperationStatus.RUNNING, (phases[0], stepped, phases[2])) == 31.25


def test_interrupted_work_counts_as_done_until_the_phase_starts_again() -> None:
    half = {"records_processed": 5, "total_records": 10}
    cancelled = (phase(0, PhaseStatus.CANCELLED, **half), phase(1, PhaseStatus.SKIPPED))
    assert percentage(OperationStatus.CANCELLED, cancelled) == 25.0
    # Back in the queue for a retry, the phase starts from scratch: its records count nothing.
    pending = (phase(0, PhaseStatus.PENDING, **half), phase(1, PhaseStatus.PENDING))
    assert percentage(OperationStatus.INITIATED, pending) == 0.0
    assert percentage(OperationStatus.COMPLETED, ()) == 100.0
    assert percentage(OperationStatus.INITIATED, ()) == 0.0


def test_current_phase_without_any_phase_loaded_is_none_not_an_error() -> None:
    op = operation(OperationStatus.RUNNING, current_phase=1)
    assert current_phase(op) is None
    assert progress_of(op, NOW).percentage == 0.0


def test_timing_of_a_running_operation_moves_with_its_pace() -> None:
    running = operation(
        OperationStatus.RUNNING,
        phase(0, PhaseStatus.COMPLETED),
        phase(1, PhaseStatus.RUNNING, records_processed=0, total_records=10),
        started_at=NOW - timedelta(seconds=10),
    )
    timing = timing_of(running, progress_of(running, NOW), None, NOW)
    assert timing.start_in is None and timing.remaining is not None
    assert timing.remaining.basis == "measured-pace+history-rate"
    assert timing.completion_in == pytest.approx(0.5 * (10 + 0.1 * 100) / 0.6)


def test_timing_of_a_queued_operation_waits_for_the_queue() -> None:
    queued = operation(OperationStatus.INITIATED, phase(0, PhaseStatus.PENDING))
    queue = Queue(slots=1, busy=(40.0,), waiting=((5.0, 0.0, 30.0), (20.0, 0.0, 30.0)))
    timing = timing_of(queued, progress_of(queued, NOW), queue, NOW)
    assert timing.start_in == 70.0 and timing.completion_in == 170.0
    assert timing_of(queued, progress_of(queued, NOW), None, NOW).completion_in is None


def test_a_resumed_operation_measures_the_pace_of_its_own_work() -> None:
    resumed = operation(
        OperationStatus.RUNNING,
        phase(0, PhaseStatus.COMPLETED, reused_from="op-0"),
        phase(1, PhaseStatus.RUNNING, records_processed=5, total_records=10),
        started_at=NOW - timedelta(seconds=10),
    )
    timing = timing_of(resumed, progress_of(resumed, NOW), None, NOW)
    # Half of its own work (phase 1) in 10 s; the estimate covers that phase only.
    assert timing.completion_in == pytest.approx(0.5 * (10 + 0.1 * 100) / 0.6)
