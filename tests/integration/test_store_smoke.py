from minerun.store.database import Database


def test_migrated_database_is_ready(database: Database) -> None:
    assert database.is_ready()
