"""Duration, progress and cost estimates, computed from recorded history.

An estimate for a new operation comes from the completed operations of the same kind:
when both have record counts, from their processing rates (records per second), else from
their durations. The expected value is the median; the range spans the interquartile range.
With no history, the configured default duration is used with a +/-25% range, and the
estimate says so in ``basis``.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

DEFAULT_SPREAD = 0.25


@dataclass(frozen=True, slots=True)
class HistorySample:
    """One completed operation: how many records it processed and how long it ran."""

    records: int | None
    seconds: float


@dataclass(frozen=True, slots=True)
class DurationEstimate:
    low_seconds: float
    expected_seconds: float
    high_seconds: float
    basis: str
    samples: int

    def to_json(self) -> dict[str, object]:
        return {
            "lowSeconds": round(self.low_seconds, 3),
            "expectedSeconds": round(self.expected_seconds, 3),
            "highSeconds": round(self.high_seconds, 3),
            "basis": self.basis,
            "samples": self.samples,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> DurationEstimate:
        return cls(
            low_seconds=float(data["lowSeconds"]),  # type: ignore[arg-type]
            expected_seconds=float(data["expectedSeconds"]),  # type: ignore[arg-type]
            high_seconds=float(data["highSeconds"]),  # type: ignore[arg-type]
            basis=str(data["basis"]),
            samples=int(data["samples"]),  # type: ignore[call-overload]
        )


def _quartiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) == 1:
        return values[0], values[0], values[0]
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q2, q3


def estimate_duration(
    history: list[HistorySample], total_records: int | None, default_seconds: float
) -> DurationEstimate:
    """Estimate how long an operation over ``total_records`` records will run."""
    rated = [s for s in history if s.records and s.seconds > 0]
    if total_records and rated:
        slow, mid, fast = _quartiles([s.records / s.seconds for s in rated])  # type: ignore[operator]
        return DurationEstimate(
            total_records / fast,
            total_records / mid,
            total_records / slow,
            "history-rate",
            len(rated),
        )
    timed = [s.seconds for s in history if s.seconds > 0]
    if timed:
        low, mid, high = _quartiles(timed)
        return DurationEstimate(low, mid, high, "history-duration", len(timed))
    spread = default_seconds * DEFAULT_SPREAD
    return DurationEstimate(
        default_seconds - spread, default_seconds, default_seconds + spread, "default", 0
    )


def estimate_cost(
    cpu_units: float, memory_gb: float, seconds: float, price_cpu_hour: float, price_gb_hour: float
) -> float:
    """Price of holding the allocated CPU and memory for ``seconds``."""
    return seconds / 3600 * (cpu_units * price_cpu_hour + memory_gb * price_gb_hour)


def overall_progress(
    weights: list[float], completed: list[bool], current: int | None, fraction: float
) -> float:
    """Percentage of the work done: completed phases by weight plus the running phase's share."""
    total = sum(weights) or 1.0
    done = sum(w for w, c in zip(weights, completed, strict=True) if c)
    if current is not None and not completed[current]:
        done += weights[current] * min(max(fraction, 0.0), 1.0)
    return 100.0 * done / total


def remaining_seconds(elapsed: float, percentage: float) -> float | None:
    """Time left if the rest goes at the pace measured so far; None before any progress."""
    if percentage <= 0 or elapsed <= 0:
        return None
    return elapsed * (100.0 - percentage) / percentage
