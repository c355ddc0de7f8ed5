"""initial schema

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

import minerun.store.tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "datasets",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("source_format", sa.String(length=20), nullable=False),
        sa.Column("original_filename", sa.String(length=500), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=True),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("statistics", sa.JSON(), nullable=False),
        sa.Column("validation", sa.JSON(), nullable=False),
        sa.Column("derived_from", sa.String(length=64), nullable=True),
        sa.Column("created_at", minerun.store.tables.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_datasets_scope_created", ["tenant_id", "project_id", "created_at"], unique=False
        )
    op.create_table(
        "idempotency_keys",
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("endpoint", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("location", sa.String(length=500), nullable=True),
        sa.Column("created_at", minerun.store.tables.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "project_id", "endpoint", "key"),
    )
    op.create_table(
        "operations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("operation_type", sa.String(length=100), nullable=False),
        sa.Column("operation_name", sa.String(length=500), nullable=False),
        sa.Column("operation_description", sa.Text(), nullable=True),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("callbacks", sa.JSON(), nullable=True),
        sa.Column("notifications", sa.JSON(), nullable=True),
        sa.Column("timeout_seconds", sa.Integer(), nullable=False),
        sa.Column("retry_policy", sa.JSON(), nullable=False),
        sa.Column("resources", sa.JSON(), nullable=False),
        sa.Column("estimate", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", minerun.store.tables.UtcDateTime(), nullable=False),
        sa.Column("timeout_at", minerun.store.tables.UtcDateTime(), nullable=False),
        sa.Column("started_at", minerun.store.tables.UtcDateTime(), nullable=True),
        sa.Column("finished_at", minerun.store.tables.UtcDateTime(), nullable=True),
        sa.Column("queue_key", sa.Float(), nullable=False),
        sa.Column("run_after", minerun.store.tables.UtcDateTime(), nullable=False),
        sa.Column("claims", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=200), nullable=True),
        sa.Column("lease_token", sa.String(length=100), nullable=True),
        sa.Column("lease_expires_at", minerun.store.tables.UtcDateTime(), nullable=True),
        sa.Column("execution_id", sa.String(length=64), nullable=True),
        sa.Column("current_phase", sa.Integer(), nullable=True),
        sa.Column("processed_records", sa.BigInteger(), nullable=False),
        sa.Column("total_records", sa.BigInteger(), nullable=True),
        sa.Column("cpu_percent", sa.Float(), nullable=True),
        sa.Column("cpu_seconds", sa.Float(), nullable=False),
        sa.Column("memory_bytes", sa.BigInteger(), nullable=True),
        sa.Column("peak_memory_bytes", sa.BigInteger(), nullable=True),
        sa.Column("disk_bytes", sa.BigInteger(), nullable=True),
        sa.Column("network_bytes", sa.BigInteger(), nullable=True),
        sa.Column("run_seconds", sa.Float(), nullable=False),
        sa.Column("stop_mode", sa.String(length=12), nullable=True),
        sa.Column("cancellation", sa.JSON(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("retry_of", sa.String(length=64), nullable=True),
        sa.Column("retry_number", sa.Integer(), nullable=False),
        sa.Column("retry_info", sa.JSON(), nullable=True),
        sa.Column("outcome", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_operations_history", ["operation_type", "status", "finished_at"], unique=False
        )
        batch_op.create_index("ix_operations_lease", ["status", "lease_expires_at"], unique=False)
        batch_op.create_index("ix_operations_queue", ["status", "queue_key"], unique=False)
        batch_op.create_index(
            "ix_operations_scope_created", ["tenant_id", "project_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_operations_scope_priority",
            ["tenant_id", "project_id", "priority", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_operations_scope_type",
            ["tenant_id", "project_id", "operation_type", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_operations_scope_status",
            ["tenant_id", "project_id", "status", "created_at"],
            unique=False,
        )
        batch_op.create_index("ix_operations_timeout", ["status", "timeout_at"], unique=False)

    op.create_table(
        "service_secrets",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", minerun.store.tables.UtcDateTime(), nullable=False),
        sa.Column("revoked_at", minerun.store.tables.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "artifacts",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("operation_id", sa.String(length=64), nullable=False),
        sa.Column("phase_position", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("type", sa.String(length=50), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", minerun.store.tables.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["operation_id"], ["operations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("artifacts", schema=None) as batch_op:
        batch_op.create_index("ix_artifacts_operation", ["operation_id"], unique=False)

    op.create_table(
        "attempts",
        sa.Column("operation_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("execution_id", sa.String(length=64), nullable=False),
        sa.Column("worker", sa.String(length=200), nullable=False),
        sa.Column("started_at", minerun.store.tables.UtcDateTime(), nullable=False),
        sa.Column("ended_at", minerun.store.tables.UtcDateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["operation_id"], ["operations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("operation_id", "number"),
    )
    op.create_table(
        "phases",
        sa.Column("operation_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("started_at", minerun.store.tables.UtcDateTime(), nullable=True),
        sa.Column("finished_at", minerun.store.tables.UtcDateTime(), nullable=True),
        sa.Column("records_processed", sa.BigInteger(), nullable=False),
        sa.Column("total_records", sa.BigInteger(), nullable=True),
        sa.Column("current_activity", sa.String(length=500), nullable=True),
        sa.Column("results", sa.JSON(), nullable=True),
        sa.Column("reused_from", sa.String(length=64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["operation_id"], ["operations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("operation_id", "position"),
    )


def downgrade() -> None:
    op.drop_table("datasets")
    op.drop_table("phases")
    op.drop_table("attempts")
    with op.batch_alter_table("artifacts", schema=None) as batch_op:
        batch_op.drop_index("ix_artifacts_operation")

    op.drop_table("artifacts")
    op.drop_table("tokens")
    op.drop_table("service_secrets")
    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.drop_index("ix_operations_timeout")
        batch_op.drop_index("ix_operations_scope_type")
        batch_op.drop_index("ix_operations_scope_priority")
        batch_op.drop_index("ix_operations_scope_status")
        batch_op.drop_index("ix_operations_scope_created")
        batch_op.drop_index("ix_operations_queue")
        batch_op.drop_index("ix_operations_lease")
        batch_op.drop_index("ix_operations_history")

    op.drop_table("operations")
    op.drop_table("idempotency_keys")
