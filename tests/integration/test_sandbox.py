"""The sandbox (docs/sandbox.md): providers register themselves, a municipality without a CJG
answers by the last digit of the BSN (mappings/sandbox.toml) through the real decision path,
a provider's data can be removed, and a sandbox and a real gateway never share a database.
The published work runs in-process, as in test_route_aanvraag.py."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gateway import clock
from gateway.db.models import (
    Aanvraag,
    Beschikking,
    FinancienMaand,
    FinancienMaanddeel,
    Gebruiker,
    Partij,
    SandboxMarker,
    Toewijzing,
    Token,
)
from gateway.db.session import unit_of_work
from gateway.domain.aanvraag import sandbox as table
from gateway.domain.beheer.sandbox import SandboxGeweigerd, check_start
from gateway.errors import Conflict
from gateway.intake import sandbox as intake_sandbox
from gateway.intake.parties import add_party
from gateway.main import create_app
from gateway.reference import MappingError
from gateway.settings import PROJECT_ROOT, Settings
from gateway.work import outbox as outbox_work
from gateway.work import queue as outbox
from tests.conftest import SHIFT_SECONDS
from tests.integration.worker import wait_for, waiting_on_a_lock
from tests.route import fetch, json_auth, post, postbus, request, retour_for, run_work, texts

DOCS = PROJECT_ROOT / "docs" / "sandbox.md"


@pytest.fixture
def sandbox(database_url, engine, sessions, published):
    with unit_of_work(sessions) as session:
        check_start(session, sandbox=True)  # as `gateway serve --sandbox` does on an empty database
    app = create_app(Settings(database_url=database_url, sandbox=True), publish=published.extend)
    with TestClient(app) as client:
        yield app, client


def aanmelden(client, agb: str = "12345678", naam: str = "Zorg BV") -> dict:
    answer = client.post("/api/v1/sandbox/aanbieders", json={"agb": agb, "naam": naam})
    assert answer.status_code == 201, answer.text
    return answer.json()


def agj(aanbieder: dict, bsn: str, identificatie: str, referentie: str | None = None) -> bytes:
    """The AGJ example (45A01, 4 uur per week from 2026-09-15, VB-REF-0001) for `bsn`, from this
    sandbox provider to its municipality."""
    xml = request("AGJ", identificatie, referentie).replace(b"999994323", bsn.encode())
    xml = xml.replace(b"<agj:Afzender>12345678<", f"<agj:Afzender>{aanbieder['agb']}<".encode())
    return xml.replace(b"<agj:Ontvanger>0363<", f"<agj:Ontvanger>{aanbieder['gemeente']['code']}<".encode())


def send(app, client, published, aanbieder: dict, bsn: str, identificatie: str = "SBX1",
         referentie: str | None = None) -> None:
    answer = post(client, aanbieder["token"], agj(aanbieder, bsn, identificatie, referentie))
    assert answer.status_code == 202, answer.text
    assert set(run_work(app, published)) <= {"done", "skipped"}


def the_answer(client, aanbieder: dict):
    """The one message in the provider's postbus, fetched."""
    [item] = postbus(client, aanbieder["token"])
    return fetch(client, aanbieder["token"], item)


def jw302(aanbieder: dict, jw301, codes: list[str] = ()) -> bytes:
    """The provider's JW302 on `jw301`, copying its municipality as Afzender (IV028)."""
    xml = retour_for(jw301, codes)
    return xml.replace(b"<jw302:Afzender>0363<", f"<jw302:Afzender>{aanbieder['gemeente']['code']}<".encode())


def sweep(app) -> list[str]:
    """What the periodic sweep does: send the rows that are due, and run them."""
    with unit_of_work(app.state.sessions) as session:
        ids = outbox.due(session, app.state.ctx.now(), timedelta(seconds=30))
    return [outbox_work.process(app.state.sessions, app.state.ctx, i) for i in ids]


def the_aanvraag(app) -> Aanvraag:
    with app.state.sessions() as session:
        return session.scalars(select(Aanvraag)).one()


