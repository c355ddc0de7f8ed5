"""Read event logs (CSV, XES, Parquet; CSV and XES also gzipped) into the canonical frame.

Every reader returns a :class:`LoadResult` whose ``frame`` has the canonical columns of
:mod:`minerun.analysis.columns` (plus ``lifecycle`` when the source has
``lifecycle:transition``), timestamps in UTC with microsecond precision, case ids as
strings, sorted by (case_id, timestamp, event_index). Rows are not validated here: a
missing case, activity or timestamp stays null, and values that could not be parsed are
listed in ``parse_failures``, for :func:`minerun.analysis.validation.validate` to report.

The CSV and XES readers take ``max_bytes``, a cap on the content once decompressed
(see :mod:`minerun.analysis.content`).

Bad input never raises anything but an :class:`~minerun.analysis.errors.EventLogError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import polars as pl

from minerun.analysis import xes
from minerun.analysis.columns import (
    ACTIVITY,
    CASE,
    EVENT_INDEX,
    RESOURCE,
    START_TIMESTAMP,
    TIMESTAMP,
)
from minerun.analysis.content import existing_file, read_content, to_utf8
from minerun.analysis.errors import (
    EmptyLogError,
    InvalidMappingError,
    MalformedLogError,
    MissingColumnError,
    UnsupportedFormatError,
)
from minerun.analysis.xes import LIFECYCLE

__all__ = [
    "LIFECYCLE",
    "CsvMapping",
    "LoadResult",
    "read_any",
    "read_csv",
    "read_parquet",
    "read_xes",
]

# Tried in this order when no format is given; the first that parses the most of a sample
# of distinct values wins, so day-first beats month-first when both fit. When the winner is
# one of the first nine (ISO 8601, unambiguous), values it misses get the other eight too,
# since XES and ISO logs may mix values with and without a UTC offset.
TIMESTAMP_FORMATS: Final = (
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M%z",
    "%Y-%m-%d %H:%M%z",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S%.f",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%d-%m-%Y %H:%M:%S%.f",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
    "%d/%m/%Y %H:%M:%S%.f",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%m/%d/%Y %H:%M:%S%.f",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%d.%m.%Y %H:%M:%S%.f",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
)
_ISO_FORMATS: Final = TIMESTAMP_FORMATS[:9]
_INFERENCE_SAMPLE: Final = 1000
_XES_SOURCES: Final = {
    CASE: "trace concept:name",
    ACTIVITY: "concept:name",
    TIMESTAMP: "time:timestamp",
    RESOURCE: "org:resource",
    LIFECYCLE: "lifecycle:transition",
}
_PARSE_FAILURE_SCHEMA: Final = {"event_index": pl.UInt32, "column": pl.String, "value": pl.String}


@dataclass(frozen=True)
class CsvMapping:
    """Which CSV columns hold the case id, activity, timestamps and resource.

    ``timestamp_format`` is a strftime-style format (``%Y/%m/%d %H:%M:%S%.f``); ``None``
    infers ISO 8601 and the common formats of :data:`TIMESTAMP_FORMATS`.
    Timestamps without a UTC offset are taken as UTC.
    """

    case_column: str
    activity_column: str
    timestamp_column: str
    resource_column: str | None = None
    start_timestamp_column: str | None = None
    timestamp_format: str | None = None
    delimiter: str = ","
    encoding: str = "utf-8"

    @classmethod
    def xes_style(cls) -> CsvMapping:
        """The mapping of a CSV exported with XES attribute names (pm4py's layout).

        Add a resource or other settings with ``dataclasses.replace``.
        """
        return cls("case:concept:name", "concept:name", "time:timestamp")

    def canonical_sources(self) -> dict[str, str]:
        """Canonical column name -> CSV column name, for the columns that are mapped."""
        pairs = {
            CASE: self.case_column,
            ACTIVITY: self.activity_column,
            TIMESTAMP: self.timestamp_column,
            RESOURCE: self.resource_column,
            START_TIMESTAMP: self.start_timestamp_column,
        }
        return {canonical: source for canonical, source in pairs.items() if source}


@dataclass(frozen=True)
class LoadResult:
    """An event log read into the canonical frame, before validation.

    ``source_columns`` maps each canonical column to the name it had in the source (so
    issues can name the user's column); ``parse_failures`` has one row per value that
    was present but could not be parsed (columns ``event_index``, ``column``, ``value``);
    ``rows_read`` counts the events (CSV data rows, XES events) in the source.
    """

    frame: pl.DataFrame
    source_format: str
    source_columns: dict[str, str]
    parse_failures: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=_PARSE_FAILURE_SCHEMA)
    )
    timestamp_format: str | None = None

    @property
    def rows_read(self) -> int:
        """Number of events in the source file."""
        return self.frame.height


def read_any(
    path: str | Path, mapping: CsvMapping | None = None, *, max_bytes: int | None = None
) -> LoadResult:
    """Read an event log, choosing the reader by the file name's suffix.

    ``.csv``/``.csv.gz`` need ``mapping`` (``None`` means XES-style column names),
    ``.xes``/``.xes.gz`` ignore it, ``.parquet`` uses it when given. ``max_bytes`` caps
    the size of a CSV or XES content once decompressed (``None``: no cap).
    """
    name = Path(path).name.lower()
    if name.endswith((".csv", ".csv.gz")):
        return read_csv(path, mapping or CsvMapping.xes_style(), max_bytes=max_bytes)
    if name.endswith((".xes", ".xes.gz")):
        return read_xes(path, max_bytes=max_bytes)
    if name.endswith(".parquet"):
        return read_parquet(path, mapping)
    raise UnsupportedFormatError(Path(path).name)


def read_xes(path: str | Path, *, max_bytes: int | None = None) -> LoadResult:
    """Read an XES file (plain or gzipped) into the canonical frame.

    Uses the standard extensions: trace ``concept:name`` (case id), event
    ``concept:name`` (activity), ``time:timestamp``, ``org:resource`` and
    ``lifecycle:transition``. Only attributes directly under a trace or an event count,
    so nested attributes (in the log header or inside events) are ignored. A content
    larger than ``max_bytes`` once decompressed is refused.
    """
    raw = xes.extract(read_content(path, max_bytes))
    if raw.height == 0:
        raise EmptyLogError("The XES file contains no event")
    present = {name for name in raw.columns if raw[name].null_count() < raw.height}
    for required in (CASE, ACTIVITY, TIMESTAMP):
        if required not in present:
            raise MissingColumnError(
                _XES_SOURCES[required], sorted(_XES_SOURCES[p] for p in present)
            )
    keep = [CASE, ACTIVITY, TIMESTAMP, *(c for c in (RESOURCE, LIFECYCLE) if c in present)]
    return _finish(raw.select(keep), "xes", {k: _XES_SOURCES[k] for k in keep}, None)


def read_csv(path: str | Path, mapping: CsvMapping, *, max_bytes: int | None = None) -> LoadResult:
    """Read a CSV file (plain or gzipped) with the given column mapping.

    All columns are read as text, so a case id such as ``NA`` or ``007`` stays as
    written; empty fields become null. A ``lifecycle:transition`` column is kept as
    ``lifecycle`` when present. A content larger than ``max_bytes`` once decompressed is
    refused.
    """
    if len(mapping.delimiter.encode()) != 1:
        raise InvalidMappingError("delimiter", "must be a single one-byte character")
    data = to_utf8(read_content(path, max_bytes), mapping.encoding)
    if not data.strip():
        raise EmptyLogError("The CSV file is empty")
    header = _csv_header(data, mapping.delimiter)
    sources = mapping.canonical_sources()
    for source in sources.values():
        if source not in header:
            raise MissingColumnError(source, header)
    if "lifecycle:transition" in header:
        sources[LIFECYCLE] = "lifecycle:transition"
    wanted = list(dict.fromkeys(sources.values()))
    try:
        table = pl.read_csv(
            data,
            separator=mapping.delimiter,
            columns=wanted,
            infer_schema=False,
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError as exc:
        raise MalformedLogError(_first_line(exc)) from None
    if table.height == 0:
        raise EmptyLogError("The CSV file has a header but no event row")
    raw = table.select(pl.col(source).alias(canonical) for canonical, source in sources.items())
    return _finish(raw, "csv", sources, mapping.timestamp_format)


def read_parquet(
    path: str | Path, mapping: CsvMapping | None = None, *, other_columns: bool = False
) -> LoadResult:
    """Read a Parquet event log.

    Without ``mapping`` the file must already use the canonical column names (as the
    datasets minerun stores do); with it, the mapped columns are renamed. Timestamp
    columns may be datetimes (naive ones are taken as UTC) or text (parsed like CSV).
    An existing ``event_index`` column is kept, otherwise the row order defines it.
    ``other_columns`` keeps every further column as it is (the derived attributes of a
    dataset written by DataEnrichment); otherwise only the canonical ones are read.
    """
    try:
        table = pl.read_parquet(existing_file(path))
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise MalformedLogError(f"not a readable Parquet file ({_first_line(exc)})") from None
    if mapping is None:
        sources = {c: c for c in (CASE, ACTIVITY, TIMESTAMP)}
        sources |= {c: c for c in (RESOURCE, START_TIMESTAMP, LIFECYCLE) if c in table.columns}
        fmt = None
    else:
        sources = mapping.canonical_sources()
        fmt = mapping.timestamp_format
    for source in sources.values():
        if source not in table.columns:
            raise MissingColumnError(source, table.columns)
    if table.height == 0:
        raise EmptyLogError("The Parquet file contains no event")
    raw = table.select(pl.col(source).alias(canonical) for canonical, source in sources.items())
    if mapping is None and EVENT_INDEX in table.columns:
        raw = raw.with_columns(table[EVENT_INDEX].cast(pl.UInt32, strict=False))
    if other_columns:
        taken = {*sources.values(), *raw.columns}
        raw = raw.with_columns(table.select(c for c in table.columns if c not in taken))
    return _finish(raw, "parquet", sources, fmt)


def _finish(
    raw: pl.DataFrame, source_format: str, sources: dict[str, str], fmt: str | None
) -> LoadResult:
    """Type the raw columns, record unparseable values and sort into the canonical order."""
    if EVENT_INDEX not in raw.columns or raw[EVENT_INDEX].null_count() > 0:
        raw = raw.with_columns(pl.int_range(pl.len(), dtype=pl.UInt32).alias(EVENT_INDEX))
    text_columns = [c for c in (CASE, ACTIVITY, RESOURCE, LIFECYCLE) if c in raw.columns]
    try:
        frame = raw.with_columns(pl.col(c).cast(pl.String) for c in text_columns)
    except pl.exceptions.PolarsError as exc:
        raise MalformedLogError(f"a text column holds other data ({_first_line(exc)})") from None
    failures: list[pl.DataFrame] = []
    chosen: str | None = fmt
    for column in (TIMESTAMP, START_TIMESTAMP):
        if column not in frame.columns:
            continue
        parsed, used = _to_utc(frame[column], fmt, field=sources[column])
        chosen = chosen or used
        bad = frame[column].is_not_null() & parsed.is_null()
        failures.append(
            frame.filter(bad).select(
                pl.col(EVENT_INDEX),
                pl.lit(column).alias("column"),
                pl.col(column).cast(pl.String).alias("value"),
            )
        )
        frame = frame.with_columns(parsed.alias(column))
    frame = frame.sort([CASE, TIMESTAMP, EVENT_INDEX], nulls_last=True)
    parse_failures = pl.concat(failures) if failures else pl.DataFrame(schema=_PARSE_FAILURE_SCHEMA)
    return LoadResult(frame, source_format, sources, parse_failures, chosen)


def _to_utc(values: pl.Series, fmt: str | None, *, field: str) -> tuple[pl.Series, str | None]:
    """Timestamps as Datetime(us, UTC), null where unparseable, and the format used."""
    utc = pl.Datetime("us", "UTC")
    if isinstance(values.dtype, pl.Datetime):
        if values.dtype.time_zone is None:
            return values.dt.replace_time_zone("UTC").cast(utc), None
        return values.dt.convert_time_zone("UTC").cast(utc), None
    if values.dtype == pl.Date:
        return values.cast(pl.Datetime("us")).dt.replace_time_zone("UTC"), None
    try:
        text = values.cast(pl.String).str.strip_chars()
    except pl.exceptions.PolarsError:
        raise MalformedLogError(
            f"{field!r} holds {values.dtype}, not timestamps", field=field
        ) from None
    if fmt is None:
        # chrono's %z wants an offset, not the "Z" that ISO 8601 also allows.
        text = text.str.replace(r"[Zz]$", "+00:00")
    sample = text.drop_nulls().unique(maintain_order=True).head(_INFERENCE_SAMPLE)
    if sample.len() == 0:
        return pl.Series(values.name, [None] * values.len(), dtype=utc), fmt
    candidates = (fmt,) if fmt else TIMESTAMP_FORMATS
    scores = [(_parse(sample, candidate).count(), candidate) for candidate in candidates]
    best, chosen = max(scores, key=lambda score: score[0])
    if best == 0:
        advice = "check timestamp_format" if fmt else "give timestamp_format"
        raise MalformedLogError(
            f"no value of {field!r} is a timestamp in a known format "
            f"(first value: {sample[0]!r}); {advice}",
            field=field,
        )
    parsed = _parse(text, chosen)
    if fmt is None and chosen in _ISO_FORMATS and parsed.null_count() > text.null_count():
        others = [_parse(text, other) for other in _ISO_FORMATS if other != chosen]
        parsed = pl.select(pl.coalesce(parsed, *others)).to_series().alias(values.name)
    return parsed, chosen


def _parse(text: pl.Series, fmt: str) -> pl.Series:
    try:
        return text.str.to_datetime(fmt, strict=False, time_unit="us", time_zone="UTC")
    except pl.exceptions.PolarsError as exc:
        raise InvalidMappingError("timestamp_format", _first_line(exc)) from None


def _csv_header(data: bytes, delimiter: str) -> list[str]:
    try:
        head = pl.read_csv(data, separator=delimiter, n_rows=0, infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise MalformedLogError(f"unreadable CSV header ({_first_line(exc)})") from None
    return head.columns


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
