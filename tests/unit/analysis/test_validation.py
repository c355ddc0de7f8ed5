"""Row-level validation of loaded logs, the data-quality score and the time-window filter."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

from minerun.analysis.columns import ACTIVITY, CASE, START_TIMESTAMP, TIMESTAMP
from minerun.analysis.errors import EventLogError
from minerun.analysis.eventlog import CsvMapping, LoadResult, read_csv
from minerun.analysis.validation import (
    ISSUE_WEIGHTS,
    IssueType,
    RowIssue,
    filter_time_window,
    validate,
)

NOW = datetime(2024, 1, 1, tzinfo=UTC)
MAPPING = CsvMapping(
    "case", "activity", "end", resource_column="who", start_timestamp_column="start"
)

# Rows are numbered from 1 after the header.
ROWS = [
    "c1,a,2023-01-01 10:00,ann,2023-01-01 09:00",  # 1 fine
    "c1,b,2023-01-01 12:00,bob,2023-01-01 13:00",  # 2 start after end: fixed
    "c1,b,2023-01-01 12:00,bob,",  # 3 repeats 2: kept, reported
    "c1,c,2023-01-01 11:00,ann,",  # 4 out of order (earlier than row 2)
    ",d,2023-01-01 13:00,ann,",  # 5 no case: skipped
    "c2,,2023-01-02 10:00,ann,",  # 6 no activity: skipped
    "c2,a,,ann,",  # 7 no timestamp: skipped
    "c2,b,someday,ann,",  # 8 bad timestamp: skipped
    "c2,c,2025-06-01 10:00,ann,later",  # 9 future: kept; bad start: fixed
    "c2,d,2023-01-02 11:00,,2023-01-02 10:30",  # 10 out of order (earlier than row 9)
]


@pytest.fixture
def loaded(tmp_path: Path) -> LoadResult:
    path = tmp_path / "log.csv"
    path.write_text("case,activity,end,who,start\n" + "\n".join(ROWS) + "\n")
    return read_csv(path, MAPPING)


def test_each_issue_is_reported_with_row_column_and_outcome(loaded: LoadResult) -> None:
    report = validate(loaded, now=NOW)
    found = {(i.row, i.error_type, i.column, i.outcome) for i in report.issues}
    assert found == {
        (2, "start_after_end", "start", "fixed"),
        (3, "duplicate_event", None, "kept"),
        (4, "out_of_order", "end", "kept"),
        (5, "missing_case_id", "case", "skipped"),
        (6, "missing_activity", "activity", "skipped"),
        (7, "missing_timestamp", "end", "skipped"),
        (8, "invalid_timestamp", "end", "skipped"),
        (9, "future_timestamp", "end", "kept"),
        (9, "invalid_start_timestamp", "start", "fixed"),
        (10, "out_of_order", "end", "kept"),
    }
    assert [issue.row for issue in report.issues] == sorted(i.row for i in report.issues)
    by_row = {issue.error_type: issue for issue in report.issues}
    assert "someday" in by_row["invalid_timestamp"].message
    assert "row 2" in by_row["duplicate_event"].message


def test_skipped_rows_leave_the_frame_and_fixes_are_applied(loaded: LoadResult) -> None:
    report = validate(loaded, now=NOW)
    assert (report.rows_total, report.rows_kept, report.skipped_rows) == (10, 6, 4)
    frame = report.frame
    assert frame.select(CASE, ACTIVITY).rows() == [
        ("c1", "a"),
        ("c1", "c"),
        ("c1", "b"),
        ("c1", "b"),
        ("c2", "d"),
        ("c2", "c"),
    ]
    starts = dict(zip(frame[ACTIVITY], frame[START_TIMESTAMP], strict=True))
    assert starts["b"] is None  # was after its completion
    assert starts["a"] == datetime(2023, 1, 1, 9, tzinfo=UTC)


def test_counts_and_score_follow_the_weights(loaded: LoadResult) -> None:
    report = validate(loaded, now=NOW)
    assert report.issue_counts == {
        "duplicate_event": 1,
        "future_timestamp": 1,
        "invalid_start_timestamp": 1,
        "invalid_timestamp": 1,
        "missing_activity": 1,
        "missing_case_id": 1,
        "missing_timestamp": 1,
        "out_of_order": 2,
        "start_after_end": 1,
    }
    worst_per_row = [0.25, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0, max(0.5, 0.25), 0.1]
    assert ISSUE_WEIGHTS[IssueType.OUT_OF_ORDER] == 0.1
    assert report.data_quality_score == round(100 * (1 - sum(worst_per_row) / 10), 2)


def test_future_depends_on_now(loaded: LoadResult) -> None:
    later = validate(loaded, now=datetime(2030, 1, 1))
    assert "future_timestamp" not in later.issue_counts


def test_issue_list_is_capped_but_counts_are_complete(tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    path.write_text("case,activity,end\n" + "x,a,2020-01-01\n" * 30)
    report = validate(read_csv(path, CsvMapping("case", "activity", "end")), max_issues=10)
    assert len(report.issues) == 10
    assert report.issues_truncated
    assert report.issue_counts == {"duplicate_event": 29}
    assert report.rows_kept == 30
    assert report.data_quality_score == round(100 * (1 - 29 * 0.1 / 30), 2)


def test_clean_log_scores_100(tmp_path: Path) -> None:
    path = tmp_path / "ok.csv"
    path.write_text("case,activity,end\nx,a,2020-01-01\nx,b,2020-01-02\n")
    report = validate(read_csv(path, CsvMapping("case", "activity", "end")), now=NOW)
    assert report.issues == ()
    assert report.data_quality_score == 100.0
    assert not report.issues_truncated


def test_row_issue_is_a_plain_record() -> None:
    issue = RowIssue(3, "end", "missing_timestamp", "No timestamp", "skipped")
    assert issue.row == 3 and issue.outcome == "skipped"


def window_log() -> pl.DataFrame:
    at = [
        datetime(2023, 1, 31, 23, tzinfo=UTC),
        datetime(2023, 2, 2, tzinfo=UTC),
        datetime(2023, 2, 1, tzinfo=UTC),
        datetime(2023, 3, 5, tzinfo=UTC),
        datetime(2023, 2, 28, 12, tzinfo=UTC),
    ]
    return pl.DataFrame(
        {CASE: ["early", "early", "feb", "feb", "late"], ACTIVITY: list("abcde"), TIMESTAMP: at}
    )


def test_window_keeps_whole_cases_that_start_inside() -> None:
    kept = filter_time_window(window_log(), date(2023, 2, 1), date(2023, 2, 28))
    assert kept[CASE].to_list() == ["feb", "feb", "late"]  # feb's March event stays


def test_window_with_datetimes_and_open_ends() -> None:
    log = window_log()
    before = filter_time_window(log, end=datetime(2023, 2, 1))  # naive = UTC, exclusive
    assert set(before[CASE]) == {"early"}
    assert set(filter_time_window(log, start=datetime(2023, 2, 10))[CASE]) == {"late"}
    assert filter_time_window(log).height == log.height


def test_empty_window_is_refused() -> None:
    with pytest.raises(EventLogError) as caught:
        filter_time_window(window_log(), date(2023, 3, 1), date(2023, 2, 1))
    assert caught.value.field == "start"
