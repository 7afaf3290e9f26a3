"""RFC 9457 problem details: the one shape of every API error that is not a retour.

The API renders every `GatewayError` this way; `Problem` is the error an API edge raises
(or, in the intake, answers with) when no class of the family names the case."""
from __future__ import annotations

import json

from gateway.errors import GatewayError

PROBLEM_JSON = "application/problem+json"
_TYPE = "urn:jeugdhulp-gateway:problem:"


class Problem(GatewayError):
    """A problem with its own status, slug and title."""

    def __init__(self, status: int, slug: str, title: str, detail: str, extra: dict | None = None,
                 headers: dict | None = None):
        super().__init__(detail, status=status, slug=slug, title=title, extra=extra, headers=headers)


def too_large(limit: int) -> Problem:
    """A body or payload over `limit` bytes (the API's body, the payload of a GGk envelope)."""
    return Problem(413, "too-large", "Bericht te groot", f"berichten zijn hoogstens {limit} bytes")


def to_dict(error: GatewayError) -> dict:
    return {"type": _TYPE + error.slug, "title": error.title, "status": error.status,
            "detail": error.detail, **error.extra}


def body(error: GatewayError) -> bytes:
    return json.dumps(to_dict(error), ensure_ascii=False).encode("utf-8")
