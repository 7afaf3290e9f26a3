"""The chart geometry of the back office (gateway.web.grafieken): scales, ticks, bars and
polyline points worked out by hand."""
from __future__ import annotations

from datetime import date

import pytest

from gateway.web import grafieken as g


@pytest.mark.parametrize(("value", "decimalen", "text"), [
    (1234.5, 2, "1.234,50"), (0, 2, "0,00"), (-2744, 2, "-2.744,00"), (-0.001, 2, "0,00"),
    (1234567.891, 2, "1.234.567,89"), (3.06, 1, "3,1"), (1000, 0, "1.000"),
])
def test_getal_nl(value, decimalen, text):
    assert g.getal_nl(value, decimalen) == text


def test_amounts_percentages_and_months_in_dutch():
    assert g.bedrag_nl(9604.0) == "€ 9.604,00"
    assert g.bedrag_nl(None) == "–"
    assert g.procent_nl(0.0306) == "3,1 %"
    assert g.procent_nl(None) == "–"
    assert g.maand_nl(date(2026, 3, 1)) == "mrt 2026"


@pytest.mark.parametrize(("span", "stap"), [(10, 2), (100, 20), (26136.91, 10000), (7, 2), (1, 0.2),
                                           (0.5, 0.1), (12.5, 2.5), (0, 1)])
def test_nette_stap(span, stap):
    assert g.nette_stap(span) == pytest.approx(stap)


def test_a_scale_maps_values_to_pixels_and_rounds_to_ticks():
    s, ticks = g.schaal([0, 73], 100, 600)
    assert ticks == [0, 20, 40, 60, 80]
    assert (s.laag, s.hoog) == (0, 80)
    assert s(0) == 100 and s(80) == 600 and s(40) == 350
    up, _ = g.schaal([0, 73], 264, 34)  # an upward y axis
    assert up(0) == 264 and up(80) == 34


def test_a_scale_includes_zero_and_negative_values():
    s, ticks = g.schaal([-2744, 3038], 0, 100)
    assert ticks[0] <= -2744 and ticks[-1] >= 3038 and 0 in ticks
    assert ticks == [-4000, -2000, 0, 2000, 4000]  # span 5782 / 5 intervals: steps of 2000
    assert s(-4000) == 0 and s(0) == 50 and s(4000) == 100


def test_all_zero_values_give_the_scale_0_to_1():
    s, ticks = g.schaal([0, 0, 0], 0, 100)
    assert ticks[0] == 0 and ticks[-1] == 1
    assert s(0) == 0


def test_tick_labels_have_decimals_only_when_needed():
    assert g.tick_label(20000, [0, 10000, 20000]) == "€ 20.000"
    assert g.tick_label(0.5, [0, 0.5, 1], euro=False) == "0,5"


def test_bars_per_group_with_widths_proportional_to_the_values():
    chart = g.staafdiagram([("Zorg BV (12345678)", [800.0, 400.0]), ("Ander BV (87654321)", [200.0, 0.0])],
                           ("toegewezen", "gedeclareerd"), breedte=550, labelbreedte=100)
    assert chart is not None
    assert [grp.label for grp in chart.groepen] == ["Zorg BV (12345678)", "Ander BV (87654321)"]
    assert all(len(grp.staven) == 2 for grp in chart.groepen)
    # plot area 100..500 px for 0..800 (ticks 0, 200, ..., 800): 0.5 px per euro
    assert chart.nul == 100
    zorg, ander = chart.groepen
    assert [(b.x, b.breedte) for b in zorg.staven] == [(100, 400), (100, 200)]
    assert [(b.x, b.breedte) for b in ander.staven] == [(100, 100), (100, 0)]  # zero: no width, not broken
    assert zorg.staven[0].y < zorg.staven[1].y < ander.staven[0].y
    assert zorg.staven[1].tekst == "Zorg BV (12345678), gedeclareerd: € 400,00"
    assert [s.label for s in chart.streepjes] == ["€ 0", "€ 200", "€ 400", "€ 600", "€ 800"]
    assert chart.hoogte > chart.onder


def test_a_negative_bar_grows_left_from_zero():
    chart = g.staafdiagram([("A", [100.0, -50.0])], ("toegewezen", "gedeclareerd"), breedte=450, labelbreedte=100)
    positive, negative = chart.groepen[0].staven
    assert negative.x < chart.nul and negative.x + negative.breedte == pytest.approx(chart.nul)
    assert positive.x == chart.nul


def test_no_groups_is_no_chart():
    assert g.staafdiagram([], ("toegewezen", "gedeclareerd")) is None
    assert g.lijndiagram([], [("toegewezen", [])]) is None


def test_a_line_has_one_point_per_month_evenly_spaced():
    chart = g.lijndiagram(["jan 2026", "feb 2026", "mrt 2026"],
                          [("toegewezen", [100.0, 50.0, 0.0]), ("gedeclareerd", [0.0, 0.0, 100.0])],
                          breedte=350, hoogte=300)
    assert chart is not None
    toegewezen, gedeclareerd = chart.lijnen
    # x from 90 to 300: 105 px per month; y from 264 (0) to 34 (100)
    assert [(p.x, p.y) for p in toegewezen.punten] == [(90, 34), (195, 149), (300, 264)]
    assert toegewezen.points == "90,34 195,149 300,264"
    assert gedeclareerd.points == "90,264 195,264 300,34"
    assert chart.nul == 264
    assert [s.label for s in chart.xlabels] == ["jan 2026", "feb 2026", "mrt 2026"]
    assert toegewezen.punten[1].tekst == "feb 2026, toegewezen: € 50,00"


def test_a_single_month_is_one_point_in_the_middle():
    chart = g.lijndiagram(["jan 2026"], [("toegewezen", [1372.0]), ("gedeclareerd", [0.0])], breedte=350)
    [punt] = chart.lijnen[0].punten
    assert punt.x == (90 + 300) / 2
    assert chart.lijnen[0].points.count(",") == 1


def test_many_months_thin_the_labels_but_not_the_points():
    labels = [f"m{i}" for i in range(36)]
    chart = g.lijndiagram(labels, [("toegewezen", [float(i) for i in range(36)])])
    assert len(chart.lijnen[0].punten) == 36
    assert len(chart.xlabels) == 12 and chart.xlabels[1].label == "m3"
