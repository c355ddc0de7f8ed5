import random

import pytest

from minerun.domain.priority import Priority, queue_key
from minerun.domain.retry import RetryPolicy


def test_higher_priority_sorts_first_at_the_same_time() -> None:
    keys = {p: queue_key(1000.0, p, 300.0) for p in Priority}
    assert sorted(keys, key=keys.__getitem__) == [
        Priority.CRITICAL,
        Priority.HIGH,
        Priority.NORMAL,
        Priority.LOW,
    ]


def test_waiting_low_work_overtakes_new_critical_work() -> None:
    low_queued_long_ago = queue_key(0.0, Priority.LOW, 300.0)
    critical_queued_now = queue_key(901.0, Priority.CRITICAL, 300.0)
    assert low_queued_long_ago < critical_queued_now


def test_retry_delays_grow_and_are_capped() -> None:
    policy = RetryPolicy(
        max_retries=5, retry_delay=10, backoff_multiplier=2, max_delay=50, jitter=0
    )
    assert [policy.delay(n) for n in range(1, 6)] == [10, 20, 40, 50, 50]


def test_jitter_stays_within_its_band_and_below_the_cap() -> None:
    policy = RetryPolicy(max_retries=3, retry_delay=100, backoff_multiplier=1, max_delay=105)
    rng = random.Random(1)
    delays = [policy.delay(1, rng) for _ in range(500)]
    assert min(delays) >= 90 and max(delays) <= 105
    assert len(set(delays)) > 100


@pytest.mark.parametrize(("failures", "allowed"), [(1, True), (3, True), (4, False)])
def test_max_retries_counts_retries_after_the_first_attempt(failures: int, allowed: bool) -> None:
    assert RetryPolicy(max_retries=3).allows_retry(failures) is allowed


def test_policy_round_trips_through_json() -> None:
    data = {"maxRetries": 2, "retryDelay": 5.0, "backoffMultiplier": 1.5, "maxDelay": 60.0}
    assert RetryPolicy.from_json(data).to_json() == data
