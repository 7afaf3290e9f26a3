"""Product norms and automatic grant (gateway/model/normen.py) against the default catalogue
in mappings/producten.toml. The base request is the AGJ example's product: 45A01, 4 uur per
week, 2026-09-15 t/m 2027-03-14."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from gateway.model.normen import (
    AangevraagdProductNorm,
    NormAfwijking,
    automatically_grantable,
    check_norms,
    maximum_einddatum,
)
from tests.support import reference


def catalogue():
    return reference().producten


def agj_product(**changes) -> AangevraagdProductNorm:
    """The AGJ example's AangevraagdProduct, with `changes`."""
    base = AangevraagdProductNorm(categorie="45", code="45A01", volume=4, eenheid="04", frequentie="2",
                                  ingangsdatum=date(2026, 9, 15), einddatum=date(2027, 3, 14), budget=None)
    return replace(base, **changes)


def jw315_product(**changes) -> AangevraagdProductNorm:
    """The JW315 example's AangevraagdProduct (54A01, 12 stuks TBGT, 2026-10-01 t/m 2027-03-31)."""
    base = AangevraagdProductNorm(categorie="54", code="54A01", volume=12, eenheid="84", frequentie="6",
                                  ingangsdatum=date(2026, 10, 1), einddatum=date(2027, 3, 31), budget=None)
    return replace(base, **changes)


def codes(request: AangevraagdProductNorm) -> list[str]:
    return [a.code for a in check_norms(request, catalogue())]


# -- maximum_einddatum ------------------------------------------------------------------------

@pytest.mark.parametrize(("ingang", "maanden", "uiterlijk"), [
    (date(2026, 1, 1), 12, date(2026, 12, 31)),     # the example in producten.toml
    (date(2026, 9, 15), 12, date(2027, 9, 14)),
    (date(2026, 10, 1), 3, date(2026, 12, 31)),
    (date(2026, 12, 1), 3, date(2027, 2, 28)),
    (date(2026, 11, 30), 3, date(2027, 2, 27)),     # 30 Feb clamped to 28, then the day before
    (date(2026, 1, 31), 1, date(2026, 2, 27)),
    (date(2026, 3, 31), 1, date(2026, 4, 29)),
    (date(2028, 2, 29), 12, date(2029, 2, 27)),     # leap day
    (date(2026, 12, 15), 1, date(2027, 1, 14)),     # across the year
])
def test_maximum_einddatum(ingang, maanden, uiterlijk):
    assert maximum_einddatum(ingang, maanden) == uiterlijk


def test_maximum_einddatum_needs_a_month():
    with pytest.raises(ValueError):
        maximum_einddatum(date(2026, 1, 1), 0)


# -- check_norms -------------------------------------------------------------------------------

def test_agj_example_product_is_within_the_norms():
    assert check_norms(agj_product(), catalogue()) == []


def test_jw315_example_product_is_within_the_norms():
    assert check_norms(jw315_product(), catalogue()) == []


def test_unknown_product():
    assert check_norms(agj_product(code="45Z99"), catalogue()) == [NormAfwijking(
        "onbekend_product",
        "Product 45Z99 in categorie 45 staat niet in de productcatalogus; daarvoor is geen norm.")]


def test_code_of_another_categorie_is_unknown():
    assert codes(agj_product(categorie="41")) == ["onbekend_product"]


def test_no_product_code_is_unknown():
    assert codes(agj_product(code=None, volume=None, eenheid=None, frequentie=None,
                             budget=300000)) == ["onbekend_product"]


def test_other_eenheid():
    assert check_norms(agj_product(volume=240, eenheid="01"), catalogue()) == [NormAfwijking(
        "eenheid",
        "Eenheid 01 (minuut) past niet bij product 45A01; de norm is ten hoogste 8 uur per week "
        "(eenheid 04, frequentie 2).")]


def test_other_frequentie():
    assert check_norms(agj_product(frequentie="4"), catalogue()) == [NormAfwijking(
        "frequentie",
        "Frequentie 4 (per maand) past niet bij product 45A01; de norm is ten hoogste 8 uur per week "
        "(eenheid 04, frequentie 2).")]


def test_other_eenheid_and_frequentie_both_reported_and_volume_not_compared():
    assert codes(agj_product(volume=600, eenheid="01", frequentie="4")) == ["eenheid", "frequentie"]


def test_volume_above_the_norm():
    assert check_norms(agj_product(volume=9), catalogue()) == [NormAfwijking(
        "volume", "Volume 9 uur per week is meer dan de norm van 8.")]


def test_volume_at_the_norm_passes():
    assert check_norms(agj_product(volume=8), catalogue()) == []


def test_volume_in_euro_is_shown_as_money():
    request = AangevraagdProductNorm(categorie="55", code="55A01", volume=1500001, eenheid="83",
                                     frequentie="6", ingangsdatum=date(2026, 9, 15),
                                     einddatum=date(2027, 3, 14), budget=None)
    assert check_norms(request, catalogue()) == [NormAfwijking(
        "volume",
        "Volume € 15.000,01 totaal binnen de geldigheidsduur is meer dan de norm van € 15.000,00.")]


def test_no_einddatum():
    assert check_norms(agj_product(einddatum=None), catalogue()) == [NormAfwijking(
        "geen_einddatum", "Geen einddatum aangevraagd; zonder einddatum valt een product buiten de norm.")]


def test_twelve_months_and_a_day():
    assert check_norms(agj_product(einddatum=date(2027, 9, 15)), catalogue()) == [NormAfwijking(
        "duur",
        "Looptijd 15 september 2026 t/m 15 september 2027 is langer dan de norm van 12 maanden "
        "(einddatum uiterlijk 14 september 2027).")]


