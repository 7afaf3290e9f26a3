"""Beschikkingen: the municipality's decision for the parents, and bezwaar against it.

A beschikking is never sent in iJw messages (UP037); it is numbered uniquely, dated, and holds
what the parents need to read: the hulpvraag, the context analysis and the results from the
aanvraagformulier, the granted products with code, period and Omvang or Budget, the
leveringsvorm, or the reason of a rejection, and the bezwaar term.

Bezwaar term (Awb 6:7, 6:8): six weeks, starting the day after the decision is made known, so
it ends on the same weekday six weeks after the date of the beschikking; a term that ends on a
Saturday, Sunday or public holiday runs to the next werkdag (Algemene termijnenwet art. 1).
We take the beschikking's date as the day it is made known (the facts are silent on dispatch).

Beslistermijn on a bezwaar (Awb 7:10): six weeks from the end of the bezwaar term, extendable
once by six weeks (7:10 lid 3); with an advisory committee it would be twelve, which the
gateway does not model.

What the document says (design.md §9) is fixed in `inhoud` when it is issued: the addressee
and address, per product what was asked and what was decided, the rejection's reason in words,
the motivering, the PGB amount and whom to contact. A beschikking is a decision on paper; a
later change of the client's address or of the settings must not change what it said.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gateway.context import Context
from gateway.db.models import Aanvraag, AanvraagProduct, Beschikking, Bezwaar, Partij
from gateway.db.rows import rowcount
from gateway.domain.aanvraag import clienten, clientgegevens, normtoets, nummers
from gateway.domain.aanvraag.aanvragen import CLIENT_WIJKT_AF
from gateway.domain.aanvraag.toewijzingen import Inhoud
from gateway.domain.fouten import DomainFout
from gateway.model.normen import EENHEID_EURO, EENHEID_LABELS, FREQUENTIE_LABELS, hoeveelheid
from gateway.model.werkdagen import add_werkdagen
from gateway.reference import Product
from gateway.xml.view import ParsedMessage

BEZWAARTERMIJN = timedelta(weeks=6)
TOEKENNING, AFWIJZING = "toekenning", "afwijzing"
BEZWAAR_UITKOMSTEN = ("gegrond", "ongegrond", "ingetrokken")
BESLISTERMIJN = timedelta(weeks=6)  # Awb 7:10 lid 1, from the end of the bezwaar term
VERDAGING = timedelta(weeks=6)  # Awb 7:10 lid 3, once
MEERDERJARIG = 18
# Per product, what was decided against what was asked (the letter's table).
ZOALS_GEVRAAGD, GEDEELTELIJK, ANDERS, AFGEWEZEN = "toegekend", "gedeeltelijk", "anders", "afgewezen"
# The WJ759 reasons said to the parents: the code's own text (REDENEN_AFWIJZING) is the
# provider's shorthand, this is what it means for them.
REDEN_UITLEG = {
    "1": "Uw aanvraag is ingediend als wijziging, maar het gaat om nieuwe hulp. Daarvoor is een nieuwe "
         "aanvraag nodig.",
    "2": "De gevraagde hulp past niet binnen het budget dat de gemeente hiervoor heeft.",
    "3": "De gemeente heeft met deze aanbieder geen contract voor deze hulp.",
    "4": "De gevraagde hulp past niet binnen het contract dat de gemeente met de aanbieder heeft.",
    "5": "Een andere gemeente is verantwoordelijk voor deze hulp.",
    "6": "Er is al andere hulp toegekend die hetzelfde doel heeft.",
    "7": "Wij vinden, na beoordeling van de hulpvraag en de situatie, dat deze hulp niet passend of "
         "niet nodig is.",
    "8": "Volgens het woonplaatsbeginsel van de Jeugdwet is een andere gemeente verantwoordelijk.",
    "9": "De jeugdige heeft de leeftijdsgrens voor deze hulp bereikt.",
}


class BezwaarFout(DomainFout):
    """An objection that cannot be registered or decided as given."""


def bezwaar_uiterlijk(datum: date) -> date:
    return add_werkdagen(datum + BEZWAARTERMIJN, 0)


def beslissen_uiterlijk(beschikking: Beschikking) -> tuple[date, date]:
    """By when the gemeente decides on a bezwaar against `beschikking` (Awb 7:10 lid 1: six weeks
    after the bezwaar term ends) and how far one verdaging takes that (lid 3: six more)."""
    termijn = beschikking.bezwaar_uiterlijk + BESLISTERMIJN
    return termijn, termijn + VERDAGING


def standaard_contact(gemeente_naam: str) -> str:
    """Whom to contact when the gateway's settings say nothing (GATEWAY_CJG_CONTACT empty)."""
    return (f"Heeft u vragen over dit besluit? Neem dan contact op met het Centrum voor Jeugd en Gezin "
            f"(CJG) van gemeente {gemeente_naam}. Noem daarbij het beschikkingnummer.")


