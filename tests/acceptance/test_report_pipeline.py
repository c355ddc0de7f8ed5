"""Upload → DataEnrichment → ProcessMiningAnalysis → ReportGeneration with real processes."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pptx import Presentation
from pypdf import PdfReader

from tests.acceptance.processes import PROJECT, TENANT, Cluster, Operations
from tests.support.logs import csv_log

pytestmark = pytest.mark.slow

MAPPING = {
    "caseIdColumn": "case",
    "activityColumn": "activity",
    "timestampColumn": "time",
    "resourceColumn": "who",
}
CHECK = "Проверка заявки"


@pytest.fixture
def cluster(database_url: str, tmp_path: Path) -> Iterator[Cluster]:
    with Cluster(database_url, tmp_path, {}) as cluster:
        yield cluster


def test_a_log_goes_from_upload_to_documents(cluster: Cluster) -> None:
    token = cluster.create_token()
    node = cluster.serve()
    ops = Operations.open(node, token)
    project = httpx.Client(
        base_url=f"{node.base_url}/api/{TENANT}/{PROJECT}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    try:
        text = csv_log(cases=120).replace(",check,", f",{CHECK},")
        uploaded = project.post(
            "/datasets", files={"file": ("log.csv", text.encode())}, data=MAPPING
        )
        assert uploaded.status_code == 201, uploaded.text

        def run(operation_type: str, **parameters: object) -> dict[str, object]:
            op_id = ops.start(dict(parameters), operationType=operation_type)
            done = ops.wait_status(op_id, "Completed", 240, cluster.logs)
            assert done["status"] == "Completed"
            return ops.results(op_id)

        cleaned = run(
            "DataEnrichment",
            datasetId=uploaded.json()["datasetId"],
            cleaningRules=["remove_duplicates", "fix_timestamps"],
        )
        new_dataset = cleaned["summary"]["datasetId"]  # type: ignore[index]
        analysis = run("ProcessMiningAnalysis", datasetId=new_dataset)
        report = run(
            "ReportGeneration",
            sourceOperationId=analysis["operationId"],
            reportType="executive_summary",
            exportFormats=["PDF", "PowerPoint", "HTML"],
        )
        assert report["summary"]["datasetId"] == new_dataset  # type: ignore[index]
        urls = {a["format"]: a["downloadUrl"] for a in report["artifacts"]}  # type: ignore[attr-defined]
        assert set(urls) == {"PDF", "PowerPoint", "HTML"}
        files = {
            fmt: httpx.get(url if url.startswith("http") else f"{node.base_url}{url}", timeout=60)
            for fmt, url in urls.items()
        }
        assert all(r.status_code == 200 for r in files.values())
        pdf = PdfReader(io.BytesIO(files["PDF"].content))
        assert "Executive summary" in pdf.pages[0].extract_text()
        assert CHECK in "".join(page.extract_text() for page in pdf.pages)
        deck = Presentation(io.BytesIO(files["PowerPoint"].content))
        titles = [s.shapes.title.text for s in deck.slides if s.shapes.title is not None]
        assert {"Key figures", "Process map", "Recommendations"} <= set(titles)
        assert CHECK in files["HTML"].text
    finally:
        project.close()
        ops.close()
