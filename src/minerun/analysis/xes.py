"""Extract the standard attributes of the events of an XES document.

Two extractors give the same result:

- a fast one that checks well-formedness with libxml2 (no tree is built), then splits
  the UTF-8 text at every ``<`` with polars and recognises tags, nesting levels and
  attributes with vectorised expressions. It covers what XES writers produce: elements,
  comments and processing instructions, the predefined and numeric entities;
- lxml's ``iterparse``, trace by trace, for anything else (a DTD, CDATA, a comment or
  processing instruction holding a ``<``, an encoding other than UTF-8).

Only attributes that are direct children of a trace (its ``concept:name``) or of an event
(``concept:name``, ``time:timestamp``, ``org:resource``, ``lifecycle:transition``) are
read; nested attributes, as in the BPIC 2012 log header, are skipped. When a key occurs
twice in one element the last value wins. Traces without events are dropped.
"""

from __future__ import annotations

import html
import io
import re
from typing import Any, Final

import polars as pl
from lxml import etree

from minerun.analysis.columns import ACTIVITY, CASE, RESOURCE, TIMESTAMP
from minerun.analysis.errors import EmptyLogError, EncodingError, MalformedLogError

__all__ = ["LIFECYCLE", "extract"]

LIFECYCLE: Final = "lifecycle"
"""Optional String column: the XES ``lifecycle:transition`` of each event."""

_EVENT_KEYS: Final = {
    "concept:name": ACTIVITY,
    "time:timestamp": TIMESTAMP,
    "org:resource": RESOURCE,
    "lifecycle:transition": LIFECYCLE,
}
_COLUMNS: Final = (CASE, ACTIVITY, TIMESTAMP, RESOURCE, LIFECYCLE)
_TAG: Final = (
    r"""^(/?)(?:[\w.-]+:)?([\w.-]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(/?)>"""
)
_ATTRIBUTE: Final = (
    r"""^/?[^\s/>]+(?:\s+[^\s=]+\s*=\s*(?:"[^"]*"|'[^']*'))*?"""
    r"""\s+{name}\s*=\s*(?:"([^"]*)"|'([^']*)')"""
)
_DECLARED_ENCODING: Final = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)["']""")


class _NullTarget:
    """A parser target that keeps nothing: libxml2 only checks well-formedness."""

    def close(self) -> None:
        return None


def extract(data: bytes) -> pl.DataFrame:
    """The case id, activity, timestamp, resource and lifecycle of every event, as text.

    One row per event in document order, with the canonical column names (``lifecycle``
    for ``lifecycle:transition``); an absent attribute is null.
    """
    if not data or data.isspace():
        raise EmptyLogError("The XES file is empty")
    _check_well_formed(data)
    fast = _extract_fast(data) if _is_utf8(data) else None
    return fast if fast is not None else _extract_iterparse(data)


def _parser(**options: Any) -> Any:
    # Entities are never resolved from outside and nothing is fetched: uploaded files
    # are untrusted.
    return etree.XMLParser(resolve_entities=False, no_network=True, **options)


def _check_well_formed(data: bytes) -> None:
    try:
        etree.fromstring(data, _parser(target=_NullTarget()))
    except etree.XMLSyntaxError as exc:
        message = str(exc)
        if "encoding" in message.lower() or "utf-8" in message.lower():
            raise EncodingError("the declared XML", detail=message) from None
        raise MalformedLogError(f"not well-formed XML ({message})") from None


def _is_utf8(data: bytes) -> bool:
    declared = _DECLARED_ENCODING.match(data[:400].removeprefix(b"\xef\xbb\xbf"))
    return declared is None or declared.group(1).lower() in {b"utf-8", b"utf8"}


