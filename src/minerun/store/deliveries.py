"""Queries of the delivery workers: claim due events, read how to send them, record attempts.

A claim moves due events to ``sending`` with a lease (the attempt's timeout and a margin)
and counts the attempt; the result is written only while that claim is still the latest
(``attempts`` fences it). When a delivery worker dies, its events become due again once
the lease expires and go out with the same message id. Events of one operation reach one
target in order: an event is not claimed while an earlier one of its ``order_key`` is open.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, exists, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from minerun.domain.records import Scope
from minerun.notify.signing import generate_secret
from minerun.store import tables_notify as tn
from minerun.store.engine import is_sqlite, reader
from minerun.store.outbox import DELIVERED, FAILED, OPEN, PENDING, SENDING, SKIPPED

e = tn.outbox_events.c
s = tn.webhook_subscriptions.c
DISABLED = "Disabled"


@dataclass(frozen=True, slots=True)
class Claimed:
    """An event taken for one delivery attempt."""

    seq: int
    id: str
    scope: Scope
    operation_id: str | None
    event_type: str
    target_kind: str
    subscription_id: str | None
    target: str | None
    body: str
    attempt: int
    round_attempt: int


@dataclass(frozen=True, slots=True)
class Endpoint:
    """How to reach and sign for a subscription, as it is now."""

    url: str
    secrets: tuple[str, ...]
    headers: dict[str, str]
    retry_policy: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Result:
    """The outcome of one attempt and what follows: done, retry at a time, or given up."""

    event: Claimed
    status: str
    status_code: int | None = None
    latency_ms: float | None = None
    error: str | None = None
    next_retry_at: datetime | None = None
    excerpt: str | None = None
    disable_subscription: bool = False


class DeliveryStore:
    """Every query the delivery workers need; SQL stays in here."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._reader = reader(engine)
        self._sqlite = is_sqlite(engine)

    def claim(self, now: datetime, limit: int, lease_seconds: float) -> list[Claimed]:
        """Take up to ``limit`` due events, oldest first, for ``lease_seconds``."""
        earlier = tn.outbox_events.alias("earlier")
        blocked = exists().where(
            earlier.c.order_key == e.order_key, earlier.c.seq < e.seq, earlier.c.status.in_(OPEN)
        )
        held = exists().where(s.id == e.subscription_id, s.status != "Active")
        pick = (
            select(e.seq)
            .where(
                or_(
                    and_(e.status == PENDING, e.next_attempt_at <= now),
                    and_(e.status == SENDING, e.lease_until < now),
                ),
                ~blocked,
                ~held,
            )
            .order_by(e.seq)
            .limit(limit)
        )
        if not self._sqlite:
            pick = pick.with_for_update(skip_locked=True, of=tn.outbox_events)
        with self.engine.begin() as conn:
            rows = conn.execute(
                update(tn.outbox_events)
                .where(e.seq.in_(pick.scalar_subquery()))
                .values(
                    status=SENDING,
                    lease_until=now + timedelta(seconds=lease_seconds),
                    attempts=e.attempts + 1,
                    round_attempts=e.round_attempts + 1,
                )
                .returning(
                    e.seq,
                    e.id,
                    e.tenant_id,
                    e.project_id,
                    e.operation_id,
                    e.event_type,
                    e.target_kind,
                    e.subscription_id,
                    e.target,
                    e.body,
                    e.attempts,
                    e.round_attempts,
                )
            ).all()
        claimed = [Claimed(r[0], r[1], Scope(r[2], r[3]), *r[4:]) for r in rows]
        return sorted(claimed, key=lambda c: c.seq)

    def endpoints(self, subscription_ids: Iterable[str], now: datetime) -> dict[str, Endpoint]:
        """URL, valid secrets, headers and retry policy of the given subscriptions."""
        ids = sorted(set(subscription_ids))
        if not ids:
            return {}
        with self._reader.connect() as conn:
            rows = conn.execute(select(tn.webhook_subscriptions).where(s.id.in_(ids))).mappings()
            return {
                r["id"]: Endpoint(
                    r["url"],
                    _valid_secrets(
                        r["secret"], r["previous_secret"], r["previous_secret_until"], now
                    ),
                    dict(r["headers"] or {}),
                    r["retry_policy"],
                )
                for r in rows
            }

    def project_secrets(
        self, scopes: Iterable[Scope], now: datetime
    ) -> dict[Scope, tuple[str, ...]]:
        """The secrets that sign callbacks of each project (created on first use)."""
        return {scope: project_secret(self.engine, scope, now)[0] for scope in set(scopes)}

    def record(self, results: Sequence[Result], now: datetime) -> int:
        """Write the attempts and their consequences; returns how many were still current."""
        kept = 0
        with self.engine.begin() as conn:
            for result in results:
                event = result.event
                values: dict[str, Any] = {"status": result.status, "lease_until": None}
                if result.status == PENDING:
                    values["next_attempt_at"] = result.next_retry_at
                else:
                    values["finished_at"] = now
                values["last_error"] = result.error
                done = conn.execute(
                    update(tn.outbox_events)
                    .where(e.seq == event.seq, e.attempts == event.attempt, e.status == SENDING)
                    .values(**values)
                )
                if done.rowcount != 1:
                    continue  # another worker took the event over after our lease expired
                kept += 1
                if result.status != SKIPPED:
                    conn.execute(insert(tn.deliveries).values(**_delivery_row(result, now)))
                if result.disable_subscription and event.subscription_id:
                    _disable(conn, event.subscription_id, result.error or "HTTP 410 Gone", now)
        return kept


