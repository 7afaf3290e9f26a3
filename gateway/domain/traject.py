"""The trajectory of an aanvraag, mapped to the steps of the access work process (design §1):
17B aanvraag, 17C beschikking, 17D bezwaar, 20 toewijzing bevestigd, 21 hulp gestart,
22 terugkoppeling, 23 einde zorg; each with the date and the message that moved it.

Derived from what is stored (aanvraag, beschikking, bezwaar, postbus, deliveries), never kept
separately, so it cannot disagree with them. Step 22 ("terugkoppeling naar BJG") is read as
the provider's latest report on the care (the last accepted JW305 or JW307): that is how the
CJG hears back. Step 23 is reached when every current start has a definitive stop.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db.models import Aanvraag, Beschikking, Bezwaar, PostbusItem, Toewijzing, Zorglevering
from gateway.domain import postbus
from gateway.domain.context import local_date
from gateway.domain.leveringen import TIJDELIJK

STAPPEN = {"17B": "aanvraag ontvangen", "17C": "beschikking afgegeven", "17D": "bezwaar ingediend",
           "20": "toewijzing bevestigd", "21": "hulp gestart", "22": "terugkoppeling aanbieder",
           "23": "einde zorg"}


@dataclass(frozen=True)
class Stap:
    stap: str
    datum: date
    bericht_id: int | None

    def as_json(self) -> dict:
        return {"stap": self.stap, "omschrijving": STAPPEN[self.stap], "datum": self.datum.isoformat(),
                "bericht_id": self.bericht_id}


def steps(session: Session, aanvraag: Aanvraag) -> list[Stap]:
    found = [Stap("17B", aanvraag.ontvangen_op, aanvraag.bericht_id)]
    beschikking = session.scalar(select(Beschikking).where(Beschikking.aanvraag_id == aanvraag.id))
    sent = postbus.for_aanvraag(session, aanvraag)
    if beschikking is not None:
        found.append(Stap("17C", beschikking.datum, None))
        bezwaar = session.scalar(select(Bezwaar).where(Bezwaar.beschikking_id == beschikking.id)
                                 .order_by(Bezwaar.ontvangen_op).limit(1))
        if bezwaar is not None:
            found.append(Stap("17D", bezwaar.ontvangen_op, None))
    confirmed = [(item, bericht) for item, bericht in sent
                 if bericht.berichttype == "JW301" and item.status == "bevestigd"]
    if confirmed:
        item: PostbusItem = confirmed[0][0]
        found.append(Stap("20", local_date(item.beantwoord_op), item.retour_bericht_id))
    starts = _starts(session, aanvraag)
    current = [s for s in starts if s.actief_sleutel]
    if current:
        first = min(current, key=lambda s: s.begindatum)
        found.append(Stap("21", first.begindatum, first.bericht_id))
    if starts:  # every report counts as feedback, also one that was later corrected
        reports = [(local_date(s.aangemaakt_op), s.bericht_id) for s in starts] + [
            (local_date(stop.aangemaakt_op), stop.bericht_id) for s in starts for stop in s.stops]
        day, bericht_id = max(reports)
        found.append(Stap("22", day, bericht_id))
    ended = _care_ended(session, aanvraag, current)
    if ended is not None:
        found.append(Stap("23", ended.einddatum, ended.bericht_id))
    return found


def _care_ended(session: Session, aanvraag: Aanvraag, current: list[Zorglevering]):
    """The last definitive stop, when every toewijzing of the aanvraag has care that started
    and every current start has a definitive stop; else None."""
    numbers = set(session.scalars(select(Toewijzing.nummer).where(
        Toewijzing.aanvraag_id == aanvraag.id, Toewijzing.reden_wijziging.is_distinct_from("13"))))
    if not current or numbers - {s.toewijzingnummer for s in current}:
        return None
    definitive = [next((stop for stop in s.stops if stop.actief_sleutel and stop.reden != TIJDELIJK), None)
                  for s in current]
    if not all(definitive):
        return None
    return max(definitive, key=lambda stop: stop.einddatum)


def _starts(session: Session, aanvraag: Aanvraag) -> list[Zorglevering]:
    numbers = select(Toewijzing.nummer).where(Toewijzing.aanvraag_id == aanvraag.id)
    return list(session.scalars(select(Zorglevering).where(
        Zorglevering.gemeente == aanvraag.gemeente, Zorglevering.toewijzingnummer.in_(numbers))
        .order_by(Zorglevering.id)))


def as_json(session: Session, aanvraag: Aanvraag) -> dict:
    found = steps(session, aanvraag)
    return {"aanvraag_id": aanvraag.id, "bsn": aanvraag.bsn, "aanbieder": aanvraag.aanbieder,
            "huidige_stap": found[-1].stap, "stappen": [s.as_json() for s in found]}
