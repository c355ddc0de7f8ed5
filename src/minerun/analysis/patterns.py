"""Frequent and rare behaviour patterns, and the paths that carry the most case time.

- Pattern: a contiguous run of ``MIN_PATTERN_LENGTH`` to ``MAX_PATTERN_LENGTH`` (2 to 4)
  activities inside a case (an n-gram). Its support is the share of cases containing it at
  least once.
- Frequent: support of at least ``FREQUENT_SUPPORT`` (10%). Rare: support below
  ``RARE_SUPPORT`` (1%), so at least one case but fewer than 1 in 100.
- Critical paths: the variants (complete activity sequences) ranked by the total cycle time of
  their cases, the sum over cases from first start to last completion. A variant that is both
  common and slow ranks first; its ``time_share`` is the part of all case time it carries.
- Critical transitions: directly-follows edges ranked by the total time between the two events
  over the whole log.

Counts cover every pattern; the lists keep the first ``LIST_LIMIT`` (50) frequent and rare
patterns and the first ``CRITICAL_LIMIT`` (10) paths and transitions.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from minerun.analysis.columns import ACTIVITY, CASE, START_TIMESTAMP, TIMESTAMP
from minerun.analysis.features import transitions

MIN_PATTERN_LENGTH = 2
MAX_PATTERN_LENGTH = 4
FREQUENT_SUPPORT = 0.10
RARE_SUPPORT = 0.01
LIST_LIMIT = 50
CRITICAL_LIMIT = 10
_SEPARATOR = "\x1f"


@dataclass(frozen=True)
class Pattern:
    """A contiguous activity sequence with the cases containing it and its occurrences."""

    activities: tuple[str, ...]
    case_count: int
    support: float
    occurrences: int


@dataclass(frozen=True)
class CriticalPath:
    """A variant with the case time it carries (seconds) and its shares of time and cases."""

    activities: tuple[str, ...]
    case_count: int
    total_seconds: float
    mean_seconds: float
    time_share: float
    case_share: float


@dataclass(frozen=True)
class CriticalTransition:
    """A directly-follows edge with the total and mean time spent between its two events."""

    source: str
    target: str
    frequency: int
    total_seconds: float
    mean_seconds: float
    time_share: float


@dataclass(frozen=True)
class PatternReport:
    """Counts of all frequent and rare patterns, capped lists, and critical paths."""

    case_count: int
    frequent_count: int
    rare_count: int
    frequent: tuple[Pattern, ...]
    rare: tuple[Pattern, ...]
    critical_paths: tuple[CriticalPath, ...]
    critical_transitions: tuple[CriticalTransition, ...]


def _ngram_table(frame: pl.DataFrame) -> pl.DataFrame:
    """Every n-gram with its case count and occurrences, keyed by integer codes.

    The log is sorted by case, so a shift within the whole column stays inside a case
    exactly when the shifted case number is the same; that avoids a window per offset.
    """
    codes = frame.select(
        (pl.col(CASE) != pl.col(CASE).shift(1)).fill_null(True).cum_sum().alias("case"),
        pl.col(ACTIVITY).rank("dense").cast(pl.Int64).alias("code"),
    )
    base: int = (codes.select(pl.col("code").max()).item() or 0) + 1
    longest = MAX_PATTERN_LENGTH
    while longest > MIN_PATTERN_LENGTH and base**longest >= 2**62:
        longest -= 1  # keep keys inside Int64 for logs with very many activities
    key = pl.col("code")
    columns = []
    for offset in range(1, longest):
        same_case = pl.col("case").shift(-offset) == pl.col("case")
        key = key * base + pl.when(same_case).then(pl.col("code").shift(-offset))
        if offset + 1 >= MIN_PATTERN_LENGTH:
            columns.append(key.alias(f"k{offset + 1}"))
    keyed = codes.with_columns(columns)
    parts = [
        keyed.lazy()
        .select(pl.col("case"), pl.col(f"k{length}").alias("key"))
        .drop_nulls("key")
        .group_by("key")
        .agg(pl.len().alias("occurrences"), pl.col("case").n_unique().alias("case_count"))
        .with_columns(pl.lit(length, dtype=pl.Int64).alias("length"))
        for length in range(MIN_PATTERN_LENGTH, longest + 1)
    ]
    return pl.concat(pl.collect_all(parts))


def _decode(keys: pl.DataFrame, frame: pl.DataFrame) -> list[tuple[str, ...]]:
    """Activity names of the encoded n-grams (only the few that are listed)."""
    names = frame.get_column(ACTIVITY).unique().sort().to_list()
    base = len(names) + 1
    decoded = []
    for key, length in keys.select("key", "length").iter_rows():
        digits = []
        for _ in range(length):
            key, digit = divmod(key, base)
            digits.append(names[digit - 1])
        decoded.append(tuple(reversed(digits)))
    return decoded


def _patterns(table: pl.DataFrame, frame: pl.DataFrame, case_count: int) -> tuple[Pattern, ...]:
    rows = table.head(LIST_LIMIT)
    return tuple(
        Pattern(activities=names, case_count=cases, support=cases / case_count, occurrences=n)
        for names, cases, n in zip(
            _decode(rows, frame),
            rows.get_column("case_count").to_list(),
            rows.get_column("occurrences").to_list(),
            strict=True,
        )
    )


def _critical_paths(frame: pl.DataFrame) -> tuple[CriticalPath, ...]:
    start = pl.col(TIMESTAMP).min()
    if START_TIMESTAMP in frame.columns:
        start = pl.min_horizontal(start, pl.col(START_TIMESTAMP).min())
    # Integer microseconds keep the sums exact, so they do not depend on the thread count.
    cases = frame.group_by(CASE).agg(
        pl.col(ACTIVITY).str.join(_SEPARATOR).alias("variant"),
        (pl.col(TIMESTAMP).max() - start).dt.total_microseconds().alias("micros"),
    )
    total = max(int(cases.select(pl.col("micros").sum()).item() or 0), 1)
    variants = (
        cases.group_by("variant")
        .agg(pl.len().alias("cases"), pl.col("micros").sum().alias("total"))
        .sort(["total", "variant"], descending=[True, False])
        .head(CRITICAL_LIMIT)
    )
    return tuple(
        CriticalPath(
            activities=tuple(variant.split(_SEPARATOR)),
            case_count=count,
            total_seconds=micros / 1e6,
            mean_seconds=micros / 1e6 / count,
            time_share=micros / total,
            case_share=count / cases.height,
        )
        for variant, count, micros in variants.iter_rows()
    )


def _critical_transitions(frame: pl.DataFrame) -> tuple[CriticalTransition, ...]:
    edges = (
        transitions(frame)
        .group_by("source", "target")
        .agg(
            pl.len().alias("frequency"),
            (pl.col("gap_s") * 1e6).round().cast(pl.Int64).sum().alias("total"),
        )
        .sort(["total", "source", "target"], descending=[True, False, False])
    )
    total = max(int(edges.select(pl.col("total").sum()).item() or 0), 1)
    return tuple(
        CriticalTransition(
            source=source,
            target=target,
            frequency=frequency,
            total_seconds=micros / 1e6,
            mean_seconds=micros / 1e6 / frequency,
            time_share=micros / total,
        )
        for source, target, frequency, micros in edges.head(CRITICAL_LIMIT).iter_rows()
    )


def find_patterns(frame: pl.DataFrame) -> PatternReport:
    """Frequent and rare n-grams and critical paths of a canonical event log.

    Lists are ordered deterministically: frequent patterns by support (descending), rare
    ones by support (ascending), then by length and code; critical paths by total time.
    """
    case_count = int(frame.get_column(CASE).n_unique())
    if case_count == 0:
        return PatternReport(0, 0, 0, (), (), (), ())
    table = _ngram_table(frame).with_columns((pl.col("case_count") / case_count).alias("support"))
    frequent = table.filter(pl.col("support") >= FREQUENT_SUPPORT).sort(
        ["case_count", "length", "key"], descending=[True, True, False]
    )
    rare = table.filter(pl.col("support") < RARE_SUPPORT).sort(["case_count", "length", "key"])
    return PatternReport(
        case_count=case_count,
        frequent_count=frequent.height,
        rare_count=rare.height,
        frequent=_patterns(frequent, frame, case_count),
        rare=_patterns(rare, frame, case_count),
        critical_paths=_critical_paths(frame),
        critical_transitions=_critical_transitions(frame),
    )


__all__ = [
    "FREQUENT_SUPPORT",
    "RARE_SUPPORT",
    "CriticalPath",
    "CriticalTransition",
    "Pattern",
    "PatternReport",
    "find_patterns",
]
