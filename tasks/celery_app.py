"""The Celery application, built from Settings by a factory (never configured at import).

Broker: Redis when GATEWAY_BROKER_URL is set (`redis://…`); otherwise the embedded default,
kombu's SQLAlchemy transport on the gateway's own database, which needs no server and keeps
queued work across a restart. Either way the database is the record: the broker only wakes
a worker up, and a periodic sweep re-sends what a crash left behind.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable

from celery import Celery

from gateway.settings import Settings

QUEUE = "gateway"
OUTBOX_TASK = "gateway.outbox"
SWEEP_TASK = "gateway.sweep"
SIGNALEN_TASK = "gateway.signalen"
BEWAARTERMIJN_TASK = "gateway.bewaartermijn"
_log = logging.getLogger("gateway.tasks")


def broker_url(settings: Settings) -> str:
    return settings.broker_url or f"sqla+{settings.database_url}"


def create_celery(settings: Settings) -> Celery:
    app = Celery("gateway", broker=broker_url(settings))
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_ignore_result=True,
        task_default_queue=QUEUE,
        # A killed pool child must not lose its task (measured: only both settings together
        # bring it back); tasks are therefore written to be idempotent.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        # A publish that fails is not retried here: the row is in the database and the
        # sweep sends it; an HTTP answer never waits for a broker that is down.
        task_publish_retry=False,
        broker_transport_options=_transport_options(settings),
        beat_schedule={"sweep": {"task": SWEEP_TASK, "schedule": settings.sweep_interval_seconds},
                       "signalen": {"task": SIGNALEN_TASK, "schedule": settings.signalen_interval_seconds},
                       "bewaartermijn": {"task": BEWAARTERMIJN_TASK, "schedule": settings.purge_interval_seconds}},
        timezone="Europe/Amsterdam",
    )
    app.conf.gateway_settings = settings
    from tasks import verwerking

    verwerking.register(app)
    return app


def _transport_options(settings: Settings) -> dict:
    if settings.broker_url:
        return {"visibility_timeout": 3600}  # Redis: unacked work comes back after this
    # kombu's SQLAlchemy transport hands its options to create_engine: on SQLite, wait for
    # the gateway's own writers instead of failing on a locked database.
    return {"connect_args": {"timeout": 30}} if settings.database_url.startswith("sqlite") else {}


def publisher(app: Celery):
    """A `gateway.relay` publish function: one task per outbox id."""
    def publish(ids: Iterable[int]) -> None:
        for outbox_id in ids:
            app.send_task(OUTBOX_TASK, args=[outbox_id], queue=QUEUE)
    return publish
