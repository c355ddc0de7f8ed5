"""Rules that repair a log: repeated events and timestamps.

The definitions, options and defaults are written out for users in
``docs/kinds/data-enrichment.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, Final

import polars as pl

from minerun.analysis.cleaning.base import (
    MAX_EXAMPLES,
    CleaningRule,
    Environment,
    Option,
    Outcome,
    choice,
    column_name,
    example_rows,
    read_end,
    read_names,
    read_start,
    to_json,
)
from minerun.analysis.columns import CASE, EVENT_INDEX, START_TIMESTAMP, TIMESTAMP
from minerun.analysis.errors import CleaningRuleError

__all__ = ["OUT_OF_RANGE_COLUMN", "FixTimestamps", "RemoveDuplicates"]

OUT_OF_RANGE_COLUMN: Final = "timestamp_out_of_range"
"""Boolean column that ``fix_timestamps`` adds with ``outOfRange: "flag"``."""

DEFAULT_MIN_DATE: Final = datetime(1970, 1, 1, tzinfo=UTC)
_UTC: Final = pl.Datetime("us", "UTC")
_RANGE_COUNT: Final = {"drop": "outOfRangeDropped", "flag": "outOfRangeFlagged"}


@dataclass(frozen=True)
class RemoveDuplicates(CleaningRule):
    """Drop every event equal to an earlier one (in source order) on ``keys``.

    Without ``keys``, every column but ``event_index`` is compared, so only events identical
    in every attribute are dropped. Missing values are equal to each other.
    """

    name: ClassVar[str] = "remove_duplicates"
    options: ClassVar[tuple[Option, ...]] = (Option("keys", "keys", read_names),)

    keys: tuple[str, ...] | None = None

    def columns_needed(self) -> dict[str, str]:
        return {column_name(key): "keys" for key in self.keys or ()}

    def apply(self, frame: pl.DataFrame, env: Environment) -> Outcome:
        keys = [column_name(key) for key in self.keys] if self.keys else _attributes(frame)
        # A stable sort by source position makes "first distinct" the earliest in the file,
        # whatever order the frame came in (and even if two rows share a position).
        ordered = frame.sort(EVENT_INDEX, maintain_order=True).with_columns(
            pl.struct(keys).is_first_distinct().alias("_first")
        )
        kept = ordered.filter("_first").drop("_first")
        repeats = ordered.filter(~pl.col("_first")).drop("_first")
        return Outcome(
            kept,
            counts={"duplicates": repeats.height},
            examples=_repeat_examples(kept, repeats.head(MAX_EXAMPLES), keys),
        )


def _repeat_examples(
    kept: pl.DataFrame, repeats: pl.DataFrame, keys: list[str]
) -> list[dict[str, Any]]:
    """The first repeats, each with ``repeatsRow``: the row of the event it repeats."""
    if repeats.height == 0:
        # Nothing to look up: the join would still hash every kept row (2 s at 2.6M events).
        return []
    first = kept.select(*keys, (pl.col(EVENT_INDEX).cast(pl.Int64) + 1).alias("repeatsRow"))
    found = repeats.join(first, on=keys, how="left", nulls_equal=True, maintain_order="left")
    return example_rows(found, ("repeatsRow",))


def _attributes(frame: pl.DataFrame) -> list[str]:
    return [c for c in frame.columns if c != EVENT_INDEX]


@dataclass(frozen=True)
class FixTimestamps(CleaningRule):
    """Make every timestamp a usable UTC instant and order the events of each case.

    In this order: time zones are normalised to UTC (naive values are taken as UTC);
    events without a completion timestamp are dropped, or given their start timestamp with
    ``missing: "use_start"``; completion timestamps outside ``[minDate, maxDate]`` are
    dropped (default) or flagged in :data:`OUT_OF_RANGE_COLUMN` with ``outOfRange: "flag"``;
    start timestamps outside that range or after the completion are cleared; finally events
    are sorted by (case, timestamp, source position). ``maxDate`` defaults to the moment
    the rules run.
    """

    name: ClassVar[str] = "fix_timestamps"
    options: ClassVar[tuple[Option, ...]] = (
        Option("missing", "missing", choice("drop", "use_start")),
        Option("minDate", "min_date", read_start),
        Option("maxDate", "max_date", read_end),
        Option("outOfRange", "out_of_range", choice("drop", "flag")),
    )

    missing: str = "drop"
    min_date: datetime = DEFAULT_MIN_DATE
    max_date: datetime | None = None
    out_of_range: str = "drop"

    def problems(self) -> list[tuple[str, str]]:
        if self.max_date is not None and self.max_date <= self.min_date:
            return [("maxDate", "must be later than minDate")]
        return []

    def columns_after(self, columns: Sequence[str]) -> list[str]:
        flag = [OUT_OF_RANGE_COLUMN] if self.out_of_range == "flag" else []
        return list(dict.fromkeys([*columns, *flag]))

    def describe(self) -> dict[str, Any]:
        described = super().describe()
        described["maxDate"] = to_json(self.max_date) if self.max_date else "now"
        return described

    def apply(self, frame: pl.DataFrame, env: Environment) -> Outcome:
        upper = self.max_date or env.now
        frame, converted = _to_utc(frame)
        frame, missing = self._fill_missing(frame)
        frame, out_of_range = self._check_range(frame, upper)
        frame, starts_cleared = _clear_starts(frame, self.min_date, upper)
        frame, reordered = _order(frame)
        counts = {
            "timeZoneConverted": converted,
            **missing,
            _RANGE_COUNT[self.out_of_range]: out_of_range.height,
            "startTimestampsCleared": starts_cleared,
            "eventsReordered": reordered,
        }
        fixed = {TIMESTAMP: converted + missing.get("missingFilledFromStart", 0)}
        if START_TIMESTAMP in frame.columns:
            fixed[START_TIMESTAMP] = starts_cleared
        added = (OUT_OF_RANGE_COLUMN,) if self.out_of_range == "flag" else ()
        return Outcome(frame, counts, fixed, added, examples=example_rows(out_of_range))

    def _fill_missing(self, frame: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, int]]:
        missing = pl.col(TIMESTAMP).is_null()
        filled = 0
        if self.missing == "use_start" and START_TIMESTAMP in frame.columns:
            filled = frame.select((missing & pl.col(START_TIMESTAMP).is_not_null()).sum()).item()
            frame = frame.with_columns(pl.coalesce(TIMESTAMP, START_TIMESTAMP).alias(TIMESTAMP))
        dropped = frame.select(missing.sum()).item()
        counts = {"missingDropped": int(dropped)}
        if self.missing == "use_start":
            counts["missingFilledFromStart"] = int(filled)
        return frame.filter(~missing), counts

    def _check_range(
        self, frame: pl.DataFrame, upper: datetime
    ) -> tuple[pl.DataFrame, pl.DataFrame]:
        outside = ~pl.col(TIMESTAMP).is_between(self.min_date, upper)
        found = frame.filter(outside).sort(EVENT_INDEX)
        if self.out_of_range == "flag":
            return frame.with_columns(outside.alias(OUT_OF_RANGE_COLUMN)), found
        return frame.filter(~outside), found


def _to_utc(frame: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Timestamp columns as Datetime(us, UTC); the count of values whose zone changed."""
    converted = 0
    for column in (TIMESTAMP, START_TIMESTAMP):
        if column not in frame.columns:
            continue
        dtype = frame.schema[column]
        if dtype == pl.Date:
            frame = frame.with_columns(pl.col(column).cast(pl.Datetime("us")))
            dtype = frame.schema[column]
        if not isinstance(dtype, pl.Datetime):
            raise CleaningRuleError(column, f"holds {dtype}, not timestamps")
        values = pl.col(column).cast(pl.Datetime("us", dtype.time_zone))
        if dtype.time_zone is None:
            values = values.dt.replace_time_zone("UTC")
        elif dtype.time_zone != "UTC":
            converted += frame[column].count()
        frame = frame.with_columns(values.dt.convert_time_zone("UTC").cast(_UTC).alias(column))
    return frame, converted


def _clear_starts(
    frame: pl.DataFrame, lower: datetime, upper: datetime
) -> tuple[pl.DataFrame, int]:
    if START_TIMESTAMP not in frame.columns:
        return frame, 0
    start = pl.col(START_TIMESTAMP)
    bad = start.is_not_null() & (~start.is_between(lower, upper) | (start > pl.col(TIMESTAMP)))
    cleared = int(frame.select(bad.sum()).item())
    return frame.with_columns(
        pl.when(bad).then(None).otherwise(start).alias(START_TIMESTAMP)
    ), cleared


def _order(frame: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Sort by (case, timestamp, event_index); count events that moved within their case."""
    ranked = frame.with_columns(
        pl.int_range(pl.len()).over(CASE, order_by=EVENT_INDEX).alias("_file_rank")
    ).sort([CASE, TIMESTAMP, EVENT_INDEX])
    moved = ranked.select((pl.col("_file_rank") != pl.int_range(pl.len()).over(CASE)).sum())
    return ranked.drop("_file_rank"), int(moved.item())
