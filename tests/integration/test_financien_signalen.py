"""Finance signals that misled (issue: benutting 344,8 %, the CSV for Dutch Excel, the XLSX
with names, a frozen header and an autofilter). HTTP-level, on rows inserted directly with
the builders of test_rapportage.py. Runs on SQLite and on PostgreSQL."""
from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from gateway.db.session import unit_of_work
from gateway.domain.financien import rapportage
from tests.backoffice import login
from tests.conftest import AGB
from tests.integration.test_backoffice_financien import cells, links
from tests.integration.test_rapportage import (  # noqa: F401 (voorbeeld is a fixture)
    OTHER,
    Q1,
    declaratie,
    prestatie,
    toewijzing,
    voorbeeld,
)

MAART = "van=2026-03-01&tot=2026-03-31"


@pytest.fixture
def tbgt_in_maart(sessions, parties):
    """54A01 TBGT 20 stuks from 3 March to 10 June 2026 (100 days), all 20 delivered and
    declared in March (3-31 March, 29 days): allowed (TR321 lets a TBGT's whole volume go in one
    ProductPeriode). The pro rata share of March is 20 × 29/100 = 5,8 stuks, and 20 / 5,8 was
    the "benutting 344,8 %". Beside it 45A01 4 uur per week over March (31 days: 124/7 uur),
    17 uur declared: per week the share over the period's days is the right measure."""
    d = date
    with unit_of_work(sessions) as s:
        toewijzing(s, nummer=1, categorie="54", code="54A01", volume=20, eenheid="84", frequentie="6",
                   ingangsdatum=d(2026, 3, 3), einddatum=d(2026, 6, 10))
        toewijzing(s, nummer=2, volume=4, eenheid="04", frequentie="2",
                   ingangsdatum=d(2026, 3, 1), einddatum=d(2026, 12, 31))
        # a Budget (one amount over its period, as a TBGT) of € 1.000, half declared in March
        toewijzing(s, nummer=3, code="45A02", budget=100_000, ingangsdatum=d(2026, 3, 1),
                   einddatum=d(2026, 8, 31), aanbieder=OTHER)
        maart = declaratie(s, maand=d(2026, 3, 1))
        prestatie(s, declaratie_id=maart, nummer=1, categorie="54", code="54A01", eenheid="84",
                  begindatum=d(2026, 3, 3), einddatum=d(2026, 3, 31), volume=20, bedrag=290_000)
        prestatie(s, declaratie_id=maart, nummer=2, begindatum=d(2026, 3, 1), einddatum=d(2026, 3, 31),
                  volume=17, bedrag=166_600)
        prestatie(s, declaratie_id=maart, nummer=3, code="45A02", eenheid="83", aanbieder=OTHER,
                  begindatum=d(2026, 3, 1), einddatum=d(2026, 3, 31), volume=50_000, bedrag=50_000)


def _api_row(client, query, code, aanbieder=AGB) -> dict:
    response = client.get(f"/api/v1/rapportages/volumes?{query}")
    assert response.status_code == 200, response.text
    [row] = [r for r in response.json()["rows"] if r["productcode"] == code and r["aanbieder"] == aanbieder]
    return row


def test_a_tbgt_used_in_one_month_is_100_percent_not_344_8(client, users, tbgt_in_maart):
    login(client, "fenna")
    page = client.get(f"/financien?{MAART}")
    assert page.status_code == 200
    assert "344,8" not in page.text
    by_code = {r[2].split()[0]: r for r in cells(page.text)}
    # toegewezen stays the pro rata share (consecutive reports add up to the whole volume) ...
    assert by_code["54A01"][4:7] == ["5,80", "0,00", "20,00"]
    # ... but the utilisation compares the declared 20 with the 20 the TBGT allows in March
    assert by_code["54A01"][-1] == "100,0 %"
    # per week: 17 uur of 4 × 31/7 = 17,71 uur
    assert by_code["45A01"][-1] == "96,0 %"
    # a Budget is one amount as well: € 500 of € 1.000
    assert by_code["45A02"][-1] == "50,0 %"
    assert _api_row(client, MAART, "54A01")["benutting"] == 1.0
    assert _api_row(client, MAART, "45A01")["benutting"] == round(17 / (4 * 31 / 7), 4)
    # over the whole toewijzing (March-June) the TBGT is 100 % as well, and toegewezen is 20
    heel = _api_row(client, "van=2026-03-01&tot=2026-06-30", "54A01")
    assert (heel["toegewezen"], heel["gedeclareerd"], heel["benutting"]) == (20.0, 20.0, 1.0)
    # a period after the TBGT's end allows nothing of it: no row for it
    juli = client.get("/api/v1/rapportages/volumes?van=2026-07-01&tot=2026-07-31").json()["rows"]
    assert "54A01" not in [r["productcode"] for r in juli]


