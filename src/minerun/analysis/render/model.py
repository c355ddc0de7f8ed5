"""Input records of the renderers.

The renderers know nothing of how figures are computed: the caller (discovery, performance,
anomaly detection, recommendations) fills these frozen records with plain Python values and
hands them over. Durations are always in seconds; ``None`` means "not known" (for example a
mean duration of an edge when the log has no usable timestamps) and is drawn as an empty cell
or a dash, never as zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

#: A value a summary or data-quality figure may hold; ``None`` is shown as "n/a".
FigureValue = str | int | float | None


@dataclass(frozen=True, slots=True)
class ActivityCount:
    """How often an activity occurs (in a map) or starts/ends a case (start/end lists)."""

    name: str
    count: int


@dataclass(frozen=True, slots=True)
class ProcessEdge:
    """A directly-follows relation ``source`` -> ``target`` and its timing."""

    source: str
    target: str
    frequency: int
    mean_duration_s: float | None = None
    median_duration_s: float | None = None


@dataclass(frozen=True, slots=True)
class ProcessMap:
    """A directly-follows graph with the activities that start and end cases."""

    activities: tuple[ActivityCount, ...]
    edges: tuple[ProcessEdge, ...]
    start_activities: tuple[ActivityCount, ...] = ()
    end_activities: tuple[ActivityCount, ...] = ()


@dataclass(frozen=True, slots=True)
class Figure:
    """One labelled figure of the summary or of the data-quality section."""

    label: str
    value: FigureValue


@dataclass(frozen=True, slots=True)
class DailyCount:
    """Number of cases whose first event falls on ``day`` (UTC)."""

    day: date
    cases: int


@dataclass(frozen=True, slots=True)
class VariantCount:
    """A variant (sequence of activities) and the number of cases that follow it."""

    activities: tuple[str, ...]
    count: int


@dataclass(frozen=True, slots=True)
class Bottleneck:
    """Waiting time spent before an activity, summed and averaged over its occurrences."""

    activity: str
    total_waiting_s: float
    mean_waiting_s: float


@dataclass(frozen=True, slots=True)
class AnomalyRow:
    """A case flagged as anomalous: ``severity`` is a label ("high") or a score."""

    case_id: str
    severity: str | float
    reason: str


@dataclass(frozen=True, slots=True)
class Recommendation:
    """An improvement suggestion; ``expected_improvement`` is free text or ``None``."""

    category: str
    priority: str
    text: str
    expected_improvement: str | None = None


@dataclass(frozen=True, slots=True)
class ActivityStats:
    """Per-activity figures written by :func:`write_activity_stats_csv`."""

    activity: str
    frequency: int
    case_count: int | None = None
    start_count: int | None = None
    end_count: int | None = None
    mean_duration_s: float | None = None
    median_duration_s: float | None = None
    mean_waiting_s: float | None = None
    total_waiting_s: float | None = None


@dataclass(frozen=True, slots=True)
class TextTable:
    """A table of text shown as it is (a comparison's changes, for example)."""

    heading: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ReportContent:
    """Everything the PDF report shows; empty tuples leave their section out.

    ``variants``, ``bottlenecks``, ``anomalies`` and ``recommendations`` are drawn in the
    order given, so the caller decides the ranking (usually most frequent / severe first).
    ``cycle_times_s`` holds one duration per case (first to last event).
    """

    title: str
    dataset_name: str
    generated_at: datetime
    summary: tuple[Figure, ...] = ()
    process_map: ProcessMap | None = None
    cases_per_day: tuple[DailyCount, ...] = ()
    cycle_times_s: tuple[float, ...] = ()
    variants: tuple[VariantCount, ...] = ()
    bottlenecks: tuple[Bottleneck, ...] = ()
    anomalies: tuple[AnomalyRow, ...] = ()
    recommendations: tuple[Recommendation, ...] = ()
    data_quality: tuple[Figure, ...] = field(default=())
    # First and last event of the log covered (None when unknown).
    period: tuple[datetime, datetime] | None = None
    # When set, page one is an executive summary: these figures, the first three
    # recommendations and a simplified map; the rest follows as an annex.
    headline: tuple[Figure, ...] = ()
    tables: tuple[TextTable, ...] = ()
    charts: bool = True
    # The map controls as asked (see map_select): shares of activities and of paths kept;
    # None leaves the renderer's own bounds.
    activities_share: float | None = None
    paths_share: float | None = None
