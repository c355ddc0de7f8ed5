"""The parts of the operation commands that need no server: the live display of ``follow``,
its figures, the ``key=value`` parameters and the start request built from the command line."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from minerun.cli import parser
from minerun.cli.follow import one_line, phase_left, phase_rate, summary, view
from minerun.cli.operations import start_arguments
from minerun.cli.output import Output, duration
from minerun.cli.remote import UsageError, pairs
from minerun.client.models import OperationStatus

NOW = datetime(2026, 1, 2, 10, 0, 10, tzinfo=UTC)


def running() -> OperationStatus:
    """An analysis in its second phase, as the API shows it (ten seconds into the phase)."""
    return OperationStatus.model_validate(
        {
            "operationId": "op-1",
            "operationType": "ProcessMiningAnalysis",
            "status": "Running",
            "progress": {
                "percentage": 40,
                "currentPhase": "Process Discovery",
                "phasesCompleted": 1,
                "totalPhases": 3,
                "elapsedSeconds": 12.0,
                "estimatedRemainingSeconds": 18.0,
            },
            "phases": [
                {
                    "phaseName": "Data Loading & Validation",
                    "status": "Completed",
                    "recordsProcessed": 1000,
                    "durationSeconds": 2.0,
                },
                {
                    "phaseName": "Process Discovery",
                    "status": "Running",
                    "progress": 25,
                    "recordsProcessed": 250,
                    "totalRecords": 1000,
                    "startTime": "2026-01-02T10:00:00Z",
                    "currentActivity": "Replaying the log on the model",
                },
                {
                    "phaseName": "Report Generation",
                    "status": "Pending",
                    "estimatedDuration": "5-9 s",
                },
            ],
        }
    )


def rendered(renderable: Any) -> str:
    console = Console(width=160, record=True, force_terminal=True)
    console.print(renderable)
    return console.export_text()


def test_phase_figures_follow_their_definitions() -> None:
    phases = [p.model_dump(by_alias=True) for p in running().phases]
    assert phase_rate(phases[0], NOW) == 500.0  # 1,000 records in 2 s
    assert phase_rate(phases[1], NOW) == 25.0  # 250 records in the 10 s since it started
    assert phase_left(phases[1], NOW) == 30.0  # a quarter done in 10 s: three quarters left
    assert phase_rate(phases[2], NOW) is None and phase_left(phases[2], NOW) is None


def test_the_live_view_has_a_bar_per_phase_with_its_figures() -> None:
    text = rendered(view(running(), NOW))
    lines = text.splitlines()
    assert "op-1 ProcessMiningAnalysis · Running 40% · phase 1/3" in lines[0]
    assert "ETA 18.0s" in lines[0]
    loading = next(line for line in lines if "Data Loading" in line)
    assert "Completed" in loading and "500 rec/s" in loading and "2.0s" in loading
    discovery = next(line for line in lines if "Process Discovery" in line)
    assert "250/1,000" in discovery and "25 rec/s" in discovery and "ETA 30.0s" in discovery
    assert "takes 5-9 s" in next(line for line in lines if "Report Generation" in line)
    assert lines[-1].strip() == "now: Replaying the log on the model"


def test_one_line_per_state_names_the_running_phase() -> None:
    line = one_line(running(), NOW)
    assert line.startswith("op-1 ProcessMiningAnalysis · Running 40%")
    assert line.endswith(
        "| Process Discovery 25% 250/1,000 25 rec/s ETA 30.0s Replaying the log on the model"
    )


def test_the_summary_of_a_failed_operation_says_what_to_do(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = running().model_copy(
        update={"status": "Failed", "last_error": "boom", "last_error_type": "phase-error"}
    )
    summary(status, Output(console=Console(width=160)))
    printed = capsys.readouterr().out
    assert "boom" in printed and "phase-error" in printed
    assert printed.rstrip().endswith("retry: minerun ops retry op-1")


def test_durations_read_as_a_person_would() -> None:
    assert [duration(s) for s in (None, 4.24, 185, 3725)] == ["", "4.2s", "3m 05s", "1h 02m"]


def test_key_value_parameters_nest_and_take_json_types() -> None:
    given = ["records=20", "sleep=0.5", "algorithmSettings.algorithm=heuristics", "a.b.c=true"]
    given += ['formats=["PDF"]', "name=plain text", 'quoted="7"']
    assert pairs(given, "--param") == {
        "records": 20,
        "sleep": 0.5,
        "algorithmSettings": {"algorithm": "heuristics"},
        "a": {"b": {"c": True}},
        "formats": ["PDF"],
        "name": "plain text",
        "quoted": "7",
    }
    for wrong in (["novalue"], ["=1"], ["a=1", "a.b=2"]):
        with pytest.raises(UsageError):
            pairs(wrong, "--param")


def start_args(*argv: str) -> argparse.Namespace:
    return parser().parse_args(["ops", "start", *argv])


def test_a_start_body_from_a_file_is_overridden_by_the_options(tmp_path: Path) -> None:
    body = tmp_path / "body.json"
    body.write_text(
        json.dumps(
            {
                "operationType": "ProcessMiningAnalysis",
                "operationName": "from the file",
                "priority": "Low",
                "parameters": {"datasetId": "old", "analysisType": "discovery"},
                "retryPolicy": {"maxRetries": 2},
            }
        )
    )
    kind, keywords = start_arguments(
        start_args("--file", str(body), "--dataset", "ds-1", "--priority", "High", "--param", "x=1")
    )
    assert kind == "ProcessMiningAnalysis"
    assert keywords == {
        "name": "from the file",
        "priority": "High",
        "parameters": {"datasetId": "ds-1", "analysisType": "discovery", "x": 1},
        "retry_policy": {"maxRetries": 2},
    }


def test_a_start_needs_a_kind() -> None:
    with pytest.raises(UsageError, match="operation type"):
        start_arguments(start_args("--dataset", "ds-1"))


def test_the_admin_commands_keep_their_flags() -> None:
    args = parser().parse_args(
        ["serve", "--demo", "--port", "9000", "--worker-slots", "3", "--data-dir", "d"]
    )
    assert (args.command, args.demo, args.port, args.worker_slots) == ("serve", True, 9000, 3)
    args = parser().parse_args(["tokens", "create", "--tenant", "t", "--project", "p"])
    assert (args.token_command, args.tenant, args.project, args.name) == (
        "create",
        "t",
        "p",
        "api token",
    )
    assert parser().parse_args(["api", "--processes", "2"]).api_processes == 2
