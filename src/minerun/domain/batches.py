"""Batches: operations with dependencies. The pure rules, no database (see docs/batches.md).

A batch is a directed acyclic graph of operations named by their ``operationKey``. This module
checks the graph, decides which dependents are released or cancelled when an operation ends
(the failure policy), derives the batch's status and progress from its operations, passes
outputs along the edges, and finds the critical path that the batch's estimates rest on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from minerun.domain.statuses import TERMINAL, OperationStatus
from minerun.exceptions import InvalidInput

MAX_OPERATIONS = 200
"""The most operations one batch may hold."""

_S = OperationStatus
_FAILED = frozenset({_S.FAILED, _S.TIMEOUT})
_WAITING = frozenset({_S.INITIATED, _S.PENDING})

DATA_ENRICHMENT = "DataEnrichment"
PROCESS_MINING = "ProcessMiningAnalysis"
REPORT_GENERATION = "ReportGeneration"


class BatchStatus(StrEnum):
    INITIATED = "Initiated"
    RUNNING = "Running"
    COMPLETED = "Completed"
    PARTIALLY_COMPLETED = "PartiallyCompleted"
    FAILED = "Failed"
    CANCELLED = "Cancelled"


BATCH_TERMINAL: frozenset[BatchStatus] = frozenset(
    {
        BatchStatus.COMPLETED,
        BatchStatus.PARTIALLY_COMPLETED,
        BatchStatus.FAILED,
        BatchStatus.CANCELLED,
    }
)


@dataclass(frozen=True, slots=True)
class Node:
    """One operation of a batch as the graph sees it."""

    key: str
    dependencies: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FailurePolicy:
    """What a batch does when one of its operations ends without completing.

    - ``stop_on_first_failure``: every operation not finished is cancelled (running ones
      cooperatively).
    - otherwise, ``continue_independent``: only the failed operation's descendants are
      cancelled; the others go on.
    - otherwise (both false): the descendants and every operation not started yet are
      cancelled; the running ones finish.
    - ``retry_failed``: each operation's own retry policy applies before its failure counts;
      when false, an operation's first failure is final.
    """

    stop_on_first_failure: bool = False
    continue_independent: bool = True
    retry_failed: bool = True

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> FailurePolicy:
        default = cls()
        data = data or {}
        return cls(
            stop_on_first_failure=bool(
                data.get("stopOnFirstFailure", default.stop_on_first_failure)
            ),
            continue_independent=bool(
                data.get("continueIndependentOperations", default.continue_independent)
            ),
            retry_failed=bool(data.get("retryFailedOperations", default.retry_failed)),
        )

    def to_json(self) -> dict[str, bool]:
        return {
            "stopOnFirstFailure": self.stop_on_first_failure,
            "continueIndependentOperations": self.continue_independent,
            "retryFailedOperations": self.retry_failed,
        }


# -- the graph ---------------------------------------------------------------------------


def check_graph(nodes: Sequence[Node]) -> list[str]:
    """Check a batch's graph; returns its keys in an order where parents come first.

    Raises :class:`InvalidInput` naming each offending field: a batch that is empty or over
    ``MAX_OPERATIONS``, a duplicate key, a dependency on an unknown key or on itself, a cycle
    (its keys in order).
    """
    if not nodes:
        raise _invalid("operations", "must hold at least one operation")
    if len(nodes) > MAX_OPERATIONS:
        raise _invalid("operations", f"at most {MAX_OPERATIONS} operations in one batch")
    errors = _key_errors(nodes)
    if errors:
        raise InvalidInput("The batch's operations do not form a valid graph.", errors)
    order, cycle = _topological(nodes)
    if cycle:
        raise _invalid(
            "operations", "the dependencies form a cycle: " + " -> ".join([*cycle, cycle[0]])
        )
    return order


def _key_errors(nodes: Sequence[Node]) -> list[dict[str, str]]:
    errors: list[dict[str, str]] = []
    seen: set[str] = set()
    for i, node in enumerate(nodes):
        if node.key in seen:
            errors.append({"field": f"operations[{i}].operationKey", "reason": "duplicate key"})
        seen.add(node.key)
    for i, node in enumerate(nodes):
        for j, parent in enumerate(node.dependencies):
            field = f"operations[{i}].dependencies[{j}]"
            if parent == node.key:
                errors.append({"field": field, "reason": "an operation cannot depend on itself"})
            elif parent not in seen:
                errors.append({"field": field, "reason": f"no operation has the key {parent!r}"})
        if len(set(node.dependencies)) != len(node.dependencies):
            errors.append({"field": f"operations[{i}].dependencies", "reason": "repeated key"})
    return errors


def _topological(nodes: Sequence[Node]) -> tuple[list[str], list[str]]:
    """Kahn's order; when a cycle remains, one cycle's keys (found by walking parents)."""
    parents = {n.key: n.dependencies for n in nodes}
    waiting = {k: len(set(d)) for k, d in parents.items()}
    children = children_of(nodes)
    ready = [n.key for n in nodes if waiting[n.key] == 0]
    order: list[str] = []
    while ready:
        key = ready.pop(0)
        order.append(key)
        for child in children[key]:
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
    if len(order) == len(nodes):
        return order, []
    left = {k for k in parents if k not in set(order)}
    # Every node left has a parent left: walking parents must come back to a node seen.
    path: list[str] = []
    key = next(n.key for n in nodes if n.key in left)
    while key not in path:
        path.append(key)
        key = next(p for p in parents[key] if p in left)
    cycle = path[path.index(key) :]
    return order, list(reversed(cycle))


def children_of(nodes: Iterable[Node]) -> dict[str, list[str]]:
    """Each key's direct dependents, in the order the nodes are given."""
    nodes = list(nodes)
    children: dict[str, list[str]] = {n.key: [] for n in nodes}
    for node in nodes:
        for parent in dict.fromkeys(node.dependencies):
            children[parent].append(node.key)
    return children


