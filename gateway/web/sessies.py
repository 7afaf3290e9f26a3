"""Back-office sessions, kept in the database so that any API process serves any page.

The cookie carries a 256-bit random key; the table holds only its SHA-256, so a copy of
the database opens no session. A session ends after 30 minutes without use or 10 hours
after log-in (one working day), whichever comes first.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from gateway.clock import as_utc
from gateway.db.models import Gebruiker, Sessie
from gateway.domain.beheer import gebruikers
from gateway.domain.beheer.gebruikers import ADMIN

COOKIE = "gateway_sessie"
IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=10)
# Writing "last used" on every page would be a write per click; once a minute is enough.
_TOUCH_AFTER = timedelta(minutes=1)


@dataclass(frozen=True)
class Ingelogd:
    """The user behind a request, and the token its forms must carry."""

    sessie_id: int
    gebruiker_id: int
    gebruikersnaam: str
    rol: str
    csrf: str
    # The CBS codes of the municipalities whose work the user may see; None: all (an admin,
    # or a user of every municipality). See `may_see`.
    gemeenten: frozenset[str] | None = None


def may_see(user: Ingelogd, gemeente: str | None) -> bool:
    """Whether `user` may see (and decide on) the work of `gemeente` (design.md §9)."""
    return user.rol == ADMIN or gebruikers.may_see(user.gemeenten, gemeente)


def start(session: Session, user: Gebruiker, now: datetime) -> str:
    """A new session for `user`; returns the cookie value. Earlier expired sessions of the
    user are cleared on the way."""
    session.execute(delete(Sessie).where(Sessie.gebruiker_id == user.id, Sessie.laatst_gebruikt < now - IDLE))
    key = secrets.token_urlsafe(32)
    session.add(Sessie(sleutel_hash=_digest(key), gebruiker_id=user.id, csrf=secrets.token_urlsafe(32),
                       aangemaakt_op=now, laatst_gebruikt=now))
    session.flush()
    return key


@dataclass(frozen=True)
class Lookup:
    """What a cookie's lookup found: the user (None without a valid session), and the
    session's bookkeeping that is due: an expired session to remove, or "last used" to move."""

    user: Ingelogd | None
    expired_id: int | None = None
    touch_id: int | None = None

    @property
    def writes_due(self) -> bool:
        return self.expired_id is not None or self.touch_id is not None


def find(session: Session, key: str | None, now: datetime) -> Lookup:
    """The user behind `key`; reads only (`record_use` writes what the lookup found due)."""
    if not key:
        return Lookup(None)
    row = session.scalar(select(Sessie).where(Sessie.sleutel_hash == _digest(key)))
    if row is None:
        return Lookup(None)
    if as_utc(row.laatst_gebruikt) + IDLE < now or as_utc(row.aangemaakt_op) + ABSOLUTE < now:
        return Lookup(None, expired_id=row.id)
    user = row.gebruiker
    if user.geblokkeerd:  # blocking ends the sessions; this also holds for one that raced it
        return Lookup(None, expired_id=row.id)
    gemeenten = None if user.rol == ADMIN or user.gemeenten is None else frozenset(user.gemeenten)
    found = Ingelogd(row.id, user.id, user.gebruikersnaam, user.rol, row.csrf, gemeenten)
    return Lookup(found, touch_id=row.id if as_utc(row.laatst_gebruikt) + _TOUCH_AFTER < now else None)


@dataclass(frozen=True)
class Verlopen:
    """The owner of a session that has expired, and that session's CSRF token."""

    gebruiker_id: int
    rol: str
    csrf: str


def expired_owner(session: Session, key: str | None, now: datetime) -> Verlopen | None:
    """Whose session `key` was, when it still exists but has expired (None otherwise). Reads
    only. A form posted after the session expired is still proven to come from our page by
    that session's CSRF token, so its values can be kept for its owner (gateway.web.formulier)."""
    if not key:
        return None
    row = session.scalar(select(Sessie).where(Sessie.sleutel_hash == _digest(key)))
    if row is None or not (as_utc(row.laatst_gebruikt) + IDLE < now or as_utc(row.aangemaakt_op) + ABSOLUTE < now):
        return None
    return Verlopen(row.gebruiker_id, row.gebruiker.rol, row.csrf)


def record_use(session: Session, found: Lookup, now: datetime) -> None:
    """Remove the expired session or move its "last used", as `find` found due. Statements,
    not ORM changes: two requests of one browser may both find the session expired, and the
    second delete must not fail."""
    if found.expired_id is not None:
        session.execute(delete(Sessie).where(Sessie.id == found.expired_id))
    if found.touch_id is not None:
        session.execute(update(Sessie).where(Sessie.id == found.touch_id).values(laatst_gebruikt=now))


def end(session: Session, key: str | None) -> None:
    if key:
        session.execute(delete(Sessie).where(Sessie.sleutel_hash == _digest(key)))


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
