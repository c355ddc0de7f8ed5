"""Reading CSV, XES and Parquet event logs into the canonical frame, and refusing bad ones."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from minerun.analysis import xes
from minerun.analysis.columns import (
    ACTIVITY,
    CASE,
    EVENT_INDEX,
    RESOURCE,
    START_TIMESTAMP,
    TIMESTAMP,
)
from minerun.analysis.errors import (
    EmptyLogError,
    EncodingError,
    EventLogError,
    InvalidMappingError,
    LogNotFoundError,
    LogTooLargeError,
    MalformedLogError,
    MissingColumnError,
    UnsupportedFormatError,
)
from minerun.analysis.eventlog import (
    LIFECYCLE,
    CsvMapping,
    read_any,
    read_csv,
    read_parquet,
    read_xes,
)
from tests.conftest import SHARED_DATA

DATA = SHARED_DATA
MAPPING = CsvMapping("case", "activity", "time", resource_column="who")


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def shared(name: str) -> Path:
    path = DATA / name
    if not path.is_file():
        pytest.skip(f"shared log {path} is absent (set MINERUN_SHARED_DATA)")
    return path


# --- CSV ---------------------------------------------------------------------------------

CSV = """case,activity,time,who,extra
NA,b,2021-10-31 03:30:00+01:00,ann,x
007,a,2021-03-28 01:30:00+01:00,bob,y
NA,a,2021-10-31 02:30:00+02:00,,z
007,b,2021-03-28 03:30:00+02:00,bob,w
"""


def test_csv_keeps_case_ids_as_text_and_converts_offsets_to_utc(tmp_path: Path) -> None:
    result = read_csv(write(tmp_path / "log.csv", CSV), MAPPING)
    frame = result.frame
    assert frame.columns == [CASE, ACTIVITY, TIMESTAMP, RESOURCE, EVENT_INDEX]
    assert frame.schema[TIMESTAMP] == pl.Datetime("us", "UTC")
    assert frame[CASE].to_list() == ["007", "007", "NA", "NA"]
    # Both DST changes: the local clock reads an hour apart but only 1 h passes at most.
    assert frame[TIMESTAMP].to_list() == [
        utc(2021, 3, 28, 0, 30),
        utc(2021, 3, 28, 1, 30),
        utc(2021, 10, 31, 0, 30),
        utc(2021, 10, 31, 2, 30),
    ]
    assert frame[EVENT_INDEX].to_list() == [1, 3, 2, 0]
    assert frame[RESOURCE].to_list() == ["bob", "bob", None, "ann"]
    assert result.source_format == "csv"
    assert result.source_columns[CASE] == "case"
    assert result.parse_failures.height == 0


def test_csv_gz_reads_like_plain(tmp_path: Path) -> None:
    plain = read_csv(write(tmp_path / "log.csv", CSV), MAPPING).frame
    packed = tmp_path / "log.csv.gz"
    packed.write_bytes(gzip.compress(CSV.encode()))
    assert read_any(packed, MAPPING).frame.equals(plain)


def test_equal_timestamps_keep_file_order(tmp_path: Path) -> None:
    text = "case,activity,time\nc,z,2020-01-01 10:00:00\nc,a,2020-01-01 10:00:00\n"
    frame = read_csv(write(tmp_path / "t.csv", text), CsvMapping("case", "activity", "time")).frame
    assert frame[ACTIVITY].to_list() == ["z", "a"]


def test_csv_with_explicit_format_delimiter_and_start_column(tmp_path: Path) -> None:
    text = "id;task;end;begin\n1;x;22/10/2014 11:15;22/10/2014 11:00\n"
    mapping = CsvMapping(
        "id",
        "task",
        "end",
        start_timestamp_column="begin",
        timestamp_format="%d/%m/%Y %H:%M",
        delimiter=";",
    )
    frame = read_csv(write(tmp_path / "s.csv", text), mapping).frame
    assert frame.row(0, named=True)[TIMESTAMP] == utc(2014, 10, 22, 11, 15)
    assert frame.row(0, named=True)[START_TIMESTAMP] == utc(2014, 10, 22, 11, 0)


@pytest.mark.parametrize(
    ("value", "expected_format", "expected"),
    [
        ("2014/10/22 11:15:41.000", "%Y/%m/%d %H:%M:%S%.f", utc(2014, 10, 22, 11, 15, 41)),
        ("2020-05-01T08:00:00Z", "%Y-%m-%dT%H:%M:%S%.f%z", utc(2020, 5, 1, 8)),
        ("2020-05-01", "%Y-%m-%d", utc(2020, 5, 1)),
        ("03.04.2020 10:20", "%d.%m.%Y %H:%M", utc(2020, 4, 3, 10, 20)),
        ("03/04/2020 10:20:00", "%d/%m/%Y %H:%M:%S%.f", utc(2020, 4, 3, 10, 20)),
    ],
)
def test_timestamp_format_is_inferred(
    tmp_path: Path, value: str, expected_format: str, expected: datetime
) -> None:
    path = write(tmp_path / "f.csv", f"case,activity,time\n1,a,{value}\n")
    result = read_csv(path, CsvMapping("case", "activity", "time"))
    assert result.timestamp_format == expected_format
    assert result.frame[TIMESTAMP][0] == expected


def test_month_first_is_chosen_when_day_first_cannot_fit(tmp_path: Path) -> None:
    text = "case,activity,time\n1,a,12/25/2020 10:00\n1,b,01/02/2021 10:00\n"
    result = read_csv(write(tmp_path / "m.csv", text), CsvMapping("case", "activity", "time"))
    assert result.timestamp_format == "%m/%d/%Y %H:%M"
    assert result.frame[TIMESTAMP].to_list() == [utc(2020, 12, 25, 10), utc(2021, 1, 2, 10)]


def test_unparseable_timestamps_are_listed_not_raised(tmp_path: Path) -> None:
    text = "case,activity,time\n1,a,2020-01-01 10:00\n1,b,soon\n1,c,\n"
    result = read_csv(write(tmp_path / "u.csv", text), CsvMapping("case", "activity", "time"))
    assert result.frame[TIMESTAMP].null_count() == 2
    assert result.parse_failures.to_dicts() == [
        {"event_index": 1, "column": TIMESTAMP, "value": "soon"}
    ]


def test_no_parseable_timestamp_at_all_is_malformed(tmp_path: Path) -> None:
    path = write(tmp_path / "n.csv", "case,activity,time\n1,a,yesterday\n")
    with pytest.raises(MalformedLogError) as caught:
        read_csv(path, CsvMapping("case", "activity", "time"))
    assert caught.value.field == "time"
    assert "yesterday" in caught.value.message


def test_missing_mapped_column(tmp_path: Path) -> None:
    path = write(tmp_path / "log.csv", CSV)
    with pytest.raises(MissingColumnError) as caught:
        read_csv(path, CsvMapping("case", "activity", "timestamp"))
    assert caught.value.field == "timestamp"
    assert "time" in caught.value.available
    assert "'timestamp'" in str(caught.value)


def test_wrong_encoding_is_reported_and_the_right_one_works(tmp_path: Path) -> None:
    path = write(tmp_path / "l.csv", "case,activity,time\n1,café,2020-01-01\n", "latin-1")
    with pytest.raises(EncodingError) as caught:
        read_csv(path, CsvMapping("case", "activity", "time"))
    assert caught.value.field == "encoding"
    assert caught.value.position is not None
    mapping = CsvMapping("case", "activity", "time", encoding="latin-1")
    assert read_csv(path, mapping).frame[ACTIVITY].to_list() == ["café"]


def test_unknown_encoding_is_a_mapping_error(tmp_path: Path) -> None:
    path = write(tmp_path / "l.csv", CSV)
    with pytest.raises(InvalidMappingError) as caught:
        read_csv(path, CsvMapping("case", "activity", "time", encoding="klingon"))
    assert caught.value.field == "encoding"


@pytest.mark.parametrize("content", ["", "\n\n", "case,activity,time\n"])
def test_empty_csv(tmp_path: Path, content: str) -> None:
    with pytest.raises(EmptyLogError):
        read_csv(write(tmp_path / "e.csv", content), CsvMapping("case", "activity", "time"))


def test_ragged_csv_is_malformed(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", "case,activity,time\n1,a,2020-01-01,extra,more\n")
    with pytest.raises(MalformedLogError):
        read_csv(path, CsvMapping("case", "activity", "time"))


def test_csv_lifecycle_column_is_kept(tmp_path: Path) -> None:
    text = (
        "case:concept:name,concept:name,time:timestamp,lifecycle:transition\n"
        "c,a,2020-01-01T00:00:00+00:00,start\n"
    )
    frame = read_any(write(tmp_path / "x.csv", text)).frame
    assert frame[LIFECYCLE].to_list() == ["start"]


# --- XES ---------------------------------------------------------------------------------

XES = """<?xml version="1.0" encoding="UTF-8" ?>
<!-- written by a test -->
<log xes.version="1.0" xmlns="http://www.xes-standard.org/">
  <global scope="event"><string key="concept:name" value="UNKNOWN"/></global>
  <string key="concept:name" value="the log"/>
  <float key="meta:stats" value="1.0">
    <float key="concept:name" value="nested header"/>
    <float key="time:timestamp" value="2.0"/>
  </float>
  <trace>
    <string key="concept:name" value="NA"/>
    <event>
      <string key="concept:name" value="register &amp; check"/>
      <date key="time:timestamp" value="2011-10-01T00:38:44.546+02:00"/>
      <string key="org:resource" value="112"/>
      <string key="lifecycle:transition" value="COMPLETE"/>
      <list key="items">
        <string key="concept:name" value="nested in event"/>
      </list>
    </event>
    <event>
      <string value="B&#233;ta" key="concept:name"/>
      <date key='time:timestamp' value='2011-10-01T01:00:00Z'/>
      <string key="lifecycle:transition" value="START"/>
    </event>
  </trace>
  <trace>
    <event>
      <string key="concept:name" value="tab\there"/>
      <date key="time:timestamp" value="2011-10-02T08:00:00"/>
    </event>
    <string key="concept:name" value="second"/>
  </trace>
  <trace><string key="concept:name" value="no events"/></trace>
