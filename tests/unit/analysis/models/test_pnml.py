"""PNML export: structure, and a round trip through pm4py's importer."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from lxml import etree

from minerun.analysis.models import PetriNet, discover_process_tree, to_pnml, tree_to_petri_net
from minerun.analysis.models.pnml import PNML_GRAMMAR

from ._build import make_log


@pytest.fixture
def net() -> PetriNet:
    return tree_to_petri_net(discover_process_tree(make_log({"abd": 3, "acd": 2, "ad": 1}), 0.0))


def test_document_lists_every_node_arc_and_marking(net: PetriNet) -> None:
    root = etree.fromstring(to_pnml(net).encode())
    net_el = root.find("net")
    assert net_el is not None and net_el.get("type") == PNML_GRAMMAR
    assert [p.get("id") for p in root.iter("place")][: len(net.places)] == list(net.places)
    assert len(list(root.iter("transition"))) == len(net.transitions)
    assert len(list(root.iter("arc"))) == len(net.place_to_transition) + len(
        net.transition_to_place
    )
    invisible = root.findall(".//transition/toolspecific[@activity='$invisible$']")
    assert len(invisible) == net.labels.count(None)
    assert root.find(".//place[@id='source']/initialMarking/text").text == "1"
    assert root.find("net/finalmarkings/marking/place").get("idref") == "sink"


@pytest.mark.pm4py
def test_pm4py_reads_back_the_same_net(net: PetriNet, tmp_path: Path) -> None:
    pm4py = pytest.importorskip("pm4py")
    path = tmp_path / "net.pnml"
    path.write_text(to_pnml(net), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        imported, initial, final = pm4py.read_pnml(str(path))
    assert sorted(p.name for p in imported.places) == sorted(net.places)
    assert sorted(t.name for t in imported.transitions) == sorted(net.transitions)
    labels = {t.name: t.label for t in imported.transitions}
    assert labels == dict(zip(net.transitions, net.labels, strict=True))
    assert {(a.source.name, a.target.name) for a in imported.arcs} == {
        (net.places[p], net.transitions[t]) for p, t in net.place_to_transition
    } | {(net.transitions[t], net.places[p]) for t, p in net.transition_to_place}
    assert {p.name: n for p, n in initial.items()} == {"source": 1}
    assert {p.name: n for p, n in final.items()} == {"sink": 1}
