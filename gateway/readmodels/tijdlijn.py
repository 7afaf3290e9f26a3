"""A client's timeline for the back office: per aanvraag the work-process
steps 17A-23 with their dates and messages, and the client's beschikkingen, toewijzingen,
deliveries, signals and latest messages. Data assembly only, no HTTP.

Everything is read by (gemeente, bsn) in a fixed number of indexed queries, whatever the
number of aanvragen or messages, and the steps are derived from those rows in memory. This
is the one derivation of the steps: the API's `/traject` (gateway.readmodels.traject) shows the
same ones. Derived from what is stored, never kept separately, so it cannot disagree with it.
Step 22 ("terugkoppeling naar BJG") is read as the provider's latest report on the care (the
last JW305 or JW307, also one later corrected); step 23 is reached when every toewijzing of the
aanvraag has care that started and every current start has a definitive stop.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.clock import local_date
from gateway.db.models import (
    Aanvraag,
    Bericht,
    Beschikking,
    Client,
    Kenmerk,
    PostbusItem,
    Signaal,
    Toewijzing,
    Zorglevering,
    ZorgleveringStop,
)
from gateway.domain.aanvraag import clientgegevens
from gateway.domain.aanvraag.toewijzingen import VERWIJDERD
from gateway.messages import BASIS_NS
from gateway.model import normen
from gateway.model.datum import datum_nl
from gateway.model.leveringen import TIJDELIJK
from gateway.reference import ReferenceData
from gateway.xml.build import tag

BERICHTEN_LIMIT = 50  # the client's latest messages on the page

STAPPEN = {
    "17A": "Aanvraag ontvangen, is een beschikking nodig?",
    "17B": "Aanvraag gevalideerd en beantwoord",
    "17C": "Beschikking afgegeven",
    "17D": "Bezwaar",
    "18/20A": "Toewijzing opgehaald door de aanbieder",
    "20": "Toewijzing bevestigd door de aanbieder (JW302)",
    "21": "Hulp gestart (JW305)",
    "22": "Terugkoppeling van de aanbieder",
    "23": "Einde zorg (JW307)",
}
_BESCHIKKING_NODIG = {
    "AGJ": "Aanvraagformulier van het CJG: een individuele voorziening, er is een beschikking nodig.",
    "JW315": "Verzoek om toewijzing van de aanbieder (na een verwijzing): geen beschikking van de gemeente nodig.",
    "JW317": "Verzoek om wijziging van de aanbieder: de lopende toewijzingen worden gewijzigd, geen nieuwe beschikking.",
}
# JZ002 Reden wijziging toewijzing
REDEN_WIJZIGING = {
    "01": "Administratieve correctie (vervallen)", "02": "Cliënt overleden", "03": "Contractwijziging",
    "04": "Herbeoordeling: verlenging toewijzing", "05": "Herbeoordeling: verkorting toewijzing",
    "06": "Uitstroom naar ander domein", "07": "Verhuizing naar een andere gemeente",
    "08": "Wijziging leveringsvorm", "09": "Overstap naar andere aanbieder",
    "10": "Overgang naar nieuwe bekostigingssystematiek", "11": "Gemeentelijke herindeling",
    "12": "Geïnitieerd door de aanbieder", "13": "Verwijderd", "14": "Administratieve correctie",
}
# JZ588 Reden beëindiging
REDEN_BEEINDIGING = {
    "02": "Overlijden", "20": "Levering tijdelijk beëindigd", "31": "Levering volgens plan beëindigd",
    "32": "Voortijdig afgesloten: eenzijdig door de cliënt", "33": "Voortijdig afgesloten: eenzijdig door de aanbieder",
    "34": "Voortijdig afgesloten: in overeenstemming", "35": "Voortijdig afgesloten: wegens externe omstandigheden",
    "36": "Geïnitieerd door de gemeente", "37": "In verband met wijzigingsverzoek",
    "38": "Overstap naar andere aanbieder", "39": "Uitstroom naar ander domein",
}
SIGNAAL_SOORTEN = {
    "start_te_laat": "Start te laat gemeld", "stop_te_laat": "Einde te laat gemeld",
    "start_voor_toewijzing": "Start vóór de ingangsdatum", "geen_start": "Geen start gemeld",
    "zorg_na_einddatum": "Zorg na de einddatum",
}


@dataclass(frozen=True)
class Link:
    """A message that belongs to a step: its label ("JW301") and its id (/berichten/{id})."""

    label: str
    bericht_id: int


@dataclass(frozen=True)
class Stap:
    stap: str
    datum: date | None  # None: not reached (yet)
    toelichting: str = ""
    berichten: tuple[Link, ...] = ()
    beschikking_id: int | None = None

    @property
    def omschrijving(self) -> str:
        return STAPPEN[self.stap]

    @property
    def bereikt(self) -> bool:
        return self.datum is not None


@dataclass(frozen=True)
class Verzonden:
    """An outbound message (JW301, JW319) about the client, with its postbus state."""

    bericht_id: int
    berichttype: str
    aanbieder: str | None  # the Ontvanger column; every outbound message has one
    identificatie: str | None
    status: str
    aangemaakt_op: datetime
    opgehaald_op: datetime | None
    beantwoord_op: datetime | None
    retour_bericht_id: int | None
    retourcodes: tuple[str, ...]
    referenties: frozenset[str]


@dataclass(frozen=True)
class Traject:
    aanvraag: Aanvraag
    beschikking: Beschikking | None
    stappen: list[Stap]
    verzonden: list[Verzonden]

    @property
    def huidige_stap(self) -> str:
        return [s for s in self.stappen if s.bereikt][-1].stap

    @property
    def in_datumvolgorde(self) -> list[Stap]:
        """The steps as the client page lists them: those reached in the order of their dates
        (a bezwaar or a late fetch may come after later steps; ties in process order), then
        the steps still to come in process order. The API keeps the process order."""
        reached = sorted((s for s in self.stappen if s.bereikt), key=lambda s: s.datum or date.min)
        return reached + [s for s in self.stappen if not s.bereikt]


@dataclass(frozen=True)
class ToewijzingRegel:
    toewijzing: Toewijzing
    product: str | None  # the catalogue's name
    omvang: str | None
    stand: str  # "loopt", "nog niet ingegaan", "beëindigd", "verwijderd"
    reden: str | None  # RedenWijziging as text
    jw301_id: int | None  # the latest JW301 that carried it


@dataclass(frozen=True)
class BerichtRegel:
    id: int
    richting: str
    berichttype: str | None
    afzender: str | None
    ontvanger: str | None
    identificatie: str | None
    status: str
    ontvangen_op: datetime


@dataclass(frozen=True)
class Tijdlijn:
    client: Client
    naam: str | None
    geboortedatum: str | None
    trajecten: list[Traject]  # newest aanvraag first
    beschikkingen: list[Beschikking]
    toewijzingen: list[ToewijzingRegel]
    leveringen: list[Zorglevering]
    signalen: list[Signaal]
    berichten: list[BerichtRegel]  # newest first, at most BERICHTEN_LIMIT
    meer_berichten: bool = field(default=False)


def for_client(session: Session, client: Client, today: date, reference: ReferenceData) -> Tijdlijn:
    gemeente, bsn = client.gemeente, client.bsn
    aanvragen = list(session.scalars(select(Aanvraag).where(Aanvraag.gemeente == gemeente, Aanvraag.bsn == bsn)
                                     .order_by(Aanvraag.id)))
    facts = _facts(session, gemeente, bsn, aanvragen)
    signalen = list(session.scalars(select(Signaal).where(Signaal.gemeente == gemeente, Signaal.bsn == bsn)
                                    .order_by(Signaal.datum.desc(), Signaal.id.desc())))
    jw301 = _latest_jw301(session, gemeente, facts.toewijzingen)
    naam, geboortedatum = _person(client)
    berichten = _messages(session, gemeente, bsn)
    return Tijdlijn(client=client, naam=naam, geboortedatum=geboortedatum,
                    trajecten=_trajecten(aanvragen, facts, today)[::-1],
                    beschikkingen=facts.beschikkingen[::-1],
                    toewijzingen=[_toewijzing(t, jw301.get((t.nummer, t.aanbieder)), reference, today)
                                  for t in facts.toewijzingen],
                    leveringen=facts.leveringen, signalen=signalen, berichten=berichten[:BERICHTEN_LIMIT],
                    meer_berichten=len(berichten) > BERICHTEN_LIMIT)


def trajecten(session: Session, aanvragen: list[Aanvraag], today: date) -> list[Traject]:
    """The steps of these aanvragen of one client (the API's `/traject`), in their order."""
    if not aanvragen:
        return []
    gemeente, bsn = aanvragen[0].gemeente, aanvragen[0].bsn
    assert all((a.gemeente, a.bsn) == (gemeente, bsn) for a in aanvragen), "one client's aanvragen"
    return _trajecten(aanvragen, _facts(session, gemeente, bsn, aanvragen), today)


@dataclass(frozen=True)
class _Facts:
    """What the steps are derived from, read in one query each for the whole client."""

    beschikkingen: list[Beschikking]
    toewijzingen: list[Toewijzing]
    leveringen: list[Zorglevering]
    verzonden: list[Verzonden]


def _facts(session: Session, gemeente: str, bsn: str, aanvragen: list[Aanvraag]) -> _Facts:
    beschikkingen = list(session.scalars(select(Beschikking).where(
        Beschikking.aanvraag_id.in_([a.id for a in aanvragen])).order_by(Beschikking.id))) if aanvragen else []
    toewijzingen = list(session.scalars(select(Toewijzing).where(
        Toewijzing.gemeente == gemeente, Toewijzing.bsn == bsn).order_by(Toewijzing.nummer)))
    leveringen = list(session.scalars(select(Zorglevering).where(
        Zorglevering.gemeente == gemeente, Zorglevering.bsn == bsn).order_by(Zorglevering.id)))
    return _Facts(beschikkingen, toewijzingen, leveringen, _sent(session, gemeente, aanvragen))


def _trajecten(aanvragen: list[Aanvraag], facts: _Facts, today: date) -> list[Traject]:
    by_aanvraag = {b.aanvraag_id: b for b in facts.beschikkingen}
    numbers = defaultdict(list)
    for t in facts.toewijzingen:
        if t.aanvraag_id is not None:
            numbers[t.aanvraag_id].append(t)
    return [_traject(a, by_aanvraag.get(a.id), facts.verzonden, numbers[a.id], facts.leveringen, today)
            for a in aanvragen]


def _references(aanvraag: Aanvraag) -> set[str]:
    """As `postbus.for_aanvraag`: the messages about an aanvraag carry one of its references
    (unique per provider, TR347), or for a JW317 the Verzoek's."""
    refs = {aanvraag.referentie} if aanvraag.soort == "JW317" else {
        p.referentie_aanbieder for p in aanvraag.producten}
    return {ref for ref in refs if ref is not None}


def _sent(session: Session, gemeente: str, aanvragen: list[Aanvraag]) -> list[Verzonden]:
    """The JW301s and JW319s to providers about these aanvragen, with the references they
    carry. Found through the aanvragen's references (the kenmerk index), not through the
    client's BSN, so a client with thousands of messages costs no more than one with ten."""
    refs = set().union(*(_references(a) for a in aanvragen)) if aanvragen else set()
    if not refs:
        return []
    rows = session.execute(select(PostbusItem, Bericht.ontvanger, Bericht.identificatie)
                           .join(Bericht, Bericht.id == PostbusItem.bericht_id)
                           .where(Bericht.richting == "uit", Bericht.afzender == gemeente,
                                  Bericht.id.in_(select(Kenmerk.bericht_id).where(
                                      Kenmerk.soort == "referentie", Kenmerk.waarde.in_(sorted(refs)))))
                           .order_by(PostbusItem.bericht_id)).all()
    if not rows:
        return []
    kenmerken = defaultdict(set)
    for bericht_id, waarde in session.execute(select(Kenmerk.bericht_id, Kenmerk.waarde).where(
            Kenmerk.bericht_id.in_([item.bericht_id for item, _, _ in rows]), Kenmerk.soort == "referentie")):
        kenmerken[bericht_id].add(waarde)
    return [Verzonden(bericht_id=item.bericht_id, berichttype=item.berichttype, aanbieder=ontvanger,
                      identificatie=identificatie, status=item.status, aangemaakt_op=item.aangemaakt_op,
                      opgehaald_op=item.opgehaald_op, beantwoord_op=item.beantwoord_op,
                      retour_bericht_id=item.retour_bericht_id, retourcodes=tuple(item.retourcodes or ()),
                      referenties=frozenset(kenmerken[item.bericht_id]))
            for item, ontvanger, identificatie in rows]


def _latest_jw301(session: Session, gemeente: str,
                  toewijzingen: list[Toewijzing]) -> dict[tuple[int, str | None], int]:
    """Per (toewijzingnummer, aanbieder) the latest JW301 that carried it (one query)."""
    if not toewijzingen:
        return {}
    rows = session.execute(
        select(Kenmerk.waarde, Bericht.ontvanger, func.max(Bericht.id))
        .join(Bericht, Bericht.id == Kenmerk.bericht_id)
        .where(Kenmerk.soort == "toewijzingnummer", Kenmerk.waarde.in_(sorted({str(t.nummer) for t in toewijzingen})),
               Bericht.richting == "uit", Bericht.afzender == gemeente, Bericht.berichttype == "JW301")
        .group_by(Kenmerk.waarde, Bericht.ontvanger))
    return {(int(waarde), ontvanger): bericht_id for waarde, ontvanger, bericht_id in rows if waarde.isdigit()}


def _for_aanvraag(aanvraag: Aanvraag, verzonden: list[Verzonden]) -> list[Verzonden]:
    refs = _references(aanvraag)
    return [v for v in verzonden if v.aanbieder == aanvraag.aanbieder and v.referenties & refs]


def _traject(aanvraag: Aanvraag, beschikking: Beschikking | None, verzonden: list[Verzonden],
             toewijzingen: list[Toewijzing], leveringen: list[Zorglevering], today: date) -> Traject:
    sent = _for_aanvraag(aanvraag, verzonden)
    jw301 = [v for v in sent if v.berichttype == "JW301"]
    stappen = [Stap("17A", aanvraag.ontvangen_op, _BESCHIKKING_NODIG.get(aanvraag.soort, ""),
                    (Link(aanvraag.soort, aanvraag.bericht_id),)),
               _validated(aanvraag, sent),
               _beschikking(aanvraag, beschikking),
               _bezwaar(beschikking, today)]
    fetched = [(v.opgehaald_op, v) for v in jw301 if v.opgehaald_op is not None]
    if fetched:
        opgehaald, first = min(fetched, key=lambda pair: pair[0])
        stappen.append(Stap("18/20A", local_date(opgehaald), "", (Link("JW301", first.bericht_id),)))
    elif jw301:
        stappen.append(Stap("18/20A", None, f"De JW301 staat sinds {_dmy(local_date(jw301[0].aangemaakt_op))} "
                                            "klaar in de postbus van de aanbieder.",
                            (Link("JW301", jw301[0].bericht_id),)))
    else:
        stappen.append(Stap("18/20A", None, "Persoonsgebonden budget: er gaat geen toewijzing naar een aanbieder."
                            if aanvraag.leveringsvorm == "PGB" else "Er is nog geen toewijzing verstuurd."))
    stappen.append(_confirmed(jw301))

    numbers = {t.nummer for t in toewijzingen}
    starts = [s for s in leveringen if s.toewijzingnummer in numbers]
    current = [s for s in starts if s.actief_sleutel]
    if current:
        first_start = min(current, key=lambda s: s.begindatum)
        stappen.append(Stap("21", first_start.begindatum, f"Begindatum {_dmy(first_start.begindatum)}",
                            (Link("JW305", first_start.bericht_id),)))
    else:
        stappen.append(Stap("21", None))
    if starts:  # every report counts as feedback, also one that was later corrected
        reports = [(local_date(s.aangemaakt_op), s.bericht_id, "JW305") for s in starts] + [
            (local_date(stop.aangemaakt_op), stop.bericht_id, "JW307") for s in starts for stop in s.stops]
        day, bericht_id, label = max(reports)
        stappen.append(Stap("22", day, "Laatste melding van de aanbieder", (Link(label, bericht_id),)))
    else:
        stappen.append(Stap("22", None))
    ended = _care_ended(toewijzingen, current)
    stappen.append(Stap("23", ended.einddatum, REDEN_BEEINDIGING.get(ended.reden, ended.reden),
                        (Link("JW307", ended.bericht_id),)) if ended is not None else Stap("23", None))
    return Traject(aanvraag=aanvraag, beschikking=beschikking, stappen=stappen, verzonden=sent)


def _validated(aanvraag: Aanvraag, sent: list[Verzonden]) -> Stap:
    """Validated and stored with its retour when it came in (17B); answered by the first JW301
    or JW319 (or, for a PGB, by the beschikking alone)."""
    links = [Link(aanvraag.soort, aanvraag.bericht_id)]
    if sent:
        first = sent[0]
        links.append(Link(first.berichttype, first.bericht_id))
        uitleg = f"Beantwoord op {_dmy(local_date(first.aangemaakt_op))} met {first.berichttype}."
    elif aanvraag.afgehandeld_op is not None:
        uitleg = f"Afgehandeld op {_dmy(local_date(aanvraag.afgehandeld_op))}."
    else:
        uitleg = f"Nog niet beantwoord: antwoord uiterlijk {_dmy(aanvraag.antwoord_uiterlijk)} ({aanvraag.termijn})."
    return Stap("17B", aanvraag.ontvangen_op, uitleg, tuple(links))


def _beschikking(aanvraag: Aanvraag, beschikking: Beschikking | None) -> Stap:
    if beschikking is not None:
        return Stap("17C", beschikking.datum, f"{beschikking.nummer}: {beschikking.soort}, {beschikking.leveringsvorm}",
                    beschikking_id=beschikking.id)
    if aanvraag.soort != "AGJ":
        return Stap("17C", None, "Niet nodig voor dit verzoek.")
    return Stap("17C", None, "Nog geen besluit.")


def _bezwaar(beschikking: Beschikking | None, today: date) -> Stap:
    if beschikking is None:
        return Stap("17D", None)
    if beschikking.bezwaren:
        first = min(beschikking.bezwaren, key=lambda b: b.ontvangen_op)
        return Stap("17D", first.ontvangen_op,
                    f"Ingediend door {first.indiener}; status {first.status}, "
                    f"{'binnen' if first.binnen_termijn else 'na'} de termijn.", beschikking_id=beschikking.id)
    term = _dmy(beschikking.bezwaar_uiterlijk)
    if today > beschikking.bezwaar_uiterlijk:
        return Stap("17D", None, f"Geen bezwaar; de termijn liep tot en met {term}.")
    return Stap("17D", None, f"Geen bezwaar ontvangen; bezwaar kan tot en met {term}.")


def _confirmed(jw301: list[Verzonden]) -> Stap:
    confirmed = [v for v in jw301 if v.status == "bevestigd"]
    if confirmed:
        item = confirmed[0]
        links = (Link("JW301", item.bericht_id),) + (
            (Link("JW302", item.retour_bericht_id),) if item.retour_bericht_id else ())
        assert item.beantwoord_op is not None  # the retour that confirmed it set both
        return Stap("20", local_date(item.beantwoord_op), "", links)
    rejected = [v for v in jw301 if v.status == "afgekeurd"]
    if rejected:
        item = rejected[-1]
        links = (Link("JW301", item.bericht_id),) + (
            (Link("JW302", item.retour_bericht_id),) if item.retour_bericht_id else ())
        return Stap("20", None, "De aanbieder heeft de JW301 afgekeurd (retourcodes "
                                f"{', '.join(item.retourcodes) or 'onbekend'}); de CJG moet kijken.", links)
    return Stap("20", None)


def _care_ended(toewijzingen: list[Toewijzing], current: list[Zorglevering]) -> ZorgleveringStop | None:
    """The last definitive stop, when every toewijzing of the aanvraag has care that started
    and every current start has a definitive stop; else None."""
    numbers = {t.nummer for t in toewijzingen if t.reden_wijziging != VERWIJDERD}
    if not current or numbers - {s.toewijzingnummer for s in current}:
        return None
    definitive = [next((stop for stop in s.stops if stop.actief_sleutel and stop.reden != TIJDELIJK), None)
                  for s in current]
    stops = [stop for stop in definitive if stop is not None]
    if len(stops) < len(definitive):
        return None
    return max(stops, key=lambda stop: stop.einddatum)


def _toewijzing(t: Toewijzing, jw301_id: int | None, reference: ReferenceData, today: date) -> ToewijzingRegel:
    if t.reden_wijziging == VERWIJDERD:
        stand = "verwijderd"
    elif t.ingangsdatum > today:
        stand = "nog niet ingegaan"
    elif t.einddatum is not None and t.einddatum < today:
        stand = "beëindigd"
    else:
        stand = "loopt"
    product = reference.producten.get((t.categorie or "", t.code or ""))
    return ToewijzingRegel(toewijzing=t, product=product.naam if product else None,
                           omvang=normen.omvang(t.volume, t.eenheid, t.frequentie) if t.volume is not None else None, stand=stand,
                           reden=REDEN_WIJZIGING.get(t.reden_wijziging, t.reden_wijziging) if t.reden_wijziging else None,
                           jw301_id=jw301_id)


def _messages(session: Session, gemeente: str, bsn: str) -> list[BerichtRegel]:
    """The client's latest messages to or from this gemeente (one more than shown, to know
    whether there are more); only the columns the list needs, never the message bodies."""
    rows = session.execute(select(Bericht.id, Bericht.richting, Bericht.berichttype, Bericht.afzender,
                                  Bericht.ontvanger, Bericht.identificatie, Bericht.status, Bericht.ontvangen_op)
                           .where(Bericht.bsn == bsn, (Bericht.ontvanger == gemeente) | (Bericht.afzender == gemeente))
                           .order_by(Bericht.id.desc()).limit(BERICHTEN_LIMIT + 1))
    return [BerichtRegel(*row) for row in rows]


def _person(client: Client) -> tuple[str | None, str | None]:
    """Name and date of birth from what the gemeente knows (a JW301 Client element)."""
    if not client.gegevens:
        return None, None
    element = clientgegevens.from_bytes(client.gegevens)
    geboortedatum = element.findtext(f"{tag(clientgegevens.JW301, 'Geboortedatum')}/{{{BASIS_NS}}}Datum")
    return clientgegevens.naam(element), geboortedatum


def _dmy(day: date) -> str:
    return datum_nl(day)
