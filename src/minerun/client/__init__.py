"""Python helpers for programs that talk to minerun."""

from minerun.client.webhooks import verify_webhook
from minerun.notify.errors import SignatureError

__all__ = ["SignatureError", "verify_webhook"]
