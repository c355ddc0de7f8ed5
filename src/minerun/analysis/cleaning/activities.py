"""``validate_activities``: one spelling per activity, no blank or unexpected names.

The names are few (tens to thousands) while events are many, so every decision is taken
once per distinct name and then applied to the events with one vectorised replacement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import polars as pl

from minerun.analysis.cleaning.base import (
    MAX_EXAMPLES,
    CleaningRule,
    Environment,
    Option,
    Outcome,
    example_rows,
    read_bool,
    read_names,
)
from minerun.analysis.columns import ACTIVITY, EVENT_INDEX

__all__ = ["ValidateActivities", "normalised"]


@dataclass(frozen=True)
class ValidateActivities(CleaningRule):
    """Normalise activity names and drop events whose name is blank or not allowed.

    A name is normalised by Unicode NFC, trimming and collapsing every run of white space
    (tabs, no-break spaces, …) into one space. With ``caseInsensitive``, spellings that
    differ only in letter case become the most frequent spelling (ties: the smallest).
    With ``allowed``, events whose normalised name is not in the (normalised) list are
    dropped.
    """

    name: ClassVar[str] = "validate_activities"
    options: ClassVar[tuple[Option, ...]] = (
        Option("allowed", "allowed", read_names),
        Option("caseInsensitive", "case_insensitive", read_bool),
    )

    allowed: tuple[str, ...] | None = None
    case_insensitive: bool = False

    def apply(self, frame: pl.DataFrame, env: Environment) -> Outcome:
        names = self._decide(frame)
        known = names.drop_nulls(ACTIVITY)
        target = pl.col(ACTIVITY).replace_strict(
            known[ACTIVITY], known["_target"], default=None, return_dtype=pl.String
        )
        kept = frame.with_columns(target.alias(ACTIVITY)).filter(pl.col(ACTIVITY).is_not_null())
        refused = names.filter("_refused")[ACTIVITY]
        renamed = names.filter(pl.col("_target").is_not_null() & pl.col("_changed"))
        counts = {
            "blankDropped": _events(names.filter(pl.col("_name").is_null())),
            "notAllowedDropped": _events(names.filter("_refused")),
        }
        examples = _rename_examples(renamed) + example_rows(
            frame.filter(pl.col(ACTIVITY).is_in(refused.implode())).sort(EVENT_INDEX)
        )
        return Outcome(kept, counts, {ACTIVITY: _events(renamed)}, examples=examples)

    def _decide(self, frame: pl.DataFrame) -> pl.DataFrame:
        """One row per distinct name: ``_name`` (normalised), ``_target`` (null: dropped)."""
        names = (
            frame.group_by(ACTIVITY)
            .len("events")
            .with_columns(normalised(pl.col(ACTIVITY)).alias("_name"))
        )
        if self.case_insensitive:
            names = names.with_columns(_usual_spelling(names).alias("_name"))
        refused = pl.col("_name").is_not_null() & ~self._allowed()
        return names.with_columns(
            refused.alias("_refused"),
            pl.when(~refused).then(pl.col("_name")).alias("_target"),
            pl.col("_name").ne_missing(pl.col(ACTIVITY)).alias("_changed"),
        )

    def _allowed(self) -> pl.Expr:
        if self.allowed is None:
            return pl.lit(True)
        allowed = pl.select(normalised(pl.lit(pl.Series(self.allowed)))).to_series()
        if self.case_insensitive:
            lower = allowed.str.to_lowercase().implode()
            return pl.col("_name").str.to_lowercase().is_in(lower)
        return pl.col("_name").is_in(allowed.implode())


def normalised(name: pl.Expr) -> pl.Expr:
    """NFC, inner white space collapsed to one space, trimmed; blank becomes null."""
    clean = name.str.normalize("NFC").str.replace_all(r"\s+", " ").str.strip_chars()
    return pl.when(clean == "").then(None).otherwise(clean)


def _usual_spelling(names: pl.DataFrame) -> pl.Expr:
    """The most frequent spelling (by events) among those equal but for letter case."""
    usual = (
        names.drop_nulls("_name")
        .group_by("_name")
        .agg(pl.col("events").sum())
        .with_columns(pl.col("_name").str.to_lowercase().alias("_lower"))
        .sort(["events", "_name"], descending=[True, False])
        .group_by("_lower", maintain_order=True)
        .agg(pl.col("_name").first())
    )
    return (
        pl.col("_name")
        .str.to_lowercase()
        .replace_strict(usual["_lower"], usual["_name"], default=None)
    )


def _events(names: pl.DataFrame) -> int:
    return int(names["events"].sum())


def _rename_examples(renamed: pl.DataFrame) -> list[dict[str, Any]]:
    top = renamed.sort(["events", ACTIVITY], descending=[True, False]).head(MAX_EXAMPLES)
    return [
        {"from": source, "to": target, "events": int(events)}
        for source, target, events in top.select(ACTIVITY, "_target", "events").iter_rows()
    ]
