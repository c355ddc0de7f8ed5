"""The event streams against real ``minerun`` processes: resume without loss or duplicates,
a final event then close, the same auth as every route, the subscription filters and the
heartbeat, a client that stops reading, and two API processes on one PostgreSQL."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from minerun.client import AsyncClient, Client
from tests.acceptance.processes import OPERATION_TIMEOUT, PROJECT, TENANT, Cluster, Node
from tests.support.sse import Event, events

pytestmark = pytest.mark.slow

SLOW = {"records": 30, "sleep": 0.1}
STREAM_SETTINGS = {"stream_heartbeat_seconds": 0.5, "stream_send_timeout_seconds": 3}
TERMINAL_EVENTS = {"operation.completed", "operation.failed", "operation.cancelled"}


def base(node: Node, tenant: str = TENANT, project: str = PROJECT) -> str:
    return f"{node.base_url}/api/{tenant}/{project}/async"


def start(node: Node, token: str, **body: Any) -> str:
    answer = httpx.post(
        f"{base(node)}/operation",
        json={"operationType": "Steps", **body},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 202, answer.text
    return str(answer.json()["operationId"])


def read(
    url: str, token: str, count: int | None = None, last_event_id: str | None = None
) -> list[Event]:
    """The events of a stream: ``count`` of them then disconnect, or all until it closes."""
    headers = {"Authorization": f"Bearer {token}"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    seen: list[Event] = []
    timeout = httpx.Timeout(10.0, read=OPERATION_TIMEOUT)
    with httpx.stream("GET", url, headers=headers, timeout=timeout) as answer:
        assert answer.status_code == 200, answer.read()
        assert answer.headers["content-type"].startswith("text/event-stream")
        for event in events(answer):
            seen.append(event)
            if count is not None and len(seen) >= count:
                break
    return seen


def status(node: Node, token: str, operation_id: str) -> str:
    answer = httpx.get(
        f"{base(node)}/operation/{operation_id}", headers={"Authorization": f"Bearer {token}"}
    )
    return str(answer.json()["status"])


@pytest.fixture
def cluster(database_url: str, tmp_path: Path) -> Iterator[Cluster]:
    (tmp_path / "cluster").mkdir()
    with Cluster(database_url, tmp_path / "cluster", settings=dict(STREAM_SETTINGS)) as made:
        yield made


@pytest.fixture
def served(cluster: Cluster) -> tuple[Node, str]:
    token = cluster.create_token()
    return cluster.serve(), token


def assert_whole_run(stream: list[Event]) -> None:
    """Every event of one operation's run, once each, in order, ending with the final one."""
    ids = [int(e.id or 0) for e in stream]
    assert ids == sorted(set(ids)), "ids increase, none twice"
    types = [e.event for e in stream]
    assert types[0] == "operation.started" and types[-1] == "operation.completed"
    assert types.count("operation.phase.completed") == 3
    assert all(e.document["type"] == e.event for e in stream)
    percentages = [e.document["data"]["operation"]["progress"]["percentage"] for e in stream]
    assert percentages == sorted(percentages) and percentages[-1] == 100


def test_resuming_with_last_event_id_mid_run_yields_every_event_once_then_the_stream_closes(
    served: tuple[Node, str],
) -> None:
    node, token = served
    operation_id = start(node, token, parameters=SLOW)
    url = f"{base(node)}/operation/{operation_id}/events"

    first = read(url, token, count=3)
    assert status(node, token, operation_id) == "Running", "the reconnect is mid-run"
    rest = read(url, token, last_event_id=first[-1].id)  # returns once the server closes
    assert status(node, token, operation_id) == "Completed"

    replay = read(url, token)  # after the end: the whole run from the outbox, then close
    assert [e.id for e in first + rest] == [e.id for e in replay]
    assert [e.data for e in first + rest] == [e.data for e in replay]
    assert_whole_run(replay)

    by_query = read(f"{url}?lastEventId={replay[-2].id}", token)
    assert [e.id for e in by_query] == [replay[-1].id]


