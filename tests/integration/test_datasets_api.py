"""Dataset upload, validation findings, listing, deletion and isolation."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from minerun.config import Settings
from tests.support.api import Api, running_api

CSV = (
    "case,activity,time,who\n"
    "c1,register,2024-01-01T10:00:00Z,ann\n"
    "c1,check,2024-01-01T11:00:00Z,bob\n"
    "c1,decide,2024-01-01T12:30:00Z,ann\n"
    "c2,register,2024-01-02T09:00:00Z,ann\n"
    "c2,decide,not-a-time,bob\n"
    "c2,decide,2024-01-02T10:00:00Z,bob\n"
    ",check,2024-01-02T10:00:00Z,bob\n"
)
MAPPING = {"caseIdColumn": "case", "activityColumn": "activity", "timestampColumn": "time"}


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    with running_api(settings, worker=False) as api:
        yield api


def upload(api: Api, name: str, content: bytes, **form: str) -> Any:
    return api.client.post(
        f"/api/{api.scope.tenant_id}/{api.scope.project_id}/datasets",
        files={"file": (name, content)},
        data=form,
        headers=api.headers,
    )


def test_a_csv_upload_reports_counts_and_row_issues(api: Api) -> None:
    response = upload(
        api, "log.csv", CSV.encode(), datasetName="demo", resourceColumn="who", **MAPPING
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["caseCount"], body["eventCount"], body["activityCount"]) == (2, 5, 3)
    assert body["skippedRowsCount"] == 2
    assert body["timeRange"] == {"start": "2024-01-01T10:00:00Z", "end": "2024-01-02T10:00:00Z"}
    issues = {(i["row"], i["errorType"], i["outcome"]) for i in body["rowIssues"]}
    assert (5, "invalid_timestamp", "skipped") in issues
    assert (7, "missing_case_id", "skipped") in issues
    assert body["issueCounts"] == {"invalid_timestamp": 1, "missing_case_id": 1}
    assert 0 < body["dataQualityScore"] < 100
    assert response.headers["location"].endswith(body["datasetId"])
    again = api.client.get(response.headers["location"], headers=api.headers).json()
    assert again == body


def test_gzipped_csv_and_parquet_round_trip(api: Api, tmp_path: Path) -> None:
    gz = upload(api, "log.csv.gz", gzip.compress(CSV.encode()), **MAPPING)
    assert gz.status_code == 201 and gz.json()["eventCount"] == 5
    frame = pl.DataFrame(
        {
            "case": ["a", "a", "b"],
            "activity": ["x", "y", "x"],
            "time": ["2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z", "2024-01-01T02:00:00Z"],
        }
    )
    path = tmp_path / "log.parquet"
    frame.write_parquet(path)
    parquet = upload(api, "log.parquet", path.read_bytes(), **MAPPING)
    assert parquet.status_code == 201, parquet.text
    assert parquet.json()["caseCount"] == 2


def test_real_logs_in_every_format(api: Api, shared_data: Path) -> None:
    xes = upload(api, "running-example.xes", (shared_data / "running-example.xes").read_bytes())
    assert xes.status_code == 201 and xes.json()["eventCount"] == 42
    receipt = upload(api, "receipt.xes.gz", (shared_data / "receipt.xes.gz").read_bytes())
    assert receipt.json()["caseCount"] == 1434
    sepsis = upload(
        api,
        "sepsis.csv",
        (shared_data / "sepsis.csv").read_bytes(),
        delimiter=";",
        caseIdColumn="Case ID",
        activityColumn="Activity",
        timestampColumn="Complete Timestamp",
    )
    assert sepsis.status_code == 201, sepsis.text
    body = sepsis.json()
    assert body["caseCount"] == 1050
    # Its 7 exact repeats are reported and kept: every row is an event.
    assert (body["eventCount"], body["skippedRowsCount"]) == (15214, 0)
    assert body["issueCounts"] == {"duplicate_event": 7}


@pytest.mark.parametrize(
    ("name", "content", "form", "status", "field"),
    [
        ("log.csv", CSV.encode(), {}, 400, "caseIdColumn"),
        ("log.csv", CSV.encode(), {"caseIdColumn": "case"}, 400, "activityColumn"),
        ("log.csv", CSV.encode(), {**MAPPING, "activityColumn": "nope"}, 422, "activityColumn"),
        ("log.csv", CSV.encode("utf-16"), MAPPING, 422, "encoding"),
        ("log.csv", b"", MAPPING, 422, "file"),
        ("log.xes", b"<log><trace><event>", {}, 422, "file"),
        ("log.txt", b"hello", {}, 400, "file"),
        ("log.csv", CSV.encode(), {**MAPPING, "surprise": "1"}, 400, "surprise"),
        ("log.csv", CSV.encode(), {**MAPPING, "delimiter": ";;"}, 400, "delimiter"),
    ],
)
def test_bad_uploads_get_a_clear_problem(
    api: Api, name: str, content: bytes, form: dict[str, str], status: int, field: str
) -> None:
    response = upload(api, name, content, **form)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in {e["field"] for e in response.json()["errors"]}


def test_a_missing_file_part_is_400(api: Api) -> None:
    response = api.client.post(
        f"/api/{api.scope.tenant_id}/{api.scope.project_id}/datasets",
        data=MAPPING,
        headers=api.headers,
    )
    assert response.status_code == 400


def test_uploads_over_the_limit_are_413(settings: Settings) -> None:
    with running_api(settings.model_copy(update={"max_upload_bytes": 100}), worker=False) as api:
        response = upload(api, "log.csv", CSV.encode() * 10, **MAPPING)
        assert response.status_code == 413


def test_list_delete_and_conflict_with_active_operations(api: Api) -> None:
    first = upload(api, "a.csv", CSV.encode(), **MAPPING).json()
    second = upload(api, "b.csv", CSV.encode(), **MAPPING).json()
    url = f"/api/{api.scope.tenant_id}/{api.scope.project_id}/datasets"
    listing = api.client.get(f"{url}?pageSize=1", headers=api.headers).json()
    assert listing["totalDatasets"] == 2 and listing["hasNextPage"] is True
    api.start(parameters={"datasetId": first["datasetId"]})
    busy = api.client.delete(f"{url}/{first['datasetId']}", headers=api.headers)
    assert busy.status_code == 409
    assert api.client.delete(f"{url}/{second['datasetId']}", headers=api.headers).status_code == 204
    assert api.client.get(f"{url}/{second['datasetId']}", headers=api.headers).status_code == 404


def test_datasets_are_invisible_to_other_tenants(api: Api) -> None:
    dataset = upload(api, "a.csv", CSV.encode(), **MAPPING).json()
    app = api.client.app
    other_tenant = "99999999-9999-4999-8999-999999999999"
    _r, token = app.state.database.tokens.create(other_tenant, None, "other")  # type: ignore[attr-defined]
    headers = {"Authorization": f"Bearer {token}"}
    own = f"/api/{other_tenant}/{api.scope.project_id}/datasets"
    assert api.client.get(f"{own}/{dataset['datasetId']}", headers=headers).status_code == 404
    assert api.client.get(own, headers=headers).json()["datasets"] == []
