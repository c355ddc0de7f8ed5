"""PNML export of accepting Petri nets (the P/T-net core model of ISO/IEC 15909-2).

Places and transitions keep their names as XML ids. Silent transitions carry ProM's
``toolspecific`` marker (``activity="$invisible$"``), the convention pm4py and ProM read;
the final marking goes into a ``finalmarkings`` element as they both expect.
"""

from __future__ import annotations

from lxml import etree

from minerun.analysis.models.petri import PetriNet

PNML_GRAMMAR = "http://www.pnml.org/version-2009/grammar/pnmlcoremodel"


def _text(parent: etree._Element, tag: str, value: str) -> None:
    etree.SubElement(etree.SubElement(parent, tag), "text").text = value


def to_pnml(net: PetriNet, name: str = "net") -> str:
    """Serialise a Petri net with its initial and final markings as a PNML document."""
    root = etree.Element("pnml")
    net_el = etree.SubElement(root, "net", id=name, type=PNML_GRAMMAR)
    _text(net_el, "name", name)
    page = etree.SubElement(net_el, "page", id="n0")
    initial = dict(net.initial_marking)
    for index, place in enumerate(net.places):
        el = etree.SubElement(page, "place", id=place)
        _text(el, "name", place)
        if initial.get(index, 0) > 0:
            _text(el, "initialMarking", str(initial[index]))
    for index, (transition, label) in enumerate(zip(net.transitions, net.labels, strict=True)):
        el = etree.SubElement(page, "transition", id=transition)
        _text(el, "name", transition if label is None else label)
        if label is None:
            etree.SubElement(
                el,
                "toolspecific",
                tool="ProM",
                version="6.4",
                activity="$invisible$",
                localNodeID=f"silent-{index}",
            )
    arcs = [(net.places[p], net.transitions[t]) for p, t in net.place_to_transition]
    arcs += [(net.transitions[t], net.places[p]) for t, p in net.transition_to_place]
    for index, (source, target) in enumerate(arcs):
        etree.SubElement(page, "arc", id=f"a{index}", source=source, target=target)
    marking = etree.SubElement(etree.SubElement(net_el, "finalmarkings"), "marking")
    for place_index, tokens in net.final_marking:
        el = etree.SubElement(marking, "place", idref=net.places[place_index])
        etree.SubElement(el, "text").text = str(tokens)
    text: bytes = etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8")
    return text.decode()


__all__ = ["PNML_GRAMMAR", "to_pnml"]
