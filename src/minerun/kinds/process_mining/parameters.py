"""The parameters of a ProcessMiningAnalysis, checked before the operation is accepted.

Every key of the contract's example is understood; anything else is refused with the list of
accepted keys, so that a typo never silently changes an analysis.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from minerun.analysis.event_selection import LIFECYCLE_SELECTIONS

ANALYSIS_TYPES = ("comprehensive", "discovery")
OPTIMIZATIONS = ("high_accuracy", "balanced", "high_throughput")
ALGORITHMS = ("inductive", "heuristics", "alpha_miner_enhanced")
EXPORT_FORMATS = ("PDF", "CSV", "JSON")
MAP_DURATIONS = ("mean", "median")
# The process map's controls (Disco/Apromore sliders), shared by every kind that draws one.
MAP_SHARES = ("activitiesShare", "pathsShare")
# The parts of an analysis that the contract's batch examples switch on or off, by their
# top-level keys, with the field of AnalysisParameters each sets (all on by default).
PARTS = (
    ("enableVariantAnalysis", "variant_analysis"),
    ("enableBottleneckDetection", "bottleneck_detection"),
    ("generateOptimizationRecommendations", "recommendations"),
    ("enableML", "machine_learning"),
    ("generateInsights", "insights"),
)
TOP_LEVEL = {
    "datasetId",
    "analysisType",
    "timeWindow",
    "algorithmSettings",
    "outputOptions",
    "resourceAllocation",
    "algorithm",
    "lifecycle",
    "mapDuration",
    *MAP_SHARES,
    *(name for name, _ in PARTS),
}
ALGORITHM_KEYS = {
    "useAdvancedML",
    "enableAnomalyDetection",
    "performanceOptimization",
    "algorithm",
    "noiseThreshold",
    "dependencyThreshold",
}
OUTPUT_KEYS = {"generateReports", "createVisualizations", "exportFormats"}


@dataclass(frozen=True, slots=True)
class AnalysisParameters:
    """What one analysis does, with the defaults filled in."""

    dataset_id: str
    analysis_type: str = "comprehensive"
    start_date: date | None = None
    end_date: date | None = None
    use_advanced_ml: bool = True
    enable_anomaly_detection: bool = True
    optimization: str = "balanced"
    algorithm: str = "inductive"
    noise_threshold: float = 0.2
    dependency_threshold: float = 0.5
    generate_reports: bool = True
    create_visualizations: bool = True
    export_formats: frozenset[str] = field(default_factory=lambda: frozenset(EXPORT_FORMATS))
    variant_analysis: bool = True
    bottleneck_detection: bool = True
    recommendations: bool = True
    machine_learning: bool = True
    insights: bool = True
    lifecycle: str = "all"
    activities_share: float | None = None
    paths_share: float | None = None
    map_duration: str = "mean"

    @property
    def predictions(self) -> bool:
        return self.use_advanced_ml and self.analysis_type == "comprehensive"

    @property
    def anomalies(self) -> bool:
        return self.enable_anomaly_detection and self.analysis_type == "comprehensive"

    @property
    def replay(self) -> bool:
        return self.optimization != "high_throughput"


class _Errors(list[dict[str, str]]):
    def add(self, name: str, reason: str) -> None:
        self.append({"field": f"parameters.{name}", "reason": reason})


def check(parameters: Mapping[str, Any]) -> list[dict[str, str]]:
    """Problems with ``parameters``, each as ``{"field", "reason"}`` (empty when valid)."""
    errors = _Errors()
    _unknown(errors, "", parameters, TOP_LEVEL)
    if not _is_guid(parameters.get("datasetId")):
        errors.add("datasetId", "required: the id of an uploaded dataset")
    _choice(errors, "analysisType", parameters.get("analysisType"), ANALYSIS_TYPES)
    _batch_keys(errors, parameters)
    _choice(errors, "lifecycle", parameters.get("lifecycle"), LIFECYCLE_SELECTIONS)
    errors.extend(check_map_controls(parameters))
    _time_window(errors, parameters.get("timeWindow"))
    _algorithm(errors, parameters.get("algorithmSettings"))
    _outputs(errors, parameters.get("outputOptions"))
    return errors


def check_dataset(
    parameters: Mapping[str, Any], statistics: Mapping[str, Any]
) -> list[dict[str, str]]:
    """A time window that no case of the dataset can start in (checked parameters only).

    A case is in the window when its first event is (see ``filter_time_window``); every first
    event lies in the dataset's time range, so a window wholly before or after it is empty.
    """
    errors = _Errors()
    window = parameters.get("timeWindow") or {}
    span = statistics.get("timeRange") or {}
    if not span.get("start") or not span.get("end"):
        return errors
    first, last = (datetime.fromisoformat(span[k]).astimezone(UTC).date() for k in ("start", "end"))
    start, end = _date(window.get("startDate")), _date(window.get("endDate"))
    if (start is not None and start > last) or (end is not None and end < first):
        errors.add(
            "timeWindow",
            f"contains no event of the dataset, whose events run from {first} to {last}",
        )
    return errors


def parse(parameters: Mapping[str, Any]) -> AnalysisParameters:
    """The parameters of a checked request, with defaults."""
    window = parameters.get("timeWindow") or {}
    algo = parameters.get("algorithmSettings") or {}
    out = parameters.get("outputOptions") or {}
    default = AnalysisParameters(dataset_id="")
    return AnalysisParameters(
        dataset_id=str(parameters["datasetId"]),
        analysis_type=parameters.get("analysisType", default.analysis_type),
        start_date=_date(window.get("startDate")),
        end_date=_date(window.get("endDate")),
        use_advanced_ml=algo.get("useAdvancedML", default.use_advanced_ml),
        enable_anomaly_detection=algo.get("enableAnomalyDetection", True),
        optimization=algo.get("performanceOptimization", default.optimization),
        algorithm=algo.get("algorithm", parameters.get("algorithm", default.algorithm)),
        noise_threshold=float(algo.get("noiseThreshold", default.noise_threshold)),
        dependency_threshold=float(algo.get("dependencyThreshold", 0.5)),
        generate_reports=out.get("generateReports", default.generate_reports),
        create_visualizations=out.get("createVisualizations", True),
        export_formats=frozenset(out.get("exportFormats", EXPORT_FORMATS)),
        **{attr: parameters.get(name, True) for name, attr in PARTS},
        lifecycle=parameters.get("lifecycle", default.lifecycle),
        activities_share=_share(parameters.get("activitiesShare")),
        paths_share=_share(parameters.get("pathsShare")),
        map_duration=parameters.get("mapDuration", default.map_duration),
    )


def check_map_controls(parameters: Mapping[str, Any]) -> list[dict[str, str]]:
    """Problems with the map controls ``activitiesShare``, ``pathsShare`` (each a number,
    0 < x <= 1, or null for the readable default) and ``mapDuration`` (mean or median)."""
    errors = _Errors()
    for name in MAP_SHARES:
        value = parameters.get(name)
        if value is not None and not (_is_number(value) and 0 < value <= 1):
            errors.add(name, "must be a number greater than 0 and at most 1 (a share)")
    _choice(errors, "mapDuration", parameters.get("mapDuration"), MAP_DURATIONS)
    return errors


def _share(value: Any) -> float | None:
    return None if value is None else float(value)


def _unknown(errors: _Errors, prefix: str, given: Mapping[str, Any], known: set[str]) -> None:
    for key in sorted(set(given) - known):
        errors.add(f"{prefix}{key}", "unknown; accepted: " + ", ".join(sorted(known)))


def _is_guid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


def _choice(errors: _Errors, name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value is not None and value not in choices:
        errors.add(name, "must be one of: " + ", ".join(choices))


def _is_number(value: Any) -> bool:
    """A JSON number: ``true`` and ``false`` are not 1 and 0 here."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _date(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value)[:10])