def test_streams_answer_like_every_route_401_404_and_400(
    served: tuple[Node, str], cluster: Cluster
) -> None:
    node, token = served
    operation_id = start(node, token, parameters={"records": 2})
    url = f"{base(node)}/operation/{operation_id}/events"
    bearer = {"Authorization": f"Bearer {token}"}

    assert httpx.get(url).status_code == 401
    assert httpx.get(f"{base(node)}/events").status_code == 401

    stranger = cluster.create_token(tenant="5e2d1c0b-0000-4000-8000-000000000001")
    stranger_url = base(node, "5e2d1c0b-0000-4000-8000-000000000001")
    answer = httpx.get(
        f"{stranger_url}/operation/{operation_id}/events",
        headers={"Authorization": f"Bearer {stranger}"},
    )
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")
    unknown = httpx.get(f"{base(node)}/operation/op_unknown/events", headers=bearer)
    assert unknown.status_code == 404

    bad = httpx.get(url, headers={**bearer, "Last-Event-ID": "abc"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "Last-Event-ID"
    bad_type = httpx.get(f"{base(node)}/events?events=operation.unknown", headers=bearer)
    assert bad_type.status_code == 400
    assert "events" in bad_type.text


def test_a_project_stream_applies_the_subscription_filters_and_sends_heartbeats(
    served: tuple[Node, str],
) -> None:
    node, token = served
    url = f"{base(node)}/events?events=operation.started&events=operation.completed&priorities=High"
    seen: list[Event] = []
    comments = 0
    with httpx.stream(
        "GET",
        url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=httpx.Timeout(10.0, read=OPERATION_TIMEOUT),
    ) as answer:
        assert answer.status_code == 200
        low = start(node, token, priority="Low", parameters={"records": 2})
        high = start(node, token, priority="High", parameters={"records": 2})
        for event in events(answer, comments=True):
            if event.comment:
                comments += 1
                continue
            seen.append(event)
            if event.event == "operation.completed":
                break
    assert [e.event for e in seen] == ["operation.started", "operation.completed"]
    assert {e.document["data"]["operation"]["operationId"] for e in seen} == {high}
    assert low != high
    assert comments >= 1, "an idle stream sends a heartbeat comment"


def _silent_client(node: Node, token: str, path: str) -> socket.socket:
    """A client that asks for a stream and never reads a byte of it."""
    host, port = node.base_url.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\r\n"
    sock.sendall(request.encode())
    return sock


def test_a_client_that_stops_reading_holds_up_neither_the_worker_nor_other_streams(
    served: tuple[Node, str],
) -> None:
    node, token = served
    path = f"/api/{TENANT}/{PROJECT}/async/events"
    silent = [_silent_client(node, token, path) for _ in range(20)]
    try:
        operation_id = start(node, token, parameters={"records": 60, "sleep": 0.02})
        operation_path = f"/api/{TENANT}/{PROJECT}/async/operation/{operation_id}/events"
        silent += [_silent_client(node, token, operation_path) for _ in range(5)]
        stream = read(f"{node.base_url}{operation_path}", token)
        assert_whole_run(stream)
        assert status(node, token, operation_id) == "Completed"
    finally:
        for sock in silent:
            sock.close()


def test_two_api_processes_on_postgresql_serve_one_stream_from_the_database(
    database_url: str, cluster: Cluster
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("several API processes over the network: PostgreSQL")
    token = cluster.create_token()
    one, two = cluster.api("api-1"), cluster.api("api-2")
    cluster.worker("worker-1")
    operation_id = start(one, token, parameters=SLOW)

    path = f"/operation/{operation_id}/events"
    first = read(f"{base(two)}{path}", token, count=3)
    rest = read(f"{base(one)}{path}", token, last_event_id=first[-1].id)
    replay = read(f"{base(two)}{path}", token)
    assert [e.id for e in first + rest] == [e.id for e in replay]
    assert_whole_run(replay)


def test_client_follow_and_wait_ride_the_stream_sync_and_async(served: tuple[Node, str]) -> None:
    node, token = served
    # Polling this slowly would see the start and the end only: every state in between came
    # from the stream.
    slow_polls = {"poll_min": 60.0, "poll_max": 60.0, "timeout": OPERATION_TIMEOUT}
    with Client(node.base_url, token, TENANT, PROJECT) as client:
        started = client.start("Steps", parameters=SLOW)
        states = list(client.follow(started.operation_id, **slow_polls))
        assert states[-1].status == "Completed"
        percentages = [s.progress.percentage for s in states]
        assert len([p for p in percentages if 0 < p < 100]) >= 3
        assert percentages == sorted(percentages)

    async def run() -> tuple[str, str]:
        async with AsyncClient(node.base_url, token, TENANT, PROJECT) as client:
            started = await client.start("Steps", parameters={"records": 5, "sleep": 0.05})
            final = await client.wait(started.operation_id, **slow_polls)
            seen = [s async for s in client.follow(started.operation_id, **slow_polls)]
            return final.status, seen[-1].status

    assert asyncio.run(run()) == ("Completed", "Completed")