def issue(session: Session, ctx: Context, *, aanvraag: Aanvraag, msg: ParsedMessage,
          soort: str, producten: list[Inhoud], reden_afwijzing: str | None = None,
          reden_tekst: str | None = None, gevraagd: list[AanvraagProduct] | None = None) -> Beschikking:
    """`producten` as decided, `gevraagd` the aanvraag's products they answer (same order)."""
    datum = ctx.today()
    nummer = nummers.next_number(session, aanvraag.gemeente, nummers.BESCHIKKING)
    form = "m:Client/m:Aanvraagformulier"
    gemeente = ctx.reference.gemeenten.get(aanvraag.gemeente)
    aanbieder = session.scalar(select(Partij.naam).where(Partij.soort == "aanbieder",
                                                         Partij.code == aanvraag.aanbieder))
    gemeente_naam = gemeente[-1].naam if gemeente else aanvraag.gemeente
    naam, geboortedatum = _naam(msg), msg.text("m:Client/m:Geboortedatum/b:Datum")
    stored = _stored_identity(session, aanvraag)
    if stored is not None:  # the case worker kept (or took over into) the stored client
        naam, geboortedatum = stored.naam or naam, stored.geboortedatum
    besluit = aanvraag.besluit or {}
    decided = [_product(p, ctx, aanvraag.leveringsvorm) for p in producten]
    if gevraagd is not None and len(gevraagd) == len(producten):
        for row, asked, inhoud_ in zip(decided, gevraagd, producten, strict=True):
            row.update(_vergeleken(asked, inhoud_, soort))
    inhoud = {
        "client": {"bsn": aanvraag.bsn, "naam": naam, "geboortedatum": geboortedatum},
        "geadresseerde": _geadresseerde(session, aanvraag, None if stored is not None else msg, naam,
                                        geboortedatum, datum),
        "gemeente": {"code": aanvraag.gemeente, "naam": gemeente_naam},
        "aanbieder": {"agb": aanvraag.aanbieder, "naam": aanbieder or aanvraag.aanbieder},
        "hulpvraag": msg.text(f"{form}/m:Hulpvraag"),
        "contextanalyse": msg.text(f"{form}/m:Contextanalyse"),
        "resultaten": [r.text for r in msg.findall(f"{form}/m:Resultaten/m:Resultaat")],
        "toestemming_ouders": msg.text(f"{form}/m:ToestemmingOuders"),
        "aanvraag_dagtekening": aanvraag.dagtekening.isoformat(),
        "producten": decided,
        # A grant of less than asked is a partial grant: the letter must not read as a full one.
        "gedeeltelijk": soort == TOEKENNING and any(p.get("uitkomst") == GEDEELTELIJK for p in decided),
        "reden_afwijzing": (_reden(reden_afwijzing, reden_tekst, besluit, ctx) if reden_afwijzing else None),
        # Why the CJG decided so, where it had to say (design.md §9)
        "motivering": besluit.get("motivering"),
        "afwijkingen": [a.get("message") for a in besluit.get("afwijkingen") or [] if a.get("message")],
        "contact": (ctx.cjg_contact.strip().replace("{gemeente}", gemeente_naam)
                    or standaard_contact(gemeente_naam)),
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
    # One conditional update: of two decisions on the same bezwaar (two tabs, two colleagues)
    # exactly one is taken.
    claimed = rowcount(session, update(Bezwaar).where(Bezwaar.id == bezwaar.id, Bezwaar.status == "ingediend")
                       .values(status=uitkomst, afgehandeld_op=today))
    session.refresh(bezwaar)
    if not claimed:
        raise BezwaarFout(409, "al-afgehandeld", f"bezwaar {bezwaar_id} is al afgehandeld ({bezwaar.status})")
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


def _stored_identity(session: Session, aanvraag: Aanvraag) -> clientgegevens.Persoon | None:
    """For an aanvraag whose message named somebody else under a known BSN (design.md §9), the
    client the gemeente keeps: its JW301 carries that client, so its letter is addressed to it
    too. After "gegevens uit het bericht overnemen" the stored client is the message's."""
    if not any(r.get("code") == CLIENT_WIJKT_AF for r in aanvraag.beoordeling or []):
        return None
    known = clienten.known(session, aanvraag.gemeente, aanvraag.bsn)
    return clientgegevens.persoon(known) if known is not None else None


def _geadresseerde(session: Session, aanvraag: Aanvraag, msg: ParsedMessage | None, naam: str,
                   geboortedatum: str | None, datum: date) -> dict[str, Any]:
    """Whom the letter is addressed to: the client, or for a minor (younger than 18 on the
    beschikking's date) the parents or verzorgers, at the address the aanvraag gives (an
    aanvraagformulier carries the client's Contactgegevens) or else the one the gemeente keeps."""
    leeftijd = _leeftijd(geboortedatum, datum)
    # An unknown birth date is treated as a minor: youth care is for the under-18s, and their
    # parents are then the ones to read it.
    minderjarig = leeftijd is None or leeftijd < MEERDERJARIG
    adres: list[str] = []
    if msg is not None and msg.find("m:Client/m:Contactgegevens") is not None:
        adres = clientgegevens.adresregels(clientgegevens.from_request(msg))
    if not adres:
        known = clienten.known(session, aanvraag.gemeente, aanvraag.bsn)
        adres = clientgegevens.adresregels(known) if known is not None else []
    aan = f"Aan de ouder(s)/verzorger(s) van {naam}" if minderjarig else f"Aan {naam}"
    return {"aan": aan, "minderjarig": minderjarig, "adres": adres}


def _leeftijd(geboortedatum: str | None, op: date) -> int | None:
    try:
        geboren = date.fromisoformat(geboortedatum or "")
    except ValueError:
        return None
    return op.year - geboren.year - ((op.month, op.day) < (geboren.month, geboren.day))


def _reden(code: str, tekst: str | None, besluit: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """A rejection's reason: the WJ759 code and its text, and what it means for the parents."""
    uitleg = REDEN_UITLEG.get(code)
    verantwoordelijk = besluit.get("woonplaatsbeginsel")
    if code == "8" and verantwoordelijk:
        known = ctx.reference.gemeenten.get(verantwoordelijk)
        uitleg = (f"Volgens het woonplaatsbeginsel van de Jeugdwet is gemeente "
                  f"{known[-1].naam if known else verantwoordelijk} verantwoordelijk voor deze hulp.")
    return {"code": code, "omschrijving": tekst, "uitleg": uitleg}


def _vergeleken(asked: AanvraagProduct, inhoud: Inhoud, soort: str) -> dict[str, Any]:
    """What was asked for a product beside what was decided, and the outcome in one word."""
    gevraagd = {"ingangsdatum": asked.ingangsdatum.isoformat() if asked.ingangsdatum else None,
                "einddatum": asked.einddatum.isoformat() if asked.einddatum else None,
                "volume": asked.volume, "eenheid": asked.eenheid, "frequentie": asked.frequentie,
                "budget": asked.budget, "omvang": _omvang(asked.volume, asked.eenheid, asked.frequentie)}
    minder = normtoets.minder_dan_gevraagd(asked, inhoud) if soort == TOEKENNING else []
    if soort != TOEKENNING:
        uitkomst = AFGEWEZEN
    elif minder:
        uitkomst = GEDEELTELIJK
    elif (inhoud.ingangsdatum, inhoud.einddatum, inhoud.volume, inhoud.eenheid, inhoud.frequentie,
          inhoud.budget) != (asked.ingangsdatum, asked.einddatum, asked.volume, asked.eenheid,
                             asked.frequentie, asked.budget):
        uitkomst = ANDERS
    else:
        uitkomst = ZOALS_GEVRAAGD
    return {"aangevraagd": gevraagd, "uitkomst": uitkomst, "verschil": minder}


def _omvang(volume: int | None, eenheid: str | None, frequentie: str | None) -> str | None:
    if volume is None:
        return None
    enkel, meervoud = EENHEID_LABELS.get(eenheid or "", (eenheid, eenheid))
    if eenheid == EENHEID_EURO:
        text = f"€ {volume / 100:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    else:
        text = f"{volume} {enkel if volume == 1 else meervoud}"
    return text + f" {FREQUENTIE_LABELS.get(frequentie or '', '')}".rstrip()


def _pgb_bedrag(inhoud: Inhoud, known: Product | None) -> dict[str, Any] | None:
    """The PGB the parents get for a product, in eurocent. A Budget is the amount itself. An
    Omvang is priced at the contract tariff of mappings/producten.toml (volume × tarief per
    eenheid, so per the Omvang's frequentie: "per week" stays per week); for Eenheid 83 the
    volume already is eurocent and the catalogue's tariff is 1. Without either: no amount."""
    if inhoud.budget is not None:
        return {"eurocent": inhoud.budget, "grondslag": "budget", "per": None}
    if inhoud.volume is None or known is None:
        return None
    per = FREQUENTIE_LABELS.get(inhoud.frequentie or "")
    if inhoud.eenheid == EENHEID_EURO:
        return {"eurocent": inhoud.volume, "grondslag": "omvang", "per": per}
    return {"eurocent": inhoud.volume * known.tarief_eurocent, "grondslag": "tarief", "per": per,
            "berekening": f"{hoeveelheid(inhoud.volume, inhoud.eenheid)} × tarief "
                          f"{hoeveelheid(known.tarief_eurocent, EENHEID_EURO)} per "
                          f"{EENHEID_LABELS.get(inhoud.eenheid or '', ('eenheid', ''))[0]}"}


def _product(inhoud: Inhoud, ctx: Context, leveringsvorm: str | None = None) -> dict[str, Any]:
    known = ctx.reference.producten.get((inhoud.categorie or "", inhoud.code or ""))
    return {"categorie": inhoud.categorie, "code": inhoud.code,
            "naam": known.naam if known else None,
            "ingangsdatum": inhoud.ingangsdatum.isoformat() if inhoud.ingangsdatum else None,
            "einddatum": inhoud.einddatum.isoformat() if inhoud.einddatum else None,
            "volume": inhoud.volume, "eenheid": inhoud.eenheid, "frequentie": inhoud.frequentie,
            "budget": inhoud.budget, "omvang": _omvang(inhoud.volume, inhoud.eenheid, inhoud.frequentie),
            "pgb": _pgb_bedrag(inhoud, known) if leveringsvorm == "PGB" else None}
