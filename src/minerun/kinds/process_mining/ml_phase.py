"""Phase 3, "Machine Learning Analysis": anomalies, predictions and patterns."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from minerun.analysis.anomalies import AnomalyReport, detect_anomalies
from minerun.analysis.patterns import PatternReport, find_patterns
from minerun.analysis.prediction import PredictionReport, save_models, train_predictors
from minerun.analysis.render import AnomalyRow, write_anomalies_csv, zip_files
from minerun.kinds.base import ArtifactSpec, PhaseContext
from minerun.kinds.process_mining import memo
from minerun.kinds.process_mining.loading import dataset_events, load_log
from minerun.kinds.process_mining.parameters import AnalysisParameters, parse
from minerun.kinds.steps import StepProgress

SEED = 0
ANOMALIES_IN_RESULTS = 100
_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
# Shares of the phase's work: anomaly detection, then what is left of the predictive models
# and of the patterns, which run beside it (on BPIC 2012, 0.38 s, 0.27 s and 0.2 s alone).
STEP_WEIGHTS = (2.0, 1.0, 1.0)


def run(ctx: PhaseContext) -> dict[str, Any]:
    params = parse(ctx.parameters)
    if not params.machine_learning:
        # Nothing is read or trained: the phase ends as soon as it starts.
        return {"skipped": "enableML is false", "modelsTraining": 0, "modelsCompleted": 0}
    models = _Models(planned=int(params.anomalies) + 2 * int(params.predictions))
    ctx.progress(0, None, "Reading the log", fraction=0.0, figures=models.figures())
    frame = load_log(ctx, params)
    step = StepProgress(ctx, frame.height, dataset_events(ctx, params), STEP_WEIGHTS)
    step.next("Training anomaly detection models", models.figures())
    # Much of the work is in Polars and scikit-learn's compiled code, which leave the
    # interpreter free, so the three analyses run side by side; each is seeded on its own.
    with ThreadPoolExecutor(max_workers=2) as pool:
        predicting = pool.submit(train_predictors, frame, SEED) if params.predictions else None
        mining = pool.submit(find_patterns, frame) if params.insights else None
        anomalies = detect_anomalies(frame, seed=SEED) if params.anomalies else None
        models.completed += int(anomalies is not None)
        step.next("Training cycle-time and next-activity models", models.figures())
        predictions = predicting.result() if predicting is not None else None
        if predictions is not None:
            models.completed += _fitted(predictions)
        step.next("Mining frequent and rare patterns", models.figures())
        patterns = mining.result() if mining is not None else None
    if anomalies is not None and "CSV" in params.export_formats:
        ctx.add_artifact(_anomalies_csv(anomalies, ctx.workdir))
    saved = _save_models(predictions, ctx) if predictions is not None else 0
    if patterns is not None:
        memo.store(ctx.scratch_dir, "patterns", patterns)
    step.finish(models.figures())
    return {
        "modelsTraining": models.planned,
        "modelsCompleted": int(anomalies is not None) + saved,
        "anomalies": _anomalies_view(anomalies, params),
        "predictions": _predictions_view(predictions, params),
        "patterns": _patterns_view(patterns),
    }


@dataclass
class _Models:
    """Models the phase trains (the anomaly detector, the cycle-time and next-activity
    models) and how many of them are trained so far; shown while the phase runs."""

    planned: int
    completed: int = 0

    def figures(self) -> dict[str, int]:
        return {"modelsTraining": self.planned, "modelsCompleted": self.completed}


def _fitted(report: PredictionReport) -> int:
    return sum(m is not None for m in (report.models.cycle_time, report.models.next_activity))


def _ranked(report: AnomalyReport) -> list[Any]:
    return sorted(
        report.anomalies, key=lambda a: (_SEVERITY_ORDER[a.severity.value], -(a.score or 0.0))
    )


def _anomalies_csv(report: AnomalyReport, workdir: Path) -> ArtifactSpec:
    rows = [AnomalyRow(a.case_id, a.severity.value, a.reason) for a in _ranked(report)]
    path = write_anomalies_csv(rows, workdir / "anomalies.csv")
    return ArtifactSpec(
        path,
        "Anomaly Detection Results",
        "Dataset",
        "CSV",
        "Anomalous cases with severity and reason",
        "text/csv",
    )


def _save_models(report: PredictionReport, ctx: PhaseContext) -> int:
    files = save_models(report.models, ctx.workdir / "models")
    if not files:
        return 0
    archive = zip_files(files, ctx.workdir / "models.zip")
    ctx.add_artifact(
        ArtifactSpec(
            archive,
            "Predictive Models",
            "Model",
            "PKL",
            "Trained models for cycle time and path prediction, with model cards",
            "application/zip",
        )
    )
    return sum(1 for f in files if f.suffix == ".pkl")


def _anomalies_view(report: AnomalyReport | None, params: AnalysisParameters) -> dict[str, Any]:
    if report is None:
        return {"detected": None, "reason": "anomaly detection was not requested"}
    counts = report.counts_by_severity
    return {
        "detected": len(report.anomalies),
        "highSeverity": counts.get("high", 0),
        "mediumSeverity": counts.get("medium", 0),
        "lowSeverity": counts.get("low", 0),
        "falsePositiveRate": report.false_positive_rate,
        "falsePositiveRateReason": report.false_positive_rate_reason,
        "byDetector": report.counts_by_detector,
        "casesAnalyzed": report.case_count,
        "cases": [
            {
                "caseId": a.case_id,
                "severity": a.severity.value,
                "detectors": list(a.detectors),
                "score": a.score,
                "reason": a.reason,
            }
            for a in _ranked(report)[:ANOMALIES_IN_RESULTS]
        ],
    }


def _predictions_view(
    report: PredictionReport | None, params: AnalysisParameters
) -> dict[str, Any]:
    if report is None:
        return {"reason": "predictions were not requested (useAdvancedML false or analysisType)"}
    cycle, path = report.cycle_time, report.next_activity
    return {
        "cycleTimePrediction": None
        if cycle is None
        else {
            "accuracy": round(cycle.accuracy, 4),
            "meanAbsoluteError": f"{cycle.mae_hours:.1f} hours",
            "meanAbsoluteErrorHours": round(cycle.mae_hours, 4),
            "baselineMeanAbsoluteErrorHours": round(cycle.baseline_mae_hours, 4),
        },
        "pathPrediction": None
        if path is None
        else {
            "accuracy": round(path.accuracy, 4),
            "confidence": round(path.mean_confidence, 4),
            "baselineAccuracy": round(path.baseline_accuracy, 4),
        },
        "split": None
        if report.split is None
        else {
            "cutoff": report.split.cutoff.isoformat(),
            "trainCases": report.split.train_cases,
            "testCases": report.split.test_cases,
            "rule": report.split.rule,
        },
        "reason": report.reason,
    }


def _patterns_view(report: PatternReport | None) -> dict[str, Any]:
    if report is None:
        return {"skipped": "generateInsights is false"}
    return {
        "frequentPatterns": report.frequent_count,
        "rarePatterns": report.rare_count,
        "criticalPaths": len(report.critical_paths),
        "frequent": [
            {"activities": list(p.activities), "cases": p.case_count, "support": p.support}
            for p in report.frequent[:20]
        ],
        "criticalPathList": [
            {
                "activities": list(c.activities),
                "cases": c.case_count,
                "totalSeconds": c.total_seconds,
                "timeShare": c.time_share,
            }
            for c in report.critical_paths
        ],
    }
