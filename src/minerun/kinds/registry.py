"""Which kinds exist: filled by the modules named in ``MINERUN_KIND_MODULES``.

Each such module defines ``register(registry)``. The API (to validate ``operationType``) and
every worker slot process (to run phases) load the same modules.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from minerun.kinds.base import Kind


class KindRegistry:
    def __init__(self) -> None:
        self._kinds: dict[str, Kind] = {}

    def add(self, kind: Kind) -> None:
        if kind.name in self._kinds:
            raise ValueError(f"kind {kind.name!r} is registered twice")
        self._kinds[kind.name] = kind

    def get(self, name: str) -> Kind | None:
        return self._kinds.get(name)

    def names(self) -> list[str]:
        return sorted(self._kinds)


def load_registry(module_names: Iterable[str]) -> KindRegistry:
    """Import each module and let it register its kinds."""
    registry = KindRegistry()
    for name in module_names:
        module = importlib.import_module(name)
        module.register(registry)
    return registry
