"""Progress of a phase made of a few steps, each of which goes over every event.

Such a phase cannot count records one by one: its first step reads all the events of its
input at once, and the later ones read them again. It reports the share of its work done by
the weights of its finished steps (``fraction``), and as records the events it has gone
through: none before its first step ends, all of them after (never once per step).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from minerun.kinds.base import PhaseContext


class StepProgress:
    """Reports a phase's steps: call :meth:`next` as each step starts, :meth:`finish` at the end."""

    def __init__(
        self, ctx: PhaseContext, events: int, total: int | None, weights: Sequence[float]
    ) -> None:
        self.ctx, self.events, self.total = ctx, events, total
        self.weights = list(weights)
        self.started = 0  # steps started so far: each one ends when the next starts

    def next(self, activity: str, figures: Mapping[str, Any] | None = None) -> None:
        """The previous step is done (none at the first call) and the next one starts."""
        self.ctx.check_cancelled()
        self._report(self.started, activity, figures)
        self.started += 1

    def skip(self) -> None:
        """The next step is not asked for: its share passes with the step before it."""
        self.started += 1

    def finish(self, figures: Mapping[str, Any] | None = None) -> None:
        """Every step is done."""
        self._report(len(self.weights), "Done", figures)

    def _report(self, done_steps: int, activity: str, figures: Mapping[str, Any] | None) -> None:
        fraction = sum(self.weights[:done_steps]) / (sum(self.weights) or 1.0)
        records = self.events if done_steps > 0 else 0
        self.ctx.progress(records, self.total, activity, fraction=fraction, figures=figures)
