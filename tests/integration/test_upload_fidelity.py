"""Every event of an uploaded log reaches the analysis: pm4py's figures through the API.

Each shared log (and a generated one with exact repeated rows) is uploaded, analysed by a
ProcessMiningAnalysis run by the worker, and its ``eventCount``, directly-follows graph,
start and end activities and variants are compared with pm4py's on the same file. One API
with its worker serves the whole module, so slot start-up is paid once; the figures do not
depend on the database, which the other dataset tests cover on both backends.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from minerun.config import Settings
from tests.conftest import SHARED_DATA, TEST_KINDS
from tests.support.api import Api, running_api
from tests.support.reference import SHARED_LOGS, pm4py_frame

pm4py = pytest.importorskip("pm4py")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.pm4py,
    pytest.mark.filterwarnings("ignore:Install the optional requirement:UserWarning"),
]

# Discovery only, no replay and only the CSV exports: what is compared, and nothing slower.
PARAMETERS = {
    "analysisType": "discovery",
    "algorithmSettings": {"algorithm": "heuristics", "performanceOptimization": "high_throughput"},
    "outputOptions": {"exportFormats": ["CSV"], "createVisualizations": False},
}
REPEATED = (
    "case,activity,time,who\n"
    "c1,register,2024-01-01T10:00:00Z,ann\n"
    "c1,check,2024-01-01T11:00:00Z,bob\n"
    "c1,check,2024-01-01T11:00:00Z,bob\n"
    "c1,decide,2024-01-01T12:00:00Z,ann\n"
    "c2,register,2024-01-02T09:00:00Z,ann\n"
    "c2,check,2024-01-02T09:30:00Z,bob\n"
    "c2,decide,2024-01-02T10:00:00Z,ann\n"
    "c3,register,2024-01-03T09:00:00Z,ann\n"
    "c3,register,2024-01-03T09:00:00Z,ann\n"
    "c3,register,2024-01-03T09:00:00Z,ann\n"
    "c3,decide,2024-01-03T10:00:00Z,cem\n"
)
REPEATED_FORM = {"caseIdColumn": "case", "activityColumn": "activity", "timestampColumn": "time"}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    root = tmp_path_factory.mktemp("fidelity")
    settings = Settings(
        data_dir=root / "data",
        database_url=f"sqlite:///{root / 'minerun.db'}",
        worker_slots=1,
        poll_seconds=0.1,
        heartbeat_seconds=0.5,
        kind_modules=TEST_KINDS,
    )
    with running_api(settings) as api:
        yield api


def upload(api: Api, path: Path, form: dict[str, str]) -> dict[str, Any]:
    response = api.client.post(
        f"/api/{api.scope.tenant_id}/{api.scope.project_id}/datasets",
        files={"file": (path.name, path.read_bytes())},
        data=form,
        headers=api.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def analyse(api: Api, dataset_id: str) -> dict[str, Any]:
    op = api.start(
        operationType="ProcessMiningAnalysis", parameters={"datasetId": dataset_id, **PARAMETERS}
    )
    done = api.wait_status(op["operationId"], timeout=600)
    assert done["status"] == "Completed", done.get("lastError")
    url = f"{api.base}/operation/{op['operationId']}/results?format=detailed"
    return api.client.get(url, headers=api.headers).json()  # type: ignore[no-any-return]


def variants_csv(api: Api, results: dict[str, Any]) -> dict[str, int]:
    (link,) = [a["downloadUrl"] for a in results["artifacts"] if a["name"] == "Process Variants"]
    text = api.client.get(link).text
    return {row["activities"]: int(row["cases"]) for row in csv.DictReader(io.StringIO(text))}


def assert_same_as_pm4py(
    api: Api, path: Path, form: dict[str, str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Upload, analyse and compare with pm4py; the dataset and the results, for more checks."""
    reference = pm4py_frame(path, form)
    dataset = upload(api, path, form)
    assert dataset["eventCount"] == len(reference)
    results = analyse(api, dataset["datasetId"])
    assert results["summary"]["recordsAnalyzed"] == len(reference)
    found = next(
        p["results"] for p in results["phaseResults"] if p["phaseName"] == "Process Discovery"
    )
    dfg, starts, ends = pm4py.discover_dfg(reference)
    assert found["startActivities"] == dict(starts)
    assert found["endActivities"] == dict(ends)
    # The answer lists the busiest edges (up to its limit), each with its count.
    assert found["processModel"]["transitions"] == len(dfg)
    shown = found["directlyFollows"]
    ranked = sorted(dfg.items(), key=lambda item: (-item[1], item[0]))[: len(shown)]
    assert [((e["source"], e["target"]), e["frequency"]) for e in shown] == ranked
    assert len(shown) == min(len(dfg), 500)
    expected = {
        " -> ".join(variant): count if isinstance(count, int) else len(count)
        for variant, count in pm4py.get_variants(reference).items()
    }
    assert found["processVariants"] == len(expected)
    assert variants_csv(api, results) == expected
    return dataset, results


@pytest.mark.parametrize("name", list(SHARED_LOGS))
def test_a_shared_log_through_the_api_gives_pm4py_figures(api: Api, name: str) -> None:
    path = SHARED_DATA / name
    if not path.is_file():
        pytest.skip(f"shared log {path} is absent (set MINERUN_SHARED_DATA)")
    assert_same_as_pm4py(api, path, SHARED_LOGS[name])


def test_repeated_rows_are_kept_and_reported(api: Api, tmp_path: Path) -> None:
    path = tmp_path / "repeated.csv"
    path.write_text(REPEATED)
    dataset, results = assert_same_as_pm4py(api, path, REPEATED_FORM)
    assert (dataset["eventCount"], dataset["skippedRowsCount"]) == (11, 0)
    assert dataset["issueCounts"] == {"duplicate_event": 3}
    repeats = [i for i in dataset["rowIssues"] if i["errorType"] == "duplicate_event"]
    assert [(i["row"], i["outcome"]) for i in repeats] == [(3, "kept"), (9, "kept"), (10, "kept")]
    assert "row 2" in repeats[0]["message"] and "row 8" in repeats[2]["message"]
    loading = results["phaseResults"][0]["results"]
    assert (loading["validRecords"], loading["errorRecords"]) == (11, 0)
    assert loading["validationErrors"] == [
        {"type": "Duplicate Event", "count": 3, "resolved": False}
    ]
