"""Beschikkingen as their page shows them."""
from __future__ import annotations

from sqlalchemy.orm import Session

from gateway.db.models import Beschikking
from gateway.readmodels import clienten


def beschikking(session: Session, beschikking_id: int) -> Beschikking | None:
    return session.get(Beschikking, beschikking_id)


def client_id(session: Session, beschikking: Beschikking) -> int | None:
    return clienten.client_id(session, beschikking.gemeente, beschikking.bsn)
