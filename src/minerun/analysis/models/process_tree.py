"""Process trees: the block-structured models the inductive miner discovers.

A tree is either a leaf (an activity label, or ``tau`` for a silent step) or an operator
node with children. The four operators are sequence (``->``), exclusive choice (``X``),
parallel (``+``) and loop (``*``: the first child is the body, the others are redo parts).

Trees are immutable. The miner builds a mutable draft (:class:`DraftNode`), simplifies it
with the same folding rules as pm4py and freezes it, ordering the children of choice and
parallel nodes by the MD5 of their labels so equal models always print the same way.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import Enum


class Operator(Enum):
    """Operators of a process tree, valued by their usual textual symbols."""

    SEQUENCE = "->"
    XOR = "X"
    PARALLEL = "+"
    LOOP = "*"


@dataclass(frozen=True)
class ProcessTree:
    """An immutable process tree node.

    ``operator`` is None for leaves; a leaf with ``label`` None is the silent step tau.
    """

    operator: Operator | None = None
    label: str | None = None
    children: tuple[ProcessTree, ...] = ()

    @property
    def is_leaf(self) -> bool:
        """True for activity and tau leaves."""
        return self.operator is None

    @property
    def is_tau(self) -> bool:
        """True for the silent leaf."""
        return self.operator is None and self.label is None

    def activities(self) -> frozenset[str]:
        """All activity labels of the leaves below this node."""
        if self.operator is None:
            return frozenset() if self.label is None else frozenset({self.label})
        return frozenset().union(*(child.activities() for child in self.children))

    def __str__(self) -> str:
        """Textual form identical to pm4py's, e.g. ``->( 'a', X( 'b', tau ) )``."""
        if self.operator is None:
            return "tau" if self.label is None else self.label
        parts = [
            f"'{c.label}'" if c.is_leaf and c.label is not None else str(c) for c in self.children
        ]
        return f"{self.operator.value}( {', '.join(parts)} )"


@dataclass
class DraftNode:
    """Mutable tree node used while mining and folding; frozen with :func:`freeze`."""

    operator: Operator | None = None
    label: str | None = None
    children: list[DraftNode] = field(default_factory=list)

    def is_tau_leaf(self) -> bool:
        """True for a silent leaf."""
        return self.operator is None and self.label is None and not self.children

    def __str__(self) -> str:
        return str(freeze(self, sort=False))


def freeze(node: DraftNode, sort: bool = True) -> ProcessTree:
    """Turn a draft into an immutable tree, ordering choice and parallel children if ``sort``."""
    frozen = _freeze(node)
    return _sorted(frozen)[0] if sort else frozen


def _freeze(node: DraftNode) -> ProcessTree:
    if node.operator is None:
        return ProcessTree(label=node.label)
    return ProcessTree(node.operator, None, tuple(_freeze(c) for c in node.children))


def _label_hash(label: str) -> int:
    return int(hashlib.md5(label.encode("utf-8")).hexdigest(), 16)


def _sorted(tree: ProcessTree) -> tuple[ProcessTree, int]:
    # Same ordering as pm4py's tree_sort: by the sum of the MD5 values of the labels below,
    # which makes the printed tree independent of the order the miner found the children in.
    if tree.operator is None:
        return tree, (0 if tree.label is None else _label_hash(tree.label))
    pairs = [_sorted(child) for child in tree.children]
    total = sum(h for _, h in pairs)
    if tree.operator in (Operator.XOR, Operator.PARALLEL):
        pairs.sort(key=lambda pair: pair[1])
    return ProcessTree(tree.operator, None, tuple(c for c, _ in pairs)), total


# --- folding (pm4py's process_tree.utils.generic.fold, rule for rule) ---------------------


def _remove_first_tau(children: list[DraftNode]) -> None:
    for index, child in enumerate(children):
        if child.is_tau_leaf():
            del children[index]
            return


def _reduce_tau_leaves(node: DraftNode) -> DraftNode:
    if not node.children:
        return node
    for child in node.children:
        _reduce_tau_leaves(child)
    silents = sum(1 for c in node.children if c.is_tau_leaf())
    if silents == 0:
        return node
    keep_one = node.operator in (Operator.SEQUENCE, Operator.PARALLEL, Operator.XOR)
    if silents == len(node.children) and keep_one:
        for _ in range(silents - 1):
            _remove_first_tau(node.children)
    elif silents == len(node.children) and node.operator is Operator.LOOP:
        if len(node.children) == 2:
            # pm4py removes while iterating the same list, which drops only the first tau.
            _remove_first_tau(node.children)
    elif node.operator in (Operator.SEQUENCE, Operator.PARALLEL):
        # pm4py's removal while iterating skips the element after each removed tau.
        index = 0
        while index < len(node.children):
            if node.children[index].is_tau_leaf():
                del node.children[index]
            index += 1
    elif node.operator is Operator.XOR:
        for _ in range(silents - 1):
            _remove_first_tau(node.children)
    return node


def _fold_once(node: DraftNode) -> DraftNode:
    node = _reduce_tau_leaves(node)
    if not node.children:
        return node
    node.children = [_fold_once(c) for c in node.children]
    if len(node.children) == 1:
        return node.children[0]
    if node.operator in (Operator.SEQUENCE, Operator.PARALLEL):
        node.children = [c for c in node.children if not c.is_tau_leaf()]
        if not node.children:
            node.operator = None
    if node.operator in (Operator.SEQUENCE, Operator.XOR, Operator.PARALLEL):
        flat: list[DraftNode] = []
        for child in node.children:
            flat.extend(child.children if child.operator is node.operator else [child])
        node.children = flat
    return node


def fold(node: DraftNode) -> DraftNode:
    """Simplify a draft tree until nothing changes.

    Merges nested sequence, choice and parallel nodes of the same operator, removes
    operators with one child and tau leaves that change nothing (in a sequence or parallel
    node; all but one in a choice).
    """
    previous = ""
    current = str(node)
    while previous != current:
        node = _reduce_tau_leaves(_fold_once(node))
        previous, current = current, str(node)
    return node


__all__ = ["DraftNode", "Operator", "ProcessTree", "fold", "freeze"]
