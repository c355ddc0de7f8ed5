"""Fixtures of the browser tests: Debian's Chromium driven by Playwright, against a live
``minerun serve`` on SQLite.

The browser is the system's ``/usr/bin/chromium`` (the project's test set-up installs it);
Playwright never downloads one. Without it the tests skip, saying so. A failing test leaves a
screenshot of the page it was on in its tmp dir (``screenshots/failure.png``), beside the
screenshots of the views it went through.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.acceptance.processes import Cluster, Node

CHROMIUM = Path(os.environ.get("MINERUN_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# A laptop screen: every view must be usable at this size.
VIEWPORT = {"width": 1280, "height": 800}
# Bounds for a busy machine, not expectations.
UI_TIMEOUT_MS = 60_000


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium (make test does as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    folder = tmp_path / "screenshots"
    folder.mkdir()
    return folder


@pytest.fixture
def page(browser: Any, screenshots: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    context.set_default_timeout(UI_TIMEOUT_MS)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.on(
        "console",
        lambda message: errors.append(message.text) if message.type == "error" else None,
    )
    opened.script_errors = errors
    yield opened
    call = getattr(request.node, "report_call", None)
    if call is not None and call.failed:
        opened.screenshot(path=str(screenshots / "failure.png"), full_page=True)
    context.close()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    (tmp_path / "cluster").mkdir()
    url = f"sqlite:///{tmp_path / 'cluster' / 'minerun.db'}"
    with Cluster(url, tmp_path / "cluster", settings={"worker_slots": 2}) as made:
        yield made


@pytest.fixture
def served(cluster: Cluster) -> tuple[Node, str]:
    token = cluster.create_token()
    return cluster.serve(), token
