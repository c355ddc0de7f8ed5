"""What :class:`Client` and :class:`AsyncClient` share: settings, the requests each call sends,
how answers are read and when to retry (pacing polls is in ``_polling``, files in ``_transfer``).

Only the sending differs between the two clients (blocking or awaited); everything else lives
here once, the way httpx builds requests and reads responses for both of its clients.
"""

from __future__ import annotations

import mimetypes
import os
import random
import uuid
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from minerun.client import models
from minerun.client._transfer import Download, Progress, Reporting, Upload
from minerun.client.errors import Timeout, TransportError

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

DEFAULT_URL = "http://127.0.0.1:8000"
RETRY_STATUSES = frozenset({429, 503})
# Mapping options of a CSV upload: keyword argument -> form field of the API.
CSV_FIELDS = {
    "case_id": "caseIdColumn",
    "activity": "activityColumn",
    "timestamp": "timestampColumn",
    "resource": "resourceColumn",
    "start_timestamp": "startTimestampColumn",
    "timestamp_format": "timestampFormat",
    "delimiter": "delimiter",
    "encoding": "encoding",
}


@dataclass(frozen=True)
class Call(Generic[T]):
    """One API call: the request to send, whether sending it twice is safe, how to read it."""

    method: str
    path: str
    parse: Callable[[httpx.Response], T]
    params: dict[str, Any] | None = None
    body: Any = None
    upload: Upload | None = None
    download: Download | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def idempotent(self) -> bool:
        """Safe to send again after an ambiguous failure: a read, a delete, a keyed start."""
        return self.method in {"GET", "DELETE"} or "Idempotency-Key" in self.headers


def model(cls: type[M]) -> Callable[[httpx.Response], M]:
    return lambda response: cls.model_validate_json(response.content)


def nothing(_response: httpx.Response) -> None:
    return None


def status_answer(response: httpx.Response) -> models.OperationStatus:
    status = models.OperationStatus.model_validate_json(response.content)
    status._retry_after = retry_after(response.headers)
    return status


