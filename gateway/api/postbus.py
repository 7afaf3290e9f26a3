"""`/api/v1/postbus`: what the gateway sends a provider (JW301, JW319, JW325), fetched by the provider."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request, Response

from gateway.api import examples
from gateway.api.deps import CallingParty
from gateway.api.openapi_models import PostbusPayload
from gateway.api.responses import NOT_FOUND, json_model, problem, xml
from gateway.clock import local_date
from gateway.domain.berichten import postbus
from gateway.http.deps import DbSession, parse_id
from gateway.problems import Problem

router = APIRouter(prefix="/api/v1", tags=["postbus"])

# `alle`: every status at once; the contract's default stays `nieuw` (design.md §5).
ALLE = "alle"
PostbusFilter = Literal["nieuw", "opgehaald", "bevestigd", "afgekeurd", "alle"]


@router.get("/postbus", summary="Uitgaande berichten voor de aanroeper, oudste eerst",
            description="De berichten die de gateway voor de partij van het token klaarzet (JW301, JW319, JW325), "
                        "oudste eerst. Standaard alleen die met status `nieuw`; `status=alle` geeft ze alle.",
            responses={200: json_model(PostbusPayload, "De berichten, oudste eerst")})
def list_postbus(session: DbSession, party: CallingParty,
                 status: PostbusFilter = Query("nieuw", description="Alleen berichten met deze status; `alle`: "
                                                                    "elke status"),
                 limit: int = Query(100, ge=1, le=1000, description="Hoogstens zoveel berichten")) -> dict:
    chosen = None if status == ALLE else status
    return {"items": [postbus.as_json(item) for item in postbus.items(session, party.id, chosen, limit)]}


@router.get("/postbus/{bericht_id}", summary="Een uitgaand bericht ophalen (markeert het als opgehaald)",
            response_class=Response,
            responses={200: xml("Het bericht (XML); een `nieuw` bericht is daarna `opgehaald`",
                                examples=examples.postbus()),
                       404: NOT_FOUND,
                       410: problem("De inhoud is gewist na afloop van de bewaartermijn")})
def fetch_postbus(request: Request, bericht_id: str, session: DbSession, party: CallingParty) -> Response:
    number = parse_id(bericht_id)
    bericht = postbus.fetch(session, party.id, number, request.app.state.ctx.now()) if number else None
    if bericht is None:
        raise Problem(404, "not-found", "Niet gevonden", f"geen bericht {bericht_id[:40]} in uw postbus")
    if bericht.gewist_op is not None:
        # Past the retention period the body is removed and the row stays: it existed, and is
        # gone. Raising rolls back the fetch's mark (it was not fetched).
        raise Problem(410, "gone", "Gewist", f"bericht {bericht.id} is gewist na afloop van de bewaartermijn "
                                             f"({local_date(bericht.gewist_op).isoformat()})")
    return Response(bericht.inhoud, media_type="application/xml")
