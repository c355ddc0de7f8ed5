"""merge_lifecycle: start/complete pairs become activity instances."""

from __future__ import annotations

import random
from collections import defaultdict, deque
from typing import Any

import polars as pl

from minerun.analysis.cleaning import RuleChange, apply_rules, parse_rules
from minerun.analysis.columns import ACTIVITY, CASE, EVENT_INDEX, START_TIMESTAMP, TIMESTAMP
from minerun.analysis.eventlog import LIFECYCLE
from tests.support.eventframes import at, events, rows_of


def merge(frame: pl.DataFrame) -> tuple[pl.DataFrame, RuleChange]:
    result = apply_rules(frame, parse_rules(["merge_lifecycle"]))
    return result.frame, result.changes[0]


def instances(frame: pl.DataFrame) -> list[tuple[Any, ...]]:
    return rows_of(frame, CASE, ACTIVITY, START_TIMESTAMP, TIMESTAMP)


def test_start_and_complete_become_one_instance_and_schedule_is_dropped() -> None:
    log = events(
        [("c1", "A", 0), ("c1", "A", 1), ("c1", "B", 1), ("c1", "B", 2), ("c1", "B", 3)],
        lifecycle=["start", "complete", "schedule", "start", "complete"],
        resource=["ann", "bob", "sys", "cem", "cem"],
    )
    frame, change = merge(log)
    assert instances(frame) == [("c1", "A", at(0), at(1)), ("c1", "B", at(2), at(3))]
    # The instance keeps the attributes of its complete event.
    assert frame["resource"].to_list() == ["bob", "cem"]
    assert LIFECYCLE not in frame.columns
    assert change.columns_added == (START_TIMESTAMP,)
    assert change.columns_removed == (LIFECYCLE,)
    assert change.counts == {
        "instances": 2,
        "pairedInstances": 2,
        "completeWithoutStart": 0,
        "startWithoutCompleteDropped": 0,
        "scheduleDropped": 1,
        "otherTransitionsDropped": 0,
    }


def test_overlapping_instances_of_one_activity_pair_first_in_first_out() -> None:
    log = events(
        [("c1", "A", 0), ("c1", "A", 1), ("c1", "A", 2), ("c1", "A", 3)],
        lifecycle=["start", "start", "complete", "complete"],
    )
    assert instances(merge(log)[0]) == [("c1", "A", at(0), at(2)), ("c1", "A", at(1), at(3))]


def test_a_complete_before_any_start_is_an_instant_and_does_not_take_a_later_start() -> None:
    log = events(
        [("c1", "A", 0), ("c1", "A", 1), ("c1", "A", 2)],
        lifecycle=["complete", "start", "complete"],
    )
    frame, change = merge(log)
    assert instances(frame) == [("c1", "A", at(0), at(0)), ("c1", "A", at(1), at(2))]
    assert change.counts["completeWithoutStart"] == 1
    assert change.counts["pairedInstances"] == 1


def test_starts_never_completed_and_other_transitions_are_dropped_and_counted() -> None:
    log = events(
        [("c1", "A", 0), ("c1", "B", 1), ("c1", "B", 2), ("c1", "B", 3), ("c2", "A", 0)],
        lifecycle=["start", "suspend", "resume", "complete", "START"],
    )
    frame, change = merge(log)
    assert instances(frame) == [("c1", "B", at(3), at(3))]
    counts = change.counts
    assert counts["startWithoutCompleteDropped"] == 2
    assert counts["otherTransitionsDropped"] == 2
    assert change.to_json()["casesRemoved"] == 1
    assert {"droppedTransition": "resume", "events": 1} in change.examples
    assert [e.get("row") for e in change.examples if "row" in e] == [1, 5]


def test_transitions_compare_case_insensitively_and_missing_means_complete() -> None:
    log = events(
        [("c1", "A", 0), ("c1", "A", 1), ("c1", "B", 2)],
        lifecycle=[" Start", "COMPLETE", None],
    )
    assert instances(merge(log)[0]) == [("c1", "A", at(0), at(1)), ("c1", "B", at(2), at(2))]


def test_interleaved_activities_pair_within_their_own_activity() -> None:
    log = events(
        [("c1", "A", 0), ("c1", "B", 1), ("c1", "A", 2), ("c1", "B", 3)],
        lifecycle=["start", "start", "complete", "complete"],
    )
    assert instances(merge(log)[0]) == [("c1", "A", at(0), at(2)), ("c1", "B", at(1), at(3))]


def test_an_existing_start_time_is_kept_for_a_complete_without_start() -> None:
    log = events(
        [("c1", "A", 1), ("c1", "B", 2), ("c1", "B", 3)],
        lifecycle=["complete", "start", "complete"],
        start_timestamp=[0.5, None, None],
    )
    frame, change = merge(log)
    assert instances(frame) == [("c1", "A", at(0.5), at(1)), ("c1", "B", at(2), at(3))]
    assert change.columns_added == ()


def test_a_log_without_transitions_is_unchanged() -> None:
    log = events([("c1", "A", 0), ("c1", "B", 1)])
    frame, change = merge(log)
    assert frame.equals(log) and change.columns_removed == ()


def reference(frame: pl.DataFrame) -> list[tuple[Any, ...]]:
    """The pairing written as the queue pm4py's interval conversion keeps."""
    result = []
    ordered = frame.sort([CASE, TIMESTAMP, EVENT_INDEX])
    queues: dict[tuple[str, str], deque[Any]] = defaultdict(deque)
    for case, activity, moment, transition in ordered.select(
        CASE, ACTIVITY, TIMESTAMP, LIFECYCLE
    ).iter_rows():
        queue = queues[(case, activity)]
        if transition == "start":
            queue.append(moment)
        elif transition == "complete":
            result.append((case, activity, queue.popleft() if queue else moment, moment))
    return sorted(result)


def test_random_logs_pair_as_a_queue_would() -> None:
    rng = random.Random(11)
    rows, transitions = [], []
    for _ in range(3000):
        rows.append((f"c{rng.randrange(40)}", rng.choice("AB"), float(rng.randrange(200))))
        transitions.append(rng.choice(["start", "start", "complete", "complete", "schedule"]))
    log = events(rows, lifecycle=transitions)
    assert sorted(instances(merge(log)[0])) == reference(log)


def test_a_large_log_pairs_every_instance() -> None:
    # 60,000 activity instances: enough for intermediate values to overflow 32-bit integers.
    n = 60_000
    log = events(
        [(f"c{i // 2}", "A", float(i % 2)) for i in range(2 * n)],
        lifecycle=["start", "complete"] * n,
    )
    frame, change = merge(log)
    assert change.counts["pairedInstances"] == frame.height == n
    assert (frame[TIMESTAMP] - frame[START_TIMESTAMP]).dt.total_hours().to_list() == [1] * n
