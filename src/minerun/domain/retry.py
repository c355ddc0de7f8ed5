"""Retry policy of an operation and the delay before each automatic attempt."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how late a failed operation is tried again.

    ``max_retries`` automatic retries follow the first attempt; the n-th waits
    ``retry_delay * backoff_multiplier ** (n - 1)`` seconds, capped at ``max_delay``, then
    spread by +/- ``jitter`` (a fraction) so that many failures do not return at once.
    """

    max_retries: int = 0
    retry_delay: float = 60.0
    backoff_multiplier: float = 2.0
    max_delay: float = 3600.0
    jitter: float = 0.1

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> RetryPolicy:
        if not data:
            return cls()
        default = cls()
        return cls(
            max_retries=int(data.get("maxRetries", default.max_retries)),
            retry_delay=float(data.get("retryDelay", default.retry_delay)),
            backoff_multiplier=float(data.get("backoffMultiplier", default.backoff_multiplier)),
            max_delay=float(data.get("maxDelay", default.max_delay)),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "maxRetries": self.max_retries,
            "retryDelay": self.retry_delay,
            "backoffMultiplier": self.backoff_multiplier,
            "maxDelay": self.max_delay,
        }

    def allows_retry(self, failed_attempts: int) -> bool:
        """Whether another attempt follows after ``failed_attempts`` failures."""
        return failed_attempts <= self.max_retries

    def delay(self, retry_number: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before automatic retry ``retry_number`` (1-based)."""
        base = self.retry_delay * self.backoff_multiplier ** max(retry_number - 1, 0)
        capped = min(base, self.max_delay)
        spread = (rng or random).uniform(-self.jitter, self.jitter)
        return max(0.0, min(capped * (1.0 + spread), self.max_delay))
