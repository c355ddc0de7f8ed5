"""Formatting of numbers, durations and text shared by the SVG, PDF and CSV renderers."""

from __future__ import annotations

import math
import re

from minerun.analysis.render.model import FigureValue

# Characters XML 1.0 forbids (lxml refuses them); event logs do carry stray control bytes.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

_DURATION_UNITS = ((86_400.0, "d"), (3_600.0, "h"), (60.0, "min"), (1.0, "s"))


def xml_safe(text: str) -> str:
    """Replace the characters XML 1.0 cannot hold by U+FFFD."""
    return _XML_INVALID.sub("\ufffd", text)


def truncate(text: str, max_chars: int) -> str:
    """Shorten ``text`` to at most ``max_chars`` characters, marking the cut with "..."."""
    if len(text) <= max_chars:
        return text
    return text[: max(max_chars - 3, 1)].rstrip() + "..."


def format_count(value: int) -> str:
    """Integer with thousands separators: ``12345`` -> ``"12,345"``."""
    return f"{value:,}"


def format_number(value: float) -> str:
    """A float with a precision that suits its magnitude."""
    if not math.isfinite(value):
        return str(value)
    if value == int(value) and abs(value) < 1e15:
        return format_count(int(value))
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.2f}"
    return f"{value:.3g}"


def format_duration(seconds: float | None) -> str:
    """A duration in the largest unit that keeps it at least 1: ``5400`` -> ``"1.5 h"``."""
    if seconds is None or not math.isfinite(seconds):
        return "n/a"
    magnitude = abs(seconds)
    for size, unit in _DURATION_UNITS:
        if magnitude >= size:
            return f"{_short(seconds / size)} {unit}"
    if magnitude == 0:
        return "0 s"
    return f"{seconds * 1000:.0f} ms"


def format_hours(seconds: float | None) -> str:
    """A duration in hours, the one unit of the reports: ``5400`` -> ``"1.5 h"``."""
    if seconds is None or not math.isfinite(seconds):
        return "n/a"
    value = seconds / 3600
    # Below a tenth of an hour, two significant digits rather than a bare "0".
    return f"{_short(value)} h" if abs(value) >= 0.1 or value == 0 else f"{value:.2g} h"


def duration_unit(seconds: float) -> tuple[float, str]:
    """Unit (size in seconds, name) in which ``seconds`` reads best, for chart axes."""
    names = {"d": "days", "h": "hours", "min": "minutes", "s": "seconds"}
    for size, unit in _DURATION_UNITS:
        if abs(seconds) >= size:
            return size, names[unit]
    return 1.0, "seconds"


def format_value(value: FigureValue) -> str:
    """A summary figure as text; ``None`` reads "n/a"."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return format_count(value)
    if isinstance(value, float):
        return format_number(value)
    return value


def _short(value: float) -> str:
    """One decimal below 10, none above: durations never need more."""
    return f"{value:.1f}".removesuffix(".0") if abs(value) < 10 else f"{value:,.0f}"
