"""`GET /metrics`: Prometheus' text format, for the addresses in GATEWAY_METRICS_ALLOW_FROM.

The metrics are counts and durations only (no BSN, no name, no message content, no client's
provider), but volumes of youth care per type are still the municipality's business: by
default only the machine itself may read them (a Prometheus on the same host, or an
operator's tunnel). Give the scraper's address or network to open it further, or `*` for
everyone who can reach the port. Behind a reverse proxy the address is the proxy's unless
`gateway serve` is told to believe its forwarded headers; until it is, a request that carries
X-Forwarded-For or Forwarded is refused whatever its address, because through a proxy on the
same host everyone would look like 127.0.0.1.
"""
from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from gateway import clock, metrics
from gateway.clock import as_utc
from gateway.db.models import Outbox
from gateway.http.allow import peer_allowed
from gateway.problems import Problem
from gateway.readmodels.termijnen import overdue_counts
from gateway.work.attempts import MISLUKT, PENDING

router = APIRouter(tags=["beheer"])

def _may_read(request: Request) -> bool:
    return peer_allowed(request, request.app.state.metrics_networks)


@router.get("/metrics", include_in_schema=False)
async def read_metrics(request: Request) -> Response:
    if not _may_read(request):
        raise Problem(403, "forbidden", "Geen toegang", "dit adres mag /metrics niet lezen")
    body = await run_in_threadpool(exposition, request.app.state.sessions)
    return Response(body, media_type=metrics.CONTENT_TYPE, headers={"Cache-Control": "no-store"})


class DatabaseState:
    """Gauges read from the database at scrape time (a collector prometheus-client calls)."""

    def __init__(self, sessions: sessionmaker[Session]):
        self.sessions = sessions

    def collect(self):
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


def exposition(sessions: sessionmaker[Session]) -> bytes:
    """The text exposition of every process's counts, then the database's state (two
    registries' output, one after the other: their metric names differ)."""
    if metrics.multiprocess_dir():
        counts = CollectorRegistry()
        MultiProcessCollector(counts)
    else:
        counts = REGISTRY  # this process's metrics, with its process and platform collectors
    state = CollectorRegistry()
    state.register(DatabaseState(sessions))
    return generate_latest(counts) + generate_latest(state)
