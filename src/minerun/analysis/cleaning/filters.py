"""Filters that Disco and Celonis users expect: time window, attribute values, activities,
case length, case duration and the most frequent variants.

Case-level filters keep or drop whole cases, so what remains are complete cases; event-level
filters (``trim`` mode, ``level: "event"``, activities) drop single events and so shorten
cases. Every bound is inclusive. The definitions are written out for users in
``docs/kinds/data-enrichment.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Final

import polars as pl

from minerun.analysis.cleaning.base import (
    CleaningRule,
    Environment,
    Option,
    Outcome,
    case_examples,
    choice,
    column_name,
    read_bool,
    read_count,
    read_end,
    read_name,
    read_names,
    read_seconds,
    read_share,
    read_start,
    read_values,
    removed_cases,
    value_counts,
)
from minerun.analysis.columns import ACTIVITY, CASE, EVENT_INDEX, START_TIMESTAMP, TIMESTAMP
from minerun.analysis.discovery import case_durations

__all__ = [
    "FilterActivities",
    "FilterAttribute",
    "FilterCaseDuration",
    "FilterCaseLength",
    "FilterTimeWindow",
    "FilterTopVariants",
]

WINDOW_MODES: Final = ("intersecting", "contained", "started", "completed", "trim")


def _exactly_one(rule: CleaningRule, first: str, second: str) -> list[tuple[str, str]]:
    given = [o for o in rule.options if o.key in (first, second) and getattr(rule, o.attr)]
    if len(given) == 1:
        return []
    return [(first, f"give exactly one of {first} and {second}")]


def _range_problems(
    low: float | None, high: float | None, names: tuple[str, str]
) -> list[tuple[str, str]]:
    if low is None and high is None:
        return [(names[0], f"give {names[0]}, {names[1]} or both")]
    if low is not None and high is not None and low > high:
        return [(names[1], f"must be at least {names[0]}")]
    return []


def _keep_cases(frame: pl.DataFrame, keep: pl.Expr, label: str, value: pl.Expr) -> Outcome:
    """Keep the cases for which ``keep`` (an aggregate per case) holds."""
    kept = frame.filter(keep.over(CASE))
    gone = removed_cases(frame, kept, value)
    return Outcome(kept, examples=case_examples(gone, label))


@dataclass(frozen=True)
class FilterTimeWindow(CleaningRule):
    """Keep the part of the log in ``[start, end]``, as Disco's timeframe filter does.

    A case spans from its first timestamp (or earlier start timestamp) to its last
    timestamp. Modes: ``intersecting`` keeps cases whose span meets the window (default),
    ``contained`` cases whose span lies inside it, ``started`` cases that begin in it,
    ``completed`` cases that end in it; ``trim`` keeps the events whose timestamp is in it.
    """

    name: ClassVar[str] = "filter_time_window"
    options: ClassVar[tuple[Option, ...]] = (
        Option("start", "start", read_start),
        Option("end", "end", read_end),
        Option("mode", "mode", choice(*WINDOW_MODES)),
    )

    start: datetime | None = None
    end: datetime | None = None
    mode: str = "intersecting"

    def problems(self) -> list[tuple[str, str]]:
        if self.start is None and self.end is None:
            return [("start", "give start, end or both")]
        if self.start is not None and self.end is not None and self.start > self.end:
            return [("end", "must not be before start")]
        return []

    def apply(self, frame: pl.DataFrame, env: Environment) -> Outcome:
        if self.mode == "trim":
            return Outcome(frame.filter(self._inside(pl.col(TIMESTAMP))))
        first = pl.col(TIMESTAMP).min()
        if START_TIMESTAMP in frame.columns:
            first = pl.min_horizontal(first, pl.col(START_TIMESTAMP).min())
        last = pl.col(TIMESTAMP).max()
        keep = {
            "intersecting": self._after_start(last) & self._before_end(first),
            "contained": self._inside(first) & self._inside(last),
            "started": self._inside(first),
            "completed": self._inside(last),
        }[self.mode]
        return _keep_cases(frame, keep, "span", pl.concat_list(first, last))

    def _after_start(self, moment: pl.Expr) -> pl.Expr:
        return pl.lit(True) if self.start is None else moment >= self.start

    def _before_end(self, moment: pl.Expr) -> pl.Expr:
        return pl.lit(True) if self.end is None else moment <= self.end

    def _inside(self, moment: pl.Expr) -> pl.Expr:
        return self._after_start(moment) & self._before_end(moment)


@dataclass(frozen=True)
class FilterAttribute(CleaningRule):
    """Keep (``keep: true``) or drop cases (``level: "case"``) or events (``"event"``) that
    have one of ``values`` in ``attribute``; values compare as text; a missing value never
    matches."""

    name: ClassVar[str] = "filter_attribute"
    options: ClassVar[tuple[Option, ...]] = (
        Option("attribute", "attribute", read_name, required=True),
        Option("values", "values", read_values, required=True),
        Option("level", "level", choice("case", "event")),
        Option("keep", "keep", read_bool),
    )

    attribute: str = ""
    values: tuple[str, ...] = ()
    level: str = "case"
    keep: bool = True

    def columns_needed(self) -> dict[str, str]:
        return {column_name(self.attribute): "attribute"}

    def apply(self, frame: pl.DataFrame, env: Environment) -> Outcome:
        name = column_name(self.attribute)
        column = pl.col(name).cast(pl.String)
        matches = column.is_in(pl.Series(self.values, dtype=pl.String).implode()).fill_null(False)
        if self.level == "event":
            kept = frame.filter(matches if self.keep else ~matches)
            dropped = frame.filter(~matches if self.keep else matches)
            return Outcome(
                kept,
                examples=value_counts(
                    dropped[column_name(self.attribute)].cast(pl.String), "value"
                ),
            )
        has = matches.any()
        return _keep_cases(frame, has if self.keep else ~has, "matches", has)


@dataclass(frozen=True)
class FilterActivities(CleaningRule):
    """Keep only the events of the ``keep`` activities, or drop those of ``remove``."""

    name: ClassVar[str] = "filter_activities"
    options: ClassVar[tuple[Option, ...]] = (
        Option("keep", "keep", read_names),
        Option("remove", "remove", read_names),
    )

    keep: tuple[str, ...] | None = None
    remove: tuple[str, ...] | None = None

    def problems(self) -> list[tuple[str, str]]:
        return _exactly_one(self, "keep", "remove")

    def apply(self, frame: pl.DataFrame, env: Environment) -> Outcome:
        listed = pl.col(ACTIVITY).is_in(pl.Series(self.keep or self.remove or ()).implode())
        wanted = listed if self.keep else ~listed
        dropped = frame.filter(~wanted.fill_null(False))
        return Outcome(frame.filter(wanted), examples=value_counts(dropped[ACTIVITY], "activity"))


@dataclass(frozen=True)
class FilterCaseLength(CleaningRule):
    """Keep the cases with at least ``min`` and at most ``max`` events."""

    name: ClassVar[str] = "filter_case_length"
    options: ClassVar[tuple[Option, ...]] = (
        Option("min", "min", read_count),
        Option("max", "max", read_count),
    )

    min: int | None = None
    max: int | None = None

    def problems(self) -> list[tuple[str, str]]:
        return _range_problems(self.min, self.max, ("min", "max"))

    def apply(self, frame: pl.DataFrame, env: Environment) -> Outcome:
        size = pl.len()
        keep = (size >= (self.min or 0)) & (size <= (self.max or frame.height))
        return _keep_cases(frame, keep, "events", size)


@dataclass(frozen=True)
class FilterCaseDuration(CleaningRule):
    """Keep the cases whose duration lies in ``[minSeconds, maxSeconds]``.

    A case's duration is its last timestamp minus its first timestamp (or earlier start
    timestamp), as the analysis measures cycle time.
    """

    name: ClassVar[str] = "filter_case_duration"
    options: ClassVar[tuple[Option, ...]] = (
        Option("minSeconds", "min_seconds", read_seconds),
        Option("maxSeconds", "max_seconds", read_seconds),
    )

    min_seconds: float | None = None
    max_seconds: float | None = None

    def problems(self) -> list[tuple[str, str]]:
        return _range_problems(self.min_seconds, self.max_seconds, ("minSeconds", "maxSeconds"))

    def apply(self, frame: pl.DataFrame, env: Environment) -> Outcome:
        seconds = pl.col("duration_seconds")
        inside = pl.lit(True)
        if self.min_seconds is not None:
            inside = inside & (seconds >= self.min_seconds)
        if self.max_seconds is not None:
            inside = inside & (seconds <= self.max_seconds)
        durations = case_durations(frame).with_columns(inside.alias("_keep"))
        kept_cases = durations.filter("_keep")[CASE]
        kept = frame.filter(pl.col(CASE).is_in(kept_cases.implode()))
        gone = durations.filter(~pl.col("_keep")).select(CASE, seconds.alias("value"))
        return Outcome(kept, examples=case_examples(gone, "durationSeconds"))


@dataclass(frozen=True)
class FilterTopVariants(CleaningRule):
    """Keep the cases of the most frequent variants: the ``k`` first, or the fewest first
    variants that together cover at least ``coverage`` of the cases (Disco's variation
    slider). Variants are ranked by cases, ties by activity sequence (as the analysis lists
    them)."""

    name: ClassVar[str] = "filter_top_variants"
    options: ClassVar[tuple[Option, ...]] = (
        Option("k", "k", read_count),
        Option("coverage", "coverage", read_share),
    )

    k: int | None = None
    coverage: float | None = None

    def problems(self) -> list[tuple[str, str]]:
        return _exactly_one(self, "k", "coverage")

    def apply(self, frame: pl.DataFrame, env: Environment) -> Outcome:
        traces = (
            frame.sort([CASE, TIMESTAMP, EVENT_INDEX])
            .group_by(CASE, maintain_order=True)
            .agg(pl.col(ACTIVITY).alias("_trace"))
        )
        ranked = (
            traces.group_by("_trace")
            .agg(pl.len().alias("_cases"))
            .sort(["_cases", "_trace"], descending=[True, False])
            .with_columns(pl.int_range(pl.len()).alias("_rank"))
            .with_columns((pl.col("_cases").cum_sum() - pl.col("_cases")).alias("_before"))
        )
        if self.k is not None:
            chosen = ranked.filter(pl.col("_rank") < self.k)
        else:
            # Compare shares, not counts: 3 / 10 < 0.3 is false, 3 < 0.3 * 10 is true.
            covered = pl.col("_before") / traces.height
            chosen = ranked.filter(covered < (self.coverage or 1.0))
        kept_cases = traces.join(chosen, on="_trace", how="semi")[CASE]
        kept = frame.filter(pl.col(CASE).is_in(kept_cases.implode()))
        counts = {"variantsKept": chosen.height, "variantsRemoved": ranked.height - chosen.height}
        return Outcome(kept, counts=counts)
