"""The beschikking as an HTML document for the parents (gateway.web.documents). The input is the
dict that gateway.domain.aanvraag.beschikkingen.as_json produces; expected Dutch texts are written out."""
from __future__ import annotations

import copy

import lxml.html
import pytest
from jinja2 import UndefinedError

from gateway.web.documents import bsn_masked, datum_nl, euro, render_beschikking

BSN = "999994323"


def toekenning_zin() -> dict:
    return {
        "nummer": "0363-2026-000042", "datum": "2026-07-28", "soort": "toekenning", "leveringsvorm": "ZIN",
        "bezwaar_uiterlijk": "2026-09-08",
        "client": {"bsn": BSN, "naam": "Sanne de Vries", "geboortedatum": "2015-03-01"},
        "gemeente": {"code": "0363", "naam": "Amsterdam"},
        "aanbieder": {"agb": "12345678", "naam": "Jeugdzorg Amstel B.V."},
        "hulpvraag": "Sanne heeft moeite op school.\nZe slaapt slecht.",
        "contextanalyse": "Gezin met twee kinderen; vader werkt in ploegendienst.",
        "resultaten": ["Sanne gaat weer elke dag naar school", "Sanne slaapt door"],
        "toestemming_ouders": "2026-07-01",
        "aanvraag_dagtekening": "2026-07-10",
        "producten": [{"categorie": "45", "code": "45A12", "naam": "Ambulante jeugdhulp individueel",
                       "ingangsdatum": "2026-08-01", "einddatum": "2027-01-31", "volume": 4, "eenheid": "04",
                       "frequentie": "2", "budget": None, "omvang": "4 uur per week"}],
        "reden_afwijzing": None,
        "bezwaren": [],
    }


def afwijzing() -> dict:
    data = toekenning_zin()
    data.update(soort="afwijzing", producten=[], nummer="0363-2026-000043",
                reden_afwijzing={"code": "03", "omschrijving": "Er is voldoende hulp uit het eigen netwerk."})
    return data


def pgb_met_budget() -> dict:
    data = toekenning_zin()
    data.update(leveringsvorm="PGB", nummer="0363-2026-000044")
    data["producten"] = [{"categorie": "43", "code": "43B01", "naam": "Dagbesteding jeugd",
                          "ingangsdatum": "2026-09-01", "einddatum": None, "volume": None, "eenheid": None,
                          "frequentie": None, "budget": 123456, "omvang": None}]
    return data


def text_of(html: str) -> str:
    """The body's text with whitespace collapsed, so line breaks in the template don't matter."""
    return " ".join(" ".join(lxml.html.document_fromstring(html).body.itertext()).split())


def test_filters():
    assert datum_nl("2026-09-08") == "8 september 2026"
    assert datum_nl("2027-01-31") == "31 januari 2027"
    assert euro(123456) == "€ 1.234,56"
    assert euro(5) == "€ 0,05"
    assert euro(100000000) == "€ 1.000.000,00"
    assert bsn_masked(BSN) == "*****4323"


def test_toekenning_zin_shows_the_key_facts():
    html = render_beschikking(toekenning_zin())
    text = text_of(html)
    assert "Beschikking 0363-2026-000042" in lxml.html.document_fromstring(html).findtext(".//title")
    assert "Gemeente Amsterdam" in text
    assert "Datum 28 juli 2026" in text
    assert "0363-2026-000042" in text
    assert "Besluit over uw aanvraag jeugdhulp" in text
    assert "Sanne de Vries" in text
    assert "1 maart 2015" in text
    assert "*****4323" in text and BSN not in html
    assert "wij kennen jeugdhulp toe" in text
    assert "Ambulante jeugdhulp individueel" in text and "45A12" in text
    assert "van 1 augustus 2026 tot en met 31 januari 2027" in text
    assert "4 uur per week" in text
    assert "de gemeente betaalt de aanbieder Jeugdzorg Amstel B.V. rechtstreeks" in text
    assert "zorg in natura" in text
    assert "Sanne heeft moeite op school." in text
    assert "vader werkt in ploegendienst" in text
    items = [li.text_content().strip()
             for li in lxml.html.document_fromstring(html).xpath("//ul[@class='resultaten']/li")]
    assert items == ["Sanne gaat weer elke dag naar school", "Sanne slaapt door"]
    assert "uiterlijk op 8 september 2026" in text
    assert "college van burgemeester en wethouders van gemeente Amsterdam" in text
    assert "Uw bezwaren" not in text  # no bezwaren yet: no table


def test_afwijzing_shows_reason_and_hulpvraag():
    text = text_of(render_beschikking(afwijzing()))
    assert "wij wijzen uw aanvraag af" in text
    assert "Er is voldoende hulp uit het eigen netwerk." in text and "code 03" in text
    assert "Sanne heeft moeite op school." in text
    assert "Wat wij toekennen" not in text
    assert "zorg in natura" not in text
    assert "0363-2026-000043" in text
    assert "uiterlijk op 8 september 2026" in text


