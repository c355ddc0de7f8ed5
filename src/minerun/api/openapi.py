"""The OpenAPI document: what each route answers, how to authenticate, what the service sends.

Routes declare their answers with :func:`answers` (the success model and the problem codes
they really give) and keep returning the views they always returned: ``responses=`` documents
a schema without filtering the answer (see docs/design-notes.md). :func:`document` then adds
what is common to every route: the bearer scheme, problem details as the default answer, the
examples recorded from a real run (``openapi_examples.json``, written by
``tests/support/capture_answers.py``) and the ``webhooks:`` that subscribers receive.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from minerun.api.answers_events import EVENTS, SIGNATURE_HEADERS
from minerun.api.errors import PROBLEM, PROBLEM_SCHEMA

DESCRIPTION = """\
Start an operation, follow its progress, read its results; upload event logs; subscribe to
signed webhooks. Every route under `/api/{tenantId}/{projectId}` takes a project token as
`Authorization: Bearer <token>` (press **Authorize**). Errors are RFC 9457 problem details
(`application/problem+json`); an invalid request answers 400 with the offending fields in
`errors`. The payloads sent to subscribers are described under `webhooks`.
"""

BEARER = "bearerAuth"
AUTHENTICATED = (400, 401, 404)
"""Codes every authenticated route may answer: a tenant or project id that is not a GUID,
no valid token, a tenant or project the token does not reach."""

_PROBLEMS = {
    400: "The request is not valid; `errors` names each offending field and why.",
    401: "No valid bearer token (`WWW-Authenticate` says how to send one).",
    404: "Not found in this project (or not reachable with this token).",
    409: "The resource is not in a state that allows this request.",
    413: "The request body is larger than the service accepts.",
    422: "The request is well formed but its content cannot be used.",
}
_REF = "#/components/schemas/{model}"
BINARY: dict[str, Any] = {"schema": {"type": "string", "format": "binary"}}
"""A file in an answer."""


def problems(*codes: int, **notes: str) -> dict[int | str, dict[str, Any]]:
    """Problem-details answers for ``codes``; ``notes`` (``e409=...``) say when one occurs."""
    return {
        code: {
            "description": notes.get(f"e{code}", _PROBLEMS[code]),
            "content": {PROBLEM: {"schema": {"$ref": _REF.format(model="Problem")}}},
        }
        for code in codes
    }


def answers(
    model: type[BaseModel],
    *codes: int,
    status: int = 200,
    headers: dict[str, dict[str, Any]] | None = None,
    **notes: str,
) -> dict[int | str, dict[str, Any]]:
    """The success answer ``model`` (JSON) with its ``headers``, and the problem answers
    ``codes``."""
    success: dict[str, Any] = {
        "model": model,
        "description": (model.__doc__ or model.__name__).strip(),
    }
    if headers:
        success["headers"] = headers
    return {status: success, **problems(*codes, **notes)}


LOCATION = {
    "description": "The path of the resource made (for a retry: of the new operation)",
    "schema": {"type": "string"},
}
REPLAYED = {
    "description": "'true' when this is the stored answer to an earlier request with the "
    "same Idempotency-Key",
    "schema": {"type": "string", "enum": ["true"]},
}


UPLOAD_FORM: dict[str, Any] = {
    "title": "DatasetUpload",
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {
            "type": "string",
            "format": "binary",
            "description": "The event log: CSV (with the column mapping), XES (optionally "
            "gzipped) or Parquet.",
        },
        "datasetName": {"type": "string", "maxLength": 500},
        "caseIdColumn": {"type": "string"},
        "activityColumn": {"type": "string"},
        "timestampColumn": {"type": "string"},
        "resourceColumn": {"type": "string"},
        "startTimestampColumn": {"type": "string"},
        "timestampFormat": {"type": "string"},
        "delimiter": {"type": "string", "minLength": 1, "maxLength": 1},
        "encoding": {"type": "string"},
    },
}
UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {"schema": {"$ref": _REF.format(model="DatasetUpload")}}
        },
    }
}
"""The multipart form the upload route reads itself (so that it can stream the file)."""


def document(openapi: dict[str, Any]) -> dict[str, Any]:
    """Complete FastAPI's document with what no single route declares."""
    components = openapi.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas["DatasetUpload"] = UPLOAD_FORM
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    components["securitySchemes"] = {
        BEARER: {
            "type": "http",
            "scheme": "bearer",
            "description": "A project token, made with `minerun tokens create`.",
        }
    }
    openapi["security"] = [{BEARER: []}]
    default = {
        "description": "An error, as RFC 9457 problem details",
        "content": {PROBLEM: {"schema": {"$ref": _REF.format(model="Problem")}}},
    }
    examples = _examples()
    for methods in openapi.get("paths", {}).values():
        for operation in methods.values():
            responses = operation.setdefault("responses", {})
            if not _is_problem(responses.get("422")):
                # FastAPI's own 422 describes answers this API never gives: invalid requests
                # answer 400 problem details.
                responses.pop("422", None)
            responses["default"] = default
            _attach_examples(operation, examples)
    openapi["webhooks"] = _webhooks(schemas, examples.get("event", {}))
    return openapi


def _is_problem(answer: dict[str, Any] | None) -> bool:
    return answer is not None and PROBLEM in answer.get("content", {})


def _attach_examples(operation: dict[str, Any], examples: dict[str, Any]) -> None:
    name = operation.get("operationId", "")
    for code, answer in operation.get("responses", {}).items():
        content = answer.get("content", {})
        if code.startswith("2") and name in examples and "application/json" in content:
            content["application/json"]["examples"] = {
                label: {"value": value} for label, value in examples[name].items()
            }
        elif code == "404" and "problem.404" in examples and PROBLEM in content:
            content[PROBLEM]["example"] = examples["problem.404"]


@cache
def _examples() -> dict[str, dict[str, Any]]:
    """Recorded answers by operationId, each under a label ("getOperation.completed" is
    the completed example of getOperation); event payloads under "event", by type."""
    recorded = json.loads(
        resources.files("minerun.api").joinpath("openapi_examples.json").read_text()
    )
    grouped: dict[str, dict[str, Any]] = {}
    for key, value in recorded.items():
        name, _, label = key.partition(".")
        grouped.setdefault(name, {})[label or "recorded"] = value
    return grouped


def _webhooks(schemas: dict[str, Any], examples: dict[str, Any]) -> dict[str, Any]:
    """One entry per event: its payload (with the one recorded, where the recording run
    produced such an event), the signature headers, and what the answer means."""
    models = [(model, "serialization") for model, _ in EVENTS.values()]
    refs, definitions = models_json_schema(models, ref_template=_REF)  # type: ignore[arg-type]
    for name, schema in definitions.get("$defs", {}).items():
        schemas.setdefault(name, schema)
    headers = [
        {
            "name": name,
            "in": "header",
            "required": True,
            "description": text,
            "schema": {"type": "string"},
        }
        for name, text in SIGNATURE_HEADERS.items()
    ]
    return {
        event: {
            "post": {
                "operationId": "on" + "".join(p.capitalize() for p in event.split(".")),
                "summary": event,
                "description": when,
                "parameters": headers,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": refs[(model, "serialization")],
                            **({"example": examples[event]} if event in examples else {}),
                        }
                    },
                },
                "responses": {
                    "2XX": {"description": "Delivered; any other answer is retried."},
                },
            }
        }
        for event, (model, when) in EVENTS.items()
    }
