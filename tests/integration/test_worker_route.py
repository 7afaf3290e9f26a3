"""The whole route with a real Celery worker: Redis and PostgreSQL when the tests run on
PostgreSQL, the embedded broker on SQLite. Includes killing the worker mid-decision."""
from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from gateway.db.models import Aanvraag, Bericht, Beschikking, Nummerreeks, Outbox, Toewijzing
from gateway.db.session import unit_of_work
from gateway.main import create_app
from gateway.settings import Settings
from tests.integration.worker import Worker, broker_for, flush_broker, wait_for, waiting_on_a_lock
from tests.route import aanvragen, besluit, fetch, json_auth, post, postbus, request, retour_for, texts


@pytest.fixture
def broker_url(database_url):
    url = broker_for(database_url)
    flush_broker(url)
    return url


@pytest.fixture
def live_client(database_url, broker_url, engine):
    # The real publisher: the API wakes the worker through the broker after each commit.
    app = create_app(Settings(database_url=database_url, broker_url=broker_url))
    with TestClient(app) as client:
        yield client


@pytest.fixture
def worker(database_url, broker_url, tmp_path, engine):
    worker = Worker(database_url, broker_url, tmp_path).start()
    yield worker
    worker.stop()


def first_in_postbus(client, token, message):
    return wait_for(lambda: [i for i in postbus(client, token) if i["message"] == message], timeout=45)[0]


def test_whole_route_with_a_real_worker(live_client, parties, worker):
    client = live_client
    provider, gemeente = parties["provider"], parties["gemeente"]
    # AGJ granted automatically → beschikking → JW301 → JW302
    assert post(client, provider, request("AGJ", "W-AGJ1")).status_code == 202
    item = first_in_postbus(client, provider, "JW301")
    jw301 = fetch(client, provider, item)
    [nummer] = texts(jw301, "//jw301:ToewijzingNummer")
    assert post(client, provider, retour_for(jw301)).status_code == 202
    assert [i["id"] for i in postbus(client, provider, "bevestigd")] == [item["id"]]
    [aanvraag] = aanvragen(client, gemeente)
    assert client.get(aanvraag["href"], headers=json_auth(gemeente)).json()["beschikking"] is not None

    # JW317 → CJG grants → JW301
    jw317 = request("JW317", "W-JW3171", edits=[("<jw317:ToewijzingNummer>100001<",
                                                 f"<jw317:ToewijzingNummer>{nummer}<")])
    assert post(client, provider, jw317).status_code == 202
    wijziging = wait_for(lambda: aanvragen(client, gemeente, "te_beoordelen"))[0]
    assert besluit(client, gemeente, wijziging["id"], {"besluit": "toekennen"}).status_code == 202
    jw301 = fetch(client, provider, first_in_postbus(client, provider, "JW301"))
    assert texts(jw301, "//jw301:ReferentieAanbieder") == ["VB-REF-0004", "VB-REF-0004"]

    # JW315 → CJG rejects → JW319 → JW320
    assert post(client, provider, request("JW315", "W-JW3151")).status_code == 202
    verzoek = wait_for(lambda: aanvragen(client, gemeente, "te_beoordelen"))[0]
    assert verzoek["soort"] == "JW315"
    answer = besluit(client, gemeente, verzoek["id"], {"besluit": "afwijzen", "reden_afwijzing": "3"})
    assert answer.status_code == 202, answer.text
    jw319 = fetch(client, provider, first_in_postbus(client, provider, "JW319"))
    assert texts(jw319, "//jw319:RedenAfwijzingVerzoek") == ["3"]
    assert post(client, provider, retour_for(jw319)).status_code == 202
    assert {i["message"] for i in postbus(client, provider, "bevestigd")} == {"JW301", "JW319"}


def test_pgb_with_a_real_worker(live_client, parties, worker):
    client = live_client
    xml = request("AGJ", "W-AGJ2", edits=[("<agj:Leveringsvorm>ZIN<", "<agj:Leveringsvorm>PGB<")])
    assert post(client, parties["provider"], xml).status_code == 202
    granted = wait_for(lambda: aanvragen(client, parties["gemeente"], "toegekend"))[0]
    detail = wait_for(lambda: client.get(granted["href"], headers=json_auth(parties["gemeente"])).json()
                      ["beschikking"])
    assert detail["leveringsvorm"] == "PGB"
    assert postbus(client, parties["provider"]) == []


def test_killed_worker_mid_decision_records_the_outcome_once(live_client, parties, database_url, broker_url,
                                                             sessions, engine, tmp_path):
    if database_url.startswith("sqlite"):
        pytest.skip("needs row locks to stop the worker mid-decision: runs on PostgreSQL with Redis")
    client = live_client
    with unit_of_work(sessions) as session:
        session.add(Nummerreeks(gemeente="0363", soort="toewijzing", laatste=0))
    # Hold the ToewijzingNummer counter: the worker's decision will get as far as the
    # beschikking and then wait for the next toewijzing number, in the middle of its transaction.
    blocker = engine.connect()
    blocker.begin()
    blocker.execute(text("SELECT laatste FROM nummerreeks WHERE gemeente = '0363' AND soort = 'toewijzing' "
                         "FOR UPDATE"))
    worker = Worker(database_url, broker_url, tmp_path).start()
    try:
        assert post(client, parties["provider"], request("AGJ", "K-AGJ1")).status_code == 202
        wait_for(lambda: waiting_on_a_lock(engine, "UPDATE nummerreeks"), timeout=45)
        worker.kill()
    finally:
        blocker.rollback()
        blocker.close()

    restarted = Worker(database_url, broker_url, tmp_path).start()
    try:
        item = first_in_postbus(client, parties["provider"], "JW301")
        assert item["message"] == "JW301"
    finally:
        restarted.stop()
    with sessions() as session:
        count = lambda model: session.scalar(select(func.count()).select_from(model))
        assert count(Aanvraag) == 1
        assert count(Beschikking) == 1
        assert count(Toewijzing) == 1
        outbound = session.scalar(select(func.count()).select_from(Bericht).where(Bericht.richting == "uit"))
        assert outbound == 1
        [row] = session.scalars(select(Outbox)).all()
        assert row.status == "done"
        # The killed run had drawn beschikking number 1 before it blocked; its rollback gave
        # that number back, so the one completed run has it.
        assert session.scalar(select(Beschikking.nummer)).endswith("-000001")
        assert session.scalar(select(Toewijzing.nummer)) == 1


def test_concurrent_decisions_on_one_aanvraag_one_wins(live_client, parties, worker):
    client = live_client
    assert post(client, parties["provider"], request("AGJ-GEEN-OVEREENSTEMMING", "C-AGJ1")).status_code == 202
    aanvraag = wait_for(lambda: aanvragen(client, parties["gemeente"], "te_beoordelen"))[0]
    results: list[int] = []

    def decide(body):
        results.append(besluit(client, parties["gemeente"], aanvraag["id"], body).status_code)

    threads = [threading.Thread(target=decide, args=({"besluit": "toekennen"},)),
               threading.Thread(target=decide, args=({"besluit": "afwijzen", "reden_afwijzing": "7"},))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [202, 409]
    first_in_postbus(client, parties["provider"], "JW301" if aanvragen(
        client, parties["gemeente"], "toegekend") else "JW319")
    assert len(postbus(client, parties["provider"])) == 1
