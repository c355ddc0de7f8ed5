"""Row-level checks of a loaded event log, and the time-window filter.

:func:`validate` turns a :class:`~minerun.analysis.eventlog.LoadResult` into a clean log
plus a report of every issue: the row (1-based position of the event in the source: the
CSV data row, header not counted, or the n-th XES event), the source column, the issue
type, a message and what was done with the row:

=========================  ========  =======  ==================================================
issue type                 outcome   weight   rule
=========================  ========  =======  ==================================================
missing_case_id            skipped   1.0      no case id (empty or blank)
missing_activity           skipped   1.0      no activity (empty or blank)
missing_timestamp          skipped   1.0      no completion timestamp
invalid_timestamp          skipped   1.0      a completion timestamp that cannot be parsed
future_timestamp           kept      0.5      completion timestamp later than ``now``
invalid_start_timestamp    fixed     0.25     start timestamp unparseable: set to null
start_after_end            fixed     0.25     start later than completion: start set to null
out_of_order               kept      0.1      earlier than a previous row of the same case in
                                              the file (the log is ordered by timestamp)
duplicate_event            kept      0.1      same case, activity, timestamp, resource and
                                              lifecycle as an earlier row (a repeat)
=========================  ========  =======  ==================================================

``data_quality_score`` = 100 * (1 - sum over rows of the largest weight among the row's
issues / number of rows), so 100 means no issue and 0 means every row was skipped.

Only rows that cannot be an event are skipped. A repeat is kept: in real logs it is often
a real event (two invoices booked in the same minute, a ticket updated twice in a second),
so removing repeats is an explicit cleaning rule, not a side effect of the upload.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Final

import polars as pl

from minerun.analysis.columns import (
    ACTIVITY,
    CASE,
    EVENT_INDEX,
    RESOURCE,
    START_TIMESTAMP,
    TIMESTAMP,
)
from minerun.analysis.errors import EventLogError
from minerun.analysis.eventlog import LIFECYCLE, LoadResult

__all__ = [
    "ISSUE_WEIGHTS",
    "REPORTED_ONLY",
    "IssueType",
    "Outcome",
    "RowIssue",
    "ValidationReport",
    "filter_time_window",
    "validate",
]

MAX_ISSUES: Final = 1000


class IssueType(StrEnum):
    """What is wrong with a row."""

    MISSING_CASE_ID = "missing_case_id"
    MISSING_ACTIVITY = "missing_activity"
    MISSING_TIMESTAMP = "missing_timestamp"
    INVALID_TIMESTAMP = "invalid_timestamp"
    DUPLICATE_EVENT = "duplicate_event"
    FUTURE_TIMESTAMP = "future_timestamp"
    INVALID_START_TIMESTAMP = "invalid_start_timestamp"
    START_AFTER_END = "start_after_end"
    OUT_OF_ORDER = "out_of_order"


class Outcome(StrEnum):
    """What validation did with the row."""

    SKIPPED = "skipped"
    KEPT = "kept"
    FIXED = "fixed"


ISSUE_WEIGHTS: Final[dict[IssueType, float]] = {
    IssueType.MISSING_CASE_ID: 1.0,
    IssueType.MISSING_ACTIVITY: 1.0,
    IssueType.MISSING_TIMESTAMP: 1.0,
    IssueType.INVALID_TIMESTAMP: 1.0,
    IssueType.FUTURE_TIMESTAMP: 0.5,
    IssueType.INVALID_START_TIMESTAMP: 0.25,
    IssueType.START_AFTER_END: 0.25,
    IssueType.OUT_OF_ORDER: 0.1,
    IssueType.DUPLICATE_EVENT: 0.1,
}
"""How much one row with this issue lowers the data-quality score (1.0 = a lost row)."""

REPORTED_ONLY: Final = frozenset(
    {IssueType.FUTURE_TIMESTAMP, IssueType.OUT_OF_ORDER, IssueType.DUPLICATE_EVENT}
)
"""Issues whose row stays in the log unchanged: reported, neither skipped nor fixed."""


@dataclass(frozen=True)
class RowIssue:
    """One problem found in one row of the source."""

    row: int
    column: str | None
    error_type: str
    message: str
    outcome: str


@dataclass(frozen=True)
class ValidationReport:
    """The clean log and what validation found.

    ``frame`` keeps the rows that were not skipped, in canonical order; ``issues`` holds
    the first ``MAX_ISSUES`` issues by row, ``issue_counts`` counts all of them by type.
    """

    frame: pl.DataFrame
    rows_total: int
    rows_kept: int
    skipped_rows: int
    issues: tuple[RowIssue, ...]
    issue_counts: dict[str, int]
    issues_truncated: bool
    data_quality_score: float


_ISSUE_SCHEMA: Final = {
    "row": pl.Int64,
    "column": pl.String,
    "error_type": pl.String,
    "message": pl.String,
    "outcome": pl.String,
}


def validate(
    log: LoadResult, *, now: datetime | None = None, max_issues: int = MAX_ISSUES
) -> ValidationReport:
    """Check every row of ``log``; skip, fix or keep each problem row as the table says.

    ``now`` (default: the current time) is the limit for future timestamps; a naive
    value is taken as UTC.
    """
    limit = _as_utc(now or datetime.now(UTC))
    frame = log.frame.with_columns((pl.col(EVENT_INDEX).cast(pl.Int64) + 1).alias("_row"))
    names = log.source_columns
    found = [*_missing_values(frame, log), *_parse_failures(log)]
    skipped = pl.concat(found).filter(pl.col("outcome") == Outcome.SKIPPED.value)["row"]
    valid = frame.filter(~pl.col("_row").is_in(skipped.implode()))
    valid, start_issues = _check_start(valid.sort(EVENT_INDEX), names)
    kept_issues = [
        *start_issues,
        _duplicates(valid, names),
        _future(valid, limit, names),
        _out_of_order(valid, names),
    ]
    issues = pl.concat([*found, *kept_issues]).sort("row", "error_type")
    clean = valid.drop("_row").sort([CASE, TIMESTAMP, EVENT_INDEX])
    return ValidationReport(
        frame=clean,
        rows_total=frame.height,
        rows_kept=clean.height,
        skipped_rows=frame.height - clean.height,
        issues=tuple(RowIssue(**row) for row in issues.head(max_issues).iter_rows(named=True)),
        issue_counts=dict(issues.group_by("error_type").len().sort("error_type").iter_rows()),
        issues_truncated=issues.height > max_issues,
        data_quality_score=_score(issues, frame.height),
    )


def filter_time_window(
    frame: pl.DataFrame,
    start: date | datetime | None = None,
    end: date | datetime | None = None,
) -> pl.DataFrame:
    """Keep the whole cases whose first event lies in the window ``[start, end)``.

    Whole cases are kept (never cut), so case durations and variants stay true. A
    ``date`` start means its midnight UTC; a ``date`` end includes that whole day; naive
    datetimes are UTC; ``None`` leaves that side open.
    """
    lower = _bound(start, end_of_day=False)
    upper = _bound(end, end_of_day=True)
    if lower is not None and upper is not None and lower >= upper:
        raise EventLogError(f"The window start {start} is not before its end {end}", field="start")
    first = pl.col(TIMESTAMP).min().over(CASE)
    keep = pl.lit(True)
    if lower is not None:
        keep = keep & (first >= lower)
    if upper is not None:
        keep = keep & (first < upper)
    return frame.filter(keep)


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _bound(value: date | datetime | None, *, end_of_day: bool) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return _as_utc(value)
    midnight = datetime.combine(value, time(), tzinfo=UTC)
    return midnight + timedelta(days=1) if end_of_day else midnight


def _issues(
    rows: pl.DataFrame, column: str | None, kind: IssueType, message: pl.Expr, outcome: Outcome
) -> pl.DataFrame:
    return rows.select(
        pl.col("_row").alias("row"),
        pl.lit(column, dtype=pl.String).alias("column"),
        pl.lit(kind.value).alias("error_type"),
        message.alias("message"),
        pl.lit(outcome.value).alias("outcome"),
    )


def _blank(column: str) -> pl.Expr:
    return pl.col(column).is_null() | (pl.col(column).str.strip_chars() == "")


def _missing_values(frame: pl.DataFrame, log: LoadResult) -> list[pl.DataFrame]:
    names = log.source_columns
    failed = log.parse_failures.filter(pl.col("column") == TIMESTAMP)["event_index"]
    no_time = pl.col(TIMESTAMP).is_null() & ~pl.col(EVENT_INDEX).is_in(failed.implode())
    checks = (
        (_blank(CASE), CASE, IssueType.MISSING_CASE_ID, "No case id"),
        (_blank(ACTIVITY), ACTIVITY, IssueType.MISSING_ACTIVITY, "No activity"),
        (no_time, TIMESTAMP, IssueType.MISSING_TIMESTAMP, "No timestamp"),
    )
    return [
        _issues(frame.filter(condition), names.get(column), kind, pl.lit(text), Outcome.SKIPPED)
        for condition, column, kind, text in checks
    ]


def _parse_failures(log: LoadResult) -> list[pl.DataFrame]:
    failures = log.parse_failures.with_columns(
        (pl.col("event_index").cast(pl.Int64) + 1).alias("_row")
    )
    fmt = log.timestamp_format or "a known format"
    kinds = (
        (TIMESTAMP, IssueType.INVALID_TIMESTAMP, Outcome.SKIPPED, "row skipped"),
        (START_TIMESTAMP, IssueType.INVALID_START_TIMESTAMP, Outcome.FIXED, "start cleared"),
    )
    return [
        _issues(
            failures.filter(pl.col("column") == column),
            log.source_columns.get(column),
            kind,
            pl.format(f"Cannot read {{}} as a timestamp in {fmt}; {action}", pl.col("value")),
            outcome,
        )
        for column, kind, outcome, action in kinds
    ]


def _duplicates(valid: pl.DataFrame, names: dict[str, str]) -> pl.DataFrame:
    # `valid` is in file order here, so the first of a group is the earliest row.
    keys = [c for c in (CASE, ACTIVITY, TIMESTAMP, RESOURCE, LIFECYCLE) if c in valid.columns]
    first = pl.col("_row").first().over(keys)
    repeated = valid.with_columns(first.alias("_first")).filter(pl.col("_row") != pl.col("_first"))
    message = pl.format(
        f"Repeats row {{}} (same {', '.join(names.get(k, k) for k in keys)}); kept", "_first"
    )
    return _issues(repeated, None, IssueType.DUPLICATE_EVENT, message, Outcome.KEPT)


def _check_start(
    valid: pl.DataFrame, names: dict[str, str]
) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    if START_TIMESTAMP not in valid.columns:
        return valid, []
    late = pl.col(START_TIMESTAMP) > pl.col(TIMESTAMP)
    message = pl.format(
        "Start {} is after completion {}; start cleared", START_TIMESTAMP, TIMESTAMP
    )
    issues = _issues(
        valid.filter(late),
        names.get(START_TIMESTAMP),
        IssueType.START_AFTER_END,
        message,
        Outcome.FIXED,
    )
    fixed = valid.with_columns(
        pl.when(late).then(None).otherwise(pl.col(START_TIMESTAMP)).alias(START_TIMESTAMP)
    )
    return fixed, [issues]


def _future(valid: pl.DataFrame, limit: datetime, names: dict[str, str]) -> pl.DataFrame:
    message = pl.format(f"Timestamp {{}} is after {limit.isoformat()}", TIMESTAMP)
    rows = valid.filter(pl.col(TIMESTAMP) > limit)
    return _issues(rows, names.get(TIMESTAMP), IssueType.FUTURE_TIMESTAMP, message, Outcome.KEPT)


def _out_of_order(valid: pl.DataFrame, names: dict[str, str]) -> pl.DataFrame:
    # `valid` is in file order here; compare each event with the latest one before it.
    latest = pl.col(TIMESTAMP).cum_max().shift(1).over(CASE)
    rows = valid.with_columns(latest.alias("_latest")).filter(pl.col(TIMESTAMP) < pl.col("_latest"))
    message = pl.format("Earlier than a previous event of case {} ({})", CASE, "_latest")
    return _issues(rows, names.get(TIMESTAMP), IssueType.OUT_OF_ORDER, message, Outcome.KEPT)


def _score(issues: pl.DataFrame, rows: int) -> float:
    if rows == 0:
        return 0.0
    weights = pl.col("error_type").replace_strict(
        {kind.value: weight for kind, weight in ISSUE_WEIGHTS.items()}, return_dtype=pl.Float64
    )
    lost = float(issues.group_by("row").agg(weights.max()).get_column("error_type").sum())
    return round(100.0 * (1.0 - lost / rows), 2)
