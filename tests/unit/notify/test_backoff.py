"""Retry delays and Retry-After parsing."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from minerun.notify.backoff import (
    STANDARD_WEBHOOKS_SCHEDULE,
    next_delay,
    parse_retry_after,
    schedule_delay,
)


def test_standard_webhooks_schedule() -> None:
    assert STANDARD_WEBHOOKS_SCHEDULE == (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
    delays = [schedule_delay(attempt) for attempt in range(1, 10)]
    assert delays[:8] == list(STANDARD_WEBHOOKS_SCHEDULE)
    assert delays[8] is None


def test_schedule_jitter_spreads_all_but_the_immediate_attempt() -> None:
    rng = random.Random(7)
    assert schedule_delay(1, jitter=0.5, rng=rng) == 0.0
    spread = [schedule_delay(3, jitter=0.1, rng=rng) for _ in range(200)]
    assert all(d is not None and 270 <= d <= 330 for d in spread)
    assert len(set(spread)) > 100


def test_next_delay_grows_and_caps_without_jitter() -> None:
    delays = [next_delay(n, 2.0, 3.0, 100.0, jitter=0.0) for n in range(1, 7)]
    assert delays == [2.0, 6.0, 18.0, 54.0, 100.0, 100.0]


def test_next_delay_jitter_stays_within_bounds_and_cap() -> None:
    rng = random.Random(1)
    samples = [next_delay(2, 10.0, 2.0, 1000.0, jitter=0.2, rng=rng) for _ in range(500)]
    assert min(samples) >= 16.0 and max(samples) <= 24.0
    assert max(samples) - min(samples) > 6.0
    capped = [next_delay(30, 10.0, 2.0, 60.0, jitter=0.2, rng=rng) for _ in range(200)]
    assert all(48.0 <= d <= 60.0 for d in capped)


def test_next_delay_survives_huge_attempt_numbers() -> None:
    assert next_delay(100_000, 1.0, 10.0, 3600.0, jitter=0.0) == 3600.0


@pytest.mark.parametrize(
    "args",
    [
        (0, 1.0, 2.0, 10.0, 0.1),
        (1, -1.0, 2.0, 10.0, 0.1),
        (1, 1.0, 0.5, 10.0, 0.1),
        (1, 1.0, 2.0, -1.0, 0.1),
        (1, 1.0, 2.0, 10.0, 1.0),
    ],
)
def test_next_delay_refuses_bad_arguments(args: tuple[int, float, float, float, float]) -> None:
    with pytest.raises(ValueError):
        next_delay(*args)


NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("1.5", 1.5),
        ("Sun, 01 Mar 2026 12:02:00 GMT", 120.0),
        ("Sunday, 01-Mar-26 12:00:30 GMT", 30.0),
        ("Sun Mar  1 12:01:00 2026", 60.0),
        ("Sun, 01 Mar 2026 11:00:00 GMT", 0.0),
        ("-5", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == expected