def _tokens(data: bytes) -> pl.DataFrame | None:
    """One row per tag: ``text``, ``closing``, ``empty`` (self-closing).

    None when some markup is neither an element nor a complete comment or processing
    instruction, which only a DTD, CDATA or a ``<`` inside a comment or PI can cause.
    """
    # No byte below 0x20 but tab, LF and CR may occur in well-formed XML 1.0, so the unit
    # separator never splits a token; the first row is whatever precedes the first "<".
    text = pl.read_csv(
        data.removeprefix(b"\xef\xbb\xbf"),
        has_header=False,
        separator="\x1f",
        quote_char=None,
        eol_char="<",
        new_columns=["text"],
        schema={"text": pl.String},
    ).slice(1)
    raw = pl.col("text")
    trimmed = raw.str.strip_chars_end()
    marks = text.with_columns(
        raw.str.starts_with("/").alias("closing"),
        (raw.str.starts_with("?") | raw.str.starts_with("!")).alias("special"),
        # With a single ">" that ends the row, that ">" closes the tag: no attribute value
        # nor text holds one, so "/>" at the end means a self-closing tag.
        ((raw.str.count_matches(">", literal=True) == 1) & trimmed.str.ends_with(">")).alias(
            "plain"
        ),
        trimmed.str.ends_with("/>").alias("empty"),
    ).with_row_index("row")
    complete = (raw.str.starts_with("?") & raw.str.contains("?>", literal=True)) | (
        raw.str.starts_with("!--") & raw.str.contains("-->", literal=True)
    )
    if not marks.filter("special").select(complete.all()).item():
        return None
    odd = marks.filter(~pl.col("special") & ~pl.col("plain"))
    if odd.height:
        tags = odd.select("row", raw.str.extract_groups(_TAG).alias("tag")).unnest("tag")
        if tags["2"].null_count():
            return None
        marks = marks.update(tags.select("row", empty=pl.col("4") == "/"), on="row")
    return marks.filter(~pl.col("special")).select("text", "closing", "empty")


def _extract_fast(data: bytes) -> pl.DataFrame | None:
    tokens = _tokens(data)
    if tokens is None:
        return None
    items = _levels(tokens)
    if items["name"].str.contains(":", literal=True).any():
        return None  # prefixed element names: leave namespaces to lxml
    if items.height == 0 or items["name"][0] != "log":
        first = items["name"][0] if items.height else None
        raise MalformedLogError(f"the root element is <{first}>, not <log>")
    attributes = _key_values(items.filter(pl.col("trace_attribute") | pl.col("event_attribute")))
    cases = (
        attributes.filter(pl.col("trace_attribute") & (pl.col("key") == "concept:name"))
        .unique("trace_no", keep="last")
        .select("trace_no", pl.col("value").alias(CASE))
    )
    wanted = attributes.filter(pl.col("event_attribute") & pl.col("key").is_in(list(_EVENT_KEYS)))
    values = wanted.group_by("event_no").agg(
        pl.col("value").filter(pl.col("key") == key).last().alias(name)
        for key, name in _EVENT_KEYS.items()
    )
    return (
        items.filter("is_event")
        .select("event_no", "trace_no")
        .join(cases, on="trace_no", how="left")
        .join(values, on="event_no", how="left")
        .sort("event_no")
        .select(_COLUMNS)
    )


def _levels(tokens: pl.DataFrame) -> pl.DataFrame:
    """The opening tags with their nesting level and role (event, trace or event attribute).

    The log is level 0, traces level 1, events and trace attributes level 2, event
    attributes level 3; deeper elements are nested attributes and play no role.
    """
    delta = pl.when(pl.col("closing")).then(-1).when(pl.col("empty")).then(0).otherwise(1)
    items = (
        tokens.with_columns(delta.cum_sum().shift(1, fill_value=0).alias("level"))
        .filter(~pl.col("closing"))
        .select("text", "level", pl.col("text").str.extract(r"^([^\s/>]+)").alias("name"))
    )
    # The parent of an element at level n + 1 is the last element opened at level n.
    parent_is = {
        depth: pl.when(pl.col("level") == depth).then(pl.col("name") == tag).forward_fill()
        for depth, tag in ((1, "trace"), (2, "event"))
    }
    in_trace = parent_is[1].fill_null(False)
    event = (pl.col("level") == 2) & (pl.col("name") == "event") & in_trace
    trace = (pl.col("level") == 1) & (pl.col("name") == "trace")
    return items.with_columns(
        (trace.cum_sum() - 1).alias("trace_no"),
        (event.cum_sum() - 1).alias("event_no"),
        event.alias("is_event"),
        ((pl.col("level") == 2) & in_trace & ~event).alias("trace_attribute"),
        ((pl.col("level") == 3) & in_trace & parent_is[2].fill_null(False)).alias(
            "event_attribute"
        ),
    )


