"""``minerun ops results`` and ``minerun ops download``: what a finished operation produced."""

from __future__ import annotations

import argparse
from typing import Any

from minerun.cli.output import Output, duration, size, text
from minerun.cli.remote import Commands, UsageError, add
from minerun.client import Client
from minerun.client.models import Artifact, Results


def add_commands(ops: Commands) -> None:
    shown = add(ops, "results", _results, "an operation's results (summary by default)")
    shown.add_argument("operation_id")
    shown.add_argument(
        "--format",
        choices=("summary", "detailed", "download"),
        default="summary",
        help="download saves the zip of everything, as ops download does",
    )
    shown.add_argument("--phase", help="one phase's results only")
    shown.add_argument("-o", "--output", default=".", help="directory of --format download")
    fetched = add(
        ops, "download", _download, "download the results zip, or chosen artifacts", reads=False
    )
    fetched.add_argument("operation_id")
    fetched.add_argument(
        "--artifact",
        action="append",
        metavar="NAME",
        help="an artifact's name, id or format, e.g. PDF (repeatable); 'all' for every one; "
        "default: the zip of the results and every artifact",
    )
    fetched.add_argument("-o", "--output", default=".", help="directory (default: here)")


def _results(client: Client, args: argparse.Namespace, out: Output) -> None:
    if args.format == "download":
        out.line(str(client.download_results(args.operation_id, args.output)))
        return
    answer = client.results(args.operation_id, format=args.format, phase=args.phase)
    if args.json:
        out.json(answer)
        return
    out.fields(
        [
            ("operation", answer.operation_id),
            ("status", answer.status),
            ("success", answer.success),
            ("completed", answer.completion_time),
            ("duration", duration(answer.total_duration_seconds)),
        ]
    )
    out.fields(((name, summary_value(value)) for name, value in answer.summary.items()), "summary")
    for phase in answer.phase_results:
        figures = phase.results or {}
        out.fields(
            ((name, summary_value(value)) for name, value in figures.items()),
            f"{phase.phase_name} ({phase.status})",
        )
    _artifacts(answer, out)


def summary_value(value: Any) -> str:
    """A result value in one cell; a long object is cut, since --json shows it whole."""
    shown = text(value)
    return shown if len(shown) <= 160 else shown[:157] + "..."


def _artifacts(answer: Results, out: Output) -> None:
    out.table(
        ("artifact", "phase", "format", "size", "id"),
        (
            (a.name, a.phase_name, a.format, size(a.size_bytes), a.artifact_id)
            for a in answer.artifacts
        ),
        title="artifacts (minerun ops download ID --artifact NAME)",
    )


def chosen(artifacts: list[Artifact], wanted: list[str]) -> list[Artifact]:
    """The artifacts named by name, id or format (``PDF``: every PDF), in any case; all of
    them for ``all``."""
    if "all" in wanted:
        return artifacts
    picked = []
    for name in wanted:
        key = name.casefold()
        found = [
            a
            for a in artifacts
            if key in {(v or "").casefold() for v in (a.name, a.artifact_id, a.format)}
        ]
        if not found:
            names = ", ".join(sorted({a.name for a in artifacts})) or "none"
            raise UsageError(f"no artifact {name!r}; this operation has: {names}")
        picked += [a for a in found if a not in picked]
    return picked


def _download(client: Client, args: argparse.Namespace, out: Output) -> None:
    if not args.artifact:
        out.line(str(client.download_results(args.operation_id, args.output)))
        return
    answer = client.results(args.operation_id, format="detailed")
    for artifact in chosen(answer.artifacts, args.artifact):
        out.line(
            str(client.download_artifact(args.operation_id, artifact.artifact_id, args.output))
        )
