"""`GET /api/v1/rapportages/volumes` (issue 6): hand-computed report rows over rows inserted
directly, the CSV and XLSX files read back with real readers, bad input and who may ask.
Runs on SQLite and on PostgreSQL (GATEWAY_TEST_DATABASE_URL): the numbers must be the same."""
from __future__ import annotations

import csv
import hashlib
import io
import itertools
import random
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from gateway.db.models import (
    Bericht,
    Declaratie,
    Partij,
    Prestatie,
    Toewijzing,
    Zorglevering,
    ZorgleveringStop,
)
from gateway.db.session import unit_of_work
from gateway.domain.financien import rapportage
from tests.backoffice import login
from tests.conftest import AGB, GEMEENTE

OTHER = "87654321"
Q1 = "van=2026-01-01&tot=2026-03-31"
_counter = itertools.count(1)


# --------------------------------------------------------------------------- builders


def _bericht(session) -> int:
    n = next(_counter)
    partij_id = session.scalar(select(Partij.id).order_by(Partij.id).limit(1))
    row = Bericht(richting="in", partij_id=partij_id, status="accepted", inhoud=b"<x/>",
                  inhoud_sha256=hashlib.sha256(f"rapportage-{n}".encode()).hexdigest())
    session.add(row)
    session.flush()
    return row.id


def toewijzing(session, *, nummer: int, ingangsdatum: date, einddatum: date | None, aanbieder: str = AGB,
               categorie: str = "45", code: str | None = "45A01", volume: int | None = None,
               eenheid: str | None = None, frequentie: str | None = None, budget: int | None = None,
               reden_wijziging: str | None = None, gemeente: str = GEMEENTE) -> None:
    session.add(Toewijzing(gemeente=gemeente, nummer=nummer, aanbieder=aanbieder, bsn="999994323",
                           categorie=categorie, code=code, ingangsdatum=ingangsdatum, einddatum=einddatum,
                           volume=volume, eenheid=eenheid, frequentie=frequentie, budget=budget,
                           reden_wijziging=reden_wijziging, toewijzingsdatum=ingangsdatum,
                           toewijzingstijd="10:00:00", gewijzigd=False))
    session.flush()


def levering(session, *, nummer: int, begindatum: date, stops: tuple = (), verwijderd: bool = False,
             aanbieder: str = AGB, gemeente: str = GEMEENTE) -> None:
    """A start with its stops: (reden, einddatum) or (reden, einddatum, "verwijderd")."""
    n = next(_counter)
    start = Zorglevering(gemeente=gemeente, aanbieder=aanbieder, bsn="999994323", toewijzingnummer=nummer,
                         begindatum=begindatum, bericht_id=_bericht(session),
                         actief_sleutel=None if verwijderd else f"start-{n}")
    session.add(start)
    session.flush()
    for reden, einddatum, *deleted in stops:
        session.add(ZorgleveringStop(zorglevering_id=start.id, reden=reden, einddatum=einddatum,
                                     bericht_id=_bericht(session),
                                     actief_sleutel=None if deleted else f"stop-{next(_counter)}"))
    session.flush()


def declaratie(session, *, aanbieder: str = AGB, maand: date = date(2026, 1, 1)) -> int:
    n = next(_counter)
    row = Declaratie(bericht_id=_bericht(session), gemeente=GEMEENTE, aanbieder=aanbieder, nummer=f"D{n}",
                     periode_begin=maand, periode_eind=maand, dagtekening=maand,
                     ingediend_eurocent=0, toegekend_eurocent=0)
    session.add(row)
    session.flush()
    return row.id


def prestatie(session, *, declaratie_id: int, nummer: int, begindatum: date, einddatum: date, volume: int,
              bedrag: int, eenheid: str = "04", categorie: str = "45", code: str = "45A01",
              aanbieder: str = AGB, credit: bool = False, status: str = "toegekend") -> None:
    n = next(_counter)
    session.add(Prestatie(declaratie_id=declaratie_id, gemeente=GEMEENTE, aanbieder=aanbieder, bsn="999994323",
                          referentie=f"P{n}", toewijzingnummer=nummer, categorie=categorie, code=code,
                          begindatum=begindatum, einddatum=einddatum, volume=volume, eenheid=eenheid,
                          bedrag_eurocent=-bedrag if credit else bedrag, debet_credit="C" if credit else "D",
                          status=status, actief_sleutel=f"{aanbieder}|P{n}" if status == "toegekend" else None))
    session.flush()


