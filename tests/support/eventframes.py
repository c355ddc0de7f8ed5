"""Hand-built canonical event-log frames, with times given in hours after ``T0``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from minerun.analysis.columns import ACTIVITY, CASE, EVENT_INDEX, START_TIMESTAMP, TIMESTAMP

T0 = datetime(2024, 3, 1, 8, tzinfo=UTC)
"""A Friday, 08:00 UTC."""

UTC_US = pl.Datetime("us", "UTC")


def at(hours: float | None) -> datetime | None:
    """``T0`` plus ``hours`` (``None`` stays missing)."""
    return None if hours is None else T0 + timedelta(hours=hours)


def events(
    rows: Sequence[tuple[str, str | None, float | None]], **extra: Sequence[Any]
) -> pl.DataFrame:
    """A canonical frame in the given (source) order: one row per ``(case, activity, hours)``.

    ``extra`` adds columns; ``start_timestamp`` is given in hours like the timestamps.
    """
    columns: dict[str, Any] = {
        CASE: [case for case, _, _ in rows],
        ACTIVITY: [activity for _, activity, _ in rows],
        TIMESTAMP: [at(hours) for _, _, hours in rows],
    }
    for name, values in extra.items():
        columns[name] = [at(v) for v in values] if name == START_TIMESTAMP else list(values)
    columns[EVENT_INDEX] = list(range(len(rows)))
    overrides = {EVENT_INDEX: pl.UInt32, TIMESTAMP: UTC_US, ACTIVITY: pl.String}
    if START_TIMESTAMP in extra:
        overrides[START_TIMESTAMP] = UTC_US
    return pl.DataFrame(columns, schema_overrides=overrides)


def rows_of(frame: pl.DataFrame, *columns: str) -> list[tuple[Any, ...]]:
    """The given columns of every row, in frame order."""
    return list(frame.select(columns).iter_rows())
