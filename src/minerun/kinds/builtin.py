"""The kinds that ship with minerun."""

from __future__ import annotations

from minerun.kinds import process_mining
from minerun.kinds.registry import KindRegistry


def register(registry: KindRegistry) -> None:
    """Register the built-in kinds (each lives in its own module of this package)."""
    registry.add(process_mining.KIND)
