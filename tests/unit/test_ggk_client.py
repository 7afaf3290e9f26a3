"""`gateway.ggk.client`: the envelopes the chain would hand the gateway, built from iJw files."""
from __future__ import annotations

import pytest
from lxml import etree

from gateway import clock, stuf
from gateway.ggk import client
from tests.support import edit, example

REF = "4bef3459-17a2-44f6-a695-c6a57c7f1e34"
DI01 = "87b52fbc-eea2-4292-a678-ef1437580aca"


def _read(soap: bytes, soort: str) -> stuf.Ontvangen:
    ontvangen = stuf.parse_request(soap, stuf.SOAP_ACTIONS[soort])  # also our StUF-GGk schemas
    assert ontvangen.soort == soort
    return ontvangen


def test_a_heenbericht_goes_in_a_di01_to_the_gemeente_of_its_header():
    payload = example("JW315")
    soap = client.wrap(payload, zender="12345678", referentienummer=REF)
    bericht = _read(soap, "Di01").bericht
    assert isinstance(bericht, stuf.Envelop)
    sg = bericht.stuurgegevens
    assert (sg.berichtcode, sg.functie, sg.referentienummer, sg.cross_refnummer) == ("Di01", "JW315", REF, None)
    assert sg.zender == stuf.Systeem("12345678", client.DEFAULT_APPLICATIE)
    assert sg.ontvanger == stuf.Systeem("0363", "GGk")
    assert bericht.xml_bestand == payload  # the file's bytes, untouched
    assert (bericht.versies.functie_versie, bericht.versies.functie_subversie) == ("0003", "0002")
    # tijdstipBericht is now on the application's clock, to the millisecond, Dutch local time.
    assert sg.tijdstip_bericht[:12] == stuf.tijdstip(clock.local_now())[:12]


def test_the_options_win_over_the_header_and_a_fresh_number_is_a_uuid4():
    soap = client.wrap(example("JW305"), zender="12345678", ontvanger="0599", applicatie="ZorgDossierPro")
    sg = _read(soap, "Di01").bericht.stuurgegevens
    assert sg.ontvanger.organisatie == "0599" and sg.zender.applicatie == "ZorgDossierPro"
    assert stuf.is_referentienummer(sg.referentienummer)
    other = _read(client.wrap(example("JW305"), zender="12345678"), "Di01").bericht.stuurgegevens
    assert other.referentienummer != sg.referentienummer


def test_a_retour_goes_in_a_du01_that_names_the_di01_it_answers():
    with pytest.raises(client.ClientFout, match="--cross-ref"):
        client.wrap(example("JW302"), zender="12345678")
    soap = client.wrap(example("JW302"), zender="12345678", cross_ref=DI01, referentienummer=REF)
    sg = _read(soap, "Du01").bericht.stuurgegevens
    assert (sg.berichtcode, sg.functie, sg.cross_refnummer) == ("Du01", "JW302", DI01)
    # A JW302's Header is the JW301's: the gemeente is its Afzender.
    assert sg.ontvanger.organisatie == "0363"


def test_a_heenbericht_takes_no_cross_ref():
    with pytest.raises(client.ClientFout, match="Di01"):
        client.wrap(example("JW315"), zender="12345678", cross_ref=DI01)


@pytest.mark.parametrize("payload, reason", [
    (b"<a>", "geen bruikbare XML"),
    (b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', "DOCTYPE"),
    (b"<a xmlns='urn:iets'/>", "geen iJw-bericht"),
])
def test_what_is_no_ijw_message_is_not_sent(payload, reason):
    with pytest.raises(client.ClientFout, match=reason):
        client.wrap(payload, zender="12345678")


def test_an_aanvraagformulier_travels_by_the_api_only():
    with pytest.raises(client.ClientFout, match="geen iJw-bericht"):
        client.wrap(example("AGJ"), zender="12345678")


def test_a_header_without_gemeente_needs_the_option():
    payload = edit(example("JW315"), "<jw315:Ontvanger>0363</jw315:Ontvanger>", "<jw315:Ontvanger/>")
    with pytest.raises(client.ClientFout, match="--ontvanger"):
        client.wrap(payload, zender="12345678")
    assert _read(client.wrap(payload, zender="12345678", ontvanger="0363"), "Di01")


def test_an_envelope_the_schema_refuses_is_not_sent():
    with pytest.raises(client.ClientFout, match="StUF-GGk-schema"):
        client.wrap(example("JW315"), zender="12345678", referentienummer="not-a-uuid")
    with pytest.raises(client.ClientFout, match="StUF-GGk-schema"):
        client.wrap(example("JW315"), zender="12345678", applicatie="ab")  # Applicatie: 3 characters or more


def test_an_fo01_from_the_ib_refuses_the_envelope_it_names():
    original = stuf.build(stuf.Envelop(stuf.Stuurgegevens(
        "Di01", stuf.Systeem("0363", "Jeugdhulpgateway"), stuf.Systeem("12345678", "GGk"), DI01,
        "20261123120000000", None, "JW301"), stuf.Versies("0001", "0000"), example("JW301")))
    soap = client.fo01(cross_ref=DI01, code="IB102", omschrijving="Geen route", ontvanger="0363",
                       details_xml=original, referentienummer=REF)
    fout = _read(soap, "Fo01").bericht
    assert isinstance(fout, stuf.Fout)
    sg = fout.stuurgegevens
    assert (sg.berichtcode, sg.referentienummer, sg.cross_refnummer) == ("Fo01", REF, DI01)
    assert sg.zender == stuf.Systeem("IB", "GGKWebservice")
    assert sg.ontvanger == stuf.Systeem("0363", "GGk")
    assert (fout.code, fout.plek, fout.omschrijving) == ("IB102", "client", "Geen route")
    assert fout.details_xml is not None
    assert etree.QName(fout.details_xml).localname == "envelopHeenbericht-ggk_Di01"


def test_an_fo01_from_vecozo_carries_its_own_applicatie():
    soap = client.fo01(cross_ref=DI01, code="BRS04", omschrijving="Niet aangesloten", ontvanger="0363",
                       zender="VECOZO", plek="server")
    fout = _read(soap, "Fo01").bericht
    assert isinstance(fout, stuf.Fout)
    assert fout.stuurgegevens.zender == stuf.Systeem("VECOZO", "VECOZOWebservice") and fout.plek == "server"
