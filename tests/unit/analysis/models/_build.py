"""Small synthetic logs for the model tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from minerun.analysis.columns import ACTIVITY, CASE, EVENT_INDEX, TIMESTAMP


def make_log(variants: dict[str, int]) -> pl.DataFrame:
    """A canonical frame from variants written as strings of one-letter activities."""
    cases, activities, stamps = [], [], []
    origin = datetime(2024, 1, 1, tzinfo=UTC)
    number = 0
    for trace, count in variants.items():
        for _ in range(count):
            number += 1
            for position, activity in enumerate(trace):
                cases.append(f"c{number:05d}")
                activities.append(activity)
                stamps.append(origin + timedelta(days=number, minutes=position))
    frame = pl.DataFrame(
        {CASE: cases, ACTIVITY: activities, TIMESTAMP: stamps},
        schema={CASE: pl.String, ACTIVITY: pl.String, TIMESTAMP: pl.Datetime("us", "UTC")},
    )
    return frame.with_row_index(EVENT_INDEX).sort(CASE, TIMESTAMP, EVENT_INDEX)
