"""How the operation commands print: a readable table on a terminal, or the API's JSON.

Tables, fields and the live display go to stdout through rich; errors go to stderr as one
plain ``minerun: …`` line (no markup, so a message that holds brackets prints as it is).
JSON is printed as the API spells it (camelCase, times as the API writes them), for scripts.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from minerun.domain.times import iso

Cell = str | int | float | datetime | None


def api_json(value: BaseModel | Sequence[BaseModel] | dict[str, Any]) -> Any:
    """A model (or list of models) as the API's JSON: camelCase names, ISO times."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, dict):
        return value
    return [item.model_dump(mode="json", by_alias=True) for item in value]


def text(value: Cell | bool | list[Any] | dict[str, Any]) -> str:
    """One value in a table cell: times as the API writes them, nothing for a missing value."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return iso(value) or ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def size(count: int | None) -> str:
    """A byte count as a person reads it."""
    if count is None:
        return ""
    amount = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if amount < 1000 or unit == "GB":
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1000
    return f"{amount:.1f} GB"  # pragma: no cover - the loop returns


def duration(seconds: float | None) -> str:
    """Seconds as ``1h 02m``, ``3m 05s`` or ``4.2s``; nothing when unknown."""
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f}s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {secs:02d}s"


class Output:
    """Where a command prints; ``as_json`` when the user asked for ``--json``."""

    def __init__(self, as_json: bool = False, console: Console | None = None) -> None:
        self.as_json = as_json
        # Piped or captured, lines are not cut to 80 columns: ids stay whole for grep and awk.
        width = None if sys.stdout.isatty() else 200
        self.console = console or Console(highlight=False, soft_wrap=False, width=width)

    def json(self, value: BaseModel | Sequence[BaseModel] | dict[str, Any]) -> None:
        """The answer as JSON on stdout, nothing else (for ``--json``)."""
        print(json.dumps(api_json(value), indent=2, ensure_ascii=False), flush=True)

    def json_line(self, value: BaseModel) -> None:
        """One answer as one line of JSON (a stream of them is JSON Lines)."""
        print(json.dumps(api_json(value), ensure_ascii=False), flush=True)

    def line(self, message: str = "") -> None:
        self.console.print(message, markup=False, soft_wrap=True)

    def rich(self, renderable: Any) -> None:
        """Print a table or other rich renderable; piped, without the padding that ends its
        lines (so that ``grep 'status +Completed$'`` and friends work)."""
        if self.console.is_terminal:
            self.console.print(renderable)
            return
        with self.console.capture() as captured:
            self.console.print(renderable)
        lines = captured.get().splitlines()
        print("\n".join(line.rstrip() for line in lines), flush=True)

    def error(self, message: str) -> None:
        print(f"minerun: {message}", file=sys.stderr, flush=True)

    def table(
        self, columns: Sequence[str], rows: Iterable[Sequence[Cell]], title: str | None = None
    ) -> int:
        """Rows under their column names; returns how many rows were shown."""
        table = Table(*columns, title=title, title_justify="left", box=None, pad_edge=False)
        shown = 0
        for row in rows:
            table.add_row(*(text(cell) for cell in row))
            shown += 1
        if shown:
            self.rich(table)
        else:
            self.line("(none)")
        return shown

    def fields(self, pairs: Iterable[tuple[str, Any]], title: str | None = None) -> None:
        """Name and value, one per line, leaving out the values that are missing."""
        table = Table(
            title=title, title_justify="left", box=None, pad_edge=False, show_header=False
        )
        table.add_column(style="bold")
        table.add_column(overflow="fold")
        for name, value in pairs:
            if value is not None and value != "" and value != [] and value != {}:
                table.add_row(name, text(value))
        if table.row_count:
            self.rich(table)
