"""`/api/v1/rapportages/volumes`: allocated, delivered and declared volume per aanbieder and
product over a period (design §7 "Finance report"), as JSON, CSV (RFC 4180), CSV for Dutch Excel
(`format=csv-nl`) or XLSX.

Who may ask: a municipality token (its own gemeente only) or a back-office session of a
finance user or an administrator (every gemeente the user may see, or one of them with `gemeente=`).
The definitions are in gateway.domain.financien.rapportage and in the README ("Finance report").
"""
from __future__ import annotations

import csv
import io
import re
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import select

from gateway.api.deps import bearer, get_party
from gateway.api.openapi_models import VolumesPayload
from gateway.api.responses import problem
from gateway.api.validation import IsoDate
from gateway.db.models import Partij
from gateway.domain.financien import rapportage
from gateway.http.deps import DbSession
from gateway.problems import Problem
from gateway.readmodels import financien
from gateway.web.deps import LoginNodig, Verboden, current_user, role

router = APIRouter(prefix="/api/v1/rapportages", tags=["rapportages"])

_AGB = re.compile(r"[0-9]{8}")
_GEMEENTE = re.compile(r"[0-9]{4}")
Format = Literal["json", "csv", "csv-nl", "xlsx"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _bad(detail: str) -> Problem:
    return Problem(400, "bad-request", "Ongeldig verzoek", detail)


def allowed_gemeenten(request: Request, session: DbSession,
                      credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
                      ) -> list[str] | None:
    """The gemeenten the caller may report on: a municipality token its own; a finance (or
    admin) session the user's municipalities (None: all). A token wins over a cookie; a provider token is refused."""
    if credentials is not None:
        party = get_party(session, credentials)  # 401 for an unknown or revoked token
        if party.soort != "gemeente":
            raise Problem(403, "gemeente-only", "Alleen voor de gemeente",
                          "deze rapportage is er voor de gemeente en voor financiën, niet voor aanbieders")
        return [party.code]
    try:
        user = role("finance")(current_user(request, session))  # the back office's own session check
    except LoginNodig:
        raise Problem(401, "unauthorized", "Niet geauthenticeerd",
                      "geef een gemeentetoken mee (Authorization: Bearer <token>) of log in als financiën",
                      headers={"WWW-Authenticate": "Bearer"}) from None
    except Verboden:
        raise Problem(403, "finance-only", "Alleen voor financiën",
                      "deze rapportage is er voor financiën en beheerders") from None
    # A user of some municipalities reports on theirs only (design.md §9); None: all.
    return sorted(user.gemeenten) if user.gemeenten is not None else None


Gemeenten = Annotated[list[str] | None, Depends(allowed_gemeenten)]


# Between the dates: what JSON Schema cannot say, so the description does (400 otherwise).
_PERIODE = (f"`van` en `tot` (beide inclusief) liggen tussen {rapportage.EARLIEST.isoformat()} en "
            f"{rapportage.LATEST.isoformat()}, `tot` niet vóór `van`, en de periode is korter dan "
            f"{rapportage.MAX_JAREN} jaar; anders 400 met de reden.")


@router.get("/volumes", summary="Toegewezen, geleverd en gedeclareerd volume per aanbieder en product",
            description="Met een gemeentetoken (de eigen gemeente) of een sessie van financiën of een beheerder. "
                        + _PERIODE,
            responses={200: {"model": VolumesPayload, "description": "Het rapport in het gevraagde `format`",
                             "content": {"text/csv": {"schema": {"type": "string"}},
                                         XLSX: {"schema": {"type": "string", "format": "binary"}}}},
                       403: problem("Een aanbiederstoken, een gebruiker zonder de rol financiën, of een andere "
                                    "gemeente dan die van het token"),
                       404: problem("Een onbekende aanbieder")})
def volumes(request: Request, session: DbSession, gemeenten: Gemeenten,
            van: Annotated[IsoDate, Query(description="Eerste dag van de periode (JJJJ-MM-DD)")],
            tot: Annotated[IsoDate, Query(description="Laatste dag van de periode (JJJJ-MM-DD)")],
            # The schema shows the code's form; the Dutch answer to another comes from the checks below.
            aanbieder: str | None = Query(None, description="AGB-code van 8 cijfers",
                                          json_schema_extra={"pattern": "^[0-9]{8}$"}),
            gemeente: str | None = Query(None, description="CBS-code van 4 cijfers",
                                         json_schema_extra={"pattern": "^[0-9]{4}$"}),
            format: Format = Query("json", description="json, csv (RFC 4180), csv-nl (Excel met Nederlandse "
                                                       "instellingen) of xlsx")) -> Response:
    periode = rapportage.Periode(van, tot)
    if (reason := rapportage.check_periode(periode.van, periode.tot)) is not None:
        raise _bad(reason)
    if aanbieder is not None:
        if not _AGB.fullmatch(aanbieder):
            raise _bad("aanbieder is een AGB-code van 8 cijfers")
        # Decision: an AGB the gateway does not know is 404 (a report on nobody is a mistake,
        # not an empty table); a known provider without toewijzingen gives no rows.
        if session.scalar(select(Partij.id).where(Partij.soort == "aanbieder", Partij.code == aanbieder)) is None:
            raise Problem(404, "not-found", "Niet gevonden", f"er is geen aanbieder met AGB-code {aanbieder}")
    if gemeente is not None:
        if not _GEMEENTE.fullmatch(gemeente):
            raise _bad("gemeente is een CBS-code van 4 cijfers")
        if gemeenten is not None and gemeente not in gemeenten:
            raise Problem(403, "other-gemeente", "Andere gemeente", "een gemeente ziet alleen haar eigen cijfers")
        gemeenten = [gemeente]
    regels = rapportage.volumes(session, periode, gemeenten=gemeenten, aanbieder=aanbieder,
                                producten=request.app.state.reference.producten)
    rows = [r.as_json() for r in regels]
    name = f"volumes-{periode.van.isoformat()}-{periode.tot.isoformat()}"
    if format == "csv":
        return Response(as_csv(rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    if format == "csv-nl":
        return Response(as_csv_nl(rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}-excel-nl.csv"'})
    if format == "xlsx":
        namen = dict(financien.providers(session))
        producten = {key: p.naam for key, p in request.app.state.reference.producten.items()}
        return Response(as_xlsx(rows, periode, namen, producten), media_type=XLSX,
                        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    return JSONResponse({"van": periode.van.isoformat(), "tot": periode.tot.isoformat(),
                         "aanbieder": aanbieder, "rows": rows})


def as_csv(rows: list[dict]) -> str:
    """RFC 4180: a header row, CRLF line ends, quotes where needed; dot decimals, an empty
    field for no value."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(rapportage.KOLOMMEN)
    for row in rows:
        writer.writerow(["" if row[k] is None else row[k] for k in rapportage.KOLOMMEN])
    return out.getvalue()


def as_csv_nl(rows: list[dict]) -> bytes:
    """The same rows for Excel with Dutch settings, which reads a comma-separated file as one
    column: semicolons between fields, decimal commas, and a UTF-8 BOM so Excel takes the
    text as UTF-8. Still CRLF and quotes where needed; the RFC 4180 file stays as it is."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(rapportage.KOLOMMEN)
    for row in rows:
        writer.writerow([_nl(row[k]) for k in rapportage.KOLOMMEN])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _nl(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value).replace(".", ",")  # no thousands separator: Excel would read it as text
    return str(value)


XLSX_KOLOMMEN = ("aanbieder", "aanbieder_naam", "productcategorie", "productcode", "productnaam",
                 *rapportage.KOLOMMEN[3:])


def as_xlsx(rows: list[dict], periode: rapportage.Periode, namen: dict[str, str],
            producten: dict[tuple[str, str], str]) -> bytes:
    """One sheet with a header row, frozen and with an autofilter; the provider's and the
    product's name beside their codes; quantities and amounts as numbers, codes as text."""
    from openpyxl import Workbook  # only loaded when someone asks for a spreadsheet
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(f"volumes {periode.van.isoformat()}-{periode.tot.isoformat()}"[:31])
    sheet.freeze_panes = "A2"  # write-only sheets take these before the first row
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(XLSX_KOLOMMEN))}{len(rows) + 1}"
    sheet.append(list(XLSX_KOLOMMEN))
    for row in rows:
        extra = {"aanbieder_naam": namen.get(row["aanbieder"], ""),
                 "productnaam": producten.get((row["productcategorie"] or "", row["productcode"] or ""), "")}
        sheet.append([extra[k] if k in extra else row[k] for k in XLSX_KOLOMMEN])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