def descendants(nodes: Iterable[Node], key: str) -> list[str]:
    """Every operation that depends on ``key``, directly or not (breadth first)."""
    children = children_of(nodes)
    found: list[str] = []
    queue = list(children.get(key, []))
    while queue:
        child = queue.pop(0)
        if child not in found:
            found.append(child)
            queue.extend(children[child])
    return found


def initial_status(node: Node) -> OperationStatus:
    """Roots are queued at once; dependents wait for their parents."""
    return _S.PENDING if node.dependencies else _S.INITIATED


# -- what follows when an operation ends --------------------------------------------------


def released(
    nodes: Sequence[Node], statuses: Mapping[str, OperationStatus], completed: str
) -> list[str]:
    """The dependents of ``completed`` that become Initiated: Pending, every parent Completed."""
    by_key = {n.key: n for n in nodes}
    return [
        child
        for child in children_of(nodes)[completed]
        if statuses[child] is _S.PENDING
        and all(statuses[p] is _S.COMPLETED for p in by_key[child].dependencies)
    ]


def to_cancel(
    nodes: Sequence[Node],
    statuses: Mapping[str, OperationStatus],
    ended: str,
    policy: FailurePolicy,
) -> dict[str, str]:
    """Which operations end Cancelled because ``ended`` ended without completing, and why.

    A cancelled operation's descendants are always cancelled (they can never run); a failed
    one's follow the failure policy (see :class:`FailurePolicy`).
    """
    failed = statuses[ended] in _FAILED
    below = set(descendants(nodes, ended))
    chosen: list[str] = []
    for node in nodes:
        status = statuses[node.key]
        if status in TERMINAL or node.key == ended:
            continue
        if node.key in below:
            chosen.append(node.key)
        elif failed and policy.stop_on_first_failure:
            chosen.append(node.key)
        elif failed and not policy.continue_independent and status in _WAITING:
            chosen.append(node.key)
    verb = "failed" if failed else f"ended {statuses[ended].value}"
    return {
        key: (
            f"Dependency {ended!r} {verb}."
            if key in below
            else f"Batch stopped: operation {ended!r} {verb}."
        )
        for key in chosen
    }


# -- the batch as a whole -----------------------------------------------------------------


def batch_status(
    statuses: Iterable[OperationStatus], started: bool, cancel_requested: bool
) -> BatchStatus:
    """The batch's status from its operations' (docs/batches.md defines each).

    While any operation is active: Running once any has started (``started``) or ended,
    else Initiated. When all have ended: Completed if all completed; Cancelled if the batch
    was cancelled, or nothing failed (an operation of it was cancelled); otherwise
    PartiallyCompleted if some completed, Failed if none did.
    """
    statuses = list(statuses)
    if any(s not in TERMINAL for s in statuses):
        if started or any(s in TERMINAL or s is _S.RUNNING for s in statuses):
            return BatchStatus.RUNNING
        return BatchStatus.INITIATED
    if all(s is _S.COMPLETED for s in statuses):
        return BatchStatus.COMPLETED
    if cancel_requested or not any(s in _FAILED for s in statuses):
        return BatchStatus.CANCELLED
    if any(s is _S.COMPLETED for s in statuses):
        return BatchStatus.PARTIALLY_COMPLETED
    return BatchStatus.FAILED


