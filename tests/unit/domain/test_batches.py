import itertools

import pytest

from minerun.domain.batches import (
    MAX_OPERATIONS,
    BatchStatus,
    FailurePolicy,
    Node,
    Parent,
    batch_percentage,
    batch_status,
    check_graph,
    critical_path,
    descendants,
    inherited_parameters,
    initial_status,
    passed_on_dataset,
    released,
    to_cancel,
)
from minerun.domain.statuses import OperationStatus as S
from minerun.exceptions import InvalidInput

DIAMOND = [
    Node("a"),
    Node("b", ("a",)),
    Node("c", ("a",)),
    Node("d", ("b", "c")),
]


def fields(error: InvalidInput) -> list[str]:
    return [e["field"] for e in error.errors]


def test_order_puts_parents_first() -> None:
    order = check_graph(list(reversed(DIAMOND)))
    assert order.index("a") < order.index("b") < order.index("d")
    assert order.index("c") < order.index("d")


def test_duplicate_and_unknown_keys_are_named() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_graph([Node("a"), Node("a"), Node("b", ("zz", "b"))])
    assert fields(caught.value) == [
        "operations[1].operationKey",
        "operations[2].dependencies[0]",
        "operations[2].dependencies[1]",
    ]
    assert "'zz'" in caught.value.errors[1]["reason"]


def test_a_cycle_names_its_keys_in_order() -> None:
    nodes = [Node("root"), Node("x", ("root", "z")), Node("y", ("x",)), Node("z", ("y",))]
    with pytest.raises(InvalidInput) as caught:
        check_graph(nodes)
    reason = caught.value.errors[0]["reason"]
    assert "cycle" in reason
    chain = reason.split(": ")[1].split(" -> ")
    assert chain[0] == chain[-1]
    assert set(chain) == {"x", "y", "z"}
    # Each key in the chain is a dependency of the next one.
    parents = {n.key: n.dependencies for n in nodes}
    assert all(a in parents[b] for a, b in itertools.pairwise(chain))


def test_size_is_bounded() -> None:
    check_graph([Node(f"k{i}") for i in range(MAX_OPERATIONS)])
    with pytest.raises(InvalidInput):
        check_graph([Node(f"k{i}") for i in range(MAX_OPERATIONS + 1)])
    with pytest.raises(InvalidInput):
        check_graph([])


def test_roots_start_and_dependents_wait() -> None:
    assert initial_status(DIAMOND[0]) is S.INITIATED
    assert initial_status(DIAMOND[3]) is S.PENDING


def test_a_child_is_released_when_its_last_parent_completes() -> None:
    statuses = {"a": S.COMPLETED, "b": S.COMPLETED, "c": S.RUNNING, "d": S.PENDING}
    assert released(DIAMOND, statuses, "b") == []
    statuses["c"] = S.COMPLETED
    assert released(DIAMOND, statuses, "c") == ["d"]
    statuses["d"] = S.INITIATED
    assert released(DIAMOND, statuses, "c") == []  # never twice


WIDE = [Node("a"), Node("b", ("a",)), Node("c"), Node("d", ("c",)), Node("e", ("b", "d"))]


def test_continue_independent_cancels_descendants_only() -> None:
    statuses = {"a": S.FAILED, "b": S.PENDING, "c": S.RUNNING, "d": S.PENDING, "e": S.PENDING}
    cancelled = to_cancel(WIDE, statuses, "a", FailurePolicy())
    assert sorted(cancelled) == ["b", "e"]
    assert "'a' failed" in cancelled["b"]


def test_stop_on_first_failure_cancels_everything_unfinished() -> None:
    statuses = {"a": S.FAILED, "b": S.PENDING, "c": S.RUNNING, "d": S.PENDING, "e": S.PENDING}
    for continue_independent in (True, False):
        policy = FailurePolicy(True, continue_independent, True)
        assert sorted(to_cancel(WIDE, statuses, "a", policy)) == ["b", "c", "d", "e"]


def test_neither_flag_lets_running_work_finish() -> None:
    statuses = {"a": S.FAILED, "b": S.PENDING, "c": S.RUNNING, "d": S.PENDING, "e": S.PENDING}
    policy = FailurePolicy(False, False, True)
    assert sorted(to_cancel(WIDE, statuses, "a", policy)) == ["b", "d", "e"]


def test_a_cancelled_operation_takes_its_descendants_whatever_the_policy() -> None:
    statuses = {"a": S.COMPLETED, "b": S.CANCELLED, "c": S.RUNNING, "d": S.PENDING, "e": S.PENDING}
    for policy in (FailurePolicy(True, True, True), FailurePolicy(False, False, False)):
        assert list(to_cancel(WIDE, statuses, "b", policy)) == ["e"]


