"""The back-office users for `/gebruikers`: role, municipalities, blocked, locked out."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.db.models import Gebruiker, Partij
from gateway.domain.beheer import inlogtellers


@dataclass(frozen=True)
class Regel:
    id: int
    gebruikersnaam: str
    rol: str
    gemeenten: tuple[str, ...] | None  # None: all of the gateway's municipalities
    geblokkeerd: bool
    buitengesloten_tot: datetime | None  # the latest lock-out after failed log-ins in force
    aangemaakt_op: datetime


def users(session: Session, now: datetime) -> list[Regel]:
    """Every user by name, with the lock-outs in force (three queries, whatever the number)."""
    locked: dict[str, datetime] = {}
    for blokkade in inlogtellers.active(session, now):
        if blokkade.gebruikersnaam is not None:
            naam = blokkade.gebruikersnaam
            locked[naam] = max(locked.get(naam, blokkade.tot), blokkade.tot)
    return [Regel(u.id, u.gebruikersnaam, u.rol, None if u.gemeenten is None else tuple(u.gemeenten),
                  u.geblokkeerd, locked.get(u.gebruikersnaam), u.aangemaakt_op)
            for u in session.scalars(select(Gebruiker).order_by(Gebruiker.gebruikersnaam))]


def user(session: Session, gebruiker_id: int) -> Gebruiker | None:
    return session.get(Gebruiker, gebruiker_id)


def municipalities(session: Session) -> list[tuple[str, str]]:
    """(code, naam) of the gateway's municipalities, by code: what a user can be given."""
    return list(session.execute(select(Partij.code, Partij.naam).where(Partij.soort == "gemeente")
                                .order_by(Partij.code)).all())
