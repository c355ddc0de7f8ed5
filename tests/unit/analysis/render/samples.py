"""Small, generated inputs shared by the render tests."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from minerun.analysis.render.model import (
    ActivityCount,
    AnomalyRow,
    Bottleneck,
    DailyCount,
    Figure,
    ProcessEdge,
    ProcessMap,
    Recommendation,
    ReportContent,
    VariantCount,
)


def make_map(activities: int, edges: int, seed: int = 7) -> ProcessMap:
    """A random but reproducible map: a main chain plus random extra edges."""
    rng = random.Random(seed)
    names = [f"Activity {i:02d}" for i in range(activities)]
    pairs = {(names[i], names[i + 1]) for i in range(activities - 1)}
    while len(pairs) < edges:
        pairs.add((rng.choice(names), rng.choice(names)))
    counts = [ActivityCount(n, 1000 - 30 * i) for i, n in enumerate(names)]
    flows = tuple(
        ProcessEdge(s, t, rng.randint(1, 900), rng.uniform(1, 90_000), rng.uniform(1, 50_000))
        for s, t in sorted(pairs)
    )
    return ProcessMap(
        tuple(counts),
        flows,
        (ActivityCount(names[0], 900), ActivityCount(names[1], 100)),
        (ActivityCount(names[-1], 800), ActivityCount(names[-2], 200)),
    )


def loop_map() -> ProcessMap:
    """register -> check (with a self-loop) -> decide, decide -> check going back."""
    return ProcessMap(
        activities=(
            ActivityCount("register", 10),
            ActivityCount("check", 14),
            ActivityCount("decide", 12),
        ),
        edges=(
            ProcessEdge("register", "check", 10, 3600.0, 1800.0),
            ProcessEdge("check", "check", 2, 60.0, 60.0),
            ProcessEdge("check", "decide", 12, 7200.0, 3600.0),
            ProcessEdge("decide", "check", 2, None, None),
        ),
        start_activities=(ActivityCount("register", 10),),
        end_activities=(ActivityCount("decide", 10),),
    )


def make_content(cases: int, process_map: ProcessMap | None, seed: int = 3) -> ReportContent:
    """Report content the size of a log with ``cases`` cases."""
    rng = random.Random(seed)
    first = date(2011, 10, 1)
    per_day: dict[date, int] = {}
    for _ in range(cases):
        day = first + timedelta(days=rng.randrange(150))
        per_day[day] = per_day.get(day, 0) + 1
    variants = tuple(
        VariantCount(tuple(f"Activity {j:02d}" for j in range(1 + i % 9)), max(cases // (i + 2), 1))
        for i in range(min(cases, 4000))
    )
    return ReportContent(
        title="Process analysis",
        dataset_name="synthetic.xes",
        generated_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        summary=(Figure("Cases", cases), Figure("Mean cycle time (days)", 8.6)),
        process_map=process_map,
        cases_per_day=tuple(DailyCount(d, n) for d, n in sorted(per_day.items())),
        cycle_times_s=tuple(rng.expovariate(1 / 700_000) for _ in range(cases)),
        variants=variants,
        bottlenecks=tuple(
            Bottleneck(f"Activity {i:02d}", 1e7 / (i + 1), 1e4 / (i + 1)) for i in range(12)
        ),
        anomalies=tuple(
            AnomalyRow(f"case-{i}", "high" if i % 3 else 0.75, f"rework loop {i}")
            for i in range(cases // 20)
        ),
        recommendations=(
            Recommendation("automation", "high", "Automate the check.", "-10% cycle time"),
            Recommendation("staffing", "low", "Add a reviewer on Mondays.", None),
        ),
        data_quality=(Figure("Missing timestamps", 0), Figure("Unparsed rows", None)),
    )
