"""The OpenAPI document (`/openapi.json`, shown at `/docs`) as the gateway really answers.

FastAPI writes a 422 `HTTPValidationError` for every operation with parameters or a body;
the gateway answers those requests 400 problem+json (`gateway.api.app`). This module
replaces that 422 and adds what every operation shares, so each route only documents its
own answers (`gateway.api.responses`):

- 400 problem+json where a query parameter or a JSON body can fail its schema;
- 401 (with `WWW-Authenticate`) and 503 (database unreachable, with `Retry-After`) for every
  operation behind the bearer token (all of them read the database);
- 500 problem+json for every operation: an unexpected error is logged and answered so;
- problem+json with the `ProblemPayload` schema for every error response that names no
  body of its own;
- optional query parameters without FastAPI's `null` (a query string leaves them out).
"""
from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI

from gateway.api import responses
from gateway.problems import PROBLEM_JSON

_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")


def install_openapi(app: FastAPI) -> None:
    """Wrap `app.openapi` so the document is corrected once, when it is first asked for."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = corrected(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def corrected(spec: dict[str, Any]) -> dict[str, Any]:
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            _correct(operation)
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for model in responses.PROBLEM_MODELS:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    # FastAPI's own error shapes are gone from every operation: no orphans in the document.
    text = json.dumps(spec["paths"])
    for name in _FASTAPI_VALIDATION:
        if f"#/components/schemas/{name}" not in text:
            schemas.pop(name, None)
    return spec


def _correct(operation: dict[str, Any]) -> None:
    answers = operation.setdefault("responses", {})
    if _is_fastapi_validation(answers.get("422")):
        del answers["422"]
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "query":
            _without_null(parameter.get("schema", {}))
    query = any(p.get("in") == "query" for p in operation.get("parameters", []))
    json_body = "application/json" in operation.get("requestBody", {}).get("content", {})
    if query or json_body:
        answers.setdefault("400", responses.problem(
            "Ongeldig verzoek: een parameter of de JSON-body past niet bij het schema; `errors` noemt per "
            "fout het pad (bijvoorbeeld `query.status`) en de melding"))
    if operation.get("security"):
        answers.setdefault("401", responses.problem(
            "Geen of een onbekend token (`Authorization: Bearer <token>`)", headers=responses.WWW_AUTHENTICATE))
        answers.setdefault("503", responses.problem(
            "De database van de gateway is even niet bereikbaar; probeer het na `Retry-After` seconden opnieuw",
            headers=responses.RETRY_AFTER))
    answers.setdefault("500", responses.problem("Een onverwachte fout in de gateway; ze is gelogd"))
    for status, answer in answers.items():
        if status.isdigit() and int(status) >= 400:
            content = answer.setdefault("content", {})
            if not content:
                content[PROBLEM_JSON] = {}
            if PROBLEM_JSON in content and "schema" not in content[PROBLEM_JSON]:
                content[PROBLEM_JSON]["schema"] = responses.PROBLEM_REF
    # Sorted by status, as a reader expects them.
    operation["responses"] = dict(sorted(answers.items()))


def _without_null(schema: dict[str, Any]) -> None:
    """`str | None` parameters: a query string has no null, a parameter is simply left out
    (FastAPI documents `anyOf: [string, null]`, which would invite a client to send `null`)."""
    options = [o for o in schema.get("anyOf", []) if o.get("type") != "null"]
    if "anyOf" in schema and len(options) == 1:
        del schema["anyOf"]
        schema.update(options[0])


def _is_fastapi_validation(answer: dict[str, Any] | None) -> bool:
    if answer is None:
        return False
    schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
    return schema.get("$ref", "").endswith("/HTTPValidationError")
