"""Builders for tests: a service over a database, operations started through it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from minerun.config import Settings
from minerun.domain.priority import Priority
from minerun.domain.records import Operation, Scope
from minerun.kinds.registry import load_registry
from minerun.services.operations import OperationService
from minerun.services.requests import StartRequest
from minerun.store.database import Database
from minerun.store.queue import Usage

# What a test that completes an operation by hand reports as its usage.
NO_USAGE = Usage(
    cpu_percent=0.0, cpu_seconds=0.0, memory_bytes=0, peak_memory_bytes=0, disk_bytes=0
)
SCOPE = Scope("11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222")


def service(settings: Settings, database: Database) -> OperationService:
    return OperationService(settings, database, load_registry(settings.kind_module_names))


def start(
    svc: OperationService,
    priority: Priority = Priority.NORMAL,
    timeout: int = 3600,
    retry_policy: dict[str, Any] | None = None,
    scope: Scope = SCOPE,
    **parameters: Any,
) -> Operation:
    request = StartRequest(
        operation_type="Steps",
        operation_name="test",
        operation_description=None,
        priority=priority,
        parameters=parameters,
        callbacks=None,
        notifications=None,
        timeout=timeout,
        retry_policy=retry_policy,
    )
    started = svc.start(scope, request, "tester", None, lambda op: ({}, ""))
    assert started.operation is not None
    return started.operation


def wait_for(predicate: Callable[[], Any], timeout: float = 60.0, interval: float = 0.05) -> Any:
    """Poll ``predicate`` until it returns something truthy (for tests with real processes).

    ``timeout`` is a bound for a machine busy with other work, not an expectation.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")
