"""Runs one leased operation phase by phase, inside a slot process."""

from __future__ import annotations

import logging
import os
import shutil
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from minerun.domain.failures import Failure, FailureType
from minerun.domain.records import Scope
from minerun.domain.statuses import PhaseStatus
from minerun.exceptions import InvalidInput, LeaseLost, NotFound
from minerun.kinds.base import (
    ArtifactSpec,
    DatasetSpec,
    Kind,
    OperationCancelled,
    PhaseInputError,
    SourceOperation,
)
from minerun.store.queue import Lease, QueueStore
from minerun.worker.resources import ProcessSampler, socket_bytes

log = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.25


class StopSignal(Protocol):
    """Set by the supervisor when the operation must stop (a threading or process event)."""

    def is_set(self) -> bool: ...


def operation_dir(artifacts_dir: Path, operation_id: str) -> Path:
    return artifacts_dir / operation_id


@dataclass
class RunningPhase:
    """The :class:`~minerun.kinds.base.PhaseContext` a phase function receives."""

    queue: QueueStore
    lease: Lease
    scope: Scope
    position: int
    parameters: Mapping[str, Any]
    results: Mapping[str, Any]
    workdir: Path
    scratch_dir: Path
    data_dir: Path
    stop: StopSignal
    processed_before: int
    network_base: int
    done: int = 0
    total: int | None = None
    artifacts: list[ArtifactSpec] = field(default_factory=list)
    datasets: list[DatasetSpec] = field(default_factory=list)
    _last_write: float = 0.0

    @property
    def operation_id(self) -> str:
        return self.lease.operation_id

    def progress(
        self,
        done: int,
        total: int | None = None,
        activity: str | None = None,
        *,
        fraction: float | None = None,
        figures: Mapping[str, Any] | None = None,
    ) -> None:
        self.done, self.total = done, total if total is not None else self.total
        now = time.monotonic()
        # Record-by-record reports are thinned; a step's report (fraction, figures) is rare
        # and always written, as is the last record.
        stepped = fraction is not None or figures is not None
        if now - self._last_write < PROGRESS_INTERVAL and not stepped:
            if total is None or done < total:
                return
        self._last_write = now
        network = max(socket_bytes() - self.network_base, 0)
        self.queue.progress(
            self.lease,
            self.position,
            done,
            self.total,
            activity,
            self.processed_before,
            network,
            fraction,
            dict(figures) if figures is not None else None,
        )

    def check_cancelled(self) -> None:
        if self.stop.is_set():
            raise OperationCancelled

    def add_artifact(self, artifact: ArtifactSpec) -> None:
        if not artifact.path.resolve().is_relative_to(self.workdir.resolve()):
            raise ValueError(f"artifact {artifact.path} is outside the phase directory")
        self.artifacts.append(artifact)

    def add_dataset(self, dataset: DatasetSpec) -> None:
        if not dataset.path.resolve().is_relative_to(self.data_dir.resolve()):
            raise ValueError(f"dataset {dataset.path} is outside the data directory")
        self.datasets.append(dataset)

    def source_operation(self, operation_id: str) -> SourceOperation:
        try:
            other = self.queue.load_in_scope(self.scope, operation_id)
        except NotFound:
            raise PhaseInputError(f"operation {operation_id} does not exist") from None
        return SourceOperation(
            id=other.id,
            operation_type=other.operation_type,
            status=other.status.value,
            parameters=other.parameters,
            results={
                p.name: p.results or {} for p in other.phases if p.status is PhaseStatus.COMPLETED
            },
            summary=(other.outcome or {}).get("summary", {}),
        )


