"""Finance (`/financien`, finance and administrators): the volume report as a page.

The same rows as `GET /api/v1/rapportages/volumes` (gateway.domain.financien.rapportage.volumes, the
definitions in the README "Finance report"), added up from the month totals
(gateway.domain.financien.maandrapport): per aanbieder × productcategorie × productcode ×
eenheid what was allocated, delivered and declared in [van, tot], the amounts in euro and the
utilisation. Filters van/tot (default: this calendar year up to today), aanbieder and, when the
gateway serves more than one, gemeente; links to the CSV and XLSX downloads of the API with the
same filters; two charts drawn server-side as inline SVG (gateway.web.grafieken), so the page
works offline and under the CSP without any script.

No access-log entry: the page shows totals per provider and product, no client data (no BSN,
no client, no message), so there is nothing NEN 7513 asks to log. The session's "last used"
is still recorded by `current_user`.
"""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway.domain.financien import rapportage
from gateway.http.deps import DbSession
from gateway.model.normen import EENHEID_LABELS
from gateway.readmodels import financien as read
from gateway.web import grafieken
from gateway.web.deps import FinanceUser
from gateway.web.forms.financien import volume_filters
from gateway.web.render import page
from gateway.web.sessies import may_see
from gateway.web.views.financien import report_context

router = APIRouter()


@router.get("/financien")
def financien_page(request: Request, session: DbSession, user: FinanceUser) -> Response:
    ctx = request.app.state.ctx
    # A user of some municipalities chooses among theirs and, without a choice, gets the
    # report of all of theirs (design.md §9); the API's downloads scope the same way.
    aanbieders = read.providers(session)
    gemeenten = [(code, naam) for code, naam in read.municipalities_by_name(session) if may_see(user, code)]
    f = volume_filters(request.query_params, ctx.today(), aanbieders=aanbieders, gemeenten=gemeenten)
    context = dict(invoer=f.invoer, fouten=f.fouten, aanbieders=aanbieders,
                   gemeenten=gemeenten if len(gemeenten) > 1 else [], eenheden=EENHEID_LABELS,
                   getal=grafieken.getal_nl, bedrag=grafieken.bedrag_nl, procent=grafieken.procent_nl,
                   max_maanden=rapportage.MAX_MAANDEN)
    if f.fouten:
        return page(request, "financien.html", status=400, **context)
    periode = rapportage.Periode(f.van, f.tot)
    producten = ctx.reference.producten
    scope = f.gemeenten if f.gemeenten is not None else \
        (sorted(user.gemeenten) if user.gemeenten is not None else None)
    report = read.volume_report(session, periode, gemeenten=scope, aanbieder=f.aanbieder, producten=producten)
    return page(request, "financien.html", **context,
                **report_context(report.rows, report.maandreeks, dict(aanbieders), periode, f.as_params(periode), producten))
