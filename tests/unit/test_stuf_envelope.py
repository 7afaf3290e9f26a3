"""gateway.stuf: the StUF-GGk messages built, wrapped in SOAP, read back and refused."""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree

from gateway.stuf import (
    GGK_NS,
    SOAP_ACTIONS,
    SOAP_NS,
    STUF_NS,
    Envelop,
    EnvelopFout,
    Fout,
    Stuurgegevens,
    Systeem,
    Versies,
    build,
    build_bv03,
    fo01_details,
    is_referentienummer,
    moment,
    new_referentienummer,
    parse_request,
    parse_response,
    soap_fault,
    soap_request,
    tijdstip,
    validate,
)

FACTS = Path(__file__).resolve().parents[3] / "shared" / "domain" / "ggk-koppelvlak.md"
PAYLOAD = b'<?xml version="1.0" encoding="UTF-8"?><Bericht xmlns="urn:x">\xc3\xa9</Bericht>'
GEMEENTE = Systeem("0363", "Jeugdhulpgateway", "Amsterdam")
AANBIEDER = Systeem("12345678", "GGk")
DI01_REF = "4bef3459-17a2-44f6-a695-c6a57c7f1e34"


def di01(**changes) -> Envelop:
    sg = Stuurgegevens("Di01", GEMEENTE, AANBIEDER, DI01_REF, "20260415093012345", functie="JW301")
    return Envelop(sg, Versies("0001", "0000"), **{"xml_bestand": PAYLOAD, **changes})


def du01() -> Envelop:
    sg = Stuurgegevens("Du01", GEMEENTE, AANBIEDER, new_referentienummer(), "20260416141505120",
                       cross_refnummer=DI01_REF, functie="JW316")
    return Envelop(sg, Versies("0001", "0004"), PAYLOAD)


def fo(code: str = "Fo01", details_xml: etree._Element | None = None) -> Fout:
    sg = Stuurgegevens(code, GEMEENTE, AANBIEDER, new_referentienummer(), "20260415093514007",
                       cross_refnummer=DI01_REF)
    return Fout(sg, "StUF055", "client", "Berichtbody is niet conform schema in sectormodel: x",
                details="JW315-00030002", details_xml=details_xml)


def bv03() -> Stuurgegevens:
    return Stuurgegevens("Bv03", GEMEENTE, AANBIEDER, new_referentienummer(), "20260415093012999",
                         cross_refnummer=DI01_REF)


# --- building and reading back ----------------------------------------------------------------

@pytest.mark.parametrize("bericht", [di01(), du01(), fo()], ids=["Di01", "Du01", "Fo01"])
def test_a_built_message_travels_through_soap_and_reads_back_the_same(bericht):
    element = build(bericht)
    assert validate(element) == []
    code = bericht.stuurgegevens.berichtcode
    ontvangen = parse_request(soap_request(element), f'"{SOAP_ACTIONS[code]}"')
    assert ontvangen.soort == code
    assert ontvangen.bericht.stuurgegevens == bericht.stuurgegevens
    if isinstance(bericht, Envelop):
        assert ontvangen.bericht.xml_bestand == PAYLOAD and ontvangen.bericht.versies == bericht.versies
        assert ontvangen.bericht.element is ontvangen.element
    else:
        assert (ontvangen.bericht.code, ontvangen.bericht.plek, ontvangen.bericht.details) == (
            "StUF055", "client", "JW315-00030002")


def test_the_namespaces_are_those_of_the_facts():
    element = build(du01())
    assert element.tag == f"{{{GGK_NS}}}envelopRetourbericht-ggk_Du01"
    stuurgegevens, parameters = element
    assert etree.QName(stuurgegevens).namespace == GGK_NS and etree.QName(parameters).namespace == GGK_NS
    assert [etree.QName(c).localname for c in stuurgegevens] == [
        "berichtcode", "zender", "ontvanger", "referentienummer", "tijdstipBericht", "crossRefnummer", "functie"]
    assert {etree.QName(c).namespace for c in stuurgegevens.iter() if c is not stuurgegevens} == {STUF_NS}
    assert {etree.QName(c).namespace for c in parameters.iter()} == {GGK_NS}
    # base64 on one line; the facts' gebruiker and None parts left out
    assert "\n" not in element.findtext(f".//{{{GGK_NS}}}xmlBestand")
    assert element.find(f".//{{{STUF_NS}}}gebruiker") is None


