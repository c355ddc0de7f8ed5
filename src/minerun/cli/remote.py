"""What every operation command shares: where the service is, who asks, and how errors end.

A command is a function of a :class:`~minerun.client.Client`, its parsed arguments and an
:class:`~minerun.cli.output.Output`; :func:`command` runs it and turns every error the client
raises into one message on stderr and an exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeAlias

from minerun.cli.output import Output
from minerun.client import ApiError, Client, InvalidInput, MinerunError, TransportError

EXIT_ERROR = 1  # the API refused the request, or could not be reached
EXIT_USAGE = 2  # a bad command line (argparse's own code)
EXIT_NOT_COMPLETED = 4  # a followed operation ended Failed, Cancelled or Timeout
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports it

Handler = Callable[[Client, argparse.Namespace, Output], int | None]
# Subscripted for mypy only: argparse's class is not subscriptable at run time before 3.12.
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


class UsageError(Exception):
    """The command line is not usable as given; the message says why."""


def connection() -> argparse.ArgumentParser:
    """The options every operation command takes (a parent parser)."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("connection")
    group.add_argument("--url", help="the service, default MINERUN_URL or http://127.0.0.1:8000")
    group.add_argument("--token", help="bearer token, default MINERUN_TOKEN")
    group.add_argument("--tenant", help="tenant GUID, default MINERUN_TENANT")
    group.add_argument("--project", help="project GUID, default MINERUN_PROJECT")
    return parent


def reading() -> argparse.ArgumentParser:
    """``--json`` for commands that show something (a parent parser)."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--json", action="store_true", help="print the API's JSON answer instead of a table"
    )
    return parent


def add(
    commands: Commands, name: str, handler: Handler, help: str, *, reads: bool = True
) -> argparse.ArgumentParser:
    """A subcommand running ``handler``, with the connection options (and ``--json``)."""
    parents = [connection(), reading()] if reads else [connection()]
    parser = commands.add_parser(name, help=help, description=help, parents=parents)
    parser.set_defaults(run=command(handler))
    return parser


def command(handler: Handler) -> Callable[[argparse.Namespace], int]:
    """``handler`` run with a client; its errors printed as one message and an exit code."""

    def run(args: argparse.Namespace) -> int:
        out = Output(as_json=getattr(args, "json", False))
        client = Client(args.url, args.token, args.tenant, args.project)
        try:
            with client:
                _check_scope(client)
                return handler(client, args, out) or 0
        except UsageError as error:
            out.error(str(error))
            return EXIT_USAGE
        except ApiError as error:
            out.error(problem_text(error))
            return EXIT_ERROR
        except TransportError as error:
            out.error(f"cannot reach {client.base_url}: {error}")
            return EXIT_ERROR
        except MinerunError as error:
            out.error(str(error))
            return EXIT_ERROR
        except OSError as error:  # a local file: the log to upload, a download's directory
            out.error(f"{error.filename or ''}: {error.strerror or error}".lstrip(": "))
            return EXIT_ERROR
        except KeyboardInterrupt:
            out.error("interrupted")
            return EXIT_INTERRUPTED

    return run


def _check_scope(client: Client) -> None:
    missing = [
        f"--{name} (or MINERUN_{name.upper()})"
        for name, value in (("tenant", client.tenant), ("project", client.project))
        if not value
    ]
    if missing:
        raise UsageError("no " + " and no ".join(missing) + " given")


def problem_text(error: ApiError) -> str:
    """An error answer as a person reads it: status, title, detail, and each field's reason."""
    title = error.title or "error"
    lines = [f"{error.status} {title}: {error.detail}"]
    if isinstance(error, InvalidInput):
        lines += [f"  {e.get('field', '?')}: {e.get('reason', '')}" for e in error.errors]
    return "\n".join(lines)


def json_file(path: str) -> dict[str, Any]:
    """A JSON object read from ``path`` (``-`` for standard input is not supported on purpose:
    the file's name is what an error message points at)."""
    try:
        value = json.loads(Path(path).read_text())
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}") from error
    except ValueError as error:
        raise UsageError(f"{path} is not valid JSON: {error}") from error
    if not isinstance(value, dict):
        raise UsageError(f"{path} must hold a JSON object")
    return value


def pairs(values: list[str] | None, flag: str) -> dict[str, Any]:
    """``k=v`` arguments as a nested object: ``a.b=1`` sets ``{"a": {"b": 1}}``; a value that
    reads as JSON (numbers, booleans, lists, objects, quoted strings) is taken as such, any
    other as a string."""
    found: dict[str, Any] = {}
    for value in values or []:
        key, sep, raw = value.partition("=")
        if not sep or not key:
            raise UsageError(f"{flag} takes key=value, got {value!r}")
        try:
            parsed: Any = json.loads(raw)
        except ValueError:
            parsed = raw
        *parents, last = key.split(".")
        target = found
        for name in parents:
            child = target.setdefault(name, {})
            if not isinstance(child, dict):
                raise UsageError(f"{flag} {key}: {name} is given a value already")
            target = child
        target[last] = parsed
    return found
