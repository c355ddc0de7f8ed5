"""What ProcessMiningAnalysis refuses as input: at submission when it can, else at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from minerun.analysis.columns import ACTIVITY, CASE, TIMESTAMP
from minerun.exceptions import PhaseInputError
from minerun.kinds.process_mining.loading import DatasetGone, load_log
from minerun.kinds.process_mining.parameters import check_dataset, parse

DATASET = "5f3c1f62-6a8e-4a43-9d8e-0d6f7a1f7b10"
SPAN = {"timeRange": {"start": "2024-01-01T08:00:00Z", "end": "2024-01-20T17:30:00Z"}}


def window(start: str | None = None, end: str | None = None) -> dict[str, Any]:
    return {"datasetId": DATASET, "timeWindow": {"startDate": start, "endDate": end}}


@pytest.mark.parametrize(
    ("start", "end"),
    [("2023-01-01", "2023-12-31"), ("2024-01-21", None), (None, "2023-12-31")],
)
def test_a_window_outside_the_datasets_events_is_refused(start: str, end: str) -> None:
    (error,) = check_dataset(window(start, end), SPAN)
    assert error["field"] == "parameters.timeWindow"
    assert "2024-01-01 to 2024-01-20" in error["reason"]


@pytest.mark.parametrize(
    ("start", "end"),
    [("2024-01-20", None), (None, "2024-01-01"), ("2023-06-01", "2025-01-01"), (None, None)],
)
def test_a_window_that_touches_the_events_is_accepted(start: str, end: str) -> None:
    assert check_dataset(window(start, end), SPAN) == []
    assert check_dataset({"datasetId": DATASET}, SPAN) == []


@dataclass
class Context:
    data_dir: Path


def write_dataset(data_dir: Path) -> None:
    (data_dir / "datasets").mkdir(parents=True)
    starts = [datetime(2024, 1, 1, 9, tzinfo=UTC), datetime(2024, 1, 10, 9, tzinfo=UTC)]
    pl.DataFrame(
        {CASE: ["a", "b"], ACTIVITY: ["register", "register"], TIMESTAMP: starts}
    ).write_parquet(data_dir / "datasets" / f"{DATASET}.parquet")


def test_a_window_inside_the_range_with_no_case_is_invalid_input(tmp_path: Path) -> None:
    write_dataset(tmp_path)
    ctx: Any = Context(tmp_path)
    assert load_log(ctx, parse(window("2024-01-10", "2024-01-10"))).height == 1
    with pytest.raises(PhaseInputError, match="contains no case of dataset"):
        load_log(ctx, parse(window("2024-01-05", "2024-01-06")))


def test_a_deleted_dataset_is_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(PhaseInputError):
        load_log(Context(tmp_path), parse(window()))  # type: ignore[arg-type]
    assert issubclass(DatasetGone, PhaseInputError)
