"""POST one webhook delivery to an address that the SSRF guard pinned.

The request keeps its URL, so the ``Host`` header, TLS SNI and certificate check all use the
original host name, while the TCP connection goes to the pinned address: httpx runs on an
httpcore connection pool whose network backend connects to the pin of the current request
and refuses any other connection. Nothing else resolves names, so a second DNS answer cannot
redirect a delivery, and no proxy from the environment is used.

Redirects are not followed (a 3xx is a failed delivery). The timeout of an attempt bounds
connecting (with the TLS handshake), each read and each write, and reading the body stops at
the attempt's deadline; a receiver that trickles its headers can still hold an attempt for
longer, one timeout per read.

A :class:`WebhookSender` keeps connections alive between deliveries to the same host; a
kept-alive connection may outlive a DNS change, and then goes to an address that passed the
same check when it was opened.
"""

from __future__ import annotations

import contextvars
import ssl
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Self

import httpcore
import httpx

from minerun.notify.backoff import parse_retry_after
from minerun.notify.errors import DeliveryError
from minerun.notify.ssrf import DEFAULT_PORTS, PinnedTarget

DEFAULT_TIMEOUT = 15.0
DEFAULT_USER_AGENT = "minerun-webhooks/1"
EXCERPT_BYTES = 1024
# Bodies up to this size are read in full so that the connection can be reused.
_MAX_BODY_READ = 64 * 1024
_PIN_EXTENSION = "minerun.pinned_address"


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    """What one delivery attempt produced.

    ``status_code`` is None when no response arrived (then ``error`` says why);
    ``error`` is None exactly when the receiver answered 2xx. ``retry_after_seconds`` comes
    from a ``Retry-After`` header; ``response_excerpt`` holds the start of the body.
    """

    status_code: int | None
    latency_ms: float
    error: str | None
    retry_after_seconds: float | None
    response_excerpt: str

    @property
    def ok(self) -> bool:
        """Whether the receiver accepted the delivery (answered 2xx)."""
        return self.error is None


@dataclass(frozen=True, slots=True)
class _Pin:
    host: str
    port: int
    ip: str


_CURRENT_PIN: contextvars.ContextVar[_Pin | None] = contextvars.ContextVar(
    "minerun_webhook_pin", default=None
)


class _PinnedBackend(httpcore.NetworkBackend):
    """Connects only to the pinned address of the request being sent on this thread."""

    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        pin = _CURRENT_PIN.get()
        if pin is None or (pin.host, pin.port) != (host, port):
            raise httpcore.ConnectError(f"refusing to connect to unpinned {host}:{port}")
        return self._backend.connect_tcp(pin.ip, port, timeout, local_address, socket_options)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("webhooks never use Unix sockets")

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


# Most specific first: the first match wins.
_EXCEPTIONS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextmanager
def _httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for source, target in _EXCEPTIONS:
            if isinstance(exc, source):
                raise target(str(exc)) from exc
        raise


class _ResponseStream(httpx.SyncByteStream):
    def __init__(self, stream: Iterable[bytes]) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        with _httpx_errors():
            yield from self._stream

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


class _PinnedTransport(httpx.BaseTransport):
    """An httpx transport over an httpcore pool that connects to pinned addresses only."""

    def __init__(self, ssl_context: ssl.SSLContext, max_connections: int) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=30.0,
            network_backend=_PinnedBackend(),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        pin = request.extensions.get(_PIN_EXTENSION)
        if not isinstance(pin, _Pin):
            raise httpx.ConnectError("request has no pinned address", request=request)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        token = _CURRENT_PIN.set(pin)
        try:
            with _httpx_errors():
                response = self._pool.handle_request(core_request)
        finally:
            _CURRENT_PIN.reset(token)
        assert isinstance(response.stream, Iterable)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._pool.close()


