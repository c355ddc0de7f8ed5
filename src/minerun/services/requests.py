"""Validated requests the operation service accepts (built by the API from its schemas)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from minerun.domain.priority import Priority

MAX_CPU_UNITS = 64
"""The most CPU units one operation may ask for in ``resourceAllocation.cpuUnits``."""
MAX_MEMORY_GB = 512
"""The most memory, in GB, one operation may ask for in ``resourceAllocation.memoryGB``."""
ALLOCATION_KEYS = ("cpuUnits", "memoryGB", "priority")


@dataclass(frozen=True, slots=True)
class StartRequest:
    operation_type: str
    operation_name: str
    operation_description: str | None
    priority: Priority
    parameters: dict[str, Any]
    callbacks: dict[str, Any] | None
    notifications: dict[str, Any] | None
    timeout: int
    retry_policy: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class CancelRequest:
    reason: str | None
    preserve_partial_results: bool
    force_termination: bool
    notify_callbacks: bool


@dataclass(frozen=True, slots=True)
class RetryRequest:
    retry_mode: str
    retry_reason: str | None
    modify_parameters: bool
    updated_parameters: dict[str, Any] | None
    retry_policy: dict[str, Any] | None
    new_timeout: int | None
    preserve_original_results: bool


def deep_merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` applied recursively (nested objects merged, others replaced)."""
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def allocation_errors(parameters: dict[str, Any]) -> list[dict[str, str]]:
    """Problems with ``parameters.resourceAllocation``, a part every kind understands.

    Whole CPU units and whole GB, as the contract shows them, within bounds that keep every
    cost estimate a price one could pay; a priority that is one of the four.
    """
    if "resourceAllocation" not in parameters:
        return []
    asked = parameters["resourceAllocation"]
    field = "parameters.resourceAllocation"
    if not isinstance(asked, dict):
        return [{"field": field, "reason": "must be an object with " + ", ".join(ALLOCATION_KEYS)}]
    errors = [
        {"field": f"{field}.{key}", "reason": "unknown; accepted: " + ", ".join(ALLOCATION_KEYS)}
        for key in sorted(set(asked) - set(ALLOCATION_KEYS))
    ]
    for key, high in (("cpuUnits", MAX_CPU_UNITS), ("memoryGB", MAX_MEMORY_GB)):
        value = asked.get(key, 1)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
            errors.append(
                {"field": f"{field}.{key}", "reason": f"must be an integer from 1 to {high}"}
            )
    if "priority" in asked and asked["priority"] not in {p.value for p in Priority}:
        errors.append(
            {"field": f"{field}.priority", "reason": "must be one of: " + ", ".join(Priority)}
        )
    return errors
