"""The delivery worker: a thread that claims due outbox events and sends them.

Each round claims a batch, sends it on a pool of threads (webhooks and callbacks through
the SSRF guard and :class:`WebhookSender`, e-mail through SMTP, Slack through its API),
then records every attempt in one transaction. A failed attempt is retried on the
subscription's ``retryPolicy`` or the Standard Webhooks schedule, never sooner than a
``Retry-After`` asks; a 410 Gone disables the subscription. A target the SSRF guard refuses
(an address that resolves to a private or metadata range) fails at once, without retries.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine

from minerun.config import Settings
from minerun.metrics import DELIVERIES, DELIVERY_SECONDS
from minerun.notify import messages
from minerun.notify.backoff import next_delay, schedule_delay
from minerun.notify.email_sender import SmtpSettings, send_email
from minerun.notify.errors import DeliveryError, UnresolvedHostError, UnsafeUrlError
from minerun.notify.http_sender import WebhookSender
from minerun.notify.signing import RESERVED_HEADERS, webhook_headers
from minerun.notify.slack_sender import SlackSettings, post_slack_message, render_mention
from minerun.notify.ssrf import resolve_and_pin
from minerun.store.deliveries import Claimed, DeliveryStore, Endpoint, Result
from minerun.store.outbox import DELIVERED, FAILED, PENDING, SKIPPED

log = logging.getLogger(__name__)

BATCH = 64
LEASE_MARGIN_SECONDS = 5.0
JITTER = 0.2


@dataclass(frozen=True, slots=True)
class Attempt:
    """What one send produced, before the retry decision."""

    ok: bool
    status_code: int | None = None
    latency_ms: float | None = None
    error: str | None = None
    retry_after: float | None = None
    excerpt: str | None = None
    permanent: bool = False
    skipped: bool = False


@dataclass(frozen=True, slots=True)
class _Context:
    endpoints: dict[str, Endpoint]
    project_secrets: dict[Any, tuple[str, ...]]


class Deliverer:
    """Sends the outbox; run :meth:`run` in a thread, or :meth:`run_once` from tests."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.store = DeliveryStore(engine)
        self.sender = WebhookSender(
            settings.webhook_timeout_seconds, max_connections=max(settings.delivery_threads, 10)
        )
        self._pool = ThreadPoolExecutor(settings.delivery_threads, thread_name_prefix="deliver")
        self._slack = httpx.Client(follow_redirects=False, trust_env=False)

    @property
    def lease_seconds(self) -> float:
        # Long enough for an attempt that uses its whole timeout, then taken over.
        return 2 * self.settings.webhook_timeout_seconds + LEASE_MARGIN_SECONDS

    def run(self, stopping: threading.Event) -> None:
        """Deliver until ``stopping`` is set; a failing round is logged and tried again."""
        while not stopping.is_set():
            try:
                sent = self.run_once()
            except Exception:
                log.exception("delivery round failed")
                sent = 0
            if not sent:
                stopping.wait(self.settings.delivery_poll_seconds)
        self.close()

    def run_once(self) -> int:
        """Claim and send one batch; returns how many events were attempted."""
        claimed = self.store.claim(_now(), BATCH, self.lease_seconds)
        if not claimed:
            return 0
        context = self._context(claimed)
        results = list(self._pool.map(lambda event: self._deliver(event, context), claimed))
        self.store.record(results, _now())
        return len(claimed)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.sender.close()
        self._slack.close()

    def _context(self, claimed: list[Claimed]) -> _Context:
        now = _now()
        ids = [c.subscription_id for c in claimed if c.subscription_id]
        scopes = [c.scope for c in claimed if c.target_kind == "callback"]
        return _Context(self.store.endpoints(ids, now), self.store.project_secrets(scopes, now))

    def _deliver(self, event: Claimed, context: _Context) -> Result:
        senders: dict[str, Callable[[Claimed, _Context], Attempt]] = {
            "webhook": self._webhook,
            "callback": self._callback,
            "email": self._email,
            "slack": self._slack_message,
        }
        try:
            attempt = senders[event.target_kind](event, context)
        except Exception as exc:  # a bug in one delivery must not stop the others
            log.exception("delivery of %s failed unexpectedly", event.id)
            attempt = Attempt(ok=False, error=f"{type(exc).__name__}: {exc}")
        policy = None
        if event.subscription_id and event.subscription_id in context.endpoints:
            policy = context.endpoints[event.subscription_id].retry_policy
        result = decide(event, attempt, policy, _now())
        DELIVERIES.labels(event.target_kind, result.status).inc()
        if attempt.latency_ms is not None:
            DELIVERY_SECONDS.labels(event.target_kind).observe(attempt.latency_ms / 1000)
        return result

    # -- channels ---------------------------------------------------------------------------

    def _webhook(self, event: Claimed, context: _Context) -> Attempt:
        endpoint = context.endpoints.get(event.subscription_id or "")
        if endpoint is None:
            return Attempt(ok=False, error="the subscription no longer exists", permanent=True)
        return self._post(event, endpoint.url, endpoint.secrets, endpoint.headers)

    def _callback(self, event: Claimed, context: _Context) -> Attempt:
        return self._post(event, event.target or "", context.project_secrets[event.scope], {})

    def _post(
        self, event: Claimed, url: str, secrets: tuple[str, ...], extra: dict[str, str]
    ) -> Attempt:
        try:
            target = resolve_and_pin(url, self.settings.webhook_allow_private)
        except UnresolvedHostError as exc:  # DNS may answer later: an ordinary failure
            return Attempt(ok=False, error=exc.message)
        except UnsafeUrlError as exc:
            # The address will not become safe by waiting: give up at once, so that the
            # events queued behind this one for the same target are not held for a day.
            return Attempt(ok=False, error=exc.message, permanent=True)
        body = event.body.encode()
        headers = {k: v for k, v in extra.items() if k.lower() not in RESERVED_HEADERS}
        timestamp = int(_now().timestamp())
        headers.update(webhook_headers(list(secrets), event.id, timestamp, body))
        outcome = self.sender.send(target, url, headers, body)
        return Attempt(
            ok=outcome.ok,
            status_code=outcome.status_code,
            latency_ms=round(outcome.latency_ms, 3),
            error=outcome.error,
            retry_after=outcome.retry_after_seconds,
            excerpt=outcome.response_excerpt,
        )

    def _email(self, event: Claimed, _context: _Context) -> Attempt:
        s = self.settings
        if not (s.smtp_host and s.smtp_from):
            return Attempt(
                ok=False, skipped=True, error="e-mail is not configured (MINERUN_SMTP_HOST/FROM)"
            )
        smtp = SmtpSettings(
            host=s.smtp_host,
            from_address=s.smtp_from,
            port=s.smtp_port,
            security=s.smtp_security,
            username=s.smtp_username or None,
            password=s.smtp_password or None,
            timeout=s.webhook_timeout_seconds,
        )
        summary = messages.summarize(json.loads(event.body), self._base_url())
        recipients = [r for r in (event.target or "").split(",") if r]
        return _channel_attempt(lambda: send_email(smtp, recipients, summary.subject, summary.text))

    def _slack_message(self, event: Claimed, _context: _Context) -> Attempt:
        s = self.settings
        asked: dict[str, Any] = json.loads(event.target or "{}")
        channel = asked.get("channel") or s.slack_channel or None
        if not (s.slack_token or s.slack_webhook_url):
            return Attempt(
                ok=False,
                skipped=True,
                error="Slack is not configured (MINERUN_SLACK_TOKEN or MINERUN_SLACK_WEBHOOK_URL)",
            )
        slack = SlackSettings(
            token=s.slack_token or None,
            channel=channel,
            webhook_url=None if s.slack_token else s.slack_webhook_url,
            base_url=s.slack_base_url,
            timeout=s.webhook_timeout_seconds,
        )
        mentions, plain = _split_mentions(asked.get("mentionUsers") or [])
        text = messages.slack_text(messages.summarize(json.loads(event.body), self._base_url()))
        text = " ".join([*plain, text]) if plain else text
        return _channel_attempt(lambda: post_slack_message(slack, text, mentions, self._slack))

    def _base_url(self) -> str:
        s = self.settings
        return s.public_base_url or f"http://{s.host}:{s.port}"


