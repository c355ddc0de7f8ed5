"""Validated requests the operation service accepts (built by the API from its schemas)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from minerun.domain.priority import Priority


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
