"""Read a ``cleaningRules`` list and apply its rules in order, reporting what each changed.

A rule is given by its name (``"remove_duplicates"``) or as an object with options
(``{"rule": "remove_duplicates", "keys": ["case_id", "activity"]}``). Problems are returned
as ``{"field": "parameters.cleaningRules[2].keys", "reason": ...}``, the form of every
parameter check of the service.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import polars as pl

from minerun.analysis.cleaning.activities import ValidateActivities
from minerun.analysis.cleaning.base import CleaningRule, Environment, case_count
from minerun.analysis.cleaning.filters import (
    FilterActivities,
    FilterAttribute,
    FilterCaseDuration,
    FilterCaseLength,
    FilterTimeWindow,
    FilterTopVariants,
)
from minerun.analysis.cleaning.lifecycle import MergeLifecycle
from minerun.analysis.cleaning.quality import FixTimestamps, RemoveDuplicates
from minerun.analysis.columns import CASE, EVENT_INDEX, TIMESTAMP
from minerun.analysis.errors import CleaningRuleError, InvalidCleaningRulesError

__all__ = [
    "FIELD",
    "RULES",
    "CleaningResult",
    "RuleChange",
    "RuleProgress",
    "apply_rules",
    "check_rules",
    "column_problems",
    "parse_rules",
]

FIELD: Final = "parameters.cleaningRules"
RULES: Final[dict[str, type[CleaningRule]]] = {
    rule.name: rule
    for rule in (
        RemoveDuplicates,
        FixTimestamps,
        ValidateActivities,
        MergeLifecycle,
        FilterTimeWindow,
        FilterAttribute,
        FilterActivities,
        FilterCaseLength,
        FilterCaseDuration,
        FilterTopVariants,
    )
}
"""Every rule by name, in the order the documentation lists them."""

Problem = dict[str, str]


@dataclass(frozen=True)
class RuleProgress:
    """Where :func:`apply_rules` is, reported after each rule.

    ``rows_processed`` adds up the rows each finished rule read; ``rows_expected`` is that
    plus ``rows_out`` for every rule still to run, the total if no further row is removed,
    so it is exact once the last rule is done.
    """

    index: int
    rules: int
    rule: str
    rows_in: int
    rows_out: int
    rows_processed: int
    rows_expected: int


@dataclass(frozen=True)
class RuleChange:
    """What one rule did to the log (see :meth:`to_json` for the reported form).

    It holds no frame, so the intermediate logs of a long list of rules are freed as soon
    as the next rule has run.
    """

    index: int
    rule: str
    options: dict[str, Any]
    rows_in: int
    rows_out: int
    cases_in: int
    cases_out: int
    counts: dict[str, int]
    values_fixed: dict[str, int]
    columns_added: tuple[str, ...]
    columns_removed: tuple[str, ...]
    examples: list[dict[str, Any]]
    seconds: float

    def to_json(self) -> dict[str, Any]:
        """The change as the results report it, in the API's camelCase."""
        return {
            "index": self.index,
            "rule": self.rule,
            "options": self.options,
            "rowsIn": self.rows_in,
            "rowsOut": self.rows_out,
            "rowsRemoved": self.rows_in - self.rows_out,
            "casesIn": self.cases_in,
            "casesOut": self.cases_out,
            "casesRemoved": self.cases_in - self.cases_out,
            "valuesFixed": self.values_fixed,
            "columnsAdded": list(self.columns_added),
            "columnsRemoved": list(self.columns_removed),
            "counts": self.counts,
            "examples": self.examples,
            "durationSeconds": round(self.seconds, 6),
        }


@dataclass(frozen=True)
class CleaningResult:
    """The cleaned frame, in canonical order, and one change per rule applied."""

    frame: pl.DataFrame
    changes: tuple[RuleChange, ...]

    def to_json(self) -> list[dict[str, Any]]:
        return [change.to_json() for change in self.changes]


def check_rules(value: Any, field: str = FIELD) -> list[Problem]:
    """Problems with a ``cleaningRules`` value (empty when every rule and option is valid)."""
    return _read(value, field)[1]


def parse_rules(value: Any, field: str = FIELD) -> tuple[CleaningRule, ...]:
    """The rules of a ``cleaningRules`` value, with defaults filled in.

    Raises :class:`InvalidCleaningRulesError` (carrying every problem) when it is not valid.
    """
    rules, problems = _read(value, field)
    if problems:
        raise InvalidCleaningRulesError(problems)
    return rules


