"""Alembic environment: runs on the connection handed over by :mod:`minerun.store.migrate`."""

from alembic import context

import minerun.store.tables_notify  # noqa: F401  (registers the notification tables)
from minerun.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
