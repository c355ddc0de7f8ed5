"""Frozen records of what the store holds; built from rows, never touching the database."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from minerun.domain.priority import Priority
from minerun.domain.statuses import OperationStatus, PhaseStatus


@dataclass(frozen=True, slots=True)
class Scope:
    """The tenant and project a request acts in."""

    tenant_id: str
    project_id: str


@dataclass(frozen=True, slots=True)
class Phase:
    position: int
    name: str
    weight: float
    status: PhaseStatus
    started_at: datetime | None
    finished_at: datetime | None
    records_processed: int
    total_records: int | None
    current_activity: str | None
    results: dict[str, Any] | None
    reused_from: str | None
    error: str | None
    work_fraction: float | None = None
    live: dict[str, Any] | None = None

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> Phase:
        return cls(
            position=row["position"],
            name=row["name"],
            weight=row["weight"],
            status=PhaseStatus(row["status"]),
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            records_processed=row["records_processed"] or 0,
            total_records=row["total_records"],
            current_activity=row["current_activity"],
            results=row["results"],
            reused_from=row["reused_from"],
            error=row["error"],
            work_fraction=row.get("work_fraction"),
            live=row.get("live"),
        )


@dataclass(frozen=True, slots=True)
class Artifact:
    id: str
    operation_id: str
    phase_position: int | None
    name: str
    type: str
    format: str
    media_type: str
    path: str
    size_bytes: int
    description: str | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> Artifact:
        return cls(**{name: row[name] for name in cls.__slots__})


@dataclass(frozen=True, slots=True)
class Attempt:
    number: int
    execution_id: str
    worker: str
    started_at: datetime
    ended_at: datetime | None
    outcome: str | None
    error: str | None
    error_type: str | None

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> Attempt:
        return cls(**{name: row[name] for name in cls.__slots__})


@dataclass(frozen=True, slots=True)
class Operation:
    """An operation as stored, with its phases, artifacts and attempts when loaded."""

    id: str
    scope: Scope
    operation_type: str
    operation_name: str
    operation_description: str | None
    priority: Priority
    status: OperationStatus
    parameters: dict[str, Any]
    callbacks: dict[str, Any] | None
    notifications: dict[str, Any] | None
    timeout_seconds: int
    retry_policy: dict[str, Any]
    resources: dict[str, Any]
    estimate: dict[str, Any]
    created_by: str | None
    created_at: datetime
    timeout_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    run_after: datetime
    claims: int
    failures: int
    lease_owner: str | None
    lease_token: str | None
    lease_expires_at: datetime | None
    execution_id: str | None
    current_phase: int | None
    processed_records: int
    total_records: int | None
    cpu_percent: float | None
    cpu_seconds: float
    memory_bytes: int | None
    peak_memory_bytes: int | None
    disk_bytes: int | None
    network_bytes: int | None
    run_seconds: float
    stop_mode: str | None
    cancellation: dict[str, Any] | None
    last_error: str | None
    last_error_type: str | None
    retry_of: str | None
    retry_number: int
    retry_info: dict[str, Any] | None
    outcome: dict[str, Any] | None
    phases: tuple[Phase, ...] = ()
    artifacts: tuple[Artifact, ...] = ()
    attempts: tuple[Attempt, ...] = ()
    queue_key: float = 0.0
    batch_id: str | None = None
    operation_key: str | None = None

    @classmethod
    def from_row(
        cls,
        row: Mapping[Any, Any],
        phases: tuple[Phase, ...] = (),
        artifacts: tuple[Artifact, ...] = (),
        attempts: tuple[Attempt, ...] = (),
    ) -> Operation:
        fields = {
            name: row[name]
            for name in cls.__slots__
            if name not in ("scope", "phases", "artifacts", "attempts", "batch_id", "operation_key")
        }
        fields["batch_id"] = row.get("batch_id")
        fields["operation_key"] = row.get("operation_key")
        fields["priority"] = Priority(row["priority"])
        fields["status"] = OperationStatus(row["status"])
        return cls(
            scope=Scope(row["tenant_id"], row["project_id"]),
            phases=phases,
            artifacts=artifacts,
            attempts=attempts,
            **fields,
        )

    @property
    def completed_phases(self) -> int:
        return sum(1 for p in self.phases if p.status is PhaseStatus.COMPLETED)
