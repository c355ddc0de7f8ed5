"""Priorities and the queue order with aging.

Each operation gets a queue key when it is queued: its enqueue time in seconds minus
``rank * aging_seconds``. Workers claim the smallest key first. A Critical operation is thus
ahead of a Low one queued at the same moment by three aging periods; a Low operation that has
waited three periods is ahead of a Critical one queued now. The key never changes while the
operation waits, so the order is an index scan and Low work cannot starve.
"""

from __future__ import annotations

from enum import StrEnum


class Priority(StrEnum):
    LOW = "Low"
    NORMAL = "Normal"
    HIGH = "High"
    CRITICAL = "Critical"

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.CRITICAL: 3}


def queue_key(enqueued_epoch: float, priority: Priority, aging_seconds: float) -> float:
    """The claim order of an operation queued at ``enqueued_epoch`` (smaller runs first)."""
    return enqueued_epoch - priority.rank * aging_seconds
