"""Dataset endpoints: upload (multipart), list, read, delete."""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from minerun.analysis.eventlog import CsvMapping
from minerun.api.answers import Dataset as DatasetAnswer
from minerun.api.answers import DatasetPage
from minerun.api.deps import DatasetsDep, PageNumber, PrincipalDep, SettingsDep
from minerun.api.guard import refuse_nul
from minerun.api.openapi import AUTHENTICATED, LOCATION, UPLOAD_BODY, answers, problems
from minerun.domain.records import Scope
from minerun.domain.times import iso
from minerun.exceptions import InvalidInput, PayloadTooLarge
from minerun.services.datasets import DatasetService, stored_name
from minerun.store.datasets import Dataset

router = APIRouter(prefix="/api/{tenantId}/{projectId}/datasets", tags=["datasets"])

MAPPING_FIELDS = {
    "caseIdColumn": "case_column",
    "activityColumn": "activity_column",
    "timestampColumn": "timestamp_column",
    "resourceColumn": "resource_column",
    "startTimestampColumn": "start_timestamp_column",
    "timestampFormat": "timestamp_format",
    "delimiter": "delimiter",
    "encoding": "encoding",
}
FORM_FIELDS = {"file", "datasetName", *MAPPING_FIELDS}
CHUNK = 1024 * 1024
MAX_NAME = 500  # the width of the stored name
DatasetId = Annotated[
    str, Path(alias="datasetId", max_length=64, description="The dataset, as uploaded")
]


def dataset_view(dataset: Dataset) -> dict[str, Any]:
    stats, checks = dataset.statistics, dataset.validation
    return {
        "datasetId": dataset.id,
        "datasetName": dataset.name,
        "format": dataset.source_format,
        "originalFilename": dataset.original_filename,
        "caseCount": stats["caseCount"],
        "eventCount": stats["eventCount"],
        "activityCount": stats["activityCount"],
        "resourceCount": stats["resourceCount"],
        "hasStartTimestamps": stats["hasStartTimestamps"],
        "timeRange": stats["timeRange"],
        "dataQualityScore": checks["dataQualityScore"],
        "rowsTotal": checks["rowsTotal"],
        "skippedRowsCount": checks["skippedRowsCount"],
        "issueCounts": checks["issueCounts"],
        "rowIssues": checks["rowIssues"],
        "rowIssuesTruncated": checks["issuesTruncated"],
        "mapping": dataset.mapping,
        "sizeBytes": dataset.size_bytes,
        "derivedFrom": dataset.derived_from,
        "createdAt": iso(dataset.created_at),
    }


def _mapping(form: dict[str, str]) -> CsvMapping | None:
    given = {MAPPING_FIELDS[k]: v for k, v in form.items() if k in MAPPING_FIELDS and v != ""}
    required = ("case_column", "activity_column", "timestamp_column")
    if not any(k in given for k in required):
        return None
    missing = [k for k, v in MAPPING_FIELDS.items() if v in required and v not in given]
    if missing:
        raise InvalidInput(
            "The column mapping is incomplete.",
            errors=[{"field": f, "reason": "required with a column mapping"} for f in missing],
        )
    if "delimiter" in given and len(given["delimiter"]) != 1:
        raise InvalidInput(
            "The delimiter must be one character.",
            errors=[{"field": "delimiter", "reason": "must be one character"}],
        )
    return CsvMapping(**given)


async def _save(upload: UploadFile, target: FilePath, limit: int) -> None:
    written = 0
    with target.open("wb") as handle:
        while chunk := await upload.read(CHUNK):
            written += len(chunk)
            if written > limit:
                raise PayloadTooLarge(f"The upload exceeds {limit} bytes.")
            handle.write(chunk)


