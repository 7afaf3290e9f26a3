"""The chain a message belongs to, for the back office's message page (design.md §1):

    aanvraag (AGJ/JW315/JW317, its retour AGR/JW316/JW318 is the answer stored on that row)
    → JW301 toewijzing or JW319 antwoord (outbound) → JW302/JW320 (the provider's retour)
    → JW305 start zorg (retour JW306 stored on its row) → JW307 stop zorg (JW308 likewise)

From any message of the chain the aanvraag is found first:
- a request: the aanvraag made of it (`Aanvraag.bericht_id`);
- an outbound JW301/JW319: the request that carried one of its ReferentieAanbieder values
  (unique per provider, TR347), else the aanvraag of one of its toewijzingen;
- a JW302/JW320: the outbound message it answers (its Header is a copy of that message's,
  IV028), then as above;
- a JW305/JW307: the aanvraag of the toewijzing its ToewijzingNummer names (gemeente, nummer).
Then the chain is built forward from the aanvraag. A message without an aanvraag (a start
with an unknown number, a toewijzing made outside a request) shows the messages that share
its ToewijzingNummer within its gemeente, or just itself.

Every query is an indexed lookup bounded by the chain (kenmerk(soort, waarde),
bericht.identificatie, aanvraag.bericht_id, toewijzing(gemeente, nummer), toewijzing.aanvraag_id);
only the columns a link shows are read, never message bodies.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from gateway.db.models import Aanvraag, AanvraagProduct, Bericht, Kenmerk, PostbusItem, Toewijzing
from gateway.domain.berichten import postbus
from gateway.messages import BY_NAME, answered_by
from gateway.readmodels import berichtenlog, enveloppen

AANVRAGEN = ("AGJ", "JW315", "JW317")
UITGAAND = ("JW301", "JW319")
RETOUREN = ("JW302", "JW320")
REGIE = ("JW305", "JW307")
MAX_REGIE = 200  # starts and stops per chain shown; a chain has a handful

STAPPEN = {
    "AGJ": "Aanvraag (aanvraagformulier)", "JW315": "Verzoek om toewijzing", "JW317": "Verzoek om wijziging",
    "JW301": "Toewijzing", "JW319": "Antwoord op het verzoek", "JW302": "Retour op de toewijzing",
    "JW320": "Retour op het antwoord", "JW305": "Start zorg", "JW307": "Stop zorg",
}
POSTBUS = {"nieuw": "nog niet opgehaald", "opgehaald": "opgehaald, nog geen retour",
           "bevestigd": "bevestigd door de aanbieder", "afgekeurd": "afgekeurd door de aanbieder"}
# What a JW302/JW320 did (gateway.domain.berichten.postbus.apply_retour), on its own page ...
RETOUR_EFFECT = {
    postbus.RECORDED: "De eerste retour op dit bericht: deze bepaalt de status in de postbus.",
    postbus.REPEAT: "Een latere retour: het bericht had al een retour, die de status bepaalt. Deze zegt "
                    "hetzelfde en verandert niets.",
    postbus.CONFLICT: "Een latere retour die iets anders zegt dan de eerste. De eerste bepaalt de status in "
                      "de postbus; deze verandert niets. Beoordeel welke klopt en neem zo nodig contact op "
                      "met de aanbieder.",
    postbus.UNMATCHED: "Niet gekoppeld: dit retourbericht beantwoordt geen bericht dat de gateway aan deze "
                       "aanbieder heeft verstuurd.",
}
# ... and in a chain, where the first retour needs no remark.
RETOUR_IN_KETEN = {postbus.REPEAT: "latere retour, telt niet mee",
                   postbus.CONFLICT: "latere retour die de eerste tegenspreekt, telt niet mee",
                   postbus.UNMATCHED: "niet gekoppeld"}

_LINK_COLUMNS = (Bericht.id, Bericht.richting, Bericht.berichttype, Bericht.afzender, Bericht.ontvanger,
                 Bericht.identificatie, Bericht.ontvangen_op, Bericht.status, Bericht.retourcodes,
                 Bericht.antwoord_type)


@dataclass(frozen=True)
class Schakel:
    """One link of the chain: a stored message."""

    stap: str  # the step, in Dutch
    bericht_id: int
    berichttype: str | None
    richting: str
    ontvangen_op: datetime
    status: str
    retourcodes: list
    retour: str | None = None  # the retour message that answered it, stored on the same row
    postbus: str | None = None  # an outbound message's postbus state, in Dutch
    koppeling: str | None = None  # a JW302/JW320 that did not count (RETOUR_IN_KETEN), in Dutch
    envelop: str | None = None  # how it travelled through the national chain, in Dutch; None: the API


@dataclass(frozen=True)
class Keten:
    aanvraag_id: int | None
    schakels: list[Schakel]


def of(session: Session, bericht: Bericht, gemeenten: frozenset[str] | None = None) -> Keten:
    """The chain `bericht` belongs to, in the order of the route; with `gemeenten`, only the
    links of those gemeenten (design.md §9). A chain stays within one gemeente by how it is
    found, but a message of another gemeente must never show up, whatever the references."""
    aanvraag = aanvraag_of(session, bericht)
    schakels = _by_number(session, bericht) if aanvraag is None else _from_aanvraag(session, aanvraag)
    if all(s.bericht_id != bericht.id for s in schakels):
        # Found through a toewijzing, but not by the chain's own references (e.g. a JW301
        # re-sent for another request): shown anyway, so the page's message is in its chain.
        schakels.append(_link(_light(session, [bericht.id])[0]))
    if gemeenten is not None:
        visible = set(session.scalars(select(Bericht.id).where(
            Bericht.id.in_([s.bericht_id for s in schakels]), berichtenlog.van_gemeenten(gemeenten))))
        schakels = [s for s in schakels if s.bericht_id in visible]
    return Keten(aanvraag.id if aanvraag else None, _with_envelopes(session, _with_retour_effects(session, schakels)))


def _with_envelopes(session: Session, schakels: list[Schakel]) -> list[Schakel]:
    """The state of the StUF-GGk envelope each link travelled in: one query for the chain."""
    states = enveloppen.status_per_message(session, [s.bericht_id for s in schakels])
    return [replace(s, envelop=f"via GGk: {enveloppen.STATUS_TEKST.get(states[s.bericht_id], states[s.bericht_id])}")
            if s.bericht_id in states else s for s in schakels]


def _with_retour_effects(session: Session, schakels: list[Schakel]) -> list[Schakel]:
    """Mark the retours that did not count (a second one, or one answering nothing): one
    lookup of their kenmerk for the chain's retours."""
    retours = [s.bericht_id for s in schakels if s.richting == "in" and s.berichttype in RETOUREN]
    if not retours:
        return schakels
    effects = dict(session.execute(select(Kenmerk.bericht_id, Kenmerk.waarde).where(
        Kenmerk.bericht_id.in_(retours), Kenmerk.soort == "retour")).all())
    return [replace(s, koppeling=RETOUR_IN_KETEN.get(effects.get(s.bericht_id, ""))) for s in schakels]


