"""The message log as level-3 rules read it (implements rules.engine.StateReader)."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Exists, exists, select, text
from sqlalchemy.orm import Session

from gateway.db.models import Aanvraag, Bericht, Kenmerk
from gateway.domain.aanvraag.toewijzingen import for_client, stand
from gateway.domain.levering import zorglevering
from gateway.model.leveringen import Leveringen
from gateway.model.stand import ToewijzingStand
from gateway.xml.view import ParsedMessage

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


def _identificatie_used(message: str, afzender: str, identificatie: str) -> Exists:
    # Only accepted messages reserve their identificatie: a rejected message counts as
    # not sent (OP286), so its corrected version may reuse the identificatie. The facts
    # do not say whether a level-3/4 rejection reserves it; we treat it like level 2.
    return exists().where(Bericht.uniek_sleutel == uniek_sleutel(message, afzender, identificatie))


def _referentie_used(aanbieder: str, referentie: str) -> Exists:
    return exists().where(
        Bericht.id == Kenmerk.bericht_id, Bericht.richting == "in",
        Bericht.status == "accepted", Bericht.afzender == aanbieder,
        Bericht.berichttype.in_(REQUESTS), Kenmerk.soort == "referentie",
        Kenmerk.waarde == referentie)


def _open_request(aanbieder: str, gemeente: str, bsn: str) -> Exists:
    """A request stays open until its final answer went out: a JW301 or a rejecting JW319
    (TR374, OP350), or for a PGB its beschikking. An accepted request whose aanvraag has not
    been made yet (the task is still to run) is open too."""
    answered = exists().where(Aanvraag.bericht_id == Bericht.id, Aanvraag.afgehandeld_op.is_not(None))
    return exists().where(
        Bericht.richting == "in", Bericht.status == "accepted", Bericht.berichttype.in_(REQUESTS),
        Bericht.afzender == aanbieder, Bericht.ontvanger == gemeente, Bericht.bsn == bsn,
        ~answered)


class MessageLog:
    """`message`: the message being checked. Its level-3 questions about a request (TR056,
    TR347, TR374: identificatie, every ReferentieAanbieder, an open request) are then asked in
    one statement, at the first of them; a question about other values is asked on its own."""

    def __init__(self, session: Session, message: ParsedMessage | None = None):
        self.session = session
        self._message = message
        self._answers: dict[tuple[str, ...], bool] | None = None
        self._toewijzingen: dict[tuple[str, str, str], list[ToewijzingStand]] = {}

    def identificatie_used(self, message: str, afzender: str, identificatie: str) -> bool:
        return self._answer(("identificatie", message, afzender, identificatie),
                            lambda: _identificatie_used(message, afzender, identificatie))

    def referentie_used(self, aanbieder: str, referentie: str) -> bool:
        return self._answer(("referentie", aanbieder, referentie), lambda: _referentie_used(aanbieder, referentie))

    def open_request(self, aanbieder: str, gemeente: str, bsn: str) -> bool:
        return self._answer(("open", aanbieder, gemeente, bsn), lambda: _open_request(aanbieder, gemeente, bsn))

    def _answer(self, key: tuple[str, ...], question: Callable[[], Exists]) -> bool:
        if self._answers is None:
            self._answers = self._ask_all()
        if key in self._answers:
            return self._answers[key]
        return bool(self.session.scalar(select(question())))

    def _ask_all(self) -> dict[tuple[str, ...], bool]:
        """The questions the checked request's rules will ask, answered by one SELECT."""
        msg = self._message
        if msg is None or msg.type.name not in REQUESTS or not (msg.afzender and msg.identificatie):
            return {}
        questions: dict[tuple[str, ...], Exists] = {
            ("identificatie", msg.type.name, msg.afzender, msg.identificatie):
                _identificatie_used(msg.type.name, msg.afzender, msg.identificatie)}
        for referentie in msg.all_texts("ReferentieAanbieder"):
            questions[("referentie", msg.afzender, referentie)] = _referentie_used(msg.afzender, referentie)
        if msg.ontvanger and msg.bsn:
            questions[("open", msg.afzender, msg.ontvanger, msg.bsn)] = _open_request(msg.afzender, msg.ontvanger,
                                                                                   msg.bsn)
        row = self.session.execute(select(*(q.label(f"q{n}") for n, q in enumerate(questions.values())))).one()
        return {key: bool(answer) for key, answer in zip(questions, row, strict=True)}

    def leveringen(self, gemeente: str, aanbieder: str, bsn: str) -> Leveringen:
        return zorglevering.load(self.session, gemeente, aanbieder, bsn)

    def toewijzingen(self, gemeente: str, aanbieder: str, bsn: str) -> list[ToewijzingStand]:
        # Several JW317 rules ask for the same client within one check: read it once.
        key = (gemeente, aanbieder, bsn)
        if key not in self._toewijzingen:
            self._toewijzingen[key] = [stand(t) for t in for_client(self.session, gemeente, aanbieder, bsn)
                                       if not t.verwijderd]
        return self._toewijzingen[key]
