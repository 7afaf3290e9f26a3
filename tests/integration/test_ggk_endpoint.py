"""The StUF-GGk endpoint as the chain's adapter uses it (design.md §8): a SOAP client (zeep)
that loads the gateway's own WSDL from GET /ggk/OntvangAsynchroon?wsdl sends the providers'
Di01s and Du01s, each answered with a Bv03; the work runs as a worker would, and the gateway's
Du01s and Di01s reach a stand-in for the chain (`ChainStub`, which refuses anything that fails
our StUF-GGk schemas or the iJw XSD). Runs on SQLite and on PostgreSQL
(GATEWAY_TEST_DATABASE_URL). Refusals, repeats and delivery: test_ggk_endpoint_refusals.py."""
from __future__ import annotations

import pytest
import zeep.exceptions
from lxml import etree

from gateway import stuf
from gateway.db.session import unit_of_work
from gateway.domain.berichten.envelop import AFGELEVERD, ONTVANGEN
from gateway.intake.parties import set_kanaal
from tests.ggk_route import AGB, GEMEENTE, PATH, envelopes, payload_of, sent_to_chain
from tests.integration.test_declaraties import FIXTURE as JW323_FIXTURE
from tests.route import aanvragen, besluit, json_auth, postbus, request, retour_for
from tests.route import post as api_post
from tests.support import FIXTURES, example

JW317 = (FIXTURES / "berichten" / "JW317-verzoek-om-wijziging.xml").read_bytes()
IJW = "http://www.istandaarden.nl/ijw/3_2/basisschema/schema"


def _identificatie(message: etree._Element) -> str:
    return message.xpath("string(*[local-name()='Header']/*[local-name()='BerichtIdentificatie']/ijw:Identificatie)",
                         namespaces={"ijw": IJW})


def test_the_served_wsdl_names_this_endpoint_and_its_three_operations(keten):
    service = keten.soap.service
    assert service._binding_options["address"] == f"http://testserver{PATH}"
    binding = service._binding
    assert {name: op.soapaction for name, op in binding._operations.items()} == {
        "ggk_Di01": stuf.SOAP_ACTIONS["Di01"], "ggk_Du01": stuf.SOAP_ACTIONS["Du01"], "Fo01": stuf.SOAP_ACTIONS["Fo01"]}


HEENBERICHTEN = [("JW315", lambda: example("JW315"), "JW316"),
                 ("JW317", lambda: JW317, "JW318"),
                 ("JW305", lambda: example("JW305"), "JW306"),
                 ("JW307", lambda: example("JW307"), "JW308"),
                 ("JW323", lambda: JW323_FIXTURE.read_bytes(), "JW325")]


@pytest.mark.parametrize(("functie", "payload", "antwoord"), HEENBERICHTEN, ids=[h[0] for h in HEENBERICHTEN])
def test_a_di01_is_answered_with_a_bv03_and_its_retour_goes_back_as_a_du01(keten, parties, toewijzing_100001,
                                                                           sessions, functie, payload, antwoord):
    body = payload()
    ref = stuf.new_referentienummer()
    bv03 = keten.send("Di01", functie, body, ref)
    # The Bv03: from the envelope's ontvanger to its zender, crossRefnummer the Di01's number.
    assert bv03.berichtcode == "Bv03" and bv03.crossRefnummer == ref
    assert stuf.is_referentienummer(bv03.referentienummer) and bv03.referentienummer != ref
    assert (bv03.zender.organisatie, bv03.ontvanger.organisatie, bv03.ontvanger.applicatie) == (
        GEMEENTE, AGB, "ZorgDossierPro")
    [received] = envelopes(sessions, richting="in")
    assert (received.soort, received.functie, received.referentienummer, received.status) == (
        "Di01", functie, ref, ONTVANGEN)
    assert received.bericht_id is not None

    assert "failed" not in keten.work()
    [du01] = sent_to_chain(keten.stub, "Du01")
    # Valid against our StUF-GGk schemas (the stub refuses any other with a 500), the payload
    # against the iJw XSD, and it breaks none of the iJw rules.
    assert (du01.functie, du01.cross_refnummer, du01.zender, du01.ontvanger) == (antwoord, ref, GEMEENTE, AGB)
    assert du01.payload_valid is True and du01.rules == ()
    retour = payload_of(du01)
    assert etree.QName(retour).namespace.endswith(f"/{antwoord.lower()}/schema")
    if antwoord != "JW325":  # a retour copies the Header of the message it answers (IV028)
        assert _identificatie(retour) == _identificatie(etree.fromstring(body))
    assert [r.soort for r in keten.stub.received] == ["Du01"]
    [sent] = envelopes(sessions, richting="uit")
    assert (sent.soort, sent.referentienummer, sent.cross_refnummer, sent.status) == (
        "Du01", du01.referentienummer, ref, AFGELEVERD)
    assert sent.bericht_id == received.bericht_id  # the retour is the answer stored with the message


