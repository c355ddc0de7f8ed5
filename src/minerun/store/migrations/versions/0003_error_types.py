"""error types

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The stable type of a failure, shown to clients beside its message.
    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_error_type", sa.String(length=20), nullable=True))
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("error_type", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_column("error_type")
    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.drop_column("last_error_type")
