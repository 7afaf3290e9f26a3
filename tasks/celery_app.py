"""The Celery application, built from Settings by a factory (never configured at import).

Broker: Redis when GATEWAY_BROKER_URL is set (`redis://…`); otherwise the embedded default,
kombu's SQLAlchemy transport on the gateway's own database, which needs no server and keeps
queued work across a restart. Either way the database is the record: the broker only wakes
a worker up, and a periodic sweep re-sends what a crash left behind.
"""
from __future__ import annotations

from celery import Celery

from gateway.settings import Settings


def broker_url(settings: Settings) -> str:
    return settings.broker_url or f"sqla+{settings.database_url}"


def create_celery(settings: Settings) -> Celery:
    app = Celery("gateway", broker=broker_url(settings))
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_ignore_result=True,
        task_default_queue="gateway",
        # A killed pool child must not lose its task (measured: only both settings together
        # bring it back); tasks are therefore written to be idempotent.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        timezone="Europe/Amsterdam",
    )
    return app