def test_registration_gives_a_token_and_a_municipality_of_its_own(sandbox):
    app, client = sandbox
    answer = client.post("/api/v1/sandbox/aanbieders", json={"agb": "12345678", "naam": "Zorg BV"})
    assert answer.status_code == 201, answer.text
    assert answer.headers["x-gateway-sandbox"] == "true"
    assert answer.headers["location"] == "/api/v1/sandbox/aanbieders/12345678"
    first = answer.json()
    assert first["agb"] == "12345678" and len(first["token"]) > 30
    assert first["gemeente"]["code"] in app.state.reference.gemeenten
    # The token works; the municipality is one of the gateway's, and another provider gets another.
    assert postbus(client, first["token"]) == []
    second = aanmelden(client, "87654321", "Ander BV")
    assert second["gemeente"]["code"] != first["gemeente"]["code"]

    again = client.post("/api/v1/sandbox/aanbieders", json={"agb": "12345678", "naam": "Iemand anders"})
    assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"
    # Other scripts' digits too: a message's AGB code is [0-9]{8}, so such a provider could send nothing.
    for wrong in ({"agb": "1234", "naam": "X"}, {"agb": "12345679", "naam": "  "},
                  {"agb": "\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18", "naam": "X"}):
        assert client.post("/api/v1/sandbox/aanbieders", json=wrong).status_code == 422
    with app.state.sessions() as session:
        gemeenten = session.scalar(select(func.count()).select_from(Partij).where(Partij.soort == "gemeente"))
    assert gemeenten == 2


def test_two_registrations_at_once_one_gets_a_conflict_not_a_database_error(app, engine, sessions):
    """On PostgreSQL the second sees the first's municipality only once it commits: it picks
    the same one, waits on the unique key, and must answer 409 when the first commits."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer in at a time")
    with unit_of_work(sessions) as session:
        check_start(session, sandbox=True)
    ctx = app.state.ctx
    first = sessions()
    try:
        mine = intake_sandbox.register(first, ctx.reference, ctx.today(), agb="12345678", naam="Zorg BV")
        outcome: list[object] = []

        def second() -> None:
            with sessions() as session:
                try:
                    outcome.append(intake_sandbox.register(session, ctx.reference, ctx.today(),
                                                           agb="87654321", naam="Ander BV"))
                except Exception as exc:
                    outcome.append(exc)

        thread = threading.Thread(target=second)
        thread.start()
        wait_for(lambda: waiting_on_a_lock(engine, "INSERT INTO partij"), timeout=10, interval=0.01)
        first.commit()
        thread.join(timeout=10)
    finally:
        first.close()
    [refused] = outcome
    assert isinstance(refused, Conflict), refused
    assert refused.slug == "tegelijk-aangemeld"
    with sessions() as session:
        assert [p.code for p in session.scalars(select(Partij).where(Partij.soort == "gemeente"))] == \
            [mine.gemeente.code]


def test_outside_sandbox_mode_there_is_no_sandbox(client):
    answer = client.post("/api/v1/sandbox/aanbieders", json={"agb": "12345678", "naam": "Zorg BV"})
    assert answer.status_code == 404
    assert "x-gateway-sandbox" not in answer.headers
    assert "sandbox" not in client.get("/openapi.json").json()["info"]["title"].lower()


def test_no_registration_on_a_database_that_is_no_sandbox(database_url, engine, sessions, published):
    """An app in sandbox mode that was not started by `gateway serve --sandbox` (which refuses
    such a database) still hands out no token on a real gateway's database."""
    with unit_of_work(sessions) as session:
        add_party(session, soort="gemeente", code="0363", naam="Amsterdam")
    app = create_app(Settings(database_url=database_url, sandbox=True), publish=published.extend)
    with TestClient(app) as client:
        answer = client.post("/api/v1/sandbox/aanbieders", json={"agb": "12345678", "naam": "Zorg BV"})
    assert answer.status_code == 500 and "geen sandbox" in answer.json()["detail"]
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Partij)) == 1


