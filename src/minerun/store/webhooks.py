"""Queries of the API side about notifications: subscriptions, secrets, deliveries, counts."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, case, delete, func, insert, select, update

from minerun.domain.records import Scope
from minerun.exceptions import NotFound
from minerun.notify import events as ev
from minerun.store import tables_notify as tn
from minerun.store.deliveries import project_secret
from minerun.store.engine import reader
from minerun.store.outbox import PENDING, SENDING, active_subscriptions, new_message_id

s = tn.webhook_subscriptions.c
e = tn.outbox_events.c
d = tn.deliveries.c
g = tn.signing_secrets.c


@dataclass(frozen=True, slots=True)
class DeliveryStats:
    total: int
    successful: int
    failed: int
    average_ms: float | None
    last: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class OperationNotices:
    """What the status answer shows of an operation's callbacks and channels."""

    progress_sent: int
    last_progress: datetime | None
    successful: int
    failed: int
    channels: list[dict[str, Any]]


def _scoped(scope: Scope) -> Any:
    return and_(s.tenant_id == scope.tenant_id, s.project_id == scope.project_id)


# How long the count of subscriptions in a start answer may lag a change made elsewhere.
ACTIVE_CACHE_SECONDS = 1.0


class WebhookStore:
    """Every query the webhook endpoints and the status answer need."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._reader = reader(engine)
        self._active: dict[Scope, tuple[float, list[ev.Subscription]]] = {}

    # -- subscriptions ----------------------------------------------------------------------

    def create(self, row: dict[str, Any]) -> dict[str, Any]:
        with self.engine.begin() as conn:
            conn.execute(insert(tn.webhook_subscriptions).values(**row))
        self._active.pop(Scope(row["tenant_id"], row["project_id"]), None)
        return self.get(Scope(row["tenant_id"], row["project_id"]), row["id"])

    def get(self, scope: Scope, subscription_id: str) -> dict[str, Any]:
        """One subscription row of ``scope``; :class:`NotFound` otherwise."""
        with self._reader.connect() as conn:
            row = (
                conn.execute(
                    select(tn.webhook_subscriptions).where(_scoped(scope), s.id == subscription_id)
                )
                .mappings()
                .first()
            )
        if row is None:
            raise NotFound(f"Webhook {subscription_id} was not found.")
        return dict(row)

    def all(
        self, scope: Scope, page: int = 1, page_size: int | None = None
    ) -> list[dict[str, Any]]:
        """Subscriptions of a project, oldest first; one page of them with ``page_size``."""
        query = select(tn.webhook_subscriptions).where(_scoped(scope)).order_by(s.created_at, s.id)
        if page_size is not None:
            query = query.limit(page_size).offset((page - 1) * page_size)
        with self._reader.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def count(self, scope: Scope) -> int:
        with self._reader.connect() as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(tn.webhook_subscriptions).where(_scoped(scope))
                ).scalar_one()
            )

    def update(self, scope: Scope, subscription_id: str, values: dict[str, Any]) -> dict[str, Any]:
        self.get(scope, subscription_id)
        self._active.pop(scope, None)
        with self.engine.begin() as conn:
            conn.execute(
                update(tn.webhook_subscriptions)
                .where(_scoped(scope), s.id == subscription_id)
                .values(**values)
            )
        return self.get(scope, subscription_id)

    def delete(self, scope: Scope, subscription_id: str) -> None:
        """Forget a subscription, its queued events and its delivery history."""
        self.get(scope, subscription_id)
        self._active.pop(scope, None)
        with self.engine.begin() as conn:
            conn.execute(delete(tn.deliveries).where(d.subscription_id == subscription_id))
            conn.execute(delete(tn.outbox_events).where(e.subscription_id == subscription_id))
            conn.execute(delete(tn.webhook_subscriptions).where(s.id == subscription_id))

    def stats(self, subscription_ids: list[str]) -> dict[str, DeliveryStats]:
        """Attempt counts, mean latency and the last attempt of each subscription."""
        if not subscription_ids:
            return {}
        ok = func.sum(case((d.success.is_(True), 1), else_=0))
        query = (
            select(d.subscription_id, func.count(), ok, func.avg(d.latency_ms))
            .where(d.subscription_id.in_(subscription_ids))
            .group_by(d.subscription_id)
        )
        with self._reader.connect() as conn:
            counts = {r[0]: r[1:] for r in conn.execute(query)}
            last = {i: self._last(conn, i) for i in subscription_ids if i in counts}
        result = {}
        for i in subscription_ids:
            total, good, mean = counts.get(i, (0, 0, None))
            good = int(good or 0)
            mean_ms = None if mean is None else round(float(mean), 3)
            result[i] = DeliveryStats(int(total), good, int(total) - good, mean_ms, last.get(i))
        return result

    def _last(self, conn: Any, subscription_id: str) -> dict[str, Any] | None:
        row = (
            conn.execute(
                _attempts_query()
                .where(d.subscription_id == subscription_id)
                .order_by(d.attempted_at.desc(), d.attempt.desc())
                .limit(1)
            )
            .mappings()
            .first()
        )
        return None if row is None else dict(row)

    # -- deliveries -------------------------------------------------------------------------

    def deliveries(
        self, scope: Scope, subscription_id: str, page: int, page_size: int
    ) -> tuple[list[dict[str, Any]], bool]:
        """Attempts to one subscription, newest first; and whether more pages follow."""
        self.get(scope, subscription_id)
        query = (
            _attempts_query()
            .where(d.subscription_id == subscription_id)
            .order_by(d.attempted_at.desc(), d.attempt.desc())
            .offset((page - 1) * page_size)
            .limit(page_size + 1)
        )
        with self._reader.connect() as conn:
            rows = [dict(r) for r in conn.execute(query).mappings()]
        return rows[:page_size], len(rows) > page_size

    def redeliver(
        self, scope: Scope, subscription_id: str, delivery_id: str, now: datetime
    ) -> dict[str, Any]:
        """Send the event of an attempt again, with a fresh retry budget and the same id."""
        self.get(scope, subscription_id)
        with self.engine.begin() as conn:
            seq = conn.execute(
                select(d.event_seq).where(
                    d.id == delivery_id,
                    d.subscription_id == subscription_id,
                    d.tenant_id == scope.tenant_id,
                    d.project_id == scope.project_id,
                )
            ).scalar()
            if seq is None:
                raise NotFound(f"Delivery {delivery_id} was not found.")
            conn.execute(
                update(tn.outbox_events)
                .where(e.seq == seq, e.status.not_in([SENDING]))
                .values(
                    status=PENDING,
                    next_attempt_at=now,
                    round_attempts=0,
                    finished_at=None,
                    lease_until=None,
                )
            )
            row = conn.execute(select(e.id, e.event_type, e.status).where(e.seq == seq)).one()
        return {"eventId": row[0], "eventType": row[1], "status": row[2]}

    def enqueue_test(self, scope: Scope, subscription_id: str, now: datetime) -> str:
        """Queue a ``webhook.test`` ping to a subscription; returns its message id."""
        self.get(scope, subscription_id)
        message_id = new_message_id()
        body = ev.payload(ev.TEST, message_id, now, {"webhookId": subscription_id})
        with self.engine.begin() as conn:
            conn.execute(
                insert(tn.outbox_events).values(
                    id=message_id,
                    tenant_id=scope.tenant_id,
                    project_id=scope.project_id,
                    operation_id=None,
                    event_type=ev.TEST,
                    target_kind="webhook",
                    subscription_id=subscription_id,
                    target=None,
                    order_key=f"test|{message_id}",
                    body=json.dumps(body, separators=(",", ":")),
                    status=PENDING,
                    attempts=0,
                    round_attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
        return message_id

    # -- the project's callback secret ------------------------------------------------------

    def signing_secret(self, scope: Scope, now: datetime) -> dict[str, Any]:
        """The project's callback signing secret (made on first use)."""
        return dict(project_secret(self.engine, scope, now)[1])

    def rotate_signing_secret(
        self, scope: Scope, secret: str, grace_until: datetime, now: datetime
    ) -> dict[str, Any]:
        """Replace the secret; the old one keeps signing too until ``grace_until``."""
        current = self.signing_secret(scope, now)
        with self.engine.begin() as conn:
            conn.execute(
                update(tn.signing_secrets)
                .where(g.tenant_id == scope.tenant_id, g.project_id == scope.project_id)
                .values(
                    secret=secret,
                    previous_secret=current["secret"],
                    previous_secret_until=grace_until,
                    rotated_at=now,
                )
            )
        return self.signing_secret(scope, now)

    # -- what operations tell ---------------------------------------------------------------

    def targets_count(
        self,
        scope: Scope,
        operation_type: str,
        priority: str,
        callbacks: Mapping[str, Any] | None,
    ) -> int:
        """Subscriptions that will hear about such an operation, plus its callback URLs.

        Every start answer shows this count, so the project's subscriptions are read at most
        every ``ACTIVE_CACHE_SECONDS``; changes made through this process count at once.
        """
        subscriptions = self._active_subscriptions(scope)
        heard = sum(
            1
            for sub in subscriptions
            if any(sub.wants(kind, operation_type, priority) for kind in ev.EVENT_TYPES)
        )
        urls = {str(url) for url in (callbacks or {}).values() if url}
        return heard + len(urls)

    def _active_subscriptions(self, scope: Scope) -> list[ev.Subscription]:
        cached = self._active.get(scope)
        if cached is not None and time.monotonic() - cached[0] < ACTIVE_CACHE_SECONDS:
            return cached[1]
        with self._reader.connect() as conn:
            subscriptions = active_subscriptions(conn, scope)
        self._active[scope] = (time.monotonic(), subscriptions)
        return subscriptions

    def notices(self, operation_ids: Iterable[str]) -> dict[str, OperationNotices]:
        """Callback counts and channel records of each operation."""
        ids = list(operation_ids)
        if not ids:
            return {}
        with self._reader.connect() as conn:
            rows = conn.execute(
                select(
                    e.operation_id,
                    e.target_kind,
                    e.event_type,
                    e.status,
                    e.attempts,
                    e.finished_at,
                    e.last_error,
                    e.target,
                )
                .where(e.operation_id.in_(ids), e.target_kind.in_(["callback", "email", "slack"]))
                .order_by(e.seq)
            ).all()
        grouped: dict[str, list[Any]] = {i: [] for i in ids}
        for row in rows:
            grouped[row[0]].append(row)
        return {i: _notices(grouped[i]) for i in ids}


