"""Cleaning rules for event logs: each a Polars transformation of the canonical frame.

Read a ``cleaningRules`` list with :func:`check_rules` / :func:`parse_rules`, then run it
with :func:`apply_rules`, which returns the new frame and, per rule, a :class:`RuleChange`
(rows and cases removed, values fixed, columns added, counts and examples). Every rule and
option is described for users in ``docs/kinds/data-enrichment.md``.
"""

from minerun.analysis.cleaning.base import MAX_EXAMPLES, CleaningRule, Outcome
from minerun.analysis.cleaning.pipeline import (
    FIELD,
    RULES,
    CleaningResult,
    RuleChange,
    RuleProgress,
    apply_rules,
    check_rules,
    column_problems,
    parse_rules,
)

__all__ = [
    "FIELD",
    "MAX_EXAMPLES",
    "RULES",
    "CleaningResult",
    "CleaningRule",
    "Outcome",
    "RuleChange",
    "RuleProgress",
    "apply_rules",
    "check_rules",
    "column_problems",
    "parse_rules",
]
