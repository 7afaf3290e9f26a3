"""Finance pages next to /financien:

- `/financien/uitzonderingen`: the exceptions list (gateway.readmodels.uitzonderingen), filtered
  by aanbieder and period; a client is shown by masked BSN and internal id; only an admin
  gets the link to the client page (finance may not open client pages).
- `/financien/bestedingsruimte`: per provider with a cap for the year its spending, committed
  amount, run-rate forecast and the month the cap is reached (gateway.domain.financien.bestedingsruimte);
  an admin sets a cap with the form on the same page (POST, logged in the access log).
"""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from gateway.domain.beheer import audit
from gateway.domain.beheer.gebruikers import ADMIN
from gateway.domain.financien import bestedingsruimte as ruimte
from gateway.domain.financien.rapportage import Periode
from gateway.http.deps import DbSession
from gateway.readmodels import financien as read
from gateway.readmodels import uitzonderingen
from gateway.web.deps import AdminUser, CheckedForm, FinanceUser, log_access
from gateway.web.forms import bestedingsruimte as ruimte_form
from gateway.web.forms.financien import exception_filters
from gateway.web.render import page

router = APIRouter()


# --------------------------------------------------------------------------- exceptions


@router.get("/financien/uitzonderingen")
def uitzonderingen_page(request: Request, session: DbSession, user: FinanceUser) -> Response:
    ctx = request.app.state.ctx
    today = ctx.today()
    aanbieders = read.providers(session)
    f = exception_filters(request.query_params, today, aanbieders=aanbieders)
    resultaat = None
    if not f.fouten:
        resultaat = uitzonderingen.zoek(session, Periode(f.van, f.tot), today=today,
                                        aanbieder=f.invoer["aanbieder"] or None, gemeenten=user.gemeenten)
        log_access(session, request, user, object_type="uitzonderingen",
                   object_id=f"{f.van.isoformat()}/{f.tot.isoformat()}")
    return page(request, "uitzonderingen.html", status=400 if f.fouten else 200, invoer=f.invoer, fouten=f.fouten,
                aanbieders=aanbieders, namen=dict(aanbieders), van=f.van, tot=f.tot, resultaat=resultaat,
                soorten=uitzonderingen.SOORTEN, limiet=uitzonderingen.LIMIET, met_link=user.rol == ADMIN,
                productnamen={k: p.naam for k, p in ctx.reference.producten.items()})


# --------------------------------------------------------------------------- bestedingsruimte


@router.get("/financien/bestedingsruimte")
def bestedingsruimte_page(request: Request, session: DbSession, user: FinanceUser) -> Response:
    text = request.query_params.get("jaar", "").strip()
    jaar, fouten = ruimte_form.shown_year(text, request.app.state.ctx.today().year)
    melding = "De bestedingsruimte is opgeslagen." if request.query_params.get("opgeslagen") else None
    return _ruimte_page(request, session, user, jaar=jaar, invoer={"jaar": text or str(jaar)}, fouten=fouten,
                        formulier={"gemeente": "", "aanbieder": "", "jaar": str(jaar), "bedrag": ""},
                        formfouten={}, status=400 if fouten else 200, melding=melding)


@router.post("/financien/bestedingsruimte")
def bestedingsruimte_instellen(request: Request, session: DbSession, user: AdminUser,
                               form: CheckedForm) -> Response:
    cap = ruimte_form.read_cap(form, gemeenten=[code for code, _ in read.municipalities_by_code(session)],
                               aanbieders={code for code, _ in read.providers(session)})
    if cap.fouten:
        shown = cap.jaar or request.app.state.ctx.today().year
        return _ruimte_page(request, session, user, jaar=shown, invoer={"jaar": str(shown)}, fouten={},
                            formulier=cap.formulier, formfouten=cap.fouten, status=400)
    row = ruimte.instellen(session, gemeente=cap.formulier["gemeente"], aanbieder=cap.formulier["aanbieder"],
                           jaar=cap.jaar, bedrag_eurocent=cap.bedrag_eurocent, door=user.gebruikersnaam)
    log_access(session, request, user, actie=audit.BESTEDINGSRUIMTE_INGESTELD, object_type="bestedingsruimte",
               object_id=f"{row.gemeente}/{row.aanbieder}/{row.jaar}")
    return RedirectResponse(f"/financien/bestedingsruimte?jaar={cap.jaar}&opgeslagen=1", status_code=303)


def _ruimte_page(request: Request, session, user, *, jaar: int, invoer: dict, fouten: dict,
                 formulier: dict, formfouten: dict, status: int, melding: str | None = None) -> Response:
    today = request.app.state.ctx.today()
    standen = [] if fouten else ruimte.overzicht(session, jaar, today=today,
                                                 producten=request.app.state.ctx.reference.producten,
                                                 gemeenten=user.gemeenten)
    aanbieders = read.providers(session)
    return page(request, "bestedingsruimte.html", status=status, jaar=jaar, invoer=invoer, fouten=fouten,
                standen=standen, aanbieders=aanbieders, namen=dict(aanbieders),
                gemeenten=read.municipalities_by_code(session), formulier=formulier, formfouten=formfouten,
                melding=melding, is_admin=user.rol == ADMIN, maanden=ruimte.verstreken_maanden(jaar, today),
                maandnamen=ruimte.MAANDEN)
