"""Times, money and resources read the same in every answer and every event payload."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from minerun.config import Settings
from minerun.store import tables_notify as tn
from tests.support.api import Api, running_api

TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
LOOKS_LIKE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T")


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    local = settings.model_copy(update={"webhook_allow_private": True})
    with running_api(local, worker=False) as api:
        yield api


def times(document: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(document, dict):
        for key, value in document.items():
            where = f"{path}.{key}"
            if isinstance(value, str) and LOOKS_LIKE_TIME.match(value):
                yield where, value
            else:
                yield from times(value, where)
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from times(value, f"{path}.{index}")


def test_cancellation_retry_and_events_use_one_time_format_and_whole_numbers(api: Api) -> None:
    started = api.start(
        parameters={"resourceAllocation": {"cpuUnits": 3, "memoryGB": 5}},
        callbacks={"onCompletion": "http://127.0.0.1:9/done"},
    )
    operation_id = started["operationId"]
    url = f"{api.base}/operation/{operation_id}"
    cancel = api.client.request(
        "DELETE", url, json={"reason": "changed"}, headers=api.headers
    ).json()
    assert isinstance(cancel["progressAtCancellation"], int)
    assert cancel["resourcesReleased"]["cpuUnits"] == 3
    assert isinstance(cancel["resourcesReleased"]["cpuUnits"], int)
    assert isinstance(cancel["resourcesReleased"]["memoryGB"], int)
    status = api.status(operation_id)
    assert status["cancellation"]["cancellationTime"] == cancel["cancellationTime"]
    assert isinstance(status["cancellation"]["progressAtCancellation"], int)
    retry = api.client.post(f"{url}/retry", json={}, headers=api.headers).json()
    new = api.status(retry["newOperationId"])
    documents = {"start": started, "cancel": cancel, "status": status, "retry": retry, "new": new}
    with api.client.app.state.database.engine.connect() as conn:  # type: ignore[attr-defined]
        bodies = conn.execute(select(tn.outbox_events.c.body)).scalars().all()
    assert bodies, "the cancellation should have queued a callback"
    for index, body in enumerate(bodies):
        documents[f"event{index}"] = json.loads(body)
    checked = 0
    for name, document in documents.items():
        for where, value in times(document):
            assert TIME.match(value), (name, where, value)
            checked += 1
    assert checked > 10
