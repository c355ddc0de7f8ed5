"""The cleaned log as a downloadable file: CSV, Parquet or XES.

- ``processed_csv``: one row per event, in the dataset's order, with the canonical column
  names (``lifecycle`` as ``lifecycle:transition``, the name the CSV reader keeps) and
  timestamps in ISO 8601 with microseconds and ``+00:00``. Uploading it with
  ``caseIdColumn=case_id``, ``activityColumn=activity``, ``timestampColumn=timestamp`` (and
  ``resourceColumn=resource``, ``startTimestampColumn=start_timestamp`` when present) gives
  the dataset's events again, value for value.
- ``parquet``: the dataset's frame as stored, ``event_index`` included.
- ``xes``: XES 1.0 with the concept, time, organizational and lifecycle extensions; the
  start timestamp and derived attributes are event attributes typed by their column.
  Written case by case from strings built by Polars, every value XML-escaped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import polars as pl

from minerun.analysis.columns import ACTIVITY, CASE, EVENT_INDEX, RESOURCE, TIMESTAMP
from minerun.analysis.eventlog import LIFECYCLE

FORMATS: Final = {
    "processed_csv": ("cleaned-log.csv", "csv", "text/csv"),
    "parquet": ("cleaned-log.parquet", "parquet", "application/vnd.apache.parquet"),
    "xes": ("cleaned-log.xes", "xes", "application/xml"),
}
"""Output format -> (file name, artifact format, media type)."""

_TIME_FORMAT: Final = "%Y-%m-%dT%H:%M:%S%.6f%:z"
_XES_KEYS: Final = {
    ACTIVITY: "concept:name",
    TIMESTAMP: "time:timestamp",
    RESOURCE: "org:resource",
    LIFECYCLE: "lifecycle:transition",
}
_CASES_PER_CHUNK: Final = 2000
_HEADER: Final = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
  <extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
  <extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
"""


def write(frame: pl.DataFrame, output_format: str, directory: Path) -> Path:
    """Write ``frame`` (a stored dataset's frame) in ``output_format``; returns the file."""
    name = FORMATS[output_format][0]
    path = directory / name
    if output_format == "processed_csv":
        write_csv(frame, path)
    elif output_format == "parquet":
        frame.write_parquet(path)
    else:
        write_xes(frame, path)
    return path


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    """The CSV that re-uploads to the same events (see the module's description)."""
    out = frame.drop(EVENT_INDEX, strict=False).rename(
        {LIFECYCLE: "lifecycle:transition"}, strict=False
    )
    out.write_csv(path, datetime_format=_TIME_FORMAT)


def write_xes(frame: pl.DataFrame, path: Path) -> None:
    """XES, one trace per case, events in the dataset's order, a chunk of cases at a time."""
    events = frame.select(
        pl.col(CASE),
        pl.concat_str(
            [pl.lit("    <event>\n"), *_attributes(frame), pl.lit("    </event>\n")],
            ignore_nulls=True,
        ).alias("xml"),
    )
    traces = events.group_by(CASE, maintain_order=True).agg(pl.col("xml").str.join(""))
    traces = traces.select(
        pl.concat_str(
            [
                pl.lit('  <trace>\n    <string key="concept:name" value="'),
                _escaped(pl.col(CASE)),
                pl.lit('"/>\n'),
                pl.col("xml"),
                pl.lit("  </trace>\n"),
            ]
        ).alias("xml")
    )
    with path.open("w", encoding="utf-8") as handle:
        handle.write(_HEADER)
        for chunk in traces.iter_slices(_CASES_PER_CHUNK):
            handle.write("".join(chunk["xml"].to_list()))
        handle.write("</log>\n")


def _attributes(frame: pl.DataFrame) -> list[pl.Expr]:
    """One expression per column: its XES attribute line, null where the value is."""
    parts = []
    for column, dtype in frame.schema.items():
        if column in (CASE, EVENT_INDEX):
            continue
        key = _XES_KEYS.get(column, column)
        if isinstance(dtype, pl.Datetime):
            tag, value = "date", pl.col(column).dt.strftime(_TIME_FORMAT)
        elif dtype.is_integer():
            tag, value = "int", pl.col(column).cast(pl.String)
        elif dtype.is_float():
            tag, value = "float", pl.col(column).cast(pl.String)
        elif dtype == pl.Boolean:
            tag, value = "boolean", pl.col(column).cast(pl.String)
        else:
            tag, value = "string", _escaped(pl.col(column).cast(pl.String))
        parts.append(
            pl.concat_str(
                [pl.lit(f'      <{tag} key="{_escape(key)}" value="'), value, pl.lit('"/>\n')]
            )
        )
    return parts


def _escaped(text: pl.Expr) -> pl.Expr:
    """XML-escaped text, fit for an attribute value in double quotes."""
    for raw, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;")):
        text = text.str.replace_all(raw, entity, literal=True)
    # Line breaks and tabs inside an attribute value are normalised away unless escaped.
    for raw, entity in (("\n", "&#10;"), ("\r", "&#13;"), ("\t", "&#9;")):
        text = text.str.replace_all(raw, entity, literal=True)
    return text


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