# Outcomes of a run that are failures, and their type.
FAILURES = {"failed": FailureType.PHASE_ERROR, "invalid": FailureType.INVALID_INPUT}


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a run ended: completed, failed or invalid (with a message fit for clients),
    stopped, or lost (lease gone)."""

    kind: str
    error: str | None = None

    @property
    def failure(self) -> Failure | None:
        kind = FAILURES.get(self.kind)
        return None if kind is None else Failure(kind, self.error or "unknown error")


def run_operation(
    queue: QueueStore,
    kind: Kind,
    lease: Lease,
    artifacts_dir: Path,
    data_dir: Path,
    stop: StopSignal,
) -> Outcome:
    """Run the phases not completed yet; checkpoint each; finish the operation."""
    operation = queue.load(lease)
    results = {p.name: p.results for p in operation.phases if p.status is PhaseStatus.COMPLETED}
    # Every phase reads the same input: the operation has processed the most any phase has.
    processed = max((p.records_processed for p in operation.phases if p.name in results), default=0)
    network_base = socket_bytes()
    meter = ProcessSampler(os.getpid(), operation_dir(artifacts_dir, operation.id))
    scratch = operation_dir(artifacts_dir, operation.id) / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    phase_name = None
    try:
        for phase in operation.phases:
            if phase.status is PhaseStatus.COMPLETED:
                continue
            phase_name = phase.name
            workdir = _fresh_workdir(artifacts_dir, operation.id, phase.position)
            context = RunningPhase(
                queue=queue,
                lease=lease,
                scope=operation.scope,
                position=phase.position,
                parameters=operation.parameters,
                results=dict(results),
                workdir=workdir,
                scratch_dir=scratch,
                data_dir=data_dir,
                stop=stop,
                processed_before=processed,
                network_base=network_base,
            )
            queue.start_phase(lease, phase.position, _now())
            output = kind.phases[phase.position].run(context)
            processed = max(processed, context.done)
            rows = [
                _artifact_row(lease, phase.position, a, artifacts_dir) for a in context.artifacts
            ]
            datasets = [
                _dataset_row(operation.scope, d, data_dir, _now()) for d in context.datasets
            ]
            queue.complete_phase(
                lease, phase.position, output, rows, _now(), processed, context.total, datasets
            )
            results[phase.name] = output
        meter.sample()
        queue.complete(lease, _now(), kind.summarize(results), meter.usage())
    except OperationCancelled:
        return Outcome("stopped")
    except LeaseLost:
        return Outcome("lost")
    except InvalidInput as error:  # the input cannot be used: said to the client, not retried
        return Outcome("invalid", f"Phase {phase_name!r}: {error.message}")
    except Exception as error:  # a kind's bug must fail the operation, not the worker
        return Outcome("failed", _internal_error(lease, phase_name, error))
    return Outcome("completed")


def _internal_error(lease: Lease, phase_name: str | None, error: Exception) -> str:
    """Log the traceback on the server; tell the client the phase, the error class and where
    to look, never the traceback or the message, which may name server paths."""
    reference = f"err-{uuid.uuid4().hex[:12]}"
    log.error(
        "operation %s, phase %r failed (%s)",
        lease.operation_id,
        phase_name,
        reference,
        exc_info=error,
    )
    return (
        f"Phase {phase_name!r} failed with an internal error ({type(error).__name__}); "
        f"the server log has the details under {reference}."
    )


def _fresh_workdir(artifacts_dir: Path, operation_id: str, position: int) -> Path:
    workdir = operation_dir(artifacts_dir, operation_id) / f"phase-{position}"
    # Files left by an attempt that died are not trusted: the phase starts clean.
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    return workdir


def _artifact_row(
    lease: Lease, position: int, artifact: ArtifactSpec, artifacts_dir: Path
) -> dict[str, Any]:
    return {
        "id": f"art-{uuid.uuid4()}",
        "operation_id": lease.operation_id,
        "phase_position": position,
        "name": artifact.name,
        "type": artifact.type,
        "format": artifact.format,
        "media_type": artifact.media_type,
        "path": str(artifact.path.resolve().relative_to(artifacts_dir.resolve())),
        "size_bytes": artifact.path.stat().st_size,
        "description": artifact.description,
        "created_at": _now(),
    }


def _dataset_row(
    scope: Scope, dataset: DatasetSpec, data_dir: Path, now: datetime
) -> dict[str, Any]:
    """The ``datasets`` row of a dataset a phase wrote, in the operation's project."""
    return {
        "id": dataset.id,
        "tenant_id": scope.tenant_id,
        "project_id": scope.project_id,
        "name": dataset.name,
        "source_format": dataset.source_format,
        "original_filename": dataset.original_filename,
        "mapping": None,
        "path": str(dataset.path.resolve().relative_to(data_dir.resolve())),
        "size_bytes": dataset.path.stat().st_size,
        "statistics": dataset.statistics,
        "validation": dataset.validation,
        "derived_from": dataset.derived_from,
        "created_at": now,
    }


def _now() -> datetime:
    return datetime.now(UTC)
