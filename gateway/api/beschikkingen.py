"""`/api/v1/beschikkingen`: the beschikking (JSON and a printable document) and bezwaar."""
from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from gateway.api.aanvragen import require_gemeente
from gateway.api.deps import CallingParty
from gateway.api.openapi_models import BeschikkingPayload, BezwaarPayload
from gateway.api.responses import GEMEENTE_ONLY, json_model, problem
from gateway.db.models import Beschikking
from gateway.domain.aanvraag import beschikkingen
from gateway.headers import document_headers
from gateway.http.deps import DbSession, parse_id
from gateway.problems import Problem

router = APIRouter(prefix="/api/v1", tags=["beschikkingen"])


class BezwaarIn(BaseModel):
    # The schema shows the limits the service checks (422 with a Dutch reason otherwise); the
    # date lies between the beschikking's and today, which it cannot say.
    ontvangen_op: date = Field(description="Ontvangstdatum: niet vóór de beschikking, niet in de toekomst")
    indiener: str = Field(json_schema_extra={"minLength": 1, "maxLength": 200, "pattern": r"^\s*\S[\s\S]*$"})
    toelichting: str | None = Field(None, json_schema_extra={"maxLength": 4000})


class AfhandelingIn(BaseModel):
    # The schema names the outcomes; the service answers another with a Dutch 422.
    uitkomst: str = Field(json_schema_extra={"enum": list(beschikkingen.BEZWAAR_UITKOMSTEN)})


def _beschikking(session, party, nummer: str) -> Beschikking:
    gemeente = require_gemeente(party)
    found = beschikkingen.by_number(session, nummer[:20], gemeente)
    if found is None:
        raise Problem(404, "not-found", "Niet gevonden", f"geen beschikking {nummer[:40]}")
    return found


_FOUND: dict[int | str, dict[str, Any]] = {403: GEMEENTE_ONLY, 404: problem("Geen beschikking van deze gemeente met dit nummer")}


@router.get("/beschikkingen/{nummer}", summary="Een beschikking (JSON)",
            responses={200: json_model(BeschikkingPayload, "De beschikking"), **_FOUND})
def get_beschikking(nummer: str, session: DbSession, party: CallingParty) -> dict:
    return beschikkingen.as_json(_beschikking(session, party, nummer))


@router.get("/beschikkingen/{nummer}/document", response_class=HTMLResponse,
            summary="De beschikking als afdrukbaar document voor de ouders (HTML)", responses=_FOUND)
def get_document(nummer: str, session: DbSession, party: CallingParty) -> HTMLResponse:
    from gateway.web.documents import render_beschikking

    html = render_beschikking(beschikkingen.as_json(_beschikking(session, party, nummer)))
    # A page with personal data on the gateway's origin: the back office's headers, its
    # own inline style allowed by hash.
    return HTMLResponse(html, headers=document_headers(html))


@router.get("/beschikkingen/{nummer}/document.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
                             "description": "De beschikking als pdf (als bijlage)"}, **_FOUND},
            summary="De beschikking als pdf voor de ouders (A4)")
def get_document_pdf(nummer: str, session: DbSession, party: CallingParty) -> Response:
    from gateway.web.documents import pdf_filename, render_beschikking_pdf

    beschikking = _beschikking(session, party, nummer)
    return Response(render_beschikking_pdf(beschikkingen.as_json(beschikking)), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{pdf_filename(beschikking.nummer)}"'})


@router.post("/beschikkingen/{nummer}/bezwaren", status_code=201, summary="Een bezwaar registreren",
             responses={201: json_model(BezwaarPayload, "Het bezwaar is geregistreerd", headers={
                            "Location": {"description": "`/api/v1/beschikkingen/{nummer}`", "schema": {"type": "string"}}}),
                        **_FOUND,
                        422: problem("Het bezwaar klopt niet: een datum vóór de beschikking of in de toekomst, "
                                     "geen of een te lange indiener of toelichting")})
def post_bezwaar(request: Request, nummer: str, body: BezwaarIn, session: DbSession,
                 party: CallingParty) -> JSONResponse:
    beschikking = _beschikking(session, party, nummer)
    bezwaar = beschikkingen.register_bezwaar(session, beschikking, ontvangen_op=body.ontvangen_op,
                                             indiener=body.indiener, toelichting=body.toelichting,
                                             today=request.app.state.ctx.today())
    return JSONResponse(beschikkingen.bezwaar_json(bezwaar), status_code=201,
                        headers={"Location": f"/api/v1/beschikkingen/{beschikking.nummer}"})


@router.post("/beschikkingen/{nummer}/bezwaren/{bezwaar_id}/afhandeling",
             summary="Een bezwaar afhandelen: gegrond, ongegrond of ingetrokken",
             responses={200: json_model(BezwaarPayload, "Het afgehandelde bezwaar"),
                        403: GEMEENTE_ONLY, 404: problem("Geen beschikking of geen bezwaar met dit nummer"),
                        409: problem("Het bezwaar is al afgehandeld"),
                        422: problem("Onbekende uitkomst")})
def post_afhandeling(request: Request, nummer: str, bezwaar_id: str, body: AfhandelingIn,
                     session: DbSession, party: CallingParty) -> dict:
    beschikking = _beschikking(session, party, nummer)
    bezwaar = beschikkingen.decide_bezwaar(session, beschikking, parse_id(bezwaar_id) or 0, uitkomst=body.uitkomst,
                                           today=request.app.state.ctx.today())
    return beschikkingen.bezwaar_json(bezwaar)
