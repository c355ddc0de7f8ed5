"""``minerun ops``: start operations, list and show them, cancel, retry, follow.

Results and downloads are in ``results.py``; the live display of ``follow`` in ``follow.py``.
"""

from __future__ import annotations

import argparse
from itertools import islice
from typing import Any

from minerun.cli import results
from minerun.cli.follow import follow
from minerun.cli.output import Output, duration
from minerun.cli.remote import Commands, UsageError, add, json_file, pairs
from minerun.client import Client
from minerun.client.models import OperationStatus

STATUSES = ("Initiated", "Pending", "Running", "Completed", "Failed", "Cancelled", "Timeout")
PRIORITIES = ("Low", "Normal", "High", "Critical")
# Fields of a start request body (--file) -> keyword of Client.start.
BODY_FIELDS = {
    "operationName": "name",
    "operationDescription": "description",
    "priority": "priority",
    "parameters": "parameters",
    "timeout": "timeout",
    "callbacks": "callbacks",
    "notifications": "notifications",
    "retryPolicy": "retry_policy",
}


def add_commands(commands: Commands) -> None:
    group = commands.add_parser("ops", help="start, list, follow, cancel and retry operations")
    ops = group.add_subparsers(dest="ops_command", required=True, metavar="COMMAND")
    _start_command(ops)
    listing = add(ops, "list", _list, "operations, newest first, optionally filtered")
    listing.add_argument("--status", choices=STATUSES)
    listing.add_argument("--type", dest="operation_type", help="operation type")
    listing.add_argument("--priority", choices=PRIORITIES)
    listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    show = add(ops, "show", _show, "one operation's status, progress and phases")
    show.add_argument("operation_id")
    watch = add(ops, "follow", _follow, "follow an operation live until it finishes")
    watch.add_argument("operation_id")
    cancel = add(ops, "cancel", _cancel, "cancel an operation (cooperative unless --force)")
    cancel.add_argument("operation_id")
    cancel.add_argument("--force", action="store_true", help="kill its process at once")
    cancel.add_argument("--reason", help="why (kept with the operation)")
    retry = add(ops, "retry", _retry, "a new operation from a Failed, Cancelled or Timeout one")
    retry.add_argument("operation_id")
    retry.add_argument(
        "--restart", action="store_true", help="run every phase again (default: resume)"
    )
    retry.add_argument("--reason", help="why (kept with the new operation)")
    retry.add_argument("--follow", action="store_true", help="then follow the new operation")
    retry.add_argument("-q", "--quiet", action="store_true", help="print the new id only")
    results.add_commands(ops)


def _start_command(ops: Commands) -> None:
    start = add(ops, "start", _start, "start an operation (202: committed before the answer)")
    start.add_argument("kind", nargs="?", help="operation type, e.g. ProcessMiningAnalysis")
    start.add_argument("--dataset", help="the datasetId parameter")
    start.add_argument(
        "--param",
        action="append",
        metavar="KEY=VALUE",
        help="a parameter (repeatable); a.b=v nests, JSON values (1, true, [..]) are typed",
    )
    start.add_argument("--file", help="a JSON request body; the options above override it")
    start.add_argument("--name", help="operationName")
    start.add_argument("--priority", choices=PRIORITIES)
    start.add_argument("--timeout", type=int, help="seconds before it ends as Timeout")
    start.add_argument("--idempotency-key", help="default: a new UUID")
    start.add_argument("--follow", action="store_true", help="then follow it live")
    start.add_argument("-q", "--quiet", action="store_true", help="print the operation id only")


