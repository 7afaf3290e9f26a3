"""Counting failed log-ins: the lock-out of a name from one address, and the throttle of an
address whatever the name.

A name is locked per source address, not for everyone: five failures within 15 minutes lock
that name *from that address* for 15 minutes. Someone guessing an administrator's password
from one address therefore locks only their own attempts; the administrator logs in from
another address as before. An address that fails `per_adres` times within 15 minutes, with
any names, gets the same answer for 15 minutes, so one address cannot spray guesses over
many names either. A typed name counts whether an account exists or not, under the same
rules, so neither the answer nor the lock-out tells which names exist.

An attempt is counted *before* its password is checked (and given back when it succeeds):
parallel guesses cannot all pass the check before the first failure is written, so a name gets
at most five password checks per window from an address however many requests arrive at once.
An attempt refused because a lock is in force (`locked`, which only reads) checks no password
and writes nothing (not to the access log either), so a flood of them costs neither CPU nor
storage. The rare attempt that `admit` refuses (it raced past `locked` with others) leaves the
counts it raised; they expire with the window like any failure.

The address is keyed by `adres_sleutel`: an IPv6 client is counted by its /64, the network one
subscriber gets, so rotating through it escapes neither the throttle nor the lock-out.
"""
from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, delete, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gateway.clock import as_utc
from gateway.db.models import Gebruiker, InlogTeller
from gateway.db.rows import rowcount

PER_NAAM = 5  # failures of one name from one address within VENSTER before it is locked there
VENSTER = timedelta(minutes=15)
BLOKKADE = timedelta(minutes=15)
_ADRES = ""  # naam_sleutel of an address's own counter
_WHEN = InlogTeller.venster_begin.type


def naam_sleutel(naam: str) -> str:
    """What is stored of a typed name: its SHA-256, for known and unknown names alike."""
    return hashlib.sha256(b"inlognaam\0" + naam.strip().lower().encode()).hexdigest()


def adres_sleutel(adres: str) -> str:
    """What the counters key an address by: an IPv4 address as it is (also when it comes
    IPv4-mapped, ::ffff:a.b.c.d), an IPv6 address (or network within a /64) as its /64; text
    that is no address (a test client's name, a unix socket) as it is."""
    try:
        address = ipaddress.ip_address(adres)
    except ValueError:
        try:
            network = ipaddress.ip_network(adres, strict=False)
        except ValueError:
            return adres[:45]
        if network.version == 6 and network.prefixlen >= 64:
            return str(network.supernet(new_prefix=64))
        return str(network.network_address) if network.num_addresses == 1 else adres[:45]
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def locked(session: Session, naam: str, adres: str, now: datetime) -> bool:
    """Whether the name is locked from this address, or the address itself is (reads only:
    an attempt refused here costs nothing)."""
    return bool(session.scalar(select(func.count()).where(
        InlogTeller.adres == adres_sleutel(adres), InlogTeller.naam_sleutel.in_((_ADRES, naam_sleutel(naam))),
        InlogTeller.geblokkeerd_tot > now)))


def admit(session: Session, naam: str, adres: str, now: datetime, *, per_adres: int) -> bool:
    """Count this attempt as failed until `succeeded` gives it back; whether its password may
    be checked. Its first statement is a write, so on SQLite the transaction takes the write
    lock at once (waiting its turn) instead of failing to upgrade a read. A refusal here
    leaves the counts it raised (see the module's docstring)."""
    adres = adres_sleutel(adres)
    for key, limit in ((_ADRES, per_adres), (naam_sleutel(naam), PER_NAAM)):
        count, tot = _count(session, key, adres, now)
        if tot is not None and as_utc(tot) > now:
            return False
        if count > limit:  # the limit's worth of attempts is still being checked
            _block(session, key, adres, now, limit)
            return False
    return True


def failed(session: Session, naam: str, adres: str, now: datetime, *, per_adres: int) -> bool:
    """After a wrong password: whether the name or the address is now locked. Touches only
    this address's rows; expired rows are removed by `forget_expired`, in a transaction of
    its own."""
    adres = adres_sleutel(adres)
    blocked = False
    for key, limit in ((_ADRES, per_adres), (naam_sleutel(naam), PER_NAAM)):
        blocked |= _block(session, key, adres, now, limit)
    return blocked


def succeeded(session: Session, naam: str, adres: str) -> None:
    """The name's failures from this address are forgotten; the address keeps its others."""
    adres = adres_sleutel(adres)
    # The address's row first, then the name's: the order `admit` and `failed` lock them in,
    # so two attempts from one address never wait on each other crosswise (a deadlock).
    session.execute(update(InlogTeller).where(InlogTeller.naam_sleutel == _ADRES, InlogTeller.adres == adres,
                                              InlogTeller.mislukt > 0)
                    .values(mislukt=InlogTeller.mislukt - 1))
    session.execute(delete(InlogTeller).where(InlogTeller.naam_sleutel == naam_sleutel(naam),
                                              InlogTeller.adres == adres))


