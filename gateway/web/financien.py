"""Finance (`/financien`, finance and administrators): the volume report of issue 6 as a page.

The same rows as `GET /api/v1/rapportages/volumes` (gateway.domain.rapportage.volumes, the
definitions in the README "Finance report"): per aanbieder × productcategorie × productcode ×
eenheid what was allocated, delivered and declared in [van, tot], the amounts in euro and the
utilisation. Filters van/tot (default: this calendar year up to today), aanbieder and, when the
gateway serves more than one, gemeente; links to the CSV and XLSX downloads of the API with the
same filters; two charts drawn server-side as inline SVG (gateway.web.grafieken), so the page
works offline and under the CSP without any script.

No access-log entry: the page shows totals per provider and product, no client data (no BSN,
no client, no message), so there is nothing NEN 7513 asks to log. The session's "last used"
is still committed by `current_user`.
"""
from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from gateway import dateinput as dates
from gateway.http.deps import DbSession
from gateway.db.models import Partij
from gateway.domain import rapportage
from gateway.domain.model.normen import EENHEID_LABELS
from gateway.web import grafieken
from gateway.web.deps import FinanceUser
from gateway.web.render import page

router = APIRouter()

API = "/api/v1/rapportages/volumes"
REEKSEN = ("toegewezen", "gedeclareerd")


def _periode_fout(van: date, tot: date) -> tuple[str, str] | None:
    """The API's period rule (rapportage.check_periode) as (field, Dutch sentence)."""
    reason = rapportage.check_periode(van, tot)
    if reason is None:
        return None
    veld = "van" if van < rapportage.EARLIEST else "tot"
    return veld, f"Ongeldige periode: {reason}."


@router.get("/financien")
def financien_page(request: Request, session: DbSession, _user: FinanceUser) -> Response:
    ctx = request.app.state.ctx
    today = ctx.today()
    q = request.query_params
    invoer = {"van": q.get("van", "").strip() or date(today.year, 1, 1).isoformat(),
              "tot": q.get("tot", "").strip() or today.isoformat(),
              "aanbieder": q.get("aanbieder", "").strip(), "gemeente": q.get("gemeente", "").strip()}
    aanbieders = session.execute(select(Partij.code, Partij.naam).where(Partij.soort == "aanbieder")
                                 .order_by(Partij.naam, Partij.code)).all()
    gemeenten = session.execute(select(Partij.code, Partij.naam).where(Partij.soort == "gemeente")
                                .order_by(Partij.naam, Partij.code)).all()

    fouten: dict[str, str] = {}
    van, tot = dates.parse_date(invoer["van"]), dates.parse_date(invoer["tot"])
    if van is None:
        fouten["van"] = dates.HINT
    if tot is None:
        fouten["tot"] = dates.HINT
    if van is not None and tot is not None and (fout := _periode_fout(van, tot)) is not None:
        fouten[fout[0]] = fout[1]
    if invoer["aanbieder"] and invoer["aanbieder"] not in {code for code, _ in aanbieders}:
        fouten["aanbieder"] = "Kies een aanbieder uit de lijst."
    if invoer["gemeente"] and invoer["gemeente"] not in {code for code, _ in gemeenten}:
        fouten["gemeente"] = "Kies een gemeente uit de lijst."

    context = dict(invoer=invoer, fouten=fouten, aanbieders=aanbieders,
                   gemeenten=gemeenten if len(gemeenten) > 1 else [], eenheden=EENHEID_LABELS,
                   getal=grafieken.getal_nl, bedrag=grafieken.bedrag_nl, procent=grafieken.procent_nl,
                   max_maanden=rapportage.MAX_MAANDEN)
    if fouten:
        return page(request, "financien.html", status=400, **context)

    periode = rapportage.Periode(van, tot)
    aanbieder = invoer["aanbieder"] or None
    # A finance user reports on every gemeente the gateway serves, or on the chosen one.
    filter_gemeenten = [invoer["gemeente"]] if invoer["gemeente"] else None
    producten = ctx.reference.producten
    regels = rapportage.volumes(session, periode, gemeenten=filter_gemeenten, aanbieder=aanbieder,
                                producten=producten)
    rows = [r.as_json() for r in regels]
    namen = dict(aanbieders)

    # Chart 1: per provider the sum of its rows' amounts (toegewezen: rows with a tariff).
    per_aanbieder: dict[str, list[float]] = {}
    for row in rows:
        totals = per_aanbieder.setdefault(row["aanbieder"], [0.0, 0.0])
        totals[0] += row["toegewezen_bedrag"] or 0.0
        totals[1] += row["gedeclareerd_bedrag"] or 0.0
    aanbieder_totalen = [(f"{namen.get(code) or 'onbekende aanbieder'} ({code})", [round(v, 2) for v in totals])
                         for code, totals in per_aanbieder.items()]
    staven = grafieken.staafdiagram(aanbieder_totalen, REEKSEN)

    # Chart 2: month by month (bounded: two grouped queries per month).
    maandreeks, lijn = [], None
    if len(rapportage.maanden(periode)) <= rapportage.MAX_MAANDEN:
        maandreeks = [(grafieken.maand_nl(m.maand), round(m.toegewezen_eurocent / 100, 2),
                       round(m.gedeclareerd_eurocent / 100, 2))
                      for m in rapportage.maandreeks(session, periode, gemeenten=filter_gemeenten,
                                                     aanbieder=aanbieder, producten=producten)]
        if any(t or g for _, t, g in maandreeks):
            lijn = grafieken.lijndiagram([m[0] for m in maandreeks],
                                         [(REEKSEN[0], [m[1] for m in maandreeks]),
                                          (REEKSEN[1], [m[2] for m in maandreeks])])

    filters = {"van": van.isoformat(), "tot": tot.isoformat()}
    if aanbieder:
        filters["aanbieder"] = aanbieder
    if invoer["gemeente"]:
        filters["gemeente"] = invoer["gemeente"]
    return page(request, "financien.html", **context, periode=periode, rows=rows, namen=namen,
                productnamen={key: p.naam for key, p in producten.items()},
                totaal_toegewezen=sum(r["toegewezen_bedrag"] or 0.0 for r in rows),
                totaal_gedeclareerd=sum(r["gedeclareerd_bedrag"] for r in rows),
                staven=staven, aanbieder_totalen=aanbieder_totalen, lijn=lijn, maandreeks=maandreeks,
                te_lang=len(rapportage.maanden(periode)) > rapportage.MAX_MAANDEN,
                csv_url=f"{API}?{urlencode({**filters, 'format': 'csv'})}",
                xlsx_url=f"{API}?{urlencode({**filters, 'format': 'xlsx'})}")