def _delivery_row(result: Result, now: datetime) -> dict[str, Any]:
    event = result.event
    return {
        "id": f"dlv-{uuid.uuid4()}",
        "event_seq": event.seq,
        "subscription_id": event.subscription_id,
        "operation_id": event.operation_id,
        "tenant_id": event.scope.tenant_id,
        "project_id": event.scope.project_id,
        "attempt": event.attempt,
        "attempted_at": now,
        "status_code": result.status_code,
        "latency_ms": result.latency_ms,
        "success": result.status == DELIVERED,
        "error": result.error,
        "next_retry_at": result.next_retry_at,
        "response_excerpt": result.excerpt,
    }


def _disable(conn: Any, subscription_id: str, reason: str, now: datetime) -> None:
    """A receiver that answers 410 Gone wants no more events: stop, and give up what is queued."""
    conn.execute(
        update(tn.webhook_subscriptions)
        .where(s.id == subscription_id)
        .values(status=DISABLED, status_reason=f"disabled after {reason}", updated_at=now)
    )
    conn.execute(
        update(tn.outbox_events)
        .where(e.subscription_id == subscription_id, e.status == PENDING)
        .values(status=FAILED, finished_at=now, last_error="the subscription was disabled")
    )


def _valid_secrets(
    secret: str, previous: str | None, until: datetime | None, now: datetime
) -> tuple[str, ...]:
    """The current secret, and the previous one while its rotation grace lasts."""
    if previous and until is not None and until > now:
        return (secret, previous)
    return (secret,)


def project_secret(engine: Engine, scope: Scope, now: datetime) -> tuple[tuple[str, ...], Any]:
    """The valid signing secrets of a project's callbacks and its row; made on first use."""
    g = tn.signing_secrets.c
    where = and_(g.tenant_id == scope.tenant_id, g.project_id == scope.project_id)
    for _ in range(2):
        with engine.connect() as conn:
            row = conn.execute(select(tn.signing_secrets).where(where)).mappings().first()
        if row is not None:
            secrets = _valid_secrets(
                row["secret"], row["previous_secret"], row["previous_secret_until"], now
            )
            return secrets, row
        try:
            with engine.begin() as conn:
                conn.execute(
                    insert(tn.signing_secrets).values(
                        tenant_id=scope.tenant_id,
                        project_id=scope.project_id,
                        secret=generate_secret(),
                        created_at=now,
                    )
                )
        except IntegrityError:
            continue  # made at the same moment by another process: read theirs
    raise RuntimeError("the project signing secret could not be created")
