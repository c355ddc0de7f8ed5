"""An in-process API (FastAPI's TestClient) with a token, optionally with its worker.

With its worker, the API is handed to a test only once every slot process can take work, so
that nothing a test times includes the start of the slots (seconds on a busy machine).
:class:`Service` is such an API shared by the tests of a module: each test gets a tenant of its
own, its operations still active are cancelled when it ends, and the next test starts once
the worker is idle again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from minerun.api.app import create_app
from minerun.config import Settings
from minerun.domain.records import Scope
from minerun.store import tables as t
from minerun.worker.supervisor import Supervisor
from tests.support.factory import SCOPE, wait_for

TERMINAL = {"Completed", "Failed", "Cancelled", "Timeout"}
# Bounds, not expectations: how long slot processes may take to start, and an operation of the
# test kinds to reach a state once the worker is ready, on a machine busy with other work.
START_TIMEOUT = 180.0
WAIT_TIMEOUT = 60.0


@dataclass
class Api:
    client: TestClient
    token: str
    scope: Scope

    @property
    def base(self) -> str:
        return f"/api/{self.scope.tenant_id}/{self.scope.project_id}/async"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def start(self, **body: Any) -> dict[str, Any]:
        payload = {"operationType": "Steps", "operationName": "test", **body}
        response = self.client.post(f"{self.base}/operation", json=payload, headers=self.headers)
        assert response.status_code == 202, response.text
        return response.json()  # type: ignore[no-any-return]

    def status(self, operation_id: str) -> dict[str, Any]:
        response = self.client.get(f"{self.base}/operation/{operation_id}", headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def wait_status(
        self, operation_id: str, *statuses: str, timeout: float = WAIT_TIMEOUT
    ) -> dict[str, Any]:
        wanted = set(statuses) or TERMINAL
        return wait_for(  # type: ignore[no-any-return]
            lambda: (s := self.status(operation_id))["status"] in wanted and s, timeout
        )

    def wait_phase(self, operation_id: str, phase: int, status: str = "Running") -> dict[str, Any]:
        return wait_for(  # type: ignore[no-any-return]
            lambda: (s := self.status(operation_id))["phases"][phase]["status"] == status and s,
            WAIT_TIMEOUT,
        )


def worker_of(client: TestClient) -> Supervisor:
    return client.app.state.worker  # type: ignore[attr-defined,no-any-return]


def wait_worker_ready(client: TestClient) -> None:
    """Until every slot of the embedded worker is up, with the kinds imported."""
    supervisor = worker_of(client)
    wait_for(lambda: supervisor.warm, START_TIMEOUT)


@contextmanager
def running_api(settings: Settings, worker: bool = True, scope: Scope = SCOPE) -> Iterator[Api]:
    app = create_app(settings, embedded_worker=worker)
    with TestClient(app) as client:
        _record, token = app.state.database.tokens.create(scope.tenant_id, None, "tester")
        if worker:
            wait_worker_ready(client)
        yield Api(client, token, scope)


@dataclass
class Service:
    """An API with its worker, started once for the tests of a module."""

    client: TestClient

    @contextmanager
    def session(self) -> Iterator[Api]:
        """An :class:`Api` for one test, in a tenant and project of its own."""
        self._wait_idle()
        scope = Scope(str(uuid.uuid4()), str(uuid.uuid4()))
        database = self.client.app.state.database  # type: ignore[attr-defined]
        _record, token = database.tokens.create(scope.tenant_id, None, "tester")
        api = Api(self.client, token, scope)
        try:
            yield api
        finally:
            self._cancel_active(api)

    def _wait_idle(self) -> None:
        supervisor = worker_of(self.client)
        wait_for(lambda: supervisor.warm, START_TIMEOUT)

    def _cancel_active(self, api: Api) -> None:
        """Stop what a test left running, so that it does not hold a slot the next one needs."""
        o = t.operations
        query = select(o.c.id).where(
            o.c.tenant_id == api.scope.tenant_id, o.c.status.in_(["Initiated", "Running"])
        )
        with self.client.app.state.database.engine.connect() as conn:  # type: ignore[attr-defined]
            active = list(conn.execute(query).scalars())
        for operation_id in active:
            # 409 when it ended meanwhile: nothing left to stop.
            self.client.request(
                "DELETE",
                f"{api.base}/operation/{operation_id}",
                json={"forceTermination": True},
                headers=api.headers,
            )


@contextmanager
def shared_service(settings: Settings) -> Iterator[Service]:
    """An API and its worker for a module's tests; ready before the first one."""
    with TestClient(create_app(settings, embedded_worker=True)) as client:
        wait_worker_ready(client)
        yield Service(client)
