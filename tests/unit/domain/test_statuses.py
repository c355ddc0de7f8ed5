import pytest

from minerun.domain.statuses import (
    ACTIVE,
    TERMINAL,
    OperationStatus,
    can_transition,
    check_transition,
    sources_of,
)
from minerun.exceptions import IllegalTransition

S = OperationStatus


def test_terminal_statuses_have_no_way_out() -> None:
    for status in TERMINAL:
        for target in OperationStatus:
            assert not can_transition(status, target)


def test_every_status_is_active_or_terminal() -> None:
    assert ACTIVE | TERMINAL == set(OperationStatus)
    assert not ACTIVE & TERMINAL


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.INITIATED, S.RUNNING),
        (S.RUNNING, S.COMPLETED),
        (S.RUNNING, S.INITIATED),
        (S.PENDING, S.INITIATED),
        (S.INITIATED, S.CANCELLED),
    ],
)
def test_allowed_transitions(current: S, target: S) -> None:
    check_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.INITIATED, S.COMPLETED),
        (S.COMPLETED, S.RUNNING),
        (S.CANCELLED, S.INITIATED),
        (S.PENDING, S.RUNNING),
    ],
)
def test_illegal_transitions_raise(current: S, target: S) -> None:
    with pytest.raises(IllegalTransition):
        check_transition(current, target)


def test_sources_of_completed_is_running_only() -> None:
    assert sources_of(S.COMPLETED) == {S.RUNNING}
