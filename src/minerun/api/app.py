"""The FastAPI application factory; with ``embedded_worker`` it also runs a supervisor."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI

from minerun.api import errors, openapi
from minerun.api.event_hub import EventHub
from minerun.api.guard import RequestGuard
from minerun.api.observe import RequestObserver
from minerun.api.routes import (
    batches,
    console,
    datasets,
    events,
    health,
    operations,
    status,
    webhooks,
)
from minerun.config import Settings, load_settings
from minerun.kinds.registry import load_registry
from minerun.notify.deliverer import start_deliverer
from minerun.services.batches import BatchService
from minerun.services.datasets import DatasetService
from minerun.services.operations import OperationService
from minerun.services.webhooks import WebhookService
from minerun.store.database import Database
from minerun.store.tokens import service_secret
from minerun.store.webhooks import WebhookStore
from minerun.worker.supervisor import Supervisor

log = logging.getLogger(__name__)


def create_app(settings: Settings, embedded_worker: bool = False) -> FastAPI:
    """Build the API for ``settings``; the database is migrated on start-up."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = Database(settings.resolved_database_url, pool_size=10)
        database.migrate()
        registry = load_registry(settings.kind_module_names)
        app.state.settings = settings
        app.state.database = database
        app.state.operations = OperationService(settings, database, registry)
        app.state.batches = BatchService(app.state.operations)
        app.state.datasets = DatasetService(settings, database)
        app.state.link_secret = settings.secret_key or service_secret(database.engine, "links")
        app.state.webhooks = WebhookService(settings, WebhookStore(database.engine))
        app.state.event_hub = EventHub(
            database.engine,
            settings.stream_poll_seconds,
            timedelta(hours=settings.event_retention_hours),
        )
        stopping = threading.Event()
        worker = None
        if embedded_worker:
            supervisor = Supervisor(settings, database)
            app.state.worker = supervisor  # its ``ready`` event tells when slots take work
            worker = threading.Thread(target=supervisor.run, args=(stopping,), name="supervisor")
            worker.start()
            deliverer = start_deliverer(settings, database.engine, stopping)
        try:
            yield
        finally:
            stopping.set()
            database.waker.wake()
            if worker is not None:
                worker.join()
                deliverer.join()
            app.state.event_hub.close()
            database.close()

    app = FastAPI(
        title="minerun",
        version="0.1.0",
        summary="Long-running process-mining operations, run asynchronously.",
        description=openapi.DESCRIPTION,
        lifespan=lifespan,
    )
    errors.install(app)
    app.add_middleware(RequestGuard, max_json_bytes=settings.max_json_bytes)
    # Added last, so it runs first: it times and logs every answer, the guard's too.
    app.add_middleware(RequestObserver)
    app.include_router(health.router)
    app.include_router(webhooks.router)
    app.include_router(operations.router)
    app.include_router(status.router)
    app.include_router(batches.router)
    app.include_router(datasets.router)
    app.include_router(events.router)
    app.include_router(console.router)
    generate = app.openapi
    app.openapi = lambda: app.openapi_schema or openapi.document(generate())  # type: ignore[method-assign]
    return app


def app_from_environment() -> FastAPI:
    """The API built from ``MINERUN_*`` variables (what each ``minerun api`` process runs)."""
    return create_app(load_settings())
