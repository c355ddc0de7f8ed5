"""Liveness, readiness and metrics, without authentication (they name no tenant's data)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from minerun.api.deps import DatabaseDep
from minerun.api.metrics import exposition

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz")
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