def test_a_tekstbestand_keeps_its_file_name():
    element = build(di01(xml_bestand=None, tekst_bestand=b"a;b\n1;2\n", bestandsnaam="lijst.csv"))
    assert validate(element) == []
    ontvangen = parse_request(soap_request(element), None)
    assert (ontvangen.bericht.tekst_bestand, ontvangen.bericht.bestandsnaam, ontvangen.bericht.xml_bestand) == (
        b"a;b\n1;2\n", "lijst.csv", None)


def test_a_message_built_against_the_rules_is_not_valid():
    assert validate(build(di01(bestandsnaam="x"))) == []  # no tekstBestand: the name is not written
    upper = Stuurgegevens("Di01", GEMEENTE, AANBIEDER, DI01_REF.upper(), "20260415", functie="JW301")
    assert validate(build(Envelop(upper, Versies("0001", "0000"), PAYLOAD)))
    no_cross = Stuurgegevens("Du01", GEMEENTE, AANBIEDER, DI01_REF, "20260415", functie="JW316")
    assert validate(build(Envelop(no_cross, Versies("0001", "0000"), PAYLOAD)))
    assert validate(etree.Element("{urn:x}iets")) == ["geen StUF-GGk-bericht: '{urn:x}iets'"]


def test_fo01_carries_the_received_envelope_in_details_xml():
    received = parse_request(soap_request(build(di01())), None)
    fout = fo(details_xml=received.element)
    element = build(fout)
    assert validate(element) == []
    [copied] = element.find(f"{{{STUF_NS}}}body/{{{STUF_NS}}}detailsXML")
    assert copied is not received.element and _c14n(copied) == received.inhoud
    assert SOAP_NS not in copied.nsmap.values()  # the SOAP envelope's declaration stays behind
    back = parse_request(soap_request(element), SOAP_ACTIONS["Fo01"]).bericht
    assert isinstance(back, Fout) and back.details_xml is not None
    assert back.details_xml.tag == f"{{{GGK_NS}}}envelopHeenbericht-ggk_Di01"


def _c14n(element: etree._Element) -> bytes:
    return etree.tostring(element, method="c14n", exclusive=True)


def test_fo01_details_uses_the_functie_versions():
    assert fo01_details("JW315", Versies("0007", "0001")) == "JW315-00030002"


# --- the facts' examples ----------------------------------------------------------------------

def _examples() -> dict[str, bytes]:
    if not FACTS.exists():
        pytest.skip(f"facts file not beside the checkout: {FACTS}")
    blocks = re.findall(r"^```xml\n(.*?)^```", FACTS.read_text(encoding="utf-8"), re.M | re.S)
    return {etree.QName(etree.fromstring(b.encode())).localname: b.encode() for b in blocks}


def _in_soap(element_xml: bytes) -> bytes:
    return (b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">\r\n'
            b"  <soap:Header/>\r\n  <soap:Body>\r\n" + element_xml + b"\r\n  </soap:Body>\r\n</soap:Envelope>")