def gemeente_auth(parties) -> dict:
    return {"Authorization": f"Bearer {parties['gemeente']}"}


# --------------------------------------------------------------------------- the hand-computed case


@pytest.fixture
def voorbeeld(sessions, parties):
    """Q1 2026 (90 days) at provider 12345678 and one toewijzing at 87654321; every number
    in the expected rows below is worked out in the comments."""
    d = date
    with unit_of_work(sessions) as s:
        # 42A01 per dag, 2 stuks: 10 days (20) + an open one from December (90 days: 180) = 200;
        # delivered: a start from 1 January, clipped to the toewijzing's 10 days = 20.
        toewijzing(s, nummer=1, categorie="42", code="42A01", volume=2, eenheid="82", frequentie="1",
                   ingangsdatum=d(2026, 1, 10), einddatum=d(2026, 1, 19))
        levering(s, nummer=1, begindatum=d(2026, 1, 1), stops=(("02", d(2026, 2, 28)),))
        toewijzing(s, nummer=2, categorie="42", code="42A01", volume=2, eenheid="82", frequentie="1",
                   ingangsdatum=d(2025, 12, 1), einddatum=None)
        # 45A01 per week, 4 uur, 25 January - 7 February: 14 days = 8 uur (across a month
        # boundary); delivered 25 January - 3 February (definitive stop): 10 × 4 / 7.
        toewijzing(s, nummer=3, volume=4, eenheid="04", frequentie="2",
                   ingangsdatum=d(2026, 1, 25), einddatum=d(2026, 2, 7))
        levering(s, nummer=3, begindatum=d(2026, 1, 25), stops=(("02", d(2026, 2, 3)),))
        # 45A02 per maand, 1200 minuten, 17 January - 10 March: 15/31 + 1 + 10/31 months;
        # delivered 17 January - 13 February: 15/31 + 13/28 months.
        toewijzing(s, nummer=4, code="45A02", volume=1200, eenheid="01", frequentie="4",
                   ingangsdatum=d(2026, 1, 17), einddatum=d(2026, 3, 10))
        levering(s, nummer=4, begindatum=d(2026, 1, 17), stops=(("02", d(2026, 2, 13)),))
        # 54A01 TBGT, 20 stuks, 1 January - 10 April (100 days): 20 × 90/100 = 18;
        # delivered 2-26 March: 20 × 25/100 = 5.
        toewijzing(s, nummer=5, categorie="54", code="54A01", volume=20, eenheid="84", frequentie="6",
                   ingangsdatum=d(2026, 1, 1), einddatum=d(2026, 4, 10))
        levering(s, nummer=5, begindatum=d(2026, 3, 2), stops=(("02", d(2026, 3, 26)),))
        # Budget € 10.000 over 2026 (365 days), no product code: € 10.000 × 90/365, delivered
        # the same (a start on 1 January, not stopped).
        toewijzing(s, nummer=6, code=None, budget=1_000_000,
                   ingangsdatum=d(2026, 1, 1), einddatum=d(2026, 12, 31))
        levering(s, nummer=6, begindatum=d(2026, 1, 1))
        # 45A01 per week, 7 uur, all of 2026: 90 days = 90 uur. Delivered 5-18 January, a
        # temporary stop, a new start 2 February not stopped (up to tot): 14 + 58 days = 72.
        # A deleted start and a deleted stop count nothing.
        toewijzing(s, nummer=7, volume=7, eenheid="04", frequentie="2",
                   ingangsdatum=d(2026, 1, 1), einddatum=d(2026, 12, 31))
        levering(s, nummer=7, begindatum=d(2026, 1, 5), stops=(("20", d(2026, 1, 18)),))
        levering(s, nummer=7, begindatum=d(2026, 2, 2), stops=(("02", d(2026, 2, 10), "verwijderd"),))
        levering(s, nummer=7, begindatum=d(2026, 1, 1), verwijderd=True)
        # A deleted toewijzing (RedenWijziging 13) and its delivery count nothing.
        toewijzing(s, nummer=8, volume=100, eenheid="04", frequentie="2", reden_wijziging="13",
                   ingangsdatum=d(2026, 1, 1), einddatum=d(2026, 1, 1))
        levering(s, nummer=8, begindatum=d(2026, 1, 1))
        # The other provider: 45A01 per week, 7 uur, 1-14 January: 14 uur.
        toewijzing(s, nummer=9, aanbieder=OTHER, volume=7, eenheid="04", frequentie="2",
                   ingangsdatum=d(2026, 1, 1), einddatum=d(2026, 1, 14))
        # Declared 45A01 in uur: January 31 (debet, € 3.038), February 28 as a credit
        # (€ -2.744): 3 uur, € 294. A rejected line and one from December count nothing.
        # In minuten (another eenheid, another row): 120 in March, € 204.
        jan = declaratie(s)
        prestatie(s, declaratie_id=jan, nummer=7, begindatum=d(2026, 1, 1), einddatum=d(2026, 1, 31),
                  volume=31, bedrag=303_800)
        prestatie(s, declaratie_id=jan, nummer=7, begindatum=d(2026, 2, 1), einddatum=d(2026, 2, 28),
                  volume=28, bedrag=274_400, credit=True)
        prestatie(s, declaratie_id=jan, nummer=7, begindatum=d(2026, 3, 1), einddatum=d(2026, 3, 31),
                  volume=50, bedrag=490_000, status="afgewezen")
        prestatie(s, declaratie_id=jan, nummer=7, begindatum=d(2025, 12, 1), einddatum=d(2025, 12, 31),
                  volume=10, bedrag=98_000)
        prestatie(s, declaratie_id=jan, nummer=4, begindatum=d(2026, 3, 1), einddatum=d(2026, 3, 31),
                  volume=120, bedrag=20_400, eenheid="01")


