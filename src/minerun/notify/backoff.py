"""Delays between delivery attempts, and the receiver's ``Retry-After`` answer."""

from __future__ import annotations

import email.utils
import random
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

STANDARD_WEBHOOKS_SCHEDULE: tuple[float, ...] = (
    0.0,
    5.0,
    5 * 60.0,
    30 * 60.0,
    2 * 3600.0,
    5 * 3600.0,
    10 * 3600.0,
    10 * 3600.0,
)
"""Seconds to wait before each attempt, counted from the previous failure (Standard Webhooks):
immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; eight attempts in about 27.6 hours."""

_DELTA_SECONDS = re.compile(r"[0-9]+(\.[0-9]+)?")


class UniformSource(Protocol):
    """Anything with ``uniform``, such as the ``random`` module or a seeded ``random.Random``."""

    def uniform(self, a: float, b: float, /) -> float: ...


def next_delay(
    attempt: int,
    retry_delay: float,
    multiplier: float,
    max_delay: float,
    jitter: float = 0.2,
    rng: UniformSource = random,
) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based) before the next one.

    The delay grows as ``retry_delay * multiplier ** (attempt - 1)``, is capped at
    ``max_delay``, then spread by up to +/- ``jitter`` (a fraction) so that deliveries that
    failed together do not all come back at once; the result never exceeds ``max_delay``.
    """
    if attempt < 1:
        raise ValueError("attempt is 1-based")
    if retry_delay < 0 or max_delay < 0 or multiplier < 1 or not 0 <= jitter < 1:
        raise ValueError("need retry_delay >= 0, max_delay >= 0, multiplier >= 1, 0 <= jitter < 1")
    try:
        base = min(retry_delay * multiplier ** (attempt - 1), max_delay)
    except OverflowError:
        base = max_delay
    spread = rng.uniform(-jitter, jitter) if jitter else 0.0
    return max(0.0, min(base * (1.0 + spread), max_delay))


def schedule_delay(
    attempt: int,
    schedule: Sequence[float] = STANDARD_WEBHOOKS_SCHEDULE,
    jitter: float = 0.0,
    rng: UniformSource = random,
) -> float | None:
    """Seconds to wait before attempt number ``attempt`` (1-based) of a fixed schedule.

    None when the schedule has no such attempt: the event has used all its attempts.
    """
    if attempt < 1:
        raise ValueError("attempt is 1-based")
    if attempt > len(schedule):
        return None
    delay = float(schedule[attempt - 1])
    return delay * (1.0 + rng.uniform(-jitter, jitter)) if jitter and delay else delay


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait, or None when absent or unreadable.

    Both forms of RFC 9110 are read: delta-seconds (``120``) and an HTTP date, which counts
    from ``now`` (default: the current time); a date in the past means 0.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    if _DELTA_SECONDS.fullmatch(text):
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        # HTTP dates are GMT; parsedate_to_datetime leaves "-0000" naive.
        when = when.replace(tzinfo=UTC)
    reference = now if now is not None else datetime.now(UTC)
    return max(0.0, (when - reference).total_seconds())