def aanvraag_of(session: Session, bericht: Bericht) -> Aanvraag | None:
    kind = bericht.berichttype
    if bericht.richting == "in" and kind in AANVRAGEN:
        return session.scalar(select(Aanvraag).where(Aanvraag.bericht_id == bericht.id))
    if bericht.richting == "uit" and kind in UITGAAND:
        return _aanvraag_of_outbound(session, bericht)
    if bericht.richting == "in" and kind in RETOUREN:
        answered = _answered(session, bericht)
        return _aanvraag_of_outbound(session, answered) if answered is not None else None
    if bericht.richting == "in" and kind in REGIE and bericht.ontvanger:
        return _aanvraag_of_numbers(session, bericht.ontvanger, _numbers(session, bericht.id))
    return None


def _aanvraag_of_outbound(session: Session, bericht) -> Aanvraag | None:
    gemeente, aanbieder = bericht.afzender, bericht.ontvanger
    referenties = _kenmerken(session, bericht.id, "referentie")
    if referenties:
        # The request that carried the reference: found through its own kenmerk, as the
        # intake's TR347 check does (accepted requests of this provider to this gemeente).
        request = (select(Aanvraag).join(Bericht, Bericht.id == Aanvraag.bericht_id)
                   .join(Kenmerk, Kenmerk.bericht_id == Bericht.id)
                   .where(Kenmerk.soort == "referentie", Kenmerk.waarde.in_(referenties),
                          Bericht.richting == "in", Bericht.status == "accepted",
                          Bericht.berichttype.in_(AANVRAGEN), Bericht.afzender == aanbieder,
                          Bericht.ontvanger == gemeente)
                   .order_by(Aanvraag.id.desc()).limit(1))
        found = session.scalar(request)
        if found is not None:
            return found
    return _aanvraag_of_numbers(session, gemeente, _numbers(session, bericht.id))


