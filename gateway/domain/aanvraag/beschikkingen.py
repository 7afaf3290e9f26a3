"""Beschikkingen: the municipality's decision for the parents, and bezwaar against it.

A beschikking is never sent in iJw messages (UP037); it is numbered uniquely, dated, and holds
what the parents need to read: the hulpvraag, the context analysis and the results from the
aanvraagformulier, the granted products with code, period and Omvang or Budget, the
leveringsvorm, or the reason of a rejection, and the bezwaar term.

Bezwaar term (Awb 6:7, 6:8): six weeks, starting the day after the decision is made known, so
it ends on the same weekday six weeks after the date of the beschikking; a term that ends on a
Saturday, Sunday or public holiday runs to the next werkdag (Algemene termijnenwet art. 1).
We take the beschikking's date as the day it is made known (the facts are silent on dispatch).
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.context import Context
from gateway.db.models import Aanvraag, Beschikking, Bezwaar, Partij
from gateway.domain.aanvraag import nummers
from gateway.domain.aanvraag.toewijzingen import Inhoud
from gateway.domain.fouten import DomainFout
from gateway.model.normen import EENHEID_LABELS, FREQUENTIE_LABELS
from gateway.model.werkdagen import add_werkdagen
from gateway.xml.view import ParsedMessage

BEZWAARTERMIJN = timedelta(weeks=6)
TOEKENNING, AFWIJZING = "toekenning", "afwijzing"
BEZWAAR_UITKOMSTEN = ("gegrond", "ongegrond", "ingetrokken")


class BezwaarFout(DomainFout):
    """An objection that cannot be registered or decided as given."""


def bezwaar_uiterlijk(datum: date) -> date:
    return add_werkdagen(datum + BEZWAARTERMIJN, 0)


def issue(session: Session, ctx: Context, *, aanvraag: Aanvraag, msg: ParsedMessage,
          soort: str, producten: list[Inhoud], reden_afwijzing: str | None = None,
          reden_tekst: str | None = None) -> Beschikking:
    datum = ctx.today()
    nummer = nummers.next_number(session, aanvraag.gemeente, nummers.BESCHIKKING)
    form = "m:Client/m:Aanvraagformulier"
    gemeente = ctx.reference.gemeenten.get(aanvraag.gemeente)
    aanbieder = session.scalar(select(Partij.naam).where(Partij.soort == "aanbieder",
                                                         Partij.code == aanvraag.aanbieder))
    inhoud = {
        "client": {"bsn": aanvraag.bsn, "naam": _naam(msg),
                   "geboortedatum": msg.text("m:Client/m:Geboortedatum/b:Datum")},
        "gemeente": {"code": aanvraag.gemeente, "naam": gemeente[-1].naam if gemeente else aanvraag.gemeente},
        "aanbieder": {"agb": aanvraag.aanbieder, "naam": aanbieder or aanvraag.aanbieder},
        "hulpvraag": msg.text(f"{form}/m:Hulpvraag"),
        "contextanalyse": msg.text(f"{form}/m:Contextanalyse"),
        "resultaten": [r.text for r in msg.findall(f"{form}/m:Resultaten/m:Resultaat")],
        "toestemming_ouders": msg.text(f"{form}/m:ToestemmingOuders"),
        "aanvraag_dagtekening": aanvraag.dagtekening.isoformat(),
        "producten": [_product(p, ctx) for p in producten],
        "reden_afwijzing": ({"code": reden_afwijzing, "omschrijving": reden_tekst}
                            if reden_afwijzing else None),
        # Why the CJG decided so, where it had to say (design.md §9)
        "motivering": (aanvraag.besluit or {}).get("motivering"),
    }
    beschikking = Beschikking(
        nummer=f"{aanvraag.gemeente}-{datum.year}-{nummer:06d}", gemeente=aanvraag.gemeente,
        aanvraag_id=aanvraag.id, bsn=aanvraag.bsn, datum=datum, soort=soort,
        leveringsvorm=aanvraag.leveringsvorm, inhoud=inhoud, bezwaar_uiterlijk=bezwaar_uiterlijk(datum))
    session.add(beschikking)
    session.flush()
    return beschikking


def by_number(session: Session, nummer: str, gemeente: str) -> Beschikking | None:
    return session.scalar(select(Beschikking).where(Beschikking.nummer == nummer,
                                                    Beschikking.gemeente == gemeente))


def for_aanvraag(session: Session, aanvraag_id: int) -> Beschikking | None:
    return session.scalar(select(Beschikking).where(Beschikking.aanvraag_id == aanvraag_id))


def register_bezwaar(session: Session, beschikking: Beschikking, *, ontvangen_op: date,
                     indiener: str, toelichting: str | None, today: date) -> Bezwaar:
    if ontvangen_op < beschikking.datum:
        raise BezwaarFout(422, "datum", f"een bezwaar kan niet vóór de beschikking ({beschikking.datum}) "
                                        "zijn ontvangen")
    if ontvangen_op > today:
        raise BezwaarFout(422, "datum", f"de ontvangstdatum {ontvangen_op} ligt in de toekomst")
    if not indiener.strip():
        raise BezwaarFout(422, "indiener", "vul in wie het bezwaar indient")
    if len(indiener.strip()) > 200:
        raise BezwaarFout(422, "indiener", "de naam van de indiener is hoogstens 200 tekens")
    if toelichting is not None and len(toelichting.strip()) > 4000:
        raise BezwaarFout(422, "toelichting", "de toelichting is hoogstens 4000 tekens")
    # Late is still registered: the Awb lets the gemeente excuse a late objection (6:11).
    bezwaar = Bezwaar(beschikking_id=beschikking.id, ontvangen_op=ontvangen_op, indiener=indiener.strip(),
                      toelichting=(toelichting or "").strip() or None,
                      binnen_termijn=ontvangen_op <= beschikking.bezwaar_uiterlijk, status="ingediend")
    session.add(bezwaar)
    session.flush()
    return bezwaar


def decide_bezwaar(session: Session, beschikking: Beschikking, bezwaar_id: int, *, uitkomst: str,
                   today: date) -> Bezwaar:
    bezwaar = session.get(Bezwaar, bezwaar_id)
    if bezwaar is None or bezwaar.beschikking_id != beschikking.id:
        raise BezwaarFout(404, "not-found", f"geen bezwaar {bezwaar_id} bij beschikking {beschikking.nummer}")
    if uitkomst not in BEZWAAR_UITKOMSTEN:
        raise BezwaarFout(422, "uitkomst", f"uitkomst is een van {', '.join(BEZWAAR_UITKOMSTEN)}")
    if bezwaar.status != "ingediend":
        raise BezwaarFout(409, "al-afgehandeld", f"bezwaar {bezwaar_id} is al afgehandeld ({bezwaar.status})")
    bezwaar.status, bezwaar.afgehandeld_op = uitkomst, today
    return bezwaar


def as_json(beschikking: Beschikking) -> dict[str, Any]:
    return {"nummer": beschikking.nummer, "datum": beschikking.datum.isoformat(),
            "soort": beschikking.soort, "leveringsvorm": beschikking.leveringsvorm,
            "bezwaar_uiterlijk": beschikking.bezwaar_uiterlijk.isoformat(),
            **beschikking.inhoud,
            "bezwaren": [bezwaar_json(b) for b in beschikking.bezwaren]}


def bezwaar_json(bezwaar: Bezwaar) -> dict[str, Any]:
    return {"id": bezwaar.id, "ontvangen_op": bezwaar.ontvangen_op.isoformat(),
            "indiener": bezwaar.indiener, "toelichting": bezwaar.toelichting,
            "binnen_termijn": bezwaar.binnen_termijn, "status": bezwaar.status,
            "afgehandeld_op": bezwaar.afgehandeld_op.isoformat() if bezwaar.afgehandeld_op else None}


def _naam(msg: ParsedMessage) -> str:
    naam = msg.find("m:Client/m:Naam")
    parts = [msg.text("b:Voornamen", naam) or msg.text("b:Voorletters", naam),
             msg.text("b:Geslachtsnaam/b:Voorvoegsel", naam), msg.text("b:Geslachtsnaam/b:Achternaam", naam)]
    return " ".join(p for p in parts if p)


def _product(inhoud: Inhoud, ctx: Context) -> dict[str, Any]:
    known = ctx.reference.producten.get((inhoud.categorie or "", inhoud.code or ""))
    omvang = None
    if inhoud.volume is not None:
        enkel, meervoud = EENHEID_LABELS.get(inhoud.eenheid or "", (inhoud.eenheid, inhoud.eenheid))
        if inhoud.eenheid == "83":
            omvang = f"€ {inhoud.volume / 100:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
        else:
            omvang = f"{inhoud.volume} {enkel if inhoud.volume == 1 else meervoud}"
        omvang += f" {FREQUENTIE_LABELS.get(inhoud.frequentie or '', '')}".rstrip()
    return {"categorie": inhoud.categorie, "code": inhoud.code,
            "naam": known.naam if known else None,
            "ingangsdatum": inhoud.ingangsdatum.isoformat(),
            "einddatum": inhoud.einddatum.isoformat() if inhoud.einddatum else None,
            "volume": inhoud.volume, "eenheid": inhoud.eenheid, "frequentie": inhoud.frequentie,
            "budget": inhoud.budget, "omvang": omvang}