</log>
"""


def expected_xes_rows() -> list[dict[str, object]]:
    return [
        {
            CASE: "NA",
            ACTIVITY: "register & check",
            TIMESTAMP: utc(2011, 9, 30, 22, 38, 44, 546000),
            RESOURCE: "112",
            LIFECYCLE: "COMPLETE",
            EVENT_INDEX: 0,
        },
        {
            CASE: "NA",
            ACTIVITY: "Béta",
            TIMESTAMP: utc(2011, 10, 1, 1),
            RESOURCE: None,
            LIFECYCLE: "START",
            EVENT_INDEX: 1,
        },
        {
            CASE: "second",
            ACTIVITY: "tab here",
            TIMESTAMP: utc(2011, 10, 2, 8),
            RESOURCE: None,
            LIFECYCLE: None,
            EVENT_INDEX: 2,
        },
    ]


def test_xes_reads_direct_attributes_only(tmp_path: Path) -> None:
    result = read_xes(write(tmp_path / "log.xes", XES))
    assert result.frame.to_dicts() == expected_xes_rows()
    assert result.source_format == "xes"


def test_xes_gz_reads_like_plain(tmp_path: Path) -> None:
    packed = tmp_path / "log.xes.gz"
    packed.write_bytes(gzip.compress(XES.encode()))
    assert read_any(packed).frame.to_dicts() == expected_xes_rows()


@pytest.mark.parametrize(
    "variant",
    [
        XES.replace("<!-- written by a test -->", "<!-- a <b> comment -->"),
        XES.replace("<!-- written by a test -->", '<?note text="x < y"?>'),
        XES.replace("<log ", "<x:log xmlns:x='http://www.xes-standard.org/' ")
        .replace("</log>", "</x:log>")
        .replace("<trace>", "<x:trace>")
        .replace("</trace>", "</x:trace>"),
        XES.replace('value="112"/>', 'value="112"><![CDATA[ignored]]></string>'),
    ],
    ids=["comment-with-lt", "pi-with-lt", "namespace-prefix", "cdata"],
)
def test_unusual_but_valid_xes_reads_the_same(tmp_path: Path, variant: str) -> None:
    assert read_xes(write(tmp_path / "v.xes", variant)).frame.to_dicts() == expected_xes_rows()


def test_xes_in_latin1_with_its_declaration(tmp_path: Path) -> None:
    text = XES.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').replace("&#233;", "é")
    result = read_xes(write(tmp_path / "l.xes", text, "latin-1"))
    assert result.frame.to_dicts() == expected_xes_rows()


def test_xes_declared_utf8_but_latin1_bytes(tmp_path: Path) -> None:
    path = write(tmp_path / "l.xes", XES.replace("&#233;", "é"), "latin-1")
    with pytest.raises(EncodingError):
        read_xes(path)


@pytest.mark.parametrize(
    "content",
    [
        "this is not xml",
        XES[: len(XES) // 2],
        "<log><trace></log>",
        '<html><trace><event><string key="concept:name" value="a"/></event></trace></html>',
    ],
    ids=["garbage", "truncated", "mismatched", "wrong-root"],
)
def test_garbage_xes_is_malformed(tmp_path: Path, content: str) -> None:
    with pytest.raises(MalformedLogError):
        read_xes(write(tmp_path / "g.xes", content))


@pytest.mark.parametrize("content", ["", "  \n", "<log><trace/></log>"])
def test_empty_xes(tmp_path: Path, content: str) -> None:
    with pytest.raises(EmptyLogError):
        read_xes(write(tmp_path / "e.xes", content))


def test_xes_without_timestamps_names_the_missing_attribute(tmp_path: Path) -> None:
    text = '<log><trace><string key="concept:name" value="c"/><event>'
    text += '<string key="concept:name" value="a"/></event></trace></log>'
    with pytest.raises(MissingColumnError) as caught:
        read_xes(write(tmp_path / "n.xes", text))
    assert caught.value.field == "time:timestamp"


def test_corrupt_gzip_is_malformed(tmp_path: Path) -> None:
    path = tmp_path / "c.xes.gz"
    path.write_bytes(gzip.compress(XES.encode())[:40])
    with pytest.raises(MalformedLogError):
        read_any(path)


@pytest.mark.parametrize("name", ["log.xes", "log.xes.gz", "log.csv", "log.csv.gz"])
def test_content_beyond_the_cap_is_refused_and_up_to_it_is_read(tmp_path: Path, name: str) -> None:
    text = (XES if ".xes" in name else CSV).encode()
    path = tmp_path / name
    path.write_bytes(gzip.compress(text) if name.endswith(".gz") else text)
    with pytest.raises(LogTooLargeError) as refused:
        read_any(path, MAPPING, max_bytes=len(text) - 1)
    assert refused.value.limit == len(text) - 1
    assert read_any(path, MAPPING, max_bytes=len(text)).frame.height > 0


def test_the_cap_counts_every_gzip_member(tmp_path: Path) -> None:
    # Concatenated members are one gzip file; the cap holds across them.
    path = tmp_path / "log.csv.gz"
    path.write_bytes(gzip.compress(CSV.encode()) + gzip.compress(b"\n" * 5000))
    with pytest.raises(LogTooLargeError):
        read_any(path, MAPPING, max_bytes=len(CSV) + 4000)


def test_external_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = write(tmp_path / "secret.txt", "top secret")
    text = XES.replace(
        "<log ", f'<!DOCTYPE log [<!ENTITY s SYSTEM "file://{secret}">]>\n<log ', 1
    ).replace("register &amp; check", "&s;")
    try:
        frame = read_xes(write(tmp_path / "x.xes", text)).frame
    except EventLogError:
        return
    assert "top secret" not in str(frame[ACTIVITY].to_list())


# --- Parquet and dispatch ----------------------------------------------------------------


def test_parquet_round_trip_keeps_event_index(tmp_path: Path) -> None:
    frame = read_csv(write(tmp_path / "log.csv", CSV), MAPPING).frame
    frame.write_parquet(tmp_path / "log.parquet")
    assert read_any(tmp_path / "log.parquet").frame.equals(frame)


def test_parquet_with_mapping_and_naive_datetimes(tmp_path: Path) -> None:
    pl.DataFrame(
        {"id": [5, 5], "task": ["b", "a"], "at": [datetime(2020, 1, 2), datetime(2020, 1, 1)]}
    ).write_parquet(tmp_path / "m.parquet")
    frame = read_parquet(tmp_path / "m.parquet", CsvMapping("id", "task", "at")).frame
    assert frame[CASE].to_list() == ["5", "5"]
    assert frame[ACTIVITY].to_list() == ["a", "b"]
    assert frame[TIMESTAMP][0] == utc(2020, 1, 1)


def test_parquet_without_canonical_columns(tmp_path: Path) -> None:
    pl.DataFrame({"id": [1]}).write_parquet(tmp_path / "x.parquet")
    with pytest.raises(MissingColumnError):
        read_parquet(tmp_path / "x.parquet")


def test_parquet_with_non_text_case_column_is_malformed(tmp_path: Path) -> None:
    pl.DataFrame(
        {"case_id": [[1, 2]], "activity": ["a"], "timestamp": [datetime(2020, 1, 1)]}
    ).write_parquet(tmp_path / "s.parquet")
    with pytest.raises(MalformedLogError):
        read_parquet(tmp_path / "s.parquet")


def test_garbage_parquet_is_malformed(tmp_path: Path) -> None:
    with pytest.raises(MalformedLogError):
        read_any(write(tmp_path / "g.parquet", "not parquet"))


def test_unsupported_suffix_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFormatError) as caught:
        read_any(write(tmp_path / "log.json", "{}"))
    assert caught.value.field == "format"
    with pytest.raises(LogNotFoundError):
        read_any(tmp_path / "absent.xes")


def test_every_error_is_an_event_log_error_with_a_message() -> None:
    errors = [
        MissingColumnError("x"),
        EncodingError("utf-8"),
        EmptyLogError(),
        MalformedLogError("bad"),
        UnsupportedFormatError("a.txt"),
        InvalidMappingError("delimiter", "too long"),
        LogNotFoundError("/nowhere"),
    ]
    for error in errors:
        assert isinstance(error, EventLogError)
        assert error.message and str(error) == error.message
    assert EmptyLogError().message == "The event log contains no event."


# --- Real logs ---------------------------------------------------------------------------


def test_sepsis_case_na_stays_a_case() -> None:
    mapping = CsvMapping("Case ID", "Activity", "Complete Timestamp", delimiter=";")
    frame = read_csv(shared("sepsis.csv"), mapping).frame
    assert frame.height == 15214
    assert frame[CASE].n_unique() == 1050
    assert frame[CASE].null_count() == 0
    assert frame.filter(pl.col(CASE) == "NA").height > 0


def test_bpic2012_reads_whole() -> None:
    # How fast it reads is measured in benchmarks/analysis.py, not asserted here.
    frame = read_xes(shared("bpic2012.xes.gz")).frame
    assert (frame.height, frame[CASE].n_unique(), frame[ACTIVITY].n_unique()) == (
        262200,
        13087,
        24,
    )
    assert set(frame[LIFECYCLE].unique()) == {"SCHEDULE", "START", "COMPLETE"}


# --- Both XES extractors -----------------------------------------------------------------
# The vectorised extractor and lxml's iterparse must agree wherever the first applies.


def test_fast_extractor_handles_the_sample_and_agrees_with_iterparse() -> None:
    data = XES.encode()
    fast = xes._extract_fast(data)
    assert fast is not None
    assert fast.equals(xes._extract_iterparse(data))


@pytest.mark.parametrize(
    "name",
    [
        "running-example.xes",
        "roadtraffic100traces.xes",
        "receipt.xes.gz",
        "bpic2013_incidents.xes.gz",
        "bpic2020_permit_1t_per_variant.xes.gz",
        "bpic2012.xes.gz",
    ],
)
def test_extractors_agree_on_real_logs(name: str) -> None:
    raw = shared(name).read_bytes()
    data = gzip.decompress(raw) if name.endswith(".gz") else raw
    fast = xes._extract_fast(data)
    assert fast is not None
    assert fast.equals(xes._extract_iterparse(data))
