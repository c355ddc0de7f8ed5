"""The one boundary to the database: tables, migrations and every query."""
