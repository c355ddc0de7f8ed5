"""Log lines: one JSON object per line for collectors, or readable text on a terminal.

Every line carries ``time`` (the service's one time format), ``level``, ``logger`` and
``message``; fields passed as ``extra=`` (``operationId``, ``executionId``, ``workerNode``,
``attempt``, ``phase``, ``requestId``, …) are added as they are, so a collector can filter
on them. The readable form appends them as ``key=value``. Formats: ``json``, ``text``, or
``auto`` (JSON unless standard error is a terminal).
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any, Final, Literal

import orjson

from minerun.domain.times import iso

LogFormat = Literal["auto", "json", "text"]

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD: Final = frozenset(
    {*logging.LogRecord("", 0, "", 0, "", None, None).__dict__, "message", "asctime"}
)


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    """The ``extra=`` fields of ``record``, in the order they were given."""
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD and v is not None}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": iso(datetime.fromtimestamp(record.created, UTC)),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **fields_of(record),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        extra = " ".join(f"{key}={value}" for key, value in fields_of(record).items())
        return f"{text} {extra}" if extra else text


def configure_logging(log_format: LogFormat = "auto", level: str = "INFO") -> None:
    """Send every ``minerun`` log line to standard error in ``log_format``."""
    json_lines = log_format == "json" or (log_format == "auto" and not sys.stderr.isatty())
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if json_lines else TextFormatter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper())