def _aanvraag_of_numbers(session: Session, gemeente: str | None, numbers: list[int]) -> Aanvraag | None:
    """The aanvraag of the toewijzingen with these numbers; with several, the latest."""
    if not gemeente or not numbers:
        return None
    aanvraag_id = session.scalar(
        select(Toewijzing.aanvraag_id).where(Toewijzing.gemeente == gemeente, Toewijzing.nummer.in_(numbers),
                                             Toewijzing.aanvraag_id.is_not(None))
        .order_by(Toewijzing.aanvraag_id.desc()).limit(1))
    return session.get(Aanvraag, aanvraag_id) if aanvraag_id is not None else None


def _answered(session: Session, retour: Bericht):
    """The outbound message a JW302/JW320 answers (its key columns, not its bytes): the
    retour's Header is a copy of that one's."""
    if not retour.identificatie:
        return None
    assert retour.berichttype is not None  # the callers pass a JW302 or JW320
    return session.execute(_columns().where(
        Bericht.identificatie == retour.identificatie, Bericht.richting == "uit",
        Bericht.berichttype == answered_by(BY_NAME[retour.berichttype]).name,
        Bericht.afzender == retour.afzender, Bericht.ontvanger == retour.ontvanger).limit(1)).first()


def _from_aanvraag(session: Session, aanvraag: Aanvraag) -> list[Schakel]:
    [request] = _light(session, [aanvraag.bericht_id])
    schakels = [_link(request)]

    # Outbound answers: the messages to the provider carrying one of the aanvraag's references
    # (as gateway.domain.berichten.postbus.for_aanvraag), with their postbus state.
    referenties = [aanvraag.referentie] if aanvraag.soort == "JW317" else [
        ref for ref, in session.execute(select(AanvraagProduct.referentie_aanbieder)
                                        .where(AanvraagProduct.aanvraag_id == aanvraag.id))]
    referenties = [r for r in referenties if r]
    outbound = []
    if referenties:
        outbound = list(session.execute(
            select(*_LINK_COLUMNS, PostbusItem.status.label("postbus_status")).outerjoin(PostbusItem, PostbusItem.bericht_id == Bericht.id)
            .where(Bericht.richting == "uit", Bericht.afzender == aanvraag.gemeente,
                   Bericht.ontvanger == aanvraag.aanbieder, Bericht.berichttype.in_(UITGAAND),
                   Bericht.id.in_(select(Kenmerk.bericht_id).where(Kenmerk.soort == "referentie",
                                                                    Kenmerk.waarde.in_(referenties))))
            .order_by(Bericht.id).limit(MAX_REGIE)))
    # Their retours (JW302/JW320), found by the copied Identificatie; a second retour, which
    # did not count, is shown too.
    retours: dict[str, list] = {}
    identificaties = [row.identificatie for row in outbound if row.identificatie]
    if identificaties:
        for row in session.execute(_columns().where(
                Bericht.identificatie.in_(identificaties), Bericht.richting == "in",
                Bericht.berichttype.in_(RETOUREN), Bericht.afzender == aanvraag.gemeente,
                Bericht.ontvanger == aanvraag.aanbieder).order_by(Bericht.id)):
            retours.setdefault(row.identificatie, []).append(row)
    for row in outbound:
        schakels.append(_link(row, postbus=POSTBUS.get(row.postbus_status)))
        schakels.extend(_link(r) for r in retours.get(row.identificatie, ()))

    # Start and stop of care: the JW305/JW307s naming one of the aanvraag's toewijzingen,
    # rejected ones included (the CJG sees the provider's attempts as well).
    numbers = list(session.scalars(select(Toewijzing.nummer).where(Toewijzing.aanvraag_id == aanvraag.id)))
    if numbers:
        schakels.extend(_link(r) for r in session.execute(_regie(aanvraag.gemeente, numbers).where(
            Bericht.afzender == aanvraag.aanbieder)))
    return schakels


