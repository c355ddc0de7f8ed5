"""Queries about datasets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from minerun.domain.records import Scope
from minerun.domain.statuses import ACTIVE
from minerun.exceptions import Conflict, NotFound
from minerun.store import tables as t
from minerun.store.engine import reader

d = t.datasets.c


@dataclass(frozen=True, slots=True)
class Dataset:
    id: str
    scope: Scope
    name: str
    source_format: str
    original_filename: str
    mapping: dict[str, Any] | None
    path: str
    size_bytes: int
    statistics: dict[str, Any]
    validation: dict[str, Any]
    derived_from: str | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> Dataset:
        return cls(
            scope=Scope(row["tenant_id"], row["project_id"]),
            **{k: row[k] for k in cls.__slots__ if k != "scope"},
        )


class DatasetStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._reader = reader(engine)

    def insert(self, row: dict[str, Any]) -> Dataset:
        with self.engine.begin() as conn:
            conn.execute(insert(t.datasets).values(**row))
        return Dataset.from_row(row)

    def get(self, scope: Scope | None, dataset_id: str) -> Dataset:
        query = select(t.datasets).where(d.id == dataset_id)
        if scope is not None:
            query = query.where(d.tenant_id == scope.tenant_id, d.project_id == scope.project_id)
        with self._reader.connect() as conn:
            row = conn.execute(query).mappings().first()
        if row is None:
            raise NotFound(f"Dataset {dataset_id} was not found.")
        return Dataset.from_row(row)

    def page(self, scope: Scope, page: int, page_size: int) -> tuple[list[Dataset], int]:
        where = (d.tenant_id == scope.tenant_id, d.project_id == scope.project_id)
        query = (
            select(t.datasets)
            .where(*where)
            .order_by(d.created_at.desc(), d.id)
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
        with self._reader.connect() as conn:
            rows = conn.execute(query).mappings().all()
            total = conn.execute(select(func.count()).where(*where)).scalar_one()
        return [Dataset.from_row(r) for r in rows], int(total)

    def delete(self, scope: Scope, dataset_id: str) -> Dataset:
        """Remove a dataset's row, unless an active operation of the project uses it."""
        o = t.operations.c
        with self.engine.begin() as conn:
            dataset = self.get(scope, dataset_id)
            users = conn.execute(
                select(o.id).where(
                    o.tenant_id == scope.tenant_id,
                    o.project_id == scope.project_id,
                    o.status.in_([s.value for s in ACTIVE]),
                    o.parameters["datasetId"].as_string() == dataset_id,
                )
            ).all()
            if users:
                raise Conflict(
                    f"Dataset {dataset_id} is used by active operations: "
                    + ", ".join(r[0] for r in users),
                )
            conn.execute(delete(t.datasets).where(d.id == dataset_id))
        return dataset


def upsert_dataset(conn: Connection, row: Mapping[str, Any]) -> None:
    """Insert a dataset row, or refresh what describes its files when the id exists.

    A dataset whose id is derived from the operation that wrote it is checkpointed again
    when that phase runs again: the same id then names the newly written files.
    """
    exists = conn.execute(select(d.id).where(d.id == row["id"])).first()
    if exists is None:
        conn.execute(insert(t.datasets).values(**row))
        return
    refreshed = ("name", "path", "size_bytes", "statistics", "validation", "derived_from")
    conn.execute(update(t.datasets).where(d.id == row["id"]).values({k: row[k] for k in refreshed}))
