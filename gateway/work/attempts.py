"""The retry policy and the attempt bookkeeping shared by all outbox work (tasks and webhook
deliveries), in the caller's session.

An attempt is counted when it is claimed, in a transaction the caller commits before the work
starts (gateway.work): work that kills its worker is counted too, so a row that does so every
time is given up after `MAX_POGINGEN` attempts instead of going round the sweep for ever.
The claim also leases the row: it is not due until the lease runs out, so a twin (a
redelivered task, the sweep) skips it while it runs, and a worker that died with it is
retried once the lease has passed. The end of an attempt (done, or failed with the next
attempt's time) is recorded without counting it again.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Update, or_, select, update
from sqlalchemy.orm import Session

from gateway.db.models import Outbox
from gateway.db.rows import rowcount

PENDING, DONE, MISLUKT = "pending", "done", "mislukt"
MAX_POGINGEN = 10
_BACKOFF = (10, 30, 60, 300, 900, 1800, 3600)  # seconds; the last one repeats
UNFINISHED = "gave up: the last attempt never ended (its worker stopped during the work)"


def backoff(poging: int) -> timedelta:
    """Wait after failed attempt number `poging` (1-based)."""
    return timedelta(seconds=_BACKOFF[min(poging, len(_BACKOFF)) - 1])


def _update(*where: ColumnElement[bool]) -> Update:
    # Not synchronised with loaded rows: the caller reads what it needs afresh, and SQLite
    # hands back naive moments that cannot be compared with `now` in Python.
    return update(Outbox).where(*where).execution_options(synchronize_session=False)


def _claimable(outbox_id: int, now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (Outbox.id == outbox_id, Outbox.status == PENDING,
            or_(Outbox.volgende_poging.is_(None), Outbox.volgende_poging <= now))


def claim(session: Session, outbox_id: int, now: datetime, lease: timedelta) -> int | None:
    """Count an attempt at a pending row whose time has come and lease it until `now + lease`;
    the attempt's number, or None when there is nothing to claim (not pending, not due yet,
    or no attempts left). One conditional UPDATE: of two twins exactly one claims."""
    claimed = rowcount(session, _update(*_claimable(outbox_id, now), Outbox.pogingen < MAX_POGINGEN)
                       .values(pogingen=Outbox.pogingen + 1, volgende_poging=now + lease))
    if not claimed:
        return None
    return session.scalar(select(Outbox.pogingen).where(Outbox.id == outbox_id))


def give_up_unfinished(session: Session, outbox_id: int, now: datetime) -> bool:
    """A pending row whose attempts are used up and whose last one never recorded its end
    (it stopped its worker): `mislukt`, for an operator. True when this call gave it up."""
    return rowcount(session, _update(*_claimable(outbox_id, now), Outbox.pogingen >= MAX_POGINGEN)
                    .values(status=MISLUKT, volgende_poging=None, fout=UNFINISHED)) == 1


def finish_unattempted(session: Session, outbox_id: int, now: datetime) -> None:
    """A pending row whose time has come but that has nothing left to do (a webhook switched
    off since the row was written): done, without counting an attempt."""
    session.execute(_update(*_claimable(outbox_id, now))
                    .values(status=DONE, afgehandeld_op=now, volgende_poging=None))


def still_claimed(session: Session, outbox_id: int, poging: int) -> bool:
    """The first statement of the work's transaction: the row is still pending and no twin
    claimed it since attempt `poging` (after its lease ran out). The UPDATE holds the row's
    lock (the write lock on SQLite) until the work commits, so a twin's claim waits for it
    and then finds the row done."""
    return rowcount(session, _update(Outbox.id == outbox_id, Outbox.status == PENDING, Outbox.pogingen == poging)
                    .values(pogingen=Outbox.pogingen)) == 1


def succeeded(row: Outbox, now: datetime) -> None:
    row.status, row.afgehandeld_op, row.volgende_poging, row.fout = DONE, now, None, None


def failed(row: Outbox, now: datetime, fout: str) -> None:
    """The end of a failed attempt, already counted: retried after its backoff, or given up
    after the last."""
    row.fout = fout[:4000]
    if row.pogingen >= MAX_POGINGEN:
        row.status, row.volgende_poging = MISLUKT, None
    else:
        row.volgende_poging = now + backoff(row.pogingen)
