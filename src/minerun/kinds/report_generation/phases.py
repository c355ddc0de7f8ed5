"""The two phases of a ReportGeneration: gathering the analyses, rendering the documents."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from minerun.kinds.base import ArtifactSpec, PhaseContext, PhaseInputError
from minerun.kinds.report_generation import documents
from minerun.kinds.report_generation.analysis_run import analysis_parameters, run_analysis
from minerun.kinds.report_generation.content import document_content
from minerun.kinds.report_generation.figures import brief, compare
from minerun.kinds.report_generation.material import Analysis, load_analysis, source_results
from minerun.kinds.report_generation.parameters import ReportParameters, parse

GATHERING = "Gathering Analyses"
RENDERING = "Document Rendering"


def gather(ctx: PhaseContext) -> dict[str, Any]:
    """The analysis (and the baseline of a comparison) and the figures the report shows.

    A report on a dataset runs the analysis here; its phase results are kept in this
    phase's results, so that rendering after a crash does not run it again.
    """
    params = parse(ctx.parameters)
    ctx.progress(0, None, "Reading the analysis", fraction=0.0)
    out: dict[str, Any] = {}
    if params.source_operation_id is not None:
        source, results = source_results(ctx, params.source_operation_id, "sourceOperationId")
    else:
        source = analysis_parameters(str(params.dataset_id))
        results = run_analysis(ctx, source)
        out["analysis"] = {"parameters": source, "results": results}
    current = load_analysis(ctx, params.source_operation_id, source, results)
    out["current"] = brief(current)
    if params.report_type == "comparison":
        ctx.check_cancelled()
        baseline = _baseline(ctx, params)
        out["baseline"] = brief(baseline)
        out["comparison"] = compare(current, baseline)
        if not out["comparison"]["activitiesInCommon"]:
            raise PhaseInputError(
                f"the analyses share no activity: {current.dataset_name} and "
                f"{baseline.dataset_name} are not the same process"
            )
    events = current.frame.height
    ctx.progress(events, events, "Gathered", fraction=1.0)
    return out


def render(ctx: PhaseContext) -> dict[str, Any]:
    """Every document asked for, one format after the other (cancellable between them)."""
    params = parse(ctx.parameters)
    gathered = ctx.results[GATHERING]
    current = _current(ctx, params, gathered)
    baseline = _baseline(ctx, params) if params.report_type == "comparison" else None
    content = document_content(params, current, gathered, baseline)
    figures = {k: gathered[k] for k in ("current", "baseline", "comparison") if k in gathered}
    events = current.frame.height
    files: list[ArtifactSpec] = []
    for number, fmt in enumerate(params.export_formats):
        ctx.check_cancelled()
        fraction = number / len(params.export_formats)
        ctx.progress(events, events, f"Writing {fmt}", fraction=fraction)
        files += documents.write(fmt, content, current, figures, ctx.workdir)
    for artifact in files:
        ctx.add_artifact(artifact)
    ctx.progress(events, events, "Done", fraction=1.0)
    return {
        "reportType": params.report_type,
        "documentsCreated": len(files),
        "documents": [
            {
                "name": a.name,
                "format": a.format,
                "file": a.path.name,
                "mediaType": a.media_type,
                "bytes": a.path.stat().st_size,
            }
            for a in files
        ],
        # Kept with the parameters so that the map controls reach the renderer as given.
        "mapControls": {
            "activitiesShare": params.activities_share,
            "pathsShare": params.paths_share,
        },
    }


def _current(ctx: PhaseContext, params: ReportParameters, gathered: Mapping[str, Any]) -> Analysis:
    if params.source_operation_id is not None:
        source, results = source_results(ctx, params.source_operation_id, "sourceOperationId")
    else:
        source, results = gathered["analysis"]["parameters"], gathered["analysis"]["results"]
    return load_analysis(ctx, params.source_operation_id, source, results)


def _baseline(ctx: PhaseContext, params: ReportParameters) -> Analysis:
    baseline_id = str(params.baseline_operation_id)
    source, results = source_results(ctx, baseline_id, "baselineOperationId")
    return load_analysis(ctx, baseline_id, source, results)
