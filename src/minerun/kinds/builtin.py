"""The kinds that ship with minerun."""

from __future__ import annotations

from minerun.kinds.registry import KindRegistry


def register(registry: KindRegistry) -> None:
    """Register the built-in kinds (each lives in its own module of this package)."""
    del registry
