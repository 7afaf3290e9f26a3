"""The outbox: each row is work that a committed fact asked for.

`HANDLERS` names the work for each `taak`; gateway.work.outbox runs a row (claim, work,
record) in transactions of its own, and the handlers add and flush in its session. `due` lists
what the periodic sweep must (re)send: rows a crash or a lost broker message left behind,
retries whose time has come, and rows whose claim's lease ran out (a killed worker).
The retry policy and the attempt bookkeeping are in gateway.work.attempts.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from gateway.context import Context
from gateway.db.models import Bericht, Envelop, Outbox
from gateway.db.taken import (
    GGK_VERZENDEN,
    ONDERZOEK_MELDEN,
    SANDBOX_TOEKENNEN,
    UITVOEREN,
    VERWERK_AGJ,
    VERWERK_JW315,
    VERWERK_JW317,
    WEBHOOK,
)
from gateway.domain.aanvraag import aanvragen, sandbox, uitvoering
from gateway.domain.berichten.envelop import MISLUKT as ENVELOP_MISLUKT
from gateway.domain.berichten.envelop import TE_VERZENDEN
from gateway.domain.berichten.uitgaand import UitgaandOngeldig
from gateway.errors import NotFound
from gateway.settings import get_settings
from gateway.work.attempts import MISLUKT, PENDING
from gateway.xml.view import MissingValue

_log = logging.getLogger("gateway.outbox")


# A claimed row is not due for this long: a twin (a redelivered task, the sweep) skips it
# while the claim is committed and the work begins, or while a failure is being recorded.
# Short, so the sweep takes up the work of a worker that died with it as soon as before.
# Work that runs longer is still done once: its transaction holds the row, so a later claim
# waits for it and then finds the row done.
LEASE = timedelta(seconds=10)


def _register(session: Session, ctx: Context, row: Outbox) -> None:
    if aanvragen.for_message(session, row.bericht_id) is not None:
        return
    bericht = session.get_one(Bericht, row.bericht_id)
    if sandbox.answers(session, bericht):  # a sandbox provider: the table decides, nothing else
        aanvraag = aanvragen.register(session, ctx, bericht, automatisch=False)
        sandbox.decide(session, ctx, aanvraag, get_settings().mappings_dir)
        return
    aanvraag = aanvragen.register(session, ctx, bericht)
    if aanvraag.status != aanvragen.TOEGEKEND:
        return
    try:  # granted automatically: carry it out now, or hand it to the CJG if that cannot be done
        # The real execution, not a check: its savepoint undoes what it wrote when it fails.
        with session.begin_nested():
            uitvoering.execute(session, ctx, aanvraag)
    except (UitgaandOngeldig, uitvoering.UitvoeringFout, NotFound, MissingValue) as exc:
        _log.warning("automatic grant of aanvraag %s failed, to the CJG: %s", aanvraag.id, exc)
        session.refresh(aanvraag)
        aanvragen.back_to_cjg(aanvraag, str(exc))


def _execute(session: Session, ctx: Context, row: Outbox) -> None:
    uitvoering.execute(session, ctx, _aanvraag(session, row))


def _onderzoek(session: Session, ctx: Context, row: Outbox) -> None:
    uitvoering.report_onderzoek(session, ctx, _aanvraag(session, row))


def _sandbox_toekennen(session: Session, ctx: Context, row: Outbox) -> None:
    sandbox.grant_after_onderzoek(session, ctx, row.bericht_id, get_settings().mappings_dir)


def _aanvraag(session: Session, row: Outbox):
    aanvraag = aanvragen.for_message(session, row.bericht_id, lock=True)
    if aanvraag is None:
        raise NotFound(f"geen aanvraag bij bericht {row.bericht_id}")
    return aanvraag


HANDLERS: dict[str, Callable[[Session, Context, Outbox], None]] = {
    VERWERK_AGJ: _register,
    VERWERK_JW315: _register,
    VERWERK_JW317: _register,
    UITVOEREN: _execute,
    ONDERZOEK_MELDEN: _onderzoek,
    SANDBOX_TOEKENNEN: _sandbox_toekennen,
}


def due(session: Session, now: datetime, min_age: timedelta, limit: int = 500) -> list[int]:
    """Pending rows the sweep must send, marked as sent now: never processed `min_age` after
    they were created or last re-sent (a crash between commit and publish, a lost broker
    message, a killed worker), and retries whose time has come. A backlog that the workers
    have not reached yet is re-sent at most once per `min_age`; the duplicates are harmless."""
    handled = [*list(HANDLERS), WEBHOOK, GGK_VERZENDEN]
    last_sent = func.coalesce(Outbox.verzonden_op, Outbox.aangemaakt_op)
    ids = list(session.scalars(select(Outbox.id).where(
        Outbox.status == PENDING, Outbox.taak.in_(handled),
        or_(Outbox.volgende_poging.is_(None), Outbox.volgende_poging <= now),
        last_sent <= now - min_age).order_by(Outbox.id).limit(limit)))
    if ids:
        session.execute(update(Outbox).where(Outbox.id.in_(ids)).values(verzonden_op=now))
    return ids


def request_ids(session: Session, ids: list[int]) -> dict[int, str | None]:
    """The correlation id each row was written with (the sweep re-sends a row with its own)."""
    if not ids:
        return {}
    return dict(session.execute(select(Outbox.id, Outbox.request_id).where(Outbox.id.in_(ids))).all())


def listing(session: Session, status: str, limit: int) -> list[Outbox]:
    return list(session.scalars(select(Outbox).where(Outbox.status == status)
                                .order_by(Outbox.id.desc()).limit(limit)))


def retry(session: Session, ids: list[int]) -> int:
    """Failed work back to pending with a fresh set of attempts (an operator fixed the cause);
    an envelope that was given up is to be sent again with it."""
    envelopes = select(Outbox.envelop_id).where(Outbox.id.in_(ids), Outbox.status == MISLUKT,
                                                Outbox.envelop_id.is_not(None))
    session.execute(update(Envelop).where(Envelop.id.in_(envelopes), Envelop.status == ENVELOP_MISLUKT)
                    .values(status=TE_VERZENDEN).execution_options(synchronize_session=False))
    return session.execute(update(Outbox).where(Outbox.id.in_(ids), Outbox.status == MISLUKT)
                           .values(status=PENDING, pogingen=0, volgende_poging=None,
                                   verzonden_op=None)).rowcount


def state_of(session: Session, bericht_id: int) -> dict | None:
    """The latest work for a message: its status, attempts and last error (None: no work)."""
    row = session.scalar(select(Outbox).where(Outbox.bericht_id == bericht_id,
                                              Outbox.taak.not_in((WEBHOOK, GGK_VERZENDEN)))
                         .order_by(Outbox.id.desc()).limit(1))
    if row is None:
        return None
    return {"taak": row.taak, "status": row.status, "pogingen": row.pogingen, "fout": row.fout}
