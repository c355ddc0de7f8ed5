"""The store as one object: an engine, its wake-ups and the query managers."""

from __future__ import annotations

from sqlalchemy import Engine, text

from minerun.store import migrate
from minerun.store.batches import BatchStore
from minerun.store.census import CensusStore
from minerun.store.datasets import DatasetStore
from minerun.store.engine import make_engine
from minerun.store.operations import OperationStore
from minerun.store.queue import QueueStore
from minerun.store.tokens import TokenStore
from minerun.store.wakeup import Waker
from minerun.store.workload import WorkloadStore


class Database:
    """Everything that reaches the database goes through one of these managers."""

    def __init__(self, url: str, pool_size: int = 5) -> None:
        self.engine: Engine = make_engine(url, pool_size=pool_size)
        self.waker = Waker(self.engine)
        self.operations = OperationStore(self.engine, self.waker)
        self.queue = QueueStore(self.engine, self.waker)
        self.batches = BatchStore(self.engine, self.waker)
        self.tokens = TokenStore(self.engine)
        self.datasets = DatasetStore(self.engine)
        self.workload = WorkloadStore(self.engine)
        self.census = CensusStore(self.engine)

    def migrate(self) -> None:
        migrate.upgrade(self.engine)

    def has_schema(self) -> bool:
        """Whether a minerun schema (of any revision) is there, as opposed to an empty database."""
        return migrate.revision(self.engine) is not None

    def is_ready(self) -> bool:
        """Reachable and at the newest schema revision."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return migrate.is_current(self.engine)
        except Exception:
            return False

    def close(self) -> None:
        self.waker.close()
        self.engine.dispose()
