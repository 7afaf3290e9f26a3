"""Finance pages next to /financien (issue 6 items 4 and 5):

- `/financien/uitzonderingen`: the exceptions list (gateway.domain.uitzonderingen), filtered
  by aanbieder and period; a client is shown by masked BSN and internal id; only an admin
  gets the link to the client page (finance may not open client pages).
- `/financien/bestedingsruimte`: per provider with a cap for the year its spending, committed
  amount, run-rate forecast and the month the cap is reached (gateway.domain.bestedingsruimte);
  an admin sets a cap with the form on the same page (POST, logged in the access log).
"""
from __future__ import annotations

import re
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from gateway import dateinput as dates
from gateway.http.deps import DbSession
from gateway.db.models import Partij
from gateway.domain import audit
from gateway.domain import bestedingsruimte as ruimte
from gateway.domain import uitzonderingen
from gateway.domain.rapportage import Periode, check_periode
from gateway.web.deps import AdminUser, CheckedForm, FinanceUser, log_access
from gateway.web.render import page

router = APIRouter()

_AGB = re.compile(r"\d{8}")
_JAAR = re.compile(r"\d{4}")
JAAR_MIN, JAAR_MAX = 2015, 2100


def _aanbieders(session) -> list[tuple[str, str]]:
    return list(session.execute(select(Partij.code, Partij.naam).where(Partij.soort == "aanbieder")
                                .order_by(Partij.naam, Partij.code)).all())


def _gemeenten(session) -> list[tuple[str, str]]:
    return list(session.execute(select(Partij.code, Partij.naam).where(Partij.soort == "gemeente")
                                .order_by(Partij.code)).all())


# --------------------------------------------------------------------------- exceptions


@router.get("/financien/uitzonderingen")
def uitzonderingen_page(request: Request, session: DbSession, user: FinanceUser) -> Response:
    q = request.query_params
    today = request.app.state.ctx.today()
    invoer = {"aanbieder": q.get("aanbieder", "").strip(), "van": q.get("van", "").strip(),
              "tot": q.get("tot", "").strip()}
    fouten: dict[str, str] = {}
    aanbieders = _aanbieders(session)
    if invoer["aanbieder"] and invoer["aanbieder"] not in {code for code, _ in aanbieders}:
        fouten["aanbieder"] = "Kies een aanbieder uit de lijst."
    # Default period: the current calendar year.
    van, tot = date(today.year, 1, 1), date(today.year, 12, 31)
    for name in ("van", "tot"):
        if invoer[name]:
            parsed = dates.parse_date(invoer[name])
            if parsed is None:
                fouten[name] = dates.HINT
            elif name == "van":
                van = parsed
            else:
                tot = parsed
    if "van" not in fouten and "tot" not in fouten and (reden := check_periode(van, tot)):
        fouten["tot"] = f"Deze periode kan niet: {reden}."
    resultaat = None
    if not fouten:
        resultaat = uitzonderingen.zoek(session, Periode(van, tot), today=today,
                                        aanbieder=invoer["aanbieder"] or None)
        log_access(session, request, user, object_type="uitzonderingen",
                   object_id=f"{van.isoformat()}/{tot.isoformat()}")
        session.commit()
    return page(request, "uitzonderingen.html", status=400 if fouten else 200, invoer=invoer, fouten=fouten,
                aanbieders=aanbieders, namen=dict(aanbieders), van=van, tot=tot, resultaat=resultaat,
                soorten=uitzonderingen.SOORTEN, limiet=uitzonderingen.LIMIET,
                met_link=user.rol == "admin",
                productnamen={k: p.naam for k, p in request.app.state.ctx.reference.producten.items()})


# --------------------------------------------------------------------------- bestedingsruimte


