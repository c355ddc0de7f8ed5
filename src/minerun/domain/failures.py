"""Why an attempt failed, and whether the operation gets another one.

Every failure has a stable :class:`FailureType`, shown to clients beside a message written for
them (``lastErrorType``, ``attemptHistory[].errorType``, the ``operation.failed`` event); the
Python traceback, with its server paths, goes to the server log only.

- ``invalid-input``: the operation's input cannot be used (an empty time window, a dataset
  that was deleted). Running it again cannot help: it fails at once, whatever its retry policy.
- ``phase-error``: a phase raised an unexpected error. Retried under the retry policy.
- ``process-died``: the process running the operation died. Retried under the retry policy,
  and counted as a crash.
- ``lease-expired``: the worker stopped renewing its lease (it died or hung); the operation is
  taken over by another worker, and this counts as a crash.
- ``crash-loop``: the operation crashed its worker ``MINERUN_MAX_CRASHES`` times; it is not
  run again.
- ``timeout``: the operation did not finish before its ``timeoutAt``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from minerun.domain.retry import RetryPolicy


class FailureType(StrEnum):
    INVALID_INPUT = "invalid-input"
    PHASE_ERROR = "phase-error"
    PROCESS_DIED = "process-died"
    LEASE_EXPIRED = "lease-expired"
    CRASH_LOOP = "crash-loop"
    TIMEOUT = "timeout"


# The failures that take a worker (or its slot process) down with them.
CRASHES: frozenset[FailureType] = frozenset({FailureType.PROCESS_DIED, FailureType.LEASE_EXPIRED})

TIMEOUT_MESSAGE = "The operation did not finish before its timeout."


@dataclass(frozen=True, slots=True)
class Failure:
    """How one attempt failed: a stable type and a message fit for clients."""

    type: FailureType
    message: str


def crash_loop(died: int, expired: int) -> Failure:
    """The failure that ends an operation which crashed its worker too often."""
    return Failure(
        FailureType.CRASH_LOOP,
        f"The operation crashed its worker {died + expired} times (process died: {died}, "
        f"lease expired: {expired}); it reached the crash limit and is not run again.",
    )


LEASE_LOST = Failure(
    FailureType.LEASE_EXPIRED,
    "The worker running the operation stopped renewing its lease (it died or hung).",
)
TIMED_OUT = Failure(FailureType.TIMEOUT, TIMEOUT_MESSAGE)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What follows a failed attempt: another one at ``retry_at``, or the end (None).

    ``failure`` is what the operation reports as its last error.
    """

    retry_at: datetime | None
    failure: Failure


def crash_limit(died: int, expired: int, max_crashes: int) -> Failure | None:
    """The crash-loop failure once the crashed attempts reach ``max_crashes``, else None."""
    return crash_loop(died, expired) if died + expired >= max_crashes else None


def judge(
    failure: Failure,
    policy: RetryPolicy,
    failures: int,
    crashes: tuple[int, int],
    max_crashes: int,
    now: datetime,
) -> Verdict:
    """Whether a failed attempt is followed by another.

    ``failures`` counts the failed attempts, this one included; ``crashes`` the attempts whose
    process died and those whose lease expired, this one included. Invalid input is never
    retried; a crash loop ends at ``max_crashes`` whatever the retry policy allows.
    """
    if failure.type in CRASHES:
        looping = crash_limit(*crashes, max_crashes)
        if looping is not None:
            return Verdict(None, looping)
    if failure.type is FailureType.INVALID_INPUT or not policy.allows_retry(failures):
        return Verdict(None, failure)
    return Verdict(now + timedelta(seconds=policy.delay(failures)), failure)
