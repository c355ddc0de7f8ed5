"""Post a notification to Slack, through the Web API or an incoming-webhook URL.

The Web API (``chat.postMessage`` with a bot token) answers HTTP 200 even when it refuses a
message, with ``{"ok": false, "error": "..."}`` in the body: that is a failure. An incoming
webhook answers ``ok`` on success and an HTTP error with a short code otherwise. Both the
token and the webhook URL come from the operator's settings, so they are not put through
the SSRF guard, and the base URL can point at a stand-in for tests.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from minerun.notify.backoff import parse_retry_after
from minerun.notify.errors import DeliveryError

SLACK_API_BASE_URL = "https://slack.com/api"
# Web API error codes after which the same request may succeed later.
_TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
_SPECIAL_MENTIONS = frozenset({"here", "channel", "everyone"})
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_GROUP_ID = re.compile(r"S[A-Z0-9]{2,}")


@dataclass(frozen=True, slots=True)
class SlackSettings:
    """Either ``token`` and ``channel`` (Web API) or ``webhook_url``; neither: not configured."""

    token: str | None = field(default=None, repr=False)
    channel: str | None = None
    webhook_url: str | None = field(default=None, repr=False)
    base_url: str = SLACK_API_BASE_URL
    timeout: float = 10.0

    def __post_init__(self) -> None:
        if self.token is not None and self.webhook_url is not None:
            raise ValueError("configure Slack with a token or a webhook URL, not both")
        if self.token is not None and not self.channel:
            raise ValueError("a Slack token needs a channel")

    @property
    def mode(self) -> Literal["api", "webhook"] | None:
        """How messages are posted, or None when Slack is not configured."""
        if self.token is not None:
            return "api"
        return "webhook" if self.webhook_url is not None else None


@dataclass(frozen=True, slots=True)
class SlackReceipt:
    """Where the message went; ``channel`` and ``ts`` are known through the Web API only."""

    channel: str | None
    ts: str | None


def render_mention(mention: str) -> str:
    """Slack's markup for a mention: a user id (``U…``/``W…``), a user group id (``S…``),
    or ``here``, ``channel``, ``everyone`` (a leading ``@`` is allowed).

    Slack no longer resolves ``@name``, so anything else raises ``ValueError``.
    """
    name = mention.removeprefix("@")
    if name.lower() in _SPECIAL_MENTIONS:
        return f"<!{name.lower()}>"
    if _USER_ID.fullmatch(name):
        return f"<@{name}>"
    if _GROUP_ID.fullmatch(name):
        return f"<!subteam^{name}>"
    raise ValueError(
        f"{mention!r} is not a Slack user id, user group id, here, channel or everyone"
    )


def escape_text(text: str) -> str:
    """Escape the three characters Slack reads as markup (``&``, ``<``, ``>``)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def format_message(text: str, mentions: Sequence[str] = ()) -> str:
    """The message text: the rendered mentions first, then ``text`` escaped."""
    return " ".join([*(render_mention(mention) for mention in mentions), escape_text(text)])


def post_slack_message(
    settings: SlackSettings,
    text: str,
    mentions: Sequence[str] = (),
    client: httpx.Client | None = None,
) -> SlackReceipt:
    """Post ``text`` with ``mentions``; raise :class:`DeliveryError` unless Slack accepted it.

    Pass ``client`` to reuse connections; otherwise one is opened for this message. Raises
    ``ValueError`` when Slack is not configured (callers report that channel as skipped).
    """
    if settings.mode is None:
        raise ValueError("Slack is not configured")
    message = format_message(text, mentions)
    owned = client is None
    http = client if client is not None else httpx.Client(follow_redirects=False)
    try:
        if settings.token is not None:
            return _post_api(http, settings, settings.token, message)
        return _post_webhook(http, settings, message)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"Slack could not be reached: {exc}", channel="slack") from exc
    finally:
        if owned:
            http.close()


def _post_api(
    http: httpx.Client, settings: SlackSettings, token: str, message: str
) -> SlackReceipt:
    response = http.post(
        settings.base_url.rstrip("/") + "/chat.postMessage",
        headers={"authorization": f"Bearer {token}"},
        json={"channel": settings.channel, "text": message},
        timeout=settings.timeout,
    )
    if response.status_code != 200:
        raise _http_failure(response)
    answer = _json_object(response)
    if answer.get("ok") is not True:
        error = str(answer.get("error", "unknown_error"))
        raise DeliveryError(
            f"Slack refused the message: {error}",
            channel="slack",
            permanent=error not in _TRANSIENT_ERRORS,
            status_code=response.status_code,
        )
    channel, ts = answer.get("channel"), answer.get("ts")
    return SlackReceipt(str(channel) if channel else None, str(ts) if ts else None)


def _post_webhook(http: httpx.Client, settings: SlackSettings, message: str) -> SlackReceipt:
    assert settings.webhook_url is not None
    response = http.post(settings.webhook_url, json={"text": message}, timeout=settings.timeout)
    if response.status_code != 200:
        raise _http_failure(response)
    return SlackReceipt(None, None)


def _http_failure(response: httpx.Response) -> DeliveryError:
    status = response.status_code
    return DeliveryError(
        f"Slack answered HTTP {status}: {response.text[:200]}",
        channel="slack",
        permanent=400 <= status < 500 and status != 429,
        status_code=status,
        retry_after_seconds=parse_retry_after(response.headers.get("retry-after")),
    )


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError as exc:
        raise DeliveryError(
            "Slack answered with something other than JSON", channel="slack"
        ) from exc
    if not isinstance(answer, dict):
        raise DeliveryError("Slack answered with JSON that is not an object", channel="slack")
    return answer
