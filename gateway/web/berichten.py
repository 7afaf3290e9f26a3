"""The message log (/berichten) and one message (/berichten/{id}) for the CJG.

The list is read-only and shows the client's name with the BSN masked; looking a person up
with the search box is logged. The message page shows the message in full (BSN included) and
is logged as a view of that message, with the client's internal id; so is the download of
its XML. The CSV export (/berichten.csv) is the list with the same filters, order and
columns, for the same users, logged as an export (and as a search when it searches).
"""
from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException

from gateway.db.session import unit_of_work
from gateway.domain.beheer import audit
from gateway.http.deps import DbSession
from gateway.readmodels import berichten as read
from gateway.readmodels import berichtenlog, clienten, enveloppen
from gateway.web.deps import CjgUser, log_access, object_id, source_address
from gateway.web.render import page
from gateway.web.views import berichten as view

router = APIRouter()

EXPORT_BATCH = 500

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
        return page(request, "berichten.html", status=400, regels=[], namen={}, clientnamen={}, envelop_status={},
                    ouder_url=None, nieuwste_url=None, totaal=0, **context)
    filters = gelezen.filters
    result = berichtenlog.page(session, filters, voor=gelezen.voor, providers=providers, gemeenten=user.gemeenten)
    totaal = berichtenlog.count(session, filters, providers=providers, gemeenten=user.gemeenten)
    namen = berichtenlog.partijnamen(session, {c for r in result.regels for c in (r.afzender, r.ontvanger) if c})
    clientnamen = _client_names(session, result.regels)
    envelop_status = enveloppen.status_per_message(session, [r.id for r in result.regels])  # one query a page
    _log_search(session, request, user, filters)
    return page(request, "berichten.html", regels=result.regels, namen=namen, clientnamen=clientnamen,
                envelop_status=envelop_status, totaal=totaal, **view.paging_links(gelezen, result), **context)


@router.get("/berichten.csv")
def berichten_csv(request: Request, session: DbSession, user: CjgUser) -> Response:
    """Every message the filters find, in the list's order, streamed in batches (keyset, each
    batch its own short read). Logged in a unit of work of its own, committed before the first
    byte goes out, so an export that breaks off half-way is logged too."""
    providers = berichtenlog.aanbieders(session)
    gelezen = berichtenlog.read(request.query_params, providers)
    if gelezen.fouten:
        return page(request, "berichten.html", status=400, regels=[], namen={}, clientnamen={}, envelop_status={},
                    ouder_url=None, nieuwste_url=None, totaal=0, **view.list_context(gelezen, providers))
    with unit_of_work(request.app.state.sessions) as own:
        audit.record(own, gebruiker=user.gebruikersnaam, actie=audit.EXPORTEREN, object_type="berichtenlog",
                     adres=source_address(request))
        _log_search(own, request, user, gelezen.filters)
    dag = request.app.state.ctx.today().strftime("%Y%m%d")
    return StreamingResponse(_csv_batches(request.app.state.sessions, gelezen.filters, providers,
                                          user.gemeenten),
                             media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="berichten-{dag}.csv"'})


def _csv_batches(sessions, filters: berichtenlog.Filters, providers,
                 gemeenten: frozenset[str] | None) -> Iterator[str]:
    yield view.as_csv([], {}, kop=True)
    voor = None
    while True:
        with sessions() as session:
            result = berichtenlog.page(session, filters, voor=voor, providers=providers, size=EXPORT_BATCH,
                                       gemeenten=gemeenten)
            names = _client_names(session, result.regels)
        if result.regels:
            yield view.as_csv(result.regels, names, kop=False)
        if result.ouder is None:
            return
        voor = result.ouder


def _client_names(session, regels) -> dict[tuple[str, str], str]:
    return clienten.namen(session, {(g, r.bsn) for r in regels if r.bsn for g in (r.afzender, r.ontvanger) if g})


def _log_search(session, request: Request, user, filters: berichtenlog.Filters) -> None:
    if filters.q:
        for client_id in berichtenlog.clients_with_bsn(session, filters.q, user.gemeenten) or [None]:
            log_access(session, request, user, actie=audit.ZOEKEN, object_type="berichtenlog", object_id=None,
                       client_id=client_id)


@router.get("/berichten/{bericht_id}")
def bericht(request: Request, bericht_id: str, session: DbSession, user: CjgUser,
            ingevoerd: str = "") -> HTMLResponse:
    number = object_id(bericht_id, "bericht")
    found = read.message_page(session, number, user.gemeenten)  # another gemeente's: as unknown
    if found is None:
        raise HTTPException(404, f"Er is geen bericht met nummer {number}.")
    log_access(session, request, user, actie=audit.BEKIJKEN, object_type="bericht", object_id=found.bericht.id,
               client_id=found.client_id)
    # Rendered before the request's unit of work commits, which is before the answer goes
    # out: no view without its log entry.
    return page(request, "bericht.html", **view.message_context(found, request.app.state.ctx.reference,
                                                                ingevoerd=ingevoerd == "1"))


@router.get("/berichten/{bericht_id}/xml")
def bericht_xml(request: Request, bericht_id: str, session: DbSession, user: CjgUser) -> Response:
    """The message as it came (or went), byte for byte, as a file: a view of the message."""
    number = object_id(bericht_id, "bericht")
    found = read.message_page(session, number, user.gemeenten)  # another gemeente's: as unknown
    if found is None:
        raise HTTPException(404, f"Er is geen bericht met nummer {number}.")
    if found.bericht.gewist_op is not None:  # the retention purge kept only the counting columns
        raise HTTPException(404, f"De inhoud van bericht {number} is gewist na afloop van de bewaartermijn.")
    log_access(session, request, user, actie=audit.BEKIJKEN, object_type="bericht", object_id=found.bericht.id,
               client_id=found.client_id)
    media_type, naam = view.xml_download(found.bericht)
    return Response(found.bericht.inhoud, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{naam}"',
                             "X-Content-Type-Options": "nosniff"})
