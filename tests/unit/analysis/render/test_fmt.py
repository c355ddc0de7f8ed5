"""Number, duration and text formatting shared by the renderers."""

from __future__ import annotations

import pytest

from minerun.analysis.render.charts import nice_ticks
from minerun.analysis.render.fmt import (
    format_duration,
    format_hours,
    format_value,
    truncate,
    xml_safe,
)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "n/a"),
        (0.0, "0 s"),
        (0.25, "250 ms"),
        (42.0, "42 s"),
        (90.0, "1.5 min"),
        (5400.0, "1.5 h"),
        (86_400.0, "1 d"),
        (30 * 86_400.0, "30 d"),
        (float("nan"), "n/a"),
    ],
)
def test_format_duration(seconds: float | None, text: str) -> None:
    assert format_duration(seconds) == text


def test_format_value() -> None:
    assert format_value(12345) == "12,345"
    assert format_value(0.5) == "0.5"
    assert format_value(3.14159) == "3.14"
    assert format_value(None) == "n/a"
    assert format_value("text") == "text"


def test_xml_safe_and_truncate() -> None:
    assert xml_safe("a\x00b\x1fc\td") == "a\ufffdb\ufffdc\td"
    assert truncate("short", 10) == "short"
    assert truncate("a long activity name", 10) == "a long..."


@pytest.mark.parametrize(
    ("high", "ticks"),
    [
        (95.0, [0, 20, 40, 60, 80, 100]),
        (3.0, [0, 1, 2, 3]),
        (0.0, [0, 1]),
        (12_000.0, [0, 5000, 10_000, 15_000]),
    ],
)
def test_nice_ticks(high: float, ticks: list[float]) -> None:
    assert nice_ticks(high) == pytest.approx(ticks)


def test_format_hours_is_the_reports_one_unit() -> None:
    assert format_hours(5400) == "1.5 h"
    assert format_hours(86_400 * 3) == "72 h"
    assert format_hours(60) == "0.017 h"
    assert format_hours(None) == "n/a"
