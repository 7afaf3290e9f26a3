"""The StUF-GGk envelopes in the back office: the "Envelop (GGk)" section of the message page
with the answers to an envelope, a refused JW301 on the deadlines board, and the kanaal and
envelope status in the message log. The chain is a ChainStub, the adapter a zeep client.
SQLite, and PostgreSQL with GATEWAY_TEST_DATABASE_URL."""
from __future__ import annotations

import html
import re
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine

from gateway import stuf
from gateway.db.session import unit_of_work
from gateway.intake.parties import set_kanaal
from tests.backoffice import login
from tests.ggk_route import AGB, envelopes, payload_of, sent_to_chain
from tests.route import post as api_post
from tests.route import request, retour_for

_ENVELOP_ROW = re.compile(r'<tr data-envelop="(\d+)">(.*?)</tr>', re.S)


def _jw301_by_ggk(keten, parties, sessions):
    """An AGJ by the API whose automatic JW301 goes to a GGk provider as a Di01."""
    with unit_of_work(sessions) as session:
        set_kanaal(session, AGB, "ggk")
    assert api_post(keten.http, parties["provider"], request("AGJ", "AGJ1")).status_code == 202
    keten.work()
    [di01] = sent_to_chain(keten.stub, "Di01", functie="JW301")
    [envelop] = envelopes(sessions, richting="uit", referentienummer=di01.referentienummer)
    return di01, envelop


def _refuse(keten, di01) -> None:
    keten.fo01(di01.referentienummer, "BRS04", "Geadresseerde niet aangesloten bij VECOZO",
               zender="VECOZO", applicatie="VECOZOWebservice")


def _envelope_rows(text: str) -> dict[int, str]:
    section = text.split("<h2>Envelop (GGk)</h2>", 1)[1].split("<h2>", 1)[0]
    return {int(i): html.unescape(re.sub(r"<[^>]+>", " ", row)) for i, row in _ENVELOP_ROW.findall(section)}


def test_a_refused_jw301_shows_its_envelope_and_the_fo01_that_answers_it(keten, parties, sessions, users):
    di01, sent = _jw301_by_ggk(keten, parties, sessions)
    _refuse(keten, di01)
    [fo01] = envelopes(sessions, richting="in", soort="Fo01")
    login(keten.http, "marieke")
    page = keten.http.get(f"/berichten/{sent.bericht_id}")
    assert page.status_code == 200, page.text
    assert "Kanaal: ggk" in page.text
    rows = _envelope_rows(page.text)
    assert list(rows) == [sent.id, fo01.id]  # its Di01, then the answer
    di01_row = " ".join(rows[sent.id].split())
    assert "Di01" in di01_row and "verzonden (uit)" in di01_row and di01.referentienummer in di01_row
    assert "geweigerd" in di01_row
    assert "BRS04 Geadresseerde niet aangesloten bij VECOZO (door VECOZO)" in di01_row
    fo01_row = " ".join(rows[fo01.id].split())
    assert "Fo01" in fo01_row and "ontvangen (in)" in fo01_row and f"{fo01.referentienummer} {di01.referentienummer}" in fo01_row
    assert page.text.index("Antwoorden op deze envelop") < page.text.index(f'data-envelop="{fo01.id}"')


def test_a_delivered_jw301_shows_afgeleverd_and_the_du01_jw302_that_answers_it(keten, parties, sessions, users):
    di01, sent = _jw301_by_ggk(keten, parties, sessions)
    assert sent.status == "afgeleverd"
    ref = stuf.new_referentienummer()
    keten.send("Du01", "JW302", retour_for(payload_of(di01)), ref, cross_ref=di01.referentienummer)
    [du01] = envelopes(sessions, richting="in", soort="Du01")
    login(keten.http, "marieke")
    rows = _envelope_rows(keten.http.get(f"/berichten/{sent.bericht_id}").text)
    assert list(rows) == [sent.id, du01.id]
    assert "afgeleverd" in rows[sent.id] and "geweigerd" not in rows[sent.id]
    du01_row = " ".join(rows[du01.id].split())
    assert "Du01" in du01_row and "ontvangen" in du01_row and f"bericht {du01.bericht_id}" in du01_row
    # The JW302's own page has the Du01 as its own envelope, and no answers.
    jw302 = keten.http.get(f"/berichten/{du01.bericht_id}").text
    assert list(_envelope_rows(jw302)) == [du01.id]
    assert "Antwoorden op deze envelop" not in jw302


def test_a_message_by_the_api_shows_kanaal_api(keten, parties, sessions, users):
    answer = api_post(keten.http, parties["provider"], request("AGJ", "AGJ1"))
    assert answer.status_code == 202, answer.text
    login(keten.http, "marieke")
    page = keten.http.get(f"/berichten/{answer.headers['location'].rsplit('/', 1)[1]}")
    assert page.status_code == 200, page.text
    assert "Kanaal: api" in page.text and "Kanaal: ggk" not in page.text
    assert _envelope_rows(page.text) == {}


