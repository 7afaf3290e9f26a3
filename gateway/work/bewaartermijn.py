"""The retention purge in bounded transactions: one per batch, so no lock or snapshot is held
for the whole walk and a purge of many clients never grows into one long transaction."""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from gateway.db.session import unit_of_work
from gateway.domain.beheer import bewaartermijn
from gateway.domain.beheer.bewaartermijn import BATCH, Opschoning


def purge(factory: sessionmaker[Session], today: date, jaren: int, *, dry_run: bool = False,
          batch: int = BATCH) -> Opschoning:
    """Remove what is past the retention period; a dry run rolls every batch back."""
    result = Opschoning(bewaartermijn.grens(today, jaren))
    more = True
    while more:
        with unit_of_work(factory, dry_run=dry_run) as session:
            more = bewaartermijn.purge_batch(session, result, batch)
    return result
