import pytest

from minerun.domain.estimates import (
    HistorySample,
    estimate_cost,
    estimate_duration,
    overall_progress,
    remaining_seconds,
)
from minerun.domain.humanize import duration_text, range_text, rate_text, size_text


def test_no_history_uses_the_default_and_says_so() -> None:
    estimate = estimate_duration([], 1000, default_seconds=60)
    assert estimate.basis == "default"
    assert (estimate.low_seconds, estimate.expected_seconds, estimate.high_seconds) == (45, 60, 75)


def test_history_rates_scale_with_the_records_to_process() -> None:
    history = [HistorySample(records=100, seconds=s) for s in (1.0, 2.0, 4.0)]
    estimate = estimate_duration(history, total_records=1000, default_seconds=60)
    assert estimate.basis == "history-rate" and estimate.samples == 3
    assert estimate.expected_seconds == pytest.approx(20.0)
    assert estimate.low_seconds < estimate.expected_seconds < estimate.high_seconds


def test_history_without_record_counts_uses_durations() -> None:
    history = [HistorySample(records=None, seconds=s) for s in (10.0, 20.0, 30.0)]
    estimate = estimate_duration(history, total_records=None, default_seconds=60)
    assert estimate.basis == "history-duration"
    assert estimate.expected_seconds == 20.0


def test_cost_is_allocation_times_price_times_hours() -> None:
    assert estimate_cost(4, 8, 1800, price_cpu_hour=0.5, price_gb_hour=0.1) == pytest.approx(1.4)


def test_progress_weighs_phases_and_the_running_fraction() -> None:
    assert overall_progress([1, 1, 2], [True, False, False], 1, 0.5) == pytest.approx(37.5)
    assert overall_progress([1, 1], [True, True], None, 0.0) == 100.0


def test_remaining_time_follows_the_measured_pace() -> None:
    assert remaining_seconds(elapsed=30, percentage=25) == pytest.approx(90)
    assert remaining_seconds(elapsed=30, percentage=0) is None


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
