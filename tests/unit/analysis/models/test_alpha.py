"""Alpha+ miner on hand-built logs with known places."""

from __future__ import annotations

from minerun.analysis.models import discover_alpha_plus, token_replay
from minerun.analysis.models.petri import PetriNet

from ._build import make_log
from ._reference import place_shapes


def shapes(net: PetriNet) -> set[tuple[tuple[str | None, ...], tuple[str | None, ...]]]:
    return set(place_shapes(net))


def test_sequence_choice_and_parallel_give_the_classic_alpha_places() -> None:
    net = discover_alpha_plus(make_log({"abce": 3, "acbe": 2, "ade": 1}))
    assert shapes(net) == {
        ((), ("a",)),
        (("a",), ("b", "d")),
        (("a",), ("c", "d")),
        (("b", "d"), ("e",)),
        (("c", "d"), ("e",)),
        (("e",), ()),
    }
    assert net.labels.count(None) == 0
    assert token_replay(make_log({"abce": 1, "ade": 1}), net).log_fitness == 1.0


def test_length_two_loops_are_causal_both_ways() -> None:
    # b c b and c b c: classic alpha would call b and c parallel and give them no place.
    net = discover_alpha_plus(make_log({"abd": 2, "abcbd": 1, "abcbcbd": 1}))
    assert shapes(net) == {
        ((), ("a",)),
        (("a", "c"), ("b",)),
        (("b",), ("c", "d")),
        (("d",), ()),
    }
    assert token_replay(make_log({"abcbcbd": 1}), net).log_fitness == 1.0


def test_a_length_one_loop_gets_a_self_loop_on_the_place_between_its_neighbours() -> None:
    net = discover_alpha_plus(make_log({"abc": 2, "abbbc": 1, "ac": 1}))
    b = net.labels.index("b")
    (place,) = net.preset[b]
    assert net.postset[b] == (place,)
    assert shapes(net) == {((), ("a",)), (("a", "b"), ("b", "c")), (("c",), ())}
    assert token_replay(make_log({"abbbc": 1, "ac": 1}), net).log_fitness == 1.0


def test_parallel_start_activities_keep_a_silent_start() -> None:
    # a and b both start traces and are parallel: one source place cannot feed both.
    net = discover_alpha_plus(make_log({"abc": 1, "bac": 1}))
    assert net.labels.count(None) == 1
    assert token_replay(make_log({"abc": 1, "bac": 1}), net).log_fitness == 1.0
