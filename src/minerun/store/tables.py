"""Table definitions (SQLAlchemy Core). Migrations in ``migrations/`` create exactly these."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python, naive UTC in the database (the same on every dialect)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC).replace(tzinfo=None)  # type: ignore[no-any-return]

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


metadata = MetaData()

Id = String(64)
Tenant = String(36)

tokens = Table(
    "tokens",
    metadata,
    Column("id", Id, primary_key=True),
    Column("tenant_id", Tenant, nullable=False),
    Column("project_id", Tenant, nullable=True),
    Column("name", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime(), nullable=True),
)

operations = Table(
    "operations",
    metadata,
    Column("id", Id, primary_key=True),
    Column("tenant_id", Tenant, nullable=False),
    Column("project_id", Tenant, nullable=False),
    Column("operation_type", String(100), nullable=False),
    Column("operation_name", String(500), nullable=False),
    Column("operation_description", Text, nullable=True),
    Column("priority", String(10), nullable=False),
    Column("status", String(12), nullable=False),
    Column("parameters", JSON, nullable=False),
    Column("callbacks", JSON, nullable=True),
    Column("notifications", JSON, nullable=True),
    Column("timeout_seconds", Integer, nullable=False),
    Column("retry_policy", JSON, nullable=False),
    Column("resources", JSON, nullable=False),
    Column("estimate", JSON, nullable=False),
    Column("created_by", String(200), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("timeout_at", UtcDateTime(), nullable=False),
    Column("started_at", UtcDateTime(), nullable=True),
    Column("finished_at", UtcDateTime(), nullable=True),
    Column("queue_key", Float, nullable=False),
    Column("run_after", UtcDateTime(), nullable=False),
    Column("claims", Integer, nullable=False, default=0),
    Column("failures", Integer, nullable=False, default=0),
    Column("lease_owner", String(200), nullable=True),
    Column("lease_token", String(100), nullable=True),
    Column("lease_expires_at", UtcDateTime(), nullable=True),
    Column("execution_id", String(64), nullable=True),
    Column("current_phase", Integer, nullable=True),
    Column("processed_records", BigInteger, nullable=False, default=0),
    Column("total_records", BigInteger, nullable=True),
    Column("cpu_percent", Float, nullable=True),
    Column("cpu_seconds", Float, nullable=False, default=0.0),
    Column("memory_bytes", BigInteger, nullable=True),
    Column("peak_memory_bytes", BigInteger, nullable=True),
    Column("disk_bytes", BigInteger, nullable=True),
    Column("network_bytes", BigInteger, nullable=True),
    Column("run_seconds", Float, nullable=False, default=0.0),
    Column("stop_mode", String(12), nullable=True),
    Column("cancellation", JSON, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("last_error_type", String(20), nullable=True),
    Column("retry_of", Id, nullable=True),
    Column("retry_number", Integer, nullable=False, default=0),
    Column("retry_info", JSON, nullable=True),
    Column("outcome", JSON, nullable=True),
    # Set for the operations of a batch: the batch and the operation's key in it.
    Column("batch_id", Id, nullable=True),
    Column("operation_key", String(200), nullable=True),
    Index("ix_operations_scope_created", "tenant_id", "project_id", "created_at"),
    Index("ix_operations_scope_status", "tenant_id", "project_id", "status", "created_at"),
    Index("ix_operations_scope_priority", "tenant_id", "project_id", "priority", "created_at"),
    Index("ix_operations_scope_type", "tenant_id", "project_id", "operation_type", "created_at"),
    Index("ix_operations_queue", "status", "queue_key"),
    Index("ix_operations_lease", "status", "lease_expires_at"),
    Index("ix_operations_timeout", "status", "timeout_at"),
    Index("ix_operations_history", "operation_type", "status", "finished_at"),
    Index("ix_operations_batch", "batch_id"),
)

phases = Table(
    "phases",
    metadata,
    Column("operation_id", Id, ForeignKey("operations.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("weight", Float, nullable=False),
    Column("status", String(12), nullable=False),
    Column("started_at", UtcDateTime(), nullable=True),
    Column("finished_at", UtcDateTime(), nullable=True),
    Column("records_processed", BigInteger, nullable=False, default=0),
    Column("total_records", BigInteger, nullable=True),
    Column("current_activity", String(500), nullable=True),
    Column("results", JSON, nullable=True),
    Column("reused_from", Id, nullable=True),
    Column("error", Text, nullable=True),
    # The share of its work a running phase reports (0 to 1), when it is not records done of
    # total, and figures it reports while it runs (shown beside its progress).
    Column("work_fraction", Float, nullable=True),
    Column("live", JSON, nullable=True),
)

artifacts = Table(
    "artifacts",
    metadata,
    Column("id", Id, primary_key=True),
    Column("operation_id", Id, ForeignKey("operations.id", ondelete="CASCADE"), nullable=False),
    Column("phase_position", Integer, nullable=True),
    Column("name", String(300), nullable=False),
    Column("type", String(50), nullable=False),
    Column("format", String(20), nullable=False),
    Column("media_type", String(100), nullable=False),
    Column("path", String(1000), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("description", Text, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_artifacts_operation", "operation_id"),
)

attempts = Table(
    "attempts",
    metadata,
    Column("operation_id", Id, ForeignKey("operations.id", ondelete="CASCADE"), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("execution_id", String(64), nullable=False),
    Column("worker", String(200), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("ended_at", UtcDateTime(), nullable=True),
    Column("outcome", String(20), nullable=True),
    Column("error", Text, nullable=True),
    Column("error_type", String(20), nullable=True),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("tenant_id", Tenant, primary_key=True),
    Column("project_id", Tenant, primary_key=True),
    Column("endpoint", String(200), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("body", JSON, nullable=False),
    Column("location", String(500), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
)

datasets = Table(
    "datasets",
    metadata,
    Column("id", Id, primary_key=True),
    Column("tenant_id", Tenant, nullable=False),
    Column("project_id", Tenant, nullable=False),
    Column("name", String(500), nullable=False),
    Column("source_format", String(20), nullable=False),
    Column("original_filename", String(500), nullable=False),
    Column("mapping", JSON, nullable=True),
    Column("path", String(1000), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("statistics", JSON, nullable=False),
    Column("validation", JSON, nullable=False),
    Column("derived_from", Id, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_datasets_scope_created", "tenant_id", "project_id", "created_at"),
)

service_secrets = Table(
    "service_secrets",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("value", String(200), nullable=False),
)

# Each worker says every heartbeat how many slots it runs; estimates of when queued work
# starts count the slots of the workers seen within one lease period.
workers = Table(
    "workers",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("slots", Integer, nullable=False),
    Column("seen_at", UtcDateTime(), nullable=False),
)

# A batch, its nodes (each key's current operation: a batch retry replaces the ones that did
# not complete) and its edges (by key, so that they hold across retries).
batches = Table(
    "batches",
    metadata,
    Column("id", Id, primary_key=True),
    Column("tenant_id", Tenant, nullable=False),
    Column("project_id", Tenant, nullable=False),
    Column("name", String(500), nullable=False),
    Column("description", Text, nullable=True),
    Column("callbacks", JSON, nullable=True),
    Column("failure_policy", JSON, nullable=False),
    Column("status", String(20), nullable=False),
    Column("estimate", JSON, nullable=False),
    Column("created_by", String(200), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime(), nullable=True),
    Column("cancellation", JSON, nullable=True),
    Column("retries", Integer, nullable=False, default=0),
    Index("ix_batches_scope_created", "tenant_id", "project_id", "created_at"),
)

batch_nodes = Table(
    "batch_nodes",
    metadata,
    Column("batch_id", Id, ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True),
    Column("operation_key", String(200), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("operation_id", Id, nullable=False),
)

batch_edges = Table(
    "batch_edges",
    metadata,
    Column("batch_id", Id, ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True),
    Column("child_key", String(200), primary_key=True),
    Column("parent_key", String(200), primary_key=True),
    Column("position", Integer, nullable=False),
)
