"""``minerun webhooks``: subscriptions to the project's events, and their deliveries."""

from __future__ import annotations

import argparse
from itertools import islice

from minerun.cli.output import Output
from minerun.cli.remote import Commands, add, pairs
from minerun.client import Client
from minerun.client.models import Webhook


def add_commands(commands: Commands) -> None:
    group = commands.add_parser("webhooks", help="subscribe URLs to events, see deliveries")
    hooks = group.add_subparsers(dest="webhooks_command", required=True, metavar="COMMAND")
    create = add(hooks, "create", _create, "subscribe a URL to events (the secret shows once)")
    create.add_argument("webhook_url", metavar="URL", help="where deliveries are POSTed")
    create.add_argument(
        "--event",
        action="append",
        required=True,
        help="an event type, e.g. operation.completed (repeatable)",
    )
    create.add_argument("--name")
    create.add_argument("--secret", help="default: the server makes one (whsec_…)")
    create.add_argument(
        "--filter",
        action="append",
        metavar="KEY=VALUE",
        help="a filter, e.g. priorities='[\"High\"]' or minProgressIncrement=10 (repeatable)",
    )
    listing = add(hooks, "list", _list, "the project's subscriptions")
    listing.add_argument("--limit", type=int, default=50)
    show = add(hooks, "show", _show, "one subscription with its delivery figures")
    show.add_argument("webhook_id")
    delete = add(hooks, "delete", _delete, "remove a subscription", reads=False)
    delete.add_argument("webhook_id")
    deliveries = add(hooks, "deliveries", _deliveries, "a subscription's delivery attempts")
    deliveries.add_argument("webhook_id")
    deliveries.add_argument("--limit", type=int, default=50)
    ping = add(hooks, "test", _test, "send a test event to a subscription")
    ping.add_argument("webhook_id")


def _create(client: Client, args: argparse.Namespace, out: Output) -> None:
    filters = pairs(args.filter, "--filter") or None
    hook = client.create_webhook(
        args.webhook_url, args.event, name=args.name, filters=filters, secret=args.secret
    )
    if args.json:
        out.json(hook)
        return
    _describe(hook, out)
    if hook.secret:
        out.line(f"secret (shown this once, keep it to verify deliveries): {hook.secret}")


def _describe(hook: Webhook, out: Output) -> None:
    stats = hook.delivery_stats
    out.fields(
        [
            ("webhook", hook.webhook_id),
            ("name", hook.webhook_name),
            ("url", hook.webhook_url),
            ("status", hook.status),
            ("status reason", hook.status_reason),
            ("events", ", ".join(hook.events_subscribed)),
            ("filters", hook.filters),
            ("created", hook.created_at),
            *((f"deliveries: {name}", value) for name, value in stats.items()),
        ]
    )


def _list(client: Client, args: argparse.Namespace, out: Output) -> None:
    found = list(islice(client.webhooks(), max(args.limit, 0)))
    if args.json:
        out.json(found)
        return
    out.table(
        ("webhook", "name", "status", "events", "url"),
        (
            (h.webhook_id, h.webhook_name, h.status, ", ".join(h.events_subscribed), h.webhook_url)
            for h in found
        ),
    )


def _show(client: Client, args: argparse.Namespace, out: Output) -> None:
    hook = client.webhook(args.webhook_id)
    if args.json:
        out.json(hook)
    else:
        _describe(hook, out)


def _delete(client: Client, args: argparse.Namespace, out: Output) -> None:
    client.delete_webhook(args.webhook_id)
    out.line(f"deleted {args.webhook_id}")


def _deliveries(client: Client, args: argparse.Namespace, out: Output) -> None:
    found = list(islice(client.deliveries(args.webhook_id), max(args.limit, 0)))
    if args.json:
        out.json(found)
        return
    out.table(
        ("delivery", "event", "operation", "attempt", "at", "ok", "code", "ms", "error"),
        (
            (
                d.delivery_id,
                d.event_type,
                d.operation_id,
                d.attempt,
                d.attempted_at,
                d.success,
                d.status_code,
                d.latency_ms,
                d.error,
            )
            for d in found
        ),
    )


def _test(client: Client, args: argparse.Namespace, out: Output) -> None:
    ping = client.test_webhook(args.webhook_id)
    if args.json:
        out.json(ping)
    else:
        out.line(f"queued {ping.event_type} {ping.event_id} for {ping.webhook_id}")
