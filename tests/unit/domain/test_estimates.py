import pytest

from minerun.domain.estimates import (
    DurationEstimate,
    HistorySample,
    Queue,
    Remaining,
    Timing,
    estimate_cost,
    estimate_duration,
    queue_start,
    queued_timing,
    running_remaining,
)
from minerun.domain.humanize import duration_text, range_text, rate_text, size_text


def test_no_history_uses_the_default_and_says_so() -> None:
    estimate = estimate_duration([], 1000, default_seconds=60)
    assert estimate.basis == "default"
    assert (estimate.low_seconds, estimate.expected_seconds, estimate.high_seconds) == (45, 60, 75)


def test_history_rates_scale_with_the_records_to_process() -> None:
    history = [HistorySample(records=100, seconds=s) for s in (1.0, 2.0, 4.0)]
    estimate = estimate_duration(history, total_records=150, default_seconds=60)
    assert estimate.basis == "history-rate" and estimate.samples == 3
    assert estimate.expected_seconds == pytest.approx(3.0)
    assert estimate.low_seconds < estimate.expected_seconds < estimate.high_seconds


def test_history_without_record_counts_uses_durations() -> None:
    history = [HistorySample(records=None, seconds=s) for s in (10.0, 20.0, 30.0)]
    estimate = estimate_duration(history, total_records=None, default_seconds=60)
    assert estimate.basis == "history-duration"
    assert estimate.expected_seconds == 20.0


def test_cost_is_allocation_times_price_times_hours() -> None:
    assert estimate_cost(4, 8, 1800, price_cpu_hour=0.5, price_gb_hour=0.1) == pytest.approx(1.4)


def test_history_of_other_sizes_is_scaled_by_a_fitted_line_not_mixed() -> None:
    # Runs of 42 events take ~10 s of start-up; runs of 262,200 events ~40 s.
    history = [HistorySample(42, s) for s in (9.9, 10.2, 10.5)]
    history += [HistorySample(262_200, s) for s in (38.0, 40.0, 42.0)]
    small = estimate_duration(history, total_records=50, default_seconds=60)
    assert small.basis == "history-rate" and small.samples == 3
    assert 9 < small.low_seconds <= small.expected_seconds <= small.high_seconds < 13
    large = estimate_duration(history, total_records=250_000, default_seconds=60)
    assert large.basis == "history-rate" and 35 < large.expected_seconds < 42
    middle = estimate_duration(history, total_records=100_000, default_seconds=60)
    assert middle.basis == "history-fit" and middle.samples == 6
    # Fixed seconds plus seconds per event: between the two sizes, far from 0.05 s or 2229 s.
    assert 15 < middle.low_seconds <= middle.expected_seconds <= middle.high_seconds < 25


def test_history_of_one_other_size_scales_its_rate() -> None:
    history = [HistorySample(1000, 10.0), HistorySample(1000, 12.0)]
    estimate = estimate_duration(history, total_records=10_000, default_seconds=60)
    assert estimate.basis == "history-fit"
    assert estimate.expected_seconds == pytest.approx(110.0)


PLANNED = DurationEstimate(90.0, 100.0, 120.0, "history-rate", 5)


def test_remaining_time_is_the_estimate_before_any_time_has_passed() -> None:
    left = running_remaining(elapsed=0.0, done=0.0, planned=PLANNED)
    assert (left.low_seconds, left.expected_seconds, left.high_seconds) == (90.0, 100.0, 120.0)
    assert left.basis == "history-rate"
    # Time passing without progress makes it longer.
    assert running_remaining(elapsed=5.0, done=0.0, planned=PLANNED).expected_seconds > 100