def test_pgb_with_budget_and_no_einddatum():
    text = text_of(render_beschikking(pgb_met_budget()))
    assert "persoonsgebonden budget" in text and "u koopt de zorg zelf in" in text
    assert "de gemeente betaalt de aanbieder" not in text
    assert "Dagbesteding jeugd" in text and "43B01" in text
    assert "budget € 1.234,56" in text
    assert "vanaf 1 september 2026, zonder einddatum" in text


def test_user_text_is_escaped():
    data = toekenning_zin()
    data["hulpvraag"] = '<script>alert("x")</script> & meer'
    data["client"]["naam"] = "<b>Sanne</b>"
    html = render_beschikking(data)
    assert "<script>" not in html and "<b>Sanne</b>" not in html
    assert "&lt;script&gt;" in html and "&amp; meer" in html
    doc = lxml.html.document_fromstring(html)
    assert doc.xpath("//script") == [] and doc.xpath("//body//b") == []


def test_bezwaren_table():
    data = toekenning_zin()
    data["bezwaren"] = [
        {"id": 1, "ontvangen_op": "2026-08-15", "indiener": "J. de Vries", "toelichting": None,
         "binnen_termijn": True, "status": "ongegrond", "afgehandeld_op": "2026-10-01"},
        {"id": 2, "ontvangen_op": "2026-09-10", "indiener": "M. de Vries", "toelichting": "te laat",
         "binnen_termijn": False, "status": "ingediend", "afgehandeld_op": None},
    ]
    doc = lxml.html.document_fromstring(render_beschikking(data))
    table = doc.xpath("//table[contains(@class, 'bezwaren')]")[0]
    assert [th.text_content() for th in table.xpath(".//thead//th")] == [
        "Ontvangen op", "Ingediend door", "Status", "Op tijd ingediend"]
    assert all(th.get("scope") == "col" for th in table.xpath(".//thead//th"))
    rows = [" ".join(tr.text_content().split()) for tr in table.xpath(".//tbody/tr")]
    assert rows[0] == ("15 augustus 2026 J. de Vries ongegrond: het besluit blijft staan "
                       "(besloten op 1 oktober 2026) ja, binnen de termijn")
    assert rows[1] == "10 september 2026 M. de Vries in behandeling nee, na de termijn ontvangen"


@pytest.mark.parametrize("data", [toekenning_zin(), afwijzing(), pgb_met_budget()],
                         ids=["toekenning", "afwijzing", "pgb"])
def test_document_is_wellformed_standalone_html(data):
    html = render_beschikking(data)
    assert html.lstrip().startswith("<!DOCTYPE html>")
    doc = lxml.html.document_fromstring(html)
    assert doc.get("lang") == "nl"
    assert doc.xpath("//meta[@charset]")
    assert len(doc.xpath("//h1")) == 1
    assert doc.xpath("//script") == []
    assert doc.xpath("//link | //img | //*[@src]") == []  # no external resources
    assert "@media print" in html and "size: A4" in html


@pytest.mark.parametrize("key", ["nummer", "bezwaar_uiterlijk", "client", "gemeente", "hulpvraag"])
def test_missing_key_raises(key):
    data = copy.deepcopy(toekenning_zin())
    del data[key]
    with pytest.raises(UndefinedError):
        render_beschikking(data)


def test_missing_nested_key_raises():
    data = toekenning_zin()
    del data["producten"][0]["ingangsdatum"]
    with pytest.raises(UndefinedError):
        render_beschikking(data)


def test_an_older_beschikking_without_the_new_keys_still_says_whom_to_contact():
    text = text_of(render_beschikking(toekenning_zin()))
    assert "Vragen? Heeft u vragen over dit besluit? Neem dan contact op met gemeente Amsterdam." in text
    assert "Aan de ouder(s)" not in text and "Gedeeltelijk" not in text


def test_a_pgb_budget_is_the_amount_itself():
    data = pgb_met_budget()
    data["producten"][0]["pgb"] = {"eurocent": 123456, "grondslag": "budget", "per": None}
    text = text_of(render_beschikking(data))
    assert "Uw persoonsgebonden budget" in text and "€ 1.234,56 het toegekende budget" in text


def test_a_reason_without_its_explanation_is_still_said():
    data = afwijzing()
    data["reden_afwijzing"] = {"code": "7", "omschrijving": "Zorginhoudelijke afkeur", "uitleg": None}
    text = text_of(render_beschikking(data))
    assert "Zorginhoudelijke afkeur (code 7 )" in text and "Reden van afwijzing" not in text
