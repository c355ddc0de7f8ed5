"""A real HTTP receiver on 127.0.0.1 for webhook tests: records requests, answers as told."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# Decides the answer to the n-th request (0-based): status and extra headers.
Responder = Callable[[int, "Received"], tuple[int, dict[str, str]]]


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def json(self) -> dict[str, Any]:
        return dict(json.loads(self.body))

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that were killed or gave up reset their connections: expected here


def ok(_n: int, _r: Received) -> tuple[int, dict[str, str]]:
    return 200, {}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Receiver:
    """Listens on ``port`` while started; ``down`` until :meth:`start` is called."""

    port: int = field(default_factory=free_port)
    respond: Responder = ok
    delay: float = 0.0
    reply: bytes = b"ok"
    requests: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                got = Received(self.path, headers, body, time.time())
                if receiver.delay:
                    time.sleep(receiver.delay)
                with receiver._lock:
                    n = len(receiver.requests)
                    receiver.requests.append(got)
                    status, extra = receiver.respond(n, got)
                    receiver.answers.append(status)
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(receiver.reply)))
                self.end_headers()
                self.wfile.write(receiver.reply)

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = _QuietServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def accepted(self) -> list[Received]:
        """The requests answered 2xx."""
        with self._lock:
            return [r for r, s in zip(self.requests, self.answers, strict=True) if s < 300]

    def of_type(self, event_type: str) -> list[Received]:
        return [r for r in self.accepted() if r.json["type"] == event_type]
