"""The message log (/berichten) and the message page (/berichten/{id}): filters, the search
box, keyset pages, the rule report, the chain of a message, roles and the access log.
SQLite, and PostgreSQL with GATEWAY_TEST_DATABASE_URL."""
from __future__ import annotations

import hashlib
import html
import itertools
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from gateway.db.models import AuditRegel, Bericht, Client, Partij
from gateway.db.session import unit_of_work
from gateway.readmodels import keten
from gateway.reference import load_reference
from gateway.settings import PROJECT_ROOT
from tests.backoffice import login
from tests.regie import Start, Stop, message
from tests.route import aanvragen, besluit, fetch, post, postbus, request, retour_for, run_work, texts
from tests.support import edit, example

BSN = "999994323"
MASKED = "*****4323"
_ROW_LINK = re.compile(r'<td class="getal"><a href="/berichten/(\d+)">')
_CHAIN = re.compile(r'<li data-bericht="(\d+)"')
_SHA = itertools.count(1)


def listed(page) -> list[int]:
    """The message ids of a list page, in the order shown."""
    assert page.status_code == 200, page.text
    return [int(i) for i in _ROW_LINK.findall(page.text)]


def chain(page) -> list[int]:
    assert page.status_code == 200, page.text
    return [int(i) for i in _CHAIN.findall(page.text)]


def bericht_id(answer) -> int:
    return int(answer.headers["location"].rsplit("/", 1)[1])


def party_id(sessions, code: str) -> int:
    with sessions() as session:
        return session.scalar(select(Partij.id).where(Partij.code == code))


