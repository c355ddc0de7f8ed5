"""Intermediate results handed from one phase to a later one through the scratch directory.

Phase 4 needs the discovery and pattern results of phases 2 and 3. Reading them back saves
computing them twice; when they are missing (the phases ran on different machines), they
are computed again, so the results never depend on the memo.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def store(directory: Path, name: str, value: object) -> None:
    path = directory / f"{name}.pickle"
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    temporary.replace(path)


def load_or(directory: Path, name: str, compute: Callable[[], T]) -> T:
    """The stored value of ``name`` (written by this service only), or ``compute()``."""
    path = directory / f"{name}.pickle"
    if path.exists():
        value: T = pickle.loads(path.read_bytes())
        return value
    return compute()
