"""The outbox relay: work is published only after the transaction that created it commits.

`install` hooks a session factory: Outbox rows flushed in a session are remembered, and
published (by id) once that session's transaction has committed; a rollback forgets them.
Publishing is a wake-up call only: when the broker is down the rows stay pending in the
database and the periodic sweep sends them later, so a failed publish is logged, not raised.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from gateway.db.models import Outbox

Publish = Callable[[Iterable[int]], None]
_KEY = "gateway.outbox_ids"
_log = logging.getLogger("gateway.relay")


def install(factory: sessionmaker[Session], publish: Publish) -> None:
    def collect(session: Session, _flush_context) -> None:
        # In after_flush the session still lists the flushed objects as new; their ids are set.
        new = [obj.id for obj in session.new if isinstance(obj, Outbox)]
        if new:
            session.info.setdefault(_KEY, []).extend(new)

    def send(session: Session) -> None:
        ids = session.info.pop(_KEY, None)
        if ids:
            try:
                publish(ids)
            except Exception:  # the sweep re-sends; the commit already happened
                _log.warning("publishing outbox %s failed; the sweep will send it", ids, exc_info=True)

    def forget(session: Session) -> None:
        session.info.pop(_KEY, None)

    event.listen(factory, "after_flush", collect)
    event.listen(factory, "after_commit", send)
    event.listen(factory, "after_rollback", forget)
