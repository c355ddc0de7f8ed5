"""The kinds that ship with minerun."""

from __future__ import annotations

import importlib

from minerun.kinds import process_mining
from minerun.kinds.registry import KindRegistry


def register(registry: KindRegistry) -> None:
    """Register the built-in kinds (each lives in its own module of this package)."""
    registry.add(process_mining.KIND)
    registry.add(importlib.import_module("minerun.kinds.data_enrichment").KIND)
    registry.add(importlib.import_module("minerun.kinds.report_generation").KIND)
