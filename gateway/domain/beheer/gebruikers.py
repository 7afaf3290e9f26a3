"""Back-office users: accounts, roles, passwords and the lock-out after failed log-ins.

Passwords are hashed with argon2id (argon2-cffi, the reference implementation's binding, with
its own salt and parameters in the hash string); a hash made with older parameters is
renewed at the next successful log-in. The lock-out after failed log-ins is counted in
`gateway.domain.beheer.inlogtellers`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gateway.db.models import Gebruiker, Sessie
from gateway.domain.beheer import inlogtellers
from gateway.errors import Unprocessable

CJG, FINANCE, ADMIN = "cjg", "finance", "admin"  # the roles of the back office
ROLLEN = (CJG, FINANCE, ADMIN)
MIN_WACHTWOORD = 12  # characters; length is what makes a password strong (NIST SP 800-63B)
_NAAM = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")

_hasher = PasswordHasher()
# Verified against when the username is unknown, so a wrong name costs as long as a wrong
# password and the answer time does not tell which names exist.
_DUMMY_HASH = _hasher.hash("geen-gebruiker-met-deze-naam")


class GebruikerFout(Unprocessable):
    """A user cannot be added or changed as asked; the message says why, in Dutch."""

    slug = "gebruiker"


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
    """A new password. It ends every open session of the user (a session opened with the old
    password, perhaps by whoever made a new one necessary, must not outlive it) and lifts the
    name's lock-outs."""
    user = existing(session, gebruikersnaam)
    user.wachtwoord_hash = _hash(wachtwoord)
    session.execute(delete(Sessie).where(Sessie.gebruiker_id == user.id))
    inlogtellers.lift(session, naam=user.gebruikersnaam)
    session.flush()
    return user


def unlock(session: Session, *, gebruikersnaam: str | None = None, adres: str | None = None) -> int:
    """Lift the lock-outs of an account (from every address) and/or of a source address;
    returns how many were lifted."""
    if gebruikersnaam is not None:
        gebruikersnaam = existing(session, gebruikersnaam).gebruikersnaam
    return inlogtellers.lift(session, naam=gebruikersnaam, adres=adres)


def existing(session: Session, gebruikersnaam: str) -> Gebruiker:
    user = by_name(session, gebruikersnaam.strip().lower())
    if user is None:
        raise GebruikerFout(f"geen gebruiker {gebruikersnaam}")
    return user


def by_name(session: Session, gebruikersnaam: str) -> Gebruiker | None:
    return session.scalar(select(Gebruiker).where(Gebruiker.gebruikersnaam == gebruikersnaam))


@dataclass(frozen=True)
class Kandidaat:
    """What a log-in checks the password against: the account's hash, or for a name no
    account has the dummy hash (same parameters, same cost)."""

    gebruiker_id: int | None
    gebruikersnaam: str | None
    wachtwoord_hash: str


def candidate(session: Session, gebruikersnaam: str) -> Kandidaat:
    naam = gebruikersnaam.strip().lower()
    user = by_name(session, naam) if naam else None
    if user is None:
        return Kandidaat(None, None, _DUMMY_HASH)
    return Kandidaat(user.id, user.gebruikersnaam, user.wachtwoord_hash)


def password_matches(kandidaat: Kandidaat, wachtwoord: str) -> bool:
    """The argon2 verification (a quarter to half a second of CPU): no database, no
    session, so that it can run in a worker thread. Never true for a name without account."""
    return _verify(kandidaat.wachtwoord_hash, wachtwoord) and kandidaat.gebruiker_id is not None


def logged_in(session: Session, kandidaat: Kandidaat, wachtwoord: str) -> Gebruiker | None:
    """The account after a right password; None if it was removed meanwhile or its password
    was changed since the candidate's hash was read (the password was checked against a hash
    that is no longer the account's: `gateway user passwd` must shut out whoever knew the old
    one, also a log-in that was waiting for its check). A hash made with older parameters is
    renewed now, while the password is known."""
    user = session.get(Gebruiker, kandidaat.gebruiker_id)
    if user is None or user.wachtwoord_hash != kandidaat.wachtwoord_hash:
        return None
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
