"""An in-process API (FastAPI's TestClient) with a token, optionally with its worker."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from minerun.api.app import create_app
from minerun.config import Settings
from minerun.domain.records import Scope
from tests.support.factory import SCOPE, wait_for

TERMINAL = {"Completed", "Failed", "Cancelled", "Timeout"}


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

    def wait_status(self, operation_id: str, *statuses: str, timeout: float = 30) -> dict[str, Any]:
        wanted = set(statuses) or TERMINAL
        return wait_for(  # type: ignore[no-any-return]
            lambda: (s := self.status(operation_id))["status"] in wanted and s, timeout
        )

    def wait_phase(self, operation_id: str, phase: int, status: str = "Running") -> dict[str, Any]:
        return wait_for(  # type: ignore[no-any-return]
            lambda: (s := self.status(operation_id))["phases"][phase]["status"] == status and s
        )


@contextmanager
def running_api(settings: Settings, worker: bool = True, scope: Scope = SCOPE) -> Iterator[Api]:
    app = create_app(settings, embedded_worker=worker)
    with TestClient(app) as client:
        _record, token = app.state.database.tokens.create(scope.tenant_id, None, "tester")
        yield Api(client, token, scope)
