"""Starting, cancelling and retrying operations: the rules above the store."""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from minerun.config import Settings
from minerun.domain.estimates import (
    DurationEstimate,
    HistorySample,
    estimate_cost,
    estimate_duration,
)
from minerun.domain.priority import Priority, queue_key
from minerun.domain.progress import progress_of
from minerun.domain.records import Artifact, Operation, Phase, Scope
from minerun.domain.resume import PhaseState, ResumePlan, plan_resume
from minerun.domain.statuses import RETRYABLE, OperationStatus, PhaseStatus
from minerun.domain.times import iso
from minerun.exceptions import Conflict, InvalidInput, NotFound, UnprocessableContent
from minerun.kinds.base import Kind
from minerun.kinds.registry import KindRegistry
from minerun.services.requests import (
    CancelRequest,
    RetryRequest,
    StartRequest,
    allocation_errors,
    deep_merge,
)
from minerun.store.database import Database
from minerun.store.operations import IdempotentRequest, StoredResponse

# Estimates follow history closely enough when it is re-read every few seconds, and a submit
# then costs no history query.
HISTORY_SECONDS = 10.0

# Built by the API: turns the committed operation into the answer stored for key replays.
Presenter = Callable[[Operation], tuple[dict[str, Any], str]]


@dataclass(frozen=True, slots=True)
class Started:
    operation: Operation | None
    replay: StoredResponse | None