def batch_percentage(parts: Iterable[tuple[float, float]]) -> float:
    """Progress over all operations: each one's percentage (by the one definition in
    ``domain/progress.py``) weighted by its expected duration; equal weights without any."""
    parts = list(parts)
    if not parts:
        return 0.0
    total = sum(max(w, 0.0) for w, _ in parts)
    if total <= 0:
        return sum(p for _, p in parts) / len(parts)
    return sum(max(w, 0.0) * p for w, p in parts) / total


# -- estimates ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CriticalPath:
    """The longest chain of expected durations, and when each operation should start."""

    keys: tuple[str, ...]
    seconds: float
    low_seconds: float
    high_seconds: float
    start_offsets: dict[str, float]
    """Seconds from now until each operation should start (its parents' longest chain)."""


def critical_path(
    nodes: Sequence[Node], durations: Mapping[str, tuple[float, float, float]]
) -> CriticalPath:
    """The critical path of ``durations`` (low, expected, high seconds per key) over the graph.

    Operations run as soon as their parents end; the batch lasts as long as its longest
    chain. The range is the chain's low and high sums (the same chain; a bound, not a
    distribution).
    """
    by_key = {n.key: n for n in nodes}
    start: dict[str, float] = {}
    via: dict[str, str | None] = {}
    for key in check_graph(nodes):
        parents = by_key[key].dependencies
        best = max(parents, key=lambda p: start[p] + durations[p][1], default=None)
        via[key] = best
        start[key] = 0.0 if best is None else start[best] + durations[best][1]
    last = max(start, key=lambda k: start[k] + durations[k][1])
    chain: list[str] = []
    cursor: str | None = last
    while cursor is not None:
        chain.append(cursor)
        cursor = via[cursor]
    chain.reverse()
    return CriticalPath(
        keys=tuple(chain),
        seconds=start[last] + durations[last][1],
        low_seconds=sum(durations[k][0] for k in chain),
        high_seconds=sum(durations[k][2] for k in chain),
        start_offsets=start,
    )


# -- outputs along edges ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Parent:
    """What a dependent may take from a parent: its kind, operation id, and the dataset it
    passes on (a DataEnrichment's new dataset, another kind's own input)."""

    key: str
    operation_type: str
    operation_id: str
    dataset_id: str | None


def inherited_parameters(
    operation_type: str, parameters: Mapping[str, Any], parents: Sequence[Parent]
) -> dict[str, str]:
    """The parameters an operation takes from its parents (docs/batches.md).

    An operation that omits ``datasetId`` works on the dataset its parents pass on; a
    ReportGeneration that names neither ``sourceOperationId`` nor ``datasetId`` reports on
    the ProcessMiningAnalysis it depends on, or, with none among its parents, on the dataset
    they pass on (a report takes one input, never both). When several parents could supply
    a value, the batch is refused (:class:`InvalidInput` naming ``parameters.<name>``).
    """
    taken: dict[str, str] = {}
    if operation_type == REPORT_GENERATION:
        if "sourceOperationId" in parameters or "datasetId" in parameters:
            return taken
        analyses = [p for p in parents if p.operation_type == PROCESS_MINING]
        if len(analyses) > 1:
            raise _ambiguous("sourceOperationId", [p.key for p in analyses])
        if analyses:
            taken["sourceOperationId"] = analyses[0].operation_id
            return taken
    if "datasetId" not in parameters:
        offered = {p.dataset_id: p.key for p in parents if p.dataset_id is not None}
        if len(offered) > 1:
            raise _ambiguous("datasetId", sorted(offered.values()))
        if offered:
            taken["datasetId"] = next(iter(offered))
    return taken


def passed_on_dataset(
    operation_type: str, parameters: Mapping[str, Any], written: str
) -> str | None:
    """The dataset an operation passes to its dependents: ``written`` (the new dataset's id)
    for a DataEnrichment, its own ``datasetId`` for any other kind."""
    if operation_type == DATA_ENRICHMENT:
        return written
    value = parameters.get("datasetId")
    return str(value) if value is not None else None


def _ambiguous(name: str, keys: list[str]) -> InvalidInput:
    return _invalid(
        f"parameters.{name}",
        f"several dependencies could supply it ({', '.join(keys)}); set it explicitly",
    )


def _invalid(field: str, reason: str) -> InvalidInput:
    return InvalidInput("The batch is not valid.", errors=[{"field": field, "reason": reason}])