def test_pages_and_docs_say_it_is_a_sandbox(sandbox):
    _app, client = sandbox
    docs = client.get("/docs")
    assert docs.status_code == 200 and "<title>SANDBOX" in docs.text
    assert docs.headers["x-gateway-sandbox"] == "true"
    assert client.get("/openapi.json").json()["info"]["title"].endswith("(sandbox)")
    login = client.get("/login")
    assert "sandbox-banner" in login.text and login.headers["x-gateway-sandbox"] == "true"


@pytest.mark.parametrize("bsn", ["999990081", "999990020"])  # ending in 1, and in 0 (the same row)
def test_bsn_ending_1_is_granted_as_asked(sandbox, published, bsn):
    app, client = sandbox
    aanbieder = aanmelden(client)
    send(app, client, published, aanbieder, bsn)
    aanvraag = the_aanvraag(app)
    assert aanvraag.status == "toegekend" and aanvraag.besloten_door == table.DOOR and not aanvraag.automatisch
    [item] = postbus(client, aanbieder["token"])
    jw301 = fetch(client, aanbieder["token"], item)
    assert texts(jw301, "//jw301:Header/jw301:Afzender") == [aanbieder["gemeente"]["code"]]
    assert texts(jw301, "//jw301:Client/jw301:Bsn") == [bsn]
    assert texts(jw301, "//jw301:ToegewezenProduct/jw301:ReferentieAanbieder") == ["VB-REF-0001"]
    assert texts(jw301, "//jw301:ToegewezenProduct/jw301:Omvang/ijw:Volume") == ["4"]
    assert texts(jw301, "//jw301:ToegewezenProduct/jw301:Ingangsdatum") == ["2026-09-15"]
    # The confirmation works as anywhere: the JW302 marks it bevestigd.
    assert post(client, aanbieder["token"], jw302(aanbieder, jw301)).status_code == 202
    assert [i["id"] for i in postbus(client, aanbieder["token"], "bevestigd")] == [item["id"]]


def test_a_jw315_is_answered_too_with_the_sandboxs_address_for_its_client(sandbox, published):
    app, client = sandbox
    aanbieder = aanmelden(client)
    xml = request("JW315", "SBX315").replace(b"999980919", b"999990111")
    xml = xml.replace(b"<jw315:Ontvanger>0363<", f"<jw315:Ontvanger>{aanbieder['gemeente']['code']}<".encode())
    assert post(client, aanbieder["token"], xml).status_code == 202
    run_work(app, published)
    jw301 = the_answer(client, aanbieder)
    assert texts(jw301, "//jw301:ToegewezenProduct/jw301:ReferentieAanbieder") == ["VB-REF-0003"]
    assert texts(jw301, "//jw301:ToegewezenProduct/jw301:Omvang/ijw:Volume") == ["12"]
    assert texts(jw301, "//jw301:Contactgegevens/jw301:Contact/jw301:Adres/ijw:Postcode") == ["9999ZZ"]


def test_bsn_ending_2_is_granted_with_a_lower_volume_and_a_motivering(sandbox, published):
    app, client = sandbox
    aanbieder = aanmelden(client)
    send(app, client, published, aanbieder, "999990032")
    jw301 = the_answer(client, aanbieder)
    assert texts(jw301, "//jw301:ToegewezenProduct/jw301:Omvang/ijw:Volume") == ["2"]  # half of 4
    with app.state.sessions() as session:
        beschikking = session.scalars(select(Beschikking)).one()
        aanvraag = session.scalars(select(Aanvraag)).one()
    assert beschikking.soort == "toekenning"
    assert aanvraag.besluit["motivering"] == "Sandbox: toegekend met de helft van het gevraagde volume."


def test_bsn_ending_3_is_rejected_with_reason_7(sandbox, published):
    app, client = sandbox
    aanbieder = aanmelden(client)
    send(app, client, published, aanbieder, "999990093")
    assert the_aanvraag(app).status == "afgewezen"
    [item] = postbus(client, aanbieder["token"])
    assert item["message"] == "JW319"
    jw319 = fetch(client, aanbieder["token"], item)
    assert texts(jw319, "//jw319:Antwoord/jw319:VerzoekAntwoord") == ["1"]
    assert texts(jw319, "//jw319:Antwoord/jw319:RedenAfwijzingVerzoek") == ["7"]
    assert texts(jw319, "//jw319:Antwoord/jw319:ReferentieAanbieder") == ["VB-REF-0001"]


