"""Fixtures shared by every test: one suite over SQLite and PostgreSQL.

Tests that take ``database_url`` run once per backend. PostgreSQL runs when
``MINERUN_TEST_DATABASE_URL`` is set (CI sets it); each test gets its own schema.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from minerun.config import Settings
from minerun.store.database import Database

PG_URL = os.environ.get("MINERUN_TEST_DATABASE_URL", "")
TEST_KINDS = "minerun.kinds.builtin,tests.support.kinds"
BACKENDS = ["sqlite", "postgresql"]
SHARED_DATA = Path(
    os.environ.get(
        "MINERUN_SHARED_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
    )
)


def _pg_schema_url(schema: str) -> str:
    separator = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{separator}options=-csearch_path%3D{schema}"


@contextmanager
def fresh_database(backend: str, directory: Path) -> Iterator[str]:
    """A fresh, empty database of ``backend``: a file in ``directory``, or a schema of its own."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'minerun.db'}"
        return
    if not PG_URL:
        pytest.skip("PostgreSQL tests need MINERUN_TEST_DATABASE_URL (set by .ci/run)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield _pg_schema_url(schema)
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def fast_settings(database_url: str, directory: Path) -> Settings:
    """Settings for fast tests: short leases, quick polling, the test kinds registered."""
    return Settings(
        data_dir=directory / "data",
        database_url=database_url,
        worker_slots=2,
        lease_seconds=3.0,
        heartbeat_seconds=0.5,
        poll_seconds=0.1,
        cancel_grace_seconds=2.0,
        drain_seconds=0.5,
        kind_modules=TEST_KINDS,
        default_estimate_seconds=30.0,
    )


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each backend."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings for fast tests on a fresh database of each backend."""
    return fast_settings(database_url, tmp_path)


@pytest.fixture(scope="module", params=BACKENDS)
def shared_settings(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """Settings on a database of each backend shared by the tests of a module, for a service
    they share (each test then works in a tenant of its own)."""
    directory = tmp_path_factory.mktemp("shared")
    with fresh_database(request.param, directory) as url:
        yield fast_settings(url, directory)


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    db = Database(settings.resolved_database_url)
    db.migrate()
    yield db
    db.close()


@pytest.fixture
def shared_data() -> Path:
    """The real event logs beside the project; tests that need them skip without them."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the shared event logs are not at {SHARED_DATA}")
    return SHARED_DATA