def _geweigerd_rows(text: str) -> dict[int, str]:
    rows = re.findall(r'<tr data-geweigerd="(\d+)">(.*?)</tr>', text, re.S)
    return {int(i): " ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split()) for i, row in rows}


def test_a_jw301_refused_in_the_chain_is_on_the_deadlines_board_for_the_cjg(keten, parties, sessions, users):
    di01, sent = _jw301_by_ggk(keten, parties, sessions)
    login(keten.http, "marieke")
    board = keten.http.get("/termijnen")
    assert board.status_code == 200, board.text
    assert _geweigerd_rows(board.text) == {}  # delivered: nothing to act on
    assert "Geen berichten geweigerd in de keten." in board.text
    _refuse(keten, di01)
    board = keten.http.get("/termijnen").text
    [(bericht_id, row)] = _geweigerd_rows(board).items()
    assert bericht_id == sent.bericht_id
    assert f'<a href="/berichten/{sent.bericht_id}">JW301' in board
    assert "geweigerd in de keten: BRS04 Geadresseerde niet aangesloten bij VECOZO (door VECOZO)" in row
    assert AGB in row
    assert "Geweigerd in de keten (1)" in board


@contextmanager
def _statements():
    """The SQL statements any engine runs inside the block."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)
    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def _cells(text: str, attribute: str) -> dict[int, str]:
    return {int(i): " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())
            for i, cell in re.findall(rf'<td {attribute}="(\d+)">(.*?)</td>', text, re.S)}


def test_the_message_log_shows_kanaal_and_envelope_status_in_one_query(keten, parties, sessions, users):
    di01, refused = _jw301_by_ggk(keten, parties, sessions)  # AGJ by the API, its JW301 by the chain
    _refuse(keten, di01)
    ref = stuf.new_referentienummer()
    keten.send("Di01", "JW315", request("JW315", "GGK3151"), ref)  # a request by the chain
    keten.work()
    [received] = envelopes(sessions, richting="in", referentienummer=ref)
    [answer] = envelopes(sessions, richting="uit", cross_refnummer=ref)
    assert (answer.soort, answer.bericht_id, answer.status) == ("Du01", received.bericht_id, "afgeleverd")
    login(keten.http, "marieke")
    with _statements() as seen:
        page = keten.http.get("/berichten")
    assert page.status_code == 200, page.text
    assert len([s for s in seen if "envelop" in s.lower()]) == 1  # one query for the whole page
    kanaal, status = _cells(page.text, "data-kanaal"), _cells(page.text, "data-envelop-status")
    assert kanaal[refused.bericht_id] == "ggk" and status[refused.bericht_id] == "geweigerd"
    # A received Di01 shows the status of the envelope that carried it, not of its Du01 answer.
    assert kanaal[received.bericht_id] == "ggk" and status[received.bericht_id] == "ontvangen"
    by_api = [i for i in kanaal if i not in (refused.bericht_id, received.bericht_id)]
    assert by_api and all(kanaal[i] == "api" and status[i] == "–" for i in by_api)


def test_an_envelope_the_adapter_did_not_take_yet_shows_it_is_being_retried(keten, parties, sessions, users):
    with unit_of_work(sessions) as session:
        set_kanaal(session, AGB, "ggk")
    keten.stub.fail_next(1)
    assert api_post(keten.http, parties["provider"], request("AGJ", "AGJ3")).status_code == 202
    keten.work()
    [sent] = envelopes(sessions, richting="uit", functie="JW301")
    assert sent.status == "te_verzenden"
    login(keten.http, "marieke")
    rows = _envelope_rows(keten.http.get(f"/berichten/{sent.bericht_id}").text)
    assert "opnieuw proberen (1 poging mislukt)" in " ".join(rows[sent.id].split())


def test_the_message_chain_shows_how_each_link_travelled(keten, parties, sessions, users):
    di01, sent = _jw301_by_ggk(keten, parties, sessions)
    _refuse(keten, di01)
    login(keten.http, "marieke")
    page = keten.http.get(f"/berichten/{sent.bericht_id}").text
    chain = page.split('<ol class="keten">', 1)[1].split("</ol>", 1)[0]
    links = {int(i): " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())
             for i, body in re.findall(r'<li data-bericht="(\d+)"[^>]*>(.*?)</li>', chain, re.S)}
    assert "via GGk: geweigerd" in links[sent.bericht_id]
    aanvraag = [i for i, text in links.items() if i != sent.bericht_id]
    assert aanvraag and all("via GGk" not in links[i] for i in aanvraag)  # the AGJ came by the API