def _ruimte_page(request: Request, session, user, *, jaar: int, invoer: dict, fouten: dict,
                 formulier: dict, formfouten: dict, status: int, melding: str | None = None) -> Response:
    today = request.app.state.ctx.today()
    standen = [] if fouten else ruimte.overzicht(session, jaar, today=today,
                                                 producten=request.app.state.ctx.reference.producten)
    aanbieders = _aanbieders(session)
    return page(request, "bestedingsruimte.html", status=status, jaar=jaar, invoer=invoer, fouten=fouten,
                standen=standen, aanbieders=aanbieders, namen=dict(aanbieders), gemeenten=_gemeenten(session),
                formulier=formulier, formfouten=formfouten, melding=melding, is_admin=user.rol == "admin",
                maanden=ruimte.verstreken_maanden(jaar, today), maandnamen=ruimte.MAANDEN)


def _jaar(text: str) -> int | None:
    if _JAAR.fullmatch(text) and JAAR_MIN <= int(text) <= JAAR_MAX:
        return int(text)
    return None


@router.get("/financien/bestedingsruimte")
def bestedingsruimte_page(request: Request, session: DbSession, user: FinanceUser) -> Response:
    today = request.app.state.ctx.today()
    text = request.query_params.get("jaar", "").strip()
    fouten: dict[str, str] = {}
    jaar = today.year
    if text:
        parsed = _jaar(text)
        if parsed is None:
            fouten["jaar"] = f"Vul een jaar in tussen {JAAR_MIN} en {JAAR_MAX}."
        else:
            jaar = parsed
    melding = "De bestedingsruimte is opgeslagen." if request.query_params.get("opgeslagen") else None
    return _ruimte_page(request, session, user, jaar=jaar, invoer={"jaar": text or str(jaar)}, fouten=fouten,
                        formulier={"gemeente": "", "aanbieder": "", "jaar": str(jaar), "bedrag": ""}, formfouten={}, status=400 if fouten else 200,
                        melding=melding)


@router.post("/financien/bestedingsruimte")
def bestedingsruimte_instellen(request: Request, session: DbSession, user: AdminUser,
                               form: CheckedForm) -> Response:
    today = request.app.state.ctx.today()
    formulier = {k: form.get(k, "").strip() for k in ("gemeente", "aanbieder", "jaar", "bedrag")}
    formfouten: dict[str, str] = {}
    gemeenten = [code for code, _ in _gemeenten(session)]
    if not formulier["gemeente"] and len(gemeenten) == 1:
        formulier["gemeente"] = gemeenten[0]  # one gemeente served: the form need not ask
    if formulier["gemeente"] not in gemeenten:
        formfouten["gemeente"] = "Kies een gemeente uit de lijst."
    if not _AGB.fullmatch(formulier["aanbieder"]) or formulier["aanbieder"] not in {
            code for code, _ in _aanbieders(session)}:
        formfouten["aanbieder"] = "Kies een aanbieder uit de lijst."
    jaar = _jaar(formulier["jaar"])
    if jaar is None:
        formfouten["jaar"] = f"Vul een jaar in tussen {JAAR_MIN} en {JAAR_MAX}."
    bedrag = ruimte.parse_euro(formulier["bedrag"])
    if bedrag is None:
        formfouten["bedrag"] = "Vul een bedrag in euro in, bijvoorbeeld 12.500,00 of 12500.00."
    elif bedrag <= 0:
        formfouten["bedrag"] = "Het bedrag moet groter zijn dan 0."
    elif bedrag > ruimte.MAX_EUROCENT:
        formfouten["bedrag"] = "Dit bedrag is onwaarschijnlijk groot; controleer het."
    if formfouten:
        shown = jaar or today.year
        return _ruimte_page(request, session, user, jaar=shown, invoer={"jaar": str(shown)}, fouten={},
                            formulier=formulier, formfouten=formfouten, status=400)
    row = ruimte.instellen(session, gemeente=formulier["gemeente"], aanbieder=formulier["aanbieder"],
                           jaar=jaar, bedrag_eurocent=bedrag, door=user.gebruikersnaam)
    log_access(session, request, user, actie=audit.BESTEDINGSRUIMTE_INGESTELD, object_type="bestedingsruimte",
               object_id=f"{row.gemeente}/{row.aanbieder}/{row.jaar}")
    session.commit()
    return RedirectResponse(f"/financien/bestedingsruimte?jaar={jaar}&opgeslagen=1", status_code=303)