def _row(aanbieder, categorie, code, eenheid, toegewezen, geleverd, gedeclareerd, toegewezen_bedrag,
         gedeclareerd_bedrag, benutting):
    return dict(zip(rapportage.KOLOMMEN, (aanbieder, categorie, code, eenheid, toegewezen, geleverd, gedeclareerd,
                                          toegewezen_bedrag, gedeclareerd_bedrag, benutting), strict=True))


EXPECTED_Q1 = [
    # 200 ritten × € 32
    _row(AGB, "42", "42A01", "82", 200.0, 20.0, 0.0, 6400.0, 0.0, 0.0),
    # Budget: euro, 10000 × 90/365
    _row(AGB, "45", None, "83", 2465.75, 2465.75, 0.0, 2465.75, 0.0, 0.0),
    # declared in minuten, nothing allocated in minuten for 45A01: no tariff, no utilisation
    _row(AGB, "45", "45A01", "01", 0.0, 0.0, 120.0, None, 204.0, None),
    # 8 + 90 uur allocated; delivered 10 × 4/7 + 72; declared 31 - 28; 98 × € 98; 3 / 98
    _row(AGB, "45", "45A01", "04", 98.0, 77.71, 3.0, 9604.0, 294.0, 0.0306),
    # 1200 × (15/31 + 1 + 10/31); 1200 × (15/31 + 13/28); × € 1,70
    _row(AGB, "45", "45A02", "01", 2167.74, 1137.79, 0.0, 3685.16, 0.0, 0.0),
    _row(AGB, "54", "54A01", "84", 18.0, 5.0, 0.0, 2610.0, 0.0, 0.0),
    _row(OTHER, "45", "45A01", "04", 14.0, 0.0, 0.0, 1372.0, 0.0, 0.0),
]


def test_volume_report_on_hand_computed_rows(client, parties, voorbeeld):
    response = client.get(f"/api/v1/rapportages/volumes?{Q1}", headers=gemeente_auth(parties))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["van"], body["tot"]) == ("2026-01-01", "2026-03-31")
    assert body["rows"] == EXPECTED_Q1


