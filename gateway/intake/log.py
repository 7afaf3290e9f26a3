"""The message log as level-3 rules read it (implements rules.engine.StateReader)."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Exists, Select, bindparam, exists, select, text
from sqlalchemy.orm import Session

from gateway.db.models import Aanvraag, Bericht, Kenmerk
from gateway.domain.aanvraag.toewijzingen import for_client, stand
from gateway.domain.levering import zorglevering
from gateway.model.leveringen import Leveringen
from gateway.model.stand import ToewijzingStand
from gateway.xml.view import ParsedMessage, present

REQUESTS = ("AGJ", "JW315", "JW317")
BATCHED_REFERENTIES = 20
_CLIENT_LOCK = text("SELECT pg_advisory_xact_lock(hashtext(:key))")


def lock_client(session: Session, gemeente: str | None, aanbieder: str | None, bsn: str | None) -> None:
    """Serialise the messages of one client at one provider, from the rules until commit: the
    level-3 rules read what earlier messages recorded (deliveries, open requests), so two
    concurrent messages must not both be judged against the state before either. PostgreSQL:
    a transaction-scoped advisory lock on the client. SQLite needs none: the message row is
    written first, which already holds the database's one write lock."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(_CLIENT_LOCK, {"key": f"{gemeente}|{aanbieder}|{bsn}"})


def uniek_sleutel(message: str, afzender: str | None, identificatie: str | None) -> str:
    return f"{message}|{afzender}|{identificatie}"


def _identificatie_used(n: int = 0) -> Exists:
    # Only accepted messages reserve their identificatie: a rejected message counts as
    # not sent (OP286), so its corrected version may reuse the identificatie. The facts
    # do not say whether a level-3/4 rejection reserves it; we treat it like level 2.
    return exists().where(Bericht.uniek_sleutel == bindparam(f"sleutel{n}"))


def _referentie_used(n: int = 0) -> Exists:
    return exists().where(
        Bericht.id == Kenmerk.bericht_id, Bericht.richting == "in",
        Bericht.status == "accepted", Bericht.afzender == bindparam(f"aanbieder{n}"),
        Bericht.berichttype.in_(REQUESTS), Kenmerk.soort == "referentie",
        Kenmerk.waarde == bindparam(f"referentie{n}"))


def _open_request(n: int = 0) -> Exists:
    """A request stays open until its final answer went out: a JW301 or a rejecting JW319
    (TR374, OP350), or for a PGB its beschikking. An accepted request whose aanvraag has not
    been made yet (the task is still to run) is open too."""
    answered = exists().where(Aanvraag.bericht_id == Bericht.id, Aanvraag.afgehandeld_op.is_not(None))
    return exists().where(
        Bericht.richting == "in", Bericht.status == "accepted", Bericht.berichttype.in_(REQUESTS),
        Bericht.afzender == bindparam(f"aanbieder{n}"), Bericht.ontvanger == bindparam(f"gemeente{n}"),
        Bericht.bsn == bindparam(f"bsn{n}"), ~answered)


# Each question as a statement of its own, and the questions of a request with N references
# as one: built once (a statement costs several times more to build than to run on its
# index), the values bound per call.
_IDENTIFICATIE_USED = select(_identificatie_used())
_REFERENTIE_USED = select(_referentie_used())
_OPEN_REQUEST = select(_open_request())


@lru_cache(maxsize=32)
def _request_questions(referenties: int, with_open: bool) -> Select:
    questions = [_identificatie_used(0), *(_referentie_used(n) for n in range(referenties))]
    if with_open:
        questions.append(_open_request(0))
    return select(*(q.label(f"q{n}") for n, q in enumerate(questions)))


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
        return self._answer(("identificatie", message, afzender, identificatie), _IDENTIFICATIE_USED,
                            {"sleutel0": uniek_sleutel(message, afzender, identificatie)})

    def referentie_used(self, aanbieder: str, referentie: str) -> bool:
        return self._answer(("referentie", aanbieder, referentie), _REFERENTIE_USED,
                            {"aanbieder0": aanbieder, "referentie0": referentie})

    def open_request(self, aanbieder: str, gemeente: str, bsn: str) -> bool:
        return self._answer(("open", aanbieder, gemeente, bsn), _OPEN_REQUEST,
                            {"aanbieder0": aanbieder, "gemeente0": gemeente, "bsn0": bsn})

    def _answer(self, key: tuple[str, ...], question: Select, values: dict[str, str]) -> bool:
        if self._answers is None:
            self._answers = self._ask_all()
        if key in self._answers:
            return self._answers[key]
        return bool(self.session.scalar(question, values))

    def _ask_all(self) -> dict[tuple[str, ...], bool]:
        """The questions the checked request's rules will ask, answered by one SELECT."""
        msg = self._message
        if msg is None or msg.type.name not in REQUESTS or not (msg.afzender and msg.identificatie):
            return {}
        afzender = msg.afzender
        keys: list[tuple[str, ...]] = [("identificatie", msg.type.name, afzender, msg.identificatie)]
        values = {"sleutel0": uniek_sleutel(msg.type.name, afzender, msg.identificatie)}
        # A request may hold any number of products (maxOccurs unbounded): the first ones are
        # asked here, any further ones each on its own, so the statement stays within what a
        # database takes in one select list (SQLite 2000 columns, PostgreSQL 1664).
        referenties = list(dict.fromkeys(msg.all_texts("ReferentieAanbieder")))[:BATCHED_REFERENTIES]
        for n, referentie in enumerate(referenties):
            keys.append(("referentie", afzender, referentie))
            values |= {f"aanbieder{n}": afzender, f"referentie{n}": referentie}
        with_open = bool(msg.ontvanger and msg.bsn)
        if with_open:
            keys.append(("open", afzender, present(msg.ontvanger), present(msg.bsn)))
            values |= {"aanbieder0": afzender, "gemeente0": present(msg.ontvanger), "bsn0": present(msg.bsn)}
        row = self.session.execute(_request_questions(len(referenties), with_open), values).one()
        return {key: bool(answer) for key, answer in zip(keys, row, strict=True)}

    def leveringen(self, gemeente: str, aanbieder: str, bsn: str) -> Leveringen:
        return zorglevering.load(self.session, gemeente, aanbieder, bsn)

    def toewijzingen(self, gemeente: str, aanbieder: str, bsn: str) -> list[ToewijzingStand]:
        # Several JW317 rules ask for the same client within one check: read it once.
        key = (gemeente, aanbieder, bsn)
        if key not in self._toewijzingen:
            self._toewijzingen[key] = [stand(t) for t in for_client(self.session, gemeente, aanbieder, bsn)
                                       if not t.verwijderd]
        return self._toewijzingen[key]