class OperationService:
    def __init__(self, settings: Settings, database: Database, kinds: KindRegistry) -> None:
        self.settings = settings
        self.database = database
        self.kinds = kinds
        self._history_cache: dict[str, tuple[float, list[HistorySample]]] = {}

    def kind(self, name: str) -> Kind:
        kind = self.kinds.get(name)
        if kind is None:
            known = ", ".join(self.kinds.names()) or "none"
            raise InvalidInput(
                f"Unknown operationType {name!r}.",
                errors=[{"field": "operationType", "reason": f"must be one of: {known}"}],
            )
        return kind

    # -- start ------------------------------------------------------------------------------

    def start(
        self,
        scope: Scope,
        request: StartRequest,
        created_by: str,
        idempotency: IdempotentRequest | None,
        present: Presenter,
    ) -> Started:
        """Validate, estimate and commit a new operation; replay an earlier answer for its key."""
        if idempotency is not None:
            earlier = self.database.operations.replay(scope, idempotency)
            if earlier is not None:
                return Started(None, earlier)
        kind = self.kind(request.operation_type)
        self._check_parameters(scope, kind, request.parameters)
        now = datetime.now(UTC)
        resources = _resources(kind, request.parameters)
        estimate = self._estimate(kind, request.parameters)
        row = self._operation_row(scope, request, created_by, now, resources, estimate)
        phases = [_phase_row(row["id"], i, p.name, p.weight) for i, p in enumerate(kind.phases)]
        return self._commit(row, phases, [], idempotency, present)

    def _check_parameters(self, scope: Scope, kind: Kind, parameters: dict[str, Any]) -> None:
        """The kind's own checks, that a named dataset exists in this project, then the
        kind's checks against that dataset: what is known to fail is refused now."""
        errors = [*allocation_errors(parameters), *kind.check_parameters(parameters)]
        errors += self._source_errors(scope, kind, parameters)
        if errors:
            raise InvalidInput("The parameters are not valid for this operation type.", errors)
        dataset_id = parameters.get("datasetId")
        if dataset_id is None:
            return
        try:
            dataset = self.database.datasets.get(scope, str(dataset_id))
        except NotFound:
            raise InvalidInput(
                f"Dataset {dataset_id} does not exist in this project.",
                errors=[{"field": "parameters.datasetId", "reason": "no such dataset"}],
            ) from None
        errors = kind.check_dataset(parameters, dataset.statistics)
        if errors:
            raise UnprocessableContent(
                f"The parameters cannot be used with dataset {dataset_id}.", errors
            )

    def _source_errors(
        self, scope: Scope, kind: Kind, parameters: dict[str, Any]
    ) -> list[dict[str, str]]:
        """Operations the parameters name as inputs: each must be a Completed operation of
        the expected type in this project."""
        errors = []
        for name, expected in kind.source_operations.items():
            value = parameters.get(name)
            if not isinstance(value, str):
                continue  # absent or malformed: the kind's own check says so
            try:
                source = self.database.operations.get(scope, value, details=False)
            except NotFound:
                reason = "no such operation in this project"
            else:
                if source.operation_type != expected:
                    reason = f"must name a {expected}, not a {source.operation_type}"
                elif source.status is not OperationStatus.COMPLETED:
                    reason = f"the operation is {source.status.value}, not Completed"
                else:
                    continue
            errors.append({"field": f"parameters.{name}", "reason": reason})
        return errors

    def _commit(
        self,
        row: dict[str, Any],
        phases: list[dict[str, Any]],
        artifacts: list[dict[str, Any]],
        idempotency: IdempotentRequest | None,
        present: Presenter,
    ) -> Started:
        pair = None
        # What was committed is known: the answer is built from it, without reading it back.
        operation = Operation.from_row(
            {**row, "cpu_percent": None},
            phases=tuple(Phase.from_row(r) for r in phases),
            artifacts=tuple(Artifact.from_row(r) for r in artifacts),
        )
        if idempotency is not None:
            body, location = present(operation)
            pair = (idempotency, StoredResponse(202, body, location))
        replay = self.database.operations.insert(row, phases, artifacts, pair)
        if replay is not None:
            return Started(None, replay)
        return Started(operation, None)

    def _estimate(self, kind: Kind, parameters: dict[str, Any]) -> dict[str, Any]:
        records = kind.count_records(parameters, self.settings.data_dir)
        history = self._history(kind.name)
        estimate = estimate_duration(history, records, self.settings.default_estimate_seconds)
        return {**estimate.to_json(), "totalRecords": records}

    def _history(self, operation_type: str) -> list[HistorySample]:
        """Recent completed runs of a kind, read at most every ``HISTORY_SECONDS``."""
        now = time.monotonic()
        cached = self._history_cache.get(operation_type)
        if cached is not None and now - cached[0] < HISTORY_SECONDS:
            return cached[1]
        history = self.database.operations.history(operation_type)
        self._history_cache[operation_type] = (now, history)
        return history

    def _operation_row(
        self,
        scope: Scope,
        request: StartRequest,
        created_by: str,
        now: datetime,
        resources: dict[str, int],
        estimate: dict[str, Any],
    ) -> dict[str, Any]:
        cost = self.cost(resources, float(estimate["expectedSeconds"]))
        return {
            "id": f"op-{uuid.uuid4()}",
            "tenant_id": scope.tenant_id,
            "project_id": scope.project_id,
            "operation_type": request.operation_type,
            "operation_name": request.operation_name,
            "operation_description": request.operation_description,
            "priority": request.priority.value,
            "status": OperationStatus.INITIATED.value,
            "parameters": request.parameters,
            "callbacks": request.callbacks,
            "notifications": request.notifications,
            "timeout_seconds": request.timeout,
            "retry_policy": request.retry_policy or {},
            "resources": {**resources, "estimatedCost": round(cost, 6)},
            "estimate": estimate,
            "created_by": created_by,
            "created_at": now,
            "timeout_at": now + timedelta(seconds=request.timeout),
            "started_at": None,
            "finished_at": None,
            "queue_key": queue_key(
                time.time(), request.priority, self.settings.priority_aging_seconds
            ),
            "run_after": now,
            "claims": 0,
            "failures": 0,
            "lease_owner": None,
            "lease_token": None,
            "lease_expires_at": None,
            "execution_id": None,
            "current_phase": None,
            "processed_records": 0,
            "total_records": estimate["totalRecords"],
            "cpu_seconds": 0.0,
            "memory_bytes": None,
            "peak_memory_bytes": None,
            "disk_bytes": None,
            "network_bytes": None,
            "run_seconds": 0.0,
            "stop_mode": None,
            "cancellation": None,
            "last_error": None,
            "last_error_type": None,
            "retry_of": None,
            "retry_number": 0,
            "retry_info": None,
            "outcome": None,
            "batch_id": None,
            "operation_key": None,
        }

    def cost(self, resources: dict[str, Any], seconds: float) -> float:
        return estimate_cost(
            float(resources["cpuUnits"]),
            float(resources["memoryGB"]),
            seconds,
            self.settings.price_cpu_hour,
            self.settings.price_memory_gb_hour,
        )

    # -- cancel -----------------------------------------------------------------------------

    def cancel(self, scope: Scope, operation_id: str, request: CancelRequest, by: str) -> Operation:
        """Cancel at once; the worker stops cooperatively or is killed (``forceTermination``)."""
        current = self.database.operations.get(scope, operation_id)
        now = datetime.now(UTC)
        progress = progress_of(current, now)
        elapsed = current.run_seconds + _open_seconds(current, now)
        expected = DurationEstimate.from_json(current.estimate).expected_seconds
        cancellation = {
            "reason": request.reason,
            "cancelledBy": by,
            "cancellationTime": iso(now),
            "progressAtCancellation": round(progress.percentage),
            "phaseAtCancellation": progress.current_phase,
            "statusAtCancellation": current.status.value,
            "preservePartialResults": request.preserve_partial_results,
            "forceTermination": request.force_termination,
            "notifyCallbacks": request.notify_callbacks,
            "costSaved": round(self.cost(current.resources, max(expected - elapsed, 0.0)), 6),
        }
        cancelled = self.database.operations.cancel(
            scope, operation_id, now, cancellation, request.force_termination
        )
        if not request.preserve_partial_results:
            self._drop_results(cancelled)
            cancelled = self.database.operations.get(scope, operation_id)
        return cancelled

    def _drop_results(self, operation: Operation) -> None:
        self.database.operations.drop_artifacts(operation.id)
        shutil.rmtree(self.settings.artifacts_dir / operation.id, ignore_errors=True)

    # -- retry ------------------------------------------------------------------------------

    def retry(
        self, scope: Scope, operation_id: str, request: RetryRequest, by: str
    ) -> tuple[Operation, Operation]:
        """A new operation linked to a Failed, Cancelled or Timeout one; returns (old, new)."""
        original = self.database.operations.get(scope, operation_id)
        if original.status not in RETRYABLE:
            raise Conflict(
                f"Only Failed, Cancelled or Timeout operations can be retried; "
                f"{operation_id} is {original.status}.",
                currentStatus=original.status.value,
            )
        row, phases, artifacts = self.retry_rows(scope, original, request, by)
        started = self._commit(row, phases, artifacts, None, lambda op: ({}, ""))
        assert started.operation is not None
        if not request.preserve_original_results:
            self.database.operations.drop_artifacts(original.id)
        return original, started.operation

    def retry_rows(
        self, scope: Scope, original: Operation, request: RetryRequest, by: str
    ) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
        """The rows of a retry of ``original`` (operation, phases, reused artifacts), not
        committed: a batch retry commits several at once."""
        kind = self.kind(original.operation_type)
        parameters = original.parameters
        if request.modify_parameters and request.updated_parameters:
            parameters = deep_merge(parameters, request.updated_parameters)
            self._check_parameters(scope, kind, parameters)
        priority = _retry_priority(original.priority, parameters)
        start = StartRequest(
            operation_type=original.operation_type,
            operation_name=original.operation_name,
            operation_description=original.operation_description,
            priority=priority,
            parameters=parameters,
            callbacks=original.callbacks,
            notifications=original.notifications,
            timeout=request.new_timeout or original.timeout_seconds,
            retry_policy=request.retry_policy or original.retry_policy,
        )
        now = datetime.now(UTC)
        plan = resume_plan(kind, original, parameters, request.retry_mode == "resume")
        reused = list(plan.reused)
        estimate = self._estimate(kind, parameters)
        remaining = _remaining_share(kind, len(reused))
        for key in ("lowSeconds", "expectedSeconds", "highSeconds"):
            estimate[key] = round(float(estimate[key]) * remaining, 3)
        row = self._operation_row(scope, start, by, now, _resources(kind, parameters), estimate)
        row["retry_of"] = original.id
        row["retry_number"] = self.database.operations.count_retries(original.id) + 1
        phases = [_phase_row(row["id"], i, p.name, p.weight) for i, p in enumerate(kind.phases)]
        for position in reused:
            phases[position] = _reused_phase_row(row["id"], original, position)
        artifacts = _reused_artifacts(row["id"], original, set(reused))
        # Every phase reads the same input: what the reused phases processed is their most.
        row["processed_records"] = max((phases[p]["records_processed"] for p in reused), default=0)
        row["retry_info"] = {
            "retryMode": request.retry_mode,
            "retryReason": request.retry_reason,
            "resumeFromPhase": _first_unfinished(kind, reused),
            "phasesPreserved": len(reused),
            "phasesReused": [kind.phases[p].name for p in reused],
            "phasesRerun": [{"phaseName": r.phase, "reason": r.reason} for r in plan.rerun],
            "recordsProcessed": row["processed_records"],
            "progressSaved": round(100.0 * (1.0 - remaining), 1),
            "retryAttemptDate": iso(now),
        }
        return row, phases, artifacts


