"""The client's identity (design.md §9): which data make a message's client another person
than the stored one, and what taking the message's data over keeps."""
from __future__ import annotations

from lxml import etree

from gateway.domain.aanvraag import clientgegevens
from gateway.domain.aanvraag.clientgegevens import GEBOORTEDATUM, GESLACHTSNAAM, Contact
from gateway.messages import BASIS_NS

J = clientgegevens.JW301.namespace


def _client(achternaam: str, voorvoegsel: str | None = None, geboren: str = "2013-10-22",
            voornamen: str = "Julia Maria", adres: bool = False) -> etree._Element:
    b = f"{{{BASIS_NS}}}"
    client = etree.Element(f"{{{J}}}Client")
    etree.SubElement(client, f"{{{J}}}Bsn").text = "999980919"
    etree.SubElement(etree.SubElement(client, f"{{{J}}}Geboortedatum"), f"{b}Datum").text = geboren
    etree.SubElement(client, f"{{{J}}}Geslacht").text = "2"
    naam = etree.SubElement(client, f"{{{J}}}Naam")
    geslachtsnaam = etree.SubElement(naam, f"{b}Geslachtsnaam")
    etree.SubElement(geslachtsnaam, f"{b}Achternaam").text = achternaam
    if voorvoegsel:
        etree.SubElement(geslachtsnaam, f"{b}Voorvoegsel").text = voorvoegsel
    etree.SubElement(naam, f"{b}Voornamen").text = voornamen
    if adres:
        return clientgegevens.with_contacts(client, [Contact("01", "Damrak", 96, postcode="1012LG",
                                                             plaatsnaam="Amsterdam")])
    return client


def test_nothing_known_differs_from_nothing():
    assert clientgegevens.afwijkingen(None, _client("Vos")) == ()


def test_the_geslachtsnaam_is_compared_as_one_text_whatever_the_case_and_spacing():
    known = _client("Meer", "van der")
    assert clientgegevens.afwijkingen(known, _client("van der Meer")) == ()
    assert clientgegevens.afwijkingen(known, _client("MEER", "Van  der", voornamen="Julia")) == ()
    assert clientgegevens.afwijkingen(known, _client("Vos")) == (GESLACHTSNAAM,)
    assert clientgegevens.afwijkingen(known, _client("Vos", geboren="2014-05-01")) == (GEBOORTEDATUM, GESLACHTSNAAM)


def test_taking_over_a_short_client_keeps_the_known_contact_data_in_schema_order():
    known = _client("Meer", "van der", adres=True)
    result = clientgegevens.overgenomen(known, _client("Vos", geboren="2014-05-01", voornamen="Mila"))
    assert [etree.QName(c).localname for c in result] == ["Bsn", "Geboortedatum", "Geslacht", "Naam",
                                                           "Contactgegevens"]
    assert clientgegevens.persoon(result) == clientgegevens.Persoon("Mila Vos", "2014-05-01",
                                                                    "Damrak 96, 1012LG Amsterdam")
    full = _client("Vos", adres=True)
    assert clientgegevens.overgenomen(known, full) is full  # a full record replaces the known one
