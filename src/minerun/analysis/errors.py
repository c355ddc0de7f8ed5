"""Errors raised when an event log cannot be read, in one hierarchy.

    EventLogError
    ├── LogNotFoundError        the file does not exist or cannot be opened
    ├── UnsupportedFormatError  the file name has no known event-log suffix
    ├── InvalidMappingError     the column mapping itself is unusable
    ├── MissingColumnError      a mapped or required column is absent
    ├── EncodingError           the bytes are not text in the declared encoding
    ├── EmptyLogError           the file holds no event
    ├── LogTooLargeError        the content, once decompressed, exceeds the allowed size
    ├── MalformedLogError       the content is not a valid CSV, XES or Parquet event log
    ├── InvalidCleaningRulesError  a list of cleaning rules names an unknown rule or option
    └── CleaningRuleError       a valid cleaning rule does not fit this log (an absent column)

Every error is a client error (the input is at fault, never the server): an API maps
``UnsupportedFormatError``, ``InvalidMappingError`` and ``InvalidCleaningRulesError`` to
400, ``LogTooLargeError`` to 413 and the others to 422. Each
carries a human-readable ``message`` and ``field``, the column, attribute or setting it is
about (``None`` when it concerns the whole file). The docstring of each class is its
default message.
"""

from __future__ import annotations

__all__ = [
    "CleaningRuleError",
    "EmptyLogError",
    "EncodingError",
    "EventLogError",
    "InvalidCleaningRulesError",
    "InvalidMappingError",
    "LogNotFoundError",
    "LogTooLargeError",
    "MalformedLogError",
    "MissingColumnError",
    "UnsupportedFormatError",
]


class EventLogError(ValueError):
    """The event log cannot be read."""

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        self.message = message or (type(self).__doc__ or "").strip()
        self.field = field
        super().__init__(self.message)


class LogNotFoundError(EventLogError):
    """The event-log file does not exist or cannot be opened."""

    def __init__(self, path: str, reason: str | None = None) -> None:
        self.path = path
        detail = f": {reason}" if reason else ""
        super().__init__(f"Cannot open event log {path!r}{detail}")


class UnsupportedFormatError(EventLogError):
    """The file is not in a supported event-log format (.csv, .xes, .parquet, optionally .gz)."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"Unsupported event-log file {name!r}: expected .csv, .csv.gz, .xes, .xes.gz "
            "or .parquet",
            field="format",
        )


class InvalidMappingError(EventLogError):
    """The column mapping is not usable."""

    def __init__(self, field: str, reason: str) -> None:
        self.reason = reason
        super().__init__(f"Invalid column mapping for {field!r}: {reason}", field=field)


class MissingColumnError(EventLogError):
    """A required column is missing from the event log."""

    def __init__(self, column: str, available: list[str] | None = None) -> None:
        self.column = column
        self.available = available or []
        shown = ", ".join(repr(c) for c in self.available[:20])
        more = f" (available: {shown})" if shown else ""
        super().__init__(f"Column {column!r} is not in the event log{more}", field=column)


class EncodingError(EventLogError):
    """The file is not text in the expected encoding."""

    def __init__(self, encoding: str, position: int | None = None, detail: str = "") -> None:
        self.encoding = encoding
        self.position = position
        where = f" at byte {position}" if position is not None else ""
        extra = f" ({detail})" if detail else ""
        super().__init__(
            f"The file is not valid {encoding} text{where}{extra}; give the right encoding",
            field="encoding",
        )


class EmptyLogError(EventLogError):
    """The event log contains no event."""


class LogTooLargeError(EventLogError):
    """The event log is larger than allowed once decompressed."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"The event log holds more than {limit} bytes once decompressed")


class MalformedLogError(EventLogError):
    """The event log is malformed."""

    def __init__(self, reason: str, *, field: str | None = None) -> None:
        self.reason = reason
        super().__init__(f"Malformed event log: {reason}", field=field)


class InvalidCleaningRulesError(EventLogError):
    """The cleaning rules are not valid."""

    def __init__(self, problems: list[dict[str, str]]) -> None:
        self.problems = problems
        first = problems[0] if problems else {"field": None, "reason": "no problem given"}
        super().__init__(f"Invalid cleaning rules: {first['reason']}", field=first["field"])


class CleaningRuleError(EventLogError):
    """A cleaning rule cannot be applied to this event log."""

    def __init__(self, field: str, reason: str) -> None:
        self.reason = reason
        super().__init__(f"Cannot apply {field}: {reason}", field=field)
