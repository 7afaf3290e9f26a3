"""Users and municipalities (design.md §9) for the message log and finance: on a gateway of two
municipalities a user of one sees only that one's messages (list, count, CSV, message page,
XML), declarations and reports; an admin sees both. A message belongs to the gemeente in its
Header: the Ontvanger of what a provider sends, the Afzender of what the gateway sends and of
the provider's retours on it (JW302/JW320 copy that Header)."""
from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from gateway.db.models import Bericht, Bestedingsruimte, Kenmerk, Toewijzing
from gateway.db.session import unit_of_work
from gateway.domain.beheer import gebruikers
from gateway.intake.parties import add_party
from tests.backoffice import PASSWORD, login
from tests.conftest import AGB
from tests.integration.test_backoffice_berichten import listed, store
from tests.integration.test_declaraties import jw323, prestatie, send

AMSTERDAM, ROTTERDAM = "0363", "0599"


@pytest.fixture
def twee_gemeenten(app, sessions, parties, users) -> dict[str, str]:
    """Rotterdam next to Amsterdam (from `parties`), and per role users of one of them."""
    with unit_of_work(sessions) as session:
        add_party(session, soort="gemeente", code=ROTTERDAM, naam="Rotterdam")
    with unit_of_work(sessions) as session:
        for naam, rol, gemeente in (("amira", "cjg", AMSTERDAM), ("rob", "cjg", ROTTERDAM),
                                    ("fien", "finance", AMSTERDAM)):
            gebruikers.add(session, gebruikersnaam=naam, rol=rol, wachtwoord=PASSWORD,
                           gemeenten=gebruikers.Gemeenten([gemeente], app.state.reference, date(2026, 12, 1)))
    return {"cjg_0363": "amira", "cjg_0599": "rob", "finance_0363": "fien", "admin": users["admin"]}


def _berichten(sessions) -> dict[str, int]:
    """One message of every shape whose gemeente is read differently, of both gemeenten."""
    return {
        "start_0363": store(sessions, berichttype="JW305"),  # a provider's: Ontvanger 0363
        "start_0599": store(sessions, berichttype="JW305", ontvanger=ROTTERDAM),
        # the provider's retour on a JW301 of 0599: its Header names 0599 as Afzender
        "retour_0599": store(sessions, berichttype="JW302", afzender=ROTTERDAM, ontvanger=AGB),
        "toewijzing_0363": store(sessions, richting="uit", berichttype="JW301"),  # Afzender 0363
        # unreadable: no gemeente known, so only for users of every gemeente
        "onbekend": store(sessions, berichttype=None, afzender=None, ontvanger=None, bsn=None, status="invalid"),
    }


def _csv_ids(response) -> list[int]:
    assert response.status_code == 200, response.text
    rows = list(csv.reader(io.StringIO(response.text)))
    return [int(r[0]) for r in rows[1:]]


def _totaal(page) -> int:
    return int(page.text.split('data-totaal="', 1)[1].split('"', 1)[0])


def test_a_cjg_user_sees_only_the_messages_of_their_gemeente(client, sessions, twee_gemeenten):
    ids = _berichten(sessions)
    amsterdam = sorted((ids["start_0363"], ids["toewijzing_0363"]), reverse=True)
    rotterdam = sorted((ids["start_0599"], ids["retour_0599"]), reverse=True)
    by_type = {"amira": [ids["toewijzing_0363"], ids["start_0363"]],  # JW301, JW305
               "rob": [ids["retour_0599"], ids["start_0599"]]}  # JW302, JW305

    for user, own, other in (("amira", amsterdam, rotterdam), ("rob", rotterdam, amsterdam)):
        login(client, user)
        page = client.get("/berichten")
        assert listed(page) == own and _totaal(page) == 2
        assert _csv_ids(client.get("/berichten.csv")) == own
        # the filters, sorting and paging stay within the gemeente
        assert listed(client.get("/berichten?sorteer=type")) == by_type[user]
        assert _csv_ids(client.get("/berichten.csv?sorteer=type")) == by_type[user]
        assert listed(client.get(f"/berichten?voor={own[0]}")) == own[1:]
        for message in own:
            assert client.get(f"/berichten/{message}").status_code == 200
        for message in (*other, ids["onbekend"]):
            unknown = client.get(f"/berichten/{message}")
            assert unknown.status_code == 404 and "Er is geen bericht met nummer" in unknown.text
            assert client.get(f"/berichten/{message}/xml").status_code == 404

    for user in ("beheer", "marieke"):  # an admin, and a cjg user of every gemeente
        login(client, user)
        page = client.get("/berichten")
        assert listed(page) == sorted(ids.values(), reverse=True) and _totaal(page) == 5
        assert _csv_ids(client.get("/berichten.csv")) == sorted(ids.values(), reverse=True)
        assert client.get(f"/berichten/{ids['retour_0599']}").status_code == 200
        assert client.get(f"/berichten/{ids['onbekend']}").status_code == 200


