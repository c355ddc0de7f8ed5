"""Fixtures of the render tests."""

from __future__ import annotations

import pytest

from minerun.analysis.render.model import ProcessMap

from . import samples


@pytest.fixture
def loop_map() -> ProcessMap:
    """register -> check (with a self-loop) -> decide, and decide back to check."""
    return samples.loop_map()
