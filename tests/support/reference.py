"""The shared logs as pm4py reads them: the reference that minerun's figures must equal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

# Each shared CSV with the upload form fields that map its columns; XES needs none.
XES_STYLE = {
    "caseIdColumn": "case:concept:name",
    "activityColumn": "concept:name",
    "timestampColumn": "time:timestamp",
}
SEPSIS = {
    "caseIdColumn": "Case ID",
    "activityColumn": "Activity",
    "timestampColumn": "Complete Timestamp",
    "delimiter": ";",
}
SHARED_LOGS: dict[str, dict[str, str]] = {
    "running-example.xes": {},
    "running-example.csv": XES_STYLE,
    "roadtraffic100traces.xes": {},
    "receipt.csv": XES_STYLE,
    "receipt.xes.gz": {},
    "sepsis.csv": SEPSIS,
    "bpic2013_incidents.xes.gz": {},
    "bpic2020_permit_1t_per_variant.xes.gz": {},
    "bpic2012.xes.gz": {},
}


# pandas guesses sepsis's "2014/10/22 11:15:41.000" day by day otherwise.
PM4PY_TIMESTAMP_FORMATS = {"sepsis.csv": "%Y/%m/%d %H:%M:%S.%f"}


def pm4py_frame(path: Path, form: dict[str, str] | None = None) -> Any:
    """pm4py's formatted frame of a log; CSVs are read as text, so a case ``NA`` stays one.

    ``form`` is the upload's column mapping for a CSV (default: pm4py's column names).
    """
    pm4py = pytest.importorskip("pm4py")
    pd = pytest.importorskip("pandas")
    if not path.name.endswith(".csv"):
        return pm4py.format_dataframe(pm4py.read_xes(str(path)))
    form = form or XES_STYLE
    raw = pd.read_csv(path, sep=form.get("delimiter", ","), dtype=str, keep_default_na=False)
    return pm4py.format_dataframe(
        raw,
        case_id=form["caseIdColumn"],
        activity_key=form["activityColumn"],
        timestamp_key=form["timestampColumn"],
        timest_format=PM4PY_TIMESTAMP_FORMATS.get(path.name),
    )
