"""The Celery application, built from Settings by a factory (never configured at import).

Broker: Redis when GATEWAY_BROKER_URL is set (`redis://…`); otherwise the embedded default,
kombu's SQLAlchemy transport on the gateway's own database (tasks.embedded_transport), which needs no server and keeps
queued work across a restart. Either way the database is the record: the broker only wakes
a worker up, and a periodic sweep re-sends what a crash left behind.
"""
from __future__ import annotations

import logging

from celery import Celery, signals
from kombu.transport import TRANSPORT_ALIASES

from gateway import correlation, logs
from gateway.settings import Settings
from tasks.publishing import BEWAARTERMIJN_TASK, HEADER, QUEUE, SIGNALEN_TASK, SWEEP_TASK, publisher

_log = logging.getLogger("gateway.tasks")


# The embedded broker's URL is the database's own behind this scheme: kombu reads the part
# before the first '+' as the transport, so a bare `postgresql+psycopg://…` would name a
# transport "postgresql" that does not exist.
EMBEDDED_SCHEME = "gateway-sqla"
TRANSPORT_ALIASES.setdefault(EMBEDDED_SCHEME, "tasks.embedded_transport:Transport")


def broker_url(settings: Settings) -> str:
    return settings.broker_url or f"{EMBEDDED_SCHEME}+{settings.database_url}"


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
        # A worker that lost Redis keeps trying (kombu waits 2, 4, … up to 30 s between
        # attempts) instead of giving up after 100 attempts and leaving the gateway without one.
        broker_connection_retry=True,
        broker_connection_max_retries=None,
        # A publish that fails is not retried here: the row is in the database, the
        # background publisher tries again after a back-off and the sweep sends it anyway.
        task_publish_retry=False,
        broker_transport_options=_transport_options(settings),
        beat_schedule={"sweep": {"task": SWEEP_TASK, "schedule": settings.sweep_interval_seconds},
                       "signalen": {"task": SIGNALEN_TASK, "schedule": settings.signalen_interval_seconds},
                       "bewaartermijn": {"task": BEWAARTERMIJN_TASK, "schedule": settings.purge_interval_seconds}},
        timezone="Europe/Amsterdam",
    )
    app.conf.gateway_settings = settings
    signals.setup_logging.connect(_logging(settings), weak=False, dispatch_uid="gateway-logging")
    from tasks import verwerking

    # The worker publishes the follow-up work its tasks commit through an app of its own.
    verwerking.register(app, lambda: publisher(create_celery(settings)))
    return app


def _transport_options(settings: Settings) -> dict:
    if settings.broker_url:
        # Redis: unacked work comes back after the visibility timeout. Bounded socket waits
        # so a Redis that hangs (rather than refuses) stalls no publisher thread for long;
        # the worker's own blocking reads poll every second, well inside socket_timeout.
        return {"visibility_timeout": 3600, "socket_connect_timeout": 2, "socket_timeout": 10}
    # kombu's SQLAlchemy transport hands its options to create_engine: on SQLite, wait for
    # the gateway's own writers instead of failing on a locked database.
    return {"connect_args": {"timeout": 30}} if settings.database_url.startswith("sqlite") else {}


_BOUND: dict[str, object] = {}  # task id -> the context token to reset after it ran


def _bind_request_id(task_id=None, task=None, **_kwargs) -> None:
    # Bound for the task's whole run, Celery's own "succeeded in" line included; the work it
    # causes (outbox rows written, tasks published) inherits it.
    request_id = getattr(task.request, HEADER, None) if task is not None else None
    _BOUND[task_id] = correlation.bind(correlation.accept(request_id) if request_id else None)


def _unbind_request_id(task_id=None, **_kwargs) -> None:
    token = _BOUND.pop(task_id, None)
    if token is not None:
        correlation.unbind(token)


def _logging(settings: Settings):
    def setup(**_kwargs) -> None:
        # Connected, this replaces Celery's own logging set-up (main process and pool children).
        logs.configure(settings.log_format, settings.log_level)
    return setup


signals.task_prerun.connect(_bind_request_id, weak=False, dispatch_uid="gateway-bind-request-id")
signals.task_postrun.connect(_unbind_request_id, weak=False, dispatch_uid="gateway-unbind-request-id")
