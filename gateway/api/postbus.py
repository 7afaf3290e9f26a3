"""`/api/v1/postbus`: what the gateway sends a provider (JW301, JW319), fetched by the provider."""
from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response

from gateway.api.deps import CallingParty
from gateway.clock import local_date
from gateway.domain.berichten import postbus
from gateway.http.deps import DbSession, parse_id
from gateway.problems import Problem

router = APIRouter(prefix="/api/v1", tags=["postbus"])


@router.get("/postbus", summary="Uitgaande berichten voor de aanroeper, oudste eerst")
def list_postbus(session: DbSession, party: CallingParty, status: str = "nieuw",
                 limit: int = Query(100, ge=1, le=1000)) -> dict:
    if status not in postbus.STATUSES:
        raise Problem(400, "bad-request", "Onbekende status",
                      f"status is een van {', '.join(postbus.STATUSES)}")
    return {"items": [postbus.as_json(item) for item in postbus.items(session, party.id, status, limit)]}


@router.get("/postbus/{bericht_id}", summary="Een uitgaand bericht ophalen (markeert het als opgehaald)",
            responses={200: {"content": {"application/xml": {}}, "description": "Het bericht (XML)"},
                       404: {"description": "Geen bericht voor deze partij met dit id"},
                       410: {"description": "De inhoud is gewist na afloop van de bewaartermijn"}})
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
