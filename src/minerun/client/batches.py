"""Batch methods of :class:`~minerun.client.Client` and :class:`~minerun.client.AsyncClient`.

Each method builds one :class:`~minerun.client._base.Call`; the clients send it with their
own retries and error mapping. The answers are typed models (``extra="allow"`` keeps fields
a newer server adds).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

from pydantic import Field

from minerun.client._base import Call, given, model, moment, q
from minerun.client.models import Model

T = TypeVar("T")


class BatchOperation(Model):
    operation_key: str
    operation_id: str
    operation_type: str | None = None
    status: str
    dependencies: list[str] = Field(default_factory=list)
    estimated_duration: str | None = None
    estimated_start_time: datetime | None = None


class BatchStarted(Model):
    batch_id: str
    batch_name: str
    status: str
    operations: list[BatchOperation]
    total_operations: int
    estimated_batch_duration: str | None = None
    estimated_batch_completion: datetime | None = None
    batch_start_time: datetime | None = None
    critical_path: list[str] = Field(default_factory=list)
    tracking_url: str


class BatchStatus(BatchStarted):
    progress: dict[str, Any]
    end_time: datetime | None = None
    retries: int = 0


class BatchItem(Model):
    batch_id: str
    batch_name: str
    status: str
    progress: int
    total_operations: int
    end_time: datetime | None = None


class BatchPage(Model):
    batches: list[BatchItem]
    total_batches: int
    page: int
    page_size: int
    has_next_page: bool


class _Scoped(Protocol):
    def _ops(self) -> str: ...


def submit_call(
    client: _Scoped,
    name: str,
    operations: Sequence[dict[str, Any]],
    idempotency_key: str | None,
    fields: dict[str, Any],
) -> Call[BatchStarted]:
    """``operations``: operation bodies as the API takes them, each with ``operationKey`` and
    ``dependencies``. One key per submit, reused by every attempt: it commits once."""
    body = {"batchName": name, "operations": list(operations), **fields}
    key = idempotency_key or str(uuid.uuid4())
    return Call(
        "POST",
        f"{client._ops()}/batch",
        model(BatchStarted),
        body=body,
        headers={"Idempotency-Key": key},
    )


def get_call(client: _Scoped, batch_id: str) -> Call[BatchStatus]:
    return Call("GET", f"{client._ops()}/batch/{q(batch_id)}", model(BatchStatus))


def list_call(
    client: _Scoped,
    page: int,
    page_size: int,
    status: str | None,
    date_from: datetime | str | None,
    date_to: datetime | str | None,
) -> Call[BatchPage]:
    params = {
        "page": page,
        "pageSize": page_size,
        **given(status=status, dateFrom=moment(date_from), dateTo=moment(date_to)),
    }
    return Call("GET", f"{client._ops()}/batches", model(BatchPage), params)


def cancel_call(client: _Scoped, batch_id: str, body: dict[str, Any]) -> Call[BatchStatus]:
    return Call("DELETE", f"{client._ops()}/batch/{q(batch_id)}", model(BatchStatus), body=body)


def retry_call(client: _Scoped, batch_id: str) -> Call[BatchStatus]:
    return Call("POST", f"{client._ops()}/batch/{q(batch_id)}/retry", model(BatchStatus))


class _Sends(_Scoped, Protocol):
    def _send(self, call: Call[T]) -> T: ...


class _SendsAsync(_Scoped, Protocol):
    async def _send(self, call: Call[T]) -> T: ...


class SyncBatches:
    """Batch methods of the blocking client."""

    def submit_batch(
        self: _Sends,
        name: str,
        operations: Sequence[dict[str, Any]],
        *,
        description: str | None = None,
        callbacks: dict[str, str] | None = None,
        failure_policy: dict[str, bool] | None = None,
        idempotency_key: str | None = None,
    ) -> BatchStarted:
        """Submit operations with dependencies; committed whole before the answer."""
        fields = given(
            batchDescription=description, batchCallbacks=callbacks, failurePolicy=failure_policy
        )
        return self._send(submit_call(self, name, operations, idempotency_key, fields))

    def batch(self: _Sends, batch_id: str) -> BatchStatus:
        return self._send(get_call(self, batch_id))

    def batches_page(
        self: _Sends,
        page: int = 1,
        *,
        page_size: int = 20,
        status: str | None = None,
        date_from: datetime | str | None = None,
        date_to: datetime | str | None = None,
    ) -> BatchPage:
        return self._send(list_call(self, page, page_size, status, date_from, date_to))

    def cancel_batch(
        self: _Sends, batch_id: str, *, reason: str | None = None, force: bool = False
    ) -> BatchStatus:
        body = given(reason=reason, forceTermination=force)
        return self._send(cancel_call(self, batch_id, body))

    def retry_batch(self: _Sends, batch_id: str) -> BatchStatus:
        """Run again what failed or was cancelled, each from its first unfinished phase."""
        return self._send(retry_call(self, batch_id))


class AsyncBatches:
    """Batch methods of the asynchronous client."""

    async def submit_batch(
        self: _SendsAsync,
        name: str,
        operations: Sequence[dict[str, Any]],
        *,
        description: str | None = None,
        callbacks: dict[str, str] | None = None,
        failure_policy: dict[str, bool] | None = None,
        idempotency_key: str | None = None,
    ) -> BatchStarted:
        """Submit operations with dependencies; committed whole before the answer."""
        fields = given(
            batchDescription=description, batchCallbacks=callbacks, failurePolicy=failure_policy
        )
        return await self._send(submit_call(self, name, operations, idempotency_key, fields))

    async def batch(self: _SendsAsync, batch_id: str) -> BatchStatus:
        return await self._send(get_call(self, batch_id))

    async def batches_page(
        self: _SendsAsync,
        page: int = 1,
        *,
        page_size: int = 20,
        status: str | None = None,
        date_from: datetime | str | None = None,
        date_to: datetime | str | None = None,
    ) -> BatchPage:
        return await self._send(list_call(self, page, page_size, status, date_from, date_to))

    async def cancel_batch(
        self: _SendsAsync, batch_id: str, *, reason: str | None = None, force: bool = False
    ) -> BatchStatus:
        body = given(reason=reason, forceTermination=force)
        return await self._send(cancel_call(self, batch_id, body))

    async def retry_batch(self: _SendsAsync, batch_id: str) -> BatchStatus:
        """Run again what failed or was cancelled, each from its first unfinished phase."""
        return await self._send(retry_call(self, batch_id))
