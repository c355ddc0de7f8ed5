"""``minerun batch``: operations with dependencies, submitted and followed together.

``submit FILE`` takes the API's own body (``batchName``, ``operations`` with ``operationKey``
and ``dependencies``, ``batchCallbacks``, ``failurePolicy``; docs/batches.md). ``follow``
reads the batch's status until it ends and prints each operation's change of status; it
exits 0 when the batch Completed and 4 otherwise, as ``ops follow`` does.
"""

from __future__ import annotations

import argparse
import time

from minerun.cli.output import Output
from minerun.cli.remote import EXIT_NOT_COMPLETED, Commands, add, json_file
from minerun.client import Client
from minerun.client.batches import BatchStarted, BatchStatus

# How often ``follow`` reads the status: the batch answer lists every operation, so a
# second between reads keeps a long batch cheap for the server.
POLL_SECONDS = 1.0


def add_commands(commands: Commands) -> None:
    group = commands.add_parser("batch", help="submit and follow batches of dependent operations")
    batch = group.add_subparsers(dest="batch_command", required=True, metavar="COMMAND")
    submit = add(batch, "submit", _submit, "submit a batch from a JSON file (the API's body)")
    submit.add_argument("file", metavar="FILE", help="the batch body, as in docs/batches.md")
    submit.add_argument("--idempotency-key", help="replays the first answer when sent again")
    submit.add_argument("--follow", action="store_true", help="then follow it to its end")
    submit.add_argument("-q", "--quiet", action="store_true", help="print only the batch id")
    show = add(batch, "show", _show, "a batch's status, with every operation and its timings")
    show.add_argument("batch_id")
    listing = add(batch, "list", _list, "the project's batches, newest first")
    listing.add_argument("--status")
    listing.add_argument("--limit", type=int, default=20)
    follow = add(batch, "follow", _follow, "print each operation's status until the batch ends")
    follow.add_argument("batch_id")
    cancel = add(batch, "cancel", _cancel, "cancel what has not finished")
    cancel.add_argument("batch_id")
    cancel.add_argument("--force", action="store_true", help="stop running work at once")
    cancel.add_argument("--reason")
    retry = add(batch, "retry", _retry, "run again what failed or was cancelled")
    retry.add_argument("batch_id")


def _submit(client: Client, args: argparse.Namespace, out: Output) -> int | None:
    body = json_file(args.file)
    started = client.submit_batch(
        str(body.get("batchName", "")),
        list(body.get("operations", [])),
        description=body.get("batchDescription"),
        callbacks=body.get("batchCallbacks"),
        failure_policy=body.get("failurePolicy"),
        idempotency_key=args.idempotency_key,
    )
    if args.quiet:
        out.line(started.batch_id)
    elif args.json and args.follow:
        pass  # the followed changes are the JSON lines
    elif args.json:
        out.json(started)
    else:
        describe(started, out)
    return follow(client, started.batch_id, out) if args.follow else None


def describe(batch: BatchStarted, out: Output) -> None:
    pairs = [
        ("batch", batch.batch_id),
        ("name", batch.batch_name),
        ("status", batch.status),
        ("operations", batch.total_operations),
        ("estimated duration", batch.estimated_batch_duration),
        ("estimated completion", batch.estimated_batch_completion),
        ("critical path", " → ".join(batch.critical_path)),
    ]
    if isinstance(batch, BatchStatus):
        pairs += [("progress", batch.progress), ("ended", batch.end_time)]
    out.fields(pairs)
    out.table(
        ("key", "operation", "type", "status", "after"),
        (
            (o.operation_key, o.operation_id, o.operation_type, o.status, ", ".join(o.dependencies))
            for o in batch.operations
        ),
    )


def _show(client: Client, args: argparse.Namespace, out: Output) -> None:
    batch = client.batch(args.batch_id)
    if args.json:
        out.json(batch)
    else:
        describe(batch, out)


def _list(client: Client, args: argparse.Namespace, out: Output) -> None:
    page = client.batches_page(1, page_size=max(1, min(args.limit, 100)), status=args.status)
    if args.json:
        out.json(page)
        return
    out.table(
        ("batch", "name", "status", "progress", "operations", "ended"),
        (
            (b.batch_id, b.batch_name, b.status, f"{b.progress}%", b.total_operations, b.end_time)
            for b in page.batches
        ),
    )


def _follow(client: Client, args: argparse.Namespace, out: Output) -> int:
    return follow(client, args.batch_id, out)


def follow(client: Client, batch_id: str, out: Output) -> int:
    """Print every change of an operation's status until the batch ends; the exit code."""
    seen: dict[str, str] = {}
    while True:
        batch = client.batch(batch_id)
        for operation in batch.operations:
            if seen.get(operation.operation_key) != operation.status:
                seen[operation.operation_key] = operation.status
                if out.as_json:
                    out.json_line(operation)
                else:
                    out.line(f"{operation.operation_key}: {operation.status}")
        if batch.end_time is not None:
            if not out.as_json:
                out.line(f"batch {batch.batch_id}: {batch.status}")
            return 0 if batch.status == "Completed" else EXIT_NOT_COMPLETED
        time.sleep(POLL_SECONDS)


def _cancel(client: Client, args: argparse.Namespace, out: Output) -> None:
    batch = client.cancel_batch(args.batch_id, reason=args.reason, force=args.force)
    if args.json:
        out.json(batch)
    else:
        describe(batch, out)


def _retry(client: Client, args: argparse.Namespace, out: Output) -> None:
    batch = client.retry_batch(args.batch_id)
    if args.json:
        out.json(batch)
    else:
        describe(batch, out)
