"""The ``minerun`` command: run the service, its parts, and manage tokens.

Every flag falls back to its ``MINERUN_*`` variable, then to the built-in default.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import uuid
from collections.abc import Sequence

import uvicorn

from minerun.api.app import create_app
from minerun.config import Settings, load_settings
from minerun.notify.deliverer import start_deliverer
from minerun.store.database import Database
from minerun.worker.supervisor import Supervisor

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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="minerun", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
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
    return parser


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
    )
    return load_settings(**{name: getattr(args, name, None) for name in names})


def _database(settings: Settings) -> Database:
    database = Database(settings.resolved_database_url, pool_size=2)
    database.migrate()
    return database


def _guid(value: str, flag: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        sys.exit(f"minerun: {flag} must be a GUID, got {value!r}")


def _tokens(args: argparse.Namespace, settings: Settings) -> None:
    database = _database(settings)
    if args.token_command == "create":
        tenant = _guid(args.tenant, "--tenant")
        project = _guid(args.project, "--project") if args.project else None
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


def _demo(settings: Settings) -> None:
    database = _database(settings)
    if not database.tokens.all():
        _record, token = database.tokens.create(DEMO_TENANT, DEMO_PROJECT, "demo")
        base = f"http://{settings.host}:{settings.port}/api/{DEMO_TENANT}/{DEMO_PROJECT}"
        print(f"demo tenant:  {DEMO_TENANT}\ndemo project: {DEMO_PROJECT}")
        print(f"demo token:   {token}\nAPI base:     {base}\n", flush=True)
    else:
        print("tokens exist already; create another with: minerun tokens create --tenant <GUID>")
    database.close()


def _run_worker(settings: Settings) -> None:
    database = _database(settings)
    stopping = threading.Event()

    def stop(_signum: int, _frame: object) -> None:
        stopping.set()
        database.waker.wake()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    deliverer = start_deliverer(settings, database.engine, stopping)
    Supervisor(settings, database).run(stopping)
    deliverer.join()
    database.close()


def _serve_http(args: argparse.Namespace, settings: Settings) -> None:
    processes = settings.api_processes if args.command == "api" else 1
    if processes <= 1:
        app = create_app(settings, embedded_worker=args.command == "serve")
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
        return
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


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = _settings(args)
    if args.command == "tokens":
        _tokens(args, settings)
    elif args.command == "migrate":
        _database(settings).close()
    elif args.command == "worker":
        _run_worker(settings)
    else:
        if args.command == "serve" and args.demo:
            _demo(settings)
        _serve_http(args, settings)


if __name__ == "__main__":
    main()
