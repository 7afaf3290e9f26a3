"""Request and answer rules (gateway/rules/requests.py): JW317 (TR352, TR353, TR380, TR410),
JW319 (CD085, CD086, TR377, TR409) and the AGJ dates (AG001, AG002)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import codes, edit, example, fails, passes

BERICHTEN = Path(__file__).resolve().parents[1] / "fixtures" / "berichten"

ONGEWIJZIGD = ("<jw317:OngewijzigdeProducten><jw317:OngewijzigdProduct>"
               "<jw317:ToewijzingNummer>100001</jw317:ToewijzingNummer>"
               "</jw317:OngewijzigdProduct></jw317:OngewijzigdeProducten>")


def fixture(name: str) -> bytes:
    return (BERICHTEN / name).read_bytes()


def jw317() -> bytes:
    return fixture("JW317-verzoek-om-wijziging.xml")


def jw319() -> bytes:
    return fixture("JW319-antwoord.xml")


def cut(xml: bytes, start: str, end: str, new: str = "") -> bytes:
    """Replace the text from `start` up to and including `end` by `new` (via edit())."""
    text = xml.decode("utf-8")
    assert start in text, start
    begin = text.index(start)
    stop = text.index(end, begin) + len(end)
    return edit(xml, text[begin:stop], new)


def without_te_wijzigen(xml: bytes, new: str = "") -> bytes:
    return cut(xml, "<jw317:TeWijzigenProducten>", "</jw317:TeWijzigenProducten>", new)


def without_nieuw(xml: bytes) -> bytes:
    return cut(xml, "<jw317:NieuweProducten>", "</jw317:NieuweProducten>")



# -- the fixtures are valid and pass every rule ------------------------------------------------

@pytest.mark.parametrize("name", ["JW317-verzoek-om-wijziging.xml", "JW319-antwoord.xml"])
def test_fixtures_are_accepted(name):
    assert codes(fixture(name)) == []


# -- JW317 ---------------------------------------------------------------------------------------

def test_tr352_only_new_products_fails():
    fails(without_te_wijzigen(jw317()), "TR352")


def test_tr352_ongewijzigd_or_te_wijzigen_passes():
    passes(jw317(), "TR352")
    passes(without_te_wijzigen(jw317(), ONGEWIJZIGD), "TR352")


def test_tr353_only_ongewijzigd_fails():
    fails(without_nieuw(without_te_wijzigen(jw317(), ONGEWIJZIGD)), "TR353")


def test_tr353_te_wijzigen_or_nieuw_passes():
    passes(jw317(), "TR353")
    passes(without_nieuw(jw317()), "TR353")
    passes(without_te_wijzigen(jw317(), ONGEWIJZIGD), "TR353")


def nieuw_start(value: str) -> bytes:
    return edit(jw317(), "<jw317:GewensteIngangsdatum>2026-11-02</jw317:GewensteIngangsdatum>",
                f"<jw317:GewensteIngangsdatum>{value}</jw317:GewensteIngangsdatum>")


@pytest.mark.parametrize("value", ["2026-10-12", "2026-10-01"])  # Dagtekening 2026-10-12
def test_tr380_new_product_not_after_dagtekening_fails(value):
    fails(nieuw_start(value), "TR380")


def test_tr380_new_product_after_dagtekening_passes():
    passes(nieuw_start("2026-10-13"), "TR380")


def test_tr380_te_wijzigen_may_start_before_dagtekening():
    passes(jw317(), "TR380")  # its TeWijzigenProduct keeps the original 2026-09-15


NIEUW_END = "<jw317:Einddatum>2027-04-30</jw317:Einddatum>"


def second_nieuw(*changes: tuple[str, str]) -> bytes:
    xml = jw317()
    text = xml.decode("utf-8")
    begin = text.index("<jw317:NieuwProduct>")
    original = text[begin:text.index("</jw317:NieuwProduct>", begin) + len("</jw317:NieuwProduct>")]
    copy = original
    for old, new in changes:
        assert old in copy, old
        copy = copy.replace(old, new)
    return edit(xml, original, original + copy)


def test_tr410_same_product_overlapping_fails():
    fails(second_nieuw(("2026-11-02", "2027-01-01")), "TR410")


def test_tr410_same_categorie_without_code_fails():
    fails(second_nieuw(("<ijw:Code>41A01</ijw:Code>", "")), "TR410")


def test_tr410_open_ended_overlaps():
    xml = second_nieuw(("2026-11-02", "2027-06-01"), ("2027-04-30", "2027-12-31"))
    xml = edit(xml, NIEUW_END, "")
    xml = edit(xml, "<ijw:Eenheid>16</ijw:Eenheid>\n            <ijw:Frequentie>2</ijw:Frequentie>",
               "<ijw:Eenheid>16</ijw:Eenheid>\n            <ijw:Frequentie>4</ijw:Frequentie>")
    fails(xml, "TR410")


def test_tr410_consecutive_periods_pass():
    passes(second_nieuw(("2026-11-02", "2027-05-01"), ("2027-04-30", "2027-10-31")), "TR410")


def test_tr410_other_product_passes():
    passes(second_nieuw(("41A01", "41A02")), "TR410")


# -- JW319 ---------------------------------------------------------------------------------------

REDEN_7 = "<jw319:RedenAfwijzingVerzoek>7</jw319:RedenAfwijzingVerzoek>"
WOONPLAATS = "<jw319:Woonplaatsbeginsel><jw319:Gemeente>0599</jw319:Gemeente></jw319:Woonplaatsbeginsel>"


def antwoord(verzoek: str, reden: str | None, woonplaats: bool = False) -> bytes:
    xml = edit(jw319(), "<jw319:VerzoekAntwoord>1</jw319:VerzoekAntwoord>",
               f"<jw319:VerzoekAntwoord>{verzoek}</jw319:VerzoekAntwoord>")
    new = "" if reden is None else f"<jw319:RedenAfwijzingVerzoek>{reden}</jw319:RedenAfwijzingVerzoek>"
    return edit(xml, REDEN_7, new + (WOONPLAATS if woonplaats else ""))


def test_cd085_afgewezen_without_reden_fails():
    fails(antwoord("1", None), "CD085")


def test_cd085_afgewezen_with_reden_passes():
    passes(antwoord("1", "3"), "CD085")


def test_cd086_in_onderzoek_with_reden_fails():
    fails(antwoord("2", "7"), "CD086")


def test_cd086_in_onderzoek_without_reden_passes():
    assert codes(antwoord("2", None)) == []


def test_tr377_woonplaatsbeginsel_without_class_fails():
    fails(antwoord("1", "8"), "TR377")


def test_tr377_woonplaatsbeginsel_with_class_passes():
    assert codes(antwoord("1", "8", woonplaats=True)) == []


@pytest.mark.parametrize("reden", ["5", "7"])
def test_tr409_class_with_other_reden_fails(reden):
    fails(antwoord("1", reden, woonplaats=True), "TR409")


def test_tr409_class_without_reden_is_left_to_cd085():
    # As the official XSLT: TR409 fires on a reason other than 8, not on a missing one.
    passes(antwoord("2", None, woonplaats=True), "TR409")
    fails(antwoord("1", None, woonplaats=True), "CD085")


def test_tr409_other_reden_without_class_passes():
    passes(antwoord("1", "5"), "TR409")


# -- AGJ -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["AGJ", "AGJ-GEEN-OVEREENSTEMMING"])
def test_ag001_toestemming_after_dagtekening_fails(name):
    xml = example(name)
    text = xml.decode("utf-8")
    old = text[text.index("<agj:ToestemmingOuders>"):text.index("</agj:ToestemmingOuders>")]
    fails(edit(xml, old, "<agj:ToestemmingOuders>2026-10-01"), "AG001")


def test_ag001_toestemming_on_dagtekening_passes():
    xml = edit(example("AGJ"), "<agj:ToestemmingOuders>2026-08-19", "<agj:ToestemmingOuders>2026-09-01")
    passes(xml, "AG001")
    passes(example("AGJ"), "AG001")


def test_ag002_afstemming_after_dagtekening_fails():
    xml = edit(example("AGJ"), "<agj:Datum>2026-09-01</agj:Datum>", "<agj:Datum>2026-09-02</agj:Datum>")
    fails(xml, "AG002")


def test_ag002_afstemming_on_or_before_dagtekening_passes():
    passes(example("AGJ"), "AG002")  # Afstemming on the Dagtekening
    xml = edit(example("AGJ"), "<agj:Datum>2026-09-01</agj:Datum>", "<agj:Datum>2026-08-25</agj:Datum>")
    passes(xml, "AG002")
