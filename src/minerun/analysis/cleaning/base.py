"""What every cleaning rule shares: its options, what it returns, and JSON-ready examples.

A rule is a frozen dataclass whose fields are its options (with their defaults); the class
lists the options as :class:`Option` records, which say the JSON name, how a value is read
and whether it is required. A reader raises :class:`ValueError` with the reason when a value
is unusable; the parser in :mod:`minerun.analysis.cleaning.pipeline` turns that into a
``{"field", "reason"}`` problem.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, ClassVar, Final

import polars as pl

from minerun.analysis.columns import ACTIVITY, CASE, EVENT_INDEX, RESOURCE, TIMESTAMP
from minerun.analysis.eventlog import LIFECYCLE

MAX_EXAMPLES: Final = 5
"""How many examples a rule reports for each thing it changed."""

COLUMN_ALIASES: Final = {
    "case:concept:name": CASE,
    "concept:name": ACTIVITY,
    "time:timestamp": TIMESTAMP,
    "org:resource": RESOURCE,
    "lifecycle:transition": LIFECYCLE,
}
"""XES attribute names accepted wherever a rule names a column."""

Reader = Callable[[Any], Any]


@dataclass(frozen=True)
class Option:
    """One option of a rule: its JSON name, the dataclass field it fills, how it is read."""

    key: str
    attr: str
    read: Reader
    required: bool = False


@dataclass(frozen=True)
class Environment:
    """What a rule may need beyond the log: the moment the rules run (for "future")."""

    now: datetime


@dataclass(frozen=True)
class Outcome:
    """A rule's new frame and what it changed, apart from the row and case counts.

    ``counts`` are named tallies (events dropped for a reason, pairs made, …);
    ``values_fixed`` counts changed values per column; ``examples`` are JSON-ready rows.
    """

    frame: pl.DataFrame
    counts: dict[str, int] = field(default_factory=dict)
    values_fixed: dict[str, int] = field(default_factory=dict)
    columns_added: tuple[str, ...] = ()
    columns_removed: tuple[str, ...] = ()
    examples: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class CleaningRule(ABC):
    """A transformation of the canonical event-log frame, configured by its fields."""

    name: ClassVar[str]
    options: ClassVar[tuple[Option, ...]] = ()

    def problems(self) -> list[tuple[str, str]]:
        """(option key, reason) for option values that do not fit together."""
        return []

    def columns_needed(self) -> dict[str, str]:
        """Columns the rule reads beyond the canonical ones, by the option naming them."""
        return {}

    def columns_after(self, columns: Sequence[str]) -> list[str]:
        """The columns of the frame the rule returns, given those it receives."""
        return list(columns)

    @abstractmethod
    def apply(self, frame: pl.DataFrame, env: Environment) -> Outcome:
        """Transform ``frame`` (one row per event, canonical columns)."""

    def describe(self) -> dict[str, Any]:
        """The rule and every option with its effective value, JSON-ready."""
        values = {option.key: to_json(getattr(self, option.attr)) for option in self.options}
        return {"rule": self.name, **values}


def column_name(name: str) -> str:
    """The canonical name of a column given by its canonical or XES name."""
    return COLUMN_ALIASES.get(name, name)


def to_json(value: Any) -> Any:
    """A value of an option or a frame cell as JSON: datetimes in ISO 8601, tuples as lists."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, tuple | list):
        return [to_json(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): to_json(item) for key, item in value.items()}
    return value


def example_rows(frame: pl.DataFrame, columns: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The first :data:`MAX_EXAMPLES` rows as JSON objects, with ``row`` (1-based, in source)."""
    wanted = [c for c in (CASE, ACTIVITY, TIMESTAMP, *columns) if c in frame.columns]
    head = frame.head(MAX_EXAMPLES)
    rows = head.select(wanted).to_dicts()
    if EVENT_INDEX in head.columns:
        for row, index in zip(rows, head[EVENT_INDEX].to_list(), strict=True):
            row["row"] = None if index is None else int(index) + 1
    return [to_json(row) for row in rows]


def case_count(frame: pl.DataFrame) -> int:
    """Number of distinct cases of a frame."""
    return int(frame[CASE].n_unique()) if frame.height else 0


def removed_cases(before: pl.DataFrame, kept: pl.DataFrame, value: pl.Expr) -> pl.DataFrame:
    """One row per case of ``before`` that is not in ``kept``: the case id and ``value``."""
    gone = before.filter(~pl.col(CASE).is_in(kept[CASE].unique().implode()))
    return gone.group_by(CASE).agg(value.alias("value")).sort(CASE)


def case_examples(cases: pl.DataFrame, label: str) -> list[dict[str, Any]]:
    """Examples of removed cases: ``{"case_id": ..., label: value}``."""
    head = cases.head(MAX_EXAMPLES).rename({"value": label})
    return [to_json(row) for row in head.to_dicts()]


def value_counts(values: pl.Series, label: str) -> list[dict[str, Any]]:
    """The most frequent values (ties by value) as ``{label: value, "events": n}``."""
    table = (
        values.value_counts(name="events")
        .sort(["events", values.name], descending=[True, False], nulls_last=True)
        .head(MAX_EXAMPLES)
    )
    return [{label: to_json(row[0]), "events": int(row[1])} for row in table.iter_rows()]


# Readers of option values. Each returns the typed value or raises ValueError(reason).


def read_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def read_names(value: Any) -> tuple[str, ...]:
    """A non-empty list of distinct non-blank strings."""
    if not isinstance(value, list) or not value:
        raise ValueError("must be a non-empty list of names")
    if not all(isinstance(item, str) and item.strip() for item in value):
        raise ValueError("every item must be a non-blank string")
    if len(set(value)) != len(value):
        raise ValueError("holds the same name twice")
    return tuple(value)


def read_values(value: Any) -> tuple[str, ...]:
    """A non-empty list of strings or numbers, compared as text."""
    if not isinstance(value, list) or not value:
        raise ValueError("must be a non-empty list of values")
    if not all(
        isinstance(item, str | int | float) and not isinstance(item, bool) for item in value
    ):
        raise ValueError("every item must be a string or a number")
    return tuple(str(item) for item in value)


def read_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-blank string")
    return value


def read_count(value: Any) -> int:
    """A whole number of at least 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("must be a whole number of at least 1")
    return value


def read_seconds(value: Any) -> float:
    """A finite number of seconds, at least 0."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number of seconds")
    if not math.isfinite(value) or value < 0:
        raise ValueError("must be a finite number of seconds, at least 0")
    return float(value)


def read_share(value: Any) -> float:
    """A share in (0, 1]."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise ValueError("must be a number greater than 0 and at most 1")
    return float(value)


def choice(*allowed: str) -> Reader:
    """A reader accepting one of ``allowed``."""

    def read(value: Any) -> str:
        if value not in allowed:
            raise ValueError("must be one of " + ", ".join(allowed))
        return str(value)

    return read


def read_start(value: Any) -> datetime:
    """The first moment of a window: a date means its midnight UTC."""
    return _moment(value, end_of_day=False)


def read_end(value: Any) -> datetime:
    """The last moment of a window: a date means the last microsecond of that day (UTC)."""
    return _moment(value, end_of_day=True)


def _moment(value: Any, *, end_of_day: bool) -> datetime:
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date or date-time string")
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            midnight = datetime.combine(day, time(), tzinfo=UTC)
            return midnight + timedelta(days=1, microseconds=-1) if end_of_day else midnight
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("must be an ISO 8601 date or date-time string") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
