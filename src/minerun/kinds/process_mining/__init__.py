"""ProcessMiningAnalysis: discovery, performance, conformance, ML and reports on a dataset.

Phases, each checkpointed and cancellable between steps:

1. Data Loading & Validation — the dataset's clean log, cut to ``timeWindow``.
2. Process Discovery — DFG, variants, performance, a process model (inductive, heuristics or
   alpha+ miner, exported as PNML and BPMN) and its token-replay fitness and precision.
3. Machine Learning Analysis — anomalous cases, cycle-time and next-activity models, patterns.
4. Report Generation — recommendations, process map, PDF report, CSV and JSON exports.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from minerun.kinds.base import Kind, Phase
from minerun.kinds.process_mining import discovery_phase, loading, ml_phase, report_phase
from minerun.kinds.process_mining.parameters import check, check_dataset
from minerun.services.datasets import dataset_path

NAME = "ProcessMiningAnalysis"


def count_records(parameters: Mapping[str, Any], data_dir: Path) -> int | None:
    """Events in the dataset (from the Parquet footer), the unit of the rate estimates."""
    try:
        path = dataset_path(data_dir, str(parameters["datasetId"]))
        return int(pl.scan_parquet(path).select(pl.len()).collect().item())
    except (KeyError, OSError, pl.exceptions.PolarsError):
        return None


def summarize(results: Mapping[str, Any]) -> dict[str, Any]:
    """The results' ``summary`` block and the recommendations (see docs/analysis.md)."""
    loaded = results.get("Data Loading & Validation", {})
    found = results.get("Process Discovery", {})
    ml = results.get("Machine Learning Analysis", {})
    report = results.get("Report Generation", {})
    confidence = _confidence(found, ml)
    return {
        "summary": {
            "recordsAnalyzed": loaded.get("recordsInWindow"),
            "processVariants": found.get("processVariants"),
            "anomaliesDetected": ml.get("anomalies", {}).get("detected"),
            "modelsGenerated": 1 + int(ml.get("modelsCompleted", 0)),
            "reportsCreated": report.get("reportsCreated"),
            "dataQualityScore": loaded.get("dataQualityScore"),
            "modelPrecision": found.get("conformance", {}).get("precision"),
            "overallConfidenceScore": confidence[0],
            "confidenceComponents": confidence[1],
        },
        "recommendations": report.get("recommendations", []),
    }


def _confidence(
    found: Mapping[str, Any], ml: Mapping[str, Any]
) -> tuple[float | None, dict[str, float]]:
    """Mean of the measured qualities of the analysis' own outputs, in percent."""
    predictions = ml.get("predictions", {})
    measured = {
        "modelFitness": found.get("conformance", {}).get("fitness"),
        "pathPredictionAccuracy": (predictions.get("pathPrediction") or {}).get("accuracy"),
        "cycleTimePredictionAccuracy": (predictions.get("cycleTimePrediction") or {}).get(
            "accuracy"
        ),
    }
    parts = {k: round(100 * float(v), 2) for k, v in measured.items() if v is not None}
    if not parts:
        return None, parts
    return round(sum(parts.values()) / len(parts), 1), parts


# The parameters each phase reads (see AnalysisParameters): a ``resume`` retry reuses a
# phase only when these are unchanged. Every phase reads the log, hence the dataset and the
# window and the event selection; ``resourceAllocation`` changes where and how fast it runs,
# never what it finds.
_LOG = frozenset({"datasetId", "timeWindow", "lifecycle"})
_DISCOVERY = _LOG | {
    "algorithm",
    "enableVariantAnalysis",
    "enableBottleneckDetection",
    "algorithmSettings.algorithm",
    "algorithmSettings.noiseThreshold",
    "algorithmSettings.dependencyThreshold",
    "algorithmSettings.performanceOptimization",
}
_ML = _LOG | {
    "analysisType",
    "enableML",
    "generateInsights",
    "algorithmSettings.useAdvancedML",
    "algorithmSettings.enableAnomalyDetection",
    "outputOptions.exportFormats",
}
_REPORT = _LOG | {
    "outputOptions",
    "activitiesShare",
    "pathsShare",
    "mapDuration",
    "enableVariantAnalysis",
    "enableBottleneckDetection",
    "generateOptimizationRecommendations",
    "generateInsights",
}

KIND = Kind(
    name=NAME,
    phases=(
        Phase("Data Loading & Validation", loading.run, weight=1.0, depends_on=_LOG),
        Phase("Process Discovery", discovery_phase.run, weight=3.0, depends_on=_DISCOVERY),
        Phase("Machine Learning Analysis", ml_phase.run, weight=3.0, depends_on=_ML),
        Phase("Report Generation", report_phase.run, weight=2.0, depends_on=_REPORT),
    ),
    cpu_units=2,
    memory_gb=4,
    check_parameters=check,
    check_dataset=check_dataset,
    count_records=count_records,
    summarize=summarize,
)
