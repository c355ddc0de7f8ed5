"""``minerun datasets``: upload event logs, list, show and delete them."""

from __future__ import annotations

import argparse
from itertools import islice
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TransferSpeedColumn,
)

from minerun.cli.output import Output, size
from minerun.cli.remote import Commands, add
from minerun.client import Client
from minerun.client.models import Dataset

# Command-line flag -> keyword of Client.upload_dataset (the CSV column mapping and format).
CSV_OPTIONS = {
    "case_id": "--case-id",
    "activity": "--activity",
    "timestamp": "--timestamp",
    "resource": "--resource",
    "start_timestamp": "--start-timestamp",
    "timestamp_format": "--timestamp-format",
    "delimiter": "--delimiter",
    "encoding": "--encoding",
}


def add_commands(commands: Commands) -> None:
    group = commands.add_parser("datasets", help="upload event logs, list, show, delete them")
    datasets = group.add_subparsers(dest="datasets_command", required=True, metavar="COMMAND")
    upload = add(datasets, "upload", _upload, "upload an event log (CSV, XES, XES.gz, Parquet)")
    upload.add_argument("file", help="the event log")
    upload.add_argument("--name", help="the dataset's name (default: the file's name)")
    for keyword, flag in CSV_OPTIONS.items():
        upload.add_argument(flag, dest=keyword, help=f"CSV: {keyword.replace('_', ' ')}")
    upload.add_argument("-q", "--quiet", action="store_true", help="print the dataset id only")
    listing = add(datasets, "list", _list, "the project's datasets, newest first")
    listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    show = add(datasets, "show", _show, "one dataset")
    show.add_argument("dataset_id")
    delete = add(datasets, "delete", _delete, "delete a dataset", reads=False)
    delete.add_argument("dataset_id")


def _upload(client: Client, args: argparse.Namespace, out: Output) -> None:
    mapping = {key: getattr(args, key) for key in CSV_OPTIONS if getattr(args, key)}
    # With -q the id alone goes to stdout (for DATASET=$(…)); the bar goes to stderr. A bar
    # is drawn on a terminal only: a log or a pipe gets the answer alone.
    console = Console(stderr=True) if args.quiet else out.console
    if args.json or not console.is_terminal:
        dataset = client.upload_dataset(args.file, name=args.name, **mapping)
    else:
        dataset = _upload_with_bar(client, args, mapping, console)
    if args.quiet:
        print(dataset.dataset_id)
    elif args.json:
        out.json(dataset)
    else:
        _describe(dataset, out)


def _upload_with_bar(
    client: Client, args: argparse.Namespace, mapping: dict[str, Any], console: Console
) -> Dataset:
    """The upload with a bar of bytes sent; once all are sent, the server reads and validates
    every row before it answers, which a spinner shows (it reports no progress of its own)."""
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task: TaskID = bar.add_task("uploading", total=None)

        def sent(done: int, total: int) -> None:
            validating = done >= total
            label = "validating on the server" if validating else "uploading"
            bar.update(task, completed=done, total=total, description=label)

        return client.upload_dataset(args.file, name=args.name, progress=sent, **mapping)


def _describe(dataset: Dataset, out: Output) -> None:
    time_range = dataset.time_range or {}
    out.fields(
        [
            ("dataset", dataset.dataset_id),
            ("name", dataset.dataset_name),
            ("format", dataset.format),
            ("file", dataset.original_filename),
            ("size", size(dataset.size_bytes)),
            ("events", dataset.event_count),
            ("cases", dataset.case_count),
            ("activities", dataset.activity_count),
            ("resources", dataset.resource_count),
            ("from", time_range.get("start")),
            ("to", time_range.get("end")),
            ("rows read", dataset.rows_total),
            ("rows skipped", dataset.skipped_rows_count),
            ("data quality", dataset.data_quality_score),
            ("created", dataset.created_at),
        ]
    )
    issues = (dataset.model_extra or {}).get("issueCounts") or {}
    if issues:
        out.table(("issue", "rows"), sorted(issues.items()), title="validation issues")


def _list(client: Client, args: argparse.Namespace, out: Output) -> None:
    found = list(islice(client.datasets(), max(args.limit, 0)))
    if args.json:
        out.json(found)
        return
    out.table(
        ("dataset", "name", "format", "events", "cases", "size", "created"),
        (
            (
                d.dataset_id,
                d.dataset_name,
                d.format,
                d.event_count,
                d.case_count,
                size(d.size_bytes),
                d.created_at,
            )
            for d in found
        ),
    )


def _show(client: Client, args: argparse.Namespace, out: Output) -> None:
    dataset = client.dataset(args.dataset_id)
    if args.json:
        out.json(dataset)
    else:
        _describe(dataset, out)


def _delete(client: Client, args: argparse.Namespace, out: Output) -> None:
    client.delete_dataset(args.dataset_id)
    out.line(f"deleted {args.dataset_id}")