def _resources(kind: Kind, parameters: dict[str, Any]) -> dict[str, int]:
    asked = parameters.get("resourceAllocation") or {}
    return {
        "cpuUnits": int(asked.get("cpuUnits", kind.cpu_units)),
        "memoryGB": int(asked.get("memoryGB", kind.memory_gb)),
    }


def _retry_priority(current: Priority, parameters: dict[str, Any]) -> Priority:
    asked = (parameters.get("resourceAllocation") or {}).get("priority")
    return Priority(asked) if asked in {p.value for p in Priority} else current


def _phase_row(operation_id: str, position: int, name: str, weight: float) -> dict[str, Any]:
    return {
        "operation_id": operation_id,
        "position": position,
        "name": name,
        "weight": weight,
        "status": PhaseStatus.PENDING.value,
        "started_at": None,
        "finished_at": None,
        "records_processed": 0,
        "total_records": None,
        "current_activity": None,
        "results": None,
        "reused_from": None,
        "error": None,
    }


def resume_plan(
    kind: Kind, original: Operation, parameters: dict[str, Any], resume: bool
) -> ResumePlan:
    """Which phases of ``original`` a retry with ``parameters`` reuses (see domain/resume.py)."""
    ran = {p.position: p for p in original.phases}
    states = []
    for position, phase in enumerate(kind.phases):
        before = ran.get(position)
        same = before is not None and before.name == phase.name
        states.append(
            PhaseState(
                name=phase.name,
                depends_on=phase.depends_on,
                original=before.status.value if same and before else None,
                kept=same and before is not None and before.results is not None,
            )
        )
    return plan_resume(states, original.parameters, parameters, resume)