def retry_after(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (seconds or an HTTP date), if any."""
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def q(segment: str | None) -> str:
    """An id as one path segment, whatever characters it holds."""
    return quote(str(segment), safe="")


def given(**values: Any) -> dict[str, Any]:
    """The arguments that were passed (not None)."""
    return {key: value for key, value in values.items() if value is not None}


def moment(value: datetime | str | None) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


class BaseClient:
    """Settings and call builders shared by both clients."""

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        tenant: str | None = None,
        project: str | None = None,
        *,
        timeout: float = 30.0,
        retries: int = 4,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.base_url = (base_url or os.environ.get("MINERUN_URL") or DEFAULT_URL).rstrip("/")
        self.token = token or os.environ.get("MINERUN_TOKEN")
        self.tenant = tenant or os.environ.get("MINERUN_TENANT")
        self.project = project or os.environ.get("MINERUN_PROJECT")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._headers = {"User-Agent": "minerun-client", **(headers or {})}
        if self.token:
            self._headers["Authorization"] = f"Bearer {self.token}"

    def _http_options(self) -> dict[str, Any]:
        return {"base_url": self.base_url, "headers": self._headers, "timeout": self.timeout}

    # -- sending, shared -----------------------------------------------------------------

    def _request_options(self, call: Call[Any], stack: ExitStack) -> dict[str, Any]:
        """Keyword arguments of ``build_request`` for one attempt (an upload reopens its file)."""
        options: dict[str, Any] = {
            "method": call.method,
            "url": call.path,
            "params": call.params,
            "headers": call.headers,
        }
        if call.upload is not None:
            upload = call.upload
            handle: Any = stack.enter_context(
                Reporting(upload.path, upload.progress)
                if upload.progress
                else upload.path.open("rb")
            )
            kind = mimetypes.guess_type(call.upload.path.name)[0] or "application/octet-stream"
            options["files"] = {"file": (call.upload.path.name, handle, kind)}
            options["data"] = call.upload.fields
        elif call.body is not None:
            options["json"] = call.body
        return options

    def _delay(self, attempt: int, asked: float | None = None) -> float:
        """Exponential backoff with jitter; a server's ``Retry-After`` is honoured up to the cap."""
        if asked is not None:
            return min(asked, self.max_backoff)
        ceiling = min(self.max_backoff, self.backoff * 2.0**attempt)
        return ceiling * random.uniform(0.5, 1.0)

    def _retry_after_error(self, call: Call[Any], attempt: int, error: Exception) -> float | None:
        """The pause before another attempt after a transport error, or None to give up.

        A refused connection never reached the server, so any call may be sent again; other
        failures (a broken or timed-out answer) may have been acted on, so only idempotent
        calls are.
        """
        if attempt >= self.retries:
            return None
        never_sent = isinstance(error, httpx.ConnectError | httpx.ConnectTimeout)
        return self._delay(attempt) if never_sent or call.idempotent else None

    def _retry_after_answer(
        self, call: Call[Any], attempt: int, response: httpx.Response
    ) -> float | None:
        if attempt >= self.retries or response.status_code not in RETRY_STATUSES:
            return None
        if not call.idempotent:
            return None
        return self._delay(attempt, retry_after(response.headers))

    @staticmethod
    def _transport_error(error: Exception) -> TransportError:
        if isinstance(error, httpx.TimeoutException):
            return Timeout(f"no answer in time: {error!r}")
        return TransportError(f"no answer: {error!r}")

    # -- paths ---------------------------------------------------------------------------

    def _scope(self) -> str:
        missing = [
            f"{name} (argument {name}= or MINERUN_{name.upper()})"
            for name, value in (("tenant", self.tenant), ("project", self.project))
            if not value
        ]
        if missing:
            raise ValueError("the client needs " + " and ".join(missing))
        return f"/api/{q(self.tenant)}/{q(self.project)}"

    def _ops(self) -> str:
        return f"{self._scope()}/async"

    # -- datasets ------------------------------------------------------------------------

    def _upload_call(
        self, path: str | Path, name: str | None, progress: Progress | None, csv: dict[str, Any]
    ) -> Call[models.Dataset]:
        unknown = sorted(set(csv) - set(CSV_FIELDS))
        if unknown:
            raise TypeError(f"unknown CSV mapping options: {', '.join(unknown)}")
        fields = {CSV_FIELDS[k]: str(v) for k, v in csv.items() if v is not None}
        if name is not None:
            fields["datasetName"] = name
        upload = Upload(Path(path), fields, progress)
        return Call("POST", f"{self._scope()}/datasets", model(models.Dataset), upload=upload)

    def _datasets_call(self, page: int, page_size: int) -> Call[models.DatasetPage]:
        params = {"page": page, "pageSize": page_size}
        return Call("GET", f"{self._scope()}/datasets", model(models.DatasetPage), params)

    def _dataset_call(self, dataset_id: str) -> Call[models.Dataset]:
        return Call("GET", f"{self._scope()}/datasets/{q(dataset_id)}", model(models.Dataset))

    def _delete_dataset_call(self, dataset_id: str) -> Call[None]:
        return Call("DELETE", f"{self._scope()}/datasets/{q(dataset_id)}", nothing)

    # -- operations ----------------------------------------------------------------------

    def _start_call(
        self, operation_type: str, idempotency_key: str | None, fields: dict[str, Any]
    ) -> Call[models.OperationStarted]:
        body = {"operationType": operation_type, **fields}
        # One key per start, reused by every attempt: a start sent twice runs once.
        key = idempotency_key or str(uuid.uuid4())
        return Call(
            "POST",
            f"{self._ops()}/operation",
            model(models.OperationStarted),
            body=body,
            headers={"Idempotency-Key": key},
        )

    def _operation_call(self, operation_id: str) -> Call[models.OperationStatus]:
        return Call("GET", f"{self._ops()}/operation/{q(operation_id)}", status_answer)

    def _operations_call(
        self, page: int, page_size: int, details: bool, filters: dict[str, Any]
    ) -> Call[Any]:
        params = {
            "page": page,
            "pageSize": page_size,
            "includeDetails": "true" if details else "false",
            **given(
                status=filters.get("status"),
                operationType=filters.get("operation_type"),
                priority=filters.get("priority"),
                dateFrom=moment(filters.get("date_from")),
                dateTo=moment(filters.get("date_to")),
            ),
        }
        cls = models.DetailedOperationPage if details else models.OperationPage
        return Call("GET", f"{self._ops()}/operations", model(cls), params)

    def _cancel_call(self, operation_id: str, body: dict[str, Any]) -> Call[models.Cancellation]:
        path = f"{self._ops()}/operation/{q(operation_id)}"
        return Call("DELETE", path, model(models.Cancellation), body=body)

    def _retry_call(self, operation_id: str, body: dict[str, Any]) -> Call[models.RetryStarted]:
        path = f"{self._ops()}/operation/{q(operation_id)}/retry"
        return Call("POST", path, model(models.RetryStarted), body=body)

    def _results_call(
        self, operation_id: str, format: str, phase: str | None, include_artifacts: bool
    ) -> Call[models.Results]:
        if format not in {"summary", "detailed"}:
            raise ValueError("format is 'summary' or 'detailed' (download_results for the zip)")
        params = {"format": format, "includeArtifacts": str(include_artifacts).lower()}
        if phase is not None:
            params["phase"] = phase
        path = f"{self._ops()}/operation/{q(operation_id)}/results"
        return Call("GET", path, model(models.Results), params)

    def _zip_call(self, operation_id: str, directory: str | Path) -> Call[Path]:
        path = f"{self._ops()}/operation/{q(operation_id)}/results"
        target = Download(Path(directory), f"{q(operation_id)}-results.zip")
        return Call("GET", path, _path, {"format": "download"}, download=target)

    def _artifact_call(
        self, operation_id: str, artifact_id: str, directory: str | Path, fallback: str
    ) -> Call[Path]:
        path = f"{self._ops()}/operation/{q(operation_id)}/artifacts/{q(artifact_id)}"
        return Call("GET", path, _path, download=Download(Path(directory), fallback))

    # -- webhooks ------------------------------------------------------------------------

    def _webhook_body(self, fields: dict[str, Any]) -> dict[str, Any]:
        names = {
            "url": "webhookUrl",
            "name": "webhookName",
            "events": "events",
            "filters": "filters",
            "retry_policy": "retryPolicy",
            "headers": "headers",
            "status": "status",
            "rotate_secret": "rotateSecret",
        }
        unknown = sorted(set(fields) - set(names) - {"secret"})
        if unknown:
            raise TypeError(f"unknown webhook fields: {', '.join(unknown)}")
        body = {names[k]: v for k, v in fields.items() if k in names and v is not None}
        if fields.get("secret") is not None:
            body["authentication"] = {"type": "hmac-sha256", "secret": fields["secret"]}
        return body

    def _create_webhook_call(self, fields: dict[str, Any]) -> Call[models.Webhook]:
        body = self._webhook_body(fields)
        return Call("POST", f"{self._ops()}/webhooks", model(models.Webhook), body=body)

    def _webhooks_call(self, page: int, page_size: int) -> Call[models.WebhookPage]:
        params = {"page": page, "pageSize": page_size}
        return Call("GET", f"{self._ops()}/webhooks", model(models.WebhookPage), params)

    def _webhook_call(self, webhook_id: str) -> Call[models.Webhook]:
        return Call("GET", f"{self._ops()}/webhooks/{q(webhook_id)}", model(models.Webhook))

    def _update_webhook_call(self, webhook_id: str, fields: dict[str, Any]) -> Call[Any]:
        path, body = f"{self._ops()}/webhooks/{q(webhook_id)}", self._webhook_body(fields)
        return Call("PATCH", path, model(models.Webhook), body=body)

    def _delete_webhook_call(self, webhook_id: str) -> Call[None]:
        return Call("DELETE", f"{self._ops()}/webhooks/{q(webhook_id)}", nothing)

    def _deliveries_call(
        self, webhook_id: str, page: int, page_size: int
    ) -> Call[models.DeliveryPage]:
        path, params = f"{self._ops()}/webhooks/{q(webhook_id)}/deliveries", {"page": page}
        params["pageSize"] = page_size
        return Call("GET", path, model(models.DeliveryPage), params)

    def _test_webhook_call(self, webhook_id: str) -> Call[models.WebhookPing]:
        path = f"{self._ops()}/webhooks/{q(webhook_id)}/test"
        return Call("POST", path, model(models.WebhookPing))

    def _redeliver_call(self, webhook_id: str, delivery_id: str) -> Call[models.WebhookPing]:
        path = f"{self._ops()}/webhooks/{q(webhook_id)}/deliveries/{q(delivery_id)}/redeliver"
        return Call("POST", path, model(models.WebhookPing))


def _path(_response: httpx.Response) -> Path:
    """A download's answer is the saved file's path, which the sender returns; never called."""
    raise AssertionError("a download is written by the sender")
