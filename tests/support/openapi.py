"""Reading the API's OpenAPI document in tests: find an operation, validate an answer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema_rs


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) of every documented route."""
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield method, path, operation


def operation(document: dict[str, Any], operation_id: str) -> dict[str, Any]:
    (found,) = [op for _, _, op in operations(document) if op["operationId"] == operation_id]
    return found


def answer_errors(
    document: dict[str, Any],
    operation_id: str,
    status: int,
    body: Any,
    media_type: str = "application/json",
) -> list[str]:
    """Why ``body`` does not match what ``operation_id`` declares for ``status`` (none: it does).

    Formats are checked too (``date-time`` values must be RFC 3339 times).
    """
    answers = operation(document, operation_id)["responses"]
    declared = answers.get(str(status))
    assert declared is not None, f"{operation_id} does not declare {status}"
    return schema_errors(document, declared["content"][media_type]["schema"], body)


def schema_errors(document: dict[str, Any], schema: dict[str, Any], body: Any) -> list[str]:
    """Why ``body`` does not match ``schema``, whose references point into ``document``."""
    validator = jsonschema_rs.validator_for(
        {**schema, "components": document["components"]}, validate_formats=True
    )
    return [f"{error.instance_path}: {error.message}" for error in validator.iter_errors(body)]
