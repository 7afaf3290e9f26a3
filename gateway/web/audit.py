"""The access log for administrators (`/audit`), and its CSV export (`/audit.csv`).

Viewing this page is not itself logged: the access log records access to client data
(NEN 7513), and this page shows none, only usernames, actions and internal ids. Taking
the log out of the system is different: every CSV export is logged (`exporteren`).
"""
from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from gateway.db.models import AuditRegel
from gateway.db.session import unit_of_work
from gateway.domain.beheer import audit
from gateway.http.deps import DbSession
from gateway.web.deps import AdminUser, source_address
from gateway.web.forms.audit import ACTIES, Filters, page_after, parse_filters
from gateway.web.render import page

router = APIRouter()

PER_PAGINA = 100
EXPORT_BATCH = 5000  # rows per query while streaming the CSV export

LABELS = audit.ACTIES
# Objects that have their own page in the back office.
OBJECT_PAGINAS = {"bericht": "/berichten", "client": "/clienten", "aanvraag": "/aanvragen",
                  "beschikking": "/beschikkingen"}


@router.get("/audit")
def audit_page(request: Request, session: DbSession, _user: AdminUser) -> Response:
    f = parse_filters(request.query_params)
    voor = page_after(request.query_params, f)
    if f.fouten:
        return _render(request, f, regels=[], volgende=None, status=400)
    rows = audit.entries(session, gebruiker=f.gebruiker, actie=f.actie, client_id=f.client_id,
                         van=f.van, tot=f.tot, voor_id=voor, limit=PER_PAGINA + 1)
    volgende = rows[PER_PAGINA - 1].id if len(rows) > PER_PAGINA else None
    return _render(request, f, regels=rows[:PER_PAGINA], volgende=volgende, eerste=voor is None)


def _render(request: Request, f: Filters, *, regels: list[AuditRegel], volgende: int | None,
            eerste: bool = True, status: int = 200) -> Response:
    return page(request, "audit.html", status=status, filters=f, fouten=f.fouten, regels=regels,
                acties=[(a, LABELS.get(a, a)) for a in ACTIES], labels=LABELS,
                object_paginas=OBJECT_PAGINAS, eerste=eerste,
                volgende_url=None if volgende is None else f"/audit?{f.query_string(voor=volgende)}",
                eerste_url=f"/audit?{f.query_string()}".rstrip("?"),
                export_url=f"/audit.csv?{f.query_string()}".rstrip("?"))


@router.get("/audit.csv")
def audit_export(request: Request, user: AdminUser) -> Response:
    """All matching entries, newest first, streamed in batches (no cap: memory stays bounded
    and an export for an auditor must not silently miss rows). The export is logged in a
    unit of work of its own, committed before the first byte goes out, so an export that
    breaks off half-way is logged too; it contains the entries older than its own."""
    f = parse_filters(request.query_params)
    if f.fouten:
        return _render(request, f, regels=[], volgende=None, status=400)
    with unit_of_work(request.app.state.sessions) as own:
        eigen_id = audit.record(own, gebruiker=user.gebruikersnaam, actie=audit.EXPORTEREN,
                                object_type="toegangslog", adres=source_address(request)).id
    dag = request.app.state.ctx.today().strftime("%Y%m%d")
    return StreamingResponse(
        _csv_batches(request.app.state.sessions, f, eigen_id), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="toegangslog-{dag}.csv"'})


def _csv_batches(sessions, f: Filters, voor_id: int) -> Iterator[str]:
    """The CSV text in pieces: the header row, then one piece per batch of entries, each
    batch its own short read (keyset on id, so no OFFSET and no long-held transaction)."""
    kop, _, _ = audit.as_csv([]).partition("\r\n")
    yield kop + "\r\n"
    while True:
        with sessions() as session:
            rows = audit.entries(session, gebruiker=f.gebruiker, actie=f.actie, client_id=f.client_id,
                                 van=f.van, tot=f.tot, voor_id=voor_id, limit=EXPORT_BATCH)
        if not rows:
            return
        yield audit.as_csv(rows).partition("\r\n")[2]
        voor_id = rows[-1].id
