"""The GGk route with a real Celery worker: Redis and PostgreSQL when the tests run on
PostgreSQL, the embedded broker on SQLite. The adapter calls the endpoint (zeep on the served
WSDL); the worker, woken through the broker, hands the Du01 to a stand-in for the chain. Includes
killing the worker with -9 between storing an envelope and sending it."""
from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from gateway import stuf
from gateway.db.models import EnvelopPoging, Outbox
from gateway.db.taken import GGK_VERZENDEN
from gateway.domain.berichten.envelop import AFGELEVERD
from gateway.ggk.stub import ChainStub
from gateway.main import create_app
from gateway.settings import Settings
from tests.ggk_route import ADAPTER, Keten, envelopes, soap_client
from tests.integration.worker import Worker, broker_for, flush_broker, wait_for, waiting_on_a_lock
from tests.route import request


@pytest.fixture
def broker_url(database_url):
    url = broker_for(database_url)
    flush_broker(url)
    return url


@pytest.fixture
def stub():
    with ChainStub() as running:
        yield running


@pytest.fixture
def keten(database_url, broker_url, engine, parties, stub):
    # The real publisher: the API wakes the worker through the broker after each commit.
    app = create_app(Settings(database_url=database_url, broker_url=broker_url, ggk_url=stub.url))
    with TestClient(app, client=ADAPTER) as http:
        yield Keten(app, http, soap_client(http), stub, [])


def _worker(database_url, broker_url, tmp_path, stub) -> Worker:
    worker = Worker(database_url, broker_url, tmp_path)
    worker.env["GATEWAY_GGK_URL"] = stub.url
    return worker


def _du01_for(stub: ChainStub, ref: str, timeout: float = 45):
    return stub.wait_for(1, timeout=timeout, where=lambda r: r.soort == "Du01" and r.cross_refnummer == ref)


def test_a_di01_is_answered_with_a_du01_by_the_worker(keten, database_url, broker_url, tmp_path, stub, sessions):
    worker = _worker(database_url, broker_url, tmp_path, stub).start()
    try:
        ref = stuf.new_referentienummer()
        bv03 = keten.send("Di01", "JW315", request("JW315", "WGGK3151"), ref)
        assert bv03.crossRefnummer == ref
        [du01] = _du01_for(stub, ref)
        assert (du01.status, du01.functie, du01.payload_valid, du01.rules) == (200, "JW316", True, ())
        [row] = wait_for(lambda: [e for e in envelopes(sessions, richting="uit") if e.status == AFGELEVERD])
        assert row.referentienummer == du01.referentienummer
    finally:
        worker.stop()


def test_a_worker_killed_between_storing_and_sending_an_envelope_sends_it_once_after_restart(
        keten, database_url, broker_url, tmp_path, stub, sessions, engine):
    if database_url.startswith("sqlite"):
        pytest.skip("needs row locks to stop the worker before its send: runs on PostgreSQL with Redis")
    # Stored with no worker running: the Du01 and its outbox row are committed with the Bv03.
    ref = stuf.new_referentienummer()
    keten.send("Di01", "JW315", request("JW315", "KGGK3151"), ref)
    with sessions() as session:
        [outbox_id] = session.scalars(select(Outbox.id).where(Outbox.taak == GGK_VERZENDEN)).all()
    # Hold the outbox row: the worker's claim, the step before the POST, waits on it.
    blocker = engine.connect()
    blocker.begin()
    blocker.execute(text(f"SELECT id FROM outbox WHERE id = {outbox_id} FOR UPDATE"))
    worker = _worker(database_url, broker_url, tmp_path, stub).start()
    try:
        wait_for(lambda: waiting_on_a_lock(engine, "UPDATE outbox"), timeout=45)
        worker.kill()
    finally:
        blocker.rollback()
        blocker.close()
    assert stub.received == []

    restarted = _worker(database_url, broker_url, tmp_path, stub).start()
    try:
        [du01] = _du01_for(stub, ref, timeout=60)  # the sweep sends the work the kill left behind
        wait_for(lambda: [e for e in envelopes(sessions, richting="uit") if e.status == AFGELEVERD])
        time.sleep(4)  # a sweep interval and more: a second send would have come by now
    finally:
        restarted.stop()
    assert [r.referentienummer for r in stub.received] == [du01.referentienummer]
    with sessions() as session:
        attempts = session.scalars(select(EnvelopPoging.geslaagd)).all()
        assert attempts == [True]
        assert session.get_one(Outbox, outbox_id).status == "done"
