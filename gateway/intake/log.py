"""The message log as level-3 rules read it (implements rules.engine.StateReader)."""
from __future__ import annotations

from sqlalchemy import exists, select, text
from sqlalchemy.orm import Session

from gateway.db.models import Aanvraag, Bericht, Kenmerk
from gateway.domain.aanvraag.toewijzingen import for_client, stand
from gateway.domain.levering import zorglevering
from gateway.model.leveringen import Leveringen
from gateway.model.stand import ToewijzingStand

REQUESTS = ("AGJ", "JW315", "JW317")


def lock_client(session: Session, gemeente: str | None, aanbieder: str | None, bsn: str | None) -> None:
    """Serialise the messages of one client at one provider, from the rules until commit: the
    level-3 rules read what earlier messages recorded (deliveries, open requests), so two
    concurrent messages must not both be judged against the state before either. PostgreSQL:
    a transaction-scoped advisory lock on the client. SQLite needs none: the message row is
    written first, which already holds the database's one write lock."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                    {"key": f"{gemeente}|{aanbieder}|{bsn}"})


def uniek_sleutel(message: str, afzender: str | None, identificatie: str | None) -> str:
    return f"{message}|{afzender}|{identificatie}"


class MessageLog:
    def __init__(self, session: Session):
        self.session = session
        self._toewijzingen: dict[tuple[str, str, str], list[ToewijzingStand]] = {}

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
        """A request stays open until its final answer went out: a JW301 or a rejecting
        JW319 (TR374, OP350), or for a PGB its beschikking. An accepted request whose
        aanvraag has not been made yet (the task is still to run) is open too."""
        answered = exists().where(Aanvraag.bericht_id == Bericht.id, Aanvraag.afgehandeld_op.is_not(None))
        return self.session.scalar(select(exists().where(
            Bericht.richting == "in", Bericht.status == "accepted", Bericht.berichttype.in_(REQUESTS),
            Bericht.afzender == aanbieder, Bericht.ontvanger == gemeente, Bericht.bsn == bsn,
            ~answered)))

    def leveringen(self, gemeente: str, aanbieder: str, bsn: str) -> Leveringen:
        return zorglevering.load(self.session, gemeente, aanbieder, bsn)

    def toewijzingen(self, gemeente: str, aanbieder: str, bsn: str) -> list[ToewijzingStand]:
        # Several JW317 rules ask for the same client within one check: read it once.
        key = (gemeente, aanbieder, bsn)
        if key not in self._toewijzingen:
            self._toewijzingen[key] = [stand(t) for t in for_client(self.session, gemeente, aanbieder, bsn)
                                       if not t.verwijderd]
        return self._toewijzingen[key]