@pytest.mark.parametrize(("frequentie", "volume", "geleverd", "verwacht"), [
    ("1", 2, 62, 1.0),  # per dag: 2 × 31 days
    ("2", 7, 31, 1.0),  # per week: 7 × 31 / 7
    ("4", 10, 5, 0.5),  # per maand: 10 × 1 month
    ("6", 40, 40, 1.0),  # TBGT over March-April: all 40 may go in March
])
def test_utilisation_for_every_frequentie(client, sessions, parties, users, frequentie, volume, geleverd,
                                          verwacht):
    with unit_of_work(sessions) as s:
        toewijzing(s, nummer=1, volume=volume, eenheid="04", frequentie=frequentie,
                   ingangsdatum=date(2026, 3, 1), einddatum=date(2026, 4, 30))
        maart = declaratie(s, maand=date(2026, 3, 1))
        prestatie(s, declaratie_id=maart, nummer=1, begindatum=date(2026, 3, 1), einddatum=date(2026, 3, 31),
                  volume=geleverd, bedrag=geleverd * 9800)
    login(client, "fenna")
    assert _api_row(client, MAART, "45A01")["benutting"] == verwacht


def test_the_definitions_agree_with_the_sql_on_the_utilisation():
    tbgt = rapportage.Omvang(date(2026, 3, 3), date(2026, 6, 10), volume=20, frequentie="6")
    maart = rapportage.Periode(date(2026, 3, 1), date(2026, 3, 31))
    assert rapportage.toegewezen(tbgt, maart) == pytest.approx(5.8)
    assert rapportage.benutbaar(tbgt, maart) == 20
    assert rapportage.benutbaar(tbgt, rapportage.Periode(date(2026, 7, 1), date(2026, 7, 31))) == 0
    week = rapportage.Omvang(date(2026, 3, 1), None, volume=4, frequentie="2")
    assert rapportage.benutbaar(week, maart) == rapportage.toegewezen(week, maart)


# --------------------------------------------------------------------------- downloads


@pytest.mark.usefixtures("voorbeeld")
def test_the_csv_for_dutch_excel_has_semicolons_decimal_commas_and_a_bom(client, users):
    login(client, "fenna")
    page = client.get(f"/financien?{Q1}")
    assert ">CSV (Excel NL)</a>" in page.text
    nl = links(page.text, "csv-nl")
    assert nl == f"/api/v1/rapportages/volumes?{Q1}&format=csv-nl"
    response = client.get(nl)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "excel-nl.csv" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    text = response.content.decode("utf-8-sig")
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[0] == list(rapportage.KOLOMMEN)
    by_key = {tuple(r[:4]): r for r in rows[1:]}
    assert by_key[(AGB, "45", "45A01", "04")][4:] == ["98,0", "77,71", "3,0", "9604,0", "294,0", "0,0306"]
    assert by_key[(AGB, "45", "", "83")][4] == "2465,75"
    assert by_key[(AGB, "45", "45A01", "01")][7] == ""
    # the RFC 4180 file is unchanged: commas, dot decimals, no BOM
    plain = client.get(links(page.text, "csv"))
    assert not plain.content.startswith(b"\xef\xbb\xbf")
    assert next(csv.reader(io.StringIO(plain.text, newline=""))) == list(rapportage.KOLOMMEN)
    assert "9604.0" in plain.text


@pytest.mark.usefixtures("voorbeeld")
def test_the_xlsx_has_names_a_frozen_header_and_an_autofilter(client, users):
    login(client, "fenna")
    page = client.get(f"/financien?{Q1}")
    response = client.get(links(page.text, "xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:L8"  # 12 columns, a header and 7 rows
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("aanbieder", "aanbieder_naam", "productcategorie", "productcode", "productnaam",
                           "eenheid")
    uur = next(r for r in rows[1:] if r[0] == AGB and r[3] == "45A01" and r[5] == "04")
    assert uur[1] == "Zorg BV" and uur[4] == "Jeugdhulp ambulant individueel"
    assert uur[6:] == (98, 77.71, 3, 9604, 294, 0.0306)
    budget = next(r for r in rows[1:] if r[5] == "83")
    assert budget[3] is None and budget[4] is None  # no product code: no product name
    assert next(r for r in rows[1:] if r[0] == OTHER)[1] == "Ander BV"


def _boven(html: str) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", " ", m).split())
            for m in re.findall(r'<tr class="soort-boven_toewijzing">(.*?)</tr>', html, re.S)]


def test_the_exceptions_do_not_list_a_tbgt_used_in_one_month(client, sessions, users, tbgt_in_maart):
    """The same pro rata share made /financien/uitzonderingen list the TBGT as "meer
    gedeclareerd dan toegewezen" (20 against 5,8). Only declaring more than the whole volume is."""
    login(client, "fenna")
    maart = client.get(f"/financien/uitzonderingen?{MAART}")
    assert maart.status_code == 200
    assert _boven(maart.text) == []
    with unit_of_work(sessions) as s:
        april = declaratie(s, maand=date(2026, 4, 1))
        prestatie(s, declaratie_id=april, nummer=1, categorie="54", code="54A01", eenheid="84",
                  begindatum=date(2026, 4, 1), einddatum=date(2026, 4, 30), volume=5, bedrag=72_500)
    [over] = _boven(client.get("/financien/uitzonderingen?van=2026-03-01&tot=2026-04-30").text)
    assert "54A01" in over and "toegewezen 20.0, gedeclareerd 25.0" in over
