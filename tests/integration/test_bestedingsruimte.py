"""`/financien/bestedingsruimte` (issue 6 item 5): hand-computed spent, committed, forecast and
month of reaching the cap; setting a cap (admin only, CSRF, amounts as typed, logged).
TODAY is 2026-11-23: ten calendar months of 2026 have ended."""
from __future__ import annotations

import hashlib
import itertools
import re
from datetime import date

import pytest
from sqlalchemy import select

from gateway.db.models import AuditRegel, Bericht, Bestedingsruimte, Declaratie, Partij, Prestatie, Toewijzing
from gateway.db.session import unit_of_work
from gateway.domain.beheer import audit
from gateway.domain.financien import bestedingsruimte as ruimte
from tests.backoffice import csrf_of, login, post_form
from tests.conftest import AGB, GEMEENTE
from tests.support import TODAY

OTHER = "87654321"
PAGE = "/financien/bestedingsruimte"
_n = itertools.count(1)
D = date


def _bericht(s) -> int:
    row = Bericht(richting="in", partij_id=s.scalar(select(Partij.id).limit(1)), status="accepted", inhoud=b"<x/>",
                  inhoud_sha256=hashlib.sha256(f"ruimte-{next(_n)}".encode()).hexdigest())
    s.add(row)
    s.flush()
    return row.id


def toewijzing(s, aanbieder, ingang, eind, *, volume=None, frequentie=None, eenheid=None, budget=None):
    s.add(Toewijzing(gemeente=GEMEENTE, nummer=next(_n), aanbieder=aanbieder, bsn="999994323", categorie="45",
                     code="45A01", ingangsdatum=ingang, einddatum=eind, volume=volume, eenheid=eenheid,
                     frequentie=frequentie, budget=budget, toewijzingsdatum=ingang, toewijzingstijd="10:00:00",
                     gewijzigd=False))
    s.flush()


def prestatie(s, aanbieder, maand, bedrag, *, credit=False, status="toegekend"):
    dec = Declaratie(bericht_id=_bericht(s), gemeente=GEMEENTE, aanbieder=aanbieder, nummer=f"B{next(_n)}",
                     periode_begin=maand, periode_eind=maand, dagtekening=maand, ingediend_eurocent=0,
                     toegekend_eurocent=0)
    s.add(dec)
    s.flush()
    ref = f"BR{next(_n)}"
    s.add(Prestatie(declaratie_id=dec.id, gemeente=GEMEENTE, aanbieder=aanbieder, bsn="999994323", referentie=ref,
                    toewijzingnummer=1, categorie="45", code="45A01", begindatum=maand, einddatum=maand, volume=1,
                    eenheid="04", bedrag_eurocent=-bedrag if credit else bedrag, debet_credit="C" if credit else "D",
                    status=status, actief_sleutel=f"{aanbieder}|{ref}" if status == "toegekend" else None))
    s.flush()


def cap(s, aanbieder, bedrag, jaar=2026):
    s.add(Bestedingsruimte(gemeente=GEMEENTE, aanbieder=aanbieder, jaar=jaar, bedrag_eurocent=bedrag,
                           ingesteld_door="test"))
    s.flush()


@pytest.fixture
def jaar2026(sessions, parties):
    with unit_of_work(sessions) as s:
        # 12345678: spent 3000 + 3000 - 1000 (credit) = 5000 euro; a rejected line and one of
        # December 2025 do not count.
        prestatie(s, AGB, D(2026, 1, 15), 300_000)
        prestatie(s, AGB, D(2026, 2, 15), 300_000)
        prestatie(s, AGB, D(2026, 3, 15), 100_000, credit=True)
        prestatie(s, AGB, D(2026, 4, 15), 500_000, status="afgewezen")
        prestatie(s, AGB, D(2025, 12, 15), 400_000)
        # allocated: a Budget of 12 000 euro over all of 2026 (365/365 of it) + 45A01 4 uur per
        # week over 1-28 July (28 days = 16 uur) × 98 euro = 1568 euro: 13 568 euro in all.
        toewijzing(s, AGB, D(2026, 1, 1), D(2026, 12, 31), budget=1_200_000)
        toewijzing(s, AGB, D(2026, 7, 1), D(2026, 7, 28), volume=4, frequentie="2", eenheid="04")
        cap(s, AGB, 550_000)
        # 87654321: spent 500 euro; allocated 2 uur per week over 5-18 January = 4 uur × 98 = 392
        # euro, less than spent: committed 0.
        prestatie(s, OTHER, D(2026, 1, 15), 50_000)
        toewijzing(s, OTHER, D(2026, 1, 5), D(2026, 1, 18), volume=2, frequentie="2", eenheid="04")
        cap(s, OTHER, 1_000_000)