def column_problems(
    rules: Sequence[CleaningRule], columns: Sequence[str], field: str = FIELD
) -> list[Problem]:
    """Options naming a column that the log will not have when the rule runs.

    ``columns`` are those of the log before the first rule; each rule's effect on the
    columns (``merge_lifecycle`` adds ``start_timestamp``, …) is followed along.
    """
    problems: list[Problem] = []
    current = list(columns)
    for index, rule in enumerate(rules):
        for column, option in rule.columns_needed().items():
            if column not in current:
                reason = f"no column {column!r} in the log; it has " + ", ".join(current)
                problems.append({"field": f"{field}[{index}].{option}", "reason": reason})
        current = rule.columns_after(current)
    return problems


def apply_rules(
    frame: pl.DataFrame,
    rules: Sequence[CleaningRule],
    *,
    progress: Callable[[RuleProgress], None] | None = None,
    check_cancelled: Callable[[], None] | None = None,
    now: datetime | None = None,
) -> CleaningResult:
    """Apply ``rules`` in order to a canonical log frame.

    ``check_cancelled`` is called before each rule and may raise to stop; ``progress`` is
    called after each. ``now`` (default: the current time) is the default upper limit of
    ``fix_timestamps``. Raises :class:`CleaningRuleError` when an option names a column
    the log does not have.
    """
    problems = column_problems(rules, frame.columns)
    if problems:
        raise CleaningRuleError(problems[0]["field"], problems[0]["reason"])
    env = Environment(now or datetime.now(UTC))
    changes: list[RuleChange] = []
    processed = 0
    for index, rule in enumerate(rules):
        if check_cancelled is not None:
            check_cancelled()
        frame, change = _run(index, rule, frame, env)
        changes.append(change)
        processed += change.rows_in
        if progress is not None:
            remaining = len(rules) - index - 1
            progress(
                RuleProgress(
                    index,
                    len(rules),
                    rule.name,
                    change.rows_in,
                    change.rows_out,
                    processed,
                    processed + remaining * change.rows_out,
                )
            )
    return CleaningResult(frame.sort([CASE, TIMESTAMP, EVENT_INDEX]), tuple(changes))


def _run(
    index: int, rule: CleaningRule, frame: pl.DataFrame, env: Environment
) -> tuple[pl.DataFrame, RuleChange]:
    began = time.perf_counter()
    try:
        outcome = rule.apply(frame, env)
    except CleaningRuleError as error:
        raise CleaningRuleError(f"{FIELD}[{index}]", f"{error.field}: {error.reason}") from None
    change = RuleChange(
        index=index,
        rule=rule.name,
        options=rule.describe(),
        rows_in=frame.height,
        rows_out=outcome.frame.height,
        cases_in=case_count(frame),
        cases_out=case_count(outcome.frame),
        counts=outcome.counts,
        values_fixed=outcome.values_fixed,
        columns_added=outcome.columns_added,
        columns_removed=outcome.columns_removed,
        examples=outcome.examples,
        seconds=time.perf_counter() - began,
    )
    return outcome.frame, change


def _read(value: Any, field: str) -> tuple[tuple[CleaningRule, ...], list[Problem]]:
    if not isinstance(value, list):
        return (), [{"field": field, "reason": "must be a list of rule names or rule objects"}]
    rules: list[CleaningRule] = []
    problems: list[Problem] = []
    for index, item in enumerate(value):
        rule, found = _read_rule(item, f"{field}[{index}]")
        problems.extend(found)
        if rule is not None:
            rules.append(rule)
    return tuple(rules), problems


def _read_rule(item: Any, field: str) -> tuple[CleaningRule | None, list[Problem]]:
    name: Any
    given: dict[str, Any] = {}
    if isinstance(item, str):
        name, name_field = item, field
    elif isinstance(item, Mapping):
        name, name_field = item.get("rule"), f"{field}.rule"
        given = {key: value for key, value in item.items() if key != "rule"}
    else:
        return None, [{"field": field, "reason": "must be a rule name or an object with 'rule'"}]
    kind = RULES.get(name) if isinstance(name, str) else None
    if kind is None:
        reason = f"unknown rule {name!r}; accepted: " + ", ".join(RULES)
        return None, [{"field": name_field, "reason": reason}]
    return _build(kind, given, field)


def _build(
    kind: type[CleaningRule], given: Mapping[str, Any], field: str
) -> tuple[CleaningRule | None, list[Problem]]:
    known = {option.key: option for option in kind.options}
    accepted = ", ".join(known) or "none"
    problems = [
        {"field": f"{field}.{key}", "reason": f"unknown option; accepted: {accepted}"}
        for key in given
        if key not in known
    ]
    values: dict[str, Any] = {}
    for key, option in known.items():
        if key not in given:
            if option.required:
                problems.append({"field": f"{field}.{key}", "reason": "required"})
            continue
        try:
            values[option.attr] = option.read(given[key])
        except ValueError as error:
            problems.append({"field": f"{field}.{key}", "reason": str(error)})
    if problems:
        return None, problems
    rule = kind(**values)
    return rule, [{"field": f"{field}.{key}", "reason": why} for key, why in rule.problems()]
