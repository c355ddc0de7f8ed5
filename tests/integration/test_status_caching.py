"""Status answers for pollers: Retry-After from the estimate, ETag and 304, gzip on ask."""

from __future__ import annotations

import gzip
import json

import pytest

from minerun.config import Settings
from minerun.domain.estimates import RETRY_AFTER_MAX, RETRY_AFTER_MIN
from tests.support.api import running_api

SLOW = {"records": 40, "sleep": 0.1}


def test_202_and_unfinished_status_carry_retry_after_finished_ones_do_not(
    settings: Settings,
) -> None:
    with running_api(settings) as api:
        response = api.client.post(
            f"{api.base}/operation",
            json={"operationType": "Steps", "parameters": SLOW},
            headers=api.headers,
        )
        assert response.status_code == 202
        assert RETRY_AFTER_MIN <= int(response.headers["Retry-After"]) <= RETRY_AFTER_MAX
        operation_id = response.json()["operationId"]

        api.wait_status(operation_id, "Running")
        running = api.client.get(f"{api.base}/operation/{operation_id}", headers=api.headers)
        if running.json()["status"] == "Running":
            remaining = running.json()["progress"]["estimatedRemainingSeconds"]
            hint = int(running.headers["Retry-After"])
            assert RETRY_AFTER_MIN <= hint <= RETRY_AFTER_MAX
            if remaining is not None and remaining / 4 >= RETRY_AFTER_MIN:
                # A quarter of the time left, rounded up (the answer's figure is rounded).
                assert abs(hint - remaining / 4) <= 1.5

        api.wait_status(operation_id)
        done = api.client.get(f"{api.base}/operation/{operation_id}", headers=api.headers)
        assert done.status_code == 200 and "Retry-After" not in done.headers

        retried = api.client.post(
            f"{api.base}/operation/{operation_id}/retry", json={}, headers=api.headers
        )
        if retried.status_code == 202:
            assert RETRY_AFTER_MIN <= int(retried.headers["Retry-After"]) <= RETRY_AFTER_MAX


def test_etag_gives_304_until_the_answer_changes_and_gzip_is_sent_on_ask(
    settings: Settings,
) -> None:
    with running_api(settings) as api:
        operation_id = api.start(parameters={"records": 3})["operationId"]
        api.wait_status(operation_id)
        url = f"{api.base}/operation/{operation_id}"

        first = api.client.get(url, headers={**api.headers, "Accept-Encoding": "identity"})
        tag = first.headers["ETag"]
        assert tag.startswith('W/"') and "Content-Encoding" not in first.headers

        again = api.client.get(url, headers={**api.headers, "If-None-Match": tag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["ETag"] == tag

        other = api.client.get(url, headers={**api.headers, "If-None-Match": 'W/"0000"'})
        assert other.status_code == 200 and other.json() == first.json()

        # httpx would decompress silently: read the raw bytes to see what was sent.
        with api.client.stream(
            "GET", url, headers={**api.headers, "Accept-Encoding": "gzip"}
        ) as zipped:
            raw = b"".join(zipped.iter_raw())
            assert zipped.headers["Content-Encoding"] == "gzip"
            assert zipped.headers["ETag"] == tag
        assert json.loads(gzip.decompress(raw)) == first.json()
        assert len(raw) < len(first.content)


@pytest.mark.parametrize("header", ["gzip;q=0", "br", ""])
def test_no_gzip_unless_accepted(settings: Settings, header: str) -> None:
    with running_api(settings, worker=False) as api:
        operation_id = api.start(parameters={"records": 3})["operationId"]
        answer = api.client.get(
            f"{api.base}/operation/{operation_id}",
            headers={**api.headers, "Accept-Encoding": header},
        )
        assert answer.status_code == 200 and "Content-Encoding" not in answer.headers
