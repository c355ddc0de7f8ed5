"""The web console in a real browser (Chromium, headless) against a live ``minerun serve``:
sign in, upload a log, start an analysis and watch it complete without a reload, open its
map, download its PDF; cancel a long run and retry it; the page's security headers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.acceptance.processes import PROJECT, TENANT, Cluster, Node, Operations, wait_for
from tests.support.logs import csv_log
from tests.support.receiver import Receiver

pytestmark = pytest.mark.slow

# How long an analysis of the small generated log or a state change may take on a busy
# machine: a bound, not an expectation.
RUN_TIMEOUT_MS = 180_000
# Three phases of 60 chunks of half a second: long enough to cancel while it runs.
LONG_RUN = {"records": 600, "chunk": 10, "sleep": 0.5}


def sign_in(page: Any, node: Node, token: str) -> None:
    """Sign in with the keyboard alone: the token field has the focus, Tab moves on, Enter
    submits."""
    page.goto(f"{node.base_url}/ui")
    page.get_by_label("Bearer token").wait_for()
    page.keyboard.type(token)
    page.keyboard.press("Tab")
    page.keyboard.type(TENANT)
    page.keyboard.press("Tab")
    page.keyboard.type(PROJECT)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Operations").wait_for()
    assert token not in page.url


def overall_progress(page: Any) -> float:
    return float(page.get_by_label("Overall progress").evaluate("bar => bar.value"))


def test_the_page_carries_a_strict_policy_and_no_inline_code(served: tuple[Node, str]) -> None:
    node, _token = served
    answer = httpx.get(f"{node.base_url}/ui")
    assert answer.status_code == 200
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "default-src 'none'" in policy
    assert "<script>" not in answer.text and "style=" not in answer.text
    assert (
        httpx.get(f"{node.base_url}/ui/app.js")
        .headers["content-type"]
        .startswith("text/javascript")
    )
    assert httpx.get(f"{node.base_url}/ui/missing.js").status_code == 404
    assert httpx.get(f"{node.base_url}/ui/..%2Fapp.py").status_code == 404


def test_upload_analyse_watch_map_and_report(
    served: tuple[Node, str], page: Any, tmp_path: Path, screenshots: Path
) -> None:
    node, token = served
    sign_in(page, node, token)
    assert token not in page.url
    page.screenshot(path=str(screenshots / "operations-empty.png"))

    page.get_by_role("link", name="Datasets").click()
    log = tmp_path / "claims.csv"
    log.write_text(csv_log(cases=120))
    page.get_by_label("File (CSV, XES, XES.GZ, Parquet)").set_input_files(str(log))
    # The mapping is proposed from the header, with the first rows shown.
    preview = page.get_by_role("table", name="First rows of the file")
    preview.wait_for()
    assert preview.locator("th").all_inner_texts() == ["case", "activity", "time", "who"]
    assert page.get_by_label("Case id column").input_value() == "case"
    assert page.get_by_label("Activity column").input_value() == "activity"
    assert page.get_by_label("Timestamp column", exact=True).input_value() == "time"
    page.get_by_label("Resource column").select_option("who")
    page.screenshot(path=str(screenshots / "datasets-mapping.png"), full_page=True)
    page.get_by_role("button", name="Upload", exact=True).click()
    page.get_by_text("Uploaded: claims").wait_for()
    assert page.get_by_label("Upload progress").evaluate("bar => bar.value") == 100
    row = page.get_by_role("table", name="Datasets").get_by_role("row").filter(has_text="claims")
    assert "120" in row.inner_text()  # its cases, as the API counted them
    page.get_by_role("heading", name="Validation issues").wait_for()
    page.screenshot(path=str(screenshots / "datasets-uploaded.png"), full_page=True)

    row.get_by_role("button", name="Start an operation on claims").click()
    page.get_by_label("Kind").select_option("ProcessMiningAnalysis")
    page.get_by_label("Analysis", exact=True).select_option("comprehensive")
    page.screenshot(path=str(screenshots / "datasets-analysis-form.png"), full_page=True)
    page.get_by_role("button", name="Start", exact=True).click()
    page.wait_for_url(re.compile(r"#/operation/[\w-]+$"))
    page.evaluate("window.consoleMarker = 'not reloaded'")

    seen: list[float] = []
    status = page.locator(".heading .badge")
    deadline_polls = RUN_TIMEOUT_MS // 100
    for _ in range(deadline_polls):
        seen.append(overall_progress(page))
        if status.inner_text() == "Completed":
            break
        if status.inner_text() in ("Failed", "Cancelled", "Timeout"):
            pytest.fail(f"the analysis ended {status.inner_text()}: {page.inner_text('main')}")
        page.wait_for_timeout(100)
    else:
        pytest.fail(f"not Completed in {RUN_TIMEOUT_MS} ms; progress seen {seen[-5:]}")
    seen.append(overall_progress(page))
    assert page.evaluate("window.consoleMarker") == "not reloaded"
    assert seen[-1] == 100
    assert seen == sorted(seen), "the progress bar went backwards"
    assert page.locator(".timeline .phase").count() >= 3
    assert page.locator(".timeline .phase .badge").all_inner_texts() == ["Completed"] * (
        page.locator(".timeline .phase").count()
    )

    image = page.get_by_role("img", name=re.compile("process map"))
    image.wait_for()
    page.wait_for_function("() => document.querySelector('img.map')?.naturalWidth > 0")
    assert image.get_attribute("src").startswith("blob:")
    page.screenshot(path=str(screenshots / "operation-completed.png"), full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download Process Mining Analysis Report (PDF)").click()
    saved = tmp_path / "report.pdf"
    download_info.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")

    page.get_by_role("link", name="Datasets").click()
    page.get_by_role("button", name="Delete claims").click()
    page.get_by_role("dialog", name="Delete claims?").get_by_role(
        "button", name="Delete dataset"
    ).click()
    page.get_by_role("cell", name="No dataset yet", exact=False).wait_for()
    assert page.script_errors == []


def test_cancel_a_long_run_and_retry_it(
    served: tuple[Node, str], page: Any, screenshots: Path
) -> None:
    node, token = served
    sign_in(page, node, token)
    ops = Operations.open(node, token)
    try:
        # The list shows a new operation and its progress as it runs, without a reload.
        page.evaluate("window.consoleMarker = 'not reloaded'")
        operation_id = ops.start(LONG_RUN, operationName="long run")
        row = page.locator(f'tr[data-operation-id="{operation_id}"]')
        row.wait_for()
        row.locator(".badge", has_text="Running").wait_for(timeout=RUN_TIMEOUT_MS)
        page.wait_for_function(
            "id => Number(document.querySelector(`tr[data-operation-id='${id}'] progress`)"
            "?.value) > 0",
            arg=operation_id,
            timeout=RUN_TIMEOUT_MS,
        )
        assert page.evaluate("window.consoleMarker") == "not reloaded"
        page.screenshot(path=str(screenshots / "operations-live.png"), full_page=True)

        row.get_by_role("link", name="long run").click()
        page.locator(".heading .badge", has_text="Running").wait_for()
        page.locator('[data-phase="Load"] .badge', has_text="Running").wait_for()
        page.get_by_role("button", name="Cancel…").click()
        dialog = page.get_by_role("dialog", name="Cancel this operation?")
        dialog.get_by_label("Cooperative").check()
        dialog.get_by_label("Reason (optional)").fill("checking the console")
        page.screenshot(path=str(screenshots / "operation-cancel-dialog.png"))
        dialog.get_by_role("button", name="Cancel operation").click()
        page.locator(".heading .badge", has_text="Cancelled").wait_for(timeout=RUN_TIMEOUT_MS)
        assert ops.get(operation_id)["status"] == "Cancelled"

        page.get_by_role("button", name="Retry…").click()
        dialog = page.get_by_role("dialog", name="Retry this operation?")
        dialog.get_by_label("Resume").check()
        dialog.get_by_role("button", name="Retry operation").click()
        # The retry is a new operation, shown at once and followed live; it links back.
        page.wait_for_url(lambda url: "#/operation/" in url and not url.endswith(operation_id))
        retried = page.url.rsplit("/", 1)[-1]
        assert retried != operation_id
        page.get_by_role("link", name=re.compile(f"retry 1 of {operation_id}")).wait_for()
        page.locator(".heading .badge", has_text="Running").wait_for(timeout=RUN_TIMEOUT_MS)
        page.locator('[data-phase="Load"] .badge', has_text="Running").wait_for(
            timeout=RUN_TIMEOUT_MS
        )
        assert ops.get(retried)["status"] == "Running"
        assert ops.get(operation_id)["status"] == "Cancelled"
        page.screenshot(path=str(screenshots / "operation-retried.png"), full_page=True)
        assert page.evaluate("window.consoleMarker") == "not reloaded"
        assert page.script_errors == []
    finally:
        ops.close()


def test_webhooks_subscribe_ping_and_redeliver(
    cluster: Cluster, page: Any, screenshots: Path
) -> None:
    token = cluster.create_token()
    node = cluster.serve(webhook_allow_private=True)
    receiver = Receiver().start()
    try:
        sign_in(page, node, token)
        page.get_by_role("link", name="Webhooks").click()
        page.get_by_label("URL").fill(receiver.url)
        page.get_by_label("Name (optional)").fill("receiver")
        page.get_by_role("button", name="Subscribe").click()
        subscriptions = page.get_by_role("table", name="Subscriptions")
        subscriptions.get_by_role("row").filter(has_text="receiver").wait_for()

        page.get_by_role("button", name="Send a test ping to receiver").click()
        deliveries = page.get_by_role("table", name="Deliveries")
        wait_for(lambda: receiver.of_type("webhook.test"), 60, "the test ping to arrive")
        for _ in range(600):  # the log shows the delivery once the deliverer recorded it
            page.get_by_role("button", name="Deliveries of receiver").click()
            if deliveries.get_by_role("cell", name="delivered").count():
                break
            page.wait_for_timeout(100)
        assert deliveries.get_by_role("cell", name="webhook.test", exact=True).count() == 1
        page.screenshot(path=str(screenshots / "webhooks.png"), full_page=True)

        deliveries.get_by_role("button", name=re.compile("^Redeliver webhook.test")).click()
        wait_for(lambda: len(receiver.of_type("webhook.test")) >= 2, 60, "the redelivery")
        # The form is ready for another subscription, with its default events again.
        assert page.get_by_label("operation.completed").is_checked()
        assert not page.get_by_label("operation.progress").is_checked()
        assert page.script_errors == []
    finally:
        receiver.stop()


def test_a_token_that_does_not_reach_the_project_is_refused_and_forgotten(
    served: tuple[Node, str], page: Any
) -> None:
    node, token = served
    page.goto(f"{node.base_url}/ui")
    page.get_by_label("Bearer token").fill(token)
    page.get_by_label("Tenant id").fill(TENANT)
    page.get_by_label("Project id").fill("11111111-2222-4333-8444-555555555555")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").filter(has_text="does not reach").wait_for()
    assert page.evaluate("sessionStorage.length") == 0

    page.get_by_label("Bearer token").fill("mrt_not_a_token")
    page.get_by_label("Project id").fill(PROJECT)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").filter(has_text="not valid").wait_for()
    assert page.evaluate("sessionStorage.length") == 0
    assert not page.get_by_role("navigation", name="Sections").is_visible()