def test_a_prestatie_partly_inside_the_period_counts_pro_rata(client, parties, voorbeeld):
    # From 15 January: 17 of January's 31 days (17 uur, € 1.666) and the whole credit.
    response = client.get("/api/v1/rapportages/volumes?van=2026-01-15&tot=2026-03-31&aanbieder=" + AGB,
                          headers=gemeente_auth(parties))
    [row] = [r for r in response.json()["rows"] if r["productcode"] == "45A01" and r["eenheid"] == "04"]
    assert (row["gedeclareerd"], row["gedeclareerd_bedrag"]) == (-11.0, -1078.0)
    # allocated from 15 January: 14 days of toewijzing 3 (× 4/7) and 76 of toewijzing 7
    assert row["toegewezen"] == round(14 * 4 / 7 + 76, 2)


def test_the_aanbieder_filter_keeps_one_provider(client, parties, voorbeeld):
    response = client.get(f"/api/v1/rapportages/volumes?{Q1}&aanbieder={OTHER}", headers=gemeente_auth(parties))
    assert response.json()["rows"] == [EXPECTED_Q1[-1]]


def test_a_period_without_anything_gives_no_rows(client, parties, voorbeeld):
    response = client.get("/api/v1/rapportages/volumes?van=2016-01-01&tot=2016-12-31",
                          headers=gemeente_auth(parties))
    assert response.json()["rows"] == []


def test_another_gemeentes_toewijzingen_are_not_counted(client, sessions, parties, voorbeeld):
    with unit_of_work(sessions) as s:
        toewijzing(s, nummer=1, gemeente="0599", volume=5, eenheid="04", frequentie="2",
                   ingangsdatum=date(2026, 1, 1), einddatum=date(2026, 3, 31))
    response = client.get(f"/api/v1/rapportages/volumes?{Q1}", headers=gemeente_auth(parties))
    assert response.json()["rows"] == EXPECTED_Q1


# --------------------------------------------------------------------------- files


def test_csv_is_rfc4180_with_a_header_and_dot_decimals(client, parties, voorbeeld):
    response = client.get(f"/api/v1/rapportages/volumes?{Q1}&format=csv", headers=gemeente_auth(parties))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.text.endswith("\r\n") and "\r\n" in response.text.split("\n", 1)[0] + "\n"
    rows = list(csv.reader(io.StringIO(response.text, newline="")))
    assert rows[0] == list(rapportage.KOLOMMEN)
    assert len(rows) == 1 + len(EXPECTED_Q1)
    by_key = {tuple(r[:4]): r for r in rows[1:]}
    uur = by_key[(AGB, "45", "45A01", "04")]
    assert uur[4:] == ["98.0", "77.71", "3.0", "9604.0", "294.0", "0.0306"]
    assert by_key[(AGB, "45", "", "83")][4] == "2465.75"  # no product code: an empty field
    assert by_key[(AGB, "45", "45A01", "01")][7] == ""  # no tariff: empty, not "None"
    assert float(by_key[(AGB, "45", "45A02", "01")][4]) == 2167.74


def test_xlsx_opens_with_numbers_as_numbers(client, parties, voorbeeld):
    response = client.get(f"/api/v1/rapportages/volumes?{Q1}&format=xlsx", headers=gemeente_auth(parties))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    # the report's columns with the provider's and the product's name beside their codes
    assert rows[0] == ("aanbieder", "aanbieder_naam", "productcategorie", "productcode", "productnaam",
                       *rapportage.KOLOMMEN[3:])
    assert len(rows) == 1 + len(EXPECTED_Q1)
    uur = next(r for r in rows[1:] if r[3] == "45A01" and r[5] == "04" and r[0] == AGB)
    assert uur[6:] == (98, 77.71, 3, 9604, 294, 0.0306)
    assert all(isinstance(v, (int, float)) for v in uur[6:])
    assert isinstance(uur[0], str) and uur[0] == AGB  # codes stay text (leading zeros)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(("query", "text"), [
    ("tot=2026-03-31", "van"),
    ("van=2026-01-01", "tot"),
    ("van=2026-13-01&tot=2026-12-31", "geen bestaande datum"),
    ("van=01-01-2026&tot=2026-12-31", "JJJJ-MM-DD"),
    ("van=20260101&tot=2026-12-31", "JJJJ-MM-DD"),
    ("van=2026-04-01&tot=2026-03-31", "vóór van"),
    ("van=2014-01-01&tot=2014-12-31", "2015"),
    ("van=2016-01-01&tot=2026-12-31", "10 jaar"),
    (f"{Q1}&format=pdf", "format"),
    (f"{Q1}&aanbieder=1234", "AGB"),
    (f"{Q1}&gemeente=abc", "CBS"),
])
def test_bad_input_is_400_problem_json(client, parties, query, text):
    response = client.get(f"/api/v1/rapportages/volumes?{query}", headers=gemeente_auth(parties))
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert text in response.json()["detail"]


