"""Following an operation: its event stream when the server has one, polling otherwise.

Each event of ``…/operation/{id}/events`` says that the operation changed; the follower then
reads its status, so what ``follow()`` yields is the same ``OperationStatus`` either way. A
stream that breaks is reopened with ``Last-Event-ID`` (the server sends each later event
once); a server without streams (an answer that is not ``text/event-stream``), or a stream
that fails ``RECONNECTS`` times in a row, is polled instead, paced as in ``_polling``.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx

from minerun.client import models
from minerun.client._base import q
from minerun.client._polling import changed, poll_interval
from minerun.client.errors import WaitTimeout

if TYPE_CHECKING:
    from minerun.client.aio import AsyncClient
    from minerun.client.sync import Client

RECONNECTS = 3
"""Stream connections that may fail in a row before the follower polls instead."""
STREAM_READ_SECONDS = 60.0
"""Longest silence on a stream before it is reopened (the server's heartbeat is 15 s)."""


@dataclass
class SseEvent:
    id: str | None
    event: str | None
    data: str


class SseParser:
    """Server-Sent Events from the lines of a stream (comments and retry hints are dropped)."""

    def __init__(self) -> None:
        self._id: str | None = None
        self._event: str | None = None
        self._data: list[str] = []

    def feed(self, line: str) -> SseEvent | None:
        """The event that ``line`` completes, if it is the blank line ending one."""
        if line == "":
            if not self._data and self._event is None:
                return None
            done = SseEvent(self._id, self._event, "\n".join(self._data))
            self._event, self._data = None, []
            return done
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            self._id = value
        return None


@dataclass
class Follower:
    """What one ``follow()`` keeps between statuses, streams and polls."""

    operation_id: str
    path: str
    deadline: float | None
    poll_min: float
    poll_max: float
    streaming: bool
    last: models.OperationStatus | None = None
    last_event_id: str | None = None
    failures: int = 0

    def fresh(self, status: models.OperationStatus) -> bool:
        """Whether ``status`` is news to yield; remembers it."""
        news = changed(self.last, status)
        self.last = status
        return news

    def left(self, status: models.OperationStatus) -> float | None:
        """Seconds left before the deadline; raises :class:`WaitTimeout` when none is."""
        if self.deadline is None:
            return None
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise WaitTimeout(f"{self.operation_id} is still {status.status}", status)
        return left

    def pause(self, status: models.OperationStatus) -> float:
        pause = poll_interval(status, self.poll_min, self.poll_max)
        left = self.left(status)
        return pause if left is None else min(pause, left)

    def request(self, status: models.OperationStatus, timeout: float) -> dict[str, object]:
        """``stream()`` arguments: resume after the last event seen, read no longer than the
        deadline allows."""
        headers = {"Accept": "text/event-stream"}
        if self.last_event_id is not None:
            headers["Last-Event-ID"] = self.last_event_id
        left = self.left(status)
        read = STREAM_READ_SECONDS if left is None else min(STREAM_READ_SECONDS, left)
        return {
            "method": "GET",
            "url": self.path,
            "headers": headers,
            "timeout": httpx.Timeout(timeout, read=read),
        }

    def accepts(self, response: httpx.Response) -> bool:
        """Whether the answer is a stream; if the server has none, poll from now on."""
        if response.status_code == 200 and response.headers.get("content-type", "").startswith(
            "text/event-stream"
        ):
            return True
        self.streaming = False
        return False

    def broken(self, status: models.OperationStatus) -> float:
        """After a stream that broke or closed with no event: the pause before reopening it
        (and polling instead after ``RECONNECTS`` in a row)."""
        self.failures += 1
        if self.failures >= RECONNECTS:
            self.streaming = False
        backoff = min(0.25 * 2.0**self.failures, 5.0)
        left = self.left(status)
        return backoff if left is None else min(backoff, left)

    def seen(self, event: SseEvent) -> None:
        self.failures = 0
        if event.id is not None:
            self.last_event_id = event.id


def _follower(client: Client | AsyncClient, operation_id: str, **options: object) -> Follower:
    timeout = options.get("timeout")
    return Follower(
        operation_id=operation_id,
        path=f"{client._ops()}/operation/{q(operation_id)}/events",
        deadline=None if timeout is None else time.monotonic() + float(timeout),  # type: ignore[arg-type]
        poll_min=float(options["poll_min"]),  # type: ignore[arg-type]
        poll_max=float(options["poll_max"]),  # type: ignore[arg-type]
        streaming=bool(options["stream"]),
    )


def follow_sync(
    client: Client, operation_id: str, **options: object
) -> Iterator[models.OperationStatus]:
    f = _follower(client, operation_id, **options)
    status = client.operation(operation_id)
    if f.fresh(status):
        yield status
    while not status.terminal:
        if not f.streaming:
            client._sleep(f.pause(status))
        else:
            events = 0
            try:
                with client._http.stream(**f.request(status, client.timeout)) as response:  # type: ignore[arg-type]
                    if f.accepts(response):
                        parser = SseParser()
                        for line in response.iter_lines():
                            event = parser.feed(line)
                            if event is None:
                                continue
                            events += 1
                            f.seen(event)
                            status = client.operation(operation_id)
                            if f.fresh(status):
                                yield status
                            if status.terminal:
                                return
            except httpx.TransportError:
                events = 0
            if f.streaming and events == 0:
                client._sleep(f.broken(status))
        status = client.operation(operation_id)
        if f.fresh(status):
            yield status


async def follow_async(
    client: AsyncClient, operation_id: str, **options: object
) -> AsyncIterator[models.OperationStatus]:
    f = _follower(client, operation_id, **options)
    status = await client.operation(operation_id)
    if f.fresh(status):
        yield status
    while not status.terminal:
        if not f.streaming:
            await client._sleep(f.pause(status))
        else:
            events = 0
            try:
                async with client._http.stream(**f.request(status, client.timeout)) as response:  # type: ignore[arg-type]
                    if f.accepts(response):
                        parser = SseParser()
                        async for line in response.aiter_lines():
                            event = parser.feed(line)
                            if event is None:
                                continue
                            events += 1
                            f.seen(event)
                            status = await client.operation(operation_id)
                            if f.fresh(status):
                                yield status
                            if status.terminal:
                                return
            except httpx.TransportError:
                events = 0
            if f.streaming and events == 0:
                await client._sleep(f.broken(status))
        status = await client.operation(operation_id)
        if f.fresh(status):
            yield status
