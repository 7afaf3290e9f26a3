"""Beschikkingen as their page shows them."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db.models import Beschikking
from gateway.readmodels import clienten
from gateway.readmodels.scope import Gemeenten, binnen


def beschikking(session: Session, beschikking_id: int, *, gemeenten: Gemeenten = None) -> Beschikking | None:
    """The beschikking, if of one of `gemeenten` (None: any): another municipality's is as
    unknown as an id that does not exist."""
    return session.scalar(select(Beschikking).where(Beschikking.id == beschikking_id,
                                                    binnen(Beschikking.gemeente, gemeenten)))


def client_id(session: Session, beschikking: Beschikking) -> int | None:
    return clienten.client_id(session, beschikking.gemeente, beschikking.bsn)
