"""Human-readable strings that the API shows beside its machine fields."""

from __future__ import annotations

import math


def _plural(value: int, unit: str) -> str:
    return f"{value} {unit}{'' if value == 1 else 's'}"


def duration_text(seconds: float) -> str:
    """``"23 minutes 15 seconds"``, ``"7 minutes"``, ``"2 hours 5 minutes"``, ``"12 seconds"``."""
    if 0 < seconds < 1:
        return f"{seconds:.1f} seconds"
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return _plural(hours, "hour") + (f" {_plural(minutes, 'minute')}" if minutes else "")
    if minutes:
        return _plural(minutes, "minute") + (f" {_plural(secs, 'second')}" if secs else "")
    return _plural(secs, "second")


def hours_text(seconds: float) -> str:
    """A duration in hours with one decimal, as analysts quote cycle times: ``"4.2 hours"``."""
    return f"{seconds / 3600:.1f} hours"


def range_text(low_seconds: float, high_seconds: float) -> str:
    """A duration range in one unit: ``"45-60 minutes"``, ``"10-20 seconds"``, ``"2-3 hours"``."""
    low, high = sorted((max(0.0, low_seconds), max(0.0, high_seconds)))
    for unit, size in (("hours", 3600.0), ("minutes", 60.0)):
        if high >= size * 2 or low >= size:
            lo, hi = math.floor(low / size), math.ceil(high / size)
            return f"{lo} {unit}" if lo == hi else f"{lo}-{hi} {unit}"
    lo, hi = math.floor(low), math.ceil(high)
    if hi <= 1:
        return "less than a second" if hi == 0 else "about 1 second"
    return f"{lo}-{hi} seconds" if lo != hi else f"{hi} seconds"


def size_text(num_bytes: float) -> str:
    """Decimal units as storage vendors quote them: ``"890 KB"``, ``"6.2 GB"``."""
    value = float(max(num_bytes, 0))
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000:
            return f"{value:.0f} {unit}" if unit in ("B", "KB") else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"


def money_text(amount: float) -> str:
    """Dollars and cents, ``"$2.45"``; below ten cents, two significant digits (``"$0.054"``,
    ``"$0.0054"``, ``"$0.00008"``), so that a small amount never reads as nothing or as
    double what it is. Zero is ``"$0.00"``."""
    size = abs(amount)
    sign = "-" if amount < 0 else ""
    if size == 0 or size >= 0.1:
        return f"{sign}${size:,.2f}"
    decimals = max(2, 1 - math.floor(math.log10(size)))
    whole, _, cents = f"{size:.{decimals}f}".partition(".")
    return f"{sign}${whole}.{cents[:2]}{cents[2:].rstrip('0')}"


def rate_text(records: float, seconds: float) -> str | None:
    """``"1890 records/minute"``; None while no time has passed."""
    if seconds <= 0:
        return None
    return f"{round(records / seconds * 60)} records/minute"