def _reused_phase_row(operation_id: str, original: Operation, position: int) -> dict[str, Any]:
    phase = original.phases[position]
    return {
        **_phase_row(operation_id, position, phase.name, phase.weight),
        "status": PhaseStatus.COMPLETED.value,
        "started_at": phase.started_at,
        "finished_at": phase.finished_at,
        "records_processed": phase.records_processed,
        "total_records": phase.total_records,
        "results": phase.results,
        "reused_from": original.id,
    }


def _reused_artifacts(
    operation_id: str, original: Operation, positions: set[int]
) -> list[dict[str, Any]]:
    return [
        {
            "id": f"art-{uuid.uuid4()}",
            "operation_id": operation_id,
            "phase_position": a.phase_position,
            "name": a.name,
            "type": a.type,
            "format": a.format,
            "media_type": a.media_type,
            "path": a.path,
            "size_bytes": a.size_bytes,
            "description": a.description,
            "created_at": a.created_at,
        }
        for a in original.artifacts
        if a.phase_position in positions
    ]


def _remaining_share(kind: Kind, reused: int) -> float:
    weights = [p.weight for p in kind.phases]
    return sum(weights[reused:]) / (sum(weights) or 1.0)


def _first_unfinished(kind: Kind, reused: list[int]) -> str | None:
    return kind.phases[len(reused)].name if len(reused) < len(kind.phases) else None


def _open_seconds(operation: Operation, now: datetime) -> float:
    """Run time of the attempt in progress, not yet added to ``run_seconds``."""
    if operation.status is not OperationStatus.RUNNING or not operation.attempts:
        return 0.0
    last = operation.attempts[-1]
    return (now - last.started_at).total_seconds() if last.ended_at is None else 0.0