@pytest.fixture
def later():
    """Moves the application's clock on by some seconds (tests must not sleep)."""
    def move(seconds: float) -> None:
        clock.install(clock.Clock(timedelta(seconds=SHIFT_SECONDS + seconds)))

    yield move
    clock.configure(shift_seconds=SHIFT_SECONDS)


def test_bsn_ending_4_is_in_onderzoek_then_granted_a_minute_later(sandbox, published, later):
    app, client = sandbox
    aanbieder = aanmelden(client)
    send(app, client, published, aanbieder, "999990044")
    assert the_aanvraag(app).status == "in_onderzoek"
    jw319 = the_answer(client, aanbieder)
    assert texts(jw319, "//jw319:Antwoord/jw319:VerzoekAntwoord") == ["2"]
    assert "done" not in sweep(app)  # not yet: nothing is due before the minute has passed
    later(50)
    assert "done" not in sweep(app)
    later(61)
    assert sweep(app) == ["done"]  # the grant, recorded through the decision path
    assert set(run_work(app, published)) <= {"done"}  # its execution: beschikking, toewijzing, JW301
    assert the_aanvraag(app).status == "toegekend"
    jw301 = the_answer(client, aanbieder)
    assert texts(jw301, "//jw301:ToegewezenProduct/jw301:Omvang/ijw:Volume") == ["4"]
    later(200)
    assert sweep(app) == []  # granted once


def test_bsn_ending_5_gets_a_jw301_to_reject_with_another_period(sandbox, published):
    app, client = sandbox
    aanbieder = aanmelden(client)
    send(app, client, published, aanbieder, "999990135")
    [item] = postbus(client, aanbieder["token"])
    jw301 = fetch(client, aanbieder["token"], item)
    # Asked 2026-09-15 t/m 2027-03-14 under VB-REF-0001: granted 30 days later, both ends.
    assert texts(jw301, "//jw301:ToegewezenProduct/jw301:ReferentieAanbieder") == ["VB-REF-0001"]
    assert texts(jw301, "//jw301:ToegewezenProduct/jw301:Ingangsdatum") == ["2026-10-15"]
    assert texts(jw301, "//jw301:ToegewezenProduct/jw301:Einddatum") == ["2027-04-13"]
    # The provider refuses it; the gateway records that and flags it for the CJG.
    assert post(client, aanbieder["token"], jw302(aanbieder, jw301, ["0200", "9379"])).status_code == 202
    assert [i["id"] for i in postbus(client, aanbieder["token"], "afgekeurd")] == [item["id"]]


def test_a_decision_the_table_cannot_take_leaves_the_aanvraag_open_with_the_reason(sandbox, published):
    app, client = sandbox
    aanbieder = aanmelden(client)
    send(app, client, published, aanbieder, "999990081", "SBX1")
    # The same product for the same client in the same period again: TR302 refuses the grant.
    send(app, client, published, aanbieder, "999990081", "SBX2", "VB-REF-0002")
    with app.state.sessions() as session:
        second = session.scalars(select(Aanvraag).order_by(Aanvraag.id.desc())).first()
    assert second.status == "te_beoordelen"
    assert any(r["code"] == "sandbox" and "TR302" in r["message"] for r in second.beoordeling)


