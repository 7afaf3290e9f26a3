"""Declarations for finance (/financien/declaraties): finance could not open a declaration (the
message log is the CJG's, 403). Now a list of the JW323s and per JW323 its lines, what the JW325
approved and rejected with the reasons in words (mappings/retourcodes.csv), and the JW325.
The JW323s go through the real intake (the builders of test_declaraties.py)."""
from __future__ import annotations

import re

from sqlalchemy import select

from gateway.db.models import AuditRegel, Bericht, Client
from gateway.db.session import unit_of_work
from tests.backoffice import login
from tests.conftest import AGB
from tests.integration.test_declaraties import add_toewijzing, jw323, prestatie, send

LIST = "/financien/declaraties"


def _declaraties(client, parties, sessions) -> tuple[int, int]:
    """A partly rejected JW323 (GOED1 approved, FOUT1 rejected on TR346) and one rejected as
    a whole (CS337: a product period over two months); their message ids."""
    add_toewijzing(sessions, 100002, volume=2)
    partial = send(client, parties, jw323([prestatie("GOED1"), prestatie("FOUT1", nummer=100002, volume=8,
                                                                          bedrag=70000)]))
    assert partial.status_code == 202, partial.text
    whole = send(client, parties, jw323([prestatie("MAAND2", begin="2026-10-01", eind="2026-11-15")],
                                        nummer="D2", identificatie="DECL2"))
    assert whole.status_code == 422, whole.text
    return (int(partial.headers["location"].rsplit("/", 1)[1]), int(whole.headers["location"].rsplit("/", 1)[1]))


def _row(html: str, attr: str, value: str) -> str:
    found = re.search(rf'<tr {attr}="{value}">(.*?)</tr>', html, re.S)
    assert found, f"no row {attr}={value}"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_finance_lists_the_declarations_and_reads_one_with_its_reasons(client, parties, users, sessions,
                                                                       toewijzing_100001):
    deels, geheel = _declaraties(client, parties, sessions)
    login(client, "fenna")
    assert client.get(f"/berichten/{deels}").status_code == 403  # still no message log for finance
    lijst = client.get(LIST)
    assert lijst.status_code == 200
    assert [int(i) for i in re.findall(r'<tr data-bericht="(\d+)">', lijst.text)] == [geheel, deels]
    row = _row(lijst.text, "data-bericht", str(deels))
    assert "D1" in row and "€ 2.268,00" in row and "€ 1.568,00" in row and "deels afgewezen" in row
    assert "afgekeurd" in _row(lijst.text, "data-bericht", str(geheel))
    assert f'href="/financien/declaraties/{deels}"' in lijst.text

    page = client.get(f"{LIST}/{deels}")
    assert page.status_code == 200
    goed = _row(page.text, "data-referentie", "GOED1")
    assert "goedgekeurd" in goed and "16 uur" in goed and "€ 1.568,00" in goed
    fout = _row(page.text, "data-referentie", "FOUT1")
    assert "afgewezen" in fout and "9346" in fout
    assert "IngediendBedrag is niet gelijk aan GeleverdVolume vermenigvuldigd met" in fout  # the code in words
    assert "999994323" not in page.text and "*****4323" in goed  # a masked BSN only
    # the JW325 that answered it: codes on the Header and the DeclaratieAntwoord, in words
    antwoord = page.text[page.text.index("Antwoord (JW325)"):]
    assert "0200" in antwoord and "Geen opmerking over deze berichtklasse." in antwoord
    assert "€ 2.268,00" in antwoord and "€ 1.568,00" in antwoord

    heel = client.get(f"{LIST}/{geheel}")
    assert heel.status_code == 200
    assert "Waarom de hele declaratie is afgekeurd" in heel.text
    assert "0001" in heel.text and "Bericht is afgekeurd om technische redenen." in heel.text
    assert "CS337" in heel.text  # the rule it broke, with what it checks
    assert "<table class=\"prestaties\">" not in heel.text


def test_a_declaration_page_is_logged_per_client_and_the_list_is_not(client, parties, users, sessions,
                                                                     toewijzing_100001):
    deels, _ = _declaraties(client, parties, sessions)
    login(client, "fenna")
    assert client.get(LIST).status_code == 200
    with unit_of_work(sessions) as s:
        assert s.scalars(select(AuditRegel).where(AuditRegel.object_type == "declaratie")).all() == []
    assert client.get(f"{LIST}/{deels}").status_code == 200
    with unit_of_work(sessions) as s:
        client_id = s.scalar(select(Client.id).where(Client.bsn == "999994323"))
        logged = s.scalars(select(AuditRegel).where(AuditRegel.object_type == "declaratie")).all()
        assert [(e.gebruiker, e.object_id, e.client_id) for e in logged] == [("fenna", str(deels), client_id)]


def test_who_may_open_the_declarations(client, parties, users, sessions, toewijzing_100001):
    deels, _ = _declaraties(client, parties, sessions)
    login(client, "marieke")  # the CJG has the message log, not the finance pages
    assert client.get(LIST).status_code == 403
    assert client.get(f"{LIST}/{deels}").status_code == 403
    login(client, "beheer")
    assert client.get(f"{LIST}/{deels}").status_code == 200
    login(client, "fenna")
    with unit_of_work(sessions) as s:
        jw325 = s.scalar(select(Bericht.id).where(Bericht.berichttype == "JW325"))
    assert client.get(f"{LIST}/{jw325}").status_code == 404  # not a JW323
    assert client.get(f"{LIST}/999999").status_code == 404
    assert client.get(f"{LIST}/abc").status_code == 404
    assert client.get(f"{LIST}?aanbieder=11112222").status_code == 400
    assert f'data-bericht="{deels}"' in client.get(f"{LIST}?aanbieder={AGB}").text
