"""The finance page /financien (issue 6, item 3): the volume report as a table with filters,
download links and two server-side SVG charts. The numbers are those of the hand-computed
case of tests/integration/test_rapportage.py (fixture `voorbeeld`, Q1 2026), shown the Dutch
way. Runs on SQLite and on PostgreSQL (GATEWAY_TEST_DATABASE_URL)."""
from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from sqlalchemy import func, select

from gateway.db.models import AuditRegel
from gateway.db.session import unit_of_work
from gateway.domain.financien import rapportage
from gateway.intake.parties import add_party
from gateway.web.grafieken import KLEUREN
from tests.backoffice import login
from tests.conftest import AGB
from tests.integration.test_rapportage import OTHER, Q1, toewijzing, voorbeeld  # noqa: F401 (a fixture)

# Every test runs on the hand-computed Q1 2026 case of test_rapportage.py.
pytestmark = pytest.mark.usefixtures("voorbeeld")

HINT = "Vul een geldige datum in"


def cells(html: str, table: str = "financien") -> list[list[str]]:
    """A table's body rows as lists of cell texts (tags stripped, spaces collapsed)."""
    found = re.search(rf'<table class="{table}">.*?<tbody>(.*?)</tbody>', html, re.S)
    assert found, f"no table {table}"
    rows = re.findall(r"<tr>(.*?)</tr>", found.group(1), re.S)
    return [[" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
            for r in rows]


def svgs(html: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", html, re.S)


def links(html: str, fmt: str) -> str:
    found = re.search(rf'href="(/api/v1/rapportages/volumes\?[^"]*format={fmt})"', html)
    assert found, f"no {fmt} link"
    return found.group(1).replace("&amp;", "&")


EXPECTED_Q1_CELLS = [
    ["Zorg BV 12345678", "42", "42A01 Vervoer naar dagbehandeling", "82 stuks", "200,00", "20,00", "0,00", "€ 6.400,00", "€ 0,00", "0,0 %"],
    ["Zorg BV 12345678", "45", "budget zonder product", "83 euro", "2.465,75", "2.465,75", "0,00", "€ 2.465,75",
     "€ 0,00", "0,0 %"],
    ["Zorg BV 12345678", "45", "45A01 Jeugdhulp ambulant individueel", "01 minuten", "0,00", "0,00", "120,00", "–",
     "€ 204,00", "–"],
    ["Zorg BV 12345678", "45", "45A01 Jeugdhulp ambulant individueel", "04 uur", "98,00", "77,71", "3,00",
     "€ 9.604,00", "€ 294,00", "3,1 %"],
    ["Zorg BV 12345678", "45", "45A02 Jeugdhulp ambulant gezinsgericht", "01 minuten", "2.167,74", "1.137,79", "0,00",
     "€ 3.685,16", "€ 0,00", "0,0 %"],
    ["Zorg BV 12345678", "54", "54A01 Jeugd-ggz behandeling", "84 stuks", "18,00", "5,00", "0,00", "€ 2.610,00",
     "€ 0,00", "0,0 %"],
    ["Ander BV 87654321", "45", "45A01 Jeugdhulp ambulant individueel", "04 uur", "14,00", "0,00", "0,00",
     "€ 1.372,00", "€ 0,00", "0,0 %"],
]


def test_finance_sees_the_report_with_dutch_numbers(client, users):
    login(client, "fenna")
    page = client.get(f"/financien?{Q1}")
    assert page.status_code == 200, page.text
    rows = cells(page.text)
    assert rows == EXPECTED_Q1_CELLS
    # 6400 + 2465,75 + 9604 + 3685,16 + 2610 + 1372; declared 204 + 294
    assert re.search(r"<tfoot>.*Totaal.*€ 26\.136,91.*€ 498,00", page.text, re.S)
    for heading in ("Aanbieder", "Toegewezen", "Geleverd", "Gedeclareerd", "Toegewezen bedrag",
                    "Gedeclareerd bedrag", "Benutting"):
        assert f'class="getal">{heading}</th>' in page.text or f">{heading}</th>" in page.text


def test_the_page_view_writes_no_access_log_entry(client, sessions, users):
    login(client, "fenna")  # logging in is itself logged
    with sessions() as session:
        before = session.scalar(select(func.count()).select_from(AuditRegel))
    assert client.get(f"/financien?{Q1}").status_code == 200
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditRegel)) == before


def test_admin_may_open_finance_and_cjg_may_not(client, users):
    login(client, "beheer")
    assert client.get(f"/financien?{Q1}").status_code == 200
    login(client, "marieke")
    page = client.get(f"/financien?{Q1}")
    assert page.status_code == 403 and "Geen toegang" in page.text
    assert "Zorg BV" not in page.text


