"""The one way the API, its events and its stored notes write a moment in time."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC to the second with a ``Z``, as the contract writes its times:
    ``"2024-01-20T11:45:00Z"``; None stays None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
