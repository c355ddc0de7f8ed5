"""Process models of the analysis engine: discovery, Petri nets, exports and replay.

- :func:`discover_process_tree`: inductive miner, infrequent variant (IMf).
- :func:`discover_alpha_plus`: alpha+ miner (alpha with length-one and length-two loops).
- :func:`discover_heuristics_net`: heuristics miner; :func:`heuristics_to_petri_net`.
- :func:`tree_to_petri_net`: process tree to an accepting Petri net.
- :func:`to_pnml`, :func:`to_bpmn`: PNML and BPMN 2.0 (with diagram) exports.
- :func:`token_replay`: token-based replay fitness, per case and for the log.
- :func:`precision`: token-based (escaping edges) precision of a log on a net.
"""

from minerun.analysis.models.alpha import discover_alpha_plus
from minerun.analysis.models.bpmn import to_bpmn
from minerun.analysis.models.escaping import PrecisionResult, precision
from minerun.analysis.models.heuristics import (
    HeuristicsArc,
    HeuristicsNet,
    discover_heuristics_net,
    heuristics_to_petri_net,
)
from minerun.analysis.models.inductive import discover_process_tree
from minerun.analysis.models.petri import PetriNet, tree_to_petri_net
from minerun.analysis.models.pnml import to_pnml
from minerun.analysis.models.process_tree import Operator, ProcessTree
from minerun.analysis.models.replay import ReplayResult, token_replay

__all__ = [
    "HeuristicsArc",
    "HeuristicsNet",
    "Operator",
    "PetriNet",
    "PrecisionResult",
    "ProcessTree",
    "ReplayResult",
    "discover_alpha_plus",
    "discover_heuristics_net",
    "discover_process_tree",
    "heuristics_to_petri_net",
    "precision",
    "to_bpmn",
    "to_pnml",
    "token_replay",
    "tree_to_petri_net",
]
