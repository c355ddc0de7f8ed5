"""Tables of the notification outbox (SQLAlchemy Core), on the shared ``metadata``.

- ``webhook_subscriptions``: a project's registered endpoints; the signing secret is kept so
  that deliveries can be signed (it is shown only when created or rotated).
- ``signing_secrets``: one secret per project that signs operation callbacks.
- ``outbox_events``: one row per event and target (subscription, callback URL, e-mail,
  Slack, and the event stream), written in the transaction of the state change; ``seq``
  orders them. Stream rows get ``stream_seq`` after they commit (see store/event_stream.py).
- ``deliveries``: one row per delivery attempt.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from minerun.store.tables import Id, Tenant, UtcDateTime, metadata

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("tenant_id", Tenant, nullable=False),
    Column("project_id", Tenant, nullable=False),
    Column("url", String(2048), nullable=False),
    Column("name", String(200), nullable=False),
    Column("events", JSON, nullable=False),
    Column("filters", JSON, nullable=False),
    Column("retry_policy", JSON, nullable=True),
    Column("headers", JSON, nullable=False),
    Column("secret", String(200), nullable=False),
    Column("previous_secret", String(200), nullable=True),
    Column("previous_secret_until", UtcDateTime(), nullable=True),
    Column("status", String(12), nullable=False),
    Column("status_reason", Text, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index("ix_webhook_subscriptions_scope", "tenant_id", "project_id", "status"),
)

signing_secrets = Table(
    "signing_secrets",
    metadata,
    Column("tenant_id", Tenant, primary_key=True),
    Column("project_id", Tenant, primary_key=True),
    Column("secret", String(200), nullable=False),
    Column("previous_secret", String(200), nullable=True),
    Column("previous_secret_until", UtcDateTime(), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("rotated_at", UtcDateTime(), nullable=True),
)

outbox_events = Table(
    "outbox_events",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("id", Id, nullable=False, unique=True),
    Column("tenant_id", Tenant, nullable=False),
    Column("project_id", Tenant, nullable=False),
    Column("operation_id", Id, nullable=True),
    Column("event_type", String(60), nullable=False),
    Column("target_kind", String(12), nullable=False),
    Column("subscription_id", Id, nullable=True),
    Column("target", String(2048), nullable=True),
    Column("order_key", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("progress", Float, nullable=True),
    Column("status", String(12), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("round_attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("lease_until", UtcDateTime(), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime(), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("stream_seq", BigInteger, nullable=True),
    Index("ix_outbox_events_due", "status", "next_attempt_at"),
    Index("ix_outbox_events_order", "order_key", "status", "seq"),
    Index("ix_outbox_events_operation", "operation_id", "target_kind"),
    Index("ix_outbox_events_subscription", "subscription_id", "status"),
    Index("ix_outbox_events_stream", "target_kind", "stream_seq"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Id, primary_key=True),
    Column("event_seq", BigInteger, nullable=False),
    Column("subscription_id", Id, nullable=True),
    Column("operation_id", Id, nullable=True),
    Column("tenant_id", Tenant, nullable=False),
    Column("project_id", Tenant, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("attempted_at", UtcDateTime(), nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("latency_ms", Float, nullable=True),
    Column("success", Boolean, nullable=False),
    Column("error", Text, nullable=True),
    Column("next_retry_at", UtcDateTime(), nullable=True),
    Column("response_excerpt", Text, nullable=True),
    Index("ix_deliveries_subscription", "subscription_id", "attempted_at"),
    Index("ix_deliveries_event", "event_seq"),
    Index("ix_deliveries_operation", "operation_id"),
)
