"""Operation and phase statuses, and the one table of allowed transitions."""

from __future__ import annotations

from enum import StrEnum

from minerun.exceptions import IllegalTransition


class OperationStatus(StrEnum):
    INITIATED = "Initiated"
    PENDING = "Pending"
    RUNNING = "Running"
    COMPLETED = "Completed"
    FAILED = "Failed"
    CANCELLED = "Cancelled"
    TIMEOUT = "Timeout"


class PhaseStatus(StrEnum):
    PENDING = "Pending"
    RUNNING = "Running"
    COMPLETED = "Completed"
    FAILED = "Failed"
    SKIPPED = "Skipped"
    CANCELLED = "Cancelled"


TERMINAL: frozenset[OperationStatus] = frozenset(
    {
        OperationStatus.COMPLETED,
        OperationStatus.FAILED,
        OperationStatus.CANCELLED,
        OperationStatus.TIMEOUT,
    }
)
ACTIVE: frozenset[OperationStatus] = frozenset(set(OperationStatus) - TERMINAL)
RETRYABLE: frozenset[OperationStatus] = frozenset(
    {OperationStatus.FAILED, OperationStatus.CANCELLED, OperationStatus.TIMEOUT}
)

_S = OperationStatus
# Running -> Initiated is an automatic retry waiting for its delay, or a lease handed back.
# Running -> Running is a takeover by another worker after the lease expired.
TRANSITIONS: dict[OperationStatus, frozenset[OperationStatus]] = {
    _S.PENDING: frozenset({_S.INITIATED, _S.CANCELLED, _S.TIMEOUT, _S.FAILED}),
    _S.INITIATED: frozenset({_S.RUNNING, _S.CANCELLED, _S.TIMEOUT}),
    _S.RUNNING: frozenset(
        {_S.RUNNING, _S.INITIATED, _S.COMPLETED, _S.FAILED, _S.CANCELLED, _S.TIMEOUT}
    ),
    _S.COMPLETED: frozenset(),
    _S.FAILED: frozenset(),
    _S.CANCELLED: frozenset(),
    _S.TIMEOUT: frozenset(),
}


def can_transition(current: OperationStatus, target: OperationStatus) -> bool:
    return target in TRANSITIONS[current]


def check_transition(current: OperationStatus, target: OperationStatus) -> None:
    """Raise :class:`IllegalTransition` unless ``current -> target`` is allowed."""
    if not can_transition(current, target):
        raise IllegalTransition(
            f"An operation that is {current} cannot become {target}.",
            current=str(current),
            target=str(target),
        )


def sources_of(target: OperationStatus) -> frozenset[OperationStatus]:
    """Statuses from which ``target`` can be reached (used as SQL guards)."""
    return frozenset(status for status, nexts in TRANSITIONS.items() if target in nexts)