def test_the_default_period_is_this_year_up_to_today(client, users):
    login(client, "fenna")
    page = client.get("/financien")  # today is 23 November 2026 in the tests
    assert page.status_code == 200
    assert 'name="van" type="date" value="2026-01-01"' in page.text
    assert 'name="tot" type="date" value="2026-11-23"' in page.text
    assert links(page.text, "csv") == "/api/v1/rapportages/volumes?van=2026-01-01&tot=2026-11-23&format=csv"
    # 11 months of 2026: one point per month on each line
    [_, lijn] = svgs(page.text)
    assert all(len(p.split()) == 11 for p in re.findall(r'<polyline points="([^"]+)"', lijn))


def test_the_aanbieder_filter_and_the_download_links_carry_the_filters(client, users):
    login(client, "fenna")
    page = client.get("/financien", params={"van": "01-01-2026", "tot": "31-03-2026", "aanbieder": OTHER})
    assert page.status_code == 200
    assert cells(page.text) == [EXPECTED_Q1_CELLS[-1]]
    assert f'<option value="{OTHER}" selected>' in page.text
    # Dutch dates typed in the filter go to the API as ISO dates, which is all it accepts
    assert links(page.text, "csv") == f"/api/v1/rapportages/volumes?{Q1}&aanbieder={OTHER}&format=csv"
    assert links(page.text, "xlsx") == f"/api/v1/rapportages/volumes?{Q1}&aanbieder={OTHER}&format=xlsx"
    download = client.get(links(page.text, "csv"))  # the finance session is accepted there
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(download.text, newline="")))
    assert rows[1:] == [[OTHER, "45", "45A01", "04", "14.0", "0.0", "0.0", "1372.0", "0.0", "0.0"]]


def test_a_gemeente_filter_is_offered_when_the_gateway_serves_several(client, sessions, users):
    login(client, "fenna")
    assert 'name="gemeente"' not in client.get(f"/financien?{Q1}").text  # one gemeente: no choice
    with unit_of_work(sessions) as session:
        add_party(session, soort="gemeente", code="0599", naam="Rotterdam")
        toewijzing(session, nummer=1, gemeente="0599", aanbieder=OTHER, volume=5, eenheid="04", frequentie="2",
                   ingangsdatum=date(2026, 1, 1), einddatum=date(2026, 1, 7))
    alle = client.get(f"/financien?{Q1}&aanbieder={OTHER}")
    assert '<select id="f-gemeente" name="gemeente"' in alle.text
    assert cells(alle.text)[0][4] == "19,00"  # 14 uur in Amsterdam + 5 in Rotterdam
    rotterdam = client.get(f"/financien?{Q1}&aanbieder={OTHER}&gemeente=0599")
    assert cells(rotterdam.text)[0][4] == "5,00"
    assert '<option value="0599" selected>' in rotterdam.text
    assert "gemeente=0599" in links(rotterdam.text, "xlsx")


@pytest.mark.parametrize(("params", "veld", "text"), [
    ({"van": "2026-13-01", "tot": "2026-03-31"}, "van", HINT),
    ({"van": "2026-01-01", "tot": "morgen"}, "tot", HINT),
    ({"van": "2026-04-01", "tot": "2026-03-31"}, "tot", "tot ligt vóór van"),
    ({"van": "2014-01-01", "tot": "2014-12-31"}, "van", "2015"),
    ({"van": "2016-01-01", "tot": "2026-12-31"}, "tot", "10 jaar"),
    ({"van": "2026-01-01", "tot": "2026-03-31", "aanbieder": "11112222"}, "aanbieder", "uit de lijst"),
    ({"van": "2026-01-01", "tot": "2026-03-31", "gemeente": "9999"}, "gemeente", "uit de lijst"),
])
def test_a_bad_filter_is_400_beside_the_field(client, users, params, veld, text):
    login(client, "fenna")
    page = client.get("/financien", params=params)
    assert page.status_code == 400
    found = re.search(rf'<p class="veldfout" id="fout-{veld}">([^<]*)</p>', page.text)
    assert found and text in found.group(1)
    assert f'aria-describedby="fout-{veld}"' in page.text
    assert "<tbody>" not in page.text and "<svg" not in page.text
    assert 'value="' + params["van"] + '"' in page.text  # the input is shown again


