"""What the results endpoint answers, as models for the OpenAPI document (see ``answers.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from minerun.api.answers import Answer
from minerun.domain.statuses import OperationStatus, PhaseStatus


class PhaseResult(Answer):
    phase_name: str
    status: PhaseStatus
    results: dict[str, Any] | None = Field(None, description="With format=detailed or phase=")


class ResourceUtilization(Answer):
    average_cpu_usage: float | None
    peak_memory_usage: str | None
    peak_memory_bytes: int | None
    total_cpu_hours: float
    total_cost: str
    total_cost_amount: float


class Performance(Answer):
    total_execution_time: str
    total_execution_seconds: float
    resource_utilization: ResourceUtilization
    throughput: str | None
    efficiency: float | None = Field(description="Average CPU use per allocated CPU unit, %")


class ArtifactLink(Answer):
    artifact_id: str
    name: str
    type: str
    format: str
    size: str
    size_bytes: int
    download_url: str = Field(description="A signed link, usable without a token until it expires")
    description: str | None
    phase_name: str | None


class OperationResults(Answer):
    """The results of a finished operation (partial for Failed, Cancelled or Timeout)."""

    operation_id: str
    operation_type: str
    operation_name: str
    status: OperationStatus
    completion_time: datetime | None
    total_duration: str
    total_duration_seconds: float
    success: bool
    summary: dict[str, Any]
    phase_results: list[PhaseResult]
    performance: Performance
    recommendations: list[dict[str, Any]]
    error: str | None = Field(None, description="Sent when the operation ended on an error")
    error_type: str | None = None
    artifacts: list[ArtifactLink] | None = Field(None, description="Unless includeArtifacts=false")