def test_a_search_finds_only_the_gemeentes_own_messages(client, sessions, twee_gemeenten):
    ids = _berichten(sessions)
    login(client, "rob")
    page = client.get("/berichten?q=999994323")
    assert listed(page) == sorted((ids["start_0599"], ids["retour_0599"]), reverse=True)
    assert _totaal(page) == 2
    assert listed(client.get(f"/berichten?q=999994323&voor={max(ids['start_0599'], ids['retour_0599'])}")) == [
        min(ids["start_0599"], ids["retour_0599"])]


def test_the_chain_on_a_message_page_shows_no_message_of_another_gemeente(client, sessions, twee_gemeenten):
    """Two messages naming the same ToewijzingNummer, one per gemeente: the chain of the one
    never shows (or links) the other."""
    ids = _berichten(sessions)
    with unit_of_work(sessions) as session:
        session.add_all([Kenmerk(bericht_id=ids["start_0363"], soort="toewijzingnummer", waarde="100001"),
                         Kenmerk(bericht_id=ids["toewijzing_0363"], soort="toewijzingnummer", waarde="100001"),
                         Kenmerk(bericht_id=ids["start_0599"], soort="toewijzingnummer", waarde="100001")])
    login(client, "amira")
    page = client.get(f"/berichten/{ids['start_0363']}")
    assert page.status_code == 200
    assert f'href="/berichten/{ids["toewijzing_0363"]}"' in page.text
    assert f'/berichten/{ids["start_0599"]}"' not in page.text


# -- finance -------------------------------------------------------------------------------------


def _toewijzing(sessions, gemeente: str, nummer: int) -> None:
    with unit_of_work(sessions) as session:
        session.add(Toewijzing(gemeente=gemeente, nummer=nummer, aanbieder=AGB, bsn="999994323", categorie="45",
                               code="45A01", ingangsdatum=date(2026, 9, 15), einddatum=date(2027, 3, 14),
                               volume=4, eenheid="04", frequentie="2", toewijzingsdatum=date(2026, 9, 8),
                               toewijzingstijd="10:15:00", gewijzigd=False,
                               aangemaakt_op=datetime(2026, 9, 8, 8, 15, tzinfo=UTC)))


def _declaraties(client, parties, sessions) -> dict[str, int]:
    """A JW323 to each gemeente, through the real intake: 16 hours to Amsterdam, 8 to Rotterdam."""
    _toewijzing(sessions, AMSTERDAM, 100001)
    _toewijzing(sessions, ROTTERDAM, 200001)
    amsterdam = send(client, parties, jw323([prestatie("A1")]))
    rotterdam = send(client, parties, jw323([prestatie("R1", nummer=200001, volume=8)], identificatie="DECLR")
                     .replace(b"<jw323:Ontvanger>0363</jw323:Ontvanger>", b"<jw323:Ontvanger>0599</jw323:Ontvanger>"))
    assert amsterdam.status_code == 202, amsterdam.text
    assert rotterdam.status_code == 202, rotterdam.text
    return {g: int(r.headers["location"].rsplit("/", 1)[1])
            for g, r in ((AMSTERDAM, amsterdam), (ROTTERDAM, rotterdam))}