def test_policy_from_json_and_back() -> None:
    body = {
        "stopOnFirstFailure": True,
        "continueIndependentOperations": False,
        "retryFailedOperations": False,
    }
    assert FailurePolicy.from_json(body).to_json() == body
    assert FailurePolicy.from_json(None) == FailurePolicy(False, True, True)


@pytest.mark.parametrize(
    ("statuses", "started", "cancel", "expected"),
    [
        ([S.INITIATED, S.PENDING], False, False, BatchStatus.INITIATED),
        ([S.RUNNING, S.PENDING], True, False, BatchStatus.RUNNING),
        ([S.COMPLETED, S.INITIATED], True, False, BatchStatus.RUNNING),
        ([S.COMPLETED, S.COMPLETED], True, False, BatchStatus.COMPLETED),
        ([S.COMPLETED, S.FAILED, S.CANCELLED], True, False, BatchStatus.PARTIALLY_COMPLETED),
        ([S.TIMEOUT, S.CANCELLED], True, False, BatchStatus.FAILED),
        ([S.COMPLETED, S.CANCELLED], True, False, BatchStatus.CANCELLED),
        ([S.COMPLETED, S.FAILED, S.CANCELLED], True, True, BatchStatus.CANCELLED),
    ],
)
def test_batch_status(
    statuses: list[S], started: bool, cancel: bool, expected: BatchStatus
) -> None:
    assert batch_status(statuses, started, cancel) is expected


def test_progress_weighs_operations_by_expected_duration() -> None:
    assert batch_percentage([(30.0, 100.0), (10.0, 0.0)]) == 75.0
    assert batch_percentage([(0.0, 100.0), (0.0, 0.0)]) == 50.0
    assert batch_percentage([]) == 0.0


def test_critical_path_follows_the_longest_chain() -> None:
    durations = {"a": (8.0, 10.0, 12.0), "b": (1.0, 2.0, 3.0), "c": (4.0, 5.0, 6.0)}
    durations["d"] = (1.0, 1.0, 1.0)
    path = critical_path(DIAMOND, durations)
    assert path.keys == ("a", "c", "d")
    assert path.seconds == 16.0
    assert (path.low_seconds, path.high_seconds) == (13.0, 19.0)
    assert path.start_offsets == {"a": 0.0, "b": 10.0, "c": 10.0, "d": 15.0}


def test_descendants_reach_every_level() -> None:
    assert descendants(WIDE, "c") == ["d", "e"]
    assert descendants(WIDE, "e") == []


def test_dataset_flows_from_an_enrichment_and_through_an_analysis() -> None:
    prep = Parent("prep", "DataEnrichment", "op-1", passed_on_dataset("DataEnrichment", {}, "new"))
    assert inherited_parameters("ProcessMiningAnalysis", {}, [prep]) == {"datasetId": "new"}
    analysis_params = {"datasetId": "new"}
    disc = Parent(
        "disc",
        "ProcessMiningAnalysis",
        "op-2",
        passed_on_dataset("ProcessMiningAnalysis", analysis_params, "unused"),
    )
    assert inherited_parameters("ProcessMiningAnalysis", {}, [disc]) == {"datasetId": "new"}
    # A value given explicitly is kept.
    assert inherited_parameters("ProcessMiningAnalysis", {"datasetId": "x"}, [disc]) == {}


def test_a_report_takes_the_analysis_it_depends_on() -> None:
    disc = Parent("disc", "ProcessMiningAnalysis", "op-2", "ds")
    taken = inherited_parameters("ReportGeneration", {}, [disc])
    # One input, the analysis: its dataset is not passed on as well.
    assert taken == {"sourceOperationId": "op-2"}


def test_a_report_without_an_analysis_among_its_parents_takes_their_dataset() -> None:
    clean = Parent("clean", "DataEnrichment", "op-1", "new")
    assert inherited_parameters("ReportGeneration", {}, [clean]) == {"datasetId": "new"}
    disc = Parent("disc", "ProcessMiningAnalysis", "op-2", "ds")
    assert inherited_parameters("ReportGeneration", {"datasetId": "x"}, [disc]) == {}


def test_ambiguity_is_refused_naming_the_field() -> None:
    one = Parent("one", "DataEnrichment", "op-1", "ds-1")
    two = Parent("two", "DataEnrichment", "op-2", "ds-2")
    with pytest.raises(InvalidInput) as caught:
        inherited_parameters("ProcessMiningAnalysis", {}, [one, two])
    assert fields(caught.value) == ["parameters.datasetId"]
    a = Parent("a", "ProcessMiningAnalysis", "op-a", "ds")
    b = Parent("b", "ProcessMiningAnalysis", "op-b", "ds")
    with pytest.raises(InvalidInput) as caught:
        inherited_parameters("ReportGeneration", {}, [a, b])
    assert fields(caught.value) == ["parameters.sourceOperationId"]
    # Two parents passing on the same dataset are not ambiguous.
    assert inherited_parameters("ProcessMiningAnalysis", {}, [a, b]) == {"datasetId": "ds"}
