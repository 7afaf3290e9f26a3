"""`/api/v1/aanvragen`: the requests to decide, and the CJG's decision (design.md §5, §7)."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from gateway.api.deps import CallingParty
from gateway.api.openapi_models import AanvraagPayload, AanvraagStatus, AanvragenPayload
from gateway.api.responses import GEMEENTE_ONLY, NOT_FOUND, json_model, problem
from gateway.clock import iso_utc
from gateway.db.models import Aanvraag, Partij
from gateway.domain.aanvraag import beschikkingen, besluiten
from gateway.domain.aanvraag.clientgegevens import Contact
from gateway.domain.berichten import postbus
from gateway.http.deps import DbSession, parse_id
from gateway.problems import Problem
from gateway.work import queue as outbox

router = APIRouter(prefix="/api/v1", tags=["aanvragen"])


class BesluitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The schema names the three decisions; the service answers another with a Dutch 422.
    besluit: str = Field(json_schema_extra={"enum": [besluiten.TOEKENNEN, besluiten.AFWIJZEN, besluiten.ONDERZOEK]})
    # The domain's own dataclasses, validated by pydantic: one definition of each field.
    producten: list[besluiten.ProductBesluit] | None = None
    reden_afwijzing: str | None = None
    woonplaatsbeginsel: str | None = None
    contactgegevens: list[Contact] | None = None
    # 1..4000 characters besides the spaces around them, checked by the service (422).
    motivering: str | None = Field(None, json_schema_extra={
        "minLength": 1, "maxLength": besluiten.MOTIVERING_MAX, "pattern": r"^\s*\S[\s\S]*$"})


def require_gemeente(party: Partij) -> str:
    if party.soort != "gemeente":
        raise Problem(403, "gemeente-only", "Alleen voor de gemeente",
                      "deze functie is er voor de gemeente (token van `gateway municipality add`)")
    return party.code


@router.get("/aanvragen", summary="Aanvragen van de gemeente, oudste eerst",
            responses={200: json_model(AanvragenPayload, "De aanvragen, oudste eerst"), 403: GEMEENTE_ONLY})
def list_aanvragen(request: Request, session: DbSession, party: CallingParty,
                   status: AanvraagStatus | None = Query(None, description="Alleen aanvragen met deze status"),
                   limit: int = Query(500, ge=1, le=5000)) -> dict:
    gemeente = require_gemeente(party)
    query = select(Aanvraag).where(Aanvraag.gemeente == gemeente)
    if status is not None:
        query = query.where(Aanvraag.status == status)
    rows = session.scalars(query.order_by(Aanvraag.id).limit(limit))
    today = request.app.state.ctx.today()
    return {"items": [_summary(a, today) for a in rows]}


@router.get("/aanvragen/{aanvraag_id}", summary="Eén aanvraag met producten en beschikking",
            description="Voor de gemeente, of de aanbieder die de aanvraag stuurde (zonder de aantekeningen van "
                        "het CJG).",
            responses={200: json_model(AanvraagPayload, "De aanvraag"), 404: NOT_FOUND})
def get_aanvraag(request: Request, aanvraag_id: str, session: DbSession, party: CallingParty) -> dict:
    aanvraag = visible(session, party, aanvraag_id)
    return aanvraag_json(session, aanvraag, request.app.state.ctx.today(), for_gemeente=party.soort == "gemeente")


@router.post("/aanvragen/{aanvraag_id}/besluit", status_code=202,
             summary="Besluit van het CJG: toekennen, afwijzen of in onderzoek",
             responses={202: json_model(AanvraagPayload, "Besluit vastgelegd: de aanvraag zoals hij nu is"),
                        403: GEMEENTE_ONLY,
                        404: problem("Geen aanvraag van deze gemeente"),
                        409: problem("Er is al besloten (of de aanvraag is al in onderzoek)"),
                        422: problem("Besluit klopt niet: `detail` zegt wat (een onbekend besluit, een product dat "
                                     "niet bij de aanvraag hoort, een reden die ontbreekt, ...)")})
def post_besluit(request: Request, aanvraag_id: str, body: BesluitIn, session: DbSession,
                 party: CallingParty) -> JSONResponse:
    gemeente = require_gemeente(party)
    number = _id(aanvraag_id)
    ctx = request.app.state.ctx
    invoer = besluiten.BesluitInvoer(
        besluit=body.besluit,
        producten=tuple(body.producten or ()), reden_afwijzing=body.reden_afwijzing,
        woonplaatsbeginsel=body.woonplaatsbeginsel, contactgegevens=tuple(body.contactgegevens or ()),
        motivering=body.motivering)
    aanvraag = besluiten.record(session, ctx, aanvraag_id=number, gemeente=gemeente, invoer=invoer,
                                door=f"gemeente {gemeente} (API)")
    return JSONResponse(aanvraag_json(session, aanvraag, ctx.today()), status_code=202)


def visible(session, party: Partij, aanvraag_id: str) -> Aanvraag:
    """The municipality sees its aanvragen; a provider sees the ones it sent; others get 404."""
    aanvraag = session.get(Aanvraag, _id(aanvraag_id))
    if aanvraag is None or not (
            (party.soort == "gemeente" and aanvraag.gemeente == party.code)
            or (party.soort == "aanbieder" and aanvraag.aanbieder == party.code)):
        raise Problem(404, "not-found", "Niet gevonden", f"geen aanvraag {aanvraag_id[:40]}")
    return aanvraag


def _id(text: str) -> int:
    number = parse_id(text)
    if number is None:
        raise Problem(404, "not-found", "Niet gevonden", f"geen aanvraag {text[:40]}")
    return number


def _summary(a: Aanvraag, today: date) -> dict:
    referenties = [a.referentie] if a.soort == "JW317" else [p.referentie_aanbieder for p in a.producten]
    return {
        "id": a.id, "bericht_id": a.bericht_id, "soort": a.soort, "status": a.status,
        "referentie_aanbieder": referenties[0] if referenties else None, "referenties": referenties,
        "aanbieder": a.aanbieder, "bsn": a.bsn, "leveringsvorm": a.leveringsvorm,
        "dagtekening": a.dagtekening.isoformat(), "ontvangen_op": a.ontvangen_op.isoformat(),
        "antwoord_uiterlijk": a.antwoord_uiterlijk.isoformat(), "termijn": a.termijn,
        "termijn_verstreken": a.afgehandeld_op is None and today > a.antwoord_uiterlijk,
        "href": f"/api/v1/aanvragen/{a.id}",
    }


def aanvraag_json(session, a: Aanvraag, today: date, *, for_gemeente: bool = True) -> dict:
    """The whole aanvraag for the municipality; the provider that sent it sees its status,
    products, the beschikking's key facts and the messages sent to it, not the CJG's notes."""
    beschikking = beschikkingen.for_aanvraag(session, a.id)
    result = {
        **_summary(a, today),
        "afgehandeld_op": iso_utc(a.afgehandeld_op),
        "producten": [{
            "referentie_aanbieder": p.referentie_aanbieder, "soort": p.soort, "status": p.status,
            "toewijzingnummer": p.toewijzingnummer, "categorie": p.categorie, "code": p.code,
            "ingangsdatum": p.ingangsdatum.isoformat() if p.ingangsdatum else None,
            "einddatum": p.einddatum.isoformat() if p.einddatum else None,
            "volume": p.volume, "eenheid": p.eenheid, "frequentie": p.frequentie, "budget": p.budget,
            "toegekend": p.toegekend,
        } for p in a.producten],
        "beschikking": None if beschikking is None else {
            "nummer": beschikking.nummer, "datum": beschikking.datum.isoformat(),
            "leveringsvorm": beschikking.leveringsvorm, "soort": beschikking.soort},
        "berichten": [postbus.item_json(item, bericht) for item, bericht in postbus.for_aanvraag(session, a)],
    }
    if for_gemeente:
        if beschikking is not None:
            result["beschikking"]["href"] = f"/api/v1/beschikkingen/{beschikking.nummer}"
        result.update({
            "automatisch": a.automatisch, "beoordeling": a.beoordeling, "besluit": a.besluit,
            "besloten_door": a.besloten_door, "besloten_op": iso_utc(a.besloten_op) if a.besluit else None,
            "onderzoek_op": iso_utc(a.onderzoek_op),
            # The work behind the decision: a failure shows here, not only in the operator's log.
            "verwerking": outbox.state_of(session, a.bericht_id),
        })
    return result