def _gedeclareerd(client, **params) -> float:
    report = client.get("/api/v1/rapportages/volumes", params={"van": "2026-01-01", "tot": "2026-12-31", **params})
    assert report.status_code == 200, report.text
    return sum(r["gedeclareerd"] for r in report.json()["rows"])


def test_finance_of_one_gemeente_sees_only_its_declarations_and_report(client, parties, sessions, twee_gemeenten):
    decl = _declaraties(client, parties, sessions)
    with sessions() as session:  # the JW325s went out from each gemeente
        assert {b.afzender for b in session.query(Bericht).filter(Bericht.berichttype == "JW325")} == {
            AMSTERDAM, ROTTERDAM}

    login(client, "fien")
    lijst = client.get("/financien/declaraties")
    assert lijst.status_code == 200
    assert f'data-bericht="{decl[AMSTERDAM]}"' in lijst.text
    assert f'data-bericht="{decl[ROTTERDAM]}"' not in lijst.text
    assert client.get(f"/financien/declaraties/{decl[AMSTERDAM]}").status_code == 200
    other = client.get(f"/financien/declaraties/{decl[ROTTERDAM]}")
    assert other.status_code == 404 and "Er is geen declaratie" in other.text

    # the report and its downloads: Amsterdam's 16 hours only; Rotterdam's is refused
    assert _gedeclareerd(client) == 16
    assert _gedeclareerd(client, gemeente=AMSTERDAM) == 16
    assert client.get("/api/v1/rapportages/volumes", params={"van": "2026-01-01", "tot": "2026-12-31",
                                                             "gemeente": ROTTERDAM}).status_code == 403
    for fmt in ("csv", "csv-nl", "xlsx"):
        download = client.get("/api/v1/rapportages/volumes",
                              params={"van": "2026-01-01", "tot": "2026-12-31", "format": fmt})
        assert download.status_code == 200
    rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/rapportages/volumes", params={
        "van": "2026-01-01", "tot": "2026-12-31", "format": "csv"}).text)))
    assert [float(r["gedeclareerd"]) for r in rows] == [16.0]
    page = client.get("/financien", params={"van": "2026-01-01", "tot": "2026-12-31"})
    assert page.status_code == 200 and 'name="gemeente"' not in page.text  # one gemeente: no choice
    assert client.get("/financien", params={"gemeente": ROTTERDAM}).status_code == 400

    login(client, "beheer")
    lijst = client.get("/financien/declaraties")
    assert f'data-bericht="{decl[AMSTERDAM]}"' in lijst.text and f'data-bericht="{decl[ROTTERDAM]}"' in lijst.text
    assert client.get(f"/financien/declaraties/{decl[ROTTERDAM]}").status_code == 200
    assert _gedeclareerd(client) == 24
    assert _gedeclareerd(client, gemeente=ROTTERDAM) == 8
    assert 'name="gemeente"' in client.get("/financien").text


def test_bestedingsruimte_shows_only_the_caps_of_the_users_gemeenten(client, parties, sessions, twee_gemeenten):
    with unit_of_work(sessions) as session:
        for gemeente, bedrag in ((AMSTERDAM, 1_111_100), (ROTTERDAM, 2_222_200)):
            session.add(Bestedingsruimte(gemeente=gemeente, aanbieder=AGB, jaar=2026, bedrag_eurocent=bedrag,
                                         ingesteld_door="beheer", ingesteld_op=datetime(2026, 1, 5, tzinfo=UTC)))
    login(client, "fien")
    page = client.get("/financien/bestedingsruimte?jaar=2026")
    assert page.status_code == 200
    assert "11.111,00" in page.text and "22.222,00" not in page.text
    login(client, "beheer")
    page = client.get("/financien/bestedingsruimte?jaar=2026")
    assert "11.111,00" in page.text and "22.222,00" in page.text
