"""The console on PostgreSQL behind two API processes and a separate worker: the page, served
by one API process, follows live an operation started through the other."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.acceptance.processes import Cluster, Operations
from tests.browser.test_console import RUN_TIMEOUT_MS, sign_in
from tests.conftest import fresh_database

pytestmark = pytest.mark.slow

STEPS = {"records": 40, "chunk": 2, "sleep": 0.1}


@pytest.fixture
def pg_cluster(tmp_path: Path) -> Iterator[Cluster]:
    (tmp_path / "cluster").mkdir()
    with (
        fresh_database("postgresql", tmp_path) as url,
        Cluster(url, tmp_path / "cluster") as made,
    ):
        yield made


def test_two_api_processes_one_live_page(pg_cluster: Cluster, page: Any) -> None:
    token = pg_cluster.create_token()
    one, two = pg_cluster.api("api-1"), pg_cluster.api("api-2")
    pg_cluster.worker("worker-1")
    sign_in(page, one, token)
    page.evaluate("window.consoleMarker = 'not reloaded'")

    ops = Operations.open(two, token)
    try:
        operation_id = ops.start(STEPS, operationName="through the other API")
    finally:
        ops.close()
    row = page.locator(f'tr[data-operation-id="{operation_id}"]')
    row.locator(".badge", has_text="Completed").wait_for(timeout=RUN_TIMEOUT_MS)
    assert row.locator("progress").evaluate("bar => bar.value") == 100
    assert "worker-1" in row.inner_text()

    row.get_by_role("link", name="through the other API").click()
    page.locator(".heading .badge", has_text="Completed").wait_for()
    assert page.locator(".timeline .phase .badge").all_inner_texts() == ["Completed"] * 3
    assert page.evaluate("window.consoleMarker") == "not reloaded"
    assert page.script_errors == []