def store(sessions, *, partij: str = "12345678", richting: str = "in", berichttype: str = "JW305",
          status: str = "accepted", bsn: str | None = BSN, identificatie: str | None = None,
          ontvangen_op: datetime | None = None, afzender: str | None = None,
          ontvanger: str | None = None, retourcodes: list[str] | None = None) -> int:
    """A message row written directly (for filters and pages: no rules needed)."""
    pid = party_id(sessions, partij)
    gemeente_uit = richting == "uit"
    with unit_of_work(sessions) as session:
        row = Bericht(richting=richting, partij_id=pid, berichttype=berichttype,
                      afzender=afzender or ("0363" if gemeente_uit else partij),
                      ontvanger=ontvanger or (partij if gemeente_uit else "0363"),
                      identificatie=identificatie, bsn=bsn, status=status,
                      niveau=0 if status == "accepted" else 2, retourcodes=retourcodes if retourcodes is not None else [] if status == "accepted" else ["0001"],
                      inhoud=b"<x/>", inhoud_sha256=hashlib.sha256(str(next(_SHA)).encode()).hexdigest(),
                      ontvangen_op=ontvangen_op or datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
        session.add(row)
        session.flush()
        return row.id


def test_list_is_newest_first_with_the_bsn_masked(client, parties, users, toewijzing_100001):
    first = bericht_id(post(client, parties["provider"], example("JW305")))
    second = bericht_id(post(client, parties["provider"], example("JW307")))
    login(client, "marieke")
    page = client.get("/berichten")
    assert listed(page) == [second, first]
    assert BSN not in page.text
    assert page.text.count(MASKED) == 2
    assert "geaccepteerd" in page.text and "Zorg BV" in page.text  # status in Dutch, provider by name
    assert "Oudere berichten" not in page.text and "Nieuwste berichten" not in page.text
    # each type in the words of the work beside its code
    assert 'JW305<br><span class="klein">start zorg</span>' in page.text
    assert 'JW307<br><span class="klein">stop zorg</span>' in page.text


def test_each_filter_alone_and_combined(client, parties, users, sessions):
    jw305 = store(sessions, berichttype="JW305")
    rejected = store(sessions, berichttype="JW307", status="rejected")
    invalid = store(sessions, berichttype=None, status="invalid", bsn=None)
    other = store(sessions, partij="87654321", berichttype="AGJ")
    outbound = store(sessions, richting="uit", berichttype="JW301")
    early = store(sessions, berichttype="JW305", ontvangen_op=datetime(2026, 10, 1, 9, 0, tzinfo=UTC))
    login(client, "marieke")

    def ids(query: str) -> list[int]:
        return listed(client.get(f"/berichten?{query}"))

    assert ids("") == [early, outbound, other, invalid, rejected, jw305]
    assert ids("berichttype=JW305") == [early, jw305]
    assert ids("status=rejected") == [rejected]
    assert ids("status=invalid") == [invalid]
    assert ids("aanbieder=87654321") == [other]
    # Outbound messages belong to the provider they were sent to.
    assert ids("aanbieder=12345678") == [early, outbound, invalid, rejected, jw305]
    assert ids("richting=uit") == [outbound]
    assert ids("van=2026-10-01&tot=2026-10-31") == [early]
    assert ids("van=2026-11-01") == [outbound, other, invalid, rejected, jw305]
    assert ids("berichttype=JW305&van=01-11-2026") == [jw305]  # as typed, dd-mm-jjjj
    assert ids("aanbieder=12345678&status=accepted&richting=in") == [early, jw305]
    assert ids("berichttype=JW319") == []
    page = client.get("/berichten?berichttype=JW319")
    assert "Geen berichten gevonden met deze filters" in page.text
    # The form shows the chosen values again.
    page = client.get("/berichten?status=rejected&aanbieder=87654321")
    assert '<option value="rejected" selected>afgekeurd</option>' in page.text
    assert '<option value="87654321" selected>87654321 Ander BV</option>' in page.text


def test_the_period_is_inclusive_in_dutch_time(client, parties, users, sessions):
    # 23:30 UTC on the 22nd is 00:30 on the 23rd in Amsterdam (winter time, UTC+1).
    late = store(sessions, ontvangen_op=datetime(2026, 11, 22, 23, 30, tzinfo=UTC))
    login(client, "marieke")
    assert listed(client.get("/berichten?van=2026-11-23&tot=2026-11-23")) == [late]
    assert listed(client.get("/berichten?tot=2026-11-22")) == []
    assert listed(client.get("/berichten?van=2026-11-24")) == []


def _route(client, parties, published, app) -> dict[str, int]:
    """AGJ → JW301 → JW302 → JW305 → JW307 through the API; returns the message ids."""
    ids = {"AGJ": bericht_id(post(client, parties["provider"], request("AGJ", "KETEN1", "VB-REF-K1")))}
    assert run_work(app, published) == ["done"]
    [item] = postbus(client, parties["provider"])
    jw301 = fetch(client, parties["provider"], item)
    [nummer] = texts(jw301, "//jw301:ToewijzingNummer")
    ids["JW301"] = item["id"]
    answer = post(client, parties["provider"], retour_for(jw301))
    assert answer.status_code == 202, answer.text
    ids["JW302"] = answer.json()["id"]
    start = post(client, parties["provider"], message(Start(nummer=nummer, begindatum="2026-09-16")))
    assert start.status_code == 202, start.text
    ids["JW305"] = bericht_id(start)
    stop = post(client, parties["provider"], message(Stop(nummer=nummer, begindatum="2026-09-16",
                                                          einddatum="2026-11-13")))
    assert stop.status_code == 202, stop.text
    ids["JW307"] = bericht_id(stop)
    ids["nummer"] = int(nummer)
    return ids


def test_search_by_bsn_toewijzingnummer_referentie_and_identificatie(client, parties, users, published, app,
                                                                      sessions):
    ids = _route(client, parties, published, app)
    elsewhere = store(sessions, bsn="999990421", berichttype="JW305")  # another client
    login(client, "marieke")
    # (An accepted JW302 is only a Header: no BSN, no number; it is found by its identificatie.)
    everything = [ids["JW307"], ids["JW305"], ids["JW301"], ids["AGJ"]]
    assert listed(client.get(f"/berichten?q={BSN}")) == everything
    assert listed(client.get(f"/berichten?q=+{BSN}+")) == everything  # spaces around do not matter
    # ToewijzingNummer: the JW301 that assigned it, start and stop.
    assert listed(client.get(f"/berichten?q={ids['nummer']}")) == [ids["JW307"], ids["JW305"], ids["JW301"]]
    # ReferentieAanbieder: the aanvraag and the JW301 that honours it.
    assert listed(client.get("/berichten?q=VB-REF-K1")) == [ids["JW301"], ids["AGJ"]]
    assert listed(client.get("/berichten?q=KETEN1")) == [ids["AGJ"]]  # BerichtIdentificatie
    with sessions() as session:
        jw301_identificatie = session.get(Bericht, ids["JW301"]).identificatie
    # The JW302 copies the JW301's Header (IV028): both carry its identificatie.
    assert listed(client.get(f"/berichten?q={jw301_identificatie}")) == [ids["JW302"], ids["JW301"]]
    assert listed(client.get("/berichten?q=bestaat-niet")) == []
    # The filters combine with the search.
    assert listed(client.get(f"/berichten?q={BSN}&berichttype=JW305")) == [ids["JW305"]]
    assert listed(client.get(f"/berichten?q={BSN}&richting=uit")) == [ids["JW301"]]
    assert listed(client.get("/berichten?q=999990421")) == [elsewhere]
    page = client.get(f"/berichten?q={BSN}")
    # Only the search box repeats what was typed; every row shows the BSN masked.
    assert page.text.count(BSN) == 1 and f'value="{BSN}"' in page.text
    assert page.text.count(MASKED) == len(everything)


def test_a_search_is_logged_without_the_bsn_and_with_the_client(client, parties, users, sessions,
                                                                toewijzing_100001):
    post(client, parties["provider"], example("JW305"))
    login(client, "marieke")
    client.get("/berichten")  # browsing the list is not a lookup of a person
    client.get(f"/berichten?q={BSN}")
    client.get("/berichten?q=100001")
    with sessions() as session:
        client_id = session.scalar(select(Client.id).where(Client.gemeente == "0363", Client.bsn == BSN))
        rows = session.scalars(select(AuditRegel).where(AuditRegel.actie == "zoeken").order_by(AuditRegel.id)).all()
        everything = session.scalars(select(AuditRegel)).all()
    assert client_id is not None
    assert [(r.gebruiker, r.object_type, r.object_id, r.client_id) for r in rows] == [
        ("marieke", "berichtenlog", None, client_id), ("marieke", "berichtenlog", None, None)]
    assert all(BSN not in (r.object_id or "") for r in everything)


def test_pages_of_fifty_with_older_and_newest_links(client, parties, users, sessions):
    made = [store(sessions, berichttype="JW305" if n % 2 else "JW307") for n in range(110)]
    login(client, "marieke")
    first = client.get("/berichten")
    assert listed(first) == made[::-1][:50]
    older = re.search(r'<a href="([^"]+)" rel="next">Oudere berichten</a>', first.text).group(1)
    assert html.unescape(older) == f"/berichten?voor={made[-50]}"
    second = client.get(html.unescape(older))
    assert listed(second) == made[::-1][50:100]
    assert '<a href="/berichten">Nieuwste berichten</a>' in second.text
    third = client.get(html.unescape(re.search(r'<a href="([^"]+)" rel="next">', second.text).group(1)))
    assert listed(third) == made[::-1][100:]
    assert "Oudere berichten" not in third.text
    # The filters go along to the next page.
    filtered = client.get("/berichten?berichttype=JW305&status=accepted")
    assert listed(filtered) == [i for i in made[::-1] if made.index(i) % 2][:50]
    link = html.unescape(re.search(r'<a href="([^"]+)" rel="next">', filtered.text).group(1))
    assert "berichttype=JW305" in link and "status=accepted" in link and "voor=" in link
    assert listed(client.get(link)) == [i for i in made[::-1] if made.index(i) % 2][50:]


def test_with_a_period_the_pages_follow_the_time_of_receipt(client, parties, users, sessions):
    # Rows whose receipt times run against their ids (as an import could make them): with a
    # period the log is newest first by ontvangen_op, and its pages still join up exactly.
    made = [store(sessions, ontvangen_op=datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
                  - n * (datetime(2026, 1, 2) - datetime(2026, 1, 1)) / 100) for n in range(70)]
    login(client, "marieke")
    first = client.get("/berichten?van=2026-11-01&tot=2026-11-30")
    assert listed(first) == made[:50]
    older = html.unescape(re.search(r'<a href="([^"]+)" rel="next">', first.text).group(1))
    assert "van=2026-11-01" in older and "tot=2026-11-30" in older and f"voor={made[49]}" in older
    assert listed(client.get(older)) == made[50:]
    assert listed(client.get("/berichten")) == made[::-1][:50]  # without a period: by id


@pytest.mark.parametrize("query, field, text", [
    ("van=gisteren", "van", "Vul een geldige datum in"),
    ("tot=2026-02-30", "tot", "Vul een geldige datum in"),
    ("van=31-02-2026", "van", "Vul een geldige datum in"),
    ("tot=9999-12-31", "tot", "Vul een geldige datum in"),
    ("van=2026-11-20&tot=2026-11-01", "tot", "De einddatum ligt vóór de begindatum"),
    ("berichttype=JW999", "berichttype", "Kies een berichttype"),
    ("berichttype=AGR", "berichttype", "Kies een berichttype"),  # a retour is not a row of the log
    ("status=weg", "status", "Kies een status"),
    ("richting=rond", "richting", "Kies ontvangen of verzonden"),
    ("aanbieder=11112222", "aanbieder", "Kies een aanbieder"),
    ("q=" + "x" * 37, "q", "hoogstens 36 tekens"),
    ("q=a%00b", "q", "hoogstens 36 tekens"),
])
def test_a_bad_filter_shows_the_form_again_with_the_error_at_the_field(client, parties, users, sessions,
                                                                       query, field, text):
    store(sessions)
    login(client, "marieke")
    page = client.get(f"/berichten?{query}")
    assert page.status_code == 400
    assert text in page.text
    assert f'id="{field}" name="{field}"' in page.text
    assert re.search(rf'id="{field}" name="{field}"[^>]*aria-invalid="true" aria-describedby="{field}-fout"',
                     page.text)
    assert f'<p class="veldfout" id="{field}-fout">' in page.text
    assert listed_or_none(page) == []  # no results under a filter that could not be read


def listed_or_none(page) -> list[int]:
    return [int(i) for i in _ROW_LINK.findall(page.text)]


@pytest.mark.parametrize("voor", ["abc", "-1", "1" * 11, "²"])
def test_a_bad_page_position_is_a_400_page(client, parties, users, voor):
    login(client, "marieke")
    page = client.get("/berichten", params={"voor": voor})
    assert page.status_code == 400
    assert "De paginering klopt niet" in page.text


def test_rejected_message_shows_its_rule_report_in_plain_dutch(client, parties, users, toewijzing_100001):
    bad_bsn = edit(example("JW305"), "<jw305:Bsn>999994323</jw305:Bsn>", "<jw305:Bsn>123456789</jw305:Bsn>")
    answer = post(client, parties["provider"], bad_bsn)
    assert answer.status_code == 422
    login(client, "marieke")
    page = client.get(f"/berichten/{bericht_id(answer)}")
    assert page.status_code == 200
    reference = load_reference(PROJECT_ROOT / "mappings")
    text = html.unescape(page.text)
    assert "afgekeurd" in text and "niveau 2: regels binnen het bericht" in text
    # The rule report: rule, retourcode with its meaning, where, the plain-Dutch explanation
    # and how to fix it, under their Dutch headings (design.md §7).
    assert "CS002" in text and "/Bericht/Client/Bsn" in text
    assert 'CS002<br><span class="klein">niveau 2: regels binnen het bericht</span>' in text  # the level in words
    assert '<th scope="col">Uitleg</th><th scope="col">Hoe op te lossen</th>' in page.text
    assert (f"<td>{reference.regels['CS002'].uitleg}</td>\n      <td>{reference.regels['CS002'].oplossing}</td>"
            in text)
    assert reference.retourcodes["0001"] in text
    # The message, pretty-printed and escaped; the key fields, the BSN in full on this page.
    assert "&lt;jw305:Bsn&gt;123456789&lt;/jw305:Bsn&gt;" in page.text
    assert "\n    <jw305:BerichtCode>438</jw305:BerichtCode>" in text
    assert "<dt>BSN</dt><dd>123456789" in page.text
    assert "VBJW3050001" in text and "22 september 2026" in text
    # Its retour: the JW306 with 0001 in the Header, and the HTTP status.
    assert "Retourbericht JW306: geweigerd: voldoet niet aan de regels <span class=\"klein\">(HTTP-status 422)</span>" in text
    assert "<jw306:RetourCode>0001</jw306:RetourCode>" in text


def test_level_1_message_shows_the_raw_text_the_problem_and_the_schema_message(client, parties, users):
    answer = post(client, parties["provider"], b"<Bericht><script>alert(1)</script><open></Bericht>")
    assert answer.status_code == 400
    login(client, "marieke")
    page = client.get(f"/berichten/{bericht_id(answer)}")
    assert page.status_code == 200
    assert "<script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "ongeldig" in page.text and "geen (veilig leesbare) XML" in page.text
    text = html.unescape(page.text)
    assert "Foutmelding (problem+json), geen retourbericht: geweigerd: onleesbaar of ongeldig" in text
    assert '"status": 400' in text
    reference = load_reference(PROJECT_ROOT / "mappings")
    assert reference.regels["XSD"].uitleg in text
    assert "Melding: geen goedgevormde XML" in text
    assert f"<td>{reference.regels['XSD'].oplossing}</td>" in text


def test_the_chain_of_the_full_route_from_every_message(client, parties, users, published, app, sessions):
    ids = _route(client, parties, published, app)
    order = [ids["AGJ"], ids["JW301"], ids["JW302"], ids["JW305"], ids["JW307"]]
    login(client, "marieke")
    for name in ("AGJ", "JW301", "JW302", "JW305", "JW307"):
        page = client.get(f"/berichten/{ids[name]}")
        assert chain(page) == order, name
        assert f'<li data-bericht="{ids[name]}" aria-current="page">' in page.text
    page = client.get(f"/berichten/{ids['JW305']}")
    for step in ("Aanvraag (aanvraagformulier)", "Toewijzing", "Retour op de toewijzing", "Start zorg",
                 "Stop zorg"):
        assert step in page.text
    assert "retour AGR" in page.text and "retour JW306" in page.text and "retour JW308" in page.text
    assert "bevestigd door de aanbieder" in page.text  # the JW301's postbus state
    for other in order[:3] + order[4:]:
        assert f'<a href="/berichten/{other}">' in page.text
    # The domain function gives the same, with the aanvraag.
    with sessions() as session:
        aanvraag_id = aanvragen(client, parties["gemeente"])[0]["id"]
        for name in ("AGJ", "JW301", "JW302", "JW305", "JW307"):
            found = keten.of(session, session.get(Bericht, ids[name]))
            assert (found.aanvraag_id, [s.bericht_id for s in found.schakels]) == (aanvraag_id, order), name
            assert [s.berichttype for s in found.schakels] == ["AGJ", "JW301", "JW302", "JW305", "JW307"]


def test_the_chain_of_a_rejected_aanvraag_with_jw319_and_jw320(client, parties, users, published, app):
    agj = bericht_id(post(client, parties["provider"], request("AGJ-GEEN-OVEREENSTEMMING", "KETEN2")))
    run_work(app, published)
    [aanvraag] = aanvragen(client, parties["gemeente"])
    assert besluit(client, parties["gemeente"], aanvraag["id"],
                   {"besluit": "afwijzen", "reden_afwijzing": "7"}).status_code == 202
    run_work(app, published)
    [item] = postbus(client, parties["provider"])
    jw319 = fetch(client, parties["provider"], item)
    jw320 = post(client, parties["provider"], retour_for(jw319)).json()["id"]
    login(client, "marieke")
    for shown in (agj, item["id"], jw320):
        page = client.get(f"/berichten/{shown}")
        assert chain(page) == [agj, item["id"], jw320]
    assert "Antwoord op het verzoek" in page.text and "Retour op het antwoord" in page.text


def test_the_chain_of_a_jw315_in_onderzoek_then_granted(client, parties, users, published, app):
    jw315 = bericht_id(post(client, parties["provider"], request("JW315", "KETEN3")))
    run_work(app, published)
    [aanvraag] = aanvragen(client, parties["gemeente"])
    assert besluit(client, parties["gemeente"], aanvraag["id"], {"besluit": "in_onderzoek"}).status_code == 202
    run_work(app, published)
    [onderzoek] = postbus(client, parties["provider"])
    granted = besluit(client, parties["gemeente"], aanvraag["id"], {
        "besluit": "toekennen", "contactgegevens": [{"soort": "01", "straatnaam": "Ceintuurbaan", "huisnummer": 12,
                                                     "postcode": "1072GB", "plaatsnaam": "Amsterdam"}]})
    assert granted.status_code == 202, granted.text
    run_work(app, published)
    [toewijzing] = [i for i in postbus(client, parties["provider"]) if i["message"] == "JW301"]
    login(client, "marieke")
    expected = [jw315, onderzoek["id"], toewijzing["id"]]
    for shown in expected:
        assert chain(client.get(f"/berichten/{shown}")) == expected
    page = client.get(f"/berichten/{jw315}")
    assert "Verzoek om toewijzing" in page.text and "retour JW316" in page.text
    assert "nog niet opgehaald" in page.text  # neither outbound message was fetched yet


def test_without_aanvraag_the_chain_is_the_messages_of_the_same_number(client, parties, users,
                                                                       toewijzing_100001):
    start = bericht_id(post(client, parties["provider"], example("JW305")))
    stop = bericht_id(post(client, parties["provider"], example("JW307")))
    unknown = post(client, parties["provider"], message(Start(nummer="999999")))
    assert unknown.status_code == 422 and b"9019" in unknown.content
    login(client, "marieke")
    assert chain(client.get(f"/berichten/{start}")) == [start, stop]
    page = client.get(f"/berichten/{bericht_id(unknown)}")
    assert chain(page) == []  # just itself: no chain shown
    assert "hoort (nog) niet bij een keten" in page.text


def test_unknown_and_malformed_ids_are_a_404_page(client, parties, users):
    login(client, "marieke")
    for path in ("/berichten/999999", "/berichten/0", "/berichten/abc", "/berichten/-1",
                 "/berichten/99999999999", "/berichten/%C2%B2", "/berichten/1.5"):
        page = client.get(path)
        assert page.status_code == 404, path
        assert "Niet gevonden" in page.text and "text/html" in page.headers["content-type"], path


def test_cjg_and_admin_may_read_the_log_finance_may_not(client, parties, users, sessions):
    made = store(sessions)
    for name in ("marieke", "beheer"):
        login(client, name)
        assert client.get("/berichten").status_code == 200
        assert client.get(f"/berichten/{made}").status_code == 200
    login(client, "fenna")
    for path in ("/berichten", f"/berichten/{made}", f"/berichten?q={BSN}"):
        page = client.get(path)
        assert page.status_code == 403 and "Geen toegang" in page.text, path
    with sessions() as session:  # a refused page logs no view or search
        acties = set(session.scalars(select(AuditRegel.actie).where(AuditRegel.gebruiker == "fenna")))
    assert acties == {"inloggen"}


def test_the_message_view_is_in_the_access_log_with_the_client(client, parties, users, sessions,
                                                               toewijzing_100001):
    shown = bericht_id(post(client, parties["provider"], example("JW305")))
    login(client, "marieke")
    assert client.get(f"/berichten/{shown}").status_code == 200
    assert client.get("/berichten/999999").status_code == 404
    with sessions() as session:
        client_id = session.scalar(select(Client.id).where(Client.gemeente == "0363", Client.bsn == BSN))
        rows = session.execute(select(AuditRegel.gebruiker, AuditRegel.actie, AuditRegel.object_type,
                                      AuditRegel.object_id, AuditRegel.client_id)
                               .where(AuditRegel.actie == "bekijken")).all()
    assert rows == [("marieke", "bekijken", "bericht", str(shown), client_id)]
    page = client.get(f"/berichten/{shown}")
    assert f'<a href="/clienten/{client_id}">' in page.text


def test_an_outbound_message_names_the_client_of_its_sender_gemeente(client, parties, users, published, app,
                                                                      sessions):
    ids = _route(client, parties, published, app)
    login(client, "marieke")
    page = client.get(f"/berichten/{ids['JW301']}")
    assert "door de gateway verstuurd" in page.text and "bevestigd door de aanbieder" in page.text
    assert "&lt;jw301:ToewijzingNummer&gt;" in page.text
    with sessions() as session:
        client_id = session.scalar(select(Client.id).where(Client.gemeente == "0363", Client.bsn == BSN))
        logged = session.scalar(select(AuditRegel.client_id).where(AuditRegel.object_id == str(ids["JW301"])))
    assert logged == client_id and f'<a href="/clienten/{client_id}">' in page.text


# ---------------------------------------------------------------- order, total, retourcode, XML, CSV

def _name_client(sessions, bsn: str = BSN, gemeente: str = "0363") -> int:
    """The gemeente knows the client by name (as after an aanvraagformulier)."""
    from lxml import etree

    from gateway.domain.aanvraag import clienten

    b = "http://www.istandaarden.nl/ijw/3_2/basisschema/schema"
    element = etree.fromstring(
        f'<Client xmlns="http://www.istandaarden.nl/ijw/3_2/jw301/schema" xmlns:b="{b}"><Bsn>{bsn}</Bsn>'
        f"<Naam><b:Geslachtsnaam><b:Achternaam>Meer</b:Achternaam><b:Voorvoegsel>van der</b:Voorvoegsel>"
        f"</b:Geslachtsnaam><b:Voornamen>Zoë</b:Voornamen></Naam></Client>".encode())
    with unit_of_work(sessions) as session:
        clienten.remember(session, gemeente, bsn, element, None)
    with sessions() as session:
        return session.scalar(select(Client.id).where(Client.gemeente == gemeente, Client.bsn == bsn))


def _next(page) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="next">', page.text)
    return html.unescape(found.group(1)) if found else None


def _all_pages(client, query: str) -> list[int]:
    page = client.get(f"/berichten?{query}")
    ids = listed(page)
    while (link := _next(page)) is not None:
        assert "sorteer=" in link or "sorteer" not in query.replace("sorteer=nieuwste", "")  # the order goes along
        page = client.get(link)
        ids += listed(page)
    return ids


def test_the_log_sorts_by_column_and_pages_in_that_order(client, parties, users, sessions):
    types = ["JW307", "JW305", None, "AGJ", "JW305"]
    made = [(store(sessions, berichttype=types[n % 5], afzender=["22222222", "11111111", "33333333"][n % 3],
                   ontvanger="0363"), types[n % 5], ["22222222", "11111111", "33333333"][n % 3]) for n in range(120)]
    outbound = store(sessions, richting="uit", berichttype="JW301", afzender="0363", ontvanger="12345678")
    login(client, "marieke")
    ids = [i for i, _, _ in made]
    assert _all_pages(client, "") == [outbound] + ids[::-1]  # newest first, the default
    assert _all_pages(client, "sorteer=nieuwste") == [outbound] + ids[::-1]
    assert _all_pages(client, "sorteer=oudste") == ids + [outbound]
    # By a column: A-Z (no type first, the same on both databases), newest first within a value.
    by_type = sorted(made + [(outbound, "JW301", "0363")], key=lambda m: (m[1] or "", -m[0]))
    assert _all_pages(client, "sorteer=type") == [i for i, _, _ in by_type]
    by_afzender = sorted(made + [(outbound, "JW301", "0363")], key=lambda m: (m[2], -m[0]))
    assert _all_pages(client, "sorteer=afzender") == [i for i, _, _ in by_afzender]
    assert _all_pages(client, "sorteer=ontvanger")[-1] == outbound  # 12345678 after 0363
    # The order combines with the filters, the search and a period.
    assert _all_pages(client, "sorteer=type&berichttype=JW305") == [i for i, t, _ in made[::-1] if t == "JW305"]
    assert _all_pages(client, f"sorteer=afzender&q={BSN}") == [i for i, _, _ in by_afzender]
    assert _all_pages(client, "sorteer=oudste&van=2026-11-20") == ids + [outbound]
    page = client.get("/berichten?sorteer=type")
    assert 'aria-sort="ascending"><button class="sorteer" type="submit" form="filters" name="sorteer" value="type"' in page.text
    assert client.get("/berichten?sorteer=bsn").status_code == 400


def test_the_log_counts_its_whole_result(client, parties, users, sessions):
    # The first is found by its BSN and by its identificatie at once.
    made = [store(sessions, identificatie=BSN if n == 0 else f"ID{n}") for n in range(55)]
    store(sessions, berichttype="JW307", bsn="999993653")
    login(client, "marieke")
    page = client.get("/berichten")
    assert '<p class="totaal" data-totaal="56"><strong>56 berichten</strong>' in page.text
    assert len(listed(page)) == 50
    assert 'data-totaal="55"' in client.get("/berichten?berichttype=JW305").text
    assert '<strong>1 bericht</strong> met deze filters' in client.get("/berichten?berichttype=JW307").text
    assert 'data-totaal="55"' in client.get(f"/berichten?q={BSN}").text  # found two ways, counted once
    assert 'data-totaal="1"' in client.get("/berichten?q=ID3&berichttype=JW305").text
    assert 'data-totaal="0"' in client.get("/berichten?berichttype=JW319").text
    assert 'data-totaal="55"' in client.get(f"/berichten?voor={made[-1]}&berichttype=JW305").text  # on every page


def test_the_log_filters_on_a_retourcode(client, parties, users, sessions):
    both = store(sessions, status="rejected", retourcodes=["8001", "0001"])
    only = store(sessions, status="rejected", retourcodes=["8001"])
    other = store(sessions, status="rejected", retourcodes=["8002"])
    store(sessions, retourcodes=[])
    login(client, "marieke")
    assert listed(client.get("/berichten?retourcode=8001")) == [only, both]
    assert listed(client.get("/berichten?retourcode=0001")) == [both]
    assert listed(client.get("/berichten?retourcode=8002&status=rejected")) == [other]
    assert client.get("/berichten?retourcode=800").status_code == 400  # a whole code, not a part
    assert listed(client.get(f"/berichten?retourcode=8001&q={BSN}")) == [only, both]
    bad = client.get("/berichten?retourcode=80%25")
    assert bad.status_code == 400 and 'id="retourcode-fout"' in bad.text
    assert 'value="8001"' in client.get("/berichten?retourcode=8001").text


def test_the_log_names_the_client_beside_the_masked_bsn(client, parties, users, sessions):
    _name_client(sessions)
    store(sessions)
    store(sessions, richting="uit", berichttype="JW301")  # the gemeente is the sender
    store(sessions, bsn="999993653")  # a client the gemeente knows no name of
    login(client, "marieke")
    page = client.get("/berichten")
    assert page.text.count("Zoë van der Meer<br><span class=\"klein\">*****4323</span>") == 2
    assert "*****3653" in page.text and BSN not in page.text


def test_a_message_downloads_as_its_xml(client, parties, users, sessions, toewijzing_100001):
    body = example("JW305")
    shown = bericht_id(post(client, parties["provider"], body))
    login(client, "marieke")
    assert f'href="/berichten/{shown}/xml"' in client.get(f"/berichten/{shown}").text
    response = client.get(f"/berichten/{shown}/xml")
    assert response.status_code == 200
    assert response.content == body  # byte for byte, as it came
    assert response.headers["content-type"] == "application/xml"
    assert response.headers["content-disposition"] == f'attachment; filename="bericht-{shown}-jw305.xml"'
    with sessions() as session:
        client_id = session.scalar(select(Client.id).where(Client.gemeente == "0363", Client.bsn == BSN))
        rows = session.execute(select(AuditRegel.actie, AuditRegel.object_type, AuditRegel.object_id,
                                      AuditRegel.client_id).where(AuditRegel.actie == "bekijken")).all()
    assert rows == [("bekijken", "bericht", str(shown), client_id)] * 2  # the page, then the file
    not_xml = store(sessions, berichttype=None, status="invalid")
    with unit_of_work(sessions) as session:
        session.get(Bericht, not_xml).inhoud = b"geen xml <"
    odd = client.get(f"/berichten/{not_xml}/xml")
    assert odd.status_code == 200 and odd.content == b"geen xml <"
    assert odd.headers["content-type"] == "application/octet-stream"
    assert client.get("/berichten/999999/xml").status_code == 404
    with unit_of_work(sessions) as session:
        session.get(Bericht, shown).gewist_op = datetime(2026, 11, 30, tzinfo=UTC)
    assert client.get(f"/berichten/{shown}/xml").status_code == 404
    login(client, "fenna")
    assert client.get(f"/berichten/{not_xml}/xml").status_code == 403


def test_the_csv_export_is_the_filtered_log_in_its_order(client, parties, users, sessions, monkeypatch):
    from gateway.web import berichten as web_berichten

    monkeypatch.setattr(web_berichten, "EXPORT_BATCH", 2)  # several batches from a few rows
    _name_client(sessions)
    first = store(sessions, status="rejected", retourcodes=["8001", "0001"],
                  ontvangen_op=datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
    second = store(sessions, berichttype="JW307", ontvangen_op=datetime(2026, 11, 21, 10, 0, tzinfo=UTC))
    third = store(sessions, berichttype="AGJ", afzender="=cmd", ontvangen_op=datetime(2026, 11, 22, 10, 0, tzinfo=UTC))
    store(sessions, berichttype="JW315", bsn="999993653")
    fourth = store(sessions, richting="uit", berichttype="JW301", ontvangen_op=datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    login(client, "marieke")
    response = client.get(f"/berichten.csv?q={BSN}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="berichten-\d{8}\.csv"', response.headers["content-disposition"])
    lines = response.content.decode("utf-8").split("\r\n")
    assert lines[0] == "nummer,ontvangen_op,richting,berichttype,afzender,ontvanger,client,bsn,status,retourcodes"
    assert lines[-1] == ""  # every record ends with CRLF
    assert [int(line.split(",")[0]) for line in lines[1:-1]] == [fourth, third, second, first]
    assert lines[-2] == (f"{first},2026-11-20T10:00:00+00:00,ontvangen,JW305,12345678,0363,Zoë van der Meer,"
                         "*****4323,afgekeurd,8001 0001")
    assert f"{third},2026-11-22T10:00:00+00:00,ontvangen,AGJ,'=cmd," in lines[2]  # no formula for Excel
    assert BSN not in response.text
    # The same filters and orders as the page.
    only = client.get("/berichten.csv?retourcode=8001").text.split("\r\n")
    assert [line.split(",")[0] for line in only[1:-1]] == [str(first)]
    oldest = client.get(f"/berichten.csv?q={BSN}&sorteer=oudste").text.split("\r\n")
    assert [int(line.split(",")[0]) for line in oldest[1:-1]] == [first, second, third, fourth]
    assert client.get("/berichten.csv?status=onzin").status_code == 400
    with sessions() as session:
        acties = session.execute(select(AuditRegel.actie, AuditRegel.object_type, AuditRegel.client_id)
                                 .where(AuditRegel.actie.in_(("exporteren", "zoeken")))
                                 .order_by(AuditRegel.id)).all()
        client_id = session.scalar(select(Client.id).where(Client.bsn == BSN))
    assert acties[:2] == [("exporteren", "berichtenlog", None), ("zoeken", "berichtenlog", client_id)]
    assert len(acties) == 5  # three exports, one of them a search


def test_the_csv_export_is_for_those_who_may_read_the_log(client, parties, users, sessions):
    store(sessions)
    assert client.get("/berichten.csv", follow_redirects=False).status_code == 303
    login(client, "fenna")
    assert client.get("/berichten.csv").status_code == 403
    login(client, "beheer")
    assert client.get("/berichten.csv").status_code == 200
    with sessions() as session:
        acties = set(session.scalars(select(AuditRegel.actie).where(AuditRegel.gebruiker == "fenna")))
    assert acties == {"inloggen"}