def test_an_unknown_aanbieder_is_404(client, parties):
    response = client.get(f"/api/v1/rapportages/volumes?{Q1}&aanbieder=11112222", headers=gemeente_auth(parties))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_a_municipality_sees_only_its_own_gemeente(client, parties):
    response = client.get(f"/api/v1/rapportages/volumes?{Q1}&gemeente=0599", headers=gemeente_auth(parties))
    assert response.status_code == 403


# --------------------------------------------------------------------------- who may ask


def test_without_credentials_401(client, parties):
    response = client.get(f"/api/v1/rapportages/volumes?{Q1}")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert client.get(f"/api/v1/rapportages/volumes?{Q1}",
                      headers={"Authorization": "Bearer nope"}).status_code == 401


def test_a_provider_token_is_403(client, parties):
    response = client.get(f"/api/v1/rapportages/volumes?{Q1}", headers={"Authorization": f"Bearer {parties['provider']}"})
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("user", ["fenna", "beheer"])
def test_a_finance_or_admin_session_may_ask(client, parties, users, voorbeeld, user):
    assert login(client, user).status_code == 303
    response = client.get(f"/api/v1/rapportages/volumes?{Q1}")
    assert response.status_code == 200, response.text
    assert response.json()["rows"] == EXPECTED_Q1
    filtered = client.get(f"/api/v1/rapportages/volumes?{Q1}&gemeente=0599")
    assert filtered.status_code == 200 and filtered.json()["rows"] == []


def test_a_cjg_session_is_403(client, parties, users):
    assert login(client, "marieke").status_code == 303
    response = client.get(f"/api/v1/rapportages/volumes?{Q1}")
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


# --------------------------------------------------------------------------- SQL = definitions