def test_exactly_the_maximum_passes():
    assert check_norms(agj_product(einddatum=date(2027, 9, 14)), catalogue()) == []


def test_calendar_year_is_twelve_months():
    assert codes(agj_product(ingangsdatum=date(2026, 1, 1), einddatum=date(2026, 12, 31))) == []
    assert codes(agj_product(ingangsdatum=date(2026, 1, 1), einddatum=date(2027, 1, 1))) == ["duur"]


def test_short_norm_of_three_months():
    crisis = AangevraagdProductNorm(categorie="46", code="46A01", volume=28, eenheid="14", frequentie="6",
                                    ingangsdatum=date(2026, 10, 1), einddatum=date(2026, 12, 31), budget=None)
    assert codes(crisis) == []
    assert codes(replace(crisis, einddatum=date(2027, 1, 1))) == ["duur"]


def test_budget_instead_of_omvang():
    assert check_norms(agj_product(volume=None, eenheid=None, frequentie=None, budget=300000),
                       catalogue()) == [NormAfwijking(
        "geen_omvang",
        "Budget aangevraagd in plaats van een omvang voor product 45A01; de norm is ten hoogste "
        "8 uur per week (eenheid 04, frequentie 2).")]


def test_every_deviation_is_reported():
    assert codes(agj_product(volume=9, einddatum=None)) == ["volume", "geen_einddatum"]
    assert codes(agj_product(frequentie="1", einddatum=date(2028, 1, 1))) == ["frequentie", "duur"]


# -- automatically_grantable -------------------------------------------------------------------

def test_agj_example_is_granted_automatically():
    assert automatically_grantable("AGJ", [agj_product()], catalogue(), "1", "ZIN") is True


def test_agj_pgb_is_granted_automatically():
    assert automatically_grantable("AGJ", [agj_product()], catalogue(), "1", "PGB") is True


def test_a_client_that_differs_from_the_known_client_is_never_granted_automatically():
    assert automatically_grantable("AGJ", [agj_product()], catalogue(), "1", "ZIN", client_wijkt_af=True) is False


def test_agj_without_overeenstemming_is_not():
    assert automatically_grantable("AGJ", [agj_product()], catalogue(), "2", "ZIN") is False
    assert automatically_grantable("AGJ", [agj_product()], catalogue(), None, "ZIN") is False


def test_agj_with_unknown_leveringsvorm_is_not():
    assert automatically_grantable("AGJ", [agj_product()], catalogue(), "1", "XYZ") is False
    assert automatically_grantable("AGJ", [agj_product()], catalogue(), "1", None) is False


def test_agj_with_a_non_automatic_product_is_not():
    verblijf = AangevraagdProductNorm(categorie="43", code="43A01", volume=20, eenheid="14", frequentie="4",
                                      ingangsdatum=date(2026, 9, 15), einddatum=date(2027, 3, 14), budget=None)
    assert check_norms(verblijf, catalogue()) == []  # within the norms, yet 43A01 is not automatisch
    assert automatically_grantable("AGJ", [verblijf], catalogue(), "1", "ZIN") is False
    assert automatically_grantable("AGJ", [agj_product(), verblijf], catalogue(), "1", "ZIN") is False


def test_agj_with_a_product_outside_the_norms_is_not():
    assert automatically_grantable("AGJ", [agj_product(volume=9)], catalogue(), "1", "ZIN") is False
    assert automatically_grantable("AGJ", [agj_product(), agj_product(einddatum=None)],
                                   catalogue(), "1", "ZIN") is False
    assert automatically_grantable("AGJ", [agj_product(code="45Z99")], catalogue(), "1", "ZIN") is False


def test_agj_without_products_is_not():
    assert automatically_grantable("AGJ", [], catalogue(), "1", "ZIN") is False


def test_jw315_is_not_granted_by_the_default_catalogue():
    # "Only AGJ messages are granted automatically; a JW315 never is unless a product says so"
    # (design §7): 54A01 is automatic for an AGJ, but says nothing for a JW315.
    assert catalogue()[("54", "54A01")].automatisch is True
    assert automatically_grantable("JW315", [jw315_product()], catalogue(), None, None) is False


def test_jw315_of_a_product_that_says_so_is_granted():
    from dataclasses import replace as replace_product

    says_so = dict(catalogue())
    says_so[("54", "54A01")] = replace_product(says_so[("54", "54A01")], automatisch_jw315=True)
    assert automatically_grantable("JW315", [jw315_product()], says_so, None, None) is True


def test_jw315_outside_the_norms_is_not():
    assert automatically_grantable("JW315", [jw315_product(volume=21)], catalogue(), None, None) is False
    assert automatically_grantable("JW315", [jw315_product(einddatum=None)], catalogue(), None, None) is False


def test_jw315_of_a_non_automatic_product_is_not():
    verblijf = AangevraagdProductNorm(categorie="43", code="43A01", volume=20, eenheid="14", frequentie="4",
                                      ingangsdatum=date(2026, 10, 1), einddatum=date(2027, 3, 31), budget=None)
    assert automatically_grantable("JW315", [verblijf], catalogue(), None, None) is False
    assert automatically_grantable("JW315", [jw315_product(), verblijf], catalogue(), None, None) is False


@pytest.mark.parametrize("message_type", ["JW317", "JW301", "JW305", "AGR", "agj"])
def test_other_messages_are_never_granted_automatically(message_type):
    assert automatically_grantable(message_type, [agj_product()], catalogue(), "1", "ZIN") is False
