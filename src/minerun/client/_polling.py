"""How often to look at an unfinished operation, and when a follower has news to show."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from minerun.client import models


def poll_interval(
    status: models.OperationStatus, low: float, high: float, now: datetime | None = None
) -> float:
    """Seconds until the next look at an unfinished operation, from ``low`` to ``high``.

    The server's own hint comes first (``Retry-After``). Otherwise a queued operation is looked
    at again near its estimated start, and a running one a quarter of its estimated remaining
    time later, so a long operation is not polled every second and a short one is not missed.
    """
    hint = status._retry_after
    if hint is None:
        moment_now = now or datetime.now(UTC)
        progress = status.progress
        if status.status == "Initiated" and progress.estimated_start is not None:
            hint = (progress.estimated_start - moment_now).total_seconds()
        elif progress.estimated_remaining_seconds is not None:
            hint = progress.estimated_remaining_seconds / 4
    return min(max(hint if hint is not None else low, low), high)


def changed(before: models.OperationStatus | None, after: models.OperationStatus) -> bool:
    """True when a follower has something new to show."""
    if before is None:
        return True

    def seen(s: models.OperationStatus) -> tuple[Any, ...]:
        return (
            s.status,
            s.progress.percentage_exact,
            s.progress.current_phase,
            s.execution.processed_records if s.execution else None,
            tuple(p.status for p in s.phases),
        )

    return seen(before) != seen(after)
