"""The contract between the worker and an operation kind.

A kind is a name and a list of phases. A phase is a function that gets a
:class:`PhaseContext` and returns JSON-ready results. The context gives it the operation's
parameters, the results of the phases before it, a progress reporter, a cancellation check and
a directory of its own for files. Completed phases are checkpointed: after a crash or a
``resume`` retry, the worker starts again at the first phase that did not complete, with the
stored results of the others.

A phase whose input cannot be used (an empty selection, a dataset gone) raises
:class:`PhaseInputError` with a message for the client: the operation fails at once, without
retries. Any other exception is an internal error: logged with its traceback on the server,
reported to the client by type only, and retried under the operation's retry policy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

# Re-exported: what a phase raises when its input cannot be used.
from minerun.exceptions import PhaseInputError as PhaseInputError


class OperationCancelled(Exception):
    """Raised by :meth:`PhaseContext.check_cancelled` when the operation must stop."""


@dataclass(frozen=True, slots=True)
class ArtifactSpec:
    """A file a phase produced, to be offered for download."""

    path: Path
    name: str
    type: str
    format: str
    description: str = ""
    media_type: str = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class DatasetSpec:
    """A dataset a phase wrote under :attr:`PhaseContext.data_dir`, listed when it completes.

    ``path`` is its Parquet file (the sidecar beside it). The row is inserted in the
    transaction that checkpoints the phase, so the dataset exists exactly when the phase
    completed; a second checkpoint of the same id (a rerun) updates the row instead.
    """

    id: str
    name: str
    path: Path
    source_format: str
    original_filename: str
    statistics: dict[str, Any]
    validation: dict[str, Any]
    derived_from: str | None = None


@dataclass(frozen=True, slots=True)
class SourceOperation:
    """Another operation of the same tenant and project whose outputs a phase reads.

    ``results`` holds its completed phases' results by phase name; ``summary`` its results'
    summary block.
    """

    id: str
    operation_type: str
    status: str
    parameters: Mapping[str, Any]
    results: Mapping[str, Any]
    summary: Mapping[str, Any]


class PhaseContext(Protocol):
    """What a running phase can see and do."""

    @property
    def operation_id(self) -> str:
        """The operation's id: the same on every attempt, for names that must not change."""
        ...

    @property
    def parameters(self) -> Mapping[str, Any]: ...

    @property
    def results(self) -> Mapping[str, Any]:
        """Results of the phases already completed, by phase name."""
        ...

    @property
    def workdir(self) -> Path:
        """A directory for this phase's files; kept with the results when the phase completes."""
        ...

    @property
    def scratch_dir(self) -> Path:
        """A directory shared by the phases of this operation for intermediate files.

        It may be empty when a phase runs on another machine than the one before, so what a
        phase reads from it must be something it can compute again.
        """
        ...

    @property
    def data_dir(self) -> Path:
        """The service's data directory (datasets live under it)."""
        ...

    def progress(
        self,
        done: int,
        total: int | None = None,
        activity: str | None = None,
        *,
        fraction: float | None = None,
        figures: Mapping[str, Any] | None = None,
    ) -> None:
        """Report how far this phase is (record-by-record reports are thinned by the worker).

        ``done`` is how many records of the operation's input (``total`` of them) this
        phase has gone through, never more than ``total``: a phase that makes several passes
        over the same events does not count them again. When the phase's work is not record
        by record, ``fraction`` (0 to 1) is the share of its work done, by its steps' weights;
        the phase's progress then follows it instead of ``done / total``. ``figures`` are
        counts shown beside the running phase (models trained so far, for example).
        """
        ...

    def check_cancelled(self) -> None:
        """Raise :class:`OperationCancelled` when the operation must stop; call between chunks."""
        ...

    def add_artifact(self, artifact: ArtifactSpec) -> None:
        """Offer a file in :attr:`workdir` for download once the phase completes."""
        ...

    def add_dataset(self, dataset: DatasetSpec) -> None:
        """List a dataset the phase wrote, in the same transaction that completes the phase."""
        ...

    def source_operation(self, operation_id: str) -> SourceOperation:
        """An operation of this one's tenant and project, the input of a kind that reports on
        others; raises :class:`PhaseInputError` when there is none with that id."""
        ...


PhaseFunction = Callable[[PhaseContext], dict[str, Any]]
ParameterCheck = Callable[[Mapping[str, Any]], list[dict[str, str]]]
DatasetCheck = Callable[[Mapping[str, Any], Mapping[str, Any]], list[dict[str, str]]]
RecordCount = Callable[[Mapping[str, Any], Path], int | None]
Summarizer = Callable[[Mapping[str, Any]], dict[str, Any]]


def _no_errors(_parameters: Mapping[str, Any]) -> list[dict[str, str]]:
    return []


def _no_dataset_errors(
    _parameters: Mapping[str, Any], _statistics: Mapping[str, Any]
) -> list[dict[str, str]]:
    return []


def _unknown_count(_parameters: Mapping[str, Any], _data_dir: Path) -> int | None:
    return None


def _no_summary(_results: Mapping[str, Any]) -> dict[str, Any]:
    return {}


@dataclass(frozen=True, slots=True)
class Phase:
    """One step of a kind. ``weight`` is its expected share of the work, for progress.

    ``depends_on`` names the parameters the phase's results depend on, as dotted paths
    (``"timeWindow"``, ``"algorithmSettings.algorithm"``); None (the default) means all of
    them. A ``resume`` retry reuses a completed phase only when these are unchanged, so a
    phase that declares nothing is never reused with parameters it did not run with.
    """

    name: str
    run: PhaseFunction
    weight: float = 1.0
    depends_on: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class Kind:
    """An operation type: its phases, the resources it asks for and its parameter checks.

    ``check_parameters`` returns problems as ``{"field": ..., "reason": ...}``;
    ``check_dataset`` does the same for what can only be checked against the statistics of
    the named dataset (``parameters.datasetId``), such as a time window outside its events;
    ``count_records`` tells how many records an operation will process (for estimates), or
    None; ``summarize`` turns the phase results into the results' ``summary`` block.
    ``source_operations`` maps parameters that name another operation to the operation type
    they must name: the submission refuses an id that is unknown in the project, of another
    type or not Completed.
    """

    name: str
    phases: tuple[Phase, ...]
    cpu_units: int = 1
    memory_gb: int = 1
    check_parameters: ParameterCheck = field(default=_no_errors)
    check_dataset: DatasetCheck = field(default=_no_dataset_errors)
    count_records: RecordCount = field(default=_unknown_count)
    summarize: Summarizer = field(default=_no_summary)
    source_operations: Mapping[str, str] = field(default_factory=dict)

    @property
    def phase_names(self) -> list[str]:
        return [phase.name for phase in self.phases]
