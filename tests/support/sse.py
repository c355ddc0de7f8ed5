"""Reading Server-Sent Events in tests: a small parser over an httpx streaming answer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Event:
    id: str | None
    event: str | None
    data: str
    comment: bool = False

    @property
    def document(self) -> dict[str, Any]:
        return json.loads(self.data)  # type: ignore[no-any-return]


def parse(lines: Iterator[str]) -> Iterator[Event]:
    """Events (and comments, as events with ``comment=True``) as they arrive."""
    fields: dict[str, str] = {}
    data: list[str] = []
    for line in lines:
        if line == "":
            if data or fields:
                yield Event(fields.get("id"), fields.get("event"), "\n".join(data))
            fields, data = {}, []
        elif line.startswith(":"):
            yield Event(None, None, line[1:].strip(), comment=True)
        else:
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "data":
                data.append(value)
            else:
                fields[name] = value


def events(response: httpx.Response, comments: bool = False) -> Iterator[Event]:
    """The events of a streaming answer, until the server closes it."""
    for item in parse(response.iter_lines()):
        if comments or not item.comment:
            yield item
