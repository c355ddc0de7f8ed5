"""Phase 1, "Data Loading & Validation", and the log every later phase starts from."""

from __future__ import annotations

import json
from typing import Any

import polars as pl

from minerun.analysis.columns import CASE
from minerun.analysis.event_selection import EventSelection, select_events, start_events
from minerun.analysis.validation import REPORTED_ONLY, filter_time_window
from minerun.kinds.base import PhaseContext, PhaseInputError
from minerun.kinds.process_mining.parameters import AnalysisParameters, parse
from minerun.services.datasets import dataset_path, sidecar_path


class DatasetGone(PhaseInputError):
    """The dataset the operation names no longer exists."""


def load_log(ctx: PhaseContext, params: AnalysisParameters) -> pl.DataFrame:
    """The events the analysis reads: the window's, as ``lifecycle`` selects them."""
    return select_events(load_window(ctx, params), params.lifecycle).frame


def load_window(ctx: PhaseContext, params: AnalysisParameters) -> pl.DataFrame:
    """The dataset's clean log, cut to the time window when one is given.

    A window that keeps no case is the request's mistake, not a passing failure: it raises
    :class:`PhaseInputError`, which ends the operation without retries.
    """
    path = dataset_path(ctx.data_dir, params.dataset_id)
    if not path.exists():
        raise DatasetGone(f"dataset {params.dataset_id} no longer exists")
    frame = pl.read_parquet(path)
    if params.start_date or params.end_date:
        frame = filter_time_window(frame, params.start_date, params.end_date)
        if frame.height == 0:
            raise PhaseInputError(
                f"the time window {params.start_date or '…'} to {params.end_date or '…'} "
                f"contains no case of dataset {params.dataset_id} (a case is in the window "
                f"when its first event is)"
            )
    return frame


def dataset_events(ctx: PhaseContext, params: AnalysisParameters) -> int:
    """Events in the dataset, from the Parquet footer: the operation's records."""
    path = dataset_path(ctx.data_dir, params.dataset_id)
    if not path.exists():
        raise DatasetGone(f"dataset {params.dataset_id} no longer exists")
    return int(pl.scan_parquet(path).select(pl.len()).collect().item())


def findings(ctx: PhaseContext, params: AnalysisParameters) -> dict[str, Any]:
    """Statistics and validation findings recorded when the dataset was uploaded."""
    path = sidecar_path(dataset_path(ctx.data_dir, params.dataset_id))
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def run(ctx: PhaseContext) -> dict[str, Any]:
    params = parse(ctx.parameters)
    checks = findings(ctx, params)["validation"]
    total = int(checks["rowsTotal"])
    # The records of an operation are the events of its dataset: this phase reads them all.
    events = dataset_events(ctx, params)
    ctx.progress(0, events, "Reading the dataset")
    frame = load_window(ctx, params)
    ctx.check_cancelled()
    in_window = frame.height
    selection = select_events(frame, params.lifecycle)
    ctx.progress(events, events, "Validated")
    errors = [
        {"type": _title(kind), "count": count, "resolved": kind not in REPORTED_ONLY}
        for kind, count in sorted(checks["issueCounts"].items())
    ]
    return {
        "recordsLoaded": total,
        "validRecords": checks["validRecords"],
        "errorRecords": checks["skippedRowsCount"],
        "dataQualityScore": checks["dataQualityScore"],
        "validationErrors": errors,
        "validationResults": {
            "validRecords": checks["validRecords"],
            "errorRecords": checks["skippedRowsCount"],
            "dataQualityScore": checks["dataQualityScore"],
        },
        "timeWindow": {
            "startDate": params.start_date.isoformat() if params.start_date else None,
            "endDate": params.end_date.isoformat() if params.end_date else None,
        },
        "recordsInWindow": in_window,
        "casesInWindow": frame[CASE].n_unique() if in_window else 0,
        "eventSelection": _selection_view(selection, start_events(frame)),
    }


def _selection_view(selection: EventSelection, starts: int) -> dict[str, Any]:
    """What ``lifecycle`` kept: the events (or activity instances) every later phase reads."""
    view: dict[str, Any] = {
        "lifecycle": selection.lifecycle,
        "eventsInWindow": selection.events_before,
        "eventsSelected": selection.frame.height,
        "startEventsInWindow": starts,
        **selection.counts,
    }
    if starts and selection.lifecycle != "instances":
        view["note"] = (
            f"the window holds {starts} START events; lifecycle 'instances' pairs them with "
            f"their completions and measures processing time apart from waiting time"
        )
    return view


def _title(kind: str) -> str:
    return kind.replace("_", " ").title()
