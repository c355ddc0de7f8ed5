"""Webhook subscriptions and the project's callback secret: the rules above the store."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from minerun.config import Settings
from minerun.domain.records import Scope
from minerun.exceptions import InvalidInput
from minerun.notify.errors import InvalidSecretError, UnsafeUrlError
from minerun.notify.signing import generate_secret, secret_key
from minerun.notify.ssrf import CheckedUrl, check_url
from minerun.store.webhooks import WebhookStore

ROTATION_GRACE = timedelta(hours=24)
"""How long a replaced secret keeps signing beside the new one (receivers switch over)."""


@dataclass(frozen=True, slots=True)
class Saved:
    """A subscription as stored; ``secret`` is set only when it was just made or rotated."""

    row: dict[str, Any]
    secret: str | None = None
    url_note: str | None = None


class WebhookService:
    def __init__(self, settings: Settings, store: WebhookStore) -> None:
        self.settings = settings
        self.store = store

    def check(self, url: str, field: str = "webhookUrl") -> CheckedUrl:
        """The SSRF check at registration, reported against ``field``."""
        try:
            return check_url(url, self.settings.webhook_allow_private)
        except UnsafeUrlError as exc:
            raise InvalidInput(
                f"{field} is refused: {exc.reason}",
                errors=[{"field": field, "reason": exc.reason}],
            ) from None

    def check_callbacks(self, callbacks: dict[str, Any] | None) -> None:
        """The same check for an operation's callback URLs, before the operation is accepted."""
        errors = []
        for name, url in (callbacks or {}).items():
            try:
                self.check(str(url), f"callbacks.{name}")
            except InvalidInput as exc:
                errors.extend(exc.errors)
        if errors:
            raise InvalidInput("A callback URL is refused.", errors=errors)

    def create(self, scope: Scope, fields: dict[str, Any]) -> Saved:
        """Register a subscription; a secret is generated when none is given."""
        checked = self.check(fields["url"])
        secret = fields.pop("secret", None) or generate_secret()
        _check_secret(secret)
        now = _now()
        row = {
            "id": f"wh-{uuid.uuid4()}",
            "tenant_id": scope.tenant_id,
            "project_id": scope.project_id,
            "secret": secret,
            "status": "Active",
            "created_at": now,
            "updated_at": now,
            **fields,
        }
        return Saved(self.store.create(row), secret, checked.note)

    def update(
        self, scope: Scope, subscription_id: str, fields: dict[str, Any], rotate: bool
    ) -> Saved:
        """Change, pause, resume or rotate; a Disabled subscription is resumed by ``Active``."""
        current = self.store.get(scope, subscription_id)
        note = self.check(fields["url"]).note if "url" in fields else None
        now = _now()
        values = {**fields, "updated_at": now}
        secret = values.pop("secret", None)
        if rotate and secret is None:
            secret = generate_secret()
        if secret is not None:
            _check_secret(secret)
            values |= {
                "secret": secret,
                "previous_secret": current["secret"],
                "previous_secret_until": now + ROTATION_GRACE,
            }
        if "status" in values:
            values["status_reason"] = None
        return Saved(self.store.update(scope, subscription_id, values), secret, note)

    def signing_secret(self, scope: Scope) -> dict[str, Any]:
        return self.store.signing_secret(scope, _now())

    def rotate_signing_secret(self, scope: Scope) -> dict[str, Any]:
        now = _now()
        return self.store.rotate_signing_secret(scope, generate_secret(), now + ROTATION_GRACE, now)

    def test(self, scope: Scope, subscription_id: str) -> str:
        return self.store.enqueue_test(scope, subscription_id, _now())

    def redeliver(self, scope: Scope, subscription_id: str, delivery_id: str) -> dict[str, Any]:
        return self.store.redeliver(scope, subscription_id, delivery_id, _now())


def _check_secret(secret: str) -> None:
    try:
        secret_key(secret)
    except InvalidSecretError as exc:
        raise InvalidInput(
            f"authentication.secret is not valid: {exc.reason}",
            errors=[{"field": "authentication.secret", "reason": exc.reason}],
        ) from None


def _now() -> datetime:
    return datetime.now(UTC)
