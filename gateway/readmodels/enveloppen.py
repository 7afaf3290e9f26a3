"""The StUF-GGk envelopes of messages as the back office shows them: per message its own
envelopes and the answers (Du01, Fo01) to them; per page of the log the kanaal and the
status of the envelope that carried it of each message, in one query."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.db.models import Envelop, EnvelopPoging
from gateway.domain.berichten.envelop import AFGELEVERD, GEWEIGERD, MISLUKT, ONTVANGEN, TE_VERZENDEN

STATUS_TEKST = {TE_VERZENDEN: "te verzenden", AFGELEVERD: "afgeleverd", MISLUKT: "mislukt",
                GEWEIGERD: "geweigerd", ONTVANGEN: "ontvangen"}
ANTWOORD_SOORTEN = ("Du01", "Fo01")


@dataclass(frozen=True)
class EnvelopRegel:
    id: int
    soort: str
    richting: str
    referentienummer: str
    cross_refnummer: str | None
    status: str
    status_tekst: str
    fout_code: str | None
    fout_omschrijving: str | None
    fout_zender: str | None
    bericht_id: int | None


@dataclass(frozen=True)
class Enveloppen:
    eigen: list[EnvelopRegel]  # the envelopes of the message itself
    antwoorden: list[EnvelopRegel]  # the Du01s and Fo01s whose crossRefnummer names one of them


def _status_tekst(e: Envelop, failed: int) -> str:
    """In Dutch; an envelope still to be sent after failed attempts is being retried."""
    if e.status == TE_VERZENDEN and failed:
        return f"opnieuw proberen ({failed} {'poging' if failed == 1 else 'pogingen'} mislukt)"
    return STATUS_TEKST.get(e.status, e.status)


def _failed_attempts(session: Session, envelop_ids: list[int]) -> dict[int, int]:
    if not envelop_ids:
        return {}
    rows = session.execute(
        select(EnvelopPoging.envelop_id, func.count()).where(EnvelopPoging.envelop_id.in_(envelop_ids),
                                                             EnvelopPoging.geslaagd.is_(False))
        .group_by(EnvelopPoging.envelop_id))
    return dict(rows.all())  # a list of rows: dict() of the Result itself would take it for a mapping


def _regel(e: Envelop, failed: int = 0) -> EnvelopRegel:
    return EnvelopRegel(id=e.id, soort=e.soort, richting=e.richting, referentienummer=e.referentienummer,
                        cross_refnummer=e.cross_refnummer, status=e.status,
                        status_tekst=_status_tekst(e, failed), fout_code=e.fout_code,
                        fout_omschrijving=e.fout_omschrijving, fout_zender=e.fout_zender, bericht_id=e.bericht_id)


def of_message(session: Session, bericht_id: int) -> Enveloppen:
    """The message's envelopes, oldest first, and the answers to them. An answer that is
    itself one of the message's envelopes (a received Fo01 is stored with the message it
    refuses) is listed once, as an answer."""
    own = list(session.scalars(select(Envelop).where(Envelop.bericht_id == bericht_id).order_by(Envelop.id)))
    refs = sorted({e.referentienummer for e in own})
    answers = list(session.scalars(
        select(Envelop).where(Envelop.cross_refnummer.in_(refs), Envelop.soort.in_(ANTWOORD_SOORTEN))
        .order_by(Envelop.id))) if refs else []
    answer_ids = {a.id for a in answers}
    failed = _failed_attempts(session, [e.id for e in own] + sorted(answer_ids))
    return Enveloppen(eigen=[_regel(e, failed.get(e.id, 0)) for e in own if e.id not in answer_ids],
                      antwoorden=[_regel(a, failed.get(a.id, 0)) for a in answers])


def status_per_message(session: Session, bericht_ids: Sequence[int]) -> dict[int, str]:
    """The status of the envelope that carried each message (its first: the received Di01 or
    Du01, or the sent Di01; answers to it are stored later), for one page of the log in one
    query. A message missing from the result went by the API."""
    if not bericht_ids:
        return {}
    first = (select(func.min(Envelop.id).label("id"))
             .where(Envelop.bericht_id.in_(sorted(set(bericht_ids))))
             .group_by(Envelop.bericht_id).subquery())
    return {bericht_id: status for bericht_id, status in session.execute(
        select(Envelop.bericht_id, Envelop.status).join(first, Envelop.id == first.c.id)) if bericht_id is not None}
