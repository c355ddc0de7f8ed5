"""The console's Server-Sent Events reader (``sse.js``), run in Chromium: the framing rules
of the SSE format that a ``fetch()`` reader must apply itself, and resumption after a break
with ``Last-Event-ID``, losing and repeating nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.acceptance.processes import PROJECT, TENANT, Node

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


def open_console(page: Any, node: Node) -> None:
    """The console's page with a session, so that its modules can build API paths."""
    page.goto(f"{node.base_url}/ui")
    page.evaluate(
        "([t, p]) => sessionStorage.setItem('minerun.console.session',"
        " JSON.stringify({token: 'mrt_test', tenantId: t, projectId: p}))",
        [TENANT, PROJECT],
    )


def test_a_broken_stream_resumes_after_the_last_event(served: tuple[Node, str], page: Any) -> None:
    node, _token = served
    open_console(page, node)
    bodies = [
        "id: 1\nevent: a\ndata: one\n\nid: 2\nevent: a\ndata: two\n\n",
        "id: 3\nevent: b\ndata: three\n\n",
    ]
    asked: list[dict[str, str]] = []

    def answer(route: Any) -> None:
        asked.append(route.request.headers)
        body = bodies[min(len(asked), len(bodies)) - 1]
        route.fulfill(status=200, headers={"Content-Type": "text/event-stream"}, body=body)

    page.route("**/async/events", answer)
    seen = page.evaluate(
        """async () => {
            const { follow } = await import('/ui/sse.js');
            return await new Promise((resolve) => {
                const seen = [];
                const stream = follow('/events', { onEvent: (e) => {
                    seen.push(`${e.id}:${e.event}:${e.data}`);
                    if (seen.length === 3) { stream.close(); resolve(seen); }
                } });
            });
        }"""
    )
    assert seen == ["1:a:one", "2:a:two", "3:b:three"]
    assert "last-event-id" not in asked[0]
    assert asked[1]["last-event-id"] == "2"
    assert asked[0]["authorization"] == "Bearer mrt_test"


def test_a_stream_that_cannot_be_read_falls_back_to_polling(
    served: tuple[Node, str], page: Any
) -> None:
    node, _token = served
    open_console(page, node)
    page.route("**/async/events", lambda route: route.fulfill(status=404, body="{}"))
    modes = page.evaluate(
        """async () => {
            const { follow } = await import('/ui/sse.js');
            return await new Promise((resolve) => {
                const modes = [];
                let polls = 0;
                follow('/events', {
                    onEvent: () => modes.push('event'),
                    onMode: (mode) => modes.push(mode),
                    poll: async () => {
                        polls += 1;
                        if (polls === 2) resolve([...modes, polls]);
                        return polls === 2;
                    },
                    pollMs: 50,
                });
            });
        }"""
    )
    assert modes == ["polling", 2]
