"""A worker's own small HTTP port: ``/livez``, ``/readyz`` and ``/metrics``.

For an orchestrator (Kubernetes probes) and a Prometheus scrape of a ``minerun worker``, which
has no API. Live: the supervisor's loop went round within one lease period (a loop stuck longer
loses its leases anyway). Ready: every slot is up and can take work, and the worker is not
draining. ``/metrics`` is this process's instruments (claims, pickups, phases, leases,
deliveries); the service-wide census is on the API's ``/metrics``.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from minerun.metrics import PROCESS
from minerun.worker.supervisor import Supervisor


class HealthServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], supervisor: Supervisor, stopping: threading.Event
    ) -> None:
        super().__init__(address, _Handler)
        self.supervisor = supervisor
        self.stopping = stopping

    def live(self) -> bool:
        stuck = time.monotonic() - self.supervisor.looped_at
        return stuck < self.supervisor.settings.lease_seconds

    def ready(self) -> bool:
        return self.live() and self.supervisor.ready.is_set() and not self.stopping.is_set()


class _Handler(BaseHTTPRequestHandler):
    server: HealthServer

    def do_GET(self) -> None:
        if self.path == "/livez":
            self._answer(self.server.live(), b"live\n", b"not live\n")
        elif self.path == "/readyz":
            self._answer(self.server.ready(), b"ready\n", b"not ready\n")
        elif self.path == "/metrics":
            self._send(200, generate_latest(PROCESS), CONTENT_TYPE_LATEST)
        else:
            self._send(404, b"not found\n", "text/plain")

    def _answer(self, ok: bool, yes: bytes, no: bytes) -> None:
        self._send(200 if ok else 503, yes if ok else no, "text/plain")

    def _send(self, status: int, body: bytes, media_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return None  # probes every few seconds would drown the log


def serve_health(
    host: str, port: int, supervisor: Supervisor, stopping: threading.Event
) -> HealthServer:
    """Start answering probes on ``host:port`` in a daemon thread."""
    server = HealthServer((host, port), supervisor, stopping)
    threading.Thread(target=server.serve_forever, name="health", daemon=True).start()
    return server
