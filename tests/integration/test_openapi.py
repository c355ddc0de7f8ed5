"""The OpenAPI document describes the API as it really answers.

It declares the bearer scheme, readable operation ids, the problem answers each route gives,
the upload form and every path parameter; and real answers, taken on both databases from a
run with a worker, validate against the schemas it declares for them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from minerun.api.errors import PROBLEM
from minerun.config import Settings
from minerun.notify.events import EVENT_TYPES, TEST
from tests.conftest import fast_settings
from tests.support.api import Api, running_api
from tests.support.openapi import answer_errors, operation, operations, schema_errors

OPERATION_IDS = {
    "startOperation",
    "getOperation",
    "listOperations",
    "cancelOperation",
    "retryOperation",
    "getOperationResults",
    "downloadArtifact",
    "uploadDataset",
    "listDatasets",
    "getDataset",
    "deleteDataset",
    "createWebhook",
    "listWebhooks",
    "getWebhook",
    "updateWebhook",
    "deleteWebhook",
    "listWebhookDeliveries",
    "testWebhook",
    "redeliverWebhookDelivery",
    "getSigningSecret",
    "rotateSigningSecret",
    "getLiveness",
    "getReadiness",
}
# Codes beyond 400/401/404 that routes answer, and why (see api/errors.py for the mapping).
EXTRA_PROBLEMS = {
    "startOperation": {"409", "413", "422"},  # idempotency in progress, body size, dataset
    "cancelOperation": {"409"},  # already finished
    "retryOperation": {"409"},  # not Failed, Cancelled or Timeout
    "getOperationResults": {"409"},  # not finished
    "uploadDataset": {"413", "422"},  # file size, unreadable log
    "deleteDataset": {"409"},  # used by an active operation
}


class _Anything:
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = object.__hash__


ANY: Any = _Anything()
CSV = b"case,activity,time\n1,a,2024-01-01T00:00:00\n1,b,2024-01-01T01:00:00\n"


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    directory = tmp_path_factory.mktemp("openapi")
    settings = fast_settings(f"sqlite:///{directory / 'minerun.db'}", directory)
    with running_api(settings, worker=False) as api:
        answer = api.client.get("/openapi.json")
        assert answer.status_code == 200
        return answer.json()  # type: ignore[no-any-return]


def _api_operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    return ((m, p, op) for m, p, op in operations(document) if p.startswith("/api/"))


def test_the_bearer_scheme_guards_every_api_route(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes == {"bearerAuth": {"type": "http", "scheme": "bearer", "description": ANY}}
    assert document["security"] == [{"bearerAuth": []}]
    for _, path, op in _api_operations(document):
        names = {p["name"].lower() for p in op.get("parameters", [])}
        assert "authorization" not in names, f"{path}: the token is the scheme's, not a parameter"
        security = op.get("security", document["security"])
        assert {"bearerAuth": []} in security, path
        if op["operationId"] == "downloadArtifact":
            assert security == [{"bearerAuth": []}, {}], "a signed link needs no token"
    assert operation(document, "getLiveness")["security"] == []
    assert operation(document, "getReadiness")["security"] == []


def test_every_operation_has_a_readable_unique_id(document: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, _, op in operations(document)]
    assert len(ids) == len(set(ids))
    assert OPERATION_IDS <= set(ids)
    assert all(re.fullmatch(r"[a-z]+(?:[A-Z][a-z]+)*", i) for i in ids), ids


def test_errors_are_documented_as_problem_details_with_real_codes(
    document: dict[str, Any],
) -> None:
    assert "HTTPValidationError" not in document["components"]["schemas"]
    problem = {"$ref": "#/components/schemas/Problem"}
    for _, _path, op in _api_operations(document):
        answers = op["responses"]
        errors = {code for code in answers if code[0] in "45"}
        expected = {"400", "401", "404", *EXTRA_PROBLEMS.get(op["operationId"], set())}
        assert expected <= errors, f"{op['operationId']}: {sorted(errors)}"
        for code in [*errors, "default"]:
            assert answers[code]["content"] == {
                PROBLEM: {"schema": problem, **_example(answers, code)}
            }
    for code in ("409", "413", "422"):
        answer = operation(document, "startOperation")["responses"][code]
        assert answer["description"] and "Problem" in str(answer)


def _example(answers: dict[str, Any], code: str) -> dict[str, Any]:
    example = answers[code]["content"][PROBLEM].get("example")
    return {} if example is None else {"example": example}


def test_the_upload_declares_its_multipart_form(document: dict[str, Any]) -> None:
    body = operation(document, "uploadDataset")["requestBody"]
    assert body["required"] is True
    (media,) = body["content"]
    assert media == "multipart/form-data"
    form = document["components"]["schemas"]["DatasetUpload"]
    assert form["required"] == ["file"]
    assert form["properties"]["file"] == {**form["properties"]["file"], "format": "binary"}
    assert {"datasetName", "caseIdColumn", "activityColumn", "timestampColumn"} <= set(
        form["properties"]
    )


def test_every_path_parameter_is_declared(document: dict[str, Any]) -> None:
    for _, path, op in operations(document):
        in_path = set(re.findall(r"{(\w+)}", path))
        declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        assert declared == in_path, f"{op['operationId']}: {declared} for {path}"
        assert all(p["required"] for p in op.get("parameters", []) if p["in"] == "path"), op[
            "operationId"
        ]


def test_every_json_answer_has_a_schema(document: dict[str, Any]) -> None:
    for _, _, op in operations(document):
        for code, answer in op["responses"].items():
            json_body = answer.get("content", {}).get("application/json")
            if code.startswith("2") and json_body is not None:
                assert json_body["schema"].get("$ref"), f"{op['operationId']} {code}"
    artifact = operation(document, "downloadArtifact")["responses"]["200"]["content"]
    assert artifact["application/octet-stream"]["schema"]["format"] == "binary"
    results = operation(document, "getOperationResults")["responses"]["200"]["content"]
    assert set(results) == {"application/json", "application/zip"}


def test_made_resources_declare_their_location(document: dict[str, Any]) -> None:
    for name in ("startOperation", "retryOperation", "uploadDataset", "createWebhook"):
        (success,) = [a for c, a in operation(document, name)["responses"].items() if c[0] == "2"]
        assert "Location" in success["headers"], name
    started = operation(document, "startOperation")["responses"]["202"]["headers"]
    assert "Idempotent-Replayed" in started
    idempotency = [
        p for p in operation(document, "startOperation")["parameters"] if p["in"] == "header"
    ]
    assert [p["name"] for p in idempotency] == ["idempotency-key"]


def test_webhooks_describe_every_payload_sent(document: dict[str, Any]) -> None:
    webhooks = document["webhooks"]
    assert set(webhooks) == {*EVENT_TYPES, TEST}
    recorded = 0
    for event, item in webhooks.items():
        post = item["post"]
        schema = post["requestBody"]["content"]["application/json"]["schema"]
        model = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        assert model["properties"]["type"]["const"] == event
        assert {p["name"] for p in post["parameters"]} == {
            "webhook-id",
            "webhook-timestamp",
            "webhook-signature",
        }
        if "example" in post["requestBody"]["content"]["application/json"]:
            recorded += 1
            example = post["requestBody"]["content"]["application/json"]["example"]
            assert example["type"] == event
            assert not schema_errors(document, schema, example), event
    # The recording run has no failure nor timeout; every other event has its real payload.
    assert recorded >= len(webhooks) - 2


def test_the_recorded_examples_match_their_schemas(document: dict[str, Any]) -> None:
    seen = 0
    for _, _, op in operations(document):
        for code, answer in op["responses"].items():
            for name, example in (
                answer.get("content", {}).get("application/json", {}).get("examples", {}).items()
            ):
                seen += 1
                errors = answer_errors(document, op["operationId"], int(code), example["value"])
                assert not errors, f"{op['operationId']} {name}: {errors}"
    assert seen >= len(OPERATION_IDS) - 4  # downloads and deletions have no JSON example


def test_the_schemas_refuse_what_the_api_never_sends(document: dict[str, Any]) -> None:
    """The check is not vacuous: a missing field, a wrong type, a bad time each fail it."""
    (example,) = operation(document, "startOperation")["responses"]["202"]["content"][
        "application/json"
    ]["examples"].values()
    good = example["value"]
    assert not answer_errors(document, "startOperation", 202, good)
    without = {k: v for k, v in good.items() if k != "operationId"}
    assert answer_errors(document, "startOperation", 202, without)
    assert answer_errors(document, "startOperation", 202, {**good, "webhooksRegistered": "0"})
    assert answer_errors(document, "startOperation", 202, {**good, "dateCreated": "yesterday"})


# -- real answers -----------------------------------------------------------------------------


def test_real_answers_validate_against_the_declared_schemas(settings: Settings) -> None:
    with running_api(settings) as api:
        document = api.client.get("/openapi.json").json()
        checked = _exercise(api, document)
    assert checked >= 25


def _exercise(api: Api, document: dict[str, Any]) -> int:
    client, headers, base = api.client, api.headers, api.base
    checked = 0

    def check(operation_id: str, response: Any, status: int = 200) -> Any:
        nonlocal checked
        assert response.status_code == status, (operation_id, response.text)
        media = response.headers["content-type"].split(";")[0]
        errors = answer_errors(document, operation_id, status, response.json(), media)
        assert not errors, f"{operation_id} {status}: {errors}"
        declared = operation(document, operation_id)["responses"][str(status)]
        for header in ("Location", "Idempotent-Replayed"):
            if header in response.headers:
                assert header in declared.get("headers", {}), (operation_id, header)
        checked += 1
        return response.json()

    datasets = base.replace("/async", "/datasets")
    dataset = check(
        "uploadDataset",
        client.post(
            datasets,
            files={"file": ("log.csv", CSV, "text/csv")},
            data={"caseIdColumn": "case", "activityColumn": "activity", "timestampColumn": "time"},
            headers=headers,
        ),
        201,
    )
    check("getDataset", client.get(f"{datasets}/{dataset['datasetId']}", headers=headers))
    check("listDatasets", client.get(datasets, headers=headers))

    hook = check(
        "createWebhook",
        client.post(
            f"{base}/webhooks",
            json={"webhookUrl": "https://hooks.invalid/in", "events": ["operation.completed"]},
            headers=headers,
        ),
        201,
    )
    hook_path = f"{base}/webhooks/{hook['webhookId']}"
    check("getWebhook", client.get(hook_path, headers=headers))
    check("updateWebhook", client.patch(hook_path, json={"rotateSecret": True}, headers=headers))
    check("listWebhooks", client.get(f"{base}/webhooks", headers=headers))
    check("testWebhook", client.post(f"{hook_path}/test", headers=headers), 202)
    check("listWebhookDeliveries", client.get(f"{hook_path}/deliveries", headers=headers))
    check("getSigningSecret", client.get(f"{base}/signing-secret", headers=headers))
    check("rotateSigningSecret", client.post(f"{base}/signing-secret/rotate", headers=headers))

    started = check(
        "startOperation",
        client.post(
            f"{base}/operation",
            json={"operationType": "Steps", "parameters": {"records": 40, "sleep": 0.05}},
            headers=headers,
        ),
        202,
    )
    operation_id = started["operationId"]
    path = f"{base}/operation/{operation_id}"
    api.wait_phase(operation_id, 0)
    check("getOperation", client.get(path, headers=headers))
    check("listOperations", client.get(f"{base}/operations", headers=headers))
    check(
        "listOperations",
        client.get(f"{base}/operations", params={"includeDetails": "true"}, headers=headers),
    )
    check("cancelOperation", client.request("DELETE", path, json={}, headers=headers))
    retried = check("retryOperation", client.post(f"{path}/retry", json={}, headers=headers), 202)
    new_path = f"{base}/operation/{retried['newOperationId']}"
    api.wait_status(retried["newOperationId"])
    check("getOperation", client.get(new_path, headers=headers))
    check("listOperations", client.get(f"{base}/operations", headers=headers))
    results = check("getOperationResults", client.get(f"{new_path}/results", headers=headers))
    check(
        "getOperationResults",
        client.get(f"{new_path}/results", params={"format": "detailed"}, headers=headers),
    )
    artifact = client.get(results["artifacts"][0]["downloadUrl"])
    assert artifact.status_code == 200 and artifact.content

    failed = api.start(parameters={"failPhase": "Load", "failWith": "invalid"})["operationId"]
    api.wait_status(failed)
    check("getOperation", client.get(f"{base}/operation/{failed}", headers=headers))
    check("getOperationResults", client.get(f"{base}/operation/{failed}/results", headers=headers))

    for operation_id_, response, status in (
        ("getOperation", client.get(f"{base}/operation/op-none", headers=headers), 404),
        ("listOperations", client.get(f"{base}/operations?page=0", headers=headers), 400),
        ("getOperation", client.get(path), 401),
        ("cancelOperation", client.request("DELETE", path, json={}, headers=headers), 409),
        ("deleteDataset", client.delete(f"{datasets}/nothing", headers=headers), 404),
    ):
        check(operation_id_, response, status)
    return checked