def random_data(sessions, seed: int = 6) -> tuple[list, list]:
    """Random toewijzingen (one in ten deleted, some open-ended), starts, stops and prestaties
    from October 2025 on, inserted; returns what the pure definitions need: the current
    toewijzingen as (key, Omvang, [Levering]) and the accepted prestaties as (key, volume,
    bedrag, begin, eind, credit)."""
    rng = random.Random(seed)
    base = date(2025, 10, 1)
    products = [("45", "45A01", "04", "2"), ("45", "45A02", "01", "4"), ("42", "42A01", "82", "1"),
                ("54", "54A01", "84", "6"), ("45", None, None, None)]
    facts = []  # (key, Omvang, [Levering])
    prestaties = []  # (key, volume, bedrag, begin, eind, credit)
    with unit_of_work(sessions) as s:
        dec = declaratie(s)
        for nummer in range(1, 81):
            categorie, code, eenheid, frequentie = rng.choice(products)
            aanbieder = rng.choice([AGB, OTHER])
            begin = base + timedelta(days=rng.randint(0, 400))
            eind = None if rng.random() < 0.2 and frequentie != "2" else begin + timedelta(days=rng.randint(0, 300))
            budget = rng.randint(1, 50) * 10_000 if code is None else None
            volume = None if code is None else rng.randint(1, 40)
            if budget is not None and eind is None and rng.random() < 0.5:
                eind = begin + timedelta(days=100)
            deleted = rng.random() < 0.1
            toewijzing(s, nummer=nummer, aanbieder=aanbieder, categorie=categorie, code=code, volume=volume,
                       eenheid=eenheid, frequentie=frequentie, budget=budget, ingangsdatum=begin, einddatum=eind,
                       reden_wijziging="13" if deleted else None)
            leveringen = []
            start = begin + timedelta(days=rng.randint(-5, 20))
            for _ in range(rng.randint(0, 3)):
                stop = start + timedelta(days=rng.randint(0, 120)) if rng.random() < 0.7 else None
                stops = ((rng.choice(["20", "02"]), stop),) if stop else ()
                verwijderd = rng.random() < 0.1
                levering(s, nummer=nummer, aanbieder=aanbieder, begindatum=start, stops=stops, verwijderd=verwijderd)
                if not verwijderd:
                    leveringen.append(rapportage.Levering(start, stop))
                if stop is None:
                    break
                start = stop + timedelta(days=rng.randint(1, 30))
            key = (aanbieder, categorie, code, "83" if code is None else eenheid)
            if not deleted:
                facts.append((key, rapportage.Omvang(begin, eind, volume, frequentie, budget), leveringen))
            for _ in range(rng.randint(0, 3)):
                first = date(2025, 10, 1) + timedelta(days=rng.randint(0, 500))
                last = min(first + timedelta(days=rng.randint(0, 27)),
                           date(first.year + first.month // 12, first.month % 12 + 1, 1) - timedelta(days=1))
                hoeveel, bedrag, credit = rng.randint(1, 60), rng.randint(1, 900_000), rng.random() < 0.2
                status = "toegekend" if rng.random() < 0.85 else "afgewezen"
                peenheid = eenheid or "83"
                prestatie(s, declaratie_id=dec, nummer=nummer, aanbieder=aanbieder, categorie=categorie,
                          code=code or "45X00", eenheid=peenheid, begindatum=first, einddatum=last, volume=hoeveel,
                          bedrag=bedrag, credit=credit, status=status)
                if status == "toegekend":
                    prestaties.append(((aanbieder, categorie, code or "45X00", peenheid), hoeveel, bedrag, first,
                                       last, credit))
    return facts, prestaties


def test_the_sql_report_equals_the_definitions_on_random_data(client, sessions, parties):
    """Random toewijzingen, starts, stops and prestaties: the grouped SQL must give what the
    pure definitions give, on this database, for a few periods."""
    facts, prestaties = random_data(sessions)
    for van, tot in [(date(2026, 1, 1), date(2026, 12, 31)), (date(2025, 11, 17), date(2026, 2, 3)),
                     (date(2026, 2, 1), date(2026, 2, 28)), (date(2025, 1, 1), date(2027, 12, 31))]:
        periode = rapportage.Periode(van, tot)
        expected: dict[tuple, list[float]] = {}
        for key, omvang, leveringen in facts:
            sums = expected.setdefault(key, [0.0, 0.0, 0.0, 0.0])
            sums[0] += rapportage.toegewezen(omvang, periode)
            sums[1] += rapportage.geleverd(omvang, leveringen, periode)
        for key, hoeveel, bedrag, first, last, credit in prestaties:
            sums = expected.setdefault(key, [0.0, 0.0, 0.0, 0.0])
            sums[2] += rapportage.gedeclareerd(hoeveel, first, last, periode, credit=credit)
            sums[3] += rapportage.gedeclareerd(bedrag, first, last, periode, credit=credit)
        expected = {k: [round(rapportage.in_eenheid(v, k[3]), 2) for v in sums[:3]] + [round(sums[3] / 100, 2)]
                    for k, sums in expected.items() if any(sums)}
        response = client.get(f"/api/v1/rapportages/volumes?van={van}&tot={tot}", headers=gemeente_auth(parties))
        assert response.status_code == 200
        got = {(r["aanbieder"], r["productcategorie"], r["productcode"], r["eenheid"]):
               [r["toegewezen"], r["geleverd"], r["gedeclareerd"], r["gedeclareerd_bedrag"]]
               for r in response.json()["rows"]}
        got = {k: v for k, v in got.items() if any(v)}
        assert got.keys() == expected.keys(), (van, tot)
        for key in expected:
            assert got[key] == pytest.approx(expected[key], abs=0.011), (van, tot, key)
