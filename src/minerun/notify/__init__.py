"""Delivery of notifications to the outside world: signed webhooks, e-mail and Slack.

The pieces here are pure of any database: signing (Standard Webhooks), the SSRF guard that
checks and pins outbound addresses, the HTTP, SMTP and Slack senders, and the retry delays.
"""

from minerun.notify.backoff import (
    STANDARD_WEBHOOKS_SCHEDULE,
    next_delay,
    parse_retry_after,
    schedule_delay,
)
from minerun.notify.email_sender import EmailReceipt, SmtpSettings, build_message, send_email
from minerun.notify.errors import (
    DeliveryError,
    InvalidSecretError,
    NotifyError,
    SignatureError,
    UnresolvedHostError,
    UnsafeUrlError,
)
from minerun.notify.http_sender import DeliveryOutcome, WebhookSender, send_webhook
from minerun.notify.signing import generate_secret, sign, verify, webhook_headers
from minerun.notify.slack_sender import (
    SlackReceipt,
    SlackSettings,
    format_message,
    post_slack_message,
    render_mention,
)
from minerun.notify.ssrf import (
    CheckedUrl,
    PinnedTarget,
    address_problem,
    check_url,
    resolve_and_pin,
)

__all__ = [
    "STANDARD_WEBHOOKS_SCHEDULE",
    "CheckedUrl",
    "DeliveryError",
    "DeliveryOutcome",
    "EmailReceipt",
    "InvalidSecretError",
    "NotifyError",
    "PinnedTarget",
    "SignatureError",
    "SlackReceipt",
    "SlackSettings",
    "SmtpSettings",
    "UnresolvedHostError",
    "UnsafeUrlError",
    "WebhookSender",
    "address_problem",
    "build_message",
    "check_url",
    "format_message",
    "generate_secret",
    "next_delay",
    "parse_retry_after",
    "post_slack_message",
    "render_mention",
    "resolve_and_pin",
    "schedule_delay",
    "send_email",
    "send_webhook",
    "sign",
    "verify",
    "webhook_headers",
]
