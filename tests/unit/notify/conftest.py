"""Local stand-ins for the outside world: an HTTP receiver and TLS certificates."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Received:
    """One request as the receiver saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    client_port: int


@dataclass
class Reply:
    """What the receiver answers on a path."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"
    delay: float = 0.0


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients that give up (timeouts, bounded reads) reset the connection: expected here.
        pass


class Receiver:
    """A threaded HTTP/1.1 server on 127.0.0.1 that records requests and answers scripts."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self.requests: list[Received] = []
        self.replies: dict[str, Reply] = {}
        self.sni_names: list[str | None] = []
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), self._handler_class())
        if ssl_context is not None:
            ssl_context.sni_callback = self._record_sni
            self._server.socket = ssl_context.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()

    def url(self, path: str = "/hook", host: str = "127.0.0.1", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _record_sni(self, _sock: object, name: str | None, _ctx: object) -> None:
        self.sni_names.append(name)

    def _record(self, received: Received) -> Reply:
        with self._lock:
            self.requests.append(received)
            return self.replies.get(received.path, Reply())

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Without it, Nagle's algorithm and delayed ACKs add 40 ms to small answers.
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                headers = {name.lower(): value for name, value in self.headers.items()}
                received = Received("POST", self.path, headers, body, self.client_address[1])
                reply = receiver._record(received)
                if reply.delay:
                    time.sleep(reply.delay)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@dataclass(frozen=True)
class TlsFiles:
    """A private CA and a server certificate for receiver.test and 127.0.0.1."""

    ca: Path
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca))


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make test certificates")
    folder = tmp_path_factory.mktemp("tls")
    ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], cwd=folder, check=True, capture_output=True)

    run(
        *f"req -x509 {ec} -keyout ca.key -out ca.pem -days 2 -subj /CN=minerun-test-CA".split(),
        *"-addext basicConstraints=critical,CA:TRUE".split(),
        *"-addext keyUsage=critical,keyCertSign,cRLSign".split(),
    )
    run(*f"req {ec} -keyout server.key -out server.csr -subj /CN=receiver.test".split())
    (folder / "ext.cnf").write_text(
        "subjectAltName=DNS:receiver.test,IP:127.0.0.1\n"
        "basicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\n"
        "authorityKeyIdentifier=keyid\n"
    )
    run(
        *"x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial".split(),
        *"-out server.pem -days 2 -extfile ext.cnf".split(),
    )
    return TlsFiles(folder / "ca.pem", folder / "server.pem", folder / "server.key")
