"""Log lines: JSON objects with the extra fields, or readable text with them appended."""

from __future__ import annotations

import json
import logging
import sys

from minerun.logs import JsonFormatter, TextFormatter, configure_logging


def _record(**extra: object) -> logging.LogRecord:
    record = logging.LogRecord(
        "minerun.worker", logging.INFO, "x.py", 1, "claimed %s", ("op-1",), None
    )
    record.__dict__.update(extra)
    return record


def test_a_json_line_carries_the_message_and_every_extra_field() -> None:
    line = json.loads(JsonFormatter().format(_record(operationId="op-1", attempt=2, phase=None)))
    assert line["message"] == "claimed op-1"
    assert line["level"] == "info" and line["logger"] == "minerun.worker"
    assert line["operationId"] == "op-1" and line["attempt"] == 2
    assert "phase" not in line  # fields without a value are left out
    assert line["time"].endswith("Z")


def test_a_json_line_holds_the_traceback_of_an_exception() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, "x.py", 1, "failed", (), sys.exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert "ValueError: boom" in line["exception"]


def test_a_text_line_appends_the_fields() -> None:
    text = TextFormatter().format(_record(operationId="op-1"))
    assert text.endswith("INFO minerun.worker claimed op-1 operationId=op-1")


def test_configure_logging_replaces_the_handlers_and_sets_the_level() -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("json", "WARNING")
        assert len(root.handlers) == 1
        assert isinstance(root.handlers[0].formatter, JsonFormatter)
        assert root.level == logging.WARNING
        configure_logging("text", "INFO")
        assert isinstance(root.handlers[0].formatter, TextFormatter)
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
