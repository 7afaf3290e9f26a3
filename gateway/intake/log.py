"""The message log as level-3 rules read it (implements rules.engine.StateReader)."""
from __future__ import annotations

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session, aliased

from gateway.db.models import Bericht, Kenmerk

REQUESTS = ("AGJ", "JW315", "JW317")


def uniek_sleutel(message: str, afzender: str | None, identificatie: str | None) -> str:
    return f"{message}|{afzender}|{identificatie}"


class MessageLog:
    def __init__(self, session: Session):
        self.session = session

    def identificatie_used(self, message: str, afzender: str, identificatie: str) -> bool:
        # Only accepted messages reserve their identificatie: a rejected message counts as
        # not sent (OP286), so its corrected version may reuse the identificatie. The facts
        # do not say whether a level-3/4 rejection reserves it; we treat it like level 2.
        key = uniek_sleutel(message, afzender, identificatie)
        return self.session.scalar(select(exists().where(Bericht.uniek_sleutel == key)))

    def referentie_used(self, aanbieder: str, referentie: str) -> bool:
        return self.session.scalar(select(exists().where(
            Bericht.id == Kenmerk.bericht_id, Bericht.richting == "in",
            Bericht.status == "accepted", Bericht.afzender == aanbieder,
            Bericht.berichttype.in_(REQUESTS), Kenmerk.soort == "referentie",
            Kenmerk.waarde == referentie)))

    def open_request(self, aanbieder: str, gemeente: str, bsn: str) -> bool:
        """A request stays open until each of its ReferentieAanbieder values is answered by
        a JW301 or a rejecting JW319 (TR374, OP350); those outbound messages carry the
        reference as kenmerk 'afgehandeld'."""
        answer = aliased(Bericht)
        closed = aliased(Kenmerk)
        answered = exists().where(
            answer.id == closed.bericht_id, answer.richting == "uit",
            answer.ontvanger == aanbieder, answer.afzender == gemeente,
            closed.soort == "afgehandeld", closed.waarde == Kenmerk.waarde)
        return self.session.scalar(select(exists().where(and_(
            Bericht.id == Kenmerk.bericht_id, Bericht.richting == "in",
            Bericht.status == "accepted", Bericht.berichttype.in_(REQUESTS),
            Bericht.afzender == aanbieder, Bericht.ontvanger == gemeente, Bericht.bsn == bsn,
            Kenmerk.soort == "referentie", ~answered))))
