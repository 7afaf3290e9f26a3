"""The month series of the /financien chart (`rapportage.maandreeks`): one grouped query per
source for all months must give, month by month, what the report gives for that month alone
(`volumes` over the month clipped to the period, priced as the page prices it) and what the
pure definitions give. Random data of test_rapportage.py; periods that start and end inside a
month, a single day, a year boundary and the longest chart. Runs on SQLite and on PostgreSQL
(GATEWAY_TEST_DATABASE_URL)."""
from __future__ import annotations

from datetime import date

import pytest

from gateway.domain.financien import rapportage
from tests.conftest import GEMEENTE
from tests.integration.test_rapportage import OTHER, random_data

PERIODEN = [
    (date(2026, 1, 1), date(2026, 12, 31)),  # whole months
    (date(2025, 11, 17), date(2026, 2, 3)),  # starts and ends inside a month
    (date(2026, 2, 10), date(2026, 2, 10)),  # one day
    (date(2025, 12, 31), date(2026, 1, 1)),  # two days across a year boundary
    (date(2025, 10, 1), date(2028, 9, 30)),  # MAX_MAANDEN months, the last ones past the data
]


@pytest.fixture
def data(sessions, parties):
    return random_data(sessions)


def per_maand_report(session, periode, producten, **scope) -> list[tuple[float, float]]:
    """The definition the series must keep: the whole report over each month on its own."""
    result = []
    for maand in rapportage.maanden(periode):
        regels = rapportage.volumes(session, maand, producten=producten, **scope)
        result.append((sum(r.toegewezen * r.tarief_eurocent for r in regels if r.tarief_eurocent is not None),
                       sum(r.gedeclareerd_eurocent for r in regels)))
    return result


def per_maand_definitions(facts, prestaties, periode, producten, aanbieder=None) -> list[tuple[float, float]]:
    result = []
    for maand in rapportage.maanden(periode):
        toegewezen = sum(rapportage.toegewezen(omvang, maand) * prijs
                         for key, omvang, _ in facts if aanbieder in (None, key[0])
                         if (prijs := rapportage.tarief(producten, *key[1:])) is not None)
        gedeclareerd = sum(rapportage.gedeclareerd(bedrag, begin, eind, maand, credit=credit)
                           for key, _, bedrag, begin, eind, credit in prestaties if aanbieder in (None, key[0]))
        result.append((toegewezen, gedeclareerd))
    return result


def bedragen(reeks: list[rapportage.Maandbedrag]) -> list[tuple[float, float]]:
    return [(m.toegewezen_eurocent, m.gedeclareerd_eurocent) for m in reeks]


def close_to(expected: list[tuple[float, float]]):
    return [pytest.approx(pair, rel=1e-9, abs=1e-6) for pair in expected]


@pytest.mark.parametrize(("van", "tot"), PERIODEN)
def test_one_query_per_source_equals_the_report_month_by_month(client, sessions, data, van, tot):
    producten = client.app.state.ctx.reference.producten
    facts, prestaties = data
    periode = rapportage.Periode(van, tot)
    with sessions() as session:
        reeks = rapportage.maandreeks(session, periode, gemeenten=None, producten=producten)
        apart = per_maand_report(session, periode, producten, gemeenten=None)
    assert [(m.maand, m.periode) for m in reeks] == [
        (date(m.van.year, m.van.month, 1), m) for m in rapportage.maanden(periode)]
    assert bedragen(reeks) == close_to(apart)
    assert bedragen(reeks) == close_to(per_maand_definitions(facts, prestaties, periode, producten))
    assert any(t or g for t, g in bedragen(reeks))  # the random data reaches every period tested


def test_the_scope_filters_apply_to_every_month(client, sessions, data):
    producten = client.app.state.ctx.reference.producten
    facts, prestaties = data
    periode = rapportage.Periode(date(2025, 11, 17), date(2026, 6, 3))
    with sessions() as session:
        ander = rapportage.maandreeks(session, periode, gemeenten=[GEMEENTE], aanbieder=OTHER, producten=producten)
        ander_apart = per_maand_report(session, periode, producten, gemeenten=[GEMEENTE], aanbieder=OTHER)
        elders = rapportage.maandreeks(session, periode, gemeenten=["0000"], producten=producten)
    assert bedragen(ander) == close_to(ander_apart)
    assert bedragen(ander) == close_to(per_maand_definitions(facts, prestaties, periode, producten, OTHER))
    assert any(t for t, _ in bedragen(ander))
    assert bedragen(elders) == [(0.0, 0.0)] * len(rapportage.maanden(periode))
