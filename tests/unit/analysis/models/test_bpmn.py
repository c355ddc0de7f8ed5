"""BPMN export: namespaces, diagram interchange and a parse by pm4py."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from lxml import etree

from minerun.analysis.models import (
    PetriNet,
    ProcessTree,
    discover_heuristics_net,
    discover_process_tree,
    heuristics_to_petri_net,
    to_bpmn,
    tree_to_petri_net,
)
from minerun.analysis.models._bpmn_xml import BPMN_NS, BPMNDI_NS, DC_NS, DI_NS

from ._build import make_log

LOG = {"abcd": 4, "acbd": 3, "aed": 2, "abcfbcd": 1}
NODE_KINDS = ("startEvent", "endEvent", "task", "exclusiveGateway", "parallelGateway")


def models() -> list[ProcessTree | PetriNet]:
    log = make_log(LOG)
    tree = discover_process_tree(log, 0.0)
    return [
        tree,
        tree_to_petri_net(tree),
        heuristics_to_petri_net(discover_heuristics_net(log)),
        ProcessTree(),
    ]


@pytest.mark.parametrize("model", models(), ids=["tree", "tree-net", "heuristics-net", "tau"])
def test_diagram_has_one_shape_per_node_and_one_edge_per_flow(
    model: ProcessTree | PetriNet,
) -> None:
    root = etree.fromstring(to_bpmn(model).encode())
    assert root.tag == f"{{{BPMN_NS}}}definitions"
    assert {root.nsmap[k] for k in ("bpmndi", "dc", "di")} == {BPMNDI_NS, DC_NS, DI_NS}
    process = root.find(f"{{{BPMN_NS}}}process")
    nodes = [el.get("id") for kind in NODE_KINDS for el in process.findall(f"{{{BPMN_NS}}}{kind}")]
    flows = process.findall(f"{{{BPMN_NS}}}sequenceFlow")
    shapes = root.findall(f".//{{{BPMNDI_NS}}}BPMNShape")
    edges = root.findall(f".//{{{BPMNDI_NS}}}BPMNEdge")
    assert sorted(s.get("bpmnElement") for s in shapes) == sorted(nodes)
    assert sorted(e.get("bpmnElement") for e in edges) == sorted(f.get("id") for f in flows)
    assert all(f.get("sourceRef") in nodes and f.get("targetRef") in nodes for f in flows)
    assert all(len(e.findall(f"{{{DI_NS}}}waypoint")) >= 2 for e in edges)
    assert all(float(s.find(f"{{{DC_NS}}}Bounds").get("x")) >= 0 for s in shapes)
    assert len(process.findall(f"{{{BPMN_NS}}}startEvent")) == 1


def test_tree_tasks_are_the_activities() -> None:
    root = etree.fromstring(to_bpmn(discover_process_tree(make_log(LOG), 0.0)).encode())
    names = {t.get("name") for t in root.iter(f"{{{BPMN_NS}}}task")}
    assert names == set("abcdef")


@pytest.mark.pm4py
@pytest.mark.parametrize(
    ("model", "perfect"),
    list(zip(models()[:3], [True, True, False], strict=True)),
    ids=["tree", "tree-net", "heuristics-net"],
)
def test_pm4py_reads_the_model_and_it_replays_the_log(
    model: ProcessTree | PetriNet, perfect: bool, tmp_path: Path
) -> None:
    pm4py = pytest.importorskip("pm4py")
    from ._logs import to_pm4py_frame

    path = tmp_path / "model.bpmn"
    path.write_text(to_bpmn(model), encoding="utf-8")
    root = etree.fromstring(path.read_bytes())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = pm4py.read_bpmn(str(path))
        net, initial, final = pm4py.convert_to_petri_net(graph)
        fitness = pm4py.fitness_token_based_replay(
            to_pm4py_frame(make_log(LOG)), net, initial, final
        )
    assert len(graph.get_nodes()) == sum(
        len(list(root.iter(f"{{{BPMN_NS}}}{k}"))) for k in NODE_KINDS
    )
    assert len(graph.get_flows()) == len(list(root.iter(f"{{{BPMN_NS}}}sequenceFlow")))
    # The tree's BPMN keeps its behaviour: pm4py's own translation back replays perfectly.
    if perfect:
        assert fitness["log_fitness"] == pytest.approx(1.0)
    else:
        assert 0.5 < fitness["log_fitness"] <= 1.0
