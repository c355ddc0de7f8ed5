"""Which completed phases a ``resume`` retry reuses, and why the others run again.

A phase's stored results are reused only when they are what the phase would compute now:
it completed in the original operation with its results kept, every parameter it depends
on is unchanged, and every phase before it is reused too (a phase reads the results of
the phases before it, so one that runs again makes all later ones run again).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_MISSING = object()


@dataclass(frozen=True, slots=True)
class PhaseState:
    """A phase of the kind, and how it ended in the original operation.

    ``depends_on``: dotted parameter paths its results depend on; None means all parameters.
    ``original``: the original phase's status, or None when the original had no such phase.
    ``kept``: whether its results are still stored (a cancellation may have dropped them).
    """

    name: str
    depends_on: frozenset[str] | None
    original: str | None
    kept: bool


@dataclass(frozen=True, slots=True)
class Rerun:
    phase: str
    reason: str


@dataclass(frozen=True, slots=True)
class ResumePlan:
    """The reused phases (positions, always a prefix) and the reason for every other one."""

    reused: tuple[int, ...]
    rerun: tuple[Rerun, ...]


def plan_resume(
    phases: Sequence[PhaseState],
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    resume: bool,
) -> ResumePlan:
    """The plan of a retry from the original's phases and parameters (``before``) to the
    retry's parameters (``after``); ``resume`` False is a restart, which reuses nothing."""
    reused: list[int] = []
    rerun: list[Rerun] = []
    for position, phase in enumerate(phases):
        reason = _why_not(phase, before, after, resume)
        if rerun and reason is None:
            reason = f"runs after a phase that runs again ({rerun[0].phase})"
        if reason is None:
            reused.append(position)
        else:
            rerun.append(Rerun(phase.name, reason))
    return ResumePlan(tuple(reused), tuple(rerun))


def _why_not(
    phase: PhaseState, before: Mapping[str, Any], after: Mapping[str, Any], resume: bool
) -> str | None:
    if not resume:
        return "restart runs every phase"
    if phase.original != "Completed":
        ended = "had not started" if phase.original in (None, "Pending") else phase.original
        return f"did not complete in the original operation ({ended})"
    if not phase.kept:
        return "its results were not preserved"
    changed = changed_parameters(before, after, phase.depends_on)
    if changed:
        return "parameters changed: " + ", ".join(changed)
    return None


def changed_parameters(
    before: Mapping[str, Any], after: Mapping[str, Any], paths: frozenset[str] | None
) -> list[str]:
    """The paths among ``paths`` (every top-level key when None) whose values differ."""
    if paths is None:
        paths = frozenset(before) | frozenset(after)
    return sorted(path for path in paths if _at(before, path) != _at(after, path))


def _at(parameters: Mapping[str, Any], path: str) -> Any:
    value: Any = parameters
    for key in path.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return _MISSING
        value = value[key]
    return value
