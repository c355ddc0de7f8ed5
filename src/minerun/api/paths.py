"""The API's own path templates, read from its OpenAPI document: which endpoints a concrete
path names, with what parameters and methods (for ``Allow`` and for naming a bad segment)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from starlette.routing import compile_path

_CACHE_KEY = "minerun_path_templates"


@dataclass(frozen=True, slots=True)
class PathMatch:
    template: str
    params: dict[str, str]
    methods: frozenset[str]


def matches(app: Any, path: str) -> list[PathMatch]:
    """Every documented endpoint whose template matches ``path``."""
    found = []
    for template, pattern, methods in _templates(app):
        hit = pattern.match(path)
        if hit is not None:
            found.append(PathMatch(template, hit.groupdict(), methods))
    return found


def _templates(app: Any) -> list[tuple[str, re.Pattern[str], frozenset[str]]]:
    cached: list[tuple[str, re.Pattern[str], frozenset[str]]] | None = getattr(
        app.state, _CACHE_KEY, None
    )
    if cached is None:
        cached = [
            (template, compile_path(template)[0], frozenset(m.upper() for m in operations))
            for template, operations in app.openapi()["paths"].items()
        ]
        setattr(app.state, _CACHE_KEY, cached)
    return cached