def decide(
    event: Claimed, attempt: Attempt, policy: dict[str, Any] | None, now: datetime
) -> Result:
    """What follows an attempt: delivered, skipped, retried at a time, or given up."""
    result = Result(
        event,
        FAILED,
        status_code=attempt.status_code,
        latency_ms=attempt.latency_ms,
        error=attempt.error,
        excerpt=attempt.excerpt,
    )
    if attempt.ok:
        return replace(result, status=DELIVERED)
    if attempt.skipped:
        return replace(result, status=SKIPPED)
    if attempt.status_code == 410 and event.subscription_id:
        return replace(result, disable_subscription=True)
    delay = None if attempt.permanent else retry_delay(event.round_attempt, policy, attempt)
    if delay is None:
        return result
    return replace(result, status=PENDING, next_retry_at=now + timedelta(seconds=delay))


def retry_delay(failures: int, policy: dict[str, Any] | None, attempt: Attempt) -> float | None:
    """Seconds before the next attempt after ``failures`` failed ones; None: give up.

    With a ``retryPolicy`` there are ``maxRetries`` retries, ``retryDelay`` growing by
    ``backoffMultiplier`` up to ``maxDelay``; without one, the Standard Webhooks schedule.
    Both are spread by jitter, and a ``Retry-After`` is honoured up to the largest delay.
    """
    if policy:
        if failures > int(policy.get("maxRetries", 5)):
            return None
        cap = float(policy.get("maxDelay", 3600))
        delay = next_delay(
            failures,
            float(policy.get("retryDelay", 60)),
            max(float(policy.get("backoffMultiplier", 2.0)), 1.0),
            cap,
            JITTER,
        )
    else:
        scheduled = schedule_delay(failures + 1, jitter=JITTER / 2)
        if scheduled is None:
            return None
        delay, cap = scheduled, 10 * 3600.0
    if attempt.retry_after is not None:
        delay = max(delay, min(attempt.retry_after, cap))
    return delay


def _channel_attempt(send: Callable[[], object]) -> Attempt:
    try:
        send()
    except DeliveryError as exc:
        return Attempt(
            ok=False,
            status_code=exc.status_code,
            error=exc.message,
            retry_after=exc.retry_after_seconds,
            permanent=exc.permanent,
        )
    except ValueError as exc:  # refused settings or addresses: trying again cannot help
        return Attempt(ok=False, error=str(exc), permanent=True)
    return Attempt(ok=True)


def _split_mentions(names: list[str]) -> tuple[list[str], list[str]]:
    """Mentions Slack can resolve (ids, here, channel) and the others, shown as plain text."""
    usable, plain = [], []
    for name in names:
        try:
            render_mention(name)
            usable.append(name)
        except ValueError:
            plain.append(name if name.startswith("@") else f"@{name}")
    return usable, plain


def start_deliverer(
    settings: Settings, engine: Engine, stopping: threading.Event
) -> threading.Thread:
    """Start a delivery worker thread that stops when ``stopping`` is set."""
    deliverer = Deliverer(settings, engine)
    thread = threading.Thread(target=deliverer.run, args=(stopping,), name="deliverer", daemon=True)
    thread.start()
    return thread


def _now() -> datetime:
    return datetime.now(UTC)
