"""The finance report's definitions (README "Finance report", design §7) on hand-computed cases."""
from __future__ import annotations

from datetime import date

import pytest

from gateway.domain.financien.rapportage import (
    Levering,
    Omvang,
    Periode,
    check_periode,
    dagen,
    gedeclareerd,
    geleverd,
    maanddelen,
    tarief,
    toegewezen,
)
from gateway.reference import Product

Q1 = Periode(date(2026, 1, 1), date(2026, 3, 31))  # 31 + 28 + 31 = 90 days


def test_days_are_inclusive():
    assert dagen(date(2026, 1, 1), date(2026, 1, 1)) == 1
    assert dagen(date(2026, 1, 1), date(2026, 3, 31)) == 90
    assert dagen(date(2026, 1, 2), date(2026, 1, 1)) == 0


def test_per_dag_counts_every_day_of_the_overlap():
    inside = Omvang(date(2026, 1, 10), date(2026, 1, 19), volume=2, frequentie="1")
    assert toegewezen(inside, Q1) == 20  # 10 days × 2
    open_ended = Omvang(date(2025, 12, 1), None, volume=2, frequentie="1")
    assert toegewezen(open_ended, Q1) == 180  # runs on to tot: 90 days × 2
    assert toegewezen(open_ended, Periode(date(2025, 11, 1), date(2025, 11, 30))) == 0


def test_per_week_is_days_over_seven_across_a_month_boundary():
    omvang = Omvang(date(2026, 1, 25), date(2026, 2, 7), volume=4, frequentie="2")  # 14 days
    assert toegewezen(omvang, Q1) == pytest.approx(8)
    february = Periode(date(2026, 2, 1), date(2026, 2, 28))
    assert toegewezen(omvang, february) == pytest.approx(4)  # 1-7 February: one week
    january = Periode(date(2026, 1, 1), date(2026, 1, 31))
    assert toegewezen(omvang, january) + toegewezen(omvang, february) == pytest.approx(8)


def test_per_maand_counts_the_covered_fraction_of_each_calendar_month():
    assert maanddelen(date(2026, 1, 1), date(2026, 1, 31)) == 1
    assert maanddelen(date(2026, 2, 1), date(2026, 2, 14)) == pytest.approx(0.5)  # 14 / 28
    assert maanddelen(date(2028, 2, 1), date(2028, 2, 14)) == pytest.approx(14 / 29)  # leap year
    omvang = Omvang(date(2026, 1, 17), date(2026, 3, 10), volume=1200, frequentie="4")
    # 17-31 January 15/31, February whole, 1-10 March 10/31
    assert toegewezen(omvang, Q1) == pytest.approx(1200 * (15 / 31 + 1 + 10 / 31))
    assert round(toegewezen(omvang, Q1), 2) == 2167.74
    later = Periode(date(2026, 2, 15), date(2026, 3, 31))
    assert toegewezen(omvang, later) == pytest.approx(1200 * (14 / 28 + 10 / 31))


def test_tbgt_is_pro_rata_by_days_of_the_toewijzing():
    omvang = Omvang(date(2026, 1, 1), date(2026, 4, 10), volume=20, frequentie="6")  # 100 days
    assert toegewezen(omvang, Q1) == pytest.approx(18)  # 20 × 90 / 100
    april = Periode(date(2026, 4, 1), date(2026, 4, 30))
    assert toegewezen(omvang, Q1) + toegewezen(omvang, april) == pytest.approx(20)


def test_tbgt_without_einddatum_counts_in_full_on_its_ingangsdatum():
    omvang = Omvang(date(2026, 2, 1), None, volume=20, frequentie="6")
    assert toegewezen(omvang, Q1) == 20
    assert toegewezen(omvang, Periode(date(2026, 4, 1), date(2026, 6, 30))) == 0
    # delivered: in full on the first day of care, once, however many starts follow
    starts = [Levering(date(2026, 4, 2), date(2026, 4, 20)), Levering(date(2026, 5, 1))]
    assert geleverd(omvang, starts, Q1) == 0
    assert geleverd(omvang, starts, Periode(date(2026, 4, 1), date(2026, 6, 30))) == 20


