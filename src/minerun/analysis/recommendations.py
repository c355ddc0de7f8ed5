"""Recommendations computed from the findings of the rest of the engine.

The caller fills a :class:`Findings` from the performance, rework, anomaly, data-quality and
pattern results; :func:`recommend` turns them into prioritised actions, each with an expected
improvement computed from those figures and a sentence saying how.

Priority: from the computed impact percentage, ``High`` at ``HIGH_IMPACT`` (10%) or more,
``Medium`` at ``MEDIUM_IMPACT`` (3%) or more, ``Low`` below or when no figure can be computed.
Two documented exceptions: any high-severity anomaly makes the anomaly recommendation at
least ``Medium``; a data-quality score below 70 (of 100) makes the data-quality one ``High``
and below 90 at least ``Medium``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from minerun.analysis.anomalies import span_text
from minerun.analysis.patterns import CriticalPath

HIGH_IMPACT = 10.0
MEDIUM_IMPACT = 3.0
TOP_ITEMS = 3
"""At most this many recommendations per bottleneck, rework and data-quality list."""


class Priority(StrEnum):
    """How soon a recommendation deserves attention."""

    HIGH = "High"
    MEDIUM = "Medium"
    LOW = "Low"


_RANK = {Priority.HIGH: 0, Priority.MEDIUM: 1, Priority.LOW: 2}


@dataclass(frozen=True)
class Bottleneck:
    """Waiting time in front of one activity (seconds), over the cases that reach it."""

    activity: str
    total_waiting_seconds: float
    mean_waiting_seconds: float
    case_count: int


@dataclass(frozen=True)
class RepeatedActivity:
    """An activity executed more than once per case: ``repeat_count`` sums the executions
    beyond the first over all cases, ``case_count`` counts the cases that repeat it."""

    activity: str
    repeat_count: int
    case_count: int


@dataclass(frozen=True)
class Findings:
    """What the engine measured, as the input of :func:`recommend`; unknown parts stay empty."""

    case_count: int
    event_count: int
    mean_cycle_time_seconds: float | None = None
    bottlenecks: tuple[Bottleneck, ...] = ()
    rework_case_share: float | None = None
    rework_activities: tuple[RepeatedActivity, ...] = ()
    anomaly_counts: Mapping[str, int] = field(default_factory=dict)
    """Flagged cases by severity (``high``, ``medium``, ``low``)."""
    data_quality_issues: Mapping[str, int] = field(default_factory=dict)
    """Issue counts by issue type."""
    data_quality_score: float | None = None
    """0 to 100, higher is cleaner."""
    critical_paths: tuple[CriticalPath, ...] = ()


@dataclass(frozen=True)
class Recommendation:
    """One action; ``improvement_percent`` is the figure quoted in ``expected_improvement``
    (None when it cannot be computed) and ``basis`` says how it was computed."""

    category: str
    priority: Priority
    text: str
    expected_improvement: str
    improvement_percent: float | None
    basis: str


def _priority(percent: float | None) -> Priority:
    if percent is None:
        return Priority.LOW
    if percent >= HIGH_IMPACT:
        return Priority.HIGH
    return Priority.MEDIUM if percent >= MEDIUM_IMPACT else Priority.LOW


def _at_least(priority: Priority, floor: Priority) -> Priority:
    return priority if _RANK[priority] <= _RANK[floor] else floor


def _mean_cycle(findings: Findings) -> float | None:
    """The mean cycle time when it can serve as a denominator, else None."""
    mean = findings.mean_cycle_time_seconds
    if mean is None or mean <= 0 or findings.case_count <= 0:
        return None
    return mean


def _bottleneck(item: Bottleneck, findings: Findings) -> Recommendation:
    mean = _mean_cycle(findings)
    text = (
        f"Reduce waiting before '{item.activity}': cases wait "
        f"{span_text(item.mean_waiting_seconds)} on average there "
        f"({span_text(item.total_waiting_seconds)} over {item.case_count} cases)."
    )
    if mean is None:
        return Recommendation(
            "bottleneck",
            Priority.LOW,
            text,
            "Not computed: the mean cycle time of the log is unknown.",
            None,
            "The gain is the halved waiting time as a share of all case time, which needs "
            "the mean cycle time.",
        )
    percent = min(100.0, 50.0 * item.total_waiting_seconds / (mean * findings.case_count))
    return Recommendation(
        "bottleneck",
        _priority(percent),
        text,
        f"If waiting time at '{item.activity}' were halved, mean cycle time would fall by "
        f"{percent:.1f}% (from {span_text(mean)} to {span_text(mean * (1 - percent / 100))}).",
        percent,
        f"Half of the {span_text(item.total_waiting_seconds)} waited at this activity, divided "
        f"by the total cycle time of all {findings.case_count} cases (mean cycle time x "
        "cases); an upper bound, as it assumes the waiting lies on each case's critical path.",
    )


def _rework(item: RepeatedActivity, findings: Findings) -> Recommendation:
    percent = 100.0 * item.repeat_count / findings.event_count if findings.event_count else None
    share = (
        f" ({item.case_count / findings.case_count:.1%} of cases)" if findings.case_count else ""
    )
    overall = (
        f" Rework touches {findings.rework_case_share:.1%} of all cases."
        if findings.rework_case_share is not None
        else ""
    )
    text = (
        f"Reduce rework on '{item.activity}': it is repeated {item.repeat_count} times in "
        f"{item.case_count} cases{share}.{overall}"
    )
    improvement = (
        f"Removing the repeats of '{item.activity}' would remove {item.repeat_count} events, "
        f"{percent:.1f}% of all recorded work."
        if percent is not None
        else "Not computed: the event count of the log is unknown."
    )
    basis = "Repeated executions divided by the number of events, each event one unit of work."
    return Recommendation("rework", _priority(percent), text, improvement, percent, basis)


def _anomalies(findings: Findings) -> list[Recommendation]:
    flagged = sum(findings.anomaly_counts.values())
    if flagged == 0 or findings.case_count <= 0:
        return []
    high = findings.anomaly_counts.get("high", 0)
    percent = 100.0 * flagged / findings.case_count
    priority = _priority(percent)
    if high:
        priority = _at_least(priority, Priority.MEDIUM)
    return [
        Recommendation(
            "anomalies",
            priority,
            f"Review the {flagged} anomalous cases, starting with the {high} of high severity, "
            "and fix the causes their reasons point to.",
            f"Resolving them would bring {percent:.1f}% of cases back to regular behaviour.",
            percent,
            f"{flagged} flagged cases of {findings.case_count}, counted by the anomaly "
            "detectors (rules and isolation forest).",
        )
    ]


def _data_quality(findings: Findings) -> list[Recommendation]:
    issues = findings.data_quality_issues
    total = sum(issues.values())
    if total == 0:
        return []
    ranked = sorted(issues.items(), key=lambda pair: (-pair[1], pair[0]))[:TOP_ITEMS]
    score = findings.data_quality_score
    floor = Priority.LOW
    if score is not None:
        floor = Priority.HIGH if score < 70 else Priority.MEDIUM if score < 90 else Priority.LOW
    return [_quality_item(kind, count, total, floor, findings) for kind, count in ranked]


def _quality_item(
    kind: str, count: int, total: int, floor: Priority, findings: Findings
) -> Recommendation:
    score = findings.data_quality_score
    scored = f" (quality score {score:.0f}/100)" if score is not None else ""
    events = findings.event_count
    percent = min(100.0, 100.0 * count / events) if events > 0 else None
    improvement = (
        f"Fixing them would correct up to {percent:.1f}% of the events "
        f"({count} issues over {events} events)."
        if percent is not None
        else "Not computed: the event count of the log is unknown."
    )
    return Recommendation(
        "data_quality",
        _at_least(_priority(percent), floor),
        f"Fix the {count} '{kind}' data-quality issues at the source{scored}.",
        improvement,
        percent,
        f"Issues of this type divided by the number of events, at most one per event; they "
        f"are {count / total:.1%} of all {total} data-quality issues.",
    )


def _critical_path(findings: Findings) -> list[Recommendation]:
    mean = _mean_cycle(findings)
    slow = [p for p in findings.critical_paths if mean is not None and p.mean_seconds > mean]
    if mean is None or not slow:
        return []
    path = slow[0]
    percent = 100.0 * (path.mean_seconds - mean) * path.case_count / (mean * findings.case_count)
    steps = " -> ".join(path.activities[:6]) + (" -> ..." if len(path.activities) > 6 else "")
    return [
        Recommendation(
            "critical_path",
            _priority(percent),
            f"Streamline the variant '{steps}': {path.case_count} cases "
            f"({path.case_share:.1%}) carry {path.time_share:.1%} of all case time and take "
            f"{span_text(path.mean_seconds)} on average.",
            f"If its cases took the mean cycle time, total case time would fall by {percent:.1f}%.",
            percent,
            "(variant mean - log mean) x variant cases, divided by log mean x all cases.",
        )
    ]


def recommend(findings: Findings) -> list[Recommendation]:
    """Prioritised recommendations, highest priority and largest improvement first."""
    bottlenecks = sorted(findings.bottlenecks, key=lambda b: (-b.total_waiting_seconds, b.activity))
    rework = sorted(findings.rework_activities, key=lambda r: (-r.repeat_count, r.activity))
    items = [
        *(_bottleneck(item, findings) for item in bottlenecks[:TOP_ITEMS]),
        *(_rework(item, findings) for item in rework[:TOP_ITEMS]),
        *_critical_path(findings),
        *_anomalies(findings),
        *_data_quality(findings),
    ]
    return sorted(
        items,
        key=lambda r: (
            _RANK[r.priority],
            -(r.improvement_percent if r.improvement_percent is not None else -1.0),
            r.category,
            r.text,
        ),
    )


__all__ = [
    "Bottleneck",
    "Findings",
    "Priority",
    "Recommendation",
    "RepeatedActivity",
    "recommend",
]
