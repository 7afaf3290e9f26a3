"""The answers of the provider API as the OpenAPI document at /docs describes them.

The routes render their answers themselves (problem+json through the API's error handlers,
XML retours, JSON); this module only describes them, so a route's `responses=` names every
status it can answer with the media type it really has. `gateway.api.openapi` adds what
every operation shares (400 for a request that does not fit its parameters, 401, 500, 503).
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gateway.problems import PROBLEM_JSON

XML = "application/xml"
JSON = "application/json"


class FoutregelPayload(BaseModel):
    """One error of a rejected request: a schema error of the message, or a parameter that
    does not fit (then without `line`)."""

    line: int | None = Field(None, description="Regelnummer in het bericht (bij een schemafout)")
    path: str = Field(description="Pad van de fout: XPath in het bericht, of de parameter (bijvoorbeeld "
                                  "query.status)", examples=["/Bericht/Client/Bsn"])
    message: str = Field(description="De melding, in het Nederlands")
    original: str | None = Field(None, description="Bij een schema- of syntaxfout: de oorspronkelijke (Engelse) "
                                                   "melding van libxml2")


class ProblemPayload(BaseModel):
    """RFC 9457 problem details: every API error that is not a retourbericht."""

    # Extension members ride along: `POST /api/v1/validatie` adds its rule report, a refused
    # self-check the message type.
    model_config = ConfigDict(extra="allow")

    type: str = Field(description="URN die op de soort fout eindigt; stabiel, om op te matchen",
                      examples=["urn:jeugdhulp-gateway:problem:schema"])
    title: str = Field(description="Korte Nederlandse titel", examples=["Bericht voldoet niet aan het XML-schema"])
    status: int = Field(description="De HTTP-status van het antwoord", examples=[400])
    detail: str = Field(description="Wat er mis is, in gewone taal")
    errors: list[FoutregelPayload] | None = Field(
        None, description="Bij een schemafout of een ongeldige parameter: één regel per fout")


PROBLEM_REF = {"$ref": "#/components/schemas/ProblemPayload"}
PROBLEM_MODELS = (ProblemPayload, FoutregelPayload)

# Response headers, documented where they are sent.
LOCATION = {"Location": {"description": "`/api/v1/berichten/{id}` van het opgeslagen bericht",
                         "schema": {"type": "string"}}}
REPLAY = {"Idempotent-Replay": {
    "description": "`true` als dit bericht (byte voor byte, van dezelfde partij) al eerder is ontvangen: dit is "
                   "het eerste antwoord opnieuw (status, body, `Location`)",
    "schema": {"type": "string", "enum": ["true"]}}}
RETRY_AFTER = {"Retry-After": {"description": "Seconden tot een nieuwe poging zin heeft",
                               "schema": {"type": "integer"}}}
WWW_AUTHENTICATE = {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}}


def problem(description: str, *, headers: dict | None = None) -> dict[str, Any]:
    """A response of problem+json only."""
    return _with_headers({"description": description, "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}}},
                         headers)


def xml(description: str, *, examples: dict | None = None, headers: dict | None = None) -> dict[str, Any]:
    """A response whose body is an XML message."""
    return _with_headers({"description": description, "content": {XML: xml_content(examples)}}, headers)


def xml_content(examples: dict | None = None) -> dict[str, Any]:
    content: dict[str, Any] = {"schema": {"type": "string"}}
    if examples:
        content["examples"] = examples
    return content


def json_model(model: type[BaseModel], description: str, *, headers: dict | None = None) -> dict[str, Any]:
    """A JSON response of `model` (FastAPI renders its schema under application/json)."""
    return _with_headers({"model": model, "description": description}, headers)


def _with_headers(response: dict[str, Any], headers: dict | None) -> dict[str, Any]:
    if headers:
        response["headers"] = headers
    return response


NOT_FOUND = problem("Niet gevonden (ook als het bestaat maar niet van deze partij is)")
GEMEENTE_ONLY = problem("Alleen voor de gemeente: een token van een aanbieder")
