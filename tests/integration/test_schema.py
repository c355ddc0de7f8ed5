"""The migrations create exactly the tables the code queries."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import minerun.store.tables as tables
from minerun.store.database import Database


def test_migrations_match_the_table_definitions(database: Database) -> None:
    with database.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), tables.metadata)
    assert differences == []