def test_hand_computed(sessions, client, jaar2026):
    with unit_of_work(sessions) as s:
        standen = {st.aanbieder: st for st in ruimte.overzicht(s, 2026, today=TODAY,
                                                                producten=client.app.state.ctx.reference.producten)}
    a = standen[AGB]
    assert (a.besteed, a.toegewezen, a.verplicht, a.maanden) == (500_000, 1_356_800, 856_800, 10)
    # 5000 / 10 months × 12 = 6000 euro; at 500 euro a month the remaining 500 euro of the cap
    # goes in one month more: end of November. But 5000 + 8568 > 5500 already (the red
    # waarschuwing), so "bereikt in" says so instead of a month still to come.
    assert a.prognose == 600_000
    assert a.tempo_maand == 11
    assert a.waarschuwing
    assert (a.bereikt_maand, a.bereikt) == (0, "al erboven met verplicht")
    b = standen[OTHER]
    assert (b.besteed, b.toegewezen, b.verplicht, b.prognose) == (50_000, 39_200, 0, 60_000)
    # 9500 euro left at 50 euro a month: 190 months
    assert (b.bereikt_maand, b.bereikt, b.waarschuwing) == (None, "niet dit jaar", False)


def test_forecast_edges():
    st = ruimte.Stand(GEMEENTE, AGB, 2026, 100_000, besteed=120_000, maanden=10)
    assert st.bereikt == "al bereikt"
    assert ruimte.Stand(GEMEENTE, AGB, 2026, 100_000, besteed=0, maanden=0).prognose is None
    assert ruimte.verstreken_maanden(2025, TODAY) == 12 and ruimte.verstreken_maanden(2027, TODAY) == 0
    assert ruimte.verstreken_maanden(2026, D(2026, 1, 31)) == 0


@pytest.mark.parametrize("text, cents", [("12.500,00", 1_250_000), ("12500.00", 1_250_000), ("12500", 1_250_000),
                                         ("€ 12.500", 1_250_000), ("0,5", 50), ("1.234.567,89", 123_456_789),
                                         ("12,5,0", None), ("twaalf", None), ("", None), ("12.50.0", None)])
def test_parse_euro(text, cents):
    assert ruimte.parse_euro(text) == cents


def _row(html: str, aanbieder: str) -> str:
    match = re.search(rf'<tr data-aanbieder="{aanbieder}">(.*?)</tr>', html, re.S)
    assert match, f"no row for {aanbieder}"
    return match.group(1)


def test_page_shows_the_figures(client, users, jaar2026):
    login(client, users["finance"])
    response = client.get(PAGE)
    assert response.status_code == 200
    row = _row(response.text, AGB)
    for shown in ("5.500,00", "5.000,00", "8.568,00", "6.000,00", "al erboven met verplicht",
                  "boven bestedingsruimte"):
        assert shown in row
    assert "niet dit jaar" in _row(response.text, OTHER)
    assert "Bestedingsruimte instellen" not in response.text  # finance may not set it
    assert "nog geen bestedingsruimte" in client.get(PAGE + "?jaar=2025").text
    assert client.get(PAGE + "?jaar=20x6").status_code == 400


