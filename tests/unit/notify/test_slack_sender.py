"""Slack through the Web API and an incoming webhook, against a local stand-in for Slack."""

from __future__ import annotations

import json

import httpx
import pytest

from minerun.notify import DeliveryError, SlackSettings, post_slack_message
from minerun.notify.slack_sender import escape_text, format_message, render_mention

from .conftest import Receiver, Reply

API_PATH = "/api/chat.postMessage"


def api_settings(receiver: Receiver) -> SlackSettings:
    return SlackSettings(token="xoxb-test", channel="C0123", base_url=receiver.url("/api/"))


def json_reply(payload: object, status: int = 200, **headers: str) -> Reply:
    return Reply(
        status, {"content-type": "application/json", **headers}, json.dumps(payload).encode()
    )


def test_web_api_posts_with_bearer_token_and_rendered_mentions(receiver: Receiver) -> None:
    receiver.replies[API_PATH] = json_reply(
        {"ok": True, "channel": "C0123", "ts": "1700000000.000100"}
    )
    receipt = post_slack_message(
        api_settings(receiver),
        "Operation op_1 failed: <timeout> & retried",
        mentions=["U024BE7LH", "here"],
    )
    assert (receipt.channel, receipt.ts) == ("C0123", "1700000000.000100")
    (request,) = receiver.requests
    assert request.path == API_PATH
    assert request.headers["authorization"] == "Bearer xoxb-test"
    assert request.headers["content-type"].startswith("application/json")
    assert json.loads(request.body) == {
        "channel": "C0123",
        "text": "<@U024BE7LH> <!here> Operation op_1 failed: &lt;timeout&gt; &amp; retried",
    }


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        ("channel_not_found", True),
        ("invalid_auth", True),
        ("ratelimited", False),
        ("internal_error", False),
    ],
)
def test_web_api_ok_false_is_a_failure(receiver: Receiver, error: str, permanent: bool) -> None:
    receiver.replies[API_PATH] = json_reply({"ok": False, "error": error})
    with pytest.raises(DeliveryError, match=error) as failed:
        post_slack_message(api_settings(receiver), "hello")
    assert failed.value.permanent is permanent
    assert failed.value.channel == "slack" and failed.value.status_code == 200


def test_web_api_rate_limit_carries_retry_after(receiver: Receiver) -> None:
    receiver.replies[API_PATH] = json_reply(
        {"ok": False, "error": "ratelimited"}, 429, **{"retry-after": "30"}
    )
    with pytest.raises(DeliveryError) as failed:
        post_slack_message(api_settings(receiver), "hello")
    assert failed.value.status_code == 429 and failed.value.retry_after_seconds == 30.0
    assert not failed.value.permanent


def test_web_api_answer_that_is_not_json_is_a_failure(receiver: Receiver) -> None:
    receiver.replies[API_PATH] = Reply(200, {"content-type": "text/html"}, b"<html>proxy</html>")
    with pytest.raises(DeliveryError, match="other than JSON"):
        post_slack_message(api_settings(receiver), "hello")


def test_incoming_webhook(receiver: Receiver) -> None:
    settings = SlackSettings(webhook_url=receiver.url("/services/T0/B0/xyz"))
    assert settings.mode == "webhook"
    receipt = post_slack_message(settings, "Batch b_7 done", mentions=["@channel", "S0614TZR7"])
    assert (receipt.channel, receipt.ts) == (None, None)
    (request,) = receiver.requests
    assert request.path == "/services/T0/B0/xyz"
    assert "authorization" not in request.headers
    assert json.loads(request.body) == {"text": "<!channel> <!subteam^S0614TZR7> Batch b_7 done"}


@pytest.mark.parametrize(
    ("status", "body", "permanent"),
    [
        (404, b"channel_not_found", True),
        (400, b"invalid_payload", True),
        (500, b"rollup_error", False),
    ],
)
def test_incoming_webhook_errors(
    receiver: Receiver, status: int, body: bytes, permanent: bool
) -> None:
    receiver.replies["/hook"] = Reply(status, {}, body)
    with pytest.raises(DeliveryError, match=body.decode()) as failed:
        post_slack_message(SlackSettings(webhook_url=receiver.url()), "hello")
    assert failed.value.status_code == status and failed.value.permanent is permanent


def test_unreachable_slack_is_a_transient_failure(receiver: Receiver) -> None:
    url = receiver.url()
    receiver.close()
    with pytest.raises(DeliveryError, match="could not be reached") as failed:
        post_slack_message(SlackSettings(webhook_url=url, timeout=2), "hello")
    assert not failed.value.permanent


def test_caller_client_is_reused_and_left_open(receiver: Receiver) -> None:
    receiver.replies[API_PATH] = json_reply({"ok": True, "channel": "C0123", "ts": "1.2"})
    with httpx.Client() as client:
        for _ in range(3):
            post_slack_message(api_settings(receiver), "hello", client=client)
        assert not client.is_closed
    assert len({request.client_port for request in receiver.requests}) == 1


def test_settings_modes_and_validation() -> None:
    assert SlackSettings().mode is None
    assert SlackSettings(token="xoxb-1", channel="C1").mode == "api"
    with pytest.raises(ValueError, match="not both"):
        SlackSettings(token="xoxb-1", channel="C1", webhook_url="https://hooks.slack.com/x")
    with pytest.raises(ValueError, match="needs a channel"):
        SlackSettings(token="xoxb-1")
    with pytest.raises(ValueError, match="not configured"):
        post_slack_message(SlackSettings(), "hello")
    assert "xoxb-secret" not in repr(SlackSettings(token="xoxb-secret", channel="C1"))


@pytest.mark.parametrize(
    ("mention", "rendered"),
    [
        ("U024BE7LH", "<@U024BE7LH>"),
        ("@W123ABC", "<@W123ABC>"),
        ("S0614TZR7", "<!subteam^S0614TZR7>"),
        ("here", "<!here>"),
        ("@channel", "<!channel>"),
        ("everyone", "<!everyone>"),
    ],
)
def test_render_mention(mention: str, rendered: str) -> None:
    assert render_mention(mention) == rendered


@pytest.mark.parametrize("mention", ["@alice", "u024be7lh", "C0123", "", "<@U1>"])
def test_render_mention_refuses_names(mention: str) -> None:
    with pytest.raises(ValueError):
        render_mention(mention)


def test_text_is_escaped_so_it_cannot_mention() -> None:
    assert escape_text("<!channel> a&b") == "&lt;!channel&gt; a&amp;b"
    assert format_message("plain") == "plain"
