"""Bearer-token authentication and tenant scoping."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from minerun.domain.records import Scope
from minerun.exceptions import InvalidInput, NotFound, Unauthorized
from minerun.store.tokens import TokenStore


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking, and the scope the request acts in."""

    scope: Scope
    token_name: str


def check_guid(value: str, field: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InvalidInput(
            f"{field} must be a GUID.", errors=[{"field": field, "reason": "not a GUID"}]
        ) from None


def bearer(header: str | None) -> str:
    if not header or not header.lower().startswith("bearer ") or not header[7:].strip():
        raise Unauthorized("Send 'Authorization: Bearer <token>'.")
    return header[7:].strip()


def authorize(tokens: TokenStore, header: str | None, tenant_id: str, project_id: str) -> Principal:
    """The principal for a request; anything outside the token's reach is simply not found."""
    tenant_id = check_guid(tenant_id, "tenantId")
    project_id = check_guid(project_id, "projectId")
    record = tokens.find(bearer(header))
    if record is None:
        raise Unauthorized("The bearer token is not valid or was revoked.")
    if record.tenant_id != tenant_id or record.project_id not in (None, project_id):
        raise NotFound("The resource was not found.")
    return Principal(Scope(tenant_id, project_id), record.name)
