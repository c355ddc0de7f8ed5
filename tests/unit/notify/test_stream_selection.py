"""The project stream's filters: those of a webhook subscription, per connection."""

from __future__ import annotations

import json

from minerun.api.routes.events import Selection
from minerun.domain.records import Scope
from minerun.store.event_stream import StreamEvent

SCOPE = Scope("t", "p")


def event(seq: int, kind: str, op: str = "op1", percent: float = 0, **extra: str) -> StreamEvent:
    snapshot = {"operationType": "Steps", "priority": "Normal", "progress": {"percentage": percent}}
    body = {"type": kind, "data": {"operation": {**snapshot, **extra}}}
    return StreamEvent(seq, SCOPE, op, kind, json.dumps(body))


def test_types_kinds_and_priorities_filter_like_a_subscription() -> None:
    chosen = Selection(events=frozenset({"operation.completed"}))
    assert chosen.wants(event(1, "operation.completed"))
    assert not chosen.wants(event(2, "operation.started"))
    high = Selection(priorities=frozenset({"High"}))
    assert not high.wants(event(3, "operation.started"))
    assert high.wants(event(4, "operation.started", priority="High"))
    other = Selection(operation_types=frozenset({"DataEnrichment"}))
    assert not other.wants(event(5, "operation.started"))
    batch = StreamEvent(6, SCOPE, None, "batch.completed", json.dumps({"data": {"batch": {}}}))
    assert high.wants(batch) and other.wants(batch), "events about no operation pass"


def test_progress_is_thinned_per_operation_by_the_increment() -> None:
    thinned = Selection(min_progress_increment=10)
    sent = [
        (op, p)
        for i, (op, p) in enumerate(
            [("a", 1), ("a", 5), ("b", 6), ("a", 11), ("b", 9), ("a", 20.9), ("a", 100)]
        )
        if thinned.wants(event(i, "operation.progress", op, p))
    ]
    assert sent == [("a", 1), ("b", 6), ("a", 11), ("a", 100)]
    assert Selection().wants(event(9, "operation.progress", "a", 5)), "no increment: all"
