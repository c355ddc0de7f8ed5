"""The admin commands of ``minerun``: run the service, its parts, and manage tokens.

They work on the service's own settings and database, not over HTTP.

Every flag falls back to its ``MINERUN_*`` variable, then to the built-in default. A relative
data directory is taken from the directory the command runs in, and made absolute once, so
that every process of the service (and its slot processes) uses the same one.

The web server, the API and the worker are imported by the commands that run them, not at
the top: slot processes are spawned, and a spawned process imports its parent's main module
(this one, through the ``minerun`` script) before it can start; a slot needs none of them.
"""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import signal
import socket
import sys
import threading
import uuid
from pathlib import Path

from minerun.config import Settings, load_settings
from minerun.logs import configure_logging
from minerun.store.database import Database

log = logging.getLogger("minerun")

DEMO_TENANT = "00000000-0000-4000-8000-000000000001"
DEMO_PROJECT = "00000000-0000-4000-8000-000000000002"


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", help="MINERUN_DATA_DIR")
    parser.add_argument("--database-url", help="MINERUN_DATABASE_URL")


def _http(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="MINERUN_HOST")
    parser.add_argument("--port", type=int, help="MINERUN_PORT")


def _worker(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--worker-slots", type=int, help="MINERUN_WORKER_SLOTS")
    parser.add_argument("--worker-name", help="MINERUN_WORKER_NAME")
    parser.add_argument("--lease-seconds", type=float, help="MINERUN_LEASE_SECONDS")
    parser.add_argument("--heartbeat-seconds", type=float, help="MINERUN_HEARTBEAT_SECONDS")


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add serve, api, worker, migrate and tokens to the ``minerun`` command."""
    serve = commands.add_parser("serve", help="API and an embedded worker in one process")
    for add in (_common, _http, _worker):
        add(serve)
    serve.add_argument("--demo", action="store_true", help="create a demo token on first start")
    api = commands.add_parser("api", help="the HTTP API only")
    _common(api)
    _http(api)
    api.add_argument("--processes", type=int, dest="api_processes", help="MINERUN_API_PROCESSES")
    worker = commands.add_parser("worker", help="a worker only")
    _common(worker)
    _worker(worker)
    worker.add_argument("--health-port", type=int, help="MINERUN_HEALTH_PORT")
    migrate = commands.add_parser("migrate", help="bring the database schema up to date")
    _common(migrate)
    tokens = commands.add_parser("tokens", help="create, list and revoke API tokens")
    token_commands = tokens.add_subparsers(dest="token_command", required=True)
    create = token_commands.add_parser("create")
    _common(create)
    create.add_argument("--tenant", required=True, help="tenant GUID")
    create.add_argument("--project", help="project GUID (omit for all projects of the tenant)")
    create.add_argument("--name", default="api token")
    listing = token_commands.add_parser("list")
    _common(listing)
    revoke = token_commands.add_parser("revoke")
    _common(revoke)
    revoke.add_argument("token_id")
    for command in (serve, api, worker, migrate, create, listing, revoke):
        command.set_defaults(run=run)


def _settings(args: argparse.Namespace) -> Settings:
    names = (
        "data_dir",
        "database_url",
        "host",
        "port",
        "worker_slots",
        "worker_name",
        "lease_seconds",
        "heartbeat_seconds",
        "api_processes",
        "health_port",
    )
    settings = load_settings(**{name: getattr(args, name, None) for name in names})
    return settings.model_copy(update={"data_dir": settings.data_dir.resolve()})


def _database(settings: Settings) -> Database:
    database = Database(settings.resolved_database_url, pool_size=2)
    database.migrate()
    return database


def _existing_database(settings: Settings) -> Database:
    """The service's database, or exit saying where it was looked for (never a new one)."""
    where = "MINERUN_DATABASE_URL" if settings.database_url else str(settings.data_dir)
    hint = (
        f"minerun: no minerun database in {where}. The token commands use the database of "
        "the service: run them with the same MINERUN_DATA_DIR (or --data-dir) and "
        "MINERUN_DATABASE_URL as the service, or from the directory where it runs. "
        "`minerun migrate` creates a new, empty database."
    )
    if not settings.database_url and not (settings.data_dir / "minerun.db").exists():
        sys.exit(hint)
    database = Database(settings.resolved_database_url, pool_size=2)
    if not database.has_schema():
        database.close()
        sys.exit(hint)
    database.migrate()
    return database


def _guid(value: str, flag: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        sys.exit(f"minerun: {flag} must be a GUID, got {value!r}")


def _tokens(args: argparse.Namespace, settings: Settings) -> None:
    if args.token_command == "create":
        tenant = _guid(args.tenant, "--tenant")
        project = _guid(args.project, "--project") if args.project else None
    database = _existing_database(settings)
    if args.token_command == "create":
        record, token = database.tokens.create(tenant, project, args.name)
        print(f"token id: {record.id}\ntenant:   {tenant}\nproject:  {project or '*'}")
        print(token)
    elif args.token_command == "list":
        for r in database.tokens.all():
            state = f"revoked {r.revoked_at:%Y-%m-%d}" if r.revoked_at else "active"
            print(f"{r.id}  {r.tenant_id}  {r.project_id or '*'}  {state}  {r.name}")
    else:
        database.tokens.revoke(args.token_id)
        print(f"revoked {args.token_id}")
    database.close()


def _program() -> str:
    """How the user ran minerun (``.venv/bin/minerun`` under make), for commands we suggest."""
    given = sys.argv[0] if sys.argv else ""
    return given if Path(given).name == "minerun" else "minerun"


def token_command(settings: Settings) -> str:
    """The command that makes a token for the demo project, runnable from any directory."""
    command = (
        f"{_program()} tokens create --tenant {DEMO_TENANT} --project {DEMO_PROJECT} --name demo"
    )
    if not settings.database_url:
        command += f" --data-dir {shlex.quote(str(settings.data_dir))}"
    return command


def _demo(settings: Settings) -> None:
    database = _database(settings)
    base = f"{_url(settings)}/api/{DEMO_TENANT}/{DEMO_PROJECT}"
    if not database.tokens.all():
        _record, token = database.tokens.create(DEMO_TENANT, DEMO_PROJECT, "demo")
        print(f"demo tenant:  {DEMO_TENANT}\ndemo project: {DEMO_PROJECT}")
        print(f"demo token:   {token}\nAPI base:     {base}\n")
        print(f"for the command line, in another terminal:\n  {_exports(settings, token)}\n")
    else:
        # Tokens are stored hashed: the first start's token cannot be shown again.
        print(
            f"API base:     {base}\n"
            "tokens exist already (they cannot be shown again); make a new one with:\n"
            f"  {token_command(settings)}\n"
        )
        exports = _exports(settings, "<token>")
        print(f"for the command line, in another terminal:\n  {exports}\n")
    sys.stdout.flush()
    database.close()


def _exports(settings: Settings, token: str) -> str:
    """The variables the operation commands (``minerun ops`` …) read, set for the demo."""
    return (
        f"export MINERUN_URL={_url(settings)} MINERUN_TENANT={DEMO_TENANT} "
        f"MINERUN_PROJECT={DEMO_PROJECT} MINERUN_TOKEN={token}"
    )


def _run_worker(settings: Settings) -> None:
    from minerun.notify.deliverer import start_deliverer
    from minerun.worker.supervisor import Supervisor

    database = _database(settings)
    stopping = threading.Event()

    def stop(_signum: int, _frame: object) -> None:
        stopping.set()
        database.waker.wake()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    deliverer = start_deliverer(settings, database.engine, stopping)
    supervisor = Supervisor(settings, database)
    if settings.health_port:
        from minerun.worker.health import serve_health

        health = serve_health(settings.host, settings.health_port, supervisor, stopping)
        log.info("worker health on http://%s:%s", settings.host, health.server_port)
    supervisor.run(stopping)
    deliverer.join()
    database.close()


def _url(settings: Settings) -> str:
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return f"http://{host}:{settings.port}"


def _bind(settings: Settings) -> socket.socket:
    """The API's socket, bound before anything else starts: a port in use ends the command
    here, before a demo token is made or a worker started."""
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            settings.host, settings.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
    except OSError as error:
        sys.exit(f"minerun: cannot listen on {settings.host}:{settings.port}: {error}")
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        # Listening at once holds the port (another bind with SO_REUSEADDR would succeed on a
        # socket that is only bound); connections wait in the backlog until the app is up.
        sock.listen(2048)
    except OSError as error:
        sock.close()
        sys.exit(
            f"minerun: cannot listen on {settings.host}:{settings.port}: "
            f"{error.strerror or error}. Is another minerun (or another server) using the "
            "port? Stop it, or choose another port with --port or MINERUN_PORT."
        )
    return sock


def _serve_http(args: argparse.Namespace, settings: Settings) -> None:
    processes = settings.api_processes if args.command == "api" else 1
    listener = _bind(settings)
    if args.command == "serve" and args.demo:
        _demo(settings)
    if processes <= 1:
        _serve_one(settings, listener, embedded_worker=args.command == "serve")
        return
    listener.close()  # checked free; uvicorn binds it again for its processes
    import uvicorn

    # Several processes share the port; each builds the app from the environment, so the
    # settings given as flags are handed over as variables. The schema is brought up to date
    # once, here, rather than by every process at the same moment.
    _database(settings).close()
    for name, value in settings.model_dump(mode="json").items():
        os.environ[f"MINERUN_{name.upper()}"] = str(value)
    uvicorn.run(
        "minerun.api.app:app_from_environment",
        factory=True,
        workers=processes,
        host=settings.host,
        port=settings.port,
        log_level="warning",
    )


def _serve_one(settings: Settings, listener: socket.socket, embedded_worker: bool) -> None:
    import uvicorn

    from minerun.api.app import create_app

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started:  # after the app's start-up: requests are answered from now on
                log.info("listening on %s", _url(settings))

    app = create_app(settings, embedded_worker=embedded_worker)
    server = Server(uvicorn.Config(app, log_level="warning"))
    server.run(sockets=[listener])
    if not server.started:
        sys.exit(3)


def run(args: argparse.Namespace) -> None:
    """Run the admin command ``args`` names."""
    settings = _settings(args)
    configure_logging(settings.log_format, settings.log_level)
    if args.command == "tokens":
        _tokens(args, settings)
    elif args.command == "migrate":
        _database(settings).close()
    elif args.command == "worker":
        _run_worker(settings)
    else:
        _serve_http(args, settings)
