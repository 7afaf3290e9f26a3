"""Prometheus metrics: counts and durations only, never a BSN, a name or message content.

Labels take values from small fixed sets (message types, outcomes, task names), never from
what a client sends or who it is about.

Several processes (the API, `gateway worker` and its pool children) each count for
themselves. prometheus-client's multiprocess mode adds them up: every process that has
`PROMETHEUS_MULTIPROC_DIR` in its environment *before it imports prometheus_client* writes
its values to files there, and `/metrics` reads them all. `gateway serve` on the embedded
default makes a private directory for itself and its worker when none is set; processes
started apart (`gateway worker` beside `gateway serve`) must be given the same directory,
emptied before they start. Without one a process reports only its own counts.

What is state rather than an event (work pending in the outbox, the age of the oldest,
deadlines overdue) is read from the database at each scrape, so it is right whichever
process did the work.
"""
from __future__ import annotations

import logging
import os

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gateway import clock
from gateway.domain.context import as_utc

_log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

MESSAGES = Counter(
    "gateway_messages_received", "Messages received at the intake, by message type and outcome",
    ["message", "outcome"])
INTAKE_SECONDS = Histogram(
    "gateway_intake_duration_seconds", "Time from a message's intake to its committed answer",
    ["message"], buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
TASK_SECONDS = Histogram(
    "gateway_task_duration_seconds", "Duration of a Celery task, by task and outcome",
    ["task", "outcome"], buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300))
TASK_FAILURES = Counter(
    "gateway_task_failures", "Tasks whose work failed (it is retried from the outbox)", ["task"])
WEBHOOK_FAILURES = Counter(
    "gateway_webhook_failures", "Webhook attempts that failed, by kind (http: a non-2xx answer, "
    "network: no answer)", ["kind"])

UNKNOWN = "onbekend"  # a message whose type could not be read


def message_received(message: str | None, outcome: str, seconds: float | None = None) -> None:
    """Counted after the message's commit: a metrics failure (say, the multiprocess directory
    removed under a running process) is logged and never turns a stored message into a 500."""
    label = message or UNKNOWN
    try:
        MESSAGES.labels(label, outcome).inc()
        if seconds is not None:
            INTAKE_SECONDS.labels(label).observe(seconds)
    except Exception:
        _log.exception("metrics for a received %s not recorded", label)


class DatabaseState:
    """Gauges read from the database at scrape time (a collector prometheus-client calls)."""

    def __init__(self, sessions: sessionmaker[Session]):
        self.sessions = sessions

    def collect(self):
        from gateway.db.models import Outbox
        from gateway.domain.attempts import MISLUKT, PENDING
        from gateway.domain.termijnen import overdue_counts

        rows = GaugeMetricFamily("gateway_outbox_rows", "Outbox rows waiting (pending) or given up "
                                 "(mislukt, waiting for an operator)", labels=["status"])
        oldest = GaugeMetricFamily("gateway_outbox_oldest_pending_age_seconds",
                                   "Age of the oldest pending outbox row (0 when none)")
        overdue = GaugeMetricFamily("gateway_deadlines_overdue", "Terms passed without an answer: "
                                    "antwoord (an aanvraag), retour (a JW301/JW319)", labels=["kind"])
        now = clock.now()
        with self.sessions() as session:
            # Both statuses through ix_outbox_status: the done rows (nearly all) are never read.
            counted = dict(session.execute(
                select(Outbox.status, func.count()).where(Outbox.status.in_((PENDING, MISLUKT)))
                .group_by(Outbox.status)).all())
            first = session.scalar(select(func.min(Outbox.aangemaakt_op)).where(Outbox.status == PENDING))
            terms = overdue_counts(session, clock.today())
        for status in (PENDING, MISLUKT):
            rows.add_metric([status], counted.get(status, 0))
        oldest.add_metric([], max(0.0, (now - as_utc(first)).total_seconds()) if first else 0.0)
        for kind, count in terms.items():
            overdue.add_metric([kind], count)
        return [rows, oldest, overdue]


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def exposition(sessions: sessionmaker[Session]) -> bytes:
    """The text exposition of every process's counts, then the database's state (two
    registries' output, one after the other: their metric names differ)."""
    if multiprocess_dir():
        counts = CollectorRegistry()
        MultiProcessCollector(counts)
    else:
        counts = REGISTRY  # this process's metrics, with its process and platform collectors
    state = CollectorRegistry()
    state.register(DatabaseState(sessions))
    return generate_latest(counts) + generate_latest(state)