def test_the_worked_examples_parse():
    examples = _examples()
    di01_ = parse_request(_in_soap(examples["envelopHeenbericht-ggk_Di01"]),
                          '"http://www.stufstandaarden.nl/koppelvlak/ggk0210/ggk_Di01"')
    assert di01_.soort == "Di01" and di01_.bericht.stuurgegevens.functie == "JW315"
    assert di01_.bericht.xml_bestand == b'<?xml version="1.0" encoding="UTF-8"?>'
    assert di01_.bericht.stuurgegevens.zender == Systeem("12345678", "ZorgDossierPro")
    du01_ = parse_request(_in_soap(examples["envelopRetourbericht-ggk_Du01"]), "")
    assert du01_.bericht.stuurgegevens.cross_refnummer == DI01_REF
    assert du01_.bericht.stuurgegevens.zender.administratie == "Amsterdam"
    fo01 = parse_request(_in_soap(examples["Fo01Bericht"]), "http://www.egem.nl/StUF/StUF0301/Fo01")
    assert isinstance(fo01.bericht, Fout) and fo01.bericht.code == "StUF055"
    assert fo01.bericht.details_xml is not None  # the comment inside it is dropped, the element stays


def test_inhoud_is_the_same_for_the_same_element_in_another_envelope():
    element = etree.tostring(build(di01()))
    first = parse_request(_in_soap(element), None)
    other = (b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:x="urn:unused">'
             b"<s:Body>" + element + b"</s:Body></s:Envelope>")
    second = parse_request(other, None)
    assert first.inhoud == second.inhoud
    assert b"urn:unused" not in second.inhoud and SOAP_NS.encode() not in second.inhoud
    changed = parse_request(_in_soap(element.replace(b"JW301", b"JW319")), None)
    assert changed.inhoud != first.inhoud


# --- refusals ---------------------------------------------------------------------------------

def _refusal(body: bytes, action: str | None = None) -> EnvelopFout:
    with pytest.raises(EnvelopFout) as caught:
        parse_request(body, action)
    assert len(caught.value.omschrijving) <= 200 and caught.value.status == 500
    return caught.value


def test_a_soap_action_of_another_operation_is_refused():
    fout = _refusal(soap_request(build(di01())), '"http://www.stufstandaarden.nl/koppelvlak/ggk0210/ggk_Du01"')
    assert (fout.code, fout.plek) == ("StUF040", "client")