def forget_expired(session: Session, now: datetime) -> int:
    """Remove the counters whose window and lock-out are over (keeps the table to the last
    window); returns how many. Call it in a transaction of its own, never inside the counting
    of an attempt: there it would lock other addresses' rows while holding this address's, and
    on PostgreSQL two attempts doing so in opposite orders deadlock (one answers 503). Rows
    that another transaction holds are skipped (SKIP LOCKED), so this never waits either: what
    it skips, a later call removes."""
    expired = select(InlogTeller.id).where(_expired(now)).with_for_update(skip_locked=True)
    return rowcount(session, delete(InlogTeller).where(InlogTeller.id.in_(expired), _expired(now)))


def lift(session: Session, *, naam: str | None = None, adres: str | None = None,
         teller_id: int | None = None) -> int:
    """Lift lock-outs: every one of a name (from any address), everything from an address (its
    throttle and the names locked from it; for IPv6 its /64), or one counter; returns how many
    were removed."""
    conditions = []
    if naam is not None:
        conditions.append(InlogTeller.naam_sleutel == naam_sleutel(naam))
    if adres is not None:
        conditions.append(InlogTeller.adres == adres_sleutel(adres.strip()))
    if teller_id is not None:
        conditions.append(InlogTeller.id == teller_id)
    if not conditions:
        raise ValueError("lift what? a name, an address or a counter")
    return rowcount(session, delete(InlogTeller).where(or_(*conditions)))


@dataclass(frozen=True)
class Blokkade:
    id: int
    gebruikersnaam: str | None  # None: the address's throttle
    onbekende_naam: bool  # a name no account has (shown as such, never as typed: it is not stored)
    adres: str
    tot: datetime


def active(session: Session, now: datetime) -> list[Blokkade]:
    """Every lock-out in force, names resolved to the accounts they belong to."""
    names = {naam_sleutel(naam): naam for naam in session.scalars(select(Gebruiker.gebruikersnaam))}
    rows = session.scalars(select(InlogTeller).where(InlogTeller.geblokkeerd_tot > now)
                           .order_by(InlogTeller.geblokkeerd_tot.desc(), InlogTeller.id))
    found = []
    for row in rows:
        assert row.geblokkeerd_tot is not None  # selected by it
        found.append(Blokkade(row.id, None if row.naam_sleutel == _ADRES else names.get(row.naam_sleutel),
                              row.naam_sleutel != _ADRES and row.naam_sleutel not in names, row.adres,
                              as_utc(row.geblokkeerd_tot)))
    return found


def _count(session: Session, key: str, adres: str, now: datetime) -> tuple[int, datetime | None]:
    """One more attempt on the counter, atomically (a window that ended starts again)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = InlogTeller.__table__
    over = and_(table.c.venster_begin <= now - VENSTER,
                or_(table.c.geblokkeerd_tot.is_(None), table.c.geblokkeerd_tot <= now))
    statement = dialect.insert(InlogTeller).values(naam_sleutel=key, adres=adres, mislukt=1, venster_begin=now)
    statement = statement.on_conflict_do_update(
        index_elements=["naam_sleutel", "adres"],
        set_={"mislukt": case((over, 1), else_=table.c.mislukt + 1),
              "venster_begin": case((over, literal(now, _WHEN)), else_=table.c.venster_begin),
              "geblokkeerd_tot": case((over, None), else_=table.c.geblokkeerd_tot)},
    ).returning(InlogTeller.mislukt, InlogTeller.geblokkeerd_tot)
    count, tot = session.execute(statement).one()
    return count, tot


def _block(session: Session, key: str, adres: str, now: datetime, limit: int) -> bool:
    """Lock the counter when it reached its limit (a lock already in force stays as it is)."""
    locked = session.execute(
        update(InlogTeller).where(InlogTeller.naam_sleutel == key, InlogTeller.adres == adres,
                                  InlogTeller.mislukt >= limit)
        .values(geblokkeerd_tot=func.coalesce(InlogTeller.geblokkeerd_tot, literal(now + BLOKKADE, _WHEN)))
        .returning(InlogTeller.id)).first()
    return locked is not None


def _expired(now: datetime) -> ColumnElement[bool]:
    return and_(InlogTeller.venster_begin < now - VENSTER,
                or_(InlogTeller.geblokkeerd_tot.is_(None), InlogTeller.geblokkeerd_tot <= now))
