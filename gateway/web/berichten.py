"""The message log (/berichten) and one message (/berichten/{id}) for the CJG.

The list is read-only and shows the BSN masked; looking a person up with the search box is
logged. The message page shows the message in full (BSN included) and is logged as a view
of that message, with the client's internal id.
"""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException

from gateway.domain.beheer import audit
from gateway.http.deps import DbSession
from gateway.readmodels import berichten as read
from gateway.readmodels import berichtenlog, enveloppen
from gateway.web.deps import CjgUser, log_access, object_id
from gateway.web.render import page
from gateway.web.views import berichten as view

router = APIRouter()

# A lookup in the log is not a view of one message, so it has its own action in the access
# log. It names no object (object_id stays empty: a BSN must never be in the access log);
# when the search text is the BSN of a known client, the entry names that client by its
# internal id (one entry per gemeente that knows the client), so the client's access
# history shows the lookup. A search by another key is logged without a client.


@router.get("/berichten")
def berichten(request: Request, session: DbSession, user: CjgUser) -> HTMLResponse:
    providers = berichtenlog.aanbieders(session)
    gelezen = berichtenlog.read(request.query_params, providers)
    context = view.list_context(gelezen, providers)
    if gelezen.fouten:
        return page(request, "berichten.html", status=400, regels=[], namen={}, envelop_status={}, ouder_url=None,
                    nieuwste_url=None, **context)
    filters = gelezen.filters
    result = berichtenlog.page(session, filters, voor=gelezen.voor, providers=providers)
    namen = berichtenlog.partijnamen(session, {c for r in result.regels for c in (r.afzender, r.ontvanger) if c})
    envelop_status = enveloppen.status_per_message(session, [r.id for r in result.regels])  # one query a page
    if filters.q:
        for client_id in berichtenlog.clients_with_bsn(session, filters.q) or [None]:
            log_access(session, request, user, actie=audit.ZOEKEN, object_type="berichtenlog", object_id=None,
                       client_id=client_id)
    return page(request, "berichten.html", regels=result.regels, namen=namen, envelop_status=envelop_status,
                **view.paging_links(gelezen, result), **context)


@router.get("/berichten/{bericht_id}")
def bericht(request: Request, bericht_id: str, session: DbSession, user: CjgUser,
            ingevoerd: str = "") -> HTMLResponse:
    number = object_id(bericht_id, "bericht")
    found = read.message_page(session, number)
    if found is None:
        raise HTTPException(404, f"Er is geen bericht met nummer {number}.")
    log_access(session, request, user, actie=audit.BEKIJKEN, object_type="bericht", object_id=found.bericht.id,
               client_id=found.client_id)
    # Rendered before the request's unit of work commits, which is before the answer goes
    # out: no view without its log entry.
    return page(request, "bericht.html", **view.message_context(found, request.app.state.ctx.reference,
                                                                ingevoerd=ingevoerd == "1"))