@router.post(
    "",
    status_code=201,
    operation_id="uploadDataset",
    response_model=None,
    responses=answers(
        DatasetAnswer,
        *AUTHENTICATED,
        413,
        422,
        status=201,
        headers={"Location": LOCATION},
        e422="The file cannot be read as an event log with this mapping.",
    ),
    openapi_extra=UPLOAD_BODY,
)
async def upload_dataset(
    request: Request, principal: PrincipalDep, datasets: DatasetsDep, settings: SettingsDep
) -> JSONResponse:
    """Upload an event log (CSV with its column mapping, XES, or Parquet)."""
    declared = int(request.headers.get("content-length") or 0)
    if declared > settings.max_upload_bytes:
        raise PayloadTooLarge(f"The upload exceeds {settings.max_upload_bytes} bytes.")
    try:
        form = await request.form(max_files=1, max_fields=len(FORM_FIELDS))
    except Exception as error:  # the multipart parser's errors carry no common base
        raise InvalidInput(f"The multipart body cannot be read: {error}") from None
    try:
        dataset = await _create(form, principal.scope, datasets, settings.max_upload_bytes)
    finally:
        await form.close()
    location = (
        f"/api/{principal.scope.tenant_id}/{principal.scope.project_id}/datasets/{dataset.id}"
    )
    return JSONResponse(dataset_view(dataset), status_code=201, headers={"Location": location})


async def _create(form: FormData, scope: Scope, datasets: DatasetService, limit: int) -> Dataset:
    unknown = sorted(set(form.keys()) - FORM_FIELDS)
    if unknown:
        raise InvalidInput(
            "Unknown form fields.", errors=[{"field": f, "reason": "not accepted"} for f in unknown]
        )
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise InvalidInput("A file is required.", errors=[{"field": "file", "reason": "missing"}])
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    refuse_nul(fields)
    mapping = _mapping(fields)
    name = fields.get("datasetName") or upload.filename
    if len(name) > MAX_NAME:
        field = "datasetName" if fields.get("datasetName") else "file"
        raise InvalidInput(
            "The dataset name is too long.",
            errors=[{"field": field, "reason": f"at most {MAX_NAME} characters"}],
        )
    stored = stored_name(upload.filename)
    folder = datasets.upload_dir()
    try:
        target = folder / stored
        await _save(upload, target, limit)
        return await run_in_threadpool(
            datasets.create, scope, target, upload.filename, name, mapping
        )
    finally:
        DatasetService.discard(folder)


@router.get(
    "",
    operation_id="listDatasets",
    response_model=None,
    responses=answers(DatasetPage, *AUTHENTICATED),
)
def list_datasets(
    principal: PrincipalDep,
    datasets: DatasetsDep,
    page: PageNumber = 1,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """Datasets of the project, newest first."""
    items, total = datasets.database.datasets.page(principal.scope, page, page_size)
    return {
        "datasets": [dataset_view(d) for d in items],
        "totalDatasets": total,
        "page": page,
        "pageSize": page_size,
        "hasNextPage": page * page_size < total,
    }


@router.get(
    "/{datasetId}",
    operation_id="getDataset",
    response_model=None,
    responses=answers(DatasetAnswer, *AUTHENTICATED),
)
def get_dataset(
    dataset_id: DatasetId, principal: PrincipalDep, datasets: DatasetsDep
) -> dict[str, Any]:
    """One dataset: statistics, validation findings and mapping."""
    return dataset_view(datasets.database.datasets.get(principal.scope, dataset_id))


@router.delete(
    "/{datasetId}",
    status_code=204,
    operation_id="deleteDataset",
    responses={
        204: {"description": "Deleted."},
        **problems(*AUTHENTICATED, 409, e409="An active operation uses the dataset."),
    },
)
def delete_dataset(
    dataset_id: DatasetId, principal: PrincipalDep, datasets: DatasetsDep
) -> Response:
    """Delete a dataset; 409 while an active operation uses it."""
    datasets.delete(principal.scope, dataset_id)
    return Response(status_code=204)
