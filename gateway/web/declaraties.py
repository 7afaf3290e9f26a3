"""Declarations for finance (`/financien/declaraties`, finance and administrators): the JW323s
received and, per JW323, its lines with what the JW325 approved and rejected and why, in
words (gateway.readmodels.declaraties). Finance has no access to the message log; this is
what it needs of it.

The list shows totals per declaration, no client data: no access-log entry. A declaration's
page shows its clients by masked BSN and internal id: one access-log entry per client on it
(NEN 7513: each client's access history shows the view), or one without a client when it
has no booked lines.
"""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException

from gateway.domain.beheer.gebruikers import ADMIN
from gateway.http.deps import DbSession
from gateway.model.normen import EENHEID_LABELS
from gateway.readmodels import declaraties as read
from gateway.readmodels import financien
from gateway.web.deps import FinanceUser, log_access, object_id
from gateway.web.render import page

router = APIRouter()


@router.get("/financien/declaraties")
def declaraties_page(request: Request, session: DbSession, user: FinanceUser) -> HTMLResponse:
    aanbieders = financien.providers(session)
    gekozen = request.query_params.get("aanbieder", "").strip()
    fout = None
    if gekozen and gekozen not in dict(aanbieders):
        fout, gekozen = "Kies een aanbieder uit de lijst.", ""
    regels = read.lijst(session, aanbieder=gekozen or None, gemeenten=user.gemeenten)
    return page(request, "declaraties.html", status=400 if fout else 200, regels=regels, aanbieders=aanbieders,
                namen=dict(aanbieders), gekozen=gekozen, fout=fout, limiet=read.LIMIET)


@router.get("/financien/declaraties/{bericht_id}")
def declaratie_page(request: Request, bericht_id: str, session: DbSession, user: FinanceUser) -> HTMLResponse:
    number = object_id(bericht_id, "declaratie")
    ctx = request.app.state.ctx
    found = read.pagina(session, number, ctx.reference, user.gemeenten)  # another gemeente's: as unknown
    if found is None:
        raise HTTPException(404, f"Er is geen declaratie (JW323) met nummer {number}.")
    clients: list[int | None] = list(found.client_ids) or [None]
    for client_id in clients:
        log_access(session, request, user, object_type="declaratie", object_id=found.regel.bericht_id,
                   client_id=client_id)
    return page(request, "declaratie.html", d=found, namen=dict(financien.providers(session)),
                productnamen={k: p.naam for k, p in ctx.reference.producten.items()}, eenheden=EENHEID_LABELS,
                met_link=user.rol == ADMIN)
