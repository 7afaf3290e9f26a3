"""Every view of purged data (gateway/domain/beheer/bewaartermijn.py): after a full route and a purge
with the clock 20+ years on, the API and the back office answer readably, say the data were
removed after the retention period, and never answer 500. SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway import clock
from gateway.db.models import Aanvraag, Bericht, Beschikking, Client, PostbusItem, Zorglevering
from gateway.work import bewaartermijn
from tests.backoffice import login
from tests.integration.test_declaraties import jw323, prestatie
from tests.integration.test_leveringen import ACCEPTED, send
from tests.regie import Start, Stop
from tests.route import aanvragen, fetch, json_auth, post, postbus, request, retour_for, run_work, texts

BSN = "999994323"
LATER = date(2048, 1, 15)  # the limit is then 2028-01-15: every entry of the route is before it


@pytest.fixture
def client(app):
    """A 500 is an answer here, to assert on, not an exception."""
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def route(client, parties, sessions, published, app, users):
    """AGJ granted automatically → beschikking with a bezwaar → JW301 fetched and confirmed by a
    JW302 → JW305 start → JW307 stop → JW323 declaration; and a rejected JW305."""
    assert post(client, parties["provider"], request("AGJ", "BWT-AGJ1", "VB-REF-BWT")).status_code == 202
    run_work(app, published)
    [aanvraag] = aanvragen(client, parties["gemeente"])
    gemeente = json_auth(parties["gemeente"])
    nummer_beschikking = client.get(aanvraag["href"], headers=gemeente).json()["beschikking"]["nummer"]
    assert client.post(f"/api/v1/beschikkingen/{nummer_beschikking}/bezwaren", headers=gemeente,
                       json={"ontvangen_op": "2026-11-23", "indiener": "moeder",
                             "toelichting": "Te weinig uren"}).status_code == 201
    [item] = postbus(client, parties["provider"])
    jw301 = fetch(client, parties["provider"], item)
    [nummer] = texts(jw301, "//jw301:ToewijzingNummer")
    assert post(client, parties["provider"], retour_for(jw301)).status_code == 202
    assert send(client, parties, Start(nummer=nummer, begindatum="2026-09-16")) == ACCEPTED
    assert send(client, parties, Stop(nummer=nummer, begindatum="2026-09-16", einddatum="2026-11-13")) == ACCEPTED
    declaratie = post(client, parties["provider"], jw323([prestatie(nummer=int(nummer), volume=8)]))
    assert declaratie.status_code == 202, declaratie.text
    rejected = post(client, parties["provider"], request("JW305", "BWT-JW305-X", edits=[
        ("<jw305:ToewijzingNummer>100001<", "<jw305:ToewijzingNummer>999999<")]))
    assert rejected.status_code == 422, rejected.text
    with sessions() as session:
        stored = session.get(Aanvraag, aanvraag["id"])
        beschikking = session.scalar(select(Beschikking).where(Beschikking.aanvraag_id == stored.id))
        start = session.scalar(select(Zorglevering))
        confirmed = session.get(PostbusItem, item["id"])
        ids = {"aanvraag": stored.id, "aanvraag_bericht": stored.bericht_id, "beschikking": beschikking.id,
               "beschikking_nummer": beschikking.nummer, "jw301": item["id"], "jw302": confirmed.retour_bericht_id,
               "jw305": start.bericht_id, "jw307": start.stops[0].bericht_id, "toewijzing": int(nummer),
               "client": session.scalar(select(Client.id).where(Client.bsn == BSN)),
               "jw323": session.scalar(select(Bericht.id).where(Bericht.berichttype == "JW323")),
               "rejected": session.scalar(select(Bericht.id).where(Bericht.identificatie == "BWT-JW305-X"))}
    return ids


@pytest.fixture
def purged(route, sessions, move_clock):
    move_clock(LATER)
    result = bewaartermijn.purge(sessions, clock.today(), 20)
    assert result.clienten == 1
    with sessions() as session:
        assert session.get(Client, route["client"]) is None
        assert all(b.gewist_op for b in session.scalars(select(Bericht)))
    return route


GEWIST = "Gewist na afloop van de bewaartermijn (15 januari 2048)"


def _readable(answer, status: int = 200) -> str:
    assert answer.status_code == status, (answer.status_code, answer.text[:2000])
    return answer.text


def test_api_message_status_says_when_its_body_was_removed(client, parties, purged):
    provider = json_auth(parties["provider"])
    for key in ("aanvraag_bericht", "jw305", "jw307", "jw323", "rejected"):
        body = client.get(f"/api/v1/berichten/{purged[key]}", headers=provider).json()
        assert body["removed_at"].startswith("2048-01-15T") and body["removed_at"].endswith("+00:00"), body
    rejected = client.get(f"/api/v1/berichten/{purged['rejected']}", headers=provider).json()
    assert rejected["status"] == "rejected" and rejected["retourcodes"] == ["9019"]  # the count stays
    assert BSN not in repr(rejected)


def test_api_aanvragen_beschikking_and_document_of_a_purged_file(client, parties, purged):
    gemeente = json_auth(parties["gemeente"])
    [item] = client.get("/api/v1/aanvragen", headers=gemeente).json()["items"]
    assert item["status"] == "toegekend" and item["bsn"] == ""
    detail = client.get(f"/api/v1/aanvragen/{purged['aanvraag']}", headers=gemeente).json()
    assert detail["beschikking"]["nummer"] == purged["beschikking_nummer"]
    beschikking = client.get(f"/api/v1/beschikkingen/{purged['beschikking_nummer']}", headers=gemeente).json()
    assert (beschikking["gewist"], beschikking["gewist_op"], beschikking["soort"]) == (True, "2048-01-15", "toekenning")
    assert beschikking["bezwaren"][0]["indiener"] == ""
    document = _readable(client.get(f"/api/v1/beschikkingen/{purged['beschikking_nummer']}/document",
                                    headers=gemeente))
    assert GEWIST in document and purged["beschikking_nummer"] in document and "23 november 2026" in document
    assert "Wit" not in document and BSN not in document
    traject = client.get(f"/api/v1/aanvragen/{purged['aanvraag']}/traject", headers=gemeente).json()
    assert traject["huidige_stap"] == "23"
    assert client.get(f"/api/v1/clienten/{BSN}/traject", headers=gemeente).json() == {"bsn": BSN, "trajecten": []}
    assert client.get("/api/v1/signalen", headers=gemeente).json() == {"items": []}
    volumes = client.get("/api/v1/rapportages/volumes?van=2026-01-01&tot=2026-12-31", headers=gemeente).json()
    [row] = volumes["rows"]
    assert row["productcode"] == "45A01" and row["gedeclareerd"] == 8.0  # finance keeps its counts


def test_api_a_purged_outbound_message_is_gone(client, parties, purged):
    provider = json_auth(parties["provider"])
    [item] = client.get("/api/v1/postbus?status=bevestigd", headers=provider).json()["items"]
    assert item["id"] == purged["jw301"]  # the row stays, listed with its status
    gone = client.get(item["href"], headers=provider)
    assert gone.status_code == 410 and gone.headers["content-type"] == "application/problem+json"
    assert gone.json()["detail"] == f"bericht {purged['jw301']} is gewist na afloop van de bewaartermijn (2048-01-15)"
    # another provider still learns nothing
    assert client.get(item["href"], headers=json_auth(parties["other"])).status_code == 404
    assert client.get("/api/v1/postbus?status=bevestigd", headers=provider).json()["items"] == [item]


def test_back_office_messages_say_they_were_removed(client, purged):
    login(client, "marieke")
    listing = _readable(client.get("/berichten"))
    assert BSN not in listing
    for key in ("aanvraag_bericht", "jw301", "jw302", "jw305", "jw307", "jw323", "rejected"):
        html = _readable(client.get(f"/berichten/{purged[key]}"))
        assert GEWIST in html and "de inhoud van het bericht is niet meer bewaard" in html, key
        assert BSN not in html and "Wit" not in html
    rejected = _readable(client.get(f"/berichten/{purged['rejected']}"))
    assert "9019" in rejected  # what was wrong stays readable


def test_back_office_aanvraag_beschikking_and_client_pages(client, purged):
    login(client, "marieke")
    assert BSN not in _readable(client.get("/aanvragen"))
    aanvraag = _readable(client.get(f"/aanvragen/{purged['aanvraag']}"))
    assert GEWIST in aanvraag and "hulpvraag, contextanalyse" in aanvraag and "Wit" not in aanvraag
    beschikking = _readable(client.get(f"/beschikkingen/{purged['beschikking']}"))
    assert GEWIST in beschikking and purged["beschikking_nummer"] in beschikking and "moeder" not in beschikking
    gone = _readable(client.get(f"/clienten/{purged['client']}"), 404)
    assert "worden gewist na afloop van de bewaartermijn" in gone and "<html" in gone
    assert BSN not in _readable(client.get("/termijnen"))


def test_back_office_finance_and_audit_pages(client, purged):
    login(client, "marieke")
    _readable(client.get(f"/aanvragen/{purged['aanvraag']}"))  # a logged view after the purge
    login(client, "fenna")
    for url in ("/financien", "/financien/uitzonderingen", "/financien/bestedingsruimte"):
        assert BSN not in _readable(client.get(url)), url
    login(client, "beheer")
    assert "marieke" in _readable(client.get("/audit"))
    _readable(client.get("/audit.csv"))


def test_the_same_bytes_again_after_the_purge_get_a_fresh_clear_answer(client, parties, purged, published):
    # The purge removed the stored answer and the replay key: there is no first answer to give back.
    again = post(client, parties["provider"], request("AGJ", "BWT-AGJ1", "VB-REF-BWT"))
    assert again.status_code == 422, again.text
    assert "Idempotent-Replay" not in again.headers and again.headers["Location"].startswith("/api/v1/berichten/")
    report = client.get(again.headers["Location"], headers=json_auth(parties["provider"])).json()
    assert report["removed_at"] is None and report["status"] == "rejected" and report["retourcodes"], report


def test_gateway_validate_is_unaffected(cli_env, purged):
    from gateway.cli import main
    from tests.support import EXAMPLE_FILES, FIXTURES

    result = cli_env.invoke(main, ["validate", str(FIXTURES / "berichten" / EXAMPLE_FILES["JW305"])])
    assert result.exit_code == 0, result.output
