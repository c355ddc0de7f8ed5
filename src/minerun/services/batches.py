"""Submitting, cancelling and retrying batches: the rules above the store.

Everything is checked before anything is committed: the graph (domain/batches.py), then each
operation as ``POST …/operation`` checks it, with the inputs it takes from its parents filled
in (a DataEnrichment's new dataset id is known before it runs: it derives from the
operation's id). Field names in errors are prefixed ``operations[i].``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from minerun.domain import batches as rules
from minerun.domain.estimates import DurationEstimate
from minerun.domain.records import Operation, Phase, Scope
from minerun.domain.statuses import OperationStatus
from minerun.domain.times import iso
from minerun.exceptions import Conflict, InvalidInput, UnprocessableContent
from minerun.services.datasets import derived_dataset_id
from minerun.services.operations import OperationService, _phase_row, _resources
from minerun.services.requests import CancelRequest, RetryRequest, StartRequest
from minerun.store.batches import Batch, NewOperations, initial_retry_status
from minerun.store.operations import IdempotentRequest, StoredResponse

# Built by the API: turns the committed batch into the answer stored for key replays.
BatchPresenter = Callable[[Batch], tuple[dict[str, Any], str]]


@dataclass(frozen=True, slots=True)
class BatchOperation:
    key: str
    dependencies: tuple[str, ...]
    start: StartRequest


@dataclass(frozen=True, slots=True)
class SubmitBatch:
    name: str
    description: str | None
    operations: Sequence[BatchOperation]
    callbacks: dict[str, Any] | None
    failure_policy: rules.FailurePolicy


@dataclass(frozen=True, slots=True)
class Submitted:
    batch: Batch | None
    replay: StoredResponse | None


@dataclass
class _Planned:
    """What submission knows of each operation while it walks the graph, parents first."""

    rows: list[dict[str, Any]]
    phases: list[dict[str, Any]]
    by_key: dict[str, dict[str, Any]]
    derived: dict[str, str]
    """Dataset ids not written yet -> the dataset they derive from (for estimates)."""


class BatchService:
    def __init__(self, operations: OperationService) -> None:
        self.operations = operations
        self.database = operations.database

    # -- submit -----------------------------------------------------------------------------

    def submit(
        self,
        scope: Scope,
        request: SubmitBatch,
        by: str,
        idempotency: IdempotentRequest | None,
        present: BatchPresenter,
    ) -> Submitted:
        """Validate every operation, estimate, and commit the batch in one transaction."""
        if idempotency is not None:
            earlier = self.database.batches.replay(scope, idempotency)
            if earlier is not None:
                return Submitted(None, earlier)
        nodes = [rules.Node(op.key, op.dependencies) for op in request.operations]
        order = rules.check_graph(nodes)
        now = datetime.now(UTC)
        batch_id = f"batch-{uuid.uuid4()}"
        planned = self._plan(scope, request, order, by, now)
        durations = {key: _range(row["estimate"]) for key, row in planned.by_key.items()}
        path = rules.critical_path(nodes, durations)
        batch_row = _batch_row(scope, batch_id, request, path, by, now)
        for row in planned.rows:
            row["batch_id"] = batch_id
        node_rows = [
            {"batch_id": batch_id, "operation_key": op.key, "position": i,
             "operation_id": planned.by_key[op.key]["id"]}
            for i, op in enumerate(request.operations)
        ]  # fmt: skip
        edge_rows = [
            {"batch_id": batch_id, "child_key": op.key, "parent_key": parent, "position": j}
            for op in request.operations
            for j, parent in enumerate(op.dependencies)
        ]
        new = NewOperations(planned.rows, planned.phases)
        committed = _as_batch(batch_row, new, request)
        pair = None
        if idempotency is not None:
            body, location = present(committed)
            pair = (idempotency, StoredResponse(202, body, location))
        replay = self.database.batches.insert(batch_row, new, node_rows, edge_rows, pair)
        if replay is not None:
            return Submitted(None, replay)
        return Submitted(committed, None)

    def _plan(
        self, scope: Scope, request: SubmitBatch, order: list[str], by: str, now: datetime
    ) -> _Planned:
        index = {op.key: i for i, op in enumerate(request.operations)}
        planned = _Planned([], [], {}, {})
        errors: list[dict[str, str]] = []
        unprocessable = True
        for key in order:
            i = index[key]
            try:
                self._plan_one(scope, request, i, planned, by, now)
            except InvalidInput as error:
                unprocessable = unprocessable and isinstance(error, UnprocessableContent)
                errors += [{**e, "field": f"operations[{i}].{e['field']}"} for e in error.errors]
        if errors:
            kind = UnprocessableContent if unprocessable else InvalidInput
            raise kind("Operations of the batch are not valid.", errors)
        # Rows in the order the batch listed them.
        planned.rows.sort(key=lambda r: index[r["operation_key"]])
        return planned

    def _plan_one(
        self, scope: Scope, request: SubmitBatch, i: int, planned: _Planned, by: str, now: datetime
    ) -> None:
        op = request.operations[i]
        kind = self.operations.kind(op.start.operation_type)
        parents = [_parent(planned.by_key[p]) for p in op.dependencies if p in planned.by_key]
        if len(parents) != len(op.dependencies):
            return  # a parent was invalid: its error is reported already
        taken = rules.inherited_parameters(kind.name, op.start.parameters, parents)
        parameters = {**op.start.parameters, **taken}
        dataset = parameters.get("datasetId")
        source = planned.derived.get(str(dataset)) if dataset is not None else None
        reported = parameters.get("sourceOperationId") in {r["id"] for r in planned.rows}
        if source is None and not reported:
            self.operations._check_parameters(scope, kind, parameters)
        else:
            # Its dataset or the analysis it reports on is written by a parent: checked when
            # it runs (a dependent runs once its parents completed); the rest now.
            errors = kind.check_parameters(parameters)
            if errors:
                raise InvalidInput("The parameters are not valid for this operation type.", errors)
        sized = {**parameters, "datasetId": source} if source is not None else parameters
        estimate = self.operations._estimate(kind, sized)
        retry_policy = op.start.retry_policy
        if not request.failure_policy.retry_failed:
            retry_policy = {**(retry_policy or {}), "maxRetries": 0}
        start = replace(op.start, parameters=parameters, retry_policy=retry_policy)
        row = self.operations._operation_row(
            scope, start, by, now, _resources(kind, parameters), estimate
        )
        row["operation_key"] = op.key
        row["status"] = rules.initial_status(rules.Node(op.key, op.dependencies)).value
        if kind.name == rules.DATA_ENRICHMENT:
            planned.derived[derived_dataset_id(row["id"])] = source or str(dataset)
        planned.rows.append(row)
        planned.phases += [
            _phase_row(row["id"], j, p.name, p.weight) for j, p in enumerate(kind.phases)
        ]
        planned.by_key[op.key] = row

    # -- cancel and retry -------------------------------------------------------------------

    def cancel(self, scope: Scope, batch_id: str, request: CancelRequest, by: str) -> Batch:
        now = datetime.now(UTC)
        cancellation = {
            "reason": request.reason,
            "cancelledBy": by,
            "cancellationTime": iso(now),
            "preservePartialResults": request.preserve_partial_results,
            "forceTermination": request.force_termination,
            "notifyCallbacks": request.notify_callbacks,
        }
        return self.database.batches.cancel(scope, batch_id, now, cancellation, by)

    def retry(self, scope: Scope, batch_id: str, by: str) -> Batch:
        """Run again what did not complete, each resumed at its first unfinished phase."""
        batch = self.database.batches.get(scope, batch_id)
        dependencies = batch.dependencies or {}
        completed = {k for k, op in batch.operations if op.status is OperationStatus.COMPLETED}
        if len(completed) == len(batch.operations):
            raise Conflict(f"Every operation of batch {batch_id} has completed.")
        request = RetryRequest("resume", "batch retry", False, None, None, None, True)
        rows: list[dict[str, Any]] = []
        phases: list[dict[str, Any]] = []
        artifacts: list[dict[str, Any]] = []
        for key, op in batch.operations:
            if key in completed:
                continue
            original = self.database.operations.get(scope, op.id)
            row, op_phases, op_artifacts = self.operations.retry_rows(scope, original, request, by)
            row.update(
                batch_id=batch_id,
                operation_key=key,
                status=initial_retry_status(key, dependencies, completed).value,
            )
            rows.append(row)
            phases += op_phases
            artifacts += op_artifacts
        new = NewOperations(rows, phases, artifacts)
        return self.database.batches.replace(scope, batch_id, new, datetime.now(UTC))


def _parent(row: dict[str, Any]) -> rules.Parent:
    written = derived_dataset_id(row["id"])
    return rules.Parent(
        key=row["operation_key"],
        operation_type=row["operation_type"],
        operation_id=row["id"],
        dataset_id=rules.passed_on_dataset(row["operation_type"], row["parameters"], written),
    )


def _range(estimate: dict[str, Any]) -> tuple[float, float, float]:
    e = DurationEstimate.from_json(estimate)
    return e.low_seconds, e.expected_seconds, e.high_seconds


def _batch_row(
    scope: Scope,
    batch_id: str,
    request: SubmitBatch,
    path: rules.CriticalPath,
    by: str,
    now: datetime,
) -> dict[str, Any]:
    return {
        "id": batch_id,
        "tenant_id": scope.tenant_id,
        "project_id": scope.project_id,
        "name": request.name,
        "description": request.description,
        "callbacks": request.callbacks,
        "failure_policy": request.failure_policy.to_json(),
        "status": rules.BatchStatus.INITIATED.value,
        "estimate": {
            "criticalPath": list(path.keys),
            "lowSeconds": round(path.low_seconds, 3),
            "expectedSeconds": round(path.seconds, 3),
            "highSeconds": round(path.high_seconds, 3),
            "startOffsets": {k: round(v, 3) for k, v in path.start_offsets.items()},
        },
        "created_by": by,
        "created_at": now,
        "finished_at": None,
        "cancellation": None,
        "retries": 0,
    }


def _as_batch(row: dict[str, Any], new: NewOperations, request: SubmitBatch) -> Batch:
    """The batch as committed, without reading it back."""
    phases: dict[str, list[Phase]] = {}
    for p in new.phases:
        phases.setdefault(p["operation_id"], []).append(Phase.from_row(p))
    operations = tuple(
        (r["operation_key"], Operation.from_row({**r, "cpu_percent": None}, tuple(phases[r["id"]])))
        for r in new.operations
    )
    dependencies = {op.key: op.dependencies for op in request.operations}
    return Batch.from_row(row, operations, dependencies)