def _key_values(items: pl.DataFrame) -> pl.DataFrame:
    """Add the ``key`` and unescaped ``value`` attributes of each attribute element."""
    # The common layout, `type key="k" value="v"/>` (or value first) with double quotes
    # only, is split at the quotes; anything else goes through the exact regex.
    raw = pl.col("text")
    split = items.with_row_index("row").with_columns(
        raw.str.split_exact('"', 4).alias("part"),
        (
            ~raw.str.contains("'", literal=True)
            & (raw.str.count_matches('"', literal=True) == 4)
            & (raw.str.count_matches(">", literal=True) == 1)
        ).alias("simple"),
    )
    split = split.unnest("part")
    head, first, middle, second = (pl.col(f"field_{i}") for i in range(4))
    key_first = pl.col("simple") & head.str.ends_with(" key=") & (middle == " value=")
    value_first = pl.col("simple") & head.str.ends_with(" value=") & (middle == " key=")
    found = split.select(
        *items.columns,
        "row",
        pl.when(key_first).then(first).when(value_first).then(second).alias("key"),
        pl.when(key_first).then(second).when(value_first).then(first).alias("raw"),
        (key_first | value_first).alias("split"),
    )
    odd = found.filter(~pl.col("split"))
    if odd.height:
        exact = odd.select("row", key=_regex_attribute("key"), raw=_regex_attribute("value"))
        found = found.update(exact, on="row")
    return found.with_columns(_unescape(found["raw"]).alias("value"))


def _regex_attribute(name: str) -> pl.Expr:
    pattern = _ATTRIBUTE.format(name=name)
    groups = pl.col("text").str.extract_groups(pattern)
    return pl.coalesce(groups.struct.field("1"), groups.struct.field("2"))


def _unescape(raw: pl.Series) -> pl.Series:
    """XML attribute-value normalisation: whitespace characters to spaces, then references."""
    special = raw.filter(raw.str.contains(r"[\t\n\r&]")).unique()
    if special.len() == 0:
        return raw
    spaced = special.str.replace_all("\r\n", "\n", literal=True).str.replace_all(r"[\t\n\r]", " ")
    # Well-formedness was checked, so only predefined and numeric references remain.
    decoded = [html.unescape(value) if "&" in value else value for value in spaced.to_list()]
    return raw.replace(special, decoded)


def _extract_iterparse(data: bytes) -> pl.DataFrame:
    columns: dict[str, list[str | None]] = {name: [] for name in _COLUMNS}
    context = etree.iterparse(
        io.BytesIO(data), events=("end",), tag="{*}trace", resolve_entities=False
    )
    try:
        for _, trace in context:
            _read_trace(trace, columns)
            trace.clear()
    except etree.XMLSyntaxError as exc:
        raise MalformedLogError(f"not well-formed XML ({exc})") from None
    root = etree.QName(context.root).localname if context.root is not None else None
    if root != "log":
        raise MalformedLogError(f"the root element is <{root}>, not <log>")
    return pl.DataFrame(columns, schema=dict.fromkeys(_COLUMNS, pl.String))


def _read_trace(trace: Any, columns: dict[str, list[str | None]]) -> None:
    case: str | None = None
    events = 0
    for child in trace:
        if not isinstance(child.tag, str):
            continue
        if etree.QName(child).localname != "event":
            case = child.get("value") if child.get("key") == "concept:name" else case
            continue
        values = {attribute.get("key"): attribute.get("value") for attribute in child}
        for key, name in _EVENT_KEYS.items():
            columns[name].append(values.get(key))
        events += 1
    columns[CASE].extend([case] * events)
