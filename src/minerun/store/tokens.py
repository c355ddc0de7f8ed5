"""API tokens: stored as SHA-256 hashes, shown in clear only when created."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update

from minerun.exceptions import NotFound
from minerun.store import tables as t
from minerun.store.engine import reader

TOKEN_PREFIX = "mrt_"
# A token found valid is trusted this long without asking the database again: every request
# is authenticated, and this takes a query off each. A revocation reaches the process that
# made it at once and every other process within this time.
TOKEN_CACHE_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class TokenRecord:
    id: str
    tenant_id: str
    project_id: str | None
    name: str
    created_at: datetime
    revoked_at: datetime | None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._reader = reader(engine)
        self._cache: dict[str, tuple[float, TokenRecord]] = {}

    def create(self, tenant_id: str, project_id: str | None, name: str) -> tuple[TokenRecord, str]:
        """Create a token; returns its record and the token itself (never stored in clear)."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        record = TokenRecord(
            id=f"tok-{uuid.uuid4()}",
            tenant_id=tenant_id,
            project_id=project_id,
            name=name,
            created_at=datetime.now(UTC),
            revoked_at=None,
        )
        with self.engine.begin() as conn:
            conn.execute(
                insert(t.tokens).values(
                    id=record.id,
                    tenant_id=tenant_id,
                    project_id=project_id,
                    name=name,
                    token_hash=hash_token(token),
                    created_at=record.created_at,
                )
            )
        return record, token

    def find(self, token: str) -> TokenRecord | None:
        """The live record of a presented token, or None."""
        digest = hash_token(token)
        cached = self._cache.get(digest)
        if cached is not None and time.monotonic() - cached[0] < TOKEN_CACHE_SECONDS:
            return cached[1]
        record = self._lookup(digest)
        if record is not None:
            self._cache[digest] = (time.monotonic(), record)
        return record

    def _lookup(self, digest: str) -> TokenRecord | None:
        with self._reader.connect() as conn:
            row = (
                conn.execute(
                    select(t.tokens).where(
                        t.tokens.c.token_hash == digest, t.tokens.c.revoked_at.is_(None)
                    )
                )
                .mappings()
                .first()
            )
        return None if row is None else _record(row)

    def all(self) -> list[TokenRecord]:
        with self._reader.connect() as conn:
            rows = conn.execute(select(t.tokens).order_by(t.tokens.c.created_at)).mappings()
            return [_record(r) for r in rows]

    def revoke(self, token_id: str) -> None:
        with self.engine.begin() as conn:
            done = conn.execute(
                update(t.tokens)
                .where(t.tokens.c.id == token_id, t.tokens.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            )
        if done.rowcount != 1:
            raise NotFound(f"No live token with id {token_id}.")
        self._cache = {k: v for k, v in self._cache.items() if v[1].id != token_id}


def _record(r: Mapping[Any, Any]) -> TokenRecord:
    return TokenRecord(
        id=r["id"],
        tenant_id=r["tenant_id"],
        project_id=r["project_id"],
        name=r["name"],
        created_at=r["created_at"],
        revoked_at=r["revoked_at"],
    )


def service_secret(engine: Engine, name: str) -> str:
    """A random secret kept in the database, so that every node of a cluster shares it."""
    with engine.begin() as conn:
        row = conn.execute(
            select(t.service_secrets.c.value).where(t.service_secrets.c.name == name)
        ).first()
        if row is not None:
            return str(row[0])
        value = secrets.token_urlsafe(32)
        conn.execute(insert(t.service_secrets).values(name=name, value=value))
        return value
