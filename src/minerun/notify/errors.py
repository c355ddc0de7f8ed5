"""The errors the notification channels raise, in one hierarchy under ``MinerunError``.

    NotifyError
    ├── UnsafeUrlError       (also an InvalidInput: a refused URL is a bad request)
    │   └── UnresolvedHostError
    ├── InvalidSecretError   (also an InvalidInput)
    ├── SignatureError
    └── DeliveryError

The docstring of each class is its default message.
"""

from __future__ import annotations

from minerun.exceptions import InvalidInput, MinerunError


class NotifyError(MinerunError):
    """A notification could not be prepared or delivered."""


class UnsafeUrlError(NotifyError, InvalidInput):
    """The URL is not allowed as a notification target."""

    def __init__(self, reason: str, url: str | None = None) -> None:
        super().__init__(f"unsafe URL: {reason}", errors=[{"field": "url", "reason": reason}])
        self.reason = reason
        self.url = url


class InvalidSecretError(NotifyError, InvalidInput):
    """The signing secret is not valid."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"invalid secret: {reason}", errors=[{"field": "secret", "reason": reason}]
        )
        self.reason = reason


class SignatureError(NotifyError):
    """The webhook signature does not verify."""


class DeliveryError(NotifyError):
    """The message was not delivered.

    ``channel`` names the channel (``email``, ``slack``, ``webhook``); ``status_code`` (an
    HTTP status or SMTP reply code) and ``retry_after_seconds`` are set when the receiver
    answered with them. ``permanent`` is True when trying again cannot help (a refused
    recipient, a revoked token), False for network trouble, rate limits and server errors.
    """

    def __init__(
        self,
        message: str,
        *,
        channel: str,
        permanent: bool = False,
        status_code: int | None = None,
        retry_after_seconds: float | None = None,
    ) -> None:
        super().__init__(message)
        self.channel = channel
        self.permanent = permanent
        self.status_code = status_code
        self.retry_after_seconds = retry_after_seconds


class UnresolvedHostError(UnsafeUrlError):
    """The host name of the URL does not resolve."""
