"""Finance (`/financien`, finance and administrators): a first overview of what is assigned.

Per aanbieder × productcategorie × productcode × eenheid (and frequentie, since "4 uur per
week" and "4 uur per maand" do not add up) the toewijzingen in their current version: how
many, their Volume added up as stored, their Budget in euro. Deleted toewijzingen
(RedenWijziging 13) do not count. One grouped query with a bound on the number of groups.
The reconciliation with delivered and declared volume is a later change (issue 6).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from gateway.api.deps import DbSession
from gateway.db.models import Partij, Toewijzing
from gateway.domain.normen import EENHEID_EURO, EENHEID_LABELS, FREQUENTIE_LABELS
from gateway import dateinput as dates
from gateway.web.deps import FinanceUser
from gateway.web.render import page

router = APIRouter()

MAX_GROEPEN = 2000
VERWIJDERD = "13"  # RedenWijziging: toewijzing removed, as if never sent
_AGB = re.compile(r"\d{8}")


@dataclass(frozen=True)
class Groep:
    aanbieder: str
    aanbieder_naam: str | None
    categorie: str | None
    code: str | None
    eenheid: str | None
    frequentie: str | None
    aantal: int
    volume: int | None  # sum of Volume as stored (eurocent for eenheid 83)
    budget: int | None  # eurocent


def toegewezen(session: Session, *, aanbieder: str | None = None, peildatum: date | None = None,
               limit: int = MAX_GROEPEN) -> list[Groep]:
    """The groups, ordered by aanbieder and product; `peildatum` keeps only toewijzingen that
    run on that day (Ingangsdatum and Einddatum inclusive)."""
    keys = (Toewijzing.aanbieder, Toewijzing.categorie, Toewijzing.code, Toewijzing.eenheid, Toewijzing.frequentie)
    query = (select(*keys, func.count(), func.sum(Toewijzing.volume), func.sum(Toewijzing.budget))
             .where(or_(Toewijzing.reden_wijziging.is_(None), Toewijzing.reden_wijziging != VERWIJDERD))
             .group_by(*keys).order_by(*keys).limit(limit))
    if aanbieder:
        query = query.where(Toewijzing.aanbieder == aanbieder)
    if peildatum is not None:
        query = query.where(and_(Toewijzing.ingangsdatum <= peildatum,
                                 or_(Toewijzing.einddatum.is_(None), Toewijzing.einddatum >= peildatum)))
    rows = session.execute(query).all()
    # The providers' names in one follow-up query over the codes shown (no N+1).
    codes = {r[0] for r in rows}
    namen = dict(session.execute(select(Partij.code, Partij.naam).where(
        Partij.soort == "aanbieder", Partij.code.in_(codes))).all()) if codes else {}
    return [Groep(r[0], namen.get(r[0]), r[1], r[2], r[3], r[4], int(r[5]),
                  None if r[6] is None else int(r[6]), None if r[7] is None else int(r[7])) for r in rows]


@router.get("/financien")
def financien_page(request: Request, session: DbSession, _user: FinanceUser) -> Response:
    q = request.query_params
    invoer = {"aanbieder": q.get("aanbieder", "").strip(), "peildatum": q.get("peildatum", "").strip()}
    fouten: dict[str, str] = {}
    if invoer["aanbieder"] and not _AGB.fullmatch(invoer["aanbieder"]):
        fouten["aanbieder"] = "Kies een aanbieder uit de lijst (AGB-code van 8 cijfers)."
    peildatum = None
    if invoer["peildatum"]:
        peildatum = dates.parse_date(invoer["peildatum"])
        if peildatum is None:
            fouten["peildatum"] = dates.HINT
    aanbieders = session.execute(select(Partij.code, Partij.naam).where(Partij.soort == "aanbieder")
                                 .order_by(Partij.naam, Partij.code)).all()
    groepen = [] if fouten else toegewezen(session, aanbieder=invoer["aanbieder"] or None, peildatum=peildatum,
                                           limit=MAX_GROEPEN + 1)
    producten = request.app.state.ctx.reference.producten
    return page(request, "financien.html", status=400 if fouten else 200, invoer=invoer, fouten=fouten,
                aanbieders=aanbieders, groepen=groepen[:MAX_GROEPEN], afgekapt=len(groepen) > MAX_GROEPEN,
                max_groepen=MAX_GROEPEN, productnamen={key: p.naam for key, p in producten.items()},
                eenheden=EENHEID_LABELS, frequenties=FREQUENTIE_LABELS, eenheid_euro=EENHEID_EURO,
                totaal_aantal=sum(g.aantal for g in groepen[:MAX_GROEPEN]),
                totaal_budget=sum(g.budget or 0 for g in groepen[:MAX_GROEPEN]))