def start_arguments(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """The operation type and the keywords of ``Client.start`` from the command line."""
    body = json_file(args.file) if args.file else {}
    kind = args.kind or body.pop("operationType", None)
    body.pop("operationType", None)
    if not kind:
        raise UsageError("give the operation type (KIND) or operationType in --file")
    unknown = sorted(set(body) - set(BODY_FIELDS))
    if unknown:
        raise UsageError(f"{args.file}: unknown fields {', '.join(unknown)}")
    keywords = {BODY_FIELDS[key]: value for key, value in body.items()}
    parameters = dict(keywords.get("parameters") or {})
    parameters.update(pairs(args.param, "--param"))
    if args.dataset:
        parameters["datasetId"] = args.dataset
    keywords["parameters"] = parameters
    for option in ("name", "priority", "timeout", "idempotency_key"):
        if getattr(args, option) is not None:
            keywords[option] = getattr(args, option)
    return str(kind), keywords


def _start(client: Client, args: argparse.Namespace, out: Output) -> int | None:
    kind, keywords = start_arguments(args)
    started = client.start(kind, **keywords)
    if args.quiet:
        print(started.operation_id, flush=True)
    elif args.json and not args.follow:
        out.json(started)
    elif not args.json:
        out.fields(
            [
                ("operation", started.operation_id),
                ("type", started.operation_type),
                ("status", started.status),
                ("priority", started.priority),
                ("estimated duration", started.estimated_duration),
                ("estimated completion", started.estimated_completion),
            ]
        )
    return follow(client, started.operation_id, out) if args.follow else None


def _list(client: Client, args: argparse.Namespace, out: Output) -> None:
    found = list(
        islice(
            client.operations(
                status=args.status, operation_type=args.operation_type, priority=args.priority
            ),
            max(args.limit, 0),
        )
    )
    if args.json:
        out.json(found)
        return
    out.table(
        ("operation", "type", "name", "status", "%", "priority", "created"),
        (
            (
                op.operation_id,
                op.operation_type,
                op.operation_name,
                op.status,
                op.progress,
                op.priority,
                op.date_created,
            )
            for op in found
        ),
    )


def _show(client: Client, args: argparse.Namespace, out: Output) -> None:
    status = client.operation(args.operation_id)
    if args.json:
        out.json(status)
    else:
        describe(status, out)


def describe(status: OperationStatus, out: Output) -> None:
    """An operation as a person reads it: what it is, where it stands, each phase."""
    progress, execution = status.progress, status.execution
    out.fields(
        [
            ("operation", status.operation_id),
            ("type", status.operation_type),
            ("name", status.operation_name),
            ("status", status.status),
            ("priority", status.priority),
            ("progress", f"{progress.percentage}%"),
            ("current phase", progress.current_phase),
            ("phases done", f"{progress.phases_completed}/{progress.total_phases}"),
            ("elapsed", duration(progress.elapsed_seconds)),
            ("time left", duration(progress.estimated_remaining_seconds)),
            ("estimated start", progress.estimated_start),
            ("estimated completion", progress.estimated_completion),
            ("records", execution.processed_records if execution else None),
            ("worker", execution.worker_node if execution else None),
            ("created", status.date_created),
            ("ended", status.end_time),
            ("attempts", status.attempts),
            ("retry of", status.retry_of),
            ("error type", status.last_error_type),
            ("error", status.last_error),
        ]
    )
    out.table(
        ("phase", "status", "records", "duration", "activity"),
        (
            (
                p.phase_name,
                p.status,
                p.records_processed,
                duration((p.model_extra or {}).get("durationSeconds")),
                (p.model_extra or {}).get("currentActivity"),
            )
            for p in status.phases
        ),
    )


def _follow(client: Client, args: argparse.Namespace, out: Output) -> int:
    return follow(client, args.operation_id, out)


def _cancel(client: Client, args: argparse.Namespace, out: Output) -> None:
    cancelled = client.cancel(args.operation_id, reason=args.reason, force=args.force)
    if args.json:
        out.json(cancelled)
        return
    out.fields(
        [
            ("operation", cancelled.operation_id),
            ("status", cancelled.status),
            ("phase", cancelled.phase_at_cancellation),
            ("progress", f"{cancelled.progress_at_cancellation}%"),
            ("forced", cancelled.force_termination),
            ("reason", cancelled.reason),
        ]
    )


def _retry(client: Client, args: argparse.Namespace, out: Output) -> int | None:
    mode = "restart" if args.restart else "resume"
    retried = client.retry(args.operation_id, mode=mode, reason=args.reason)
    if args.quiet:
        print(retried.new_operation_id, flush=True)
    elif args.json and not args.follow:
        out.json(retried)
    elif not args.json:
        reused = (retried.preserved_results or {}).get("phasesReused")
        out.fields(
            [
                ("new operation", retried.new_operation_id),
                ("retry of", retried.original_operation_id),
                ("mode", retried.retry_mode),
                ("retry number", retried.retry_number),
                ("resumes at", retried.resume_from_phase),
                ("phases reused", ", ".join(reused) if reused else None),
                ("status", retried.status),
            ]
        )
    return follow(client, retried.new_operation_id, out) if args.follow else None