@pytest.mark.parametrize(("body", "code"), [
    (b"niet eens XML", "StUF055"),
    (b"<a><b></a>", "StUF055"),
    (b'<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body/></soap:Envelope>', "StUF055"),
    (b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body/></soap:Envelope>', "StUF055"),
    (b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"/>', "StUF055"),
    (b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><x:a xmlns:x="urn:x"/>'
     b"</soap:Body></soap:Envelope>", "StUF022"),
])
def test_what_is_no_soap_message_is_refused(body, code):
    assert _refusal(body).code == code


def test_a_stuf_message_this_port_does_not_take_is_refused():
    assert _refusal(soap_request(build_bv03(bv03()))).code == "StUF025"


def test_two_elements_in_the_body_are_refused():
    one = etree.tostring(build(di01()))
    fout = _refusal(_in_soap(one + one))
    assert fout.code == "StUF055" and "2 elementen" in fout.omschrijving


@pytest.mark.parametrize("body", [
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boem">]><soap:Envelope '
    b'xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&e;</soap:Body></soap:Envelope>',
    b'<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>',
])
def test_a_dtd_or_entity_is_refused(body):
    fout = _refusal(body)
    assert fout.code == "StUF055" and "DOCTYPE" in fout.omschrijving


def test_an_invalid_envelope_is_refused_with_the_first_schema_error():
    body = soap_request(build(di01())).replace(b"<StUF:functie>JW301</StUF:functie>", b"")
    fout = _refusal(body)
    assert fout.code == "StUF055" and "functie" in fout.omschrijving and fout.omschrijving.startswith("Di01 niet")
    upper = soap_request(build(di01())).replace(DI01_REF.encode(), DI01_REF.upper().encode())
    assert _refusal(upper).code == "StUF055"


def test_a_large_payload_passes_and_a_too_deep_body_does_not():
    big = b"<x>" + b"a" * (12 * 1024 * 1024) + b"</x>"  # past libxml2's 10 MB text node limit as base64
    ontvangen = parse_request(soap_request(build(di01(xml_bestand=big))), None)
    assert ontvangen.bericht.xml_bestand == big
    deep = b"<a>" * 80 + b"</a>" * 80
    assert "dieper" in _refusal(_in_soap(deep)).omschrijving


def test_envelop_fout_cuts_its_omschrijving():
    fout = EnvelopFout("StUF055", "x" * 300)
    assert len(fout.omschrijving) == 200 and fout.omschrijving.endswith("…") and fout.plek == "client"
    assert fout.detail.startswith("StUF055: ") and fout.slug == "envelop"


# --- answers: Bv03, Fo03 ----------------------------------------------------------------------

def test_a_bv03_answer_gives_its_stuurgegevens():
    element = build_bv03(bv03())
    assert validate(element) == []
    assert parse_response(200, soap_request(element)) == Stuurgegevens(
        "Bv03", GEMEENTE, AANBIEDER, element.findtext(f".//{{{STUF_NS}}}referentienummer"),
        "20260415093012999", cross_refnummer=DI01_REF)


@pytest.mark.parametrize(("plek", "faultcode"), [("client", "soap:Client"), ("server", "soap:Server")])
def test_a_fo03_travels_in_a_soap_fault(plek, faultcode):
    fo03 = build(fo("Fo03"))
    assert validate(fo03) == []
    body = soap_fault(fo03, plek=plek)
    fault = etree.fromstring(body).find(f"{{{SOAP_NS}}}Body/{{{SOAP_NS}}}Fault")
    assert fault.findtext("faultcode") == faultcode
    assert fault.findtext("faultstring") == "Berichtbody is niet conform schema in sectormodel: x"
    answer = parse_response(500, body)
    assert isinstance(answer, Fout) and answer.stuurgegevens.berichtcode == "Fo03" and answer.code == "StUF055"


@pytest.mark.parametrize(("status", "body", "text"), [
    (200, b"", "zonder inhoud"),
    (502, b"<html>Bad gateway</html>", "geen SOAP"),
    (500, b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>'
          b"<faultcode>s:Server</faultcode><faultstring>kapot</faultstring></s:Fault></s:Body></s:Envelope>",
     "zonder Fo03: kapot"),
    (200, soap_request(build(fo())), "verwacht een Bv03"),
    (202, soap_request(build_bv03(bv03())), "HTTP-status 202"),
    (200, soap_request(build_bv03(bv03())).replace(b"Bv03</StUF:berichtcode>", b"Bv01</StUF:berichtcode>"),
     "niet conform schema"),
])
def test_any_other_answer_is_a_failed_attempt(status, body, text):
    with pytest.raises(EnvelopFout) as caught:
        parse_response(status, body)
    assert text in caught.value.omschrijving and caught.value.plek == "server"


def test_soap_request_is_utf8_with_a_declaration_and_leaves_the_element_alone():
    element = build(di01())
    body = soap_request(element)
    assert body.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert element.getparent() is None


# --- values -----------------------------------------------------------------------------------

def test_tijdstip_has_milliseconds_and_moment_reads_it_back():
    at = datetime(2026, 4, 15, 9, 30, 12, 345_999)
    assert tijdstip(at) == "20260415093012345"
    assert moment("20260415093012345") == datetime(2026, 4, 15, 9, 30, 12, 345_000)
    assert moment("20260415") == datetime(2026, 4, 15)
    assert moment("2026041509") == datetime(2026, 4, 15, 9)
    for wrong in ("2026041", "202604150930123456", "2026-04-15", "20261315"):
        with pytest.raises(EnvelopFout):
            moment(wrong)


def test_referentienummers_are_lower_case_uuid4():
    ref = new_referentienummer()
    assert is_referentienummer(ref) and ref != new_referentienummer()
    assert not is_referentienummer(ref.upper())
    assert not is_referentienummer("9c0f7b90-5c69-11e5-a837-0800200c9a66")  # version 1
    assert not is_referentienummer(ref + "0")
