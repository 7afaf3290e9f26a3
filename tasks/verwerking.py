"""The tasks. Thin: they take ids, open the process's database handle and call gateway.work
(which runs its own transactions) or the domain in one unit of work.

`gateway.outbox` runs one outbox row (idempotent: gateway.work.outbox claims the row, so a
redelivered or duplicated task does nothing; a webhook row is handed to a thread of the
worker process, so the task returns at once); `gateway.sweep` (beat) re-sends rows that a
crash, a lost broker message or a failed publish left pending, and retries that are due.
"""
from __future__ import annotations

import contextvars
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from celery import Celery
from sqlalchemy.orm import Session, sessionmaker

from gateway import clock, correlation, metrics
from gateway.context import Context, GgkRoute
from gateway.db.session import make_engine, make_sessionmaker, unit_of_work
from gateway.domain.levering import signalen
from gateway.reference import load_reference
from gateway.settings import Settings
from gateway.work import bewaartermijn, ggk_delivery, webhooks
from gateway.work import outbox as outbox_work
from gateway.work import queue as outbox
from gateway.work.background_publisher import BackgroundPublisher
from gateway.work.relay import Publish, install
from gateway.xml.safe import Limits
from gateway.xml.schemas import load_schemas
from tasks.publishing import BEWAARTERMIJN_TASK, OUTBOX_TASK, SIGNALEN_TASK, SWEEP_TASK, publisher

_log = logging.getLogger("gateway.tasks")


# Webhook deliveries wait on someone else's server (up to webhooks.TIMEOUT per phase), so a
# task hands them to these threads and returns: a provider's slow or hanging webhook never
# holds the pool slot that the next aanvraag's grant needs. Beyond the backlog a row is left
# unclaimed and pending, and the sweep sends it again later.
WEBHOOK_THREADS = 4
WEBHOOK_BACKLOG = 200


@dataclass(frozen=True)
class Runtime:
    sessions: sessionmaker[Session]
    ctx: Context
    settings: Settings
    webhook_threads: ThreadPoolExecutor
    webhook_slots: threading.BoundedSemaphore

    def deliver_in_thread(self, deliver: outbox_work.Deliver, factory: sessionmaker[Session], ctx: Context,
                          outbox_id: int) -> str:
        if not self.webhook_slots.acquire(blocking=False):
            return "deferred"

        def run() -> None:
            try:  # measured on its own: the task that handed it over is measured as "dispatched"
                _measured(DELIVERY_WORK.get(deliver, WEBHOOK_WORK), lambda: deliver(factory, ctx, outbox_id), str)
            except Exception:  # a database error: the row's lease runs out and the sweep retries
                _log.exception("delivery of outbox %s failed", outbox_id)
            finally:
                self.webhook_slots.release()

        # The thread carries the task's correlation id into the delivery's log lines.
        self.webhook_threads.submit(contextvars.copy_context().run, run)
        return "dispatched"


_RUNTIMES: dict[int, Runtime] = {}


def _build(settings: Settings, make_publisher: Callable[[], Publish]) -> Runtime:
    clock.configure(settings.today, settings.clock_shift_seconds)
    sessions = make_sessionmaker(make_engine(settings.database_url))
    # Follow-up work a task commits (a webhook row) is published off the task's thread too.
    install(sessions, BackgroundPublisher(make_publisher()))
    ctx = Context(load_schemas(settings.schemas_dir), load_reference(settings.mappings_dir),
                        Limits(settings.max_body_bytes, settings.max_xml_depth, settings.max_xml_elements),
                  GgkRoute.of(settings), cjg_contact=settings.cjg_contact)
    return Runtime(sessions, ctx, settings, ThreadPoolExecutor(WEBHOOK_THREADS, thread_name_prefix="webhook"),
                   threading.BoundedSemaphore(WEBHOOK_BACKLOG))


def runtime(app: Celery, make_publisher: Callable[[], Publish]) -> Runtime:
    # One per process: a pool child must not use a connection pool it inherited by fork.
    pid = os.getpid()
    if pid not in _RUNTIMES:
        _RUNTIMES[pid] = _build(app.conf.gateway_settings, make_publisher)
    return _RUNTIMES[pid]


def _measured(task: str, work: Callable[[], Any], outcome_of: Callable[[Any], str] = lambda _r: "done"):
    """Run a task's work, recording its duration and outcome; a failure is counted whether
    the work reports it (an outbox row's "failed") or raises."""
    started = time.perf_counter()
    outcome = "error"
    try:
        result = work()
        outcome = outcome_of(result)
        return result
    finally:
        metrics.TASK_SECONDS.labels(task, outcome).observe(time.perf_counter() - started)
        if outcome in ("failed", "error"):
            metrics.TASK_FAILURES.labels(task).inc()


# The labels of a delivery's duration and failures: it runs in a thread after its outbox task
# returned, so it is measured apart from that task, and per kind (a provider's webhook, an
# envelope to the chain's adapter) so that an operator sees which of the two is failing.
WEBHOOK_WORK = "gateway.webhook"
GGK_WORK = "gateway.ggk_delivery"
DELIVERY_WORK: dict[outbox_work.Deliver, str] = {webhooks.deliver: WEBHOOK_WORK, ggk_delivery.deliver: GGK_WORK}


def register(app: Celery, make_publisher: Callable[[], Publish]) -> None:
    """The tasks on `app`; `make_publisher` builds, once per worker process, what publishes the
    outbox ids a task commits."""

    @app.task(name=OUTBOX_TASK, acks_late=True, ignore_result=True)
    def run_outbox(outbox_id: int) -> str:
        rt = runtime(app, make_publisher)
        return _measured(OUTBOX_TASK, lambda: outbox_work.process(rt.sessions, rt.ctx, outbox_id,
                                                                 deliver=rt.deliver_in_thread), str)

    @app.task(name=SWEEP_TASK, ignore_result=True)
    def sweep() -> int:
        rt = runtime(app, make_publisher)

        def resend() -> int:
            with unit_of_work(rt.sessions) as session:
                ids = outbox.due(session, rt.ctx.now(), timedelta(seconds=rt.settings.sweep_min_age_seconds))
                request_ids = outbox.request_ids(session, ids)
            if ids:
                _log.info("sweep re-sends outbox %s", ids)
            for outbox_id in ids:
                # Each row with its own correlation id, as when it was first published.
                with correlation.bound(request_ids.get(outbox_id)):
                    publisher(app)([outbox_id])
            return len(ids)

        return _measured(SWEEP_TASK, resend)

    @app.task(name=SIGNALEN_TASK, ignore_result=True)
    def make_signals() -> int:
        rt = runtime(app, make_publisher)

        def periodic() -> int:
            with unit_of_work(rt.sessions) as session:
                return signalen.periodic(session, rt.ctx.today())

        return _measured(SIGNALEN_TASK, periodic)

    @app.task(name=BEWAARTERMIJN_TASK, ignore_result=True)
    def purge() -> int:
        rt = runtime(app, make_publisher)

        def run() -> int:
            result = bewaartermijn.purge(rt.sessions, rt.ctx.today(), rt.settings.retention_years)
            if result.clienten or result.aantallen:
                _log.info("retention purge before %s: %d client(s), %s", result.grens, result.clienten,
                          result.aantallen)
            return result.clienten

        return _measured(BEWAARTERMIJN_TASK, run)
