"""Duration, remaining-time, queue-wait and cost estimates; pure arithmetic, no I/O.

Before an operation runs, its duration comes from the completed operations of the same
kind (``estimate_duration``), scaled by records. While it runs, the time left weighs the pace
measured so far by the share of work done and that estimate by the share left
(``running_remaining``). While it waits, its start comes from the queue ahead of it, spread
over the live worker slots (``queue_start``). Each figure says what it rests on in ``basis``;
the definitions are in docs/lifecycle.md.
"""

from __future__ import annotations

import heapq
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_SPREAD = 0.25
RETRY_AFTER_MIN = 1
RETRY_AFTER_MAX = 60
RETRY_AFTER_UNKNOWN = 5
COMPARABLE_FACTOR = 2.0
"""Runs with between 1/2 and 2 times the records of the new one are of comparable size."""


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

    def scaled(self, share: float) -> DurationEstimate:
        """The estimate for ``share`` of the work (a resumed operation runs only the rest)."""
        return DurationEstimate(
            self.low_seconds * share,
            self.expected_seconds * share,
            self.high_seconds * share,
            self.basis,
            self.samples,
        )


def _quartiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) == 1:
        return values[0], values[0], values[0]
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q2, q3


def estimate_duration(
    history: list[HistorySample], total_records: int | None, default_seconds: float
) -> DurationEstimate:
    """Estimate how long an operation over ``total_records`` records will run.

    With a record count: the seconds per record of past runs of comparable size (within a
    factor of two) when there are some (``history-rate``); otherwise a line through every
    past run, fixed seconds plus seconds per record (``history-fit``), so that small runs
    dominated by their start-up cost do not stand for large ones. Without a count: the
    durations of past runs (``history-duration``). With no history: the configured default.
    """
    rated = [(float(s.records), s.seconds) for s in history if s.records and s.seconds > 0]
    if total_records and rated:
        comparable = [(r, s) for r, s in rated if _comparable(r, total_records)]
        if comparable:
            low, mid, high = _quartiles(sorted(s / r for r, s in comparable))
            n = float(total_records)
            return DurationEstimate(n * low, n * mid, n * high, "history-rate", len(comparable))
        return _fitted(rated, float(total_records))
    timed = [s.seconds for s in history if s.seconds > 0]
    if timed:
        low, mid, high = _quartiles(timed)
        return DurationEstimate(low, mid, high, "history-duration", len(timed))
    spread = default_seconds * DEFAULT_SPREAD
    return DurationEstimate(
        default_seconds - spread, default_seconds, default_seconds + spread, "default", 0
    )


def _comparable(records: float, target: int) -> bool:
    return target / COMPARABLE_FACTOR <= records <= target * COMPARABLE_FACTOR


def _fitted(rated: list[tuple[float, float]], records: float) -> DurationEstimate:
    """Theil-Sen line seconds = fixed + per_record x records; the range from its errors."""
    slopes = [
        (s2 - s1) / (r2 - r1)
        for i, (r1, s1) in enumerate(rated)
        for r2, s2 in rated[i + 1 :]
        if r2 != r1
    ]
    if slopes:
        per_record = max(statistics.median(slopes), 0.0)
        fixed = max(statistics.median(s - per_record * r for r, s in rated), 0.0)
    else:
        # Every run had the same size: scale their rate, the only measure there is.
        per_record, fixed = statistics.median(s / r for r, s in rated), 0.0
    expected = fixed + per_record * records
    ratios = sorted(s / (fixed + per_record * r) for r, s in rated if fixed + per_record * r > 0)
    low, _mid, high = _quartiles(ratios) if ratios else (1.0, 1.0, 1.0)
    return DurationEstimate(
        expected * min(low, 1.0), expected, expected * max(high, 1.0), "history-fit", len(rated)
    )


@dataclass(frozen=True, slots=True)
class Remaining:
    """Time left: a range, its expected value and what it rests on."""

    low_seconds: float
    expected_seconds: float
    high_seconds: float
    basis: str


PRIOR_WEIGHT = 0.1
"""How much the duration estimate counts against the measured pace: as much as this share
of the work measured."""


