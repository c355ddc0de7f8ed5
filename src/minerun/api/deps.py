"""Dependencies of the routes, as ``Annotated`` aliases.

The getters of shared objects are ``async``: they do no I/O, and a plain ``def`` would cost
each request a hop to the thread pool. Authentication reads the database, so it stays sync.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path, Query, Request

from minerun.api.auth import Principal, authorize
from minerun.api.views import Links
from minerun.config import Settings
from minerun.services.batches import BatchService
from minerun.services.datasets import DatasetService
from minerun.services.operations import OperationService
from minerun.services.webhooks import WebhookService
from minerun.store.database import Database


async def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def _database(request: Request) -> Database:
    return request.app.state.database  # type: ignore[no-any-return]


async def _service(request: Request) -> OperationService:
    return request.app.state.operations  # type: ignore[no-any-return]


async def _batches(request: Request) -> BatchService:
    return request.app.state.batches  # type: ignore[no-any-return]


async def _datasets(request: Request) -> DatasetService:
    return request.app.state.datasets  # type: ignore[no-any-return]


async def _links(request: Request) -> Links:
    settings: Settings = request.app.state.settings
    base = settings.public_base_url or str(request.base_url)
    return Links(base.rstrip("/"), request.app.state.link_secret, settings.artifact_link_seconds)


async def _webhooks(request: Request) -> WebhookService:
    return request.app.state.webhooks  # type: ignore[no-any-return]


TenantId = Annotated[str, Path(alias="tenantId", description="The tenant (a GUID)")]
ProjectId = Annotated[str, Path(alias="projectId", description="The project (a GUID)")]
Authorization = Annotated[str | None, Header(include_in_schema=False)]
"""The bearer token; documented once, as the document's security scheme."""


def _principal(
    request: Request,
    tenant_id: TenantId,
    project_id: ProjectId,
    authorization: Authorization = None,
) -> Principal:
    return authorize(request.app.state.database.tokens, authorization, tenant_id, project_id)


MAX_PAGE = 1_000_000
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE)]
"""The ``page`` of every list: 1-based and bounded, so its offset always fits the database."""

SettingsDep = Annotated[Settings, Depends(_settings)]
DatabaseDep = Annotated[Database, Depends(_database)]
DatasetsDep = Annotated[DatasetService, Depends(_datasets)]
BatchesDep = Annotated[BatchService, Depends(_batches)]
ServiceDep = Annotated[OperationService, Depends(_service)]
LinksDep = Annotated[Links, Depends(_links)]
PrincipalDep = Annotated[Principal, Depends(_principal)]
WebhooksDep = Annotated[WebhookService, Depends(_webhooks)]
