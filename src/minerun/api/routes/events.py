"""The event streams: Server-Sent Events of what the webhooks carry, read from the outbox.

Each event's ``id`` is its ``stream_seq`` (see store/event_stream.py); a client that
reconnects with ``Last-Event-ID`` (or ``?lastEventId=``) gets every later event once. An
operation's stream starts at its first retained event and closes after the event that ends
it; a project's stream starts now (or after ``Last-Event-ID``) and stays open. The meaning of
each field is in docs/events.md.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request
from sqlalchemy import Engine
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from minerun.api.deps import PrincipalDep, ServiceDep, SettingsDep
from minerun.api.event_hub import EventHub
from minerun.api.openapi import AUTHENTICATED, problems
from minerun.api.schemas_webhooks import EventName
from minerun.config import Settings
from minerun.domain.priority import Priority
from minerun.domain.records import Scope
from minerun.exceptions import InvalidInput
from minerun.notify import events as ev
from minerun.store import event_stream

router = APIRouter(prefix="/api/{tenantId}/{projectId}/async", tags=["events"])

READ_BATCH = 200
SAFETY_WAIT_SECONDS = 5.0
"""A stream reads again after this long even when the hub woke it for nothing."""

_STREAM: dict[int | str, dict[str, Any]] = {
    **problems(*AUTHENTICATED),
    200: {
        "description": (
            "A Server-Sent Events stream: each event has an `id` (resume with `Last-Event-ID`),"
            " an `event` (its type) and `data` (the JSON document a webhook delivery carries)."
            " Comments (`: ping`) keep an idle connection open."
        ),
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    },
}
OperationId = Annotated[str, Path(alias="operationId", max_length=64)]
LastEventHeader = Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)]
LastEventQuery = Annotated[
    str | None,
    Query(alias="lastEventId", max_length=20, description="As the `Last-Event-ID` header."),
]


@dataclass(frozen=True)
class Selection:
    """The webhook subscription filters, applied to a stream's events."""

    events: frozenset[str] = frozenset()
    operation_types: frozenset[str] = frozenset()
    priorities: frozenset[str] = frozenset()
    min_progress_increment: float | None = None
    _last_progress: dict[str, float] = field(default_factory=dict, compare=False)

    def wants(self, item: event_stream.StreamEvent) -> bool:
        """Whether to send ``item``; progress is thinned per operation like a subscription's."""
        if self.events and item.event_type not in self.events:
            return False
        operation = json.loads(item.body).get("data", {}).get("operation")
        if isinstance(operation, dict):
            if self.operation_types and operation.get("operationType") not in self.operation_types:
                return False
            if self.priorities and operation.get("priority") not in self.priorities:
                return False
            if item.event_type == ev.PROGRESS and self.min_progress_increment is not None:
                return self._progress_due(item, operation)
        return True

    def _progress_due(self, item: event_stream.StreamEvent, operation: dict[str, Any]) -> bool:
        key = item.operation_id or ""
        percent = float((operation.get("progress") or {}).get("percentage") or 0.0)
        increment = self.min_progress_increment or 0.0
        if not ev.crossed(self._last_progress.get(key), percent, increment):
            return False
        self._last_progress[key] = percent
        return True


def _cursor(header: str | None, query: str | None) -> int | None:
    """Where to resume: the last event id the client saw, from the header or the query."""
    given, name = (header, "Last-Event-ID") if header is not None else (query, "lastEventId")
    if given is None or given == "":
        return None
    if not given.isdigit():
        raise InvalidInput(
            f"{name} must be the id of an event: a whole number.",
            errors=[{"field": name, "reason": "must be a non-negative whole number"}],
        )
    return int(given)


async def _events(
    hub: EventHub,
    engine: Engine,
    scope: Scope,
    cursor: int,
    operation_id: str | None,
    selection: Selection,
) -> AsyncIterator[ServerSentEvent]:
    waiter = hub.watch(scope, operation_id)
    try:
        while True:
            waiter.arm()
            batch = hub.recent(scope, operation_id, cursor, READ_BATCH)
            if batch is None:
                batch = await run_in_threadpool(
                    event_stream.read, engine, scope, cursor, operation_id, READ_BATCH
                )
            for item in batch:
                cursor = item.stream_seq
                if selection.wants(item):
                    yield ServerSentEvent(
                        data=item.body, event=item.event_type, id=str(item.stream_seq)
                    )
            if len(batch) == READ_BATCH:
                continue
            if operation_id is not None and await run_in_threadpool(
                event_stream.finished, engine, operation_id, cursor
            ):
                return
            if not batch:
                await waiter.wait(SAFETY_WAIT_SECONDS)
    finally:
        hub.forget(waiter)


def _respond(settings: Settings, content: AsyncIterator[ServerSentEvent]) -> EventSourceResponse:
    return EventSourceResponse(
        content,
        ping=settings.stream_heartbeat_seconds,
        send_timeout=settings.stream_send_timeout_seconds,
        headers={"Cache-Control": "no-store"},
    )


@router.get(
    "/operation/{operationId}/events",
    operation_id="streamOperationEvents",
    response_class=EventSourceResponse,
    responses=_STREAM,
)
async def stream_operation_events(
    request: Request,
    operation_id: OperationId,
    principal: PrincipalDep,
    service: ServiceDep,
    settings: SettingsDep,
    last_event_id: LastEventHeader = None,
    last_event_query: LastEventQuery = None,
    events: Annotated[list[EventName] | None, Query()] = None,
) -> EventSourceResponse:
    """The events of one operation from its first kept one (or after ``Last-Event-ID``);
    the stream closes after the event that ends the operation."""
    cursor = _cursor(last_event_id, last_event_query) or 0
    await run_in_threadpool(service.database.operations.get, principal.scope, operation_id)
    selection = Selection(events=frozenset(events or ()))
    hub: EventHub = request.app.state.event_hub
    engine = service.database.engine
    return _respond(
        settings, _events(hub, engine, principal.scope, cursor, operation_id, selection)
    )


@router.get(
    "/events",
    operation_id="streamProjectEvents",
    response_class=EventSourceResponse,
    responses=_STREAM,
)
async def stream_project_events(
    request: Request,
    principal: PrincipalDep,
    service: ServiceDep,
    settings: SettingsDep,
    last_event_id: LastEventHeader = None,
    last_event_query: LastEventQuery = None,
    events: Annotated[list[EventName] | None, Query()] = None,
    operation_types: Annotated[
        list[Annotated[str, Query(max_length=100)]] | None, Query(alias="operationTypes")
    ] = None,
    priorities: Annotated[list[Priority] | None, Query()] = None,
    min_progress_increment: Annotated[
        float | None, Query(alias="minProgressIncrement", ge=0, le=100)
    ] = None,
) -> EventSourceResponse:
    """Every event of the project from now (or after ``Last-Event-ID``), with the webhook
    subscription filters; the stream stays open."""
    cursor = _cursor(last_event_id, last_event_query)
    engine = service.database.engine
    if cursor is None:
        cursor = await run_in_threadpool(event_stream.latest, engine)
    selection = Selection(
        events=frozenset(events or ()),
        operation_types=frozenset(operation_types or ()),
        priorities=frozenset(p.value for p in priorities or ()),
        min_progress_increment=min_progress_increment,
    )
    hub: EventHub = request.app.state.event_hub
    return _respond(settings, _events(hub, engine, principal.scope, cursor, None, selection))
