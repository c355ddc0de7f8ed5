"""The human strings beside machine fields say what the machine fields say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from minerun.domain.humanize import money_text
from minerun.domain.times import iso


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0.0, "$0.00"),
        (0.00008, "$0.00008"),
        (0.000081234, "$0.000081"),
        (0.0054, "$0.0054"),
        (0.0123, "$0.012"),
        (0.05, "$0.05"),
        (0.0999, "$0.10"),
        (2.45, "$2.45"),
        (1234.5, "$1,234.50"),
        (-0.0001, "-$0.0001"),
    ],
)
def test_money_keeps_two_significant_digits_below_ten_cents(amount: float, text: str) -> None:
    assert money_text(amount) == text


@pytest.mark.parametrize("amount", [0.00008, 0.0003, 0.0054, 0.012, 0.07, 0.5, 3.2, 1e-7])
def test_a_small_amount_reads_within_ten_percent_of_itself(amount: float) -> None:
    shown = float(money_text(amount).lstrip("$").replace(",", ""))
    assert shown > 0 and abs(shown - amount) <= 0.1 * amount


def test_one_time_format_z_and_seconds() -> None:
    moment = datetime(2024, 1, 20, 11, 45, 0, 123456, tzinfo=UTC)
    assert iso(moment) == "2024-01-20T11:45:00Z"
    east = moment.astimezone(timezone(timedelta(hours=14)))
    assert iso(east) == "2024-01-20T11:45:00Z"
    assert iso(None) is None
