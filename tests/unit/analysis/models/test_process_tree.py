"""Process tree values, printing, folding and canonical ordering."""

from __future__ import annotations

from minerun.analysis.models.process_tree import DraftNode, Operator, ProcessTree, fold, freeze

SEQ, XOR, AND, LOOP = Operator.SEQUENCE, Operator.XOR, Operator.PARALLEL, Operator.LOOP


def leaf(label: str | None) -> DraftNode:
    return DraftNode(label=label)


def test_printing_matches_the_usual_notation() -> None:
    tree = ProcessTree(
        SEQ,
        None,
        (ProcessTree(label="a"), ProcessTree(XOR, None, (ProcessTree(label="b"), ProcessTree()))),
    )
    assert str(tree) == "->( 'a', X( 'b', tau ) )"
    assert tree.activities() == frozenset({"a", "b"})
    assert ProcessTree().is_tau and not ProcessTree(label="a").is_tau


def test_fold_flattens_nested_operators_and_drops_useless_taus() -> None:
    draft = DraftNode(
        SEQ,
        None,
        [
            leaf("a"),
            DraftNode(SEQ, None, [leaf(None), leaf("b"), DraftNode(SEQ, None, [leaf("c")])]),
        ],
    )
    assert str(freeze(fold(draft))) == "->( 'a', 'b', 'c' )"


def test_fold_keeps_one_tau_in_a_choice_and_loops_of_tau() -> None:
    draft = DraftNode(XOR, None, [leaf(None), leaf("a"), leaf(None)])
    assert str(freeze(fold(draft))) == "X( tau, 'a' )"
    loop = DraftNode(
        LOOP,
        None,
        [leaf(None), DraftNode(XOR, None, [leaf("a"), DraftNode(XOR, None, [leaf("b")])])],
    )
    assert str(freeze(fold(loop), sort=False)) == "*( tau, X( 'a', 'b' ) )"


def test_fold_removes_single_child_operators_and_all_tau_nodes() -> None:
    assert str(freeze(fold(DraftNode(AND, None, [leaf(None), leaf(None)])))) == "tau"
    assert str(freeze(fold(DraftNode(SEQ, None, [DraftNode(XOR, None, [leaf("x")])])))) == "x"


def test_freeze_orders_choice_children_independently_of_discovery_order() -> None:
    one = freeze(DraftNode(XOR, None, [leaf("a"), leaf("b"), leaf("c")]))
    two = freeze(DraftNode(XOR, None, [leaf("c"), leaf("a"), leaf("b")]))
    assert one == two
    sequence = freeze(DraftNode(SEQ, None, [leaf("c"), leaf("a")]))
    assert [c.label for c in sequence.children] == ["c", "a"]