def test_admin_sets_and_updates_a_cap_logged(client, users, sessions, parties):
    login(client, users["admin"])
    first = post_form(client, PAGE, {"aanbieder": AGB, "jaar": "2026", "bedrag": "12.500,00"})
    assert first.status_code == 303
    second = post_form(client, PAGE, {"aanbieder": AGB, "jaar": "2026", "bedrag": "13000.50"})
    assert second.status_code == 303
    with unit_of_work(sessions) as s:
        rows = s.scalars(select(Bestedingsruimte)).all()
        assert [(r.gemeente, r.aanbieder, r.jaar, r.bedrag_eurocent, r.ingesteld_door) for r in rows] == [
            (GEMEENTE, AGB, 2026, 1_300_050, users["admin"])]
        logged = s.scalars(select(AuditRegel).where(AuditRegel.actie == audit.BESTEDINGSRUIMTE_INGESTELD)).all()
        assert [(e.gebruiker, e.object_id) for e in logged] == [(users["admin"], f"{GEMEENTE}/{AGB}/2026")] * 2
    assert "13.000,50" in _row(client.get(PAGE).text, AGB)


def test_bad_amount_is_shown_beside_the_field(client, users, sessions, parties):
    login(client, users["admin"])
    for bedrag, message in (("12,5,0", "Vul een bedrag in euro in"), ("0,00", "groter zijn dan 0")):
        response = post_form(client, PAGE, {"aanbieder": AGB, "jaar": "2026", "bedrag": bedrag})
        assert response.status_code == 400
        assert re.search(rf'id="fout-bedrag">[^<]*{message}', response.text)
        assert 'id="i-bedrag" name="bedrag" inputmode="decimal" placeholder="12.500,00" value="' + bedrag in response.text
    response = post_form(client, PAGE, {"aanbieder": "99999999", "jaar": "1999", "bedrag": "10"})
    assert response.status_code == 400 and 'id="fout-aanbieder"' in response.text and 'id="fout-ijaar"' in response.text
    with unit_of_work(sessions) as s:
        assert s.scalars(select(Bestedingsruimte)).all() == []


def test_finance_cannot_set_and_csrf_is_required(client, users, sessions, parties):
    login(client, users["finance"])
    page = client.get(PAGE)
    assert page.status_code == 200
    # a valid token of this session (the logout form's): the role, not the token, refuses
    data = {"aanbieder": AGB, "jaar": "2026", "bedrag": "100", "csrf_token": csrf_of(page.text)}
    refused = client.post(PAGE, data=data, follow_redirects=False)
    assert refused.status_code == 403 and "beheerder" in refused.text
    login(client, users["admin"])
    assert client.post(PAGE, data={"aanbieder": AGB, "jaar": "2026", "bedrag": "100"},
                       follow_redirects=False).status_code == 403
    with unit_of_work(sessions) as s:
        assert s.scalars(select(Bestedingsruimte)).all() == []


def test_no_projection_of_a_later_month_beside_the_red_signal(client, users, sessions, parties):
    """A slow run rate ("niet dit jaar") while spent + committed is already over the cap: the
    page said "niet dit jaar" beside the red "boven bestedingsruimte". Now it says the cap is
    already exceeded with what is committed; a provider within its cap keeps its projection."""
    with unit_of_work(sessions) as s:
        # 87654321: spent 100 euro in January (10 euro a month over 10 months: not this year);
        # allocated a Budget of 9000 euro over 2026: committed 8900; cap 5000 euro.
        prestatie(s, OTHER, D(2026, 1, 15), 10_000)
        toewijzing(s, OTHER, D(2026, 1, 1), D(2026, 12, 31), budget=900_000)
        cap(s, OTHER, 500_000)
        # 12345678: spent 4000 euro, nothing committed beyond it, cap 4400: at 400 a month
        # the cap is reached at the end of November, and no red signal.
        prestatie(s, AGB, D(2026, 2, 15), 400_000)
        cap(s, AGB, 440_000)
    login(client, users["finance"])
    page = client.get(PAGE)
    assert page.status_code == 200
    boven = _row(page.text, OTHER)
    assert "boven bestedingsruimte" in boven
    assert re.search(r'class="bereikt">al erboven met verplicht<', boven)
    assert "niet dit jaar" not in boven
    binnen = _row(page.text, AGB)
    assert "Binnen bestedingsruimte" in binnen
    assert re.search(r'class="bereikt">november<', binnen)
