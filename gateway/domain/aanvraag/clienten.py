"""The client records (table `client`): what each gemeente knows of a client for its JW301s."""
from __future__ import annotations

from types import ModuleType

from lxml import etree
from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable

from gateway import clock
from gateway.db.models import Client
from gateway.domain.aanvraag import clientgegevens


def known(session: Session, gemeente: str, bsn: str) -> etree._Element | None:
    row = _row(session, gemeente, bsn)
    return clientgegevens.from_bytes(row.gegevens) if row is not None and row.gegevens else None


def _register_statement(dialect: ModuleType) -> Executable:
    insert: Executable = (dialect.insert(Client)
            .values(gemeente=bindparam("gemeente"), bsn=bindparam("bsn"), gegevens=None,
                    bijgewerkt_op=bindparam("bijgewerkt_op"))
            .on_conflict_do_nothing(index_elements=["gemeente", "bsn"]))
    return insert


# Built once per dialect (SQLite, PostgreSQL): every accepted message runs it.
_REGISTER = {False: _register_statement(sqlite), True: _register_statement(postgresql)}


def register(session: Session, gemeente: str, bsn: str) -> None:
    """Register the client when this is the first message about them (every accepted message
    about a client gives the client an id, for the back office). Two providers may report the
    same client at once (their intakes are serialised per provider, not per client), so the
    insert yields to a row another transaction made. One statement, and no flush of what the
    caller has pending: the intake writes its message row once, at its end."""
    insert = _REGISTER[session.get_bind().dialect.name == "postgresql"]
    with session.no_autoflush:
        session.execute(insert, {"gemeente": gemeente, "bsn": bsn, "bijgewerkt_op": clock.now()})


def remember(session: Session, gemeente: str, bsn: str, client: etree._Element,
             bericht_id: int | None) -> etree._Element:
    """Keep `client` as what is known, merged with the earlier record; returns the result.
    A `client` with another Geboortedatum or Geslachtsnaam than the earlier record changes
    nothing (design.md §9): it may be somebody else under a mistyped BSN, and every JW301 for
    this BSN, to any provider, carries the record. The earlier record is returned; the
    aanvraag goes to the CJG (`differs`), who may choose `take_over`."""
    row = _row(session, gemeente, bsn)
    earlier = clientgegevens.from_bytes(row.gegevens) if row is not None and row.gegevens else None
    if clientgegevens.afwijkingen(earlier, client):
        assert earlier is not None  # nothing known differs from nothing
        return earlier
    result = clientgegevens.merged(earlier, client)
    if row is None:
        row = Client(gemeente=gemeente, bsn=bsn)
        session.add(row)
    if result is not earlier:
        row.gegevens = clientgegevens.to_bytes(result)
        row.bron_bericht_id = bericht_id
        set_naam(row, result)
    session.flush()
    return result


def differs(session: Session, gemeente: str, bsn: str, client: etree._Element) -> tuple[str, ...]:
    """Which identity data `client` gives otherwise than the stored record (see `remember`).
    The row is held (PostgreSQL) until the transaction ends: two messages about one new client,
    registered at once by two tasks, are compared one after the other, so the second cannot
    overwrite the first unseen."""
    row = _row(session, gemeente, bsn, lock=True)
    stored = clientgegevens.from_bytes(row.gegevens) if row is not None and row.gegevens else None
    return clientgegevens.afwijkingen(stored, client)


def take_over(session: Session, gemeente: str, bsn: str, client: etree._Element,
              bericht_id: int) -> etree._Element:
    """The CJG's choice for a message whose identity differed: its data become the record
    (`clientgegevens.overgenomen`), as `remember` would have done had they matched."""
    row = _row(session, gemeente, bsn)
    earlier = clientgegevens.from_bytes(row.gegevens) if row is not None and row.gegevens else None
    result = clientgegevens.overgenomen(earlier, client)
    if row is None:
        row = Client(gemeente=gemeente, bsn=bsn)
        session.add(row)
    row.gegevens = clientgegevens.to_bytes(result)
    row.bron_bericht_id = bericht_id
    row.bijgewerkt_op = clock.now()
    set_naam(row, result)
    session.flush()
    return result


def set_naam(row: Client, client: etree._Element) -> None:
    """The name columns of the row, from its client element (see Client.naam)."""
    naam = clientgegevens.naam(client)
    row.naam = naam[:250] if naam else None
    row.zoeknaam = clientgegevens.zoektekst(naam)[:250] if naam else None


def _row(session: Session, gemeente: str, bsn: str, *, lock: bool = False) -> Client | None:
    query = select(Client).where(Client.gemeente == gemeente, Client.bsn == bsn)
    if lock:  # and read again what the lock waited for
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalar(query)
