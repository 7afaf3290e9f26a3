"""A domain service's refusal, with the HTTP status that fits and a Dutch explanation.

One service refuses for several reasons (an unknown aanvraag, a decision taken before, a
product that does not fit), so the status and slug come with each refusal; the title
follows from the status. The edges answer it as every `GatewayError`."""
from __future__ import annotations

from gateway.errors import GatewayError

_TITLES = {404: "Niet gevonden", 409: "Conflict", 422: "Niet uitvoerbaar"}


class DomainFout(GatewayError):
    def __init__(self, status: int, slug: str, detail: str):
        super().__init__(detail, status=status, slug=slug, title=_TITLES.get(status, "Niet uitgevoerd"))
