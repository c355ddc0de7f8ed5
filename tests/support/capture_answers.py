"""Record real answers of every documented route, for the OpenAPI examples.

    PYTHONPATH=src python -m tests.support.capture_answers [OUTPUT]

Runs the API with its worker on a fresh SQLite database, uploads the shared running-example
log, analyses it, cancels and retries a second run, registers a webhook, and writes each
answer under its ``operationId`` (default ``src/minerun/api/openapi_examples.json``), with
the payloads the run wrote for the webhook and every secret redacted. The examples of the
document are these answers, so they are whatever the service really says.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import select

from minerun.config import Settings
from minerun.notify.events import EVENT_TYPES
from minerun.store import tables_notify as tn
from tests.conftest import SHARED_DATA
from tests.support.api import Api, running_api
from tests.support.factory import wait_for

OUTPUT = Path(__file__).resolve().parents[2] / "src" / "minerun" / "api" / "openapi_examples.json"
LOG = SHARED_DATA / "running-example.xes"
REDACTED = "whsec_<redacted>"


def capture(api: Api) -> dict[str, Any]:
    client, headers, base = api.client, api.headers, api.base
    answers: dict[str, Any] = {}

    def keep(name: str, response: Any, status: int = 200) -> Any:
        assert response.status_code == status, (name, response.status_code, response.text)
        answers[name] = response.json()
        return answers[name]

    answers["getLiveness"] = client.get("/healthz").json()
    answers["getReadiness"] = client.get("/readyz").json()
    datasets = f"/api/{api.scope.tenant_id}/{api.scope.project_id}/datasets"
    with LOG.open("rb") as handle:
        uploaded = client.post(
            datasets,
            files={"file": (LOG.name, handle, "application/xml")},
            data={"datasetName": "running-example"},
            headers=headers,
        )
    dataset = keep("uploadDataset", uploaded, 201)
    keep("getDataset", client.get(f"{datasets}/{dataset['datasetId']}", headers=headers))
    keep("listDatasets", client.get(datasets, headers=headers))
    hook = keep(
        "createWebhook",
        client.post(
            f"{base}/webhooks",
            json={
                "webhookUrl": "https://hooks.example.com/minerun",
                "webhookName": "Analytics team",
                "events": list(EVENT_TYPES),
                "filters": {"priorities": ["High", "Critical"]},
            },
            headers=headers,
        ),
        201,
    )
    hook_id = hook["webhookId"]
    keep("getWebhook", client.get(f"{base}/webhooks/{hook_id}", headers=headers))
    keep("listWebhooks", client.get(f"{base}/webhooks", headers=headers))
    keep("testWebhook", client.post(f"{base}/webhooks/{hook_id}/test", headers=headers), 202)
    # The ping's first attempt (the host does not resolve here, so it fails and is retried).
    wait_for(
        lambda: client.get(f"{base}/webhooks/{hook_id}/deliveries", headers=headers).json()[
            "deliveries"
        ],
        120,
    )
    keep("getSigningSecret", client.get(f"{base}/signing-secret", headers=headers))
    body = {
        "operationType": "ProcessMiningAnalysis",
        "operationName": "Running example",
        "priority": "High",
        "parameters": {"datasetId": dataset["datasetId"]},
    }
    started = keep(
        "startOperation", client.post(f"{base}/operation", json=body, headers=headers), 202
    )
    operation_id = started["operationId"]
    wait_for(lambda: api.status(operation_id)["status"] == "Running", 120)
    keep("getOperation", client.get(f"{base}/operation/{operation_id}", headers=headers))
    api.wait_status(operation_id, timeout=600)
    answers["getOperation.completed"] = api.status(operation_id)
    results = keep(
        "getOperationResults",
        client.get(f"{base}/operation/{operation_id}/results", headers=headers),
    )
    answers["getOperationResults.detailed"] = client.get(
        f"{base}/operation/{operation_id}/results?format=detailed", headers=headers
    ).json()
    assert results["artifacts"], "the analysis produces files"
    doomed = client.post(f"{base}/operation", json=body, headers=headers).json()["operationId"]
    keep(
        "cancelOperation",
        client.request(
            "DELETE",
            f"{base}/operation/{doomed}",
            json={"reason": "Parameters to be changed"},
            headers=headers,
        ),
    )
    retried = keep(
        "retryOperation",
        client.post(
            f"{base}/operation/{doomed}/retry",
            json={"retryMode": "restart"},
            headers=headers,
        ),
        202,
    )
    keep("listOperations", client.get(f"{base}/operations", headers=headers))
    api.wait_status(retried["newOperationId"], timeout=600)
    deliveries = keep(
        "listWebhookDeliveries",
        client.get(f"{base}/webhooks/{hook_id}/deliveries", headers=headers),
    )
    if deliveries["deliveries"]:
        delivery = deliveries["deliveries"][0]["deliveryId"]
        keep(
            "redeliverWebhookDelivery",
            client.post(
                f"{base}/webhooks/{hook_id}/deliveries/{delivery}/redeliver", headers=headers
            ),
            202,
        )
    keep(
        "updateWebhook",
        client.patch(f"{base}/webhooks/{hook_id}", json={"status": "Paused"}, headers=headers),
    )
    answers.update(_events(api, hook_id))
    keep("rotateSigningSecret", client.post(f"{base}/signing-secret/rotate", headers=headers))
    missing = client.get(f"{base}/operation/00000000-0000-0000-0000-000000000000", headers=headers)
    answers["problem.404"] = missing.json()
    return answers


def _events(api: Api, hook_id: str) -> dict[str, Any]:
    """The first payload of each event type written for the subscription, as sent."""
    events = tn.outbox_events.c
    query = (
        select(events.event_type, events.body)
        .where(events.subscription_id == hook_id)
        .order_by(events.seq)
    )
    with api.client.app.state.database.engine.connect() as conn:  # type: ignore[attr-defined]
        rows = conn.execute(query).all()
    found: dict[str, Any] = {}
    for event_type, body in rows:
        found.setdefault(f"event.{event_type}", json.loads(body))
    return found


def _redact(value: Any) -> Any:
    """The answers with every secret replaced: a real one must not end up in the document,
    even one of a database thrown away."""
    if isinstance(value, dict):
        return {
            k: REDACTED if k == "secret" and isinstance(v, str) else _redact(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redact(v) for v in value]
    return value


def main() -> None:
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(
            data_dir=Path(directory) / "data",
            database_url=f"sqlite:///{directory}/minerun.db",
            worker_slots=1,
            public_base_url="https://minerun.example.com",
        )
        with running_api(settings) as api:
            answers = capture(api)
    output.write_text(json.dumps(_redact(answers), indent=1, ensure_ascii=False) + "\n")
    print(f"{len(answers)} answers written to {output}")


if __name__ == "__main__":
    main()
