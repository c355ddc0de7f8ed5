"""batches: batches, their nodes and edges; the batch and key of an operation

Revision ID: 0005_batches
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

import minerun.store.tables

revision = "0005_batches"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain add_column: a batch_alter_table on operations would recreate it on SQLite.
    op.add_column("operations", sa.Column("batch_id", sa.String(length=64), nullable=True))
    op.add_column("operations", sa.Column("operation_key", sa.String(length=200), nullable=True))
    op.create_index("ix_operations_batch", "operations", ["batch_id"])
    op.create_table(
        "batches",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("callbacks", sa.JSON(), nullable=True),
        sa.Column("failure_policy", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("estimate", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", minerun.store.tables.UtcDateTime(), nullable=False),
        sa.Column("finished_at", minerun.store.tables.UtcDateTime(), nullable=True),
        sa.Column("cancellation", sa.JSON(), nullable=True),
        sa.Column("retries", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_batches_scope_created", "batches", ["tenant_id", "project_id", "created_at"]
    )
    op.create_table(
        "batch_nodes",
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("operation_key", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batches.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("batch_id", "operation_key"),
    )
    op.create_table(
        "batch_edges",
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("child_key", sa.String(length=200), nullable=False),
        sa.Column("parent_key", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batches.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("batch_id", "child_key", "parent_key"),
    )


def downgrade() -> None:
    op.drop_table("batch_edges")
    op.drop_table("batch_nodes")
    op.drop_index("ix_batches_scope_created", table_name="batches")
    op.drop_table("batches")
    op.drop_index("ix_operations_batch", table_name="operations")
    op.drop_column("operations", "operation_key")
    op.drop_column("operations", "batch_id")
