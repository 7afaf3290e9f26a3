"""Running one outbox row, in three transactions.

1. claim: a conditional UPDATE counts the attempt and leases the row (gateway.work.attempts),
   committed before the work starts, so work that kills its worker is counted as well;
2. work: its first statement checks that the claim still holds and locks the row (a row lock
   on PostgreSQL, the write lock on SQLite); the handler's work and the row's `done` are
   committed together, and a second run (a redelivered task, the sweep, a twin on another
   worker) finds nothing to claim;
3. on failure the work is rolled back whole and the failure recorded in a transaction of its
   own: retried later with backoff, after `MAX_POGINGEN` attempts `mislukt`, waiting for an
   operator.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.context import Context
from gateway.db.models import Outbox
from gateway.db.session import unit_of_work
from gateway.db.taken import GGK_VERZENDEN, WEBHOOK
from gateway.work import attempts, ggk_delivery, webhooks
from gateway.work import queue as outbox
from gateway.work.attempts import DONE, PENDING

_log = logging.getLogger("gateway.outbox")

Deliver = Callable[[sessionmaker[Session], Context, int], str]
# Work that waits on someone else's server: a provider's webhook, the chain's adapter.
DELIVERIES: dict[str, Deliver] = {WEBHOOK: webhooks.deliver, GGK_VERZENDEN: ggk_delivery.deliver}


def process(factory: sessionmaker[Session], ctx: Context, outbox_id: int,
            deliver: Callable[[Deliver, sessionmaker[Session], Context, int], str] | None = None) -> str:
    """Run one outbox row; returns "done", "skipped" (nothing to do) or "failed", or for a
    delivery (DELIVERIES) what `deliver` returns when given (a worker hands the delivery to
    a thread)."""
    with factory() as session:
        taak = session.scalar(select(Outbox.taak).where(Outbox.id == outbox_id))
    if taak in DELIVERIES:
        if deliver is None:
            return DELIVERIES[taak](factory, ctx, outbox_id)
        return deliver(DELIVERIES[taak], factory, ctx, outbox_id)
    if taak not in outbox.HANDLERS:
        return "skipped"  # unknown, or not handled by this version: left pending as it is
    with unit_of_work(factory) as session:
        poging = attempts.claim(session, outbox_id, ctx.now(), outbox.LEASE)
        gave_up = poging is None and attempts.give_up_unfinished(session, outbox_id, ctx.now())
    if poging is None:
        if gave_up:
            _log.error("outbox %s (%s) given up: %s", outbox_id, taak, attempts.UNFINISHED)
            return "failed"
        return "skipped"
    try:
        with unit_of_work(factory) as session:
            if not attempts.still_claimed(session, outbox_id, poging):
                return "skipped"
            row = session.get_one(Outbox, outbox_id)
            outbox.HANDLERS[row.taak](session, ctx, row)
            attempts.succeeded(row, ctx.now())
        return DONE
    except Exception as exc:
        _log.exception("outbox %s (%s) failed", outbox_id, taak)
        record_failure(factory, ctx, outbox_id, poging, f"{type(exc).__name__}: {exc}")
        return "failed"


def record_failure(factory: sessionmaker[Session], ctx: Context, outbox_id: int, poging: int,
                   fout: str) -> None:
    """The end of failed attempt `poging`, counted at its claim: left alone when the row was
    finished elsewhere meanwhile or claimed again (its lease ran out while the work ran)."""
    with unit_of_work(factory) as session:
        row = session.get(Outbox, outbox_id, with_for_update=True)
        if row is None or row.status != PENDING or row.pogingen != poging:
            return
        attempts.failed(row, ctx.now(), fout)
