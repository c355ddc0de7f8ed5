"""The console's Server-Sent Events reader (``sse.js``), run in Chromium: the framing rules
of the SSE format that a ``fetch()`` reader must apply itself, and resumption after a break
with ``Last-Event-ID``, losing and repeating nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.acceptance.processes import Node

pytestmark = pytest.mark.slow


def parse(page: Any, chunks: list[str]) -> list[dict[str, Any]]:
    """The events ``parseEvents`` yields when the stream arrives in ``chunks``."""
    return list(
        page.evaluate(
            """async (chunks) => {
                const { parseEvents } = await import('/ui/sse.js');
                const seen = [];
                let buffer = '';
                for (const chunk of chunks) {
                    const parsed = parseEvents(buffer + chunk);
                    buffer = parsed.rest;
                    seen.push(...parsed.events);
                }
                return seen;
            }""",
            chunks,
        )
    )


def test_events_are_framed_as_the_format_says(served: tuple[Node, str], page: Any) -> None:
    node, _token = served
    page.goto(f"{node.base_url}/ui")
    stream = (
        ": ping\n\n"
        'id: 7\nevent: operation.progress\ndata: {"a":1}\n\n'
        "id: 8\r\nevent: operation.completed\r\ndata: line one\r\ndata: line two\r\n\r\n"
        "data:no space\n\n"
        "id: 9\nevent: cut"
    )
    whole = parse(page, [stream])
    assert whole == [
        {"id": "7", "event": "operation.progress", "data": '{"a":1}'},
        {"id": "8", "event": "operation.completed", "data": "line one\nline two"},
        {"id": None, "event": "message", "data": "no space"},
    ]
    # Any split of the bytes gives the same events: chunks end anywhere, even mid-line.
    assert parse(page, [stream[i : i + 5] for i in range(0, len(stream), 5)]) == whole
