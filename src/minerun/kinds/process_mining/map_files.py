"""The process map files of an analysis: the frequency view and the performance view.

Both views draw the same selection of activities and edges, chosen by the request's
``activitiesShare`` and ``pathsShare`` or, without them, by the readable default (see
:mod:`minerun.analysis.render.map_select`); the results say what was drawn.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from minerun.analysis import render
from minerun.analysis.render.svg_map import MapDuration, MapView
from minerun.kinds.base import ArtifactSpec
from minerun.kinds.process_mining.parameters import AnalysisParameters

MAX_ACTIVITIES: Final = 30
_VIEWS: Final[tuple[tuple[MapView, str, str, str], ...]] = (
    (
        "frequency",
        "process-map.svg",
        "Process Model Visualization",
        "Directly-follows process map with frequencies and durations",
    ),
    (
        "performance",
        "process-map-performance.svg",
        "Process Map (performance)",
        "Directly-follows process map with edges coloured and labelled by duration",
    ),
)


def map_files(
    graph: render.ProcessMap, params: AnalysisParameters, workdir: Path
) -> tuple[list[ArtifactSpec], dict[str, Any]]:
    """Both SVG views of ``graph``, and what they show."""
    duration: MapDuration = "median" if params.map_duration == "median" else "mean"
    files = []
    for view, name, title, description in _VIEWS:
        path = workdir / name
        svg = render.render_process_map_svg(
            graph,
            MAX_ACTIVITIES,
            None,
            activities_share=params.activities_share,
            paths_share=params.paths_share,
            view=view,
            duration=duration,
        )
        path.write_text(svg)
        kind = "image/svg+xml"
        files.append(ArtifactSpec(path, title, "Visualization", "SVG", description, kind))
    return files, map_view(graph, params)


def map_view(graph: render.ProcessMap, params: AnalysisParameters) -> dict[str, Any]:
    """The drawn selection: its controls, its size and its caption."""
    selection = render.select_map(
        graph,
        MAX_ACTIVITIES,
        None,
        activities_share=params.activities_share,
        paths_share=params.paths_share,
    )
    return {
        "activitiesShare": params.activities_share,
        "pathsShare": params.paths_share,
        "duration": params.map_duration,
        "activitiesShown": len(selection.activities),
        "activities": len(selection.activities) + len(selection.hidden_activities),
        "edgesShown": len(selection.edges),
        "edgesHidden": selection.hidden_edges,
        "caption": selection.caption,
    }
