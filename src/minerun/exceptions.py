"""The errors minerun raises on purpose, in one hierarchy.

    MinerunError
    ├── NotFound
    ├── Conflict
    │   ├── IllegalTransition
    │   └── IdempotencyConflict
    ├── InvalidInput
    │   ├── IdempotencyMismatch
    │   ├── UnprocessableContent
    │   └── PhaseInputError
    ├── PayloadTooLarge
    ├── Unauthorized
    └── LeaseLost

The API maps each class to one HTTP status in ``api/errors.py``; the docstring of each class is
its default message.
"""

from __future__ import annotations


class MinerunError(Exception):
    """Something went wrong in minerun."""

    def __init__(self, message: str | None = None, **details: object) -> None:
        self.message = message or (self.__doc__ or "").strip()
        self.details = details
        super().__init__(self.message)


class NotFound(MinerunError):
    """The resource does not exist."""


class Conflict(MinerunError):
    """The resource is not in a state that allows this request."""


class IllegalTransition(Conflict):
    """This status change is not allowed."""


class IdempotencyConflict(Conflict):
    """A request with this Idempotency-Key is still being processed."""


class InvalidInput(MinerunError):
    """The request is not valid.

    ``errors`` lists the offending fields as ``{"field": ..., "reason": ...}``.
    """

    def __init__(self, message: str | None = None, errors: list[dict[str, str]] | None = None):
        super().__init__(message)
        self.errors = errors or []


class IdempotencyMismatch(InvalidInput):
    """This Idempotency-Key was used before with a different request."""


class UnprocessableContent(InvalidInput):
    """The request is well formed but its content cannot be used."""


class PhaseInputError(InvalidInput):
    """The operation's input cannot be used; running it again would not help.

    Raised by a phase (an empty time window, a dataset that no longer exists): the operation
    ends Failed at once, with this message and the type ``invalid-input``, without retries.
    """


class PayloadTooLarge(MinerunError):
    """The upload is larger than this service accepts."""


class Unauthorized(MinerunError):
    """A valid bearer token is required."""


class LeaseLost(MinerunError):
    """This worker no longer holds the operation's lease; its write was refused."""
