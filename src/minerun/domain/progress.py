"""How far an operation is: the one definition every answer, list item and event uses.

The percentage weighs each phase by its declared weight. A Completed phase counts in full.
A phase that is running, or was running when the operation stopped (its status is then
Cancelled or Failed), counts by the share of its work it reported: the fraction it gave
(``work_fraction``, for phases whose steps are not record by record), else its records done of
its total. Pending and Skipped phases count nothing; a phase that is Pending again after an
interrupted attempt starts from scratch, so its earlier work counts nothing either. A
Completed operation is at 100.

Only the phases' small figures are read (status, weight, records, fraction), so lists can
load them for a whole page at once without the phases' results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from minerun.domain.estimates import (
    DurationEstimate,
    Queue,
    Timing,
    queued_timing,
    running_timing,
)
from minerun.domain.records import Operation, Phase
from minerun.domain.statuses import OperationStatus, PhaseStatus

# Phases whose partial work is counted: the one running, or the one that was when the
# operation stopped.
_PARTIAL = frozenset({PhaseStatus.RUNNING, PhaseStatus.CANCELLED, PhaseStatus.FAILED})


@dataclass(frozen=True, slots=True)
class Progress:
    """An operation's progress at one moment."""

    percentage: float
    current_phase: str | None
    phases_completed: int
    total_phases: int
    elapsed_seconds: float

    @property
    def done(self) -> float:
        """The share of the work done, 0 to 1."""
        return self.percentage / 100.0


def phase_fraction(phase: Phase) -> float:
    """The share of its own work a phase has done, 0 to 1."""
    if phase.status is PhaseStatus.COMPLETED:
        return 1.0
    if phase.status not in _PARTIAL:
        return 0.0
    if phase.work_fraction is not None:
        return min(max(phase.work_fraction, 0.0), 1.0)
    if phase.total_records:
        return min(phase.records_processed / phase.total_records, 1.0)
    return 0.0


def percentage(status: OperationStatus, phases: Sequence[Phase]) -> float:
    """The share of the work done, in percent, by phase weight."""
    if status is OperationStatus.COMPLETED:
        return 100.0
    total = sum(p.weight for p in phases)
    if total <= 0:
        return 0.0
    return 100.0 * sum(p.weight * phase_fraction(p) for p in phases) / total


def current_phase(operation: Operation) -> Phase | None:
    """The phase running now, or the one that was when the operation stopped or paused."""
    phases = operation.phases
    running = next((p for p in phases if p.status is PhaseStatus.RUNNING), None)
    if running is not None:
        return running
    if operation.status is OperationStatus.COMPLETED:
        return None
    position = operation.current_phase
    if position is not None and 0 <= position < len(phases):
        return phases[position]
    if operation.status is OperationStatus.RUNNING:
        # Claimed, its first phase not started yet.
        return next((p for p in phases if p.status is PhaseStatus.PENDING), None)
    return None


def progress_of(operation: Operation, now: datetime) -> Progress:
    """The progress of an operation (its phases loaded, at least their small figures)."""
    phase = current_phase(operation)
    return Progress(
        percentage=percentage(operation.status, operation.phases),
        current_phase=phase.name if phase is not None else None,
        phases_completed=operation.completed_phases,
        total_phases=len(operation.phases),
        elapsed_seconds=elapsed_seconds(operation, now),
    )


def elapsed_seconds(operation: Operation, now: datetime) -> float:
    """Wall time since the operation first started, to its end or ``now``."""
    if operation.started_at is None:
        return 0.0
    end = operation.finished_at or now
    return max((end - operation.started_at).total_seconds(), 0.0)


def timing_of(
    operation: Operation, progress: Progress, queue: Queue | None, now: datetime
) -> Timing:
    """When the operation should start and end: by its pace while it runs, by the queue ahead
    of it while it waits (unknown without ``queue``), nothing once it has ended."""
    planned = DurationEstimate.from_json(operation.estimate)
    done = own_done(operation, progress)
    if operation.status is OperationStatus.RUNNING:
        return running_timing(progress.elapsed_seconds, done, planned)
    if operation.status is OperationStatus.INITIATED and queue is not None:
        ready_in = max((operation.run_after - now).total_seconds(), 0.0)
        return queued_timing(queue, operation.queue_key, ready_in, done, planned)
    return Timing(None, None)


def own_done(operation: Operation, progress: Progress) -> float:
    """The share done of the work this operation runs itself, 0 to 1.

    Phases reused from the operation it resumes were done before it, in no time of its own;
    its estimate covers the other phases only (see the retry), and so does its pace.
    """
    total = sum(p.weight for p in operation.phases)
    reused = sum(p.weight for p in operation.phases if p.reused_from is not None)
    if total <= 0 or reused >= total:
        return progress.done
    share = reused / total
    return min(max((progress.done - share) / (1.0 - share), 0.0), 1.0)


def busy_seconds(running: Operation, now: datetime) -> float:
    """Expected time left of a running operation, as its own answers show it."""
    timing = timing_of(running, progress_of(running, now), None, now)
    return timing.completion_in or 0.0
