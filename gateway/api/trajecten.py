"""`/api/v1/signalen` and the trajectory of an aanvraag or a client."""
from __future__ import annotations

from fastapi import APIRouter, Query, Request
from sqlalchemy import select

from gateway.api.aanvragen import require_gemeente, visible
from gateway.api.deps import CallingParty
from gateway.api.openapi_models import ClientTrajectenPayload, SignalenPayload, TrajectPayload
from gateway.api.responses import GEMEENTE_ONLY, NOT_FOUND, json_model, problem
from gateway.db.models import Aanvraag
from gateway.domain.levering import signalen
from gateway.http.deps import DbSession
from gateway.problems import Problem
from gateway.readmodels import traject

router = APIRouter(prefix="/api/v1", tags=["trajecten"])


@router.get("/signalen", summary="Signalen: de gemeente alle (of per aanbieder), een aanbieder de eigen",
            responses={200: json_model(SignalenPayload, "De signalen")})
def list_signalen(session: DbSession, party: CallingParty, aanbieder: str | None = None,
                  limit: int = Query(500, ge=1, le=5000)) -> dict:
    if party.soort == "gemeente":
        rows = signalen.for_party(session, party.code, aanbieder, limit)
    else:
        rows = signalen.for_party(session, None, party.code, limit)
    return {"items": [signalen.as_json(s) for s in rows]}


@router.get("/aanvragen/{aanvraag_id}/traject", summary="Het traject van een aanvraag, per processtap",
            responses={200: json_model(TrajectPayload, "Het traject"), 404: NOT_FOUND})
def get_traject(request: Request, aanvraag_id: str, session: DbSession, party: CallingParty) -> dict:
    [found] = traject.as_json(session, [visible(session, party, aanvraag_id)], request.app.state.ctx.today())
    return found


@router.get("/clienten/{bsn}/traject", summary="De trajecten van een cliënt (gemeente)",
            responses={200: json_model(ClientTrajectenPayload, "De trajecten"), 403: GEMEENTE_ONLY,
                       404: problem("Geen BSN van 9 cijfers")})
def get_client_traject(request: Request, bsn: str, session: DbSession, party: CallingParty) -> dict:
    gemeente = require_gemeente(party)
    if not (len(bsn) == 9 and bsn.isdigit()):
        raise Problem(404, "not-found", "Niet gevonden", "een BSN is 9 cijfers")
    rows = list(session.scalars(select(Aanvraag).where(Aanvraag.gemeente == gemeente, Aanvraag.bsn == bsn)
                                .order_by(Aanvraag.id)))
    return {"bsn": bsn, "trajecten": traject.as_json(session, rows, request.app.state.ctx.today())}