def _time_window(errors: _Errors, window: Any) -> None:
    if window is None:
        return
    if not isinstance(window, Mapping):
        errors.add("timeWindow", "must be an object with startDate and endDate")
        return
    _unknown(errors, "timeWindow.", window, {"startDate", "endDate"})
    bounds = {}
    for key in ("startDate", "endDate"):
        value = window.get(key)
        try:
            if value is not None and not isinstance(value, str):
                raise ValueError(value)
            bounds[key] = _date(value)
        except ValueError:
            errors.add(f"timeWindow.{key}", "must be an ISO 8601 date (YYYY-MM-DD)")
    start, end = bounds.get("startDate"), bounds.get("endDate")
    if start and end and start > end:
        errors.add("timeWindow", "startDate must not be after endDate")


def _batch_keys(errors: _Errors, parameters: Mapping[str, Any]) -> None:
    """The top-level keys of the contract's batch examples: ``algorithm`` (the same as
    ``algorithmSettings.algorithm``) and the switches of PARTS."""
    top = parameters.get("algorithm")
    _choice(errors, "algorithm", top, ALGORITHMS)
    settings = parameters.get("algorithmSettings")
    nested = settings.get("algorithm") if isinstance(settings, Mapping) else None
    if top is not None and nested is not None and top != nested:
        errors.add("algorithm", "differs from algorithmSettings.algorithm; give one of them")
    for name, _ in PARTS:
        if name in parameters and not isinstance(parameters[name], bool):
            errors.add(name, "must be true or false")


def _algorithm(errors: _Errors, settings: Any) -> None:
    if settings is None:
        return
    if not isinstance(settings, Mapping):
        errors.add("algorithmSettings", "must be an object")
        return
    _unknown(errors, "algorithmSettings.", settings, ALGORITHM_KEYS)
    for flag in ("useAdvancedML", "enableAnomalyDetection"):
        if flag in settings and not isinstance(settings[flag], bool):
            errors.add(f"algorithmSettings.{flag}", "must be true or false")
    perf = settings.get("performanceOptimization")
    _choice(errors, "algorithmSettings.performanceOptimization", perf, OPTIMIZATIONS)
    _choice(errors, "algorithmSettings.algorithm", settings.get("algorithm"), ALGORITHMS)
    for name in ("noiseThreshold", "dependencyThreshold"):
        value = settings.get(name)
        if value is not None and not (_is_number(value) and 0 <= value <= 1):
            errors.add(f"algorithmSettings.{name}", "must be a number from 0 to 1")


def _outputs(errors: _Errors, options: Any) -> None:
    if options is None:
        return
    if not isinstance(options, Mapping):
        errors.add("outputOptions", "must be an object")
        return
    _unknown(errors, "outputOptions.", options, OUTPUT_KEYS)
    for flag in ("generateReports", "createVisualizations"):
        if flag in options and not isinstance(options[flag], bool):
            errors.add(f"outputOptions.{flag}", "must be true or false")
    formats = options.get("exportFormats")
    if formats is not None and (
        not isinstance(formats, list) or any(f not in EXPORT_FORMATS for f in formats)
    ):
        errors.add("outputOptions.exportFormats", "a list of: " + ", ".join(EXPORT_FORMATS))
