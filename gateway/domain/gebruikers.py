"""Back-office users: accounts, roles, passwords and the lock-out after failed log-ins.

Passwords are hashed with argon2id (argon2-cffi, the reference implementation's binding, with
its own salt and parameters in the hash string); a hash made with older parameters is
renewed at the next successful log-in.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gateway.db.models import Gebruiker
from gateway.domain.context import as_utc

ROLLEN = ("cjg", "finance", "admin")
MAX_POGINGEN = 5  # failed log-ins in a row before the account is locked
BLOKKADE = timedelta(minutes=15)
MIN_WACHTWOORD = 12  # characters; length is what makes a password strong (NIST SP 800-63B)
_NAAM = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")

_hasher = PasswordHasher()
# Verified against when the username is unknown, so a wrong name costs as long as a wrong
# password and the answer time does not tell which names exist.
_DUMMY_HASH = _hasher.hash("geen-gebruiker-met-deze-naam")


class GebruikerFout(ValueError):
    """A user cannot be added or changed as asked; the message says why, in Dutch."""


class Geblokkeerd(Exception):
    def __init__(self, tot: datetime):
        super().__init__(f"geblokkeerd tot {tot.isoformat()}")
        self.tot = tot


def add(session: Session, *, gebruikersnaam: str, rol: str, wachtwoord: str) -> Gebruiker:
    naam = _valid_name(gebruikersnaam)
    if rol not in ROLLEN:
        raise GebruikerFout(f"onbekende rol {rol!r}; kies uit {', '.join(ROLLEN)}")
    if by_name(session, naam) is not None:
        raise GebruikerFout(f"gebruiker {naam} bestaat al; een nieuw wachtwoord zet je met `gateway user passwd`")
    user = Gebruiker(gebruikersnaam=naam, rol=rol, wachtwoord_hash=_hash(wachtwoord))
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, *, gebruikersnaam: str, wachtwoord: str) -> Gebruiker:
    """A new password, which also lifts a lock-out."""
    user = by_name(session, gebruikersnaam.strip().lower())
    if user is None:
        raise GebruikerFout(f"geen gebruiker {gebruikersnaam}")
    user.wachtwoord_hash = _hash(wachtwoord)
    user.mislukte_pogingen, user.geblokkeerd_tot = 0, None
    session.flush()
    return user


def by_name(session: Session, gebruikersnaam: str) -> Gebruiker | None:
    return session.scalar(select(Gebruiker).where(Gebruiker.gebruikersnaam == gebruikersnaam))


def log_in(session: Session, gebruikersnaam: str, wachtwoord: str, now: datetime) -> Gebruiker | None:
    """The user when the password is right; None when the name or the password is wrong.
    Raises Geblokkeerd while the account is locked, whatever the password: trying on
    during a lock-out must not tell whether a guess was right. The password is verified in
    every case, so the answer time does not tell a locked or unknown name from another."""
    user = by_name(session, gebruikersnaam.strip().lower()) if gebruikersnaam else None
    right = _verify(user.wachtwoord_hash if user else _DUMMY_HASH, wachtwoord)
    if user is None:
        return None
    if user.geblokkeerd_tot is not None and as_utc(user.geblokkeerd_tot) > now:
        raise Geblokkeerd(as_utc(user.geblokkeerd_tot))
    if not right:
        # One atomic increment: parallel guesses cannot each read the same count.
        failures = session.execute(update(Gebruiker).where(Gebruiker.id == user.id)
                                   .values(mislukte_pogingen=Gebruiker.mislukte_pogingen + 1)
                                   .returning(Gebruiker.mislukte_pogingen)).scalar_one()
        if failures >= MAX_POGINGEN:
            session.execute(update(Gebruiker).where(Gebruiker.id == user.id)
                            .values(mislukte_pogingen=0, geblokkeerd_tot=now + BLOKKADE))
            raise Geblokkeerd(now + BLOKKADE)
        return None
    user.mislukte_pogingen, user.geblokkeerd_tot = 0, None
    if _hasher.check_needs_rehash(user.wachtwoord_hash):
        user.wachtwoord_hash = _hash(wachtwoord)
    session.flush()
    return user


def _verify(hashed: str, wachtwoord: str) -> bool:
    try:
        return _hasher.verify(hashed, wachtwoord)
    except (VerificationError, InvalidHashError):
        return False


def _hash(wachtwoord: str) -> str:
    if len(wachtwoord) < MIN_WACHTWOORD:
        raise GebruikerFout(f"een wachtwoord heeft minstens {MIN_WACHTWOORD} tekens")
    return _hasher.hash(wachtwoord)


def _valid_name(gebruikersnaam: str) -> str:
    naam = gebruikersnaam.strip().lower()
    if not _NAAM.fullmatch(naam):
        raise GebruikerFout("een gebruikersnaam is 2-64 tekens: letters, cijfers, punt, streepje of liggend streepje")
    return naam
