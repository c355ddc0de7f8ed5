"""error types; close the attempts that cancellations left open

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from minerun.store.tables import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The stable type of a failure, shown to clients beside its message. Plain ALTER TABLE,
    # never a batch copy: on SQLite, dropping the copied ``operations`` table would cascade
    # to the rows that reference it.
    op.add_column("operations", sa.Column("last_error_type", sa.String(length=20), nullable=True))
    op.add_column("attempts", sa.Column("error_type", sa.String(length=20), nullable=True))
    _close_cancelled_attempts()


def _close_cancelled_attempts() -> None:
    """Cancellation used to leave the attempt in progress open and the run time at 0: end
    such attempts at the cancellation and count the run time again from the attempts."""
    operations = sa.table(
        "operations",
        sa.column("id", sa.String),
        sa.column("status", sa.String),
        sa.column("finished_at", UtcDateTime()),
        sa.column("run_seconds", sa.Float),
    )
    attempts = sa.table(
        "attempts",
        sa.column("operation_id", sa.String),
        sa.column("started_at", UtcDateTime()),
        sa.column("ended_at", UtcDateTime()),
        sa.column("outcome", sa.String),
    )
    conn = op.get_bind()
    open_ones = conn.execute(
        sa.select(operations.c.id, operations.c.finished_at)
        .join(attempts, attempts.c.operation_id == operations.c.id)
        .where(operations.c.status == "Cancelled", attempts.c.ended_at.is_(None))
        .distinct()
    ).all()
    for operation_id, finished_at in open_ones:
        conn.execute(
            sa.update(attempts)
            .where(attempts.c.operation_id == operation_id, attempts.c.ended_at.is_(None))
            .values(ended_at=finished_at, outcome="cancelled")
        )
        spans = conn.execute(
            sa.select(attempts.c.started_at, attempts.c.ended_at).where(
                attempts.c.operation_id == operation_id
            )
        ).all()
        seconds = sum(max((end - start).total_seconds(), 0.0) for start, end in spans)
        conn.execute(
            sa.update(operations).where(operations.c.id == operation_id).values(run_seconds=seconds)
        )


def downgrade() -> None:
    op.drop_column("attempts", "error_type")
    op.drop_column("operations", "last_error_type")
