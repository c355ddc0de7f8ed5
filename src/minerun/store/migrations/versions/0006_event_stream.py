"""event stream: the order in which committed events are shown to stream readers

Revision ID: 0006_event_stream
Revises: 0005_batches
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_event_stream"
down_revision = "0005_batches"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain add_column: batch mode would recreate outbox_events on SQLite.
    op.add_column("outbox_events", sa.Column("stream_seq", sa.BigInteger(), nullable=True))
    op.create_index(
        "ix_outbox_events_stream", "outbox_events", ["target_kind", "stream_seq"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_events_stream", table_name="outbox_events")
    op.drop_column("outbox_events", "stream_seq")
