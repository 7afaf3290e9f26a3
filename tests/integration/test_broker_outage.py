"""The broker is never on the request path: with its own Redis server, the API (`gateway serve`)
and a real worker on PostgreSQL, a steady stream of automatically granted aanvragen goes on
while Redis is stopped. Every POST is answered 202 quickly during the outage, and once Redis is
back every accepted aanvraag gets exactly one JW301 within a minute (the worker reconnects by
itself; what the API could not publish is published when the broker returns, or by the sweep)."""
from __future__ import annotations

import statistics
import time

import httpx
import pytest
from sqlalchemy import func, select

from gateway.db.models import Bericht, Toewijzing
from tests.agj_stream import agj
from tests.integration.worker import Worker, wait_for
from tests.live_gateway import Served, gateway_env
from tests.own_redis import OwnRedis

INTERVAL = 0.1  # seconds between POSTs: a steady stream of about 10 a second
BEFORE, OUTAGE, AFTER = 3.0, 10.0, 3.0  # seconds of posting in each phase
RECOVERY_LIMIT = 60.0


@pytest.fixture
def own_redis(database_url):
    # Decided before a server is started: the SQLite pass has no use for one.
    if database_url.startswith("sqlite"):
        pytest.skip("a Redis broker with PostgreSQL: runs when the tests run on PostgreSQL")
    server = OwnRedis().start()
    yield server
    server.stop()


def post_for(client: httpx.Client, seconds: float, start: int) -> list[tuple[int, int, float]]:
    """(n, status, seconds) per POST, one every INTERVAL for `seconds`."""
    answers = []
    n = start
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        began = time.monotonic()
        status = client.post("/api/v1/berichten", content=agj(n, "R"),
                             headers={"Content-Type": "application/xml"}).status_code
        answers.append((n, status, time.monotonic() - began))
        n += 1
        time.sleep(max(0.0, INTERVAL - (time.monotonic() - began)))
    return answers


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.95 * (len(ordered) - 1))]


# Only a stopped Redis (connections refused). A frozen one (SIGSTOP: connections accepted,
# nothing answers) keeps the answers as fast, but in some runs the worker, whose ack timed out
# during the freeze, consumed nothing after the thaw: a kombu consumer stall, written up in
# docs/security.md, that this suite would report as a flaky failure rather than a guarantee.
def test_posts_stay_fast_while_redis_is_down_and_all_work_is_done_after(
        database_url, engine, sessions, parties, own_redis, tmp_path):
    """Redis is gone and connections are refused, under a steady stream of POSTs."""
    env = gateway_env(database_url, own_redis.url)
    served = Served(env, tmp_path).start(wait_for_worker=False)
    worker = Worker(database_url, own_redis.url, tmp_path)
    # The shipped sweep settings, not the quick ones of the other worker tests: the minute
    # after the outage must hold for what operators run.
    for name in ("GATEWAY_SWEEP_INTERVAL_SECONDS", "GATEWAY_SWEEP_MIN_AGE_SECONDS"):
        worker.env.pop(name)
    worker.start()
    try:
        with httpx.Client(base_url=served.base_url, timeout=60,
                          headers={"Authorization": f"Bearer {parties['provider']}"}) as client:
            before = post_for(client, BEFORE, 0)
            own_redis.stop()
            down = post_for(client, OUTAGE, len(before))
            own_redis.start()
            back_at = time.monotonic()
            after = post_for(client, AFTER, len(before) + len(down))
        accepted = [n for n, status, _ in before + down + after if status == 202]

        def granted() -> int:
            with sessions() as session:
                return session.scalar(select(func.count(func.distinct(Bericht.bsn))).where(
                    Bericht.richting == "uit", Bericht.berichttype == "JW301")) or 0

        try:
            wait_for(lambda: granted() >= len(accepted), timeout=RECOVERY_LIMIT + AFTER, interval=0.5)
        finally:
            recovery = time.monotonic() - back_at
            down_ms = [s * 1000 for _, _, s in down]
            print(f"\nRedis stopped {OUTAGE:.0f} s under {1 / INTERVAL:.0f} POST/s: {len(down)} POSTs, statuses "
                  f"{sorted({status for _, status, _ in down})}, p50 {statistics.median(down_ms):.1f} ms, "
                  f"p95 {p95(down_ms):.1f} ms, max {max(down_ms):.1f} ms; before the outage p95 "
                  f"{p95([s * 1000 for _, _, s in before]):.1f} ms. Accepted {len(accepted)}, granted "
                  f"{granted()}; all JW301s {recovery:.1f} s after Redis was started again")
    finally:
        worker.stop()
        served.stop()
    assert all(status == 202 for _, status, _ in before + down + after)
    # The target is p95 < 100 ms; on a machine loaded beyond that before the outage the bound
    # is twice the p95 before it. A POST that waited for the broker takes seconds either way.
    assert p95([s for _, _, s in down]) < max(0.100, 2 * p95([s for _, _, s in before]))
    assert recovery < RECOVERY_LIMIT
    with sessions() as session:
        per_client = session.execute(select(Bericht.bsn, func.count()).where(
            Bericht.richting == "uit", Bericht.berichttype == "JW301").group_by(Bericht.bsn)).all()
        toewijzingen = session.scalar(select(func.count()).select_from(Toewijzing))
    assert len(per_client) == len(accepted) and all(count == 1 for _, count in per_client)
    assert toewijzingen == len(accepted)  # one product per AGJ: one toewijzing each, none twice
