"""The outbox relay: work is published only after the transaction that created it commits.

`install` hooks a session factory: Outbox rows flushed in a session are remembered, and
published (by id) once that session's transaction has committed; a rollback forgets them,
and the rollback of a savepoint forgets only the rows flushed inside it.
Publishing is a wake-up call only: when the broker is down the rows stay pending in the
database and the periodic sweep sends them later, so a failed publish is logged, not raised.
Only the outermost commit publishes: SQLAlchemy also reports a released savepoint as a commit,
and publishing then would call the broker while the transaction still holds its locks (on the
embedded broker, a write to the very SQLite file whose write lock this transaction holds).
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, sessionmaker

from gateway.db.models import Outbox

Publish = Callable[[Iterable[int]], None]
_KEY = "gateway.outbox_ids"
_log = logging.getLogger("gateway.work.relay")


def install(factory: sessionmaker[Session], publish: Publish) -> None:
    def collect(session: Session, _flush_context: object) -> None:
        # In after_flush the session still lists the flushed objects as new; their ids are set.
        new = [(obj, obj.id) for obj in session.new if isinstance(obj, Outbox)]
        if new:
            session.info.setdefault(_KEY, []).extend(new)

    def send(session: Session) -> None:
        if session.in_nested_transaction():
            return  # a savepoint was released; its rows go out with the enclosing commit
        ids = [outbox_id for _row, outbox_id in session.info.pop(_KEY, ())]
        if ids:
            try:
                publish(ids)
            except Exception:  # the sweep re-sends; the commit already happened
                _log.warning("publishing outbox %s failed; the sweep will send it", ids, exc_info=True)

    def forget(session: Session, _transaction: object) -> None:
        # After a rollback the rows that were new in it are expunged (no longer persistent).
        # A savepoint's rollback (nummers.next_number has one) must not forget the rows the
        # enclosing transaction flushed before it: they are committed with it.
        rows = session.info.get(_KEY)
        if rows:
            session.info[_KEY] = [(row, outbox_id) for row, outbox_id in rows if inspect(row).persistent]

    event.listen(factory, "after_flush", collect)
    event.listen(factory, "after_commit", send)
    event.listen(factory, "after_soft_rollback", forget)
