"""Liveness, readiness and metrics, without authentication (they name no tenant's data)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from minerun.api.answers import Liveness, Readiness
from minerun.api.deps import DatabaseDep
from minerun.api.metrics import exposition
from minerun.api.openapi import answers

PUBLIC: dict[str, object] = {"security": []}
"""No token needed: orchestrators probe these."""

router = APIRouter(tags=["health"])


@router.get(
    "/healthz",
    operation_id="getLiveness",
    response_model=None,
    responses=answers(Liveness),
    openapi_extra=PUBLIC,
)
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    operation_id="getReadiness",
    response_model=None,
    responses={
        **answers(Readiness),
        503: {
            "model": Readiness,
            "description": "The database does not answer, or its "
            "schema is not at the newest migration.",
        },
    },
    openapi_extra=PUBLIC,
)
def readyz(database: DatabaseDep) -> JSONResponse:
    """The database answers and its schema is at the newest migration."""
    ready = database.is_ready()
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "database": ready},
        status_code=200 if ready else 503,
    )


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request, database: DatabaseDep) -> Response:
    """Prometheus text: this process's instruments and the service-wide census."""
    body = exposition(database, request.app.state.settings.lease_seconds)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
