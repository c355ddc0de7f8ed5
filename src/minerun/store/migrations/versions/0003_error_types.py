"""error types; older errors typed and their tracebacks removed; cancelled attempts closed

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
    _type_older_errors()
    _close_cancelled_attempts()


_DIED = "The process running the operation died%"
_TRACEBACK = "%Traceback (most recent call last)%"


def _type_older_errors() -> None:
    """Give the errors recorded before types existed their type (crashes count towards the
    crash limit), and replace the tracebacks they held by a message without server paths."""
    conn = op.get_bind()
    for statement in (
        "UPDATE attempts SET error_type = 'lease-expired' WHERE outcome = 'lease-expired'",
        "UPDATE attempts SET error_type = 'timeout' WHERE outcome = 'timeout'",
        f"UPDATE attempts SET error_type = 'process-died' "
        f"WHERE outcome = 'failed' AND error LIKE '{_DIED}'",
        "UPDATE attempts SET error_type = 'phase-error' "
        "WHERE outcome = 'failed' AND error_type IS NULL",
        "UPDATE operations SET last_error_type = 'timeout' WHERE status = 'Timeout'",
        f"UPDATE operations SET last_error_type = 'process-died' WHERE last_error LIKE '{_DIED}'",
        "UPDATE operations SET last_error_type = 'phase-error' "
        "WHERE last_error IS NOT NULL AND last_error_type IS NULL",
    ):
        conn.execute(sa.text(statement))
    for table, keys, column in (
        ("operations", ("id",), "last_error"),
        ("attempts", ("operation_id", "number"), "error"),
        ("phases", ("operation_id", "position"), "error"),
    ):
        rows = conn.execute(
            sa.text(f"SELECT {', '.join(keys)}, {column} FROM {table} WHERE {column} LIKE :t"),
            {"t": _TRACEBACK},
        ).all()
        match = " AND ".join(f"{k} = :{k}" for k in keys)
        for *values, text in rows:
            conn.execute(
                sa.text(f"UPDATE {table} SET {column} = :message WHERE {match}"),
                {"message": _without_traceback(text), **dict(zip(keys, values, strict=True))},
            )


def _without_traceback(text: str) -> str:
    """``RuntimeError: message\nTraceback …`` becomes a message naming the class only (the
    message itself may name server paths)."""
    name = text.split("\n", 1)[0].split(":", 1)[0].strip() or "Exception"
    return f"Failed with an internal error ({name}); the details are in the server log."


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