def test_budget_is_pro_rata_in_eurocent():
    omvang = Omvang(date(2026, 1, 1), date(2026, 12, 31), budget=1_000_000)  # € 10.000 over 365 days
    assert toegewezen(omvang, Q1) == pytest.approx(1_000_000 * 90 / 365)
    assert round(toegewezen(omvang, Q1) / 100, 2) == 2465.75


def test_a_temporary_stop_pauses_delivery_until_the_next_start():
    omvang = Omvang(date(2026, 1, 1), date(2026, 12, 31), volume=7, frequentie="2")
    starts = [Levering(date(2026, 1, 5), date(2026, 1, 18)),  # temporary stop: 14 days of care
              Levering(date(2026, 2, 2))]  # new start, not stopped: up to tot, 27 + 31 days
    assert geleverd(omvang, starts, Q1) == pytest.approx(72)  # 72 days × 7 / 7
    assert toegewezen(omvang, Q1) == pytest.approx(90)


def test_delivery_outside_the_toewijzing_period_counts_nothing():
    omvang = Omvang(date(2026, 1, 10), date(2026, 1, 19), volume=2, frequentie="1")
    assert geleverd(omvang, [Levering(date(2026, 1, 1), date(2026, 2, 28))], Q1) == 20


def test_delivery_per_maand_and_tbgt_use_the_same_normalisation():
    per_maand = Omvang(date(2026, 1, 1), date(2026, 12, 31), volume=31, frequentie="4")
    assert geleverd(per_maand, [Levering(date(2026, 1, 17), date(2026, 2, 13))], Q1) == pytest.approx(
        31 * (15 / 31 + 13 / 28))
    tbgt = Omvang(date(2026, 1, 1), date(2026, 4, 10), volume=20, frequentie="6")
    assert geleverd(tbgt, [Levering(date(2026, 3, 2), date(2026, 3, 26))], Q1) == pytest.approx(20 * 25 / 100)


def test_a_prestatie_counts_pro_rata_and_a_credit_negative():
    period = Periode(date(2026, 1, 15), date(2026, 3, 31))
    assert gedeclareerd(31, date(2026, 1, 1), date(2026, 1, 31), period) == pytest.approx(17)
    assert gedeclareerd(3100, date(2026, 1, 1), date(2026, 1, 31), period) == pytest.approx(1700)
    assert gedeclareerd(28, date(2026, 2, 1), date(2026, 2, 28), period, credit=True) == -28
    assert gedeclareerd(28, date(2026, 4, 1), date(2026, 4, 30), period) == 0


def test_tariff_only_where_the_catalogue_prices_the_rows_unit():
    product = Product("45", "45A01", "ambulant", ("04",), ("2",), 8, 12, 9800, "inspanningsgericht", True)
    producten = {("45", "45A01"): product}
    assert tarief(producten, "45", "45A01", "04") == 9800
    assert tarief(producten, "45", "45A01", "01") is None  # minutes are not what the contract prices
    assert tarief(producten, "45", "45X99", "04") is None
    assert tarief({}, "55", None, "83") == 1  # euro: the volume is the amount


@pytest.mark.parametrize(("van", "tot", "fout"), [
    (date(2026, 2, 1), date(2026, 1, 31), "vóór van"),
    (date(2014, 12, 31), date(2015, 1, 31), "2015"),
    (date(2020, 1, 1), date(2030, 1, 1), "10 jaar"),
    (date(2100, 1, 1), date(2101, 1, 1), "2100"),
])
def test_absurd_periods_are_refused(van, tot, fout):
    assert fout in check_periode(van, tot)


def test_reasonable_periods_pass():
    assert check_periode(date(2026, 1, 1), date(2026, 1, 1)) is None
    assert check_periode(date(2020, 1, 1), date(2029, 12, 31)) is None
    assert check_periode(date(2024, 2, 29), date(2034, 2, 28)) is None
