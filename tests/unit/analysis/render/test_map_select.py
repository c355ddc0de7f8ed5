"""Which activities and edges a large process map keeps, and what its caption says."""

from __future__ import annotations

import pytest

from minerun.analysis.render.map_select import readable_edge_budget, select_map, share_count
from minerun.analysis.render.model import ActivityCount, ProcessEdge, ProcessMap

from .samples import make_map


def test_small_map_is_shown_whole(loop_map: ProcessMap) -> None:
    selection = select_map(loop_map, 30, 80)
    assert len(selection.activities) == 3
    assert len(selection.edges) == 4
    assert selection.hidden_activities == ()
    assert selection.caption == "All 3 activities and 4 edges shown."


def test_keeps_the_most_frequent_activities_and_names_the_hidden_ones() -> None:
    selection = select_map(make_map(8, 20), 6, 100)
    assert [a.name for a in selection.activities] == [f"Activity {i:02d}" for i in range(6)]
    assert selection.hidden_activities == ("Activity 06", "Activity 07")
    assert "Showing 6 of 8 activities" in selection.caption
    assert "Hidden: Activity 06, Activity 07." in selection.caption
    shown = {a.name for a in selection.activities}
    assert all(e.source in shown and e.target in shown for e in selection.edges)
    assert all(a.name in shown for a in selection.end_activities)


def test_edge_budget_keeps_each_activity_connected_then_the_most_frequent() -> None:
    process_map = ProcessMap(
        activities=tuple(ActivityCount(n, 10) for n in "abcd"),
        edges=(
            ProcessEdge("a", "b", 50),
            ProcessEdge("b", "a", 40),
            ProcessEdge("a", "c", 30),
            ProcessEdge("c", "d", 1),
            ProcessEdge("b", "c", 20),
        ),
    )
    selection = select_map(process_map, 10, 4)
    kept = {(e.source, e.target) for e in selection.edges}
    assert ("c", "d") in kept  # d's only way in, although the rarest edge
    assert ("b", "c") not in kept  # over budget once every activity is connected
    assert len(kept) == 4
    assert selection.hidden_edges == 1
    frequencies = [e.frequency for e in selection.edges]
    assert frequencies == sorted(frequencies, reverse=True)


def test_many_hidden_activities_are_counted_not_listed() -> None:
    process_map = make_map(24, 100)
    selection = select_map(process_map, 10, 30)
    assert "14 rarer activities hidden" in selection.caption
    shown = {a.name for a in selection.activities}
    inner = [e for e in process_map.edges if e.source in shown and e.target in shown]
    assert len(selection.edges) == min(30, len(inner))
    assert f"and {len(selection.edges)} of 100 edges" in selection.caption


def test_edges_to_unknown_activities_and_duplicates_are_ignored() -> None:
    process_map = ProcessMap(
        activities=(ActivityCount("a", 3), ActivityCount("b", 2), ActivityCount("a", 99)),
        edges=(ProcessEdge("a", "b", 2), ProcessEdge("a", "ghost", 9), ProcessEdge("a", "b", 7)),
    )
    selection = select_map(process_map, 10, 10)
    assert [(a.name, a.count) for a in selection.activities] == [("a", 3), ("b", 2)]
    assert [(e.target, e.frequency) for e in selection.edges] == [("b", 2)]


def test_an_activities_share_keeps_the_rounded_up_share_of_activities() -> None:
    process_map = make_map(10, 30)
    assert len(select_map(process_map, 30, None, activities_share=0.25).activities) == 3
    assert len(select_map(process_map, 30, None, activities_share=1.0).activities) == 10
    # A share never hides every activity.
    assert len(select_map(process_map, 30, None, activities_share=0.01).activities) == 1


def test_a_paths_share_keeps_that_share_of_the_edges_between_shown_activities() -> None:
    process_map = make_map(10, 40)
    whole = select_map(process_map, 30, None, paths_share=1.0)
    assert len(whole.edges) == 40 and whole.hidden_edges == 0
    half = select_map(process_map, 30, None, paths_share=0.5)
    assert len(half.edges) == 20
    assert "Showing 10 of 10 activities" in half.caption and "20 of 40 edges" in half.caption


def test_the_readable_default_keeps_two_edges_per_activity() -> None:
    assert readable_edge_budget(16) == 32
    selection = select_map(make_map(16, 100), 30, None)
    assert len(selection.edges) == 32


def test_share_count_refuses_a_share_outside_zero_to_one() -> None:
    with pytest.raises(ValueError, match="share"):
        share_count(0.0, 10)
    assert share_count(0.5, 0) == 0 and share_count(0.3, 10) == 3
