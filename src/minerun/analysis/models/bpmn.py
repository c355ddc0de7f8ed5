"""BPMN 2.0 export of process trees and Petri nets, with a diagram bpmn.io can open.

A process tree maps block by block: an activity is a task, a sequence chains its
children, a choice (parallel node) sits between an exclusive (parallel) split and join
gateway, a loop is an exclusive join before its body and an exclusive split after it from
which the redo parts lead back; tau is a plain sequence flow.

A Petri net maps node by node: a visible transition is a task (behind a parallel join when
it has several input places, before a parallel split when it has several output places), a
silent transition a parallel gateway; a place becomes an exclusive gateway when it joins or
splits flows, and a plain sequence flow otherwise. The initial place follows a start event,
the final place leads to an end event.
"""

from __future__ import annotations

from itertools import pairwise

from minerun.analysis.models._bpmn_xml import BpmnGraph, to_xml
from minerun.analysis.models.petri import PetriNet
from minerun.analysis.models.process_tree import Operator, ProcessTree

Ends = tuple[str, str] | None


def to_bpmn(model: ProcessTree | PetriNet) -> str:
    """Serialise a process tree or a Petri net as BPMN 2.0 XML with a ``bpmndi`` diagram."""
    graph = BpmnGraph()
    start = graph.add("startEvent", "start")
    if isinstance(model, ProcessTree):
        _from_tree(graph, model, start)
    else:
        _from_net(graph, model, start)
    return to_xml(graph, start)


def _from_tree(graph: BpmnGraph, tree: ProcessTree, start: str) -> None:
    ends = _block(graph, tree)
    end = graph.add("endEvent", "end")
    if ends is None:
        graph.link(start, end)
    else:
        graph.link(start, ends[0])
        graph.link(ends[1], end)


def _block(graph: BpmnGraph, node: ProcessTree) -> Ends:
    """Add the BPMN fragment of a tree node; return its first and last node (None for tau)."""
    if node.operator is None:
        if node.label is None:
            return None
        task = graph.add("task", node.label)
        return task, task
    if node.operator is Operator.SEQUENCE:
        parts = [e for e in (_block(graph, c) for c in node.children) if e is not None]
        for left, right in pairwise(parts):
            graph.link(left[1], right[0])
        return (parts[0][0], parts[-1][1]) if parts else None
    if node.operator is Operator.LOOP:
        return _loop(graph, node)
    kind = "exclusiveGateway" if node.operator is Operator.XOR else "parallelGateway"
    split, join = graph.add(kind), graph.add(kind)
    for child in node.children:
        _between(graph, _block(graph, child), split, join)
    return split, join


def _between(graph: BpmnGraph, ends: Ends, source: str, target: str) -> None:
    if ends is None:
        graph.link(source, target)
    else:
        graph.link(source, ends[0])
        graph.link(ends[1], target)


def _loop(graph: BpmnGraph, node: ProcessTree) -> Ends:
    join, split = graph.add("exclusiveGateway"), graph.add("exclusiveGateway")
    _between(graph, _block(graph, node.children[0]), join, split)
    for redo in node.children[1:]:
        _between(graph, _block(graph, redo), split, join)
    return join, split


def _from_net(graph: BpmnGraph, net: PetriNet, start: str) -> None:
    entries, exits = _transition_nodes(graph, net)
    sources: list[list[str]] = [[] for _ in net.places]
    targets: list[list[str]] = [[] for _ in net.places]
    for t, p in net.transition_to_place:
        sources[p].append(exits[t])
    for p, t in net.place_to_transition:
        targets[p].append(entries[t])
    for p, _ in net.initial_marking:
        sources[p].insert(0, start)
    if net.final_marking:
        end = graph.add("endEvent", "end")
        for p, _ in net.final_marking:
            targets[p].append(end)
    for into, out_of in zip(sources, targets, strict=True):
        if len(into) == 1 and len(out_of) == 1:
            graph.link(into[0], out_of[0])
        elif into and out_of:
            gateway = graph.add("exclusiveGateway")
            for source in into:
                graph.link(source, gateway)
            for target in out_of:
                graph.link(gateway, target)


def _transition_nodes(graph: BpmnGraph, net: PetriNet) -> tuple[list[str], list[str]]:
    entries: list[str] = []
    exits: list[str] = []
    for t, label in enumerate(net.labels):
        if label is None:
            gateway = graph.add("parallelGateway")
            entries.append(gateway)
            exits.append(gateway)
            continue
        task = graph.add("task", label)
        entry, exit_ = task, task
        if len(net.preset[t]) > 1:
            entry = graph.add("parallelGateway")
            graph.link(entry, task)
        if len(net.postset[t]) > 1:
            exit_ = graph.add("parallelGateway")
            graph.link(task, exit_)
        entries.append(entry)
        exits.append(exit_)
    return entries, exits


__all__ = ["to_bpmn"]
