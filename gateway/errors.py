"""The gateway's one error family.

Every exception the gateway raises on purpose derives from `GatewayError`, which carries
what an edge needs to answer it: the HTTP `status`, a stable `slug` (the problem+json
`type` ends in it; providers and tests match on it, so a slug never changes), a Dutch
`title` and `detail`, and optional problem+json members (`extra`) and response `headers`.
Each edge has one handler for the family: the API renders problem+json
(`gateway.problems`), the back office a Dutch page (`gateway.web.app`), the CLI prints the
detail, and a task records it on its outbox row.

Do: raise the class that says what happened (`NotFound`, `Conflict`, a subclass for a
domain's refusals), and let it travel to the edge.
Don't: raise or catch a builtin (LookupError, ValueError, RuntimeError) for an expected
outcome, and don't catch an error only to turn it into the answer the edge's handler gives.
A handler still catches what it answers differently, e.g. a form shown again with the
refusal next to its field.
"""
from __future__ import annotations


class GatewayError(Exception):
    """The root. A bare GatewayError is the gateway's own fault (500)."""

    status: int = 500
    slug: str = "internal"
    title: str = "Interne fout"

    def __init__(self, detail: str, *, status: int | None = None, slug: str | None = None,
                 title: str | None = None, extra: dict | None = None, headers: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        if status is not None:
            self.status = status
        if slug is not None:
            self.slug = slug
        if title is not None:
            self.title = title
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})


class BadRequest(GatewayError):
    """The request itself is unusable (400)."""

    status, slug, title = 400, "bad-request", "Ongeldig verzoek"


class Unauthorized(GatewayError):
    """No (valid) credentials (401)."""

    status, slug, title = 401, "unauthorized", "Niet geauthenticeerd"


class Forbidden(GatewayError):
    """Known caller, not allowed (403)."""

    status, slug, title = 403, "forbidden", "Geen toegang"


class NotFound(GatewayError):
    """What the request or the work names does not exist (404)."""

    status, slug, title = 404, "not-found", "Niet gevonden"


class Conflict(GatewayError):
    """The state changed first: decided, revoked or handled before (409)."""

    status, slug, title = 409, "conflict", "Conflict"


class Unprocessable(GatewayError):
    """Understood, but cannot be done as asked or as the data stand (422)."""

    status, slug, title = 422, "unprocessable", "Niet uitvoerbaar"


class ConfigurationError(GatewayError):
    """A file the gateway loads at start-up is missing or malformed: start-up stops with
    this message, before the first request."""

    status, slug, title = 500, "configuration", "Configuratiefout"
