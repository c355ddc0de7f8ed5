"""What follows a failed attempt: retry, give up on invalid input, or stop a crash loop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from minerun.domain.failures import Failure, FailureType, judge
from minerun.domain.retry import RetryPolicy

NOW = datetime(2026, 1, 1, tzinfo=UTC)
POLICY = RetryPolicy(max_retries=3, retry_delay=10, backoff_multiplier=2, jitter=0)


def fail(kind: FailureType) -> Failure:
    return Failure(kind, "message")


def test_a_phase_error_is_retried_with_backoff_until_the_policy_says_no() -> None:
    error = fail(FailureType.PHASE_ERROR)
    delays = [judge(error, POLICY, n, (0, 0), 5, NOW).retry_at for n in (1, 2, 3)]
    assert delays == [NOW + timedelta(seconds=s) for s in (10, 20, 40)]
    assert judge(error, POLICY, 4, (0, 0), 5, NOW).retry_at is None


def test_invalid_input_is_never_retried() -> None:
    verdict = judge(fail(FailureType.INVALID_INPUT), POLICY, 1, (0, 0), 5, NOW)
    assert verdict.retry_at is None and verdict.failure.type is FailureType.INVALID_INPUT


def test_crashes_stop_at_the_limit_whatever_the_policy() -> None:
    generous = RetryPolicy(max_retries=100, retry_delay=0, jitter=0)
    died = fail(FailureType.PROCESS_DIED)
    assert judge(died, generous, 2, (2, 0), 3, NOW).retry_at == NOW
    verdict = judge(died, generous, 3, (2, 1), 3, NOW)
    assert verdict.retry_at is None and verdict.failure.type is FailureType.CRASH_LOOP
    assert "crashed its worker 3 times (process died: 2, lease expired: 1)" in (
        verdict.failure.message
    )


def test_phase_errors_do_not_count_as_crashes() -> None:
    generous = RetryPolicy(max_retries=100, retry_delay=0, jitter=0)
    verdict = judge(fail(FailureType.PHASE_ERROR), generous, 50, (3, 3), 3, NOW)
    assert verdict.retry_at is not None and verdict.failure.type is FailureType.PHASE_ERROR


def test_jitter_stays_within_its_bounds() -> None:
    policy = RetryPolicy(max_retries=1, retry_delay=100, jitter=0.1)
    at = judge(fail(FailureType.PHASE_ERROR), policy, 1, (0, 0), 5, NOW).retry_at
    assert at is not None and 90 <= (at - NOW).total_seconds() <= 110
