"""The blocking client."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar, cast

import httpx

from minerun.client import models
from minerun.client._base import BaseClient, Call, given
from minerun.client._follow import follow_sync
from minerun.client._transfer import Progress, filename
from minerun.client.batches import SyncBatches
from minerun.client.errors import TransportError, from_response

T = TypeVar("T")
P = TypeVar("P", bound=models.Page)


class Client(SyncBatches, BaseClient):
    """minerun over HTTP, blocking. Arguments default to ``MINERUN_URL``, ``MINERUN_TOKEN``,
    ``MINERUN_TENANT`` and ``MINERUN_PROJECT``; see docs/client.md."""

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        tenant: str | None = None,
        project: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        **options: Any,
    ) -> None:
        super().__init__(base_url, token, tenant, project, **options)
        self._http = httpx.Client(transport=transport, **self._http_options())
        self._sleep = sleep

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- sending -------------------------------------------------------------------------

    def _send(self, call: Call[T]) -> T:
        attempt = 0
        while True:
            with ExitStack() as stack:
                request = self._http.build_request(**self._request_options(call, stack))
                try:
                    response = self._http.send(request, stream=True)
                    try:
                        if response.is_success:
                            return self._finish(call, response)
                        response.read()
                    finally:
                        response.close()
                except httpx.TransportError as error:
                    # Also a body that broke off half-way: sent again only when that is safe.
                    delay = self._retry_after_error(call, attempt, error)
                    if delay is None:
                        raise self._transport_error(error) from error
                else:
                    delay = self._retry_after_answer(call, attempt, response)
                    if delay is None:
                        raise from_response(response)
            self._sleep(delay)
            attempt += 1

    def _finish(self, call: Call[T], response: httpx.Response) -> T:
        if call.download is None:
            response.read()
            return call.parse(response)
        folder = call.download.directory
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / filename(response, call.download.fallback)
        # Written beside the target and renamed: a broken download leaves no partial file.
        handle, part = tempfile.mkstemp(dir=folder, prefix=".part-")
        try:
            with os.fdopen(handle, "wb") as out:
                for chunk in response.iter_bytes():
                    out.write(chunk)
            os.replace(part, target)
        except BaseException:
            Path(part).unlink(missing_ok=True)
            raise
        return cast(T, target)

    def _pages(self, make: Callable[[int], Call[P]], items: Callable[[P], list[T]]) -> Iterator[T]:
        page = 1
        while True:
            answer = self._send(make(page))
            yield from items(answer)
            if not answer.has_next_page:
                return
            page += 1

    # -- datasets ------------------------------------------------------------------------

    def upload_dataset(
        self,
        path: str | Path,
        *,
        name: str | None = None,
        progress: Progress | None = None,
        **csv: Any,
    ) -> models.Dataset:
        """Upload an event log (CSV, XES, Parquet); CSV mapping as ``case_id=``, ``activity=``,
        ``timestamp=``, ``resource=``, ``start_timestamp=``, ``timestamp_format=``,
        ``delimiter=``, ``encoding=``. ``progress(sent, total)`` is told as bytes go out."""
        return self._send(self._upload_call(path, name, progress, csv))

    def datasets(self, *, page_size: int = 100) -> Iterator[models.Dataset]:
        """Every dataset of the project, newest first, fetched a page at a time."""
        return self._pages(lambda n: self._datasets_call(n, page_size), lambda p: p.datasets)

    def dataset(self, dataset_id: str) -> models.Dataset:
        return self._send(self._dataset_call(dataset_id))

    def delete_dataset(self, dataset_id: str) -> None:
        self._send(self._delete_dataset_call(dataset_id))

    # -- operations ----------------------------------------------------------------------

    def start(
        self,
        operation_type: str,
        *,
        parameters: dict[str, Any] | None = None,
        name: str | None = None,
        description: str | None = None,
        priority: str | None = None,
        timeout: int | None = None,
        callbacks: dict[str, str] | None = None,
        notifications: dict[str, Any] | None = None,
        retry_policy: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> models.OperationStarted:
        """Start an operation. Sent with an ``Idempotency-Key`` (generated unless given), so
        the retries after a lost answer start it once."""
        fields = given(
            operationName=name,
            operationDescription=description,
            priority=priority,
            parameters=parameters,
            timeout=timeout,
            callbacks=callbacks,
            notifications=notifications,
            retryPolicy=retry_policy,
        )
        return self._send(self._start_call(operation_type, idempotency_key, fields))

    def operation(self, operation_id: str) -> models.OperationStatus:
        return self._send(self._operation_call(operation_id))

    def operations_page(
        self, page: int = 1, *, page_size: int = 20, **filters: Any
    ) -> models.OperationPage:
        """One page of operations, with ``summary`` (counts per status of all that match)."""
        return cast(
            models.OperationPage, self._send(self._operations_call(page, page_size, False, filters))
        )

    def operations(
        self,
        *,
        status: str | None = None,
        operation_type: str | None = None,
        priority: str | None = None,
        date_from: datetime | str | None = None,
        date_to: datetime | str | None = None,
        page_size: int = 100,
    ) -> Iterator[models.OperationItem]:
        """Every operation that matches the filters, newest first, a page at a time."""
        filters = {
            "status": status,
            "operation_type": operation_type,
            "priority": priority,
            "date_from": date_from,
            "date_to": date_to,
        }
        return self._pages(
            lambda n: self._operations_call(n, page_size, False, filters),
            lambda p: cast(models.OperationPage, p).operations,
        )

    def detailed_operations(
        self,
        *,
        status: str | None = None,
        operation_type: str | None = None,
        priority: str | None = None,
        date_from: datetime | str | None = None,
        date_to: datetime | str | None = None,
        page_size: int = 100,
    ) -> Iterator[models.OperationStatus]:
        """As :meth:`operations`, each with its full status (``includeDetails``)."""
        filters = {
            "status": status,
            "operation_type": operation_type,
            "priority": priority,
            "date_from": date_from,
            "date_to": date_to,
        }
        return self._pages(
            lambda n: self._operations_call(n, page_size, True, filters),
            lambda p: cast(models.DetailedOperationPage, p).operations,
        )

    def cancel(
        self,
        operation_id: str,
        *,
        reason: str | None = None,
        force: bool = False,
        preserve_partial_results: bool = True,
        notify_callbacks: bool = True,
    ) -> models.Cancellation:
        """Cancel: cooperative (the phase stops at its next check) or ``force``."""
        body = {
            **given(reason=reason),
            "forceTermination": force,
            "preservePartialResults": preserve_partial_results,
            "notifyCallbacks": notify_callbacks,
        }
        return self._send(self._cancel_call(operation_id, body))

    def retry(
        self,
        operation_id: str,
        *,
        mode: str = "resume",
        reason: str | None = None,
        parameters: dict[str, Any] | None = None,
        timeout: int | None = None,
        retry_policy: dict[str, Any] | None = None,
        preserve_original_results: bool = True,
    ) -> models.RetryStarted:
        """A new operation from a finished one: ``resume`` keeps completed phases, ``restart``
        runs all; ``parameters`` replaces the given parameters."""
        body = {
            "retryMode": mode,
            "modifyParameters": parameters is not None,
            "preserveOriginalResults": preserve_original_results,
            **given(
                retryReason=reason,
                updatedParameters=parameters,
                newTimeout=timeout,
                retryPolicy=retry_policy,
            ),
        }
        return self._send(self._retry_call(operation_id, body))

    def results(
        self,
        operation_id: str,
        *,
        format: str = "summary",
        phase: str | None = None,
        include_artifacts: bool = True,
    ) -> models.Results:
        """Results as JSON: ``summary`` or ``detailed``, or one ``phase``'s."""
        return self._send(self._results_call(operation_id, format, phase, include_artifacts))

    def download_results(self, operation_id: str, directory: str | Path = ".") -> Path:
        """The results zip (results JSON and every artifact), saved in ``directory``."""
        return self._send(self._zip_call(operation_id, directory))

    def download_artifact(
        self, operation_id: str, artifact_id: str, directory: str | Path = "."
    ) -> Path:
        return self._send(self._artifact_call(operation_id, artifact_id, directory, artifact_id))

    def download_artifacts(self, operation_id: str, directory: str | Path = ".") -> list[Path]:
        """Every artifact of the operation, saved as ``directory/<phase name>/<file name>``."""
        results = self.results(operation_id, format="detailed")
        return [
            self.download_artifact(operation_id, a.artifact_id, Path(directory, a.phase_name or ""))
            for a in results.artifacts
        ]

    def follow(
        self,
        operation_id: str,
        *,
        timeout: float | None = 3600.0,
        poll_min: float = 0.5,
        poll_max: float = 10.0,
        stream: bool = True,
    ) -> Iterator[models.OperationStatus]:
        """Each new state of the operation until it finishes (the last one yielded is final).

        Reads the operation's event stream and its status at each event, reconnecting with
        ``Last-Event-ID``; polls instead (``stream=False``, a server without streams, or a
        stream that keeps failing), pacing itself on the answer's estimates between
        ``poll_min`` and ``poll_max`` seconds. Raises :class:`WaitTimeout` after ``timeout``
        seconds.
        """
        return follow_sync(
            self,
            operation_id,
            timeout=timeout,
            poll_min=poll_min,
            poll_max=poll_max,
            stream=stream,
        )

    def wait(self, operation_id: str, **options: Any) -> models.OperationStatus:
        """The operation's final status, once it has finished (options as :meth:`follow`)."""
        last = None
        for status in self.follow(operation_id, **options):
            last = status
        if last is None:  # pragma: no cover - follow yields at least once
            raise TransportError("no status was read")
        return last

    # -- webhooks ------------------------------------------------------------------------

    def create_webhook(
        self,
        url: str,
        events: list[str],
        *,
        name: str | None = None,
        filters: dict[str, Any] | None = None,
        secret: str | None = None,
        retry_policy: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> models.Webhook:
        """Subscribe ``url`` to ``events``; the answer's ``secret`` is shown this once."""
        fields = given(
            url=url,
            events=events,
            name=name,
            filters=filters,
            secret=secret,
            retry_policy=retry_policy,
            headers=headers,
        )
        return self._send(self._create_webhook_call(fields))

    def webhooks(self, *, page_size: int = 100) -> Iterator[models.Webhook]:
        return self._pages(lambda n: self._webhooks_call(n, page_size), lambda p: p.webhooks)

    def webhook(self, webhook_id: str) -> models.Webhook:
        return self._send(self._webhook_call(webhook_id))

    def update_webhook(self, webhook_id: str, **fields: Any) -> models.Webhook:
        """Change ``url``, ``name``, ``events``, ``filters``, ``headers``, ``retry_policy``,
        ``secret``, ``status`` ("Paused"/"Active"), or ``rotate_secret=True``."""
        return cast(models.Webhook, self._send(self._update_webhook_call(webhook_id, fields)))

    def delete_webhook(self, webhook_id: str) -> None:
        self._send(self._delete_webhook_call(webhook_id))

    def deliveries(self, webhook_id: str, *, page_size: int = 200) -> Iterator[models.Delivery]:
        """Every delivery attempt of a subscription, newest first."""
        return self._pages(
            lambda n: self._deliveries_call(webhook_id, n, page_size), lambda p: p.deliveries
        )

    def test_webhook(self, webhook_id: str) -> models.WebhookPing:
        return self._send(self._test_webhook_call(webhook_id))

    def redeliver(self, webhook_id: str, delivery_id: str) -> models.WebhookPing:
        return self._send(self._redeliver_call(webhook_id, delivery_id))
