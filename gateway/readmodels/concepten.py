"""The drafts of the aanvraagformulier a user kept (gateway.domain.aanvraag.concepten)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db.models import AanvraagConcept


@dataclass(frozen=True)
class Concept:
    sleutel: str
    waarden: dict[str, str]
    bijgewerkt_op: datetime


def van(session: Session, gebruiker_id: int, sleutel: str) -> Concept | None:
    """The user's draft of form `sleutel`; another user's draft is never found."""
    row = session.scalar(select(AanvraagConcept).where(AanvraagConcept.gebruiker_id == gebruiker_id,
                                                       AanvraagConcept.sleutel == sleutel))
    return None if row is None else Concept(row.sleutel, dict(row.waarden), row.bijgewerkt_op)


def alle(session: Session, gebruiker_id: int) -> list[Concept]:
    """The user's drafts, the latest first."""
    rows = session.scalars(select(AanvraagConcept).where(AanvraagConcept.gebruiker_id == gebruiker_id)
                           .order_by(AanvraagConcept.bijgewerkt_op.desc(), AanvraagConcept.id.desc()))
    return [Concept(r.sleutel, dict(r.waarden), r.bijgewerkt_op) for r in rows]
