"""Operation kinds: each declares its phases; the worker runs them in order."""

from minerun.kinds.base import (
    ArtifactSpec,
    DatasetSpec,
    Kind,
    OperationCancelled,
    Phase,
    PhaseContext,
    PhaseInputError,
)
from minerun.kinds.registry import KindRegistry, load_registry

__all__ = [
    "ArtifactSpec",
    "DatasetSpec",
    "Kind",
    "KindRegistry",
    "OperationCancelled",
    "Phase",
    "PhaseContext",
    "PhaseInputError",
    "load_registry",
]
