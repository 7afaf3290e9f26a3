"""Back-office users: accounts, roles, passwords and the lock-out after failed log-ins.

Passwords are hashed with argon2id (argon2-cffi, the reference implementation's binding, with
its own salt and parameters in the hash string); a hash made with older parameters is
renewed at the next successful log-in. The lock-out after failed log-ins is counted in
`gateway.domain.beheer.inlogtellers`.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from gateway.db.models import Gebruiker, Partij, Sessie
from gateway.domain.beheer import inlogtellers
from gateway.errors import Unprocessable
from gateway.reference import ReferenceData

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


@dataclass(frozen=True)
class Gemeenten:
    """The municipalities a user is given, as typed (codes), checked against what they must
    be: a code on the CBS list on `dag` and one of the gateway's municipalities. None: all."""

    codes: Iterable[str] | None
    reference: ReferenceData
    dag: date


def add(session: Session, *, gebruikersnaam: str, rol: str, wachtwoord: str,
        gemeenten: Gemeenten | None = None) -> Gebruiker:
    """A new user; without `gemeenten` (or with codes None) the user belongs to all of the
    gateway's municipalities."""
    naam = _valid_name(gebruikersnaam)
    _valid_role(rol)
    if by_name(session, naam) is not None:
        raise GebruikerFout(f"gebruiker {naam} bestaat al; een nieuw wachtwoord zet je met `gateway user passwd`")
    codes = _valid_gemeenten(session, gemeenten)
    user = Gebruiker(gebruikersnaam=naam, rol=rol, wachtwoord_hash=_hash(wachtwoord), gemeenten=codes)
    session.add(user)
    session.flush()
    return user


def change(session: Session, *, gebruikersnaam: str, rol: str, gemeenten: Gemeenten) -> Gebruiker:
    """A new role and new municipalities. Open sessions carry on with them from the next page
    (a session reads its user's role and municipalities on every page)."""
    user = existing(session, gebruikersnaam)
    _valid_role(rol)
    if user.rol == ADMIN and rol != ADMIN:
        _not_the_last_admin(session, user, "een andere rol geven")
    user.rol, user.gemeenten = rol, _valid_gemeenten(session, gemeenten)
    session.flush()
    return user


def block(session: Session, *, gebruikersnaam: str, geblokkeerd: bool = True) -> Gebruiker:
    """Block a user (or lift the block): a blocked user cannot log in, and every open session
    of the user ends now."""
    user = existing(session, gebruikersnaam)
    if geblokkeerd and not user.geblokkeerd:
        if user.rol == ADMIN:
            _not_the_last_admin(session, user, "blokkeren")
        session.execute(delete(Sessie).where(Sessie.gebruiker_id == user.id))
    user.geblokkeerd = geblokkeerd
    session.flush()
    return user


def may_see(gemeenten: Iterable[str] | None, gemeente: str | None) -> bool:
    """Whether someone with these municipalities (None: all) may see the work of `gemeente`."""
    return gemeenten is None or gemeente in set(gemeenten)


def gateway_gemeenten(session: Session) -> list[str]:
    """The CBS codes of the municipalities the gateway serves (its gemeente parties)."""
    return list(session.scalars(select(Partij.code).where(Partij.soort == "gemeente").order_by(Partij.code)))


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
    """The account after a right password; None if it was removed or blocked meanwhile or its password
    was changed since the candidate's hash was read (the password was checked against a hash
    that is no longer the account's: `gateway user passwd` must shut out whoever knew the old
    one, also a log-in that was waiting for its check). A hash made with older parameters is
    renewed now, while the password is known."""
    user = session.get(Gebruiker, kandidaat.gebruiker_id)
    if user is None or user.wachtwoord_hash != kandidaat.wachtwoord_hash or user.geblokkeerd:
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


def _valid_role(rol: str) -> None:
    if rol not in ROLLEN:
        raise GebruikerFout(f"onbekende rol {rol!r}; kies uit {', '.join(ROLLEN)}")


def _not_the_last_admin(session: Session, user: Gebruiker, wat: str) -> None:
    # Without an administrator nobody can manage users in the back office any more.
    others = session.scalar(select(func.count()).select_from(Gebruiker).where(
        Gebruiker.rol == ADMIN, Gebruiker.id != user.id, Gebruiker.geblokkeerd.is_(False)))
    if not others:
        raise GebruikerFout(f"{user.gebruikersnaam} is de laatste beheerder; die kun je niet {wat}")


def _valid_gemeenten(session: Session, gemeenten: Gemeenten | None) -> list[str] | None:
    if gemeenten is None or gemeenten.codes is None:
        return None
    codes = sorted({code.strip() for code in gemeenten.codes if code.strip()})
    if not codes:
        raise GebruikerFout("kies minstens één gemeente (of alle gemeenten)")
    served = set(gateway_gemeenten(session))
    for code in codes:
        fout = gemeenten.reference.gemeentecode_fout(code, gemeenten.dag)
        if fout is not None:
            raise GebruikerFout(fout)
        if code not in served:
            raise GebruikerFout(f"gemeente {code} is geen gemeente van deze gateway "
                                "(eerst `gateway municipality add`)")
    return codes


def _valid_name(gebruikersnaam: str) -> str:
    naam = gebruikersnaam.strip().lower()
    if not _NAAM.fullmatch(naam):
        raise GebruikerFout("een gebruikersnaam is 2-64 tekens: letters, cijfers, punt, streepje of liggend streepje")
    return naam