class WebhookSender:
    """Sends webhook deliveries over a pool of kept-alive connections; safe across threads.

    ``ssl_context`` defaults to a verifying context with the certifi roots. Use it as a
    context manager, or call :meth:`close` when done.
    """

    def __init__(
        self,
        timeout: float = DEFAULT_TIMEOUT,
        *,
        ssl_context: ssl.SSLContext | None = None,
        max_connections: int = 100,
        user_agent: str = DEFAULT_USER_AGENT,
        excerpt_bytes: int = EXCERPT_BYTES,
    ) -> None:
        context = ssl_context if ssl_context is not None else httpx.create_ssl_context()
        self._timeout = timeout
        self._excerpt_bytes = excerpt_bytes
        self._client = httpx.Client(
            transport=_PinnedTransport(context, max_connections),
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,
            # Compressed answers would make the excerpt unreadable and could expand without bound.
            headers={"user-agent": user_agent, "accept-encoding": "identity"},
        )

    def send(
        self,
        target: PinnedTarget,
        url: str,
        headers: Mapping[str, str],
        body: bytes,
        timeout: float | None = None,
    ) -> DeliveryOutcome:
        """POST ``body`` to ``url`` through the pinned ``target``; never raises for the network.

        Connection failures, timeouts and non-2xx answers come back as an outcome with
        ``error`` set. Raises :class:`DeliveryError` only when ``target`` was not pinned for
        ``url``, which is a caller's mistake.
        """
        seconds = self._timeout if timeout is None else timeout
        request = self._client.build_request(
            "POST",
            url,
            headers=dict(headers),
            content=body,
            timeout=seconds,
            extensions={_PIN_EXTENSION: _pin_for(target, url)},
        )
        started = time.perf_counter()
        try:
            status, retry_after, excerpt, error = self._exchange(request, started + seconds)
        except httpx.TimeoutException as exc:
            status, retry_after, excerpt = None, None, ""
            error = f"timed out after {seconds:g} s ({type(exc).__name__})"
        except httpx.TransportError as exc:
            status, retry_after, excerpt = None, None, ""
            error = f"{type(exc).__name__}: {exc}"
        latency_ms = (time.perf_counter() - started) * 1000.0
        return DeliveryOutcome(status, latency_ms, error, retry_after, excerpt)

    def _exchange(
        self, request: httpx.Request, deadline: float
    ) -> tuple[int, float | None, str, str | None]:
        response = self._client.send(request, stream=True)
        try:
            body = _read_limited(response, _MAX_BODY_READ, deadline)
        finally:
            response.close()
        excerpt = body[: self._excerpt_bytes].decode("utf-8", errors="replace")
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        return response.status_code, retry_after, excerpt, _status_error(response)

    def close(self) -> None:
        """Close every pooled connection."""
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def send_webhook(
    target: PinnedTarget,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    timeout: float = DEFAULT_TIMEOUT,
) -> DeliveryOutcome:
    """Send one delivery on a fresh connection; use :class:`WebhookSender` for many."""
    with WebhookSender(timeout) as sender:
        return sender.send(target, url, headers, body)


def _pin_for(target: PinnedTarget, url: str) -> _Pin:
    """The pin of ``url``'s origin, after checking that ``target`` was resolved for it."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise DeliveryError(f"invalid URL: {exc}", channel="webhook") from exc
    port = parsed.port or DEFAULT_PORTS.get(parsed.scheme, 0)
    if (parsed.scheme, parsed.host, port) != (target.scheme, target.host.lower(), target.port):
        raise DeliveryError(
            f"pinned target {target.host}:{target.port} does not belong to {url}", channel="webhook"
        )
    return _Pin(parsed.raw_host.decode("ascii"), port, target.ip)


def _read_limited(response: httpx.Response, limit: int, deadline: float) -> bytes:
    """Up to ``limit`` bytes of the body; stops early at the attempt's deadline."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_raw():
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit or time.perf_counter() > deadline:
            break
    return b"".join(chunks)


def _status_error(response: httpx.Response) -> str | None:
    status = response.status_code
    if 200 <= status < 300:
        return None
    if 300 <= status < 400:
        location = response.headers.get("location", "")
        return f"HTTP {status} redirect to {location!r} not followed (redirects count as failures)"
    return f"HTTP {status} {response.reason_phrase}".rstrip()
