"""Dependencies of the provider API: the calling party and the XML body."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.db.models import Partij
from gateway.http.body import read_limited
from gateway.http.deps import DbSession, commit_and_release
from gateway.intake.parties import authenticate
from gateway.problems import Problem, too_large

XML_TYPES = ("application/xml", "text/xml")


# Declared so that OpenAPI (/docs) shows the bearer scheme; we answer the 401 ourselves.
# One scheme for every route (the finance report too): two would share FastAPI's name.
BEARER_DESCRIPTION = (
    "Elke partij heeft een eigen token, dat de beheerder aanmaakt en dat alleen als hash wordt bewaard. "
    "Een **aanbieder** krijgt het van `gateway provider add --agb AGB --name NAAM`: daarmee biedt hij "
    "berichten aan (`/api/v1/berichten`, `/api/v1/validatie`), haalt hij zijn postbus op en ziet hij zijn "
    "eigen aanvragen en signalen. Een **gemeente** krijgt het van `gateway municipality add --code CODE "
    "--name NAAM`: daarmee beslist zij over aanvragen, ziet zij beschikkingen, trajecten en signalen en "
    "vraagt zij de rapportages op. Een functie voor de ene soort antwoordt de andere 403. De `Afzender` "
    "van een bericht moet de partij van het token zijn (bij een JW302/JW320 de `Ontvanger`).")
bearer = HTTPBearer(auto_error=False, scheme_name="bearer", description=BEARER_DESCRIPTION)


def get_party(session: DbSession,
              credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Partij:
    party = authenticate(session, credentials.credentials.strip()) if credentials else None
    # The token's use is recorded, and no transaction waits with a slow body or its parse.
    commit_and_release(session)
    if party is None:
        raise Problem(401, "unauthorized", "Niet geauthenticeerd",
                      "geef een geldig token mee: Authorization: Bearer <token>",
                      headers={"WWW-Authenticate": "Bearer"})
    return party


CallingParty = Annotated[Partij, Depends(get_party)]


async def read_xml_body(request: Request) -> bytes:
    """The body, if it is XML and within the size limit; read in chunks so an oversized
    body is refused without holding it all in memory."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in XML_TYPES:
        raise Problem(415, "unsupported-media-type", "Geen XML",
                      "stuur het bericht als application/xml of text/xml")
    limit = request.app.state.settings.max_body_bytes
    body = await read_limited(request, limit)
    if body is None:
        raise too_large(limit)
    return body


XmlBody = Annotated[bytes, Depends(read_xml_body)]