def test_reset_removes_the_providers_data_only_and_numbering_starts_again(sandbox, published):
    app, client = sandbox
    mine, other = aanmelden(client), aanmelden(client, "87654321", "Ander BV")
    send(app, client, published, mine, "999990081")
    send(app, client, published, other, "999990111")
    [item] = postbus(client, mine["token"])
    first_number = texts(fetch(client, mine["token"], item), "//jw301:ToegewezenProduct/jw301:ToewijzingNummer")
    url = f"/api/v1/sandbox/aanbieders/{mine['agb']}/gegevens"

    assert client.delete(url, headers=json_auth(other["token"])).status_code == 403  # not its own
    assert client.delete(url).status_code == 401
    answer = client.delete(url, headers=json_auth(mine["token"]))
    assert answer.status_code == 200, answer.text
    verwijderd = answer.json()["verwijderd"]
    assert verwijderd["berichten"] == 2 and verwijderd["aanvragen"] == 1 and verwijderd["toewijzingen"] == 1
    assert postbus(client, mine["token"], "opgehaald") == []
    with app.state.sessions() as session:
        left = {(a.aanbieder, a.bsn) for a in session.scalars(select(Aanvraag))}
        toewijzingen = session.scalar(select(func.count()).select_from(Toewijzing))
    assert left == {(other["agb"], "999990111")} and toewijzingen == 1
    assert len(postbus(client, other["token"])) == 1  # the other provider's data stay
    with app.state.sessions() as session:  # the finance report's month totals went with them
        totalen = set(session.scalars(select(FinancienMaand.gemeente)))
        totalen |= set(session.scalars(select(FinancienMaanddeel.gemeente)))
    assert mine["gemeente"]["code"] not in totalen and other["gemeente"]["code"] in totalen, totalen

    # As new: the same message is no replay, and the numbering starts where it started.
    send(app, client, published, mine, "999990081")
    [item] = postbus(client, mine["token"])
    again = texts(fetch(client, mine["token"], item), "//jw301:ToegewezenProduct/jw301:ToewijzingNummer")
    assert again == first_number


def test_a_sandbox_provider_and_its_municipality_only_write_to_each_other(sandbox, published):
    """Else one provider's reset (everything of its municipality) would take another's
    messages and aanvragen with it."""
    app, client = sandbox
    mine, other = aanmelden(client), aanmelden(client, "87654321", "Ander BV")
    to_mine = agj(other, "999990111", "SBX9").replace(
        f"<agj:Ontvanger>{other['gemeente']['code']}<".encode(), f"<agj:Ontvanger>{mine['gemeente']['code']}<".encode())
    refused = post(client, other["token"], to_mine)
    assert refused.status_code == 422, refused.text
    assert refused.json()["type"].endswith("sandbox-gemeente") and mine["gemeente"]["code"] in refused.json()["detail"]
    with unit_of_work(app.state.sessions) as session:  # a provider the operator added, not the sandbox
        _, token = add_party(session, soort="aanbieder", code="11111111", naam="Via de CLI")
    via_cli = agj({"agb": "11111111", "gemeente": mine["gemeente"]}, "999990111", "SBX8")
    refused = post(client, token, via_cli)
    assert refused.status_code == 422 and "andere aanbieder" in refused.json()["detail"]
    to_other = agj(mine, "999990081", "SBX7").replace(
        f"<agj:Ontvanger>{mine['gemeente']['code']}<".encode(), f"<agj:Ontvanger>{other['gemeente']['code']}<".encode())
    refused = post(client, mine["token"], to_other)
    assert refused.status_code == 422 and other["gemeente"]["code"] in refused.json()["detail"]

    send(app, client, published, other, "999990111")  # its own municipality: answered
    reset = client.delete(f"/api/v1/sandbox/aanbieders/{mine['agb']}/gegevens", headers=json_auth(mine["token"]))
    assert "aanvragen" not in reset.json()["verwijderd"]  # the refused messages to it went, nothing else
    assert len(postbus(client, other["token"])) == 1
    with app.state.sessions() as session:
        assert [a.aanbieder for a in session.scalars(select(Aanvraag))] == [other["agb"]]


def test_reset_only_for_providers_that_registered_in_the_sandbox(sandbox, sessions):
    _app, client = sandbox
    with unit_of_work(sessions) as session:
        _, token = add_party(session, soort="aanbieder", code="11111111", naam="Via de CLI")
    answer = client.delete("/api/v1/sandbox/aanbieders/11111111/gegevens", headers=json_auth(token))
    assert answer.status_code == 403


