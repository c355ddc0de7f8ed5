"""progress: a running phase's share of work and live figures; live workers and their slots

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

import minerun.store.tables

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("phases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("work_fraction", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("live", sa.JSON(), nullable=True))
    op.create_table(
        "workers",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slots", sa.Integer(), nullable=False),
        sa.Column("seen_at", minerun.store.tables.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("workers")
    with op.batch_alter_table("phases", schema=None) as batch_op:
        batch_op.drop_column("live")
        batch_op.drop_column("work_fraction")
