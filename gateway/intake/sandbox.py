"""A provider registering itself in the sandbox (docs/sandbox.md), and asking for its data
to be removed. The records themselves are in gateway.domain.beheer.sandbox; the answers to
its aanvragen in gateway.domain.aanvraag.sandbox."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.db.models import Partij, SandboxAanbieder
from gateway.domain.beheer import sandbox as records
from gateway.errors import Conflict, Forbidden, GatewayError
from gateway.intake.parties import GEMEENTE, add_party, provider
from gateway.intake.registration import check_agb, clean_name
from gateway.reference import ReferenceData


class SandboxVol(GatewayError):
    """Every municipality of the CBS list is already some provider's."""

    status, slug, title = 503, "sandbox-vol", "Sandbox vol"


@dataclass(frozen=True)
class Aanmelding:
    aanbieder: Partij
    token: str
    gemeente: Partij


def register(session: Session, reference: ReferenceData, today: date, *, agb: str, naam: str) -> Aanmelding:
    """A new provider with a token and a municipality of its own that answers it."""
    if not records.is_sandbox(session):
        # `gateway serve` checks the database before it listens; an app built another way
        # (uvicorn with GATEWAY_SANDBOX=1 on the factory) did not, and a token must never be
        # handed to whoever asks on a database with real work.
        raise records.SandboxGeweigerd("deze database is geen sandbox; start de sandbox met `gateway serve "
                                       "--sandbox` op een lege database")
    check_agb(agb)  # the CLI's check: ASCII digits only, as the messages' LDT_AgbCode
    naam = clean_name(naam)
    if provider(session, agb) is not None:
        # A second registration would hand out a token to whoever asks for a known AGB code.
        raise Conflict(f"AGB-code {agb} is al aangemeld; gebruik het token van de eerste aanmelding, of meld "
                       "een andere AGB-code aan", slug="al-aangemeld")
    code = records.free_gemeente(session, reference, today)
    if code is None:
        raise SandboxVol("alle gemeenten van de CBS-lijst zijn al aan een aanbieder gegeven; vraag de beheerder "
                         "van deze sandbox om een nieuwe")
    gemeente_naam = next(g.naam for g in reference.gemeenten[code] if g.valid_on(today))
    # The municipality gets no token: the sandbox decides for it, nobody calls the API as it.
    gemeente = Partij(soort=GEMEENTE, code=code, naam=gemeente_naam)
    try:
        session.add(gemeente)
        aanbieder, token = add_party(session, soort="aanbieder", code=agb, naam=naam)
        session.add(SandboxAanbieder(agb=agb, gemeente=code))
        session.flush()
    except IntegrityError:
        # Two registrations at the same moment took the same municipality or AGB code: the
        # unique keys let one through; the other is rolled back whole by its request.
        raise Conflict("een andere aanmelding kwam tegelijk binnen; probeer het opnieuw",
                       slug="tegelijk-aangemeld") from None
    return Aanmelding(aanbieder, token, gemeente)


def reset(session: Session, caller: Partij, agb: str) -> dict[str, int]:
    """Remove the calling provider's data; only its own, and only for a sandbox provider."""
    if caller.soort != "aanbieder" or caller.code != agb:
        raise Forbidden("alleen de aanbieder zelf (met zijn eigen token) kan zijn gegevens laten verwijderen",
                        slug="niet-eigen-aanbieder")
    registration: SandboxAanbieder | None = records.registration(session, agb)
    if registration is None:
        raise Forbidden(f"aanbieder {agb} is niet via de sandbox aangemeld; alleen daarvan verwijdert de "
                        "sandbox gegevens", slug="geen-sandbox-aanbieder")
    return records.reset(session, caller, registration.gemeente)
