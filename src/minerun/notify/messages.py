"""Human messages (e-mail, Slack) about an operation that ended, built from an event body."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from minerun.notify import events as ev

_VERBS = {
    ev.COMPLETED: "completed",
    ev.FAILED: "failed",
    ev.TIMEOUT: "timed out",
    ev.CANCELLED: "was cancelled",
}


@dataclass(frozen=True, slots=True)
class Summary:
    """The subject and the plain-text lines of a message, with its links."""

    subject: str
    lines: tuple[str, ...]
    status_url: str
    results_url: str

    @property
    def text(self) -> str:
        return "\n".join(
            (*self.lines, "", f"Status:  {self.status_url}", f"Results: {self.results_url}")
        )


def summarize(body: dict[str, Any], base_url: str) -> Summary:
    """What to tell people about the event in ``body`` (a payload of :mod:`events`)."""
    op = body["data"]["operation"]
    verb = _VERBS.get(body["type"], body["type"])
    name = op.get("operationName") or op["operationId"]
    path = f"/api/{op['tenantId']}/{op['projectId']}/async/operation/{op['operationId']}"
    base = base_url.rstrip("/")
    progress = op.get("progress") or {}
    lines = [
        f"Operation {name!r} ({op['operationType']}) {verb}.",
        "",
        f"Operation id:      {op['operationId']}",
        f"Status:            {op['status']}",
        f"Priority:          {op['priority']}",
        f"Started:           {op.get('startTime') or '-'}",
        f"Ended:             {op.get('endTime') or '-'}",
        f"Phases completed:  {progress.get('phasesCompleted', 0)} of "
        f"{progress.get('totalPhases', 0)}",
        f"Records processed: {op.get('processedRecords', 0)}",
    ]
    if op.get("error"):
        lines.append(f"Error:             {str(op['error']).splitlines()[0]}")
    return Summary(
        subject=f"[minerun] {name} {verb}",
        lines=tuple(lines),
        status_url=f"{base}{path}",
        results_url=f"{base}{path}/results",
    )


def slack_text(summary: Summary) -> str:
    """One Slack message: the first line, the key facts and the links."""
    facts = [line for line in summary.lines[2:] if line]
    return "\n".join(
        [
            summary.lines[0],
            *facts,
            f"Status: {summary.status_url}",
            f"Results: {summary.results_url}",
        ]
    )