def _by_number(session: Session, bericht: Bericht) -> list[Schakel]:
    """Without an aanvraag: the messages that name the same ToewijzingNummer in the same
    gemeente (outbound JW301s, retours, starts and stops), else the message alone."""
    gemeente = gemeente_of(bericht)
    numbers = _numbers(session, bericht.id)
    if not numbers and bericht.richting == "in" and bericht.berichttype in RETOUREN:
        # An accepted retour is only a Header: the numbers are those of what it answers.
        answered = _answered(session, bericht)
        numbers = _numbers(session, answered.id) if answered is not None else []
    if not gemeente or not numbers:
        return [_link(_light(session, [bericht.id])[0])]
    rows = session.execute(
        _columns().where(Bericht.id.in_(select(Kenmerk.bericht_id).where(
            Kenmerk.soort == "toewijzingnummer", Kenmerk.waarde.in_([str(n) for n in numbers]))))
        .where(or_(Bericht.afzender == gemeente, Bericht.ontvanger == gemeente))
        .order_by(Bericht.id).limit(MAX_REGIE))
    return [_link(r) for r in rows]


def _regie(gemeente: str, numbers: list[int]) -> Select:
    return (_columns().where(
        Bericht.id.in_(select(Kenmerk.bericht_id).where(Kenmerk.soort == "toewijzingnummer",
                                                         Kenmerk.waarde.in_([str(n) for n in numbers]))),
        Bericht.richting == "in", Bericht.berichttype.in_(REGIE), Bericht.ontvanger == gemeente)
        .order_by(Bericht.id).limit(MAX_REGIE))


def gemeente_of(bericht: Bericht) -> str | None:
    """The gemeente a message is about: the sender of what the gateway sends and of the
    retours on it (which copy its Header), else the receiver."""
    message = BY_NAME.get(bericht.berichttype or "")
    if bericht.richting == "uit" or (message is not None and message.is_retour):
        return bericht.afzender
    return bericht.ontvanger


def _columns() -> Select:
    return select(*_LINK_COLUMNS)


def _light(session: Session, ids: list[int]) -> list:
    return list(session.execute(_columns().where(Bericht.id.in_(ids)).order_by(Bericht.id)))


def _kenmerken(session: Session, bericht_id: int, soort: str) -> list[str]:
    return list(session.scalars(select(Kenmerk.waarde).where(Kenmerk.bericht_id == bericht_id,
                                                             Kenmerk.soort == soort)))


def _numbers(session: Session, bericht_id: int) -> list[int]:
    return sorted({int(v) for v in _kenmerken(session, bericht_id, "toewijzingnummer")
                   if v.isascii() and v.isdigit() and len(v) <= 9})


def _link(row, *, postbus: str | None = None) -> Schakel:
    message = BY_NAME.get(row.berichttype or "")
    # The retour the gateway answered with (AGR, JW306, ...) is that row's stored answer;
    # a message stopped before the rules (level 1, transport) got a problem, not a retour.
    answered_with_retour = (row.antwoord_type or "").startswith("application/xml")
    return Schakel(stap=STAPPEN.get(row.berichttype or "", "Bericht"), bericht_id=row.id,
                   berichttype=row.berichttype, richting=row.richting, ontvangen_op=row.ontvangen_op,
                   status=row.status, retourcodes=list(row.retourcodes or []),
                   retour=message.retour if message is not None and answered_with_retour else None,
                   postbus=postbus)
