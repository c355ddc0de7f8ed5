"""The client's HTTP behaviour against scripted answers (httpx.MockTransport)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from minerun.client import (
    AsyncClient,
    Client,
    Conflict,
    IdempotencyConflict,
    IdempotencyMismatch,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    ServerError,
    ServiceUnavailable,
    Timeout,
    TooManyRequests,
    TransportError,
    Unauthorized,
    UnprocessableContent,
    WaitTimeout,
)
from minerun.client._base import retry_after
from minerun.client._transfer import filename
from minerun.client.errors import ApiError

BASE = "/api/t1/p1/async"
Handler = Callable[[httpx.Request], httpx.Response]


def problem(status: int, kind: str, detail: str = "no", **extra: Any) -> httpx.Response:
    body = {"type": f"https://minerun.dev/problems/{kind}", "title": "x", "status": status}
    return httpx.Response(
        status,
        json={**body, "detail": detail, **extra},
        headers={"content-type": "application/problem+json"},
    )


def client(handler: Handler, **options: Any) -> Client:
    pauses: list[float] = options.pop("pauses", [])
    return Client(
        "http://minerun.test",
        "tok",
        "t1",
        "p1",
        transport=httpx.MockTransport(handler),
        sleep=pauses.append,
        **options,
    )


def status_body(state: str, **progress: Any) -> dict[str, Any]:
    return {
        "operationId": "op1",
        "operationType": "Steps",
        "status": state,
        "progress": {"percentage": 0, **progress},
        "phases": [],
    }


@pytest.mark.parametrize(
    ("status", "kind", "expected"),
    [
        (400, "invalid-request", InvalidInput),
        (401, "unauthorized", Unauthorized),
        (404, "not-found", NotFound),
        (409, "conflict", Conflict),
        (409, "idempotency-in-progress", IdempotencyConflict),
        (413, "payload-too-large", PayloadTooLarge),
        (422, "unprocessable-content", UnprocessableContent),
        (422, "idempotency-key-reused", IdempotencyMismatch),
        (429, "slow-down", TooManyRequests),
        (500, "internal-error", ServerError),
        (503, "unavailable", ServiceUnavailable),
        (405, "http-error", ApiError),
    ],
)
def test_problem_answers_become_the_matching_exception(
    status: int, kind: str, expected: type[ApiError]
) -> None:
    with client(lambda r: problem(status, kind, "it went wrong"), retries=0) as c:
        with pytest.raises(expected) as caught:
            c.operation("op1")
    assert type(caught.value) is expected
    assert caught.value.status == status and caught.value.detail == "it went wrong"
    assert caught.value.type.endswith(kind)


def test_invalid_input_lists_fields_and_reasons() -> None:
    errors = [{"field": "parameters.records", "reason": "must be a non-negative integer"}]
    with client(lambda r: problem(400, "invalid-request", errors=errors)) as c:
        with pytest.raises(InvalidInput) as caught:
            c.start("Steps", parameters={"records": -1})
    assert caught.value.errors == errors
    assert isinstance(caught.value, ApiError)


def test_a_non_json_error_still_maps_by_status() -> None:
    with client(lambda r: httpx.Response(502, text="bad gateway"), retries=0) as c:
        with pytest.raises(ServerError, match="bad gateway"):
            c.dataset("d1")


def test_reads_retry_on_503_and_429_honouring_retry_after() -> None:
    answers = [
        problem(503, "unavailable"),
        httpx.Response(429, headers={"Retry-After": "2"}),
        httpx.Response(200, json=status_body("Running")),
    ]
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return answers[len(seen) - 1]

    pauses: list[float] = []
    with client(handler, pauses=pauses, backoff=0.1) as c:
        assert c.operation("op1").status == "Running"
    assert seen == [f"{BASE}/operation/op1"] * 3
    assert 0.05 <= pauses[0] <= 0.1, "backoff with jitter"
    assert pauses[1] == 2, "the server's Retry-After"


def test_retries_stop_after_the_budget() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return problem(503, "unavailable")

    with client(handler, retries=2) as c:
        with pytest.raises(ServiceUnavailable):
            c.operation("op1")
    assert len(calls) == 3


def test_a_start_reuses_its_idempotency_key_across_retries() -> None:
    keys: list[str | None] = []
    bodies: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        keys.append(request.headers.get("Idempotency-Key"))
        if len(keys) == 1:
            raise httpx.ReadError("connection reset")
        if len(keys) == 2:
            return problem(503, "unavailable")
        bodies.append(json.loads(request.content))
        return httpx.Response(
            202, json={"operationId": "op1", "operationType": "Steps", "status": "Initiated"}
        )

    with client(handler) as c:
        started = c.start("Steps", parameters={"records": 3}, priority="High")
        assert started.operation_id == "op1"
        c.start("Steps")
    assert bodies[0] == {"operationType": "Steps", "parameters": {"records": 3}, "priority": "High"}
    assert len(keys) == 4 and keys[0] and keys[0] == keys[1] == keys[2]
    assert keys[3] != keys[0], "each start has its own key"


def test_a_given_idempotency_key_is_sent() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Idempotency-Key"] == "mine"
        return httpx.Response(
            202, json={"operationId": "op1", "operationType": "Steps", "status": "Initiated"}
        )

    with client(handler) as c:
        c.start("Steps", idempotency_key="mine")


def test_a_retry_request_is_not_sent_twice_after_an_ambiguous_failure() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        raise httpx.ReadError("connection reset")

    with client(handler) as c:
        with pytest.raises(TransportError):
            c.retry("op1")
        with pytest.raises(ServiceUnavailable):
            client(lambda r: problem(503, "unavailable")).retry("op1")
    assert calls == ["POST"], "a POST without a key may have been acted on"


def test_a_refused_connection_is_retried_for_any_call() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if len(calls) == 1:
            raise httpx.ConnectError("refused")
        return httpx.Response(
            202, json={"originalOperationId": "op1", "newOperationId": "op2", "status": "Initiated"}
        )

    with client(handler) as c:
        assert c.retry("op1").new_operation_id == "op2"
    assert calls == ["POST", "POST"]


def test_timeouts_raise_timeout_after_retries() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with client(handler, retries=1) as c:
        with pytest.raises(Timeout):
            c.operation("op1")


def test_lists_follow_pages_until_the_last() -> None:
    pages: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        pages.append(f"{page}:{request.url.params['status']}:{request.url.params['pageSize']}")
        items = [
            {"operationId": f"op{page}{i}", "operationType": "Steps", "status": "Completed"}
            for i in range(2 if page < 3 else 1)
        ]
        body = {"operations": items, "page": page, "pageSize": 2, "hasNextPage": page < 3}
        return httpx.Response(200, json=body)

    with client(handler) as c:
        ids = [op.operation_id for op in c.operations(status="Completed", page_size=2)]
    assert ids == ["op10", "op11", "op20", "op21", "op30"]
    assert pages == ["1:Completed:2", "2:Completed:2", "3:Completed:2"]


def test_unknown_fields_are_kept() -> None:
    body = {**status_body("Completed"), "brandNew": {"x": 1}}
    with client(lambda r: httpx.Response(200, json=body)) as c:
        status = c.operation("op1")
    assert status.model_extra == {"brandNew": {"x": 1}}
    assert status.model_dump(by_alias=True)["brandNew"] == {"x": 1}


def test_wait_paces_itself_on_the_estimates_within_bounds() -> None:
    answers = [
        status_body("Running", estimatedRemainingSeconds=8),
        status_body("Running", estimatedRemainingSeconds=400, percentage=50),
        status_body("Running", percentage=90),
        status_body("Completed", percentage=100),
    ]
    pauses: list[float] = []
    with client(lambda r: httpx.Response(200, json=answers.pop(0)), pauses=pauses) as c:
        final = c.wait("op1", poll_min=0.5, poll_max=10, stream=False)
    assert final.status == "Completed" and final.terminal
    assert pauses == [2.0, 10.0, 0.5], "a quarter of the remaining time, bounded"


def test_follow_yields_each_change_once_and_ends_on_the_final_state() -> None:
    answers = [status_body("Initiated"), status_body("Initiated"), status_body("Completed")]
    with client(lambda r: httpx.Response(200, json=answers.pop(0))) as c:
        states = [s.status for s in c.follow("op1", poll_min=0.01)]
    assert states == ["Initiated", "Completed"]


def sse(*events: tuple[int, str]) -> httpx.Response:
    text = "".join(f": ping\nid: {i}\nevent: {kind}\ndata: {{}}\n\n" for i, kind in events)
    return httpx.Response(200, text=text, headers={"content-type": "text/event-stream"})


def test_follow_reads_the_status_at_each_event_and_resumes_after_the_last_event_seen() -> None:
    statuses = [
        status_body("Initiated"),
        status_body("Running", percentage=40),
        status_body("Running", percentage=40),  # the stream closed early: looked at again
        status_body("Completed", percentage=100),
    ]
    streams = [sse((7, "operation.started")), sse((9, "operation.completed"))]
    asked: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/events"):
            asked.append(request.headers.get("Last-Event-ID"))
            return streams.pop(0)
        return httpx.Response(200, json=statuses.pop(0))

    pauses: list[float] = []
    with client(handler, pauses=pauses) as c:
        seen = [(s.status, s.progress.percentage) for s in c.follow("op1")]
    assert seen == [("Initiated", 0), ("Running", 40), ("Completed", 100)]
    assert asked == [None, "7"], "the second stream resumes after the last event"
    assert pauses == [], "events, not timers, drive the follower"


def test_follow_polls_a_server_without_streams_and_after_streams_keep_failing() -> None:
    answers = [status_body("Running"), status_body("Running", percentage=50)]
    answers.append(status_body("Completed", percentage=100))

    def no_streams(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/events"):
            return problem(404, "not-found")
        return httpx.Response(200, json=answers.pop(0))

    with client(no_streams) as c:
        assert c.wait("op1", poll_min=0.01).status == "Completed"

    attempts = []
    polled = [status_body("Running")] * 5 + [status_body("Completed", percentage=100)]

    def broken(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/events"):
            attempts.append(request)
            raise httpx.ReadError("connection reset")
        return httpx.Response(200, json=polled.pop(0))

    with client(broken, retries=0) as c:
        assert c.wait("op1", poll_min=0.01).status == "Completed"
    assert len(attempts) == 3, "three broken streams in a row, then polling"


def test_async_follow_uses_the_stream_too() -> None:
    statuses = [status_body("Running"), status_body("Completed", percentage=100)]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/events"):
            return sse((1, "operation.completed"))
        return httpx.Response(200, json=statuses.pop(0))

    async def run() -> list[str]:
        async with AsyncClient(
            "http://minerun.test", "tok", "t1", "p1", transport=httpx.MockTransport(handler)
        ) as c:
            return [s.status async for s in c.follow("op1")]

    assert asyncio.run(run()) == ["Running", "Completed"]


def test_wait_gives_up_after_its_timeout_with_the_last_status() -> None:
    with client(lambda r: httpx.Response(200, json=status_body("Running"))) as c:
        with pytest.raises(WaitTimeout) as caught:
            c.wait("op1", timeout=0, poll_min=0.01)
    assert caught.value.last.status == "Running"


def test_upload_sends_the_file_and_the_mapping(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text("case;act;ts\n1;a;2024-01-01T00:00:00\n")

    def handler(request: httpx.Request) -> httpx.Response:
        content = request.read().decode()
        assert request.url.path == "/api/t1/p1/datasets"
        for part in ('name="caseIdColumn"\r\n\r\ncase', 'name="delimiter"\r\n\r\n;'):
            assert part in content
        assert 'filename="log.csv"' in content and "1;a;2024" in content
        return httpx.Response(201, json={"datasetId": "d1", "datasetName": "log.csv"})

    with client(handler) as c:
        dataset = c.upload_dataset(
            log, case_id="case", activity="act", timestamp="ts", delimiter=";"
        )
    assert dataset.dataset_id == "d1"
    with pytest.raises(TypeError, match="case_column"):
        client(handler).upload_dataset(log, case_column="case")


def test_downloads_use_the_server_file_name_and_leave_no_part(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"content-disposition": 'attachment; filename="../../op1-results.zip"'}
        return httpx.Response(200, content=b"PK zip", headers=headers)

    with client(handler) as c:
        saved = c.download_results("op1", tmp_path / "out")
    assert saved == tmp_path / "out" / "op1-results.zip"
    assert saved.read_bytes() == b"PK zip"
    assert sorted(p.name for p in saved.parent.iterdir()) == ["op1-results.zip"]


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINERUN_URL", "http://env.test/")
    for name, value in (("TOKEN", "envtok"), ("TENANT", "te"), ("PROJECT", "pe")):
        monkeypatch.setenv(f"MINERUN_{name}", value)

    def handler(request: httpx.Request) -> httpx.Response:
        assert str(request.url) == "http://env.test/api/te/pe/datasets/d1"
        assert request.headers["Authorization"] == "Bearer envtok"
        return httpx.Response(200, json={"datasetId": "d1", "datasetName": "x"})

    with Client(transport=httpx.MockTransport(handler)) as c:
        assert c.dataset("d1").dataset_id == "d1"


def test_a_missing_tenant_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MINERUN_TENANT", raising=False)
    with Client("http://x", "t", project="p") as c, pytest.raises(ValueError, match="tenant"):
        c.dataset("d1")


def test_the_async_client_shares_retries_keys_paging_and_errors() -> None:
    keys: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            keys.append(request.headers["Idempotency-Key"])
            if len(keys) == 1:
                return problem(503, "unavailable")
            return httpx.Response(
                202, json={"operationId": "op1", "operationType": "Steps", "status": "Initiated"}
            )
        if request.url.path.endswith("/webhooks"):
            page = int(request.url.params["page"])
            hooks = [{"webhookId": f"w{page}", "webhookUrl": "https://x", "status": "Active"}]
            body = {"webhooks": hooks, "page": page, "pageSize": 1, "hasNextPage": page < 2}
            return httpx.Response(200, json=body)
        return problem(404, "not-found")

    async def pause(seconds: float) -> None:
        return None

    async def scenario() -> None:
        transport = httpx.MockTransport(handler)
        async with AsyncClient("http://m", "t", "t1", "p1", transport=transport, sleep=pause) as c:
            assert (await c.start("Steps")).operation_id == "op1"
            assert [w.webhook_id async for w in c.webhooks(page_size=1)] == ["w1", "w2"]
            with pytest.raises(NotFound):
                await c.operation("nope")

    asyncio.run(scenario())
    assert len(keys) == 2 and keys[0] == keys[1]


def test_upload_progress_reaches_the_file_size(tmp_path: Path) -> None:
    log = tmp_path / "log.xes"
    log.write_bytes(b"<log>" + b"x" * 200_000 + b"</log>")
    told: list[tuple[int, int]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        return httpx.Response(201, json={"datasetId": "d1", "datasetName": "log.xes"})

    with client(handler) as c:
        c.upload_dataset(log, progress=lambda sent, total: told.append((sent, total)))
    size = log.stat().st_size
    assert told[-1] == (size, size) and all(total == size for _, total in told)
    assert [sent for sent, _ in told] == sorted(sent for sent, _ in told)


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("attachment; filename*=utf-8''r%C3%A9sultats.zip", "résultats.zip"),
        ('attachment; filename="model.bpmn"', "model.bpmn"),
        ('attachment; filename=".."', "fallback"),
        ("", "fallback"),
    ],
)
def test_download_names_are_safe_base_names(header: str, name: str) -> None:
    response = httpx.Response(200, headers={"content-disposition": header} if header else {})
    assert filename(response, "fallback") == name


def test_retry_after_reads_seconds_and_dates() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert retry_after({"retry-after": "7"}, now) == 7
    assert retry_after({"retry-after": "Thu, 01 Jan 2026 00:00:30 GMT"}, now) == 30
    assert retry_after({"retry-after": "soon"}, now) is None
    assert retry_after({}, now) is None


def test_an_upload_refused_at_connect_is_sent_again_whole(tmp_path: Path) -> None:
    log = tmp_path / "log.xes"
    log.write_bytes(b"<log>whole</log>")
    bodies: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(request.read())
        if len(bodies) == 1:
            raise httpx.ConnectError("refused")
        return httpx.Response(201, json={"datasetId": "d1", "datasetName": "log.xes"})

    with client(handler) as c:
        assert c.upload_dataset(log).dataset_id == "d1"
    assert len(bodies) == 2 and b"<log>whole</log>" in bodies[1]


class BrokenBody(httpx.SyncByteStream):
    def __iter__(self) -> Iterator[bytes]:
        yield b"half of it"
        raise httpx.ReadError("connection cut")


def test_a_download_cut_half_way_is_fetched_again_and_leaves_no_part(tmp_path: Path) -> None:
    answers = [
        httpx.Response(200, stream=BrokenBody()),
        httpx.Response(200, content=b"the whole file"),
    ]
    with client(lambda r: answers.pop(0)) as c:
        saved = c.download_artifact("op1", "a1", tmp_path)
    assert saved == tmp_path / "a1" and saved.read_bytes() == b"the whole file"
    assert [p.name for p in tmp_path.iterdir()] == ["a1"]

    with client(lambda r: httpx.Response(200, stream=BrokenBody()), retries=0) as c:
        with pytest.raises(TransportError):
            c.download_artifact("op1", "a2", tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["a1"]


def test_ids_stay_one_path_segment() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.raw_path == b"/api/t1/p1/async/operation/a%2Fb%3Fc"
        return problem(404, "not-found")

    with client(handler) as c, pytest.raises(NotFound):
        c.operation("a/b?c")
