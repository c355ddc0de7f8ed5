"""Loading the real logs of the shared data folder into canonical frames (tests only)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from minerun.analysis.columns import ACTIVITY, CASE, EVENT_INDEX, TIMESTAMP
from tests.conftest import SHARED_DATA

DATA = SHARED_DATA


def data_file(name: str) -> Path:
    """Path of a shared log, skipping the test when it is absent."""
    path = DATA / name
    if not path.exists():
        pytest.skip(f"shared log {name} not found in {DATA} (set MINERUN_SHARED_DATA)")
    return path


def _pandas_log(name: str) -> pd.DataFrame:
    path = data_file(name)
    if name == "sepsis.csv":
        raw = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)
        return pd.DataFrame(
            {
                "case:concept:name": raw["Case ID"],
                "concept:name": raw["Activity"],
                "time:timestamp": pd.to_datetime(
                    raw["Complete Timestamp"], format="%Y/%m/%d %H:%M:%S.%f", utc=True
                ),
            }
        )
    if name.endswith(".csv"):
        raw = pd.read_csv(path, dtype={"case:concept:name": str}, keep_default_na=False)
        raw["time:timestamp"] = pd.to_datetime(raw["time:timestamp"], utc=True, format="ISO8601")
        return raw
    import pm4py

    with warnings.catch_warnings():
        # pm4py advises an optional faster importer; the one it falls back to is fine here.
        warnings.simplefilter("ignore")
        frame: pd.DataFrame = pm4py.read_xes(str(path), return_legacy_log_object=False)
    return frame


def _micros(column: pd.Series) -> list[int]:
    stamps = pd.to_datetime(column, utc=True)
    return ((stamps - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(microseconds=1)).to_list()


def canonical(name: str) -> pl.DataFrame:
    """The canonical frame of a shared log, sorted by case, timestamp and file order."""
    log = _pandas_log(name)
    frame = pl.DataFrame(
        {
            CASE: log["case:concept:name"].astype(str).to_list(),
            ACTIVITY: log["concept:name"].astype(str).to_list(),
            TIMESTAMP: _micros(log["time:timestamp"]),
        }
    ).with_columns(pl.from_epoch(TIMESTAMP, time_unit="us").dt.replace_time_zone("UTC"))
    return frame.with_row_index(EVENT_INDEX).sort(CASE, TIMESTAMP, EVENT_INDEX)


def to_pm4py_frame(frame: pl.DataFrame) -> pd.DataFrame:
    """The canonical frame under pm4py's column names, in the same event order."""
    return pd.DataFrame(
        {
            "case:concept:name": frame[CASE].to_list(),
            "concept:name": frame[ACTIVITY].to_list(),
            "time:timestamp": pd.to_datetime(
                frame[TIMESTAMP].dt.epoch("us").to_numpy(), unit="us", utc=True
            ),
        }
    )