def _notices(rows: list[Any]) -> OperationNotices:
    callbacks = [r for r in rows if r[1] == "callback"]
    progress = [r for r in callbacks if r[2] == ev.PROGRESS and r[3] == "delivered"]
    channels = [
        {
            "channel": r[1],
            "eventType": r[2],
            "status": r[3],
            "attempts": r[4],
            "at": ev.iso(r[5]),
            "reason": r[6],
            "recipients": r[7].split(",") if r[1] == "email" and r[7] else None,
        }
        for r in rows
        if r[1] in ("email", "slack")
    ]
    return OperationNotices(
        progress_sent=len(progress),
        last_progress=max((r[5] for r in progress if r[5] is not None), default=None),
        successful=sum(1 for r in callbacks if r[3] == "delivered"),
        failed=sum(1 for r in callbacks if r[3] == "failed"),
        channels=channels,
    )


def _attempts_query() -> Any:
    return select(
        d.id.label("delivery_id"),
        e.id.label("event_id"),
        e.event_type,
        e.operation_id,
        e.status.label("event_status"),
        d.attempt,
        d.attempted_at,
        d.status_code,
        d.latency_ms,
        d.success,
        d.error,
        d.next_retry_at,
        d.response_excerpt,
    ).join(tn.outbox_events, e.seq == d.event_seq)