def running_remaining(elapsed: float, done: float, planned: DurationEstimate) -> Remaining:
    """Time left of a running operation that has done ``done`` (0 to 1) of its work.

    The pace is work per second. The estimate says the whole work takes ``planned``; the run
    so far did ``done`` in ``elapsed`` seconds. The two are pooled as if the estimate were
    ``k`` (``PRIOR_WEIGHT``) of the work measured beforehand:
    ``pace = (done + k) / (elapsed + k x planned)`` and ``left = (1 - done) / pace``.
    Before any time has passed this is the estimate; as work is done, the measured pace
    soon dominates; time passing without progress makes it longer; at the end it is 0.
    """
    done = min(max(done, 0.0), 1.0)
    elapsed = max(elapsed, 0.0)
    k = PRIOR_WEIGHT

    def left(total: float) -> float:
        return (1.0 - done) * (elapsed + k * total) / (done + k)

    basis = planned.basis if done <= 0.0 else f"measured-pace+{planned.basis}"
    return Remaining(
        left(planned.low_seconds),
        left(planned.expected_seconds),
        left(planned.high_seconds),
        basis,
    )


def queue_start(
    busy: Sequence[float], ahead: Sequence[tuple[float, float]], slots: int, ready_in: float
) -> float | None:
    """Seconds until a queued operation starts; None when no worker slot is alive.

    ``busy`` holds the time left of each running operation, ``ahead`` the (seconds until
    it may run, expected duration) of each queued operation that will be claimed before
    this one, in claim order; ``slots`` is the number of live worker slots. Each slot takes
    the next operation when it is free (list scheduling); this one starts when the first
    slot is free after those ahead have started, not before ``ready_in``.
    """
    # A running operation holds a live slot, whatever the register of workers says.
    slots = max(slots, len(busy))
    if slots == 0:
        return None
    free = sorted(busy) + [0.0] * (slots - len(busy))
    heapq.heapify(free)
    for wait, duration in ahead:
        start = max(heapq.heappop(free), wait)
        heapq.heappush(free, start + duration)
    return max(free[0], ready_in)


def estimate_cost(
    cpu_units: float, memory_gb: float, seconds: float, price_cpu_hour: float, price_gb_hour: float
) -> float:
    """Price of holding the allocated CPU and memory for ``seconds``."""
    return seconds / 3600 * (cpu_units * price_cpu_hour + memory_gb * price_gb_hour)


@dataclass(frozen=True, slots=True)
class Queue:
    """The work ahead of queued operations: live slots, running and queued operations."""

    slots: int
    busy: tuple[float, ...]
    """Expected time left of each running operation."""
    waiting: tuple[tuple[float, float, float], ...]
    """(queue key, seconds until it may run, expected duration) of each queued operation."""

    def start_in(self, queue_key: float, ready_in: float) -> float | None:
        """Seconds until the queued operation with ``queue_key`` starts (see ``queue_start``)."""
        ahead = [(ready, expected) for key, ready, expected in self.waiting if key < queue_key]
        return queue_start(self.busy, ahead, self.slots, ready_in)


@dataclass(frozen=True, slots=True)
class Timing:
    """When an operation should start and end, in seconds from now, and on what basis."""

    start_in: float | None
    remaining: Remaining | None

    @property
    def completion_in(self) -> float | None:
        if self.remaining is None:
            return None
        return (self.start_in or 0.0) + self.remaining.expected_seconds

    def retry_after(self) -> int:
        """Whole seconds a poller should wait before asking again about an unfinished operation.

        Until its estimated start while it waits; a quarter of its expected time left while it
        runs (about four looks over the rest); ``RETRY_AFTER_UNKNOWN`` with no estimate; always
        between ``RETRY_AFTER_MIN`` and ``RETRY_AFTER_MAX``.
        """
        if self.start_in is not None and self.start_in > 0:
            seconds = self.start_in
        elif self.remaining is not None:
            seconds = self.remaining.expected_seconds / 4
        else:
            seconds = RETRY_AFTER_UNKNOWN
        return int(min(max(math.ceil(seconds), RETRY_AFTER_MIN), RETRY_AFTER_MAX))


def running_timing(elapsed: float, done: float, planned: DurationEstimate) -> Timing:
    """A running operation: the time left by its measured pace and its estimate."""
    return Timing(None, running_remaining(elapsed, done, planned))


def queued_timing(
    queue: Queue, queue_key: float, ready_in: float, done: float, planned: DurationEstimate
) -> Timing:
    """A queued operation: it starts when a slot is free for it, then runs the work left.

    ``done`` is the share of its work kept from earlier attempts; with no live worker slot
    the start, and so the end, is unknown.
    """
    start = queue.start_in(queue_key, ready_in)
    if start is None:
        return Timing(None, None)
    left = planned.scaled(1.0 - min(max(done, 0.0), 1.0))
    basis = f"queue+{planned.basis}"
    return Timing(
        start, Remaining(left.low_seconds, left.expected_seconds, left.high_seconds, basis)
    )
