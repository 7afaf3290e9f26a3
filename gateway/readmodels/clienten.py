"""Clients as pages link to them: by the internal id, never by the BSN."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db.models import Client


def client(session: Session, client_id: int) -> Client | None:
    return session.get(Client, client_id)


def client_id(session: Session, gemeente: str | None, bsn: str | None) -> int | None:
    """The internal id of the gemeente's client with this BSN, if the gemeente knows one."""
    if not gemeente or not bsn:
        return None
    return session.scalar(select(Client.id).where(Client.gemeente == gemeente, Client.bsn == bsn))
