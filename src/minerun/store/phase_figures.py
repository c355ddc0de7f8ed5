"""The phases' small figures (no results): what progress needs, read for many operations at once."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, select

from minerun.domain.records import Phase
from minerun.store import tables as t

p = t.phases.c

# Every column but the results, which can be large and no progress figure needs.
_SMALL = [c for c in t.phases.c if c.name != "results"]


def phase_figures(conn: Connection, ids: Sequence[str]) -> dict[str, tuple[Phase, ...]]:
    """The phases of each operation in ``ids``, in order, without results; one query."""
    found: dict[str, list[Phase]] = {i: [] for i in ids}
    if not ids:
        return {}
    rows = conn.execute(
        select(*_SMALL).where(p.operation_id.in_(ids)).order_by(p.operation_id, p.position)
    ).mappings()
    for row in rows:
        found[row["operation_id"]].append(Phase.from_row({**row, "results": None}))
    return {i: tuple(phases) for i, phases in found.items()}
