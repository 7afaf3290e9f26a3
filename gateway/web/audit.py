"""The access log for administrators (`/audit`), and its CSV export (`/audit.csv`).

Viewing this page is not itself logged: the access log records access to client data
(NEN 7513), and this page shows none, only usernames, actions and internal ids. Taking
the log out of the system is different: every CSV export is logged (`exporteren`).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from gateway.http.deps import DbSession, parse_id
from gateway.db.models import AuditRegel
from gateway.domain import audit
from gateway.clock import start_of_day
from gateway import dateinput as dates
from gateway.web.deps import AdminUser, source_address
from gateway.web.render import page

router = APIRouter()

PER_PAGINA = 100
EXPORT_BATCH = 5000  # rows per query while streaming the CSV export

ACTIES = tuple(audit.ACTIES)
LABELS = audit.ACTIES
# Objects that have their own page in the back office.
OBJECT_PAGINAS = {"bericht": "/berichten", "client": "/clienten", "aanvraag": "/aanvragen",
                  "beschikking": "/beschikkingen"}


@dataclass
class Filters:
    """The page's filters as typed (for the form) and as parsed (for the query)."""

    invoer: dict[str, str]
    fouten: dict[str, str] = field(default_factory=dict)
    gebruiker: str | None = None
    actie: str | None = None
    client_id: int | None = None
    van: datetime | None = None  # UTC, inclusive
    tot: datetime | None = None  # UTC, exclusive (the day after `tot`, Dutch time)

    def query_string(self, **extra: object) -> str:
        params = {k: v for k, v in self.invoer.items() if v}
        params.update({k: str(v) for k, v in extra.items() if v is not None})
        return urlencode(params)


def parse_filters(request: Request) -> Filters:
    q = request.query_params
    invoer = {name: q.get(name, "").strip() for name in ("gebruiker", "actie", "client", "van", "tot")}
    f = Filters(invoer=invoer)
    if invoer["gebruiker"]:
        if len(invoer["gebruiker"]) > 64:
            f.fouten["gebruiker"] = "Een gebruikersnaam is hoogstens 64 tekens."
        else:
            f.gebruiker = invoer["gebruiker"].lower()
    if invoer["actie"]:
        if invoer["actie"] in ACTIES:
            f.actie = invoer["actie"]
        else:
            f.fouten["actie"] = "Kies een actie uit de lijst."
    if invoer["client"]:
        f.client_id = parse_id(invoer["client"])
        if f.client_id is None:
            f.fouten["client"] = "Vul het interne cliëntnummer in (alleen cijfers), niet het BSN."
    van_dag = _date(invoer["van"], "van", f.fouten)
    tot_dag = _date(invoer["tot"], "tot", f.fouten)
    if van_dag and tot_dag and van_dag > tot_dag:
        f.fouten["tot"] = "De einddatum ligt vóór de begindatum."
    elif not f.fouten:
        f.van = start_of_day(van_dag) if van_dag else None
        f.tot = start_of_day(tot_dag + timedelta(days=1)) if tot_dag else None
    return f


def _date(text: str, name: str, fouten: dict[str, str]) -> date | None:
    if not text:
        return None
    value = dates.parse_date(text)
    if value is None:
        fouten[name] = dates.HINT
    return value


@router.get("/audit")
def audit_page(request: Request, session: DbSession, _user: AdminUser) -> Response:
    f = parse_filters(request)
    voor_text = request.query_params.get("voor", "").strip()
    voor = parse_id(voor_text) if voor_text else None
    if voor_text and voor is None:
        f.fouten["voor"] = "Deze pagina bestaat niet; begin opnieuw bij de nieuwste regels."
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
def audit_export(request: Request, session: DbSession, user: AdminUser) -> Response:
    """All matching entries, newest first, streamed in batches (no cap: memory stays bounded
    and an export for an auditor must not silently miss rows). The export is logged and
    committed before the first byte goes out; it contains the entries older than its own."""
    f = parse_filters(request)
    if f.fouten:
        return _render(request, f, regels=[], volgende=None, status=400)
    eigen = audit.record(session, gebruiker=user.gebruikersnaam, actie=audit.EXPORTEREN,
                         object_type="toegangslog", adres=source_address(request))
    eigen_id = eigen.id
    session.commit()
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
