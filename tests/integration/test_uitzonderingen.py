"""`/financien/uitzonderingen` (issue 6 item 4): one case of each kind of exception with a
non-case next to it, on rows inserted directly; who sees a link to the client page.
TODAY is 2026-11-23 (tests.support); the default period is 2026."""
from __future__ import annotations

import hashlib
import itertools
import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from gateway.db.models import (
    Bericht,
    Client,
    Declaratie,
    Partij,
    Prestatie,
    Toewijzing,
    Zorglevering,
    ZorgleveringStop,
)
from gateway.db.session import unit_of_work
from gateway.domain.financien.rapportage import Periode
from gateway.readmodels import uitzonderingen
from tests.backoffice import login
from tests.conftest import AGB, GEMEENTE
from tests.support import TODAY

_n = itertools.count(1)
D = date


def _bericht(s) -> int:
    row = Bericht(richting="in", partij_id=s.scalar(select(Partij.id).limit(1)), status="accepted", inhoud=b"<x/>",
                  inhoud_sha256=hashlib.sha256(f"uitz-{next(_n)}".encode()).hexdigest())
    s.add(row)
    s.flush()
    return row.id


def _bsn(nummer: int) -> str:
    return f"1000000{nummer:02d}"


def toewijzing(s, nummer, ingang, eind, *, volume=4, frequentie="2", eenheid="04", code="45A01"):
    s.add(Toewijzing(gemeente=GEMEENTE, nummer=nummer, aanbieder=AGB, bsn=_bsn(nummer), categorie="45", code=code,
                     ingangsdatum=ingang, einddatum=eind, volume=volume, eenheid=eenheid, frequentie=frequentie,
                     toewijzingsdatum=ingang, toewijzingstijd="10:00:00", gewijzigd=False,
                     aangemaakt_op=datetime(ingang.year, ingang.month, ingang.day, 9, tzinfo=UTC)))
    s.flush()


def start(s, nummer, begin, *stops):
    z = Zorglevering(gemeente=GEMEENTE, aanbieder=AGB, bsn=_bsn(nummer), toewijzingnummer=nummer, categorie="45",
                     code="45A01", begindatum=begin, bericht_id=_bericht(s), actief_sleutel=f"uitz-start-{next(_n)}")
    s.add(z)
    s.flush()
    for reden, einde in stops:
        s.add(ZorgleveringStop(zorglevering_id=z.id, reden=reden, einddatum=einde, bericht_id=_bericht(s),
                               actief_sleutel=f"uitz-stop-{next(_n)}"))
    s.flush()


def prestatie(s, nummer, begin, eind, volume, *, credit_of=None, referentie=None):
    dec = Declaratie(bericht_id=_bericht(s), gemeente=GEMEENTE, aanbieder=AGB, nummer=f"U{next(_n)}",
                     periode_begin=begin.replace(day=1), periode_eind=eind, dagtekening=eind,
                     ingediend_eurocent=0, toegekend_eurocent=0)
    s.add(dec)
    s.flush()
    ref = referentie or f"UR{next(_n)}"
    s.add(Prestatie(declaratie_id=dec.id, gemeente=GEMEENTE, aanbieder=AGB, bsn=_bsn(nummer), referentie=ref,
                    vorige_referentie=credit_of, toewijzingnummer=nummer, categorie="45", code="45A01",
                    begindatum=begin, einddatum=eind, volume=volume, eenheid="04", tarief_eurocent=9800,
                    bedrag_eurocent=(-1 if credit_of else 1) * volume * 9800, debet_credit="C" if credit_of else "D",
                    status="toegekend", actief_sleutel=f"{AGB}|{ref}"))
    s.flush()


@pytest.fixture
def gevallen(sessions, parties):
    with unit_of_work(sessions) as s:
        # (a) per week 4 uur, 5-18 January (14 days): 8 uur allocated. Nr 1 declares 10: over.
        # Nr 2 declares 10 and credits 2 of it: net 8, not over.
        for nummer in (1, 2):
            toewijzing(s, nummer, D(2026, 1, 5), D(2026, 1, 18))
            start(s, nummer, D(2026, 1, 5), ("02", D(2026, 1, 18)))
        prestatie(s, 1, D(2026, 1, 5), D(2026, 1, 18), 10)
        prestatie(s, 2, D(2026, 1, 5), D(2026, 1, 18), 10, referentie="UR-ORIG")
        prestatie(s, 2, D(2026, 1, 5), D(2026, 1, 18), 10, credit_of="UR-ORIG")
        prestatie(s, 2, D(2026, 1, 5), D(2026, 1, 18), 8)
        # (b) start 1-10 February (definitive stop); March declared without a start, February not.
        toewijzing(s, 3, D(2026, 2, 1), None, volume=100)
        start(s, 3, D(2026, 2, 1), ("02", D(2026, 2, 10)))
        prestatie(s, 3, D(2026, 2, 1), D(2026, 2, 10), 5)
        prestatie(s, 3, D(2026, 3, 1), D(2026, 3, 31), 6)
        # (c) toewijzing to 30 June: nr 4 never stopped (care runs on), nr 5 stopped on 30 June.
        toewijzing(s, 4, D(2026, 5, 1), D(2026, 6, 30))
        start(s, 4, D(2026, 5, 1))
        toewijzing(s, 5, D(2026, 5, 1), D(2026, 6, 30))
        start(s, 5, D(2026, 5, 1), ("02", D(2026, 6, 30)))
        # (d) no start: nr 6 from 1 October (overdue), nr 7 from 16 November (5 werkdagen ago).
        toewijzing(s, 6, D(2026, 10, 1), None)
        toewijzing(s, 7, D(2026, 11, 16), None)
        # (e) temporary stop on 31 August (12 weeks ago): nr 8 never restarted; nr 9 started
        # again on 15 September; nr 10 stopped on 15 October (less than 8 weeks ago).
        for nummer in (8, 9, 10):
            toewijzing(s, nummer, D(2026, 3, 1), None)
        start(s, 8, D(2026, 3, 1), ("20", D(2026, 8, 31)))
        start(s, 9, D(2026, 3, 1), ("20", D(2026, 8, 31)))
        start(s, 9, D(2026, 9, 15))
        start(s, 10, D(2026, 3, 1), ("20", D(2026, 10, 15)))
        client = Client(gemeente=GEMEENTE, bsn=_bsn(6))
        s.add(client)
        s.flush()
        return client.id