def test_the_charts_have_a_bar_group_per_provider_and_a_point_per_month(client, users):
    login(client, "fenna")
    page = client.get(f"/financien?{Q1}")
    staven, lijn = svgs(page.text)
    for svg in (staven, lijn):
        ET.fromstring(svg)  # well-formed
        assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    groepen = re.findall(r'<g class="staafgroep">(.*?)</g>', staven, re.S)
    assert len(groepen) == 2
    assert ">Zorg BV (12345678)</text>" in groepen[0] and ">Ander BV (87654321)</text>" in groepen[1]
    assert all(len(re.findall(r"<rect ", grp)) == 2 for grp in groepen)
    assert "Zorg BV (12345678), toegewezen: € 24.764,91" in groepen[0]  # 6400+2465,75+9604+3685,16+2610
    assert "Zorg BV (12345678), gedeclareerd: € 498,00" in groepen[0]
    widths = [float(w) for w in re.findall(r'<rect x="[^"]+" y="[^"]+" width="([^"]+)"', groepen[0] + groepen[1])]
    assert widths[0] == max(widths) and widths[3] == 0  # Ander BV declared nothing: an empty bar
    lines = re.findall(r'<polyline points="([^"]+)"[^>]*stroke="([^"]+)"', lijn)
    assert [kleur for _, kleur in lines] == list(KLEUREN[:2])
    assert all(len(points.split()) == 3 for points, _ in lines)
    # the numbers under the line chart: January allocated by hand (see the fixture):
    # 640 + 1984 + 392 + 1200 × 15/31 × 1,70 + 6,2 × 145 + 10000 × 31/365 + 3038 + 1372
    assert cells(page.text, "maanden") == [
        ["jan 2026", "€ 10.161,41", "€ 3.038,00"],
        ["feb 2026", cells(page.text, "maanden")[1][1], "€ -2.744,00"],
        ["mrt 2026", cells(page.text, "maanden")[2][1], "€ 204,00"],
    ]


def test_the_months_add_up_to_the_period(client, sessions, parties):
    producten = client.app.state.ctx.reference.producten
    with sessions() as session:
        periode = rapportage.Periode(date(2026, 1, 1), date(2026, 3, 31))
        regels = [r.as_json() for r in rapportage.volumes(session, periode, gemeenten=None, producten=producten)]
        maanden = rapportage.maandreeks(session, periode, gemeenten=None, producten=producten)
        alleen_ander = rapportage.maandreeks(session, periode, gemeenten=None, aanbieder=OTHER, producten=producten)
    assert [m.maand for m in maanden] == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    assert sum(m.toegewezen_eurocent for m in maanden) / 100 == pytest.approx(
        sum(r["toegewezen_bedrag"] or 0 for r in regels), abs=0.02)
    assert sum(m.gedeclareerd_eurocent for m in maanden) / 100 == pytest.approx(498.0)
    assert [round(m.toegewezen_eurocent) for m in alleen_ander] == [137_200, 0, 0]  # 14 uur × € 98, January


def test_a_period_clipped_inside_a_month():
    periode = rapportage.Periode(date(2026, 1, 15), date(2026, 3, 3))
    assert rapportage.maanden(periode) == [rapportage.Periode(date(2026, 1, 15), date(2026, 1, 31)),
                                           rapportage.Periode(date(2026, 2, 1), date(2026, 2, 28)),
                                           rapportage.Periode(date(2026, 3, 1), date(2026, 3, 3))]
    assert rapportage.maanden(rapportage.Periode(date(2026, 2, 3), date(2026, 2, 3))) == [
        rapportage.Periode(date(2026, 2, 3), date(2026, 2, 3))]


def test_a_period_without_data_says_so_instead_of_empty_charts(client, users):
    login(client, "fenna")
    page = client.get("/financien?van=2016-01-01&tot=2016-12-31")
    assert page.status_code == 200
    assert "<svg" not in page.text and "<tbody>" not in page.text
    assert page.text.count("Geen gegevens voor deze grafiek") == 2
    assert "Geen toewijzingen of declaraties in deze periode" in page.text


def test_a_long_period_shows_the_table_but_no_month_chart(client, users):
    login(client, "fenna")
    page = client.get("/financien?van=2023-01-01&tot=2026-03-31")  # 39 months
    assert page.status_code == 200
    assert len(cells(page.text)) == 7
    assert len(svgs(page.text)) == 1 and "hoogstens 36 maanden" in page.text


def test_a_single_month_is_one_point(client, users):
    login(client, "fenna")
    page = client.get(f"/financien?van=2026-01-01&tot=2026-01-31&aanbieder={OTHER}")
    [_, lijn] = svgs(page.text)
    assert all(len(p.split()) == 1 for p in re.findall(r'<polyline points="([^"]+)"', lijn))
    assert len(re.findall(r"<circle ", lijn)) == 2
    assert cells(page.text, "maanden") == [["jan 2026", "€ 1.372,00", "€ 0,00"]]


def test_the_page_refers_to_nothing_external(client, users):
    login(client, "fenna")
    page = client.get(f"/financien?{Q1}")
    adressen = re.findall(r'\b(?:src|href|xlink:href|action)="([^"]*)"', page.text)
    assert adressen and all(a.startswith(("/", "#")) for a in adressen), adressen
    assert "http" not in page.text.lower()
    assert "<script" not in page.text and "style=" not in page.text
    assert AGB in page.text
