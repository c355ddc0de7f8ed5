"""``minerun ops follow``: an operation's progress, live, then its summary.

On a terminal the display is redrawn at each new state: a header (status, percentage, elapsed,
the API's estimate of the time left), then one bar per phase with its records, rate and time,
and the current activity. Piped or captured, it prints one line per change instead, which reads
well in a log. Either way it ends with the summary; the exit code says whether it completed.

Figures are the API's except two, computed here from the API's own and defined in docs/cli.md:
a phase's rate (records the phase went through / its duration, or for the running phase the
seconds since it started) and the running phase's time left (its elapsed time scaled by the
share of its work left).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.console import Group
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from minerun.cli.output import Output, duration, text
from minerun.cli.remote import EXIT_NOT_COMPLETED
from minerun.client import Client
from minerun.client.models import OperationStatus

EXIT_COMPLETED = 0


def follow(client: Client, operation_id: str, out: Output) -> int:
    """Follow until the operation finishes; 0 when it completed, non-zero otherwise."""
    states = client.follow(operation_id, timeout=None, poll_max=2.0)
    last: OperationStatus | None = None
    try:
        if out.as_json:
            for last in states:
                out.json_line(last)
        elif out.console.is_terminal:
            with Live(console=out.console, refresh_per_second=4, transient=True) as live:
                for last in states:
                    live.update(view(last, datetime.now(UTC)))
        else:
            shown = ""
            for last in states:
                line = one_line(last, datetime.now(UTC))
                if line != shown:
                    out.line(line)
                    shown = line
    except KeyboardInterrupt:
        out.error(f"stopped following; {operation_id} goes on (minerun ops follow to watch it)")
        raise
    if last is None:  # pragma: no cover - follow yields at least one state
        return EXIT_NOT_COMPLETED
    if not out.as_json:
        summary(last, out)
    return EXIT_COMPLETED if last.status == "Completed" else EXIT_NOT_COMPLETED


def phases(status: OperationStatus) -> list[dict[str, Any]]:
    """The phases as the API wrote them (the client keeps their extra fields)."""
    return [p.model_dump(by_alias=True) for p in status.phases]


def phase_rate(phase: dict[str, Any], now: datetime) -> float | None:
    """Records per second: the phase's records over its duration (so far, when running)."""
    records = phase.get("recordsProcessed")
    seconds = phase.get("durationSeconds")
    if seconds is None and phase.get("status") == "Running" and phase.get("startTime"):
        seconds = (now - datetime.fromisoformat(phase["startTime"])).total_seconds()
    if not records or not seconds or seconds <= 0:
        return None
    return float(records) / float(seconds)


def phase_left(phase: dict[str, Any], now: datetime) -> float | None:
    """The running phase's time left: its elapsed time scaled by the share of work left."""
    done = phase.get("progress")
    if phase.get("status") != "Running" or not done or not phase.get("startTime"):
        return None
    elapsed = (now - datetime.fromisoformat(phase["startTime"])).total_seconds()
    return max(0.0, elapsed * (100 - float(done)) / float(done))


def _records(phase: dict[str, Any]) -> str:
    done, total = phase.get("recordsProcessed"), phase.get("totalRecords")
    if done is None:
        return ""
    return f"{text(done)}/{text(total)}" if total else text(done)


def _time(phase: dict[str, Any], now: datetime) -> str:
    state = phase.get("status")
    if state == "Running":
        left = phase_left(phase, now)
        return f"ETA {duration(left)}" if left is not None else ""
    if state == "Pending" and phase.get("estimatedDuration"):
        return f"takes {phase['estimatedDuration']}"
    return duration(phase.get("durationSeconds"))


def _percent(phase: dict[str, Any]) -> float:
    if phase.get("status") == "Completed":
        return 100.0
    return float(phase.get("progress") or 0)


def _rate(phase: dict[str, Any], now: datetime) -> str:
    return _per_second(phase_rate(phase, now))


def _per_second(rate: float | None) -> str:
    return "" if rate is None else f"{text(round(rate))} rec/s"


def header(status: OperationStatus) -> str:
    progress = status.progress
    parts = [
        f"{status.operation_id} {status.operation_type}",
        f"{status.status} {progress.percentage}%",
        f"phase {progress.phases_completed}/{progress.total_phases}",
    ]
    if progress.elapsed_seconds is not None:
        parts.append(f"elapsed {duration(progress.elapsed_seconds)}")
    if progress.estimated_remaining_seconds is not None and not status.terminal:
        parts.append(f"ETA {duration(progress.estimated_remaining_seconds)}")
    if status.status == "Initiated" and progress.estimated_start is not None:
        parts.append(f"starts about {text(progress.estimated_start)}")
    return " · ".join(parts)


def activity(status: OperationStatus) -> str | None:
    running = [p for p in phases(status) if p.get("status") == "Running"]
    return running[0].get("currentActivity") if running else None


def view(status: OperationStatus, now: datetime) -> Group:
    """The live display of one state: header, a bar per phase, the current activity."""
    table = Table(box=None, pad_edge=False)
    for column in ("phase", "status", "", "%", "records", "rate", "time"):
        table.add_column(column, justify="right" if column in ("%", "records") else "left")
    for phase in phases(status):
        table.add_row(
            phase["phaseName"],
            phase["status"],
            ProgressBar(total=100, completed=_percent(phase), width=24),
            f"{_percent(phase):.0f}",
            _records(phase),
            _rate(phase, now),
            _time(phase, now),
        )
    lines: list[Any] = [Text(header(status), style="bold"), table]
    current = activity(status)
    if current:
        lines.append(Text(f"now: {current}", style="italic"))
    return Group(*lines)


def one_line(status: OperationStatus, now: datetime) -> str:
    """One state in one line: header, the running phase with its figures, the activity."""
    parts = [header(status)]
    for phase in phases(status):
        if phase.get("status") == "Running":
            figures = [phase["phaseName"], f"{_percent(phase):.0f}%", _records(phase)]
            figures += [_rate(phase, now), _time(phase, now), phase.get("currentActivity") or ""]
            parts.append(" ".join(f for f in figures if f))
    return " | ".join(parts)


def summary(status: OperationStatus, out: Output) -> None:
    """What the operation did: how it ended, how long it took, each phase, what to do next."""
    execution = status.execution
    out.line()
    out.fields(
        [
            ("operation", status.operation_id),
            ("name", status.operation_name),
            ("status", status.status),
            ("duration", duration(status.progress.elapsed_seconds)),
            ("records", execution.processed_records if execution else None),
            ("rate", _per_second(execution.processing_rate_per_second if execution else None)),
            ("worker", execution.worker_node if execution else None),
            ("attempts", status.attempts),
            ("error type", status.last_error_type),
            ("error", status.last_error),
        ],
        title="summary",
    )
    now = datetime.now(UTC)
    out.table(
        ("phase", "status", "records", "rate", "duration"),
        (
            (p["phaseName"], p["status"], _records(p), _rate(p, now), _time(p, now))
            for p in phases(status)
        ),
    )
    if status.status == "Completed":
        out.line(f"results: minerun ops results {status.operation_id}")
    elif status.terminal:
        out.line(f"retry: minerun ops retry {status.operation_id}")
