"""A request that does not fit its parameters or JSON body: 400 problem+json in Dutch.

FastAPI checks parameters and bodies against the same types the OpenAPI document shows, so
what the document calls valid is what passes. The answer names each field that failed, with
a Dutch message for the common cases and pydantic's own text for the rest.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi.exceptions import RequestValidationError
from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from gateway.problems import Problem

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: Any) -> Any:
    """Only JJJJ-MM-DD, an existing day: what OpenAPI's `format: date` means (RFC 3339
    full-date). pydantic's own date type also takes timestamps and date-times."""
    if isinstance(value, date):
        return value
    text = str(value)
    if not _ISO_DATE.fullmatch(text):
        raise PydanticCustomError("iso_date", "'{text}' is geen datum (JJJJ-MM-DD)", {"text": text[:40]})
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PydanticCustomError("iso_date", "'{text}' is geen bestaande datum", {"text": text}) from None


IsoDate = Annotated[date, BeforeValidator(_iso_date), WithJsonSchema({"type": "string", "format": "date"})]


def request_problem(exc: RequestValidationError) -> Problem:
    errors = [{"path": ".".join(map(str, e["loc"])), "message": message(e)} for e in exc.errors()]
    detail = "; ".join(f"{_name(e['loc'])}: {m['message']}" for e, m in zip(exc.errors(), errors, strict=True))
    return Problem(400, "bad-request", "Ongeldig verzoek", detail or "controleer pad en parameters",
                   {"errors": errors})


def _name(loc: tuple) -> str:
    # ("query", "status") -> "status"; ("body", "producten", 0, "volume") -> "producten.0.volume"
    parts = [str(p) for p in loc[1:]] if len(loc) > 1 else [str(p) for p in loc]
    return ".".join(parts) or "body"


def message(error: dict[str, Any]) -> str:
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "missing":
        return "ontbreekt"
    if kind == "literal_error":
        return f"is een van {ctx.get('expected', '')}".replace("' or '", "', '")
    if kind == "iso_date":
        return error["msg"]
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "is geen geheel getal"
    if kind == "greater_than_equal":
        return f"is minstens {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"is hoogstens {ctx.get('le')}"
    if kind == "extra_forbidden":
        return "is geen veld van dit verzoek"
    if kind == "json_invalid":
        return "de body is geen geldige JSON"
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        return "verwacht een JSON-object"
    return error.get("msg", "ongeldig")
