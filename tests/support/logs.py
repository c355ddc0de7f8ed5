"""Small generated event logs for tests that must not depend on the shared files."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

PATHS = (
    ("register", "check", "decide", "notify"),
    ("register", "check", "check", "decide", "notify"),
    ("register", "decide", "notify"),
    ("register", "check", "escalate", "decide", "notify"),
)


def csv_log(cases: int = 80, seed: int = 7) -> str:
    """A CSV log (columns case, activity, time, who) with a few variants and real gaps."""
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, 8, tzinfo=UTC)
    lines = ["case,activity,time,who"]
    for n in range(cases):
        moment = start + timedelta(hours=n * 7)
        path = PATHS[0] if rng.random() < 0.55 else rng.choice(PATHS)
        for activity in path:
            moment += timedelta(minutes=rng.randint(5, 600))
            stamp = moment.isoformat().replace("+00:00", "Z")
            lines.append(f"case-{n},{activity},{stamp},{rng.choice(['ann', 'bob', 'cem'])}")
    return "\n".join(lines) + "\n"
