"""How far an operation is, computed from its phases and recorded counts.

The percentage weighs each phase by its declared weight: completed phases count in full, the
running phase by its records done of total (0 while its total is unknown). The time left is
given as a range between two figures: the pace measured so far (elapsed time scaled by the
work left) and the history-based estimate minus the elapsed time. Before any progress only
the second exists; when there is no history (the estimate is the configured default), only
the first is used once it exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from minerun.domain.estimates import DurationEstimate, overall_progress, remaining_seconds
from minerun.domain.records import Operation
from minerun.domain.statuses import OperationStatus, PhaseStatus


@dataclass(frozen=True, slots=True)
class Progress:
    percentage: float
    current_phase: str | None
    phases_completed: int
    total_phases: int
    elapsed_seconds: float
    remaining_low: float | None
    remaining_high: float | None

    def estimated_completion(self, now: datetime) -> datetime | None:
        if self.remaining_high is None:
            return None
        return now + timedelta(seconds=self.remaining_high)


def phase_fraction(done: int, total: int | None) -> float:
    return min(done / total, 1.0) if total else 0.0


def progress_of(operation: Operation, now: datetime) -> Progress:
    phases = operation.phases
    completed = [p.status is PhaseStatus.COMPLETED for p in phases]
    running = next((p for p in phases if p.status is PhaseStatus.RUNNING), None)
    current = running.position if running else operation.current_phase
    fraction = phase_fraction(running.records_processed, running.total_records) if running else 0.0
    if operation.status is OperationStatus.COMPLETED:
        percentage = 100.0
    else:
        percentage = overall_progress([p.weight for p in phases], completed, current, fraction)
    elapsed = _elapsed(operation, now)
    low = high = None
    if operation.status in (OperationStatus.RUNNING, OperationStatus.INITIATED):
        estimate = DurationEstimate.from_json(operation.estimate)
        pace = remaining_seconds(elapsed, percentage)
        figures = [] if pace is None else [pace]
        if estimate.basis != "default" or pace is None:
            figures.append(max(estimate.expected_seconds - elapsed, 0.0))
        low, high = min(figures), max(figures)
    current_name = phases[current].name if current is not None and current < len(phases) else None
    if current_name is None and operation.status is OperationStatus.RUNNING:
        current_name = next((p.name for p in phases if p.status is PhaseStatus.PENDING), None)
    return Progress(
        percentage=percentage,
        current_phase=current_name,
        phases_completed=sum(completed),
        total_phases=len(phases),
        elapsed_seconds=elapsed,
        remaining_low=low,
        remaining_high=high,
    )


def _elapsed(operation: Operation, now: datetime) -> float:
    if operation.started_at is None:
        return 0.0
    end = operation.finished_at or now
    return max((end - operation.started_at).total_seconds(), 0.0)
