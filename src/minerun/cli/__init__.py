"""The ``minerun`` command.

Two families of commands share it:

- admin commands (``serve``, ``api``, ``worker``, ``migrate``, ``tokens``; ``admin.py``) run the
  service or work on its database, with every flag falling back to its ``MINERUN_*`` variable;
- operation commands (``datasets``, ``ops``, ``batch``, ``webhooks``) talk to a running service
  over HTTP through the Python client (``minerun.client``), with ``--url``, ``--token``,
  ``--tenant`` and ``--project`` falling back to ``MINERUN_URL``, ``MINERUN_TOKEN``,
  ``MINERUN_TENANT`` and ``MINERUN_PROJECT``. See docs/cli.md.

Slot processes are spawned, and a spawned process imports its parent's main module (this
package, through the ``minerun`` script) before it can start: so the operation commands, with
rich and the client, are imported by :func:`main`, never at the top.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from minerun.cli import admin
from minerun.cli.admin import DEMO_PROJECT, DEMO_TENANT, token_command

DESCRIPTION = (
    "Run the minerun service (serve, api, worker, migrate, tokens), or use a running one over "
    "HTTP (datasets, ops, batch, webhooks). COMMAND --help tells more; see docs/cli.md."
)

__all__ = ["DEMO_PROJECT", "DEMO_TENANT", "main", "parser", "token_command"]


def parser() -> argparse.ArgumentParser:
    """The whole command line: admin commands, then one group per resource of the API."""
    from minerun.cli import batches, datasets, operations, webhooks

    top = argparse.ArgumentParser(prog="minerun", description=DESCRIPTION)
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    admin.add_commands(commands)
    # Each group of operation commands is a module with ``add_commands``.
    for group in (datasets, operations, batches, webhooks):
        group.add_commands(commands)
    return top


def main(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_args(argv)
    code = args.run(args)
    if code:
        sys.exit(code)
