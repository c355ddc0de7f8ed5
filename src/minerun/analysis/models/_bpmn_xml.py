"""BPMN graphs: a left-to-right layout and the BPMN 2.0 XML with its diagram interchange.

Layout: nodes are put in columns by their longest distance from the start event (edges
that close a cycle are ignored), then ordered within a column by the mean row of their
predecessors. Edges are drawn from the right side of the source to the left side of the
target, with a bend at the target's height when the two differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
_NSMAP = {None: BPMN_NS, "bpmndi": BPMNDI_NS, "dc": DC_NS, "di": DI_NS}
_SIZES = {"task": (100, 80), "startEvent": (36, 36), "endEvent": (36, 36)}
_GATEWAY = (50, 50)
_COLUMN, _ROW, _MARGIN = 160, 120, 80


@dataclass
class BpmnGraph:
    """Flow nodes (id -> (BPMN element kind, name)) and sequence flows (source, target)."""

    nodes: dict[str, tuple[str, str]] = field(default_factory=dict)
    flows: list[tuple[str, str]] = field(default_factory=list)

    def add(self, kind: str, name: str = "") -> str:
        """Add a flow node of a BPMN kind (``task``, ``exclusiveGateway``...); return its id."""
        node_id = f"{kind}_{len(self.nodes)}"
        self.nodes[node_id] = (kind, name)
        return node_id

    def link(self, source: str, target: str) -> None:
        """Add a sequence flow."""
        self.flows.append((source, target))


def _columns(graph: BpmnGraph, start: str) -> dict[str, int]:
    succ: dict[str, list[str]] = {n: [] for n in graph.nodes}
    for s, t in graph.flows:
        succ[s].append(t)
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}
    order: list[str] = []
    stack: list[tuple[str, int]] = [(n, 0) for n in reversed([start, *graph.nodes])]
    while stack:
        node, i = stack.pop()
        if i == 0 and node in state:
            continue
        state[node] = 1
        if i < len(succ[node]):
            stack.append((node, i + 1))
            nxt = succ[node][i]
            if state.get(nxt) == 1:
                back.add((node, nxt))
            elif nxt not in state:
                stack.append((nxt, 0))
        else:
            state[node] = 2
            order.append(node)
    column = dict.fromkeys(graph.nodes, 0)
    for node in reversed(order):
        for nxt in succ[node]:
            if (node, nxt) not in back:
                column[nxt] = max(column[nxt], column[node] + 1)
    return column


def layout(graph: BpmnGraph, start: str) -> dict[str, tuple[float, float]]:
    """Centre point of every node, columns left to right."""
    column = _columns(graph, start)
    preds: dict[str, list[str]] = {n: [] for n in graph.nodes}
    for s, t in graph.flows:
        preds[t].append(s)
    row: dict[str, float] = {}
    for c in range(max(column.values(), default=0) + 1):
        members = [n for n in graph.nodes if column[n] == c]
        wanted = {n: _mean([row[p] for p in preds[n] if p in row]) for n in members}
        for i, n in enumerate(sorted(members, key=lambda n: (wanted[n], n))):
            row[n] = float(i)
    return {n: (_MARGIN + column[n] * _COLUMN, _MARGIN + row[n] * _ROW) for n in graph.nodes}


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _size(kind: str) -> tuple[int, int]:
    return _SIZES.get(kind, _GATEWAY)


def to_xml(graph: BpmnGraph, start: str) -> str:
    """BPMN 2.0 definitions with one process and its diagram."""
    root = etree.Element(f"{{{BPMN_NS}}}definitions", nsmap=_NSMAP)
    root.set("id", "definitions")
    root.set("targetNamespace", "http://minerun.invalid/bpmn")
    process = etree.SubElement(root, f"{{{BPMN_NS}}}process", id="process", isExecutable="false")
    flow_ids = [f"flow_{i}" for i in range(len(graph.flows))]
    incoming: dict[str, list[str]] = {n: [] for n in graph.nodes}
    outgoing: dict[str, list[str]] = {n: [] for n in graph.nodes}
    for fid, (s, t) in zip(flow_ids, graph.flows, strict=True):
        outgoing[s].append(fid)
        incoming[t].append(fid)
    for node_id, (kind, name) in graph.nodes.items():
        el = etree.SubElement(process, f"{{{BPMN_NS}}}{kind}", id=node_id, name=name)
        if kind.endswith("Gateway"):
            el.set("gatewayDirection", _direction(len(incoming[node_id]), len(outgoing[node_id])))
        for tag, refs in (("incoming", incoming[node_id]), ("outgoing", outgoing[node_id])):
            for ref in refs:
                etree.SubElement(el, f"{{{BPMN_NS}}}{tag}").text = ref
    for fid, (s, t) in zip(flow_ids, graph.flows, strict=True):
        etree.SubElement(process, f"{{{BPMN_NS}}}sequenceFlow", id=fid, sourceRef=s, targetRef=t)
    _diagram(root, graph, flow_ids, layout(graph, start))
    text: bytes = etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8")
    return text.decode()


def _direction(n_in: int, n_out: int) -> str:
    if n_in > 1 and n_out > 1:
        return "Mixed"
    if n_in > 1:
        return "Converging"
    return "Diverging" if n_out > 1 else "Unspecified"


def _diagram(
    root: etree._Element,
    graph: BpmnGraph,
    flow_ids: list[str],
    centres: dict[str, tuple[float, float]],
) -> None:
    diagram = etree.SubElement(root, f"{{{BPMNDI_NS}}}BPMNDiagram", id="diagram")
    plane = etree.SubElement(
        diagram, f"{{{BPMNDI_NS}}}BPMNPlane", id="plane", bpmnElement="process"
    )
    for node_id, (kind, _) in graph.nodes.items():
        (x, y), (w, h) = centres[node_id], _size(kind)
        shape = etree.SubElement(
            plane, f"{{{BPMNDI_NS}}}BPMNShape", id=f"shape_{node_id}", bpmnElement=node_id
        )
        etree.SubElement(
            shape,
            f"{{{DC_NS}}}Bounds",
            x=_num(x - w / 2),
            y=_num(y - h / 2),
            width=str(w),
            height=str(h),
        )
    for fid, (s, t) in zip(flow_ids, graph.flows, strict=True):
        edge = etree.SubElement(
            plane, f"{{{BPMNDI_NS}}}BPMNEdge", id=f"edge_{fid}", bpmnElement=fid
        )
        for x, y in _waypoints(
            centres[s], _size(graph.nodes[s][0]), centres[t], _size(graph.nodes[t][0])
        ):
            etree.SubElement(edge, f"{{{DI_NS}}}waypoint", x=_num(x), y=_num(y))


def _waypoints(
    a: tuple[float, float], a_size: tuple[int, int], b: tuple[float, float], b_size: tuple[int, int]
) -> list[tuple[float, float]]:
    start = (a[0] + a_size[0] / 2, a[1])
    end = (b[0] - b_size[0] / 2, b[1])
    if start[1] == end[1]:
        return [start, end]
    return [start, (start[0] + 20, start[1]), (start[0] + 20, end[1]), end]


def _num(value: float) -> str:
    return f"{value:g}"


__all__ = ["BPMNDI_NS", "BPMN_NS", "DC_NS", "DI_NS", "BpmnGraph", "layout", "to_xml"]