def test_the_table_covers_every_digit_and_the_docs_give_its_examples():
    rows = table.tabel(PROJECT_ROOT / "mappings")
    assert sorted(rows) == list("0123456789")
    docs = DOCS.read_text(encoding="utf-8")
    for rij in rows.values():
        for bsn in rij.voorbeelden:
            assert table.elfproef(bsn) and bsn[-1] in rij.eindcijfers
            assert bsn in docs, bsn


def test_start_marks_an_empty_database_and_refuses_one_with_other_data(sessions):
    with unit_of_work(sessions) as session:
        check_start(session, sandbox=False)  # an empty, unmarked database: a normal gateway starts
        check_start(session, sandbox=True)  # ... and a sandbox makes it its own
    with unit_of_work(sessions) as session:
        assert session.get(SandboxMarker, 1) is not None
        check_start(session, sandbox=True)  # again: it is already a sandbox, with data or not
        with pytest.raises(SandboxGeweigerd, match="is een sandbox"):
            check_start(session, sandbox=False)
        session.delete(session.get(SandboxMarker, 1))
        add_party(session, soort="aanbieder", code="12345678", naam="Zorg BV")
        session.flush()
        with pytest.raises(SandboxGeweigerd, match="geen sandbox"):
            check_start(session, sandbox=True)


def test_start_refuses_a_database_with_only_back_office_users(sessions):
    """A real gateway being set up has its users before its first party."""
    with unit_of_work(sessions) as session:
        session.add(Gebruiker(gebruikersnaam="beheer", wachtwoord_hash="x", rol="admin"))
    with unit_of_work(sessions) as session, pytest.raises(SandboxGeweigerd, match="gebruiker"):
        check_start(session, sandbox=True)
    with sessions() as session:
        assert session.get(SandboxMarker, 1) is None


@pytest.fixture
def serve(database_url, engine, monkeypatch):
    """`gateway serve` in this process on the test database, up to where it would listen: its
    log configuration (for a process of its own) is left out, the rest is as it runs."""
    from click.testing import CliRunner

    from gateway import logs
    from gateway.cli import main
    from gateway.settings import get_settings

    monkeypatch.setenv("GATEWAY_DATABASE_URL", database_url)
    monkeypatch.setattr(logs, "configure", lambda *_args: None)
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(main, ["serve", *args])
    get_settings.cache_clear()


def test_serve_refuses_the_wrong_database(serve, sessions):
    """`gateway serve --sandbox` on a database with parties, and `gateway serve` on a sandbox's:
    exit 1 with the reason, before anything listens."""
    with unit_of_work(sessions) as session:
        add_party(session, soort="gemeente", code="0363", naam="Amsterdam")
    refused = serve("--sandbox")
    assert refused.exit_code == 1, refused.output
    assert "geen sandbox" in refused.output and "lege database" in refused.output

    with unit_of_work(sessions) as session:
        session.execute(Token.__table__.delete())
        session.execute(Partij.__table__.delete())
        session.add(SandboxMarker(id=1))
    refused = serve()
    assert refused.exit_code == 1, refused.output
    assert "is een sandbox" in refused.output and "--sandbox" in refused.output
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Partij)) == 0  # nothing was written


@pytest.mark.parametrize(("rows", "message"), [
    ('eindcijfers = ["1"]\nbesluit = "toekennen"', "geen rij voor eindcijfer 0"),
    ('eindcijfers = ["0","1","2","3","4","5","6","7","8","9"]\nbesluit = "afwijzen"', "reden_afwijzing"),
    ('eindcijfers = ["0","1","2","3","4","5","6","7","8","9"]\nbesluit = "toekennen"\n'
     'voorbeelden = ["999990082"]', "elfproef"),
])
def test_a_broken_table_is_refused_with_its_reason(tmp_path, rows, message):
    (tmp_path / "sandbox.toml").write_text(f'[[rij]]\n{rows}\nomschrijving = "x"\nmotivering = "Sandbox: x"\n'
                                           + ("voorbeelden = []\n" if "voorbeelden" not in rows else ""))
    with pytest.raises(MappingError, match=message):
        table.tabel(tmp_path)