def test_each_kind_and_its_non_case(sessions, gevallen):
    with unit_of_work(sessions) as s:
        found = uitzonderingen.zoek(s, Periode(D(2026, 1, 1), D(2026, 12, 31)), today=TODAY)
    nummers = {soort: [u.toewijzingnummer for u in rows] for soort, rows in found.per_soort.items()}
    assert nummers == {"boven_toewijzing": [1], "zonder_start": [3], "na_einddatum": [4], "geen_start": [6],
                       "tijdelijk_gestopt": [8], "buiten_norm": []}  # see test_besluit_guardrails
    over = found.per_soort["boven_toewijzing"][0]
    assert over.cijfers == {"eenheid": "04", "toegewezen": 8.0, "gedeclareerd": 10.0}
    assert found.per_soort["zonder_start"][0].cijfers["productperiode_van"] == D(2026, 3, 1)
    assert found.per_soort["na_einddatum"][0].cijfers["einde_zorg"] is None
    assert found.per_soort["tijdelijk_gestopt"][0].cijfers["weken"] == 12
    assert found.per_soort["geen_start"][0].client_id == gevallen
    assert not found.afgekapt


def test_period_and_limit(sessions, gevallen):
    with unit_of_work(sessions) as s:
        # Only the first half of the year: the stop of 31 August and the toewijzing of October fall out.
        half = uitzonderingen.zoek(s, Periode(D(2026, 1, 1), D(2026, 6, 30)), today=TODAY)
        assert half.per_soort["tijdelijk_gestopt"] == [] and half.per_soort["geen_start"] == []
        assert [u.toewijzingnummer for u in half.per_soort["na_einddatum"]] == [4]
        # The allocation over 5-11 January only: 4 uur; declared pro rata 7/14 × 10 = 5 (nr 1) and
        # 7/14 × 8 = 4 net (nr 2).
        week = uitzonderingen.zoek(s, Periode(D(2026, 1, 5), D(2026, 1, 11)), today=TODAY)
        assert [(u.toewijzingnummer, u.cijfers["toegewezen"], u.cijfers["gedeclareerd"])
                for u in week.per_soort["boven_toewijzing"]] == [(1, 4.0, 5.0)]
        cut = uitzonderingen.zoek(s, Periode(D(2026, 1, 1), D(2026, 12, 31)), today=TODAY, limit=0)
        assert cut.afgekapt == set(uitzonderingen.SOORTEN) - {"buiten_norm"}  # no grant decided here


def _rows(html: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in re.finditer(r'<tr class="soort-(\w+)">(.*?)</tr>', html, re.S)}


def test_page_finance_sees_masked_bsn_without_link(client, users, gevallen):
    login(client, users["finance"])
    response = client.get("/financien/uitzonderingen")
    assert response.status_code == 200
    rows = _rows(response.text)
    assert set(rows) == set(uitzonderingen.SOORTEN) - {"buiten_norm"}
    assert "Toegewezen, nooit gestart" in rows["geen_start"]
    assert "*****0006" in rows["geen_start"] and f"cliënt {gevallen}" in rows["geen_start"]
    assert _bsn(6) not in response.text and "/clienten/" not in response.text
    assert "toegewezen 8.0, gedeclareerd 10.0" in rows["boven_toewijzing"]


def test_page_admin_gets_the_link_and_filters(client, users, gevallen):
    login(client, users["admin"])
    response = client.get("/financien/uitzonderingen")
    assert f'href="/clienten/{gevallen}"' in _rows(response.text)["geen_start"]
    other = client.get("/financien/uitzonderingen?aanbieder=87654321")
    assert other.status_code == 200 and _rows(other.text) == {}
    assert "Geen uitzonderingen" in other.text


def test_page_bad_input_and_roles(client, users, gevallen):
    login(client, users["finance"])
    bad = client.get("/financien/uitzonderingen?van=2026-12-01&tot=2026-01-01")
    assert bad.status_code == 400 and "tot ligt vóór van" in bad.text and 'aria-invalid="true"' in bad.text
    assert client.get("/financien/uitzonderingen?van=31-02-2026").status_code == 400
    assert client.get("/financien/uitzonderingen?aanbieder=99999999").status_code == 400
    login(client, users["cjg"])
    assert client.get("/financien/uitzonderingen").status_code == 403
