"""The client page (/clienten/{id}) and the beschikking page (/beschikkingen/{id}): the
trajectory on steps 17A-23 with dates and links, beschikkingen with bezwaar, toewijzingen,
deliveries and signals; 404, 403, the access log, and nothing changed by a GET."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import event, func, select

from gateway.db.models import (
    Aanvraag,
    AuditRegel,
    Base,
    Bericht,
    Beschikking,
    Bezwaar,
    Client,
    PostbusItem,
    Signaal,
    Zorglevering,
)
from gateway.readmodels.tijdlijn import for_client
from tests.backoffice import csrf_of, login
from tests.integration.test_leveringen import ACCEPTED, send
from tests.regie import Start, Stop
from tests.route import aanvragen, fetch, json_auth, post, postbus, request, retour_for, run_work, texts

BSN = "999994323"


def _client_id(sessions, bsn: str = BSN) -> int:
    with sessions() as session:
        return session.scalar(select(Client.id).where(Client.gemeente == "0363", Client.bsn == bsn))


def _step(html: str, stap: str) -> str:
    """The <li> of step `stap` in the (first) timeline, with its class attribute."""
    match = re.search(r"<li( class=\"open\")?>\s*<strong>[^<]+</strong> <span class=\"klein\">\(stap "
                      + re.escape(stap) + r"\)</span>(.*?)</li>", html, re.S)
    assert match, f"step {stap} not on the page"
    return ("open " if match.group(1) else "bereikt ") + match.group(2)


def _hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


def _audit(sessions) -> list[tuple]:
    with sessions() as session:
        return session.execute(select(AuditRegel.gebruiker, AuditRegel.actie, AuditRegel.object_type,
                                      AuditRegel.object_id, AuditRegel.client_id).order_by(AuditRegel.id)).all()


def _counts(sessions) -> dict[str, int]:
    """Rows per table, except the access log and the sessions (a GET may write those)."""
    with sessions() as session:
        return {t.name: session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables
                if t.name not in ("audit_regel", "sessie")}


@pytest.fixture
def route(client, parties, sessions, published, app, users):
    """AGJ (granted automatically) → beschikking, bezwaar → JW301 fetched and confirmed by a
    JW302 → JW305 start → JW307 stop reported late (a signal)."""
    assert post(client, parties["provider"], request("AGJ", "CLP-AGJ1", "VB-REF-CLP")).status_code == 202
    run_work(app, published)
    [aanvraag] = aanvragen(client, parties["gemeente"])
    gemeente = json_auth(parties["gemeente"])
    nummer_beschikking = client.get(aanvraag["href"], headers=gemeente).json()["beschikking"]["nummer"]
    assert client.post(f"/api/v1/beschikkingen/{nummer_beschikking}/bezwaren", headers=gemeente,
                       json={"ontvangen_op": "2026-11-23", "indiener": "moeder"}).status_code == 201
    [item] = postbus(client, parties["provider"])
    jw301 = fetch(client, parties["provider"], item)
    [nummer] = texts(jw301, "//jw301:ToewijzingNummer")
    assert post(client, parties["provider"], retour_for(jw301)).status_code == 202
    assert send(client, parties, Start(nummer=nummer, begindatum="2026-09-16")) == ACCEPTED
    assert send(client, parties, Stop(nummer=nummer, begindatum="2026-09-16", einddatum="2026-11-13")) == ACCEPTED
    with sessions() as session:
        stored = session.get(Aanvraag, aanvraag["id"])
        beschikking = session.scalar(select(Beschikking).where(Beschikking.aanvraag_id == stored.id))
        start = session.scalar(select(Zorglevering))
        confirmed = session.get(PostbusItem, item["id"])
        ids = {"aanvraag": stored.id, "aanvraag_bericht": stored.bericht_id, "beschikking": beschikking.id,
               "beschikking_nummer": beschikking.nummer, "jw301": item["id"], "jw302": confirmed.retour_bericht_id,
               "jw305": start.bericht_id, "jw307": start.stops[0].bericht_id, "toewijzing": int(nummer)}
    return ids


def test_client_page_shows_the_whole_route_with_dates_and_links(client, sessions, route):
    client_id = _client_id(sessions)
    login(client, "marieke")
    response = client.get(f"/clienten/{client_id}")
    assert response.status_code == 200, response.text
    html = response.text
    assert "<h1>Sem de Wit</h1>" in html and f"<dd>{BSN}</dd>" in html and "22 februari 2018" in html

    # Every step, those reached in the order of their dates, then those still to come; with
    # the messages that moved them.
    timeline = html[html.index('<ol class="tijdlijn">'):]
    timeline = timeline[:timeline.index("</ol>")]
    assert sorted(re.findall(r"\(stap (\d\d[A-D]?(?:/20A)?)\)</span>", timeline)) == [
        "17A", "17B", "17C", "17D", "18/20A", "20", "21", "22", "23"]
    dates = re.findall(r'<time datetime="([0-9-]+)">', timeline)
    assert len(dates) >= 5 and dates == sorted(dates)
    assert 'class="open"' not in timeline  # the whole route is reached here
    assert _step(html, "17A").startswith("bereikt") and "23 november 2026" in _step(html, "17A")
    assert f'href="/berichten/{route["aanvraag_bericht"]}"' in _step(html, "17A")
    assert "beschikking nodig" in _step(html, "17A")
    assert f'href="/berichten/{route["jw301"]}"' in _step(html, "17B")  # answered by the JW301
    assert f'href="/beschikkingen/{route["beschikking"]}"' in _step(html, "17C")
    assert "bereikt" in _step(html, "17D") and "moeder" in _step(html, "17D")
    assert _step(html, "18/20A").startswith("bereikt") and f'/berichten/{route["jw301"]}"' in _step(html, "18/20A")
    assert f'href="/berichten/{route["jw302"]}"' in _step(html, "20")
    step21 = _step(html, "21")
    assert step21.startswith("bereikt") and "16 september 2026" in step21
    assert f'href="/berichten/{route["jw305"]}"' in step21
    assert f'href="/berichten/{route["jw307"]}"' in _step(html, "22")
    step23 = _step(html, "23")
    assert step23.startswith("bereikt") and "13 november 2026" in step23
    assert f'href="/berichten/{route["jw307"]}"' in step23 and "volgens plan" in step23

    # Beschikking with its bezwaar, the toewijzing, the delivery and its stop, the signal.
    assert f'<a href="/beschikkingen/{route["beschikking"]}">{route["beschikking_nummer"]}</a>' in html
    assert "ontvangen 23 november 2026 van moeder" in html
    toewijzingen = html.split("<h2>Toewijzingen</h2>")[1].split("<h2>")[0]
    assert f'<a href="/berichten/{route["jw301"]}">{route["toewijzing"]}</a>' in toewijzingen
    assert "4 uur per week" in toewijzingen and "Jeugdhulp ambulant individueel" in toewijzingen
    assert "15 september 2026 – 14 maart 2027" in toewijzingen and "loopt" in toewijzingen
    leveringen = html.split("<h2>Zorglevering</h2>")[1].split("<h2>")[0]
    assert "16 september 2026" in leveringen and f'<a href="/berichten/{route["jw305"]}">JW305</a>' in leveringen
    assert "einde 13 november 2026:" in leveringen and "31 Levering volgens plan beëindigd" in leveringen
    assert f'<a href="/berichten/{route["jw307"]}">JW307</a>' in leveringen
    assert "Einde te laat gemeld" in html and "OP272" in html
    assert f'href="/aanvragen/{route["aanvraag"]}"' in html
    # The latest messages, newest first, with links.
    listed = [int(i) for i in re.findall(r'<td><a href="/berichten/(\d+)">', html.split("<h2>Berichten</h2>")[1])]
    assert listed == sorted(listed, reverse=True) and route["jw307"] in listed and route["aanvraag_bericht"] in listed

    # The URL is the internal id; no link on the page carries the BSN.
    assert str(client_id) != BSN
    assert not [h for h in _hrefs(html) if BSN in h]


def test_timeline_agrees_with_the_api_trajectory(client, sessions, route, app, parties):
    with sessions() as session:
        client_row = session.get(Client, _client_id(sessions))
        data = for_client(session, client_row, app.state.ctx.today(), app.state.ctx.reference)
        [tr] = data.trajecten
        ours = {s.stap: s for s in tr.stappen if s.bereikt}
    theirs = client.get(f"/api/v1/aanvragen/{route['aanvraag']}/traject",
                        headers={"Authorization": f"Bearer {parties['gemeente']}"}).json()["stappen"]
    assert [s["stap"] for s in theirs] == list(ours) == ["17A", "17B", "17C", "17D", "18/20A", "20", "21", "22", "23"]
    for step in theirs:
        assert ours[step["stap"]].datum.isoformat() == step["datum"], step["stap"]
        if step["bericht_id"] is not None:
            assert step["bericht_id"] in [link.bericht_id for link in ours[step["stap"]].berichten], step["stap"]
    assert tr.huidige_stap == "23"


def test_steps_not_reached_are_open(client, parties, sessions, published, app, users):
    assert post(client, parties["provider"], request("AGJ", "CLP-AGJ2", "VB-REF-CLQ")).status_code == 202
    run_work(app, published)
    client_id = _client_id(sessions)
    login(client, "marieke")
    html = client.get(f"/clienten/{client_id}").text
    for stap in ("17A", "17B", "17C"):
        assert _step(html, stap).startswith("bereikt"), stap
    for stap in ("17D", "18/20A", "20", "21", "22", "23"):
        assert _step(html, stap).startswith("open"), stap
    assert "klaar in de postbus" in _step(html, "18/20A")
    [item] = postbus(client, parties["provider"])
    fetch(client, parties["provider"], item)
    html = client.get(f"/clienten/{client_id}").text
    assert _step(html, "18/20A").startswith("bereikt") and _step(html, "20").startswith("open")
    # The bezwaar step, not reached, now comes after the fetch that was.
    order = re.findall(r"\(stap (\d\d[A-D]?(?:/20A)?)\)</span>", html)
    assert order[:4] == ["17A", "17B", "17C", "18/20A"] and order[4] == "17D"


def test_a_rejected_jw301_is_shown_at_step_20(client, parties, sessions, published, app, users):
    assert post(client, parties["provider"], request("AGJ", "CLP-AGJ3", "VB-REF-CLR")).status_code == 202
    run_work(app, published)
    [item] = postbus(client, parties["provider"])
    jw301 = fetch(client, parties["provider"], item)
    assert post(client, parties["provider"], retour_for(jw301, ["0200", "8001"])).status_code == 202
    login(client, "marieke")
    html = client.get(f"/clienten/{_client_id(sessions)}").text
    step20 = _step(html, "20")
    assert step20.startswith("open") and "afgekeurd" in step20 and "8001" in step20
    assert "afgekeurd door de aanbieder" in html


def test_deleted_deliveries_are_marked(client, parties, sessions, users, toewijzing_100001):
    assert send(client, parties, Start(begindatum="2026-09-21")) == ACCEPTED
    assert send(client, parties, Start(begindatum="2026-09-21", status="3")) == ACCEPTED
    assert send(client, parties, Start(begindatum="2026-09-22")) == ACCEPTED
    login(client, "marieke")
    html = client.get(f"/clienten/{_client_id(sessions)}").text
    assert html.count('<tr class="verwijderd">') == 1
    deleted = html.split('<tr class="verwijderd">')[1].split("</tr>")[0]
    assert "21 september 2026" in deleted and "verwijderd" in deleted
    assert "Er is geen aanvraag van deze cliënt" in html  # known only from its deliveries
    assert "<h1>Cliënt zonder bekende naam</h1>" in html


def test_the_view_is_logged_and_nothing_else_changes(client, sessions, route):
    client_id = _client_id(sessions)
    login(client, "marieke")
    before = _counts(sessions)
    assert client.get(f"/clienten/{client_id}").status_code == 200
    assert client.get(f"/beschikkingen/{route['beschikking']}").status_code == 200
    assert _counts(sessions) == before
    log = _audit(sessions)
    assert ("marieke", "bekijken", "client", str(client_id), client_id) in log
    assert ("marieke", "bekijken", "beschikking", str(route["beschikking"]), client_id) in log


def test_unknown_ids_give_the_404_page_and_roles_are_checked(client, sessions, route):
    assert client.get("/clienten/1", follow_redirects=False).status_code == 303  # no session
    login(client, "marieke")
    for path in ("/clienten/999999", "/clienten/abc", f"/clienten/{BSN}", "/beschikkingen/999999",
                 "/beschikkingen/0363-2026-000001"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Niet gevonden" in response.text
    assert not [r for r in _audit(sessions) if r[1] == "bekijken"]  # a 404 is not a view
    login(client, "fenna")
    assert client.get(f"/clienten/{_client_id(sessions)}").status_code == 403
    assert client.get(f"/beschikkingen/{route['beschikking']}").status_code == 403
    assert not [r for r in _audit(sessions) if r[1] == "bekijken"]
    login(client, "beheer")
    assert client.get(f"/clienten/{_client_id(sessions)}").status_code == 200


def test_beschikking_page_shows_the_document_and_links(client, sessions, route):
    login(client, "marieke")
    response = client.get(f"/beschikkingen/{route['beschikking']}")
    assert response.status_code == 200
    html = response.text
    assert f"<h1>Beschikking {route['beschikking_nummer']}</h1>" in html
    assert "Besluit over uw aanvraag jeugdhulp" in html and "wij kennen jeugdhulp toe" in html
    assert "Jeugdhulp ambulant individueel" in html and "*****4323" in html
    assert f'href="/clienten/{_client_id(sessions)}"' in html and f'href="/aanvragen/{route["aanvraag"]}"' in html
    # One page: the document's own <html>, <style> and <main> are not nested into it (CSP).
    assert html.count("<html") == 1 and "<style" not in html and "style=" not in html
    assert html.count("<main") == 1
    assert "moeder" in html  # the bezwaar registered through the API
    assert not [h for h in _hrefs(html) if BSN in h]


def _bezwaren(sessions) -> list[tuple]:
    with sessions() as session:
        return session.execute(select(Bezwaar.ontvangen_op, Bezwaar.indiener, Bezwaar.toelichting)
                               .order_by(Bezwaar.id)).all()


def test_bezwaar_form_registers_through_the_domain(client, sessions, route):
    login(client, "marieke")
    path = f"/beschikkingen/{route['beschikking']}"
    token = csrf_of(client.get(path).text)
    response = client.post(f"{path}/bezwaren", data={"csrf_token": token, "ontvangen_op": "2026-11-23",
                                                     "indiener": "vader", "toelichting": "Te weinig uren."},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"{path}?bezwaar=geregistreerd"
    assert _bezwaren(sessions)[-1] == (date(2026, 11, 23), "vader", "Te weinig uren.")
    assert "Het bezwaar is geregistreerd." in client.get(response.headers["location"]).text
    assert ("marieke", "bezwaar_geregistreerd", "beschikking", str(route["beschikking"]),
            _client_id(sessions)) in _audit(sessions)


def test_bezwaar_form_shows_errors_beside_the_fields(client, sessions, route):
    login(client, "marieke")
    path = f"/beschikkingen/{route['beschikking']}"
    token = csrf_of(client.get(path).text)
    before = _bezwaren(sessions)
    empty = client.post(f"{path}/bezwaren", data={"csrf_token": token, "ontvangen_op": "gisteren", "indiener": " "})
    assert empty.status_code == 422
    assert 'id="ontvangen_op" name="ontvangen_op" type="date" value="gisteren"' in empty.text
    assert re.search(r'aria-invalid="true" aria-describedby="fout-ontvangen_op"', empty.text)
    assert 'id="fout-indiener"' in empty.text and "Vul in wie het bezwaar indient" in empty.text
    early = client.post(f"{path}/bezwaren", data={"csrf_token": token, "ontvangen_op": "01-09-2026",
                                                   "indiener": "vader"})
    assert early.status_code == 422 and 'id="fout-ontvangen_op"' in early.text
    assert "vóór de beschikking" in early.text and 'value="vader"' in early.text
    future = client.post(f"{path}/bezwaren", data={"csrf_token": token, "ontvangen_op": "2027-01-04",
                                                    "indiener": "vader"})
    assert future.status_code == 422 and "in de toekomst" in future.text
    forged = client.post(f"{path}/bezwaren", data={"csrf_token": "fout", "ontvangen_op": "2026-11-23",
                                                    "indiener": "vader"})
    assert forged.status_code == 403
    assert _bezwaren(sessions) == before


def test_client_page_query_count_does_not_grow_with_the_data(client, parties, sessions, published, app, users):
    """No N+1: the same number of statements for one aanvraag as for three, with more messages."""
    statements = []

    def count(*_args):
        statements.append(1)

    def page_statements(client_id: int) -> int:
        statements.clear()
        event.listen(app.state.engine, "before_cursor_execute", count)
        try:
            assert client.get(f"/clienten/{client_id}").status_code == 200
        finally:
            event.remove(app.state.engine, "before_cursor_execute", count)
        return len(statements)

    assert post(client, parties["provider"], request("AGJ", "CLP-N1", "VB-REF-N1")).status_code == 202
    run_work(app, published)
    login(client, "marieke")
    client_id = _client_id(sessions)
    one = page_statements(client_id)
    for n, month in ((2, 4), (3, 6)):  # later periods, so no overlap sends them to the CJG
        assert post(client, parties["provider"], request(
            "AGJ", f"CLP-N{n}", f"VB-REF-N{n}",
            [("<agj:ToewijzingIngangsdatum>2026-09-15<", f"<agj:ToewijzingIngangsdatum>2027-0{month}-01<"),
             ("<agj:ToewijzingEinddatum>2027-03-14<", f"<agj:ToewijzingEinddatum>2027-0{month}-30<")])).status_code == 202
        run_work(app, published)
    for item in postbus(client, parties["provider"]):
        jw301 = fetch(client, parties["provider"], item)
        assert post(client, parties["provider"], retour_for(jw301)).status_code == 202
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Aanvraag).where(Aanvraag.status == "toegekend")) == 3
        assert session.scalar(select(func.count()).select_from(Beschikking)) == 3
        assert session.scalar(select(func.count()).select_from(Bericht).where(Bericht.bsn == BSN)) >= 6
    assert page_statements(client_id) == one


def test_signals_of_another_gemeente_or_client_are_not_shown(client, sessions, route):
    with sessions() as session:
        session.add_all([
            Signaal(gemeente="0599", aanbieder="12345678", bsn=BSN, soort="geen_start", melding="ANDERE-GEMEENTE",
                    datum=date(2026, 11, 20), sleutel="test|1"),
            Signaal(gemeente="0363", aanbieder="12345678", bsn="999990019", soort="geen_start",
                    melding="ANDERE-CLIENT", datum=date(2026, 11, 20), sleutel="test|2")])
        session.commit()
    login(client, "marieke")
    html = client.get(f"/clienten/{_client_id(sessions)}").text
    assert "ANDERE-GEMEENTE" not in html and "ANDERE-CLIENT" not in html


def test_texts_from_the_aanvraag_stay_text_in_the_embedded_document(client, parties, sessions, published, app, users):
    hostile = "&lt;/main&gt;&lt;/body&gt;&lt;script src=x&gt;&lt;/script&gt; hulp"
    xml = request("AGJ", "CLP-XSS", "VB-REF-XSS", [(
        "<agj:Hulpvraag>Gezin vraagt ondersteuning na de scheiding; de kinderen pendelen tussen twee huizen.<",
        f"<agj:Hulpvraag>{hostile}<")])
    assert post(client, parties["provider"], xml).status_code == 202
    run_work(app, published)
    with sessions() as session:
        beschikking_id = session.scalar(select(Beschikking.id))
    login(client, "marieke")
    html = client.get(f"/beschikkingen/{beschikking_id}").text
    assert "&lt;/main&gt;&lt;/body&gt;&lt;script src=x&gt;&lt;/script&gt; hulp" in html
    assert "<script" not in html and html.count("</main>") == 1 and html.count("</body>") == 1


# ---------------------------------------------------------------- the client search

def _remember(sessions, bsn: str, voornamen: str, voorvoegsel: str | None, achternaam: str,
              gemeente: str = "0363") -> int:
    """A client known from an aanvraag with this name (the domain's own bookkeeping)."""
    from lxml import etree

    from gateway.db.session import unit_of_work
    from gateway.domain.aanvraag import clienten

    b = "http://www.istandaarden.nl/ijw/3_2/basisschema/schema"
    prefix = f"<b:Voorvoegsel>{voorvoegsel}</b:Voorvoegsel>" if voorvoegsel else ""
    element = etree.fromstring(
        f'<Client xmlns="http://www.istandaarden.nl/ijw/3_2/jw301/schema" xmlns:b="{b}"><Bsn>{bsn}</Bsn>'
        f"<Naam><b:Geslachtsnaam><b:Achternaam>{achternaam}</b:Achternaam>{prefix}</b:Geslachtsnaam>"
        f"<b:Voornamen>{voornamen}</b:Voornamen></Naam></Client>".encode())
    with unit_of_work(sessions) as session:
        clienten.remember(session, gemeente, bsn, element, None)
    return _client_id(sessions, bsn)


_FOUND = re.compile(r'<tr data-client="(\d+)">')


def _search(client, q: str) -> list[int]:
    response = client.get("/clienten", params={"q": q})
    assert response.status_code == 200, response.text
    return [int(i) for i in _FOUND.findall(response.text)]


@pytest.fixture
def namen(sessions, users):
    return {"zoe": _remember(sessions, "999993653", "Zoë", "van der", "Meer"),
            "jan": _remember(sessions, "999991772", "Jan", None, "Meerman"),
            "eef": _remember(sessions, "123456782", "Eef", None, "Jansen")}


def test_search_by_part_of_the_name_ignores_case_and_accents(client, namen):
    login(client, "marieke")
    assert _search(client, "mee") == [namen["jan"], namen["zoe"]]  # by name: "Jan Meerman" before "Zoë …"
    assert _search(client, "zoe") == [namen["zoe"]]
    assert _search(client, "ZOË VAN DER") == [namen["zoe"]]
    assert _search(client, "van der meer") == [namen["zoe"]]
    assert _search(client, "Meer") == [namen["jan"], namen["zoe"]]
    assert _search(client, "jans") == [namen["eef"]]
    assert _search(client, "x") == []  # one letter is not a search
    assert _search(client, "%") == [] and _search(client, "_e") == []  # LIKE's wildcards are text


def test_search_lists_name_and_masked_bsn_only(client, namen):
    login(client, "marieke")
    html = client.get("/clienten", params={"q": "zoe"}).text
    assert "Zoë van der Meer" in html and "*****3653" in html and "999993653" not in html
    assert f'href="/clienten/{namen["zoe"]}"' in html
    assert "1 cliënt gevonden" in html


def test_search_by_bsn_with_or_without_spaces(client, namen):
    login(client, "marieke")
    for q in ("123456782", "1234 56 782", " 1234.56.782 "):
        assert _search(client, q) == [namen["eef"]], q
    assert _search(client, "1234 56 783") == []


def test_search_by_the_keys_of_messages_and_beschikkingen_in_any_case(client, sessions, route):
    client_id = _client_id(sessions)
    login(client, "marieke")
    assert _search(client, "wit") == [client_id]  # the AGJ's name: Sem de Wit
    for q in (str(route["toewijzing"]), "vb-ref-clp", "VB-REF-CLP", "clp-agj1", route["beschikking_nummer"].lower(),
              route["beschikking_nummer"]):
        assert _search(client, q) == [client_id], q
    assert _search(client, "VB-REF-ONBEKEND") == []


def test_search_is_logged_per_client_shown_without_the_search_text(client, sessions, namen):
    login(client, "marieke")
    _search(client, "mee")
    entries = [e for e in _audit(sessions) if e[1] == "zoeken"]
    assert sorted(entries) == sorted([("marieke", "zoeken", "clienten", None, namen["jan"]),
                                      ("marieke", "zoeken", "clienten", None, namen["zoe"])])


def test_search_needs_the_cjg_role_and_reads_its_text_safely(client, namen):
    assert client.get("/clienten", params={"q": "zoe"}, follow_redirects=False).status_code == 303
    login(client, "fenna")
    assert client.get("/clienten", params={"q": "zoe"}).status_code == 403
    login(client, "marieke")
    assert client.get("/clienten", params={"q": "z" * 101}).status_code == 400
    assert client.get("/clienten", params={"q": "zo\x00e"}).status_code == 400
    empty = client.get("/clienten")
    assert empty.status_code == 200 and "Geen cliënten gevonden" not in empty.text


def test_the_aanvragen_list_names_the_client_beside_the_masked_bsn(client, sessions, route):
    login(client, "marieke")
    page = client.get("/aanvragen", params={"status": "toegekend"})
    assert page.status_code == 200, page.text
    assert 'Sem de Wit<br><span class="klein">*****4323</span>' in page.text
    assert BSN not in page.text