def test_remaining_time_follows_the_measured_pace_as_work_is_done() -> None:
    # Running ten times as fast as estimated: 10 % done after 1 s, then 50 % after 5 s.
    early = running_remaining(elapsed=1.0, done=0.1, planned=PLANNED)
    half = running_remaining(elapsed=5.0, done=0.5, planned=PLANNED)
    assert early.basis == half.basis == "measured-pace+history-rate"
    assert early.expected_seconds == pytest.approx(0.9 * (1 + 0.1 * 100) / 0.2)
    assert half.expected_seconds == pytest.approx(0.5 * (5 + 0.1 * 100) / 0.6)
    # The end moves earlier as the pace is measured, towards the pace alone (5 s left).
    assert 1 + early.expected_seconds > 5 + half.expected_seconds > 10
    assert half.low_seconds < half.expected_seconds < half.high_seconds
    # Running as estimated, the end stays where the estimate put it.
    on_time = running_remaining(elapsed=50.0, done=0.5, planned=PLANNED)
    assert 50 + on_time.expected_seconds == pytest.approx(100.0)
    assert running_remaining(elapsed=50.0, done=1.0, planned=PLANNED).expected_seconds == 0


def test_a_queued_operation_starts_when_a_slot_is_free_for_it() -> None:
    # Two slots, both busy for 30 s and 50 s: the next one starts at 30 s.
    assert queue_start([30.0, 50.0], [], slots=2, ready_in=0.0) == 30.0
    # One queued ahead of it takes the slot free at 30 s (for 40 s): this one gets 50 s.
    assert queue_start([30.0, 50.0], [(0.0, 40.0)], slots=2, ready_in=0.0) == 50.0
    # An idle slot: at once, unless it may not run yet (an automatic retry's delay).
    assert queue_start([30.0], [], slots=2, ready_in=0.0) == 0.0
    assert queue_start([30.0], [], slots=2, ready_in=12.0) == 12.0
    # No live slot at all: unknown. A running operation proves a slot, whatever is registered.
    assert queue_start([], [], slots=0, ready_in=0.0) is None
    assert queue_start([30.0], [], slots=0, ready_in=0.0) == 30.0


def test_queue_order_decides_who_is_ahead() -> None:
    queue = Queue(slots=1, busy=(10.0,), waiting=((1.0, 0.0, 20.0), (3.0, 0.0, 20.0)))
    assert queue.start_in(queue_key=2.0, ready_in=0.0) == 30.0
    assert queue.start_in(queue_key=0.5, ready_in=0.0) == 10.0
    timing = queued_timing(queue, 2.0, 0.0, done=0.0, planned=PLANNED)
    assert timing.start_in == 30.0 and timing.completion_in == 130.0
    assert timing.remaining is not None and timing.remaining.basis == "queue+history-rate"
    # Phases kept from an earlier attempt leave less to run.
    assert queued_timing(queue, 2.0, 0.0, done=0.5, planned=PLANNED).completion_in == 80.0
    assert queued_timing(Queue(0, (), ()), 2.0, 0.0, 0.0, PLANNED).completion_in is None


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (1395, "23 minutes 15 seconds"),
        (420, "7 minutes"),
        (12, "12 seconds"),
        (7500, "2 hours 5 minutes"),
        (1, "1 second"),
    ],
)
def test_duration_text(seconds: float, text: str) -> None:
    assert duration_text(seconds) == text


@pytest.mark.parametrize(
    ("low", "high", "text"),
    [
        (2700, 3600, "45-60 minutes"),
        (45, 75, "45-75 seconds"),
        (7200, 10800, "2-3 hours"),
        (0.2, 0.4, "about 1 second"),
    ],
)
def test_range_text(low: float, high: float, text: str) -> None:
    assert range_text(low, high) == text


def test_sizes_and_rates() -> None:
    assert size_text(890_000) == "890 KB"
    assert size_text(6_200_000_000) == "6.2 GB"
    assert rate_text(1890, 60) == "1890 records/minute"
    assert rate_text(10, 0) is None


@pytest.mark.parametrize(
    ("start_in", "expected_left", "hint"),
    [
        (12.2, 100.0, 13),  # queued: until its estimated start, rounded up
        (None, 100.0, 25),  # running: a quarter of the expected time left
        (None, 2.0, 1),  # never below a second
        (None, 10_000.0, 60),  # never above a minute
        (None, None, 5),  # nothing estimated
        (0.0, 40.0, 10),  # starting now: paced by the run
    ],
)
def test_retry_after_follows_the_estimate_within_bounds(
    start_in: float | None, expected_left: float | None, hint: int
) -> None:
    left = None if expected_left is None else Remaining(0, expected_left, 0, "test")
    assert Timing(start_in, left).retry_after() == hint
