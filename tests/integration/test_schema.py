"""The migrations create exactly the tables the code queries."""

from datetime import UTC, datetime, timedelta

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, update

import minerun.store.tables as tables
from minerun.config import Settings
from minerun.services.requests import CancelRequest
from minerun.store import migrate
from minerun.store import tables as t
from minerun.store.database import Database
from tests.support.factory import SCOPE, service, start


def test_migrations_match_the_table_definitions(database: Database) -> None:
    with database.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), tables.metadata)
    assert differences == []


def test_the_upgrade_closes_cancelled_attempts_and_removes_old_tracebacks(
    settings: Settings, database: Database
) -> None:
    svc = service(settings, database)
    op = start(svc)
    assert database.queue.claim("w", datetime.now(UTC), 30) is not None
    a, o = t.attempts.c, t.operations.c
    with database.engine.begin() as conn:
        conn.execute(
            update(t.attempts).values(started_at=datetime.now(UTC) - timedelta(seconds=12))
        )
    svc.cancel(SCOPE, op.id, CancelRequest("stop", True, False, True), "tester")
    cancelled_at = database.operations.get(None, op.id).finished_at
    traceback = 'OSError: no /srv/x.csv\nTraceback (most recent call last):\n  File "/srv/a.py"'
    failed = start(svc)
    with database.engine.begin() as conn:  # what a cancellation used to leave behind
        conn.execute(update(t.attempts).values(ended_at=None, outcome=None))
        conn.execute(update(t.operations).values(run_seconds=0.0))
        # and what a failure used to record
        conn.execute(
            update(t.operations)
            .where(o.id == failed.id)
            .values(status="Failed", last_error=traceback)
        )
        conn.execute(
            update(t.phases).where(t.phases.c.operation_id == failed.id).values(error=traceback)
        )
    config = migrate._config()
    with database.engine.connect() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0002")
        command.upgrade(config, "head")
        conn.commit()
    with database.engine.connect() as conn:
        attempt = conn.execute(select(a.ended_at, a.outcome)).one()
        run_seconds = conn.execute(select(o.run_seconds).where(o.id == op.id)).scalar_one()
        error = conn.execute(select(o.last_error, o.last_error_type).where(o.id == failed.id)).one()
        phase_errors = (
            conn.execute(select(t.phases.c.error).where(t.phases.c.operation_id == failed.id))
            .scalars()
            .all()
        )
    assert attempt == (cancelled_at, "cancelled")
    assert 12 <= run_seconds < 60
    scrubbed = "Failed with an internal error (OSError); the details are in the server log."
    assert tuple(error) == (scrubbed, "phase-error")
    assert set(phase_errors) == {scrubbed}