def _on_ggk(sessions) -> None:
    with unit_of_work(sessions) as session:
        assert set_kanaal(session, AGB, "ggk") is not None


def test_a_ggk_provider_gets_its_automatic_jw301_as_a_di01_and_confirms_it_with_a_du01_jw302(keten, parties,
                                                                                             sessions):
    _on_ggk(sessions)
    # The aanvraagformulier comes by the API; its automatic JW301 goes out through the chain.
    answer = api_post(keten.http, parties["provider"], request("AGJ", "AGJ1"))
    assert answer.status_code == 202, answer.text
    assert "failed" not in keten.work()
    [di01] = sent_to_chain(keten.stub, "Di01", functie="JW301")
    assert (di01.zender, di01.ontvanger, di01.cross_refnummer, di01.payload_valid, di01.rules) == (
        GEMEENTE, AGB, None, True, ())
    [copy] = postbus(keten.http, parties["provider"])  # the read-only copy
    assert copy["message"] == "JW301"

    ref = stuf.new_referentienummer()
    bv03 = keten.send("Du01", "JW302", retour_for(payload_of(di01)), ref, cross_ref=di01.referentienummer)
    assert bv03.crossRefnummer == ref
    assert keten.work() == []  # nothing answers a retour
    assert [r.soort for r in keten.stub.received] == ["Di01"]
    assert [i["id"] for i in postbus(keten.http, parties["provider"], "bevestigd")] == [copy["id"]]
    [du01] = envelopes(sessions, richting="in")
    assert (du01.soort, du01.functie, du01.cross_refnummer) == ("Du01", "JW302", di01.referentienummer)


@pytest.mark.parametrize("cross_ref", ["unknown", "the JW316"], ids=["names-nothing", "names-a-du01"])
def test_a_du01_whose_crossrefnummer_names_no_jw301_of_ours_gets_a_fo03_stuf043(keten, parties, sessions, cross_ref):
    _on_ggk(sessions)
    ref315 = stuf.new_referentienummer()
    keten.send("Di01", "JW315", request("JW315", "GGK3152"), ref315)
    assert api_post(keten.http, parties["provider"], request("AGJ", "AGJ2")).status_code == 202
    keten.work()
    [di01] = sent_to_chain(keten.stub, "Di01", functie="JW301")
    [du01_316] = sent_to_chain(keten.stub, "Du01", functie="JW316")
    named = stuf.new_referentienummer() if cross_ref == "unknown" else du01_316.referentienummer
    before = [e.referentienummer for e in envelopes(sessions, richting="in")]

    ref = stuf.new_referentienummer()
    with pytest.raises(zeep.exceptions.Fault) as raised:
        keten.send("Du01", "JW302", retour_for(payload_of(di01)), ref, cross_ref=named)
    [element] = raised.value.detail.iter(f"{{{stuf.STUF_NS}}}Fo03Bericht")
    fo03 = stuf.read_fout(element)
    assert (fo03.code, fo03.stuurgegevens.cross_refnummer) == ("StUF043", ref)
    assert [e.referentienummer for e in envelopes(sessions, richting="in")] == before  # nothing stored
    assert postbus(keten.http, parties["provider"], "bevestigd") == []


def test_a_du01_jw320_confirms_the_jw319_that_went_out_as_a_di01(keten, parties, sessions):
    _on_ggk(sessions)
    ref315 = stuf.new_referentienummer()
    keten.send("Di01", "JW315", request("JW315", "GGK3151"), ref315)
    keten.work()
    sent_to_chain(keten.stub, "Du01", functie="JW316", cross_refnummer=ref315)
    [aanvraag] = aanvragen(keten.http, parties["gemeente"], "te_beoordelen")
    answer = besluit(keten.http, parties["gemeente"], aanvraag["id"], {"besluit": "in_onderzoek"})
    assert answer.status_code == 202, answer.text
    assert "failed" not in keten.work()
    [di01] = sent_to_chain(keten.stub, "Di01", functie="JW319")
    assert di01.cross_refnummer is None and di01.payload_valid is True and di01.rules == ()
    [copy] = [i for i in postbus(keten.http, parties["provider"]) if i["message"] == "JW319"]

    bv03 = keten.send("Du01", "JW320", retour_for(payload_of(di01)), stuf.new_referentienummer(),
                      cross_ref=di01.referentienummer)
    assert bv03.berichtcode == "Bv03"
    assert keten.work() == []
    assert [i["id"] for i in postbus(keten.http, parties["provider"], "bevestigd")] == [copy["id"]]
    detail = keten.http.get(aanvraag["href"], headers=json_auth(parties["gemeente"]))
    assert detail.status_code == 200
