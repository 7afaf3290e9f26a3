"""The GGk endpoint when something is not right (design.md §8): a repeat, a payload the intake
refuses (an Fo01 to the chain, no retour), an envelope the gateway does not take (a Fo03 in a
SOAP Fault, nothing stored), the chain's adapter down for a while, and an Fo01 from the chain
refusing one of the gateway's own envelopes. The adapter is a zeep client on the served WSDL;
the work runs as a worker would. Runs on SQLite and on PostgreSQL (GATEWAY_TEST_DATABASE_URL)."""
from __future__ import annotations

from datetime import timedelta

import pytest
import zeep.exceptions
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import func, select

from gateway import clock, stuf
from gateway.db.models import Bericht, Bevinding, EnvelopPoging, Outbox
from gateway.db.session import unit_of_work
from gateway.domain.berichten.envelop import AFGELEVERD, GEWEIGERD, MISLUKT, ONTVANGEN, TE_VERZENDEN
from gateway.ggk.ontvangst import STUF055_TEKST
from gateway.intake.parties import set_kanaal
from gateway.work import attempts, queue
from gateway.work import outbox as outbox_work
from tests.ggk_route import AGB, GEMEENTE, PATH, envelopes, sent_to_chain
from tests.route import post as api_post
from tests.route import request
from tests.support import edit, example


def _count(sessions, model) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _fo03(fault: zeep.exceptions.Fault) -> stuf.Fout:
    """The Fo03 in a SOAP Fault's detail."""
    assert fault.detail is not None
    [element] = fault.detail.iter(f"{{{stuf.STUF_NS}}}Fo03Bericht")
    return stuf.read_fout(element)


def _fo01(received) -> stuf.Fout:
    return stuf.read_fout(etree.fromstring(received.envelop))


# -- who may call it ----------------------------------------------------------------------------

def test_without_gateway_ggk_url_there_is_no_endpoint_and_only_the_allowed_may_call_it(client, keten):
    assert client.get(f"{PATH}?wsdl").status_code == 404  # the app of `client` has no GATEWAY_GGK_URL
    assert client.post(PATH, content=b"<x/>").status_code == 404
    with TestClient(keten.app, client=("192.0.2.7", 50000)) as elsewhere:
        assert elsewhere.get(f"{PATH}?wsdl").status_code == 403
        assert elsewhere.post(PATH, content=example("JW315")).status_code == 403
    assert keten.http.get(f"{PATH}?wsdl").status_code == 200


# -- a repeat ----------------------------------------------------------------------------------

def test_the_same_di01_twice_is_processed_once_and_answered_with_the_same_bv03(keten, parties, sessions):
    ref, tijdstip = stuf.new_referentienummer(), stuf.tijdstip(clock.local_now())
    first = keten.send("Di01", "JW315", example("JW315"), ref, tijdstip=tijdstip)
    again = keten.send("Di01", "JW315", example("JW315"), ref, tijdstip=tijdstip)
    assert (again.referentienummer, again.tijdstipBericht, again.crossRefnummer) == (
        first.referentienummer, first.tijdstipBericht, ref)
    assert [e.soort for e in envelopes(sessions, richting="in")] == ["Di01"]
    assert _count(sessions, Bericht) == 1
    keten.work()
    sent_to_chain(keten.stub, "Du01", cross_refnummer=ref)
    assert [r.soort for r in keten.stub.received] == ["Du01"]  # one retour


def test_the_same_referentienummer_for_another_message_is_a_fo03_stuf016(keten, parties, sessions):
    ref = stuf.new_referentienummer()
    keten.send("Di01", "JW315", example("JW315"), ref)
    with pytest.raises(zeep.exceptions.Fault) as raised:
        keten.send("Di01", "JW315", request("JW315", "ANDER1"), ref)
    fo03 = _fo03(raised.value)
    assert (fo03.code, fo03.stuurgegevens.cross_refnummer) == ("StUF016", ref)
    assert len(envelopes(sessions, richting="in")) == 1 and _count(sessions, Bericht) == 1


# -- a payload the intake refuses: an Fo01, no retour --------------------------------------------

def test_an_xsd_invalid_payload_gets_an_fo01_stuf055_and_no_du01(keten, parties, sessions):
    bad = edit(example("JW315"), "<jw315:Bsn>999980919<", "<jw315:Bsn>X<")
    ref = stuf.new_referentienummer()
    bv03 = keten.send("Di01", "JW315", bad, ref)
    assert bv03.crossRefnummer == ref  # the envelope is fine: taken, and refused afterwards
    assert "failed" not in keten.work()
    [fo01] = sent_to_chain(keten.stub, "Fo01", cross_refnummer=ref)
    fout = _fo01(fo01)
    assert (fo01.code, fout.plek, fo01.zender, fo01.ontvanger) == ("StUF055", "client", GEMEENTE, AGB)
    assert fout.omschrijving.startswith(f"{STUF055_TEKST}: ") and "Bsn" in fout.omschrijving
    assert fout.details == "JW315-00030002"  # functie and its versions
    assert fout.details_xml is not None  # the received Di01 itself
    assert [r.soort for r in keten.stub.received] == ["Fo01"]


@pytest.mark.parametrize(("change", "code"), [
    ({"functie": "JW317"}, "StUF058"),  # the envelope says JW317, the payload is a JW315
    ({"zender": "87654321"}, "StUF052"),  # another registered provider than the payload's Afzender
], ids=["functie", "zender"])
def test_an_envelope_and_payload_that_disagree_get_an_fo01_and_no_retour(keten, parties, sessions, change, code):
    ref = stuf.new_referentienummer()
    functie = change.get("functie", "JW315")
    keten.send("Di01", functie, example("JW315"), ref, zender=change.get("zender", AGB))
    assert "failed" not in keten.work()
    [fo01] = sent_to_chain(keten.stub, "Fo01", cross_refnummer=ref)
    assert (fo01.code, _fo01(fo01).plek, fo01.ontvanger) == (code, "client", change.get("zender", AGB))
    assert [r.soort for r in keten.stub.received] == ["Fo01"]
    # The payload is kept as the intake's answer, with why it was refused.
    [refusal] = envelopes(sessions, richting="uit")
    with sessions() as session:
        bericht = session.get_one(Bericht, refusal.bericht_id)
        bevindingen = session.scalars(select(Bevinding.code).where(Bevinding.bericht_id == bericht.id)).all()
    assert bericht.status != "accepted" and bevindingen
    if "functie" in change:
        assert "ENVELOP" in bevindingen


def test_a_refused_payload_sent_again_gets_the_same_bv03_and_no_second_fo01(keten, parties, sessions):
    bad = edit(example("JW315"), "<jw315:Bsn>999980919<", "<jw315:Bsn>X<")
    ref, tijdstip = stuf.new_referentienummer(), stuf.tijdstip(clock.local_now())
    first = keten.send("Di01", "JW315", bad, ref, tijdstip=tijdstip)
    keten.work()
    again = keten.send("Di01", "JW315", bad, ref, tijdstip=tijdstip)
    assert again.referentienummer == first.referentienummer
    assert keten.work() == []
    assert [(r.soort, r.code) for r in keten.stub.received] == [("Fo01", "StUF055")]


# -- an envelope the gateway does not take: a Fo03, nothing stored -------------------------------

def test_an_unknown_zender_gets_a_fo03_stuf013_and_nothing_is_stored(keten, parties, sessions):
    ref = stuf.new_referentienummer()
    with pytest.raises(zeep.exceptions.Fault) as raised:
        keten.send("Di01", "JW315", edit(example("JW315"), "12345678", "11112222"), ref, zender="11112222")
    fo03 = _fo03(raised.value)
    assert (fo03.code, fo03.stuurgegevens.cross_refnummer, fo03.stuurgegevens.ontvanger.organisatie) == (
        "StUF013", ref, "11112222")
    assert envelopes(sessions) == [] and _count(sessions, Bericht) == 0 and keten.published == []


@pytest.mark.parametrize("body", [
    b"<soap:Envelope",  # not well-formed
    b"<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/'><soap:Body>"
    b"<GGK:envelopHeenbericht-ggk_Di01 xmlns:GGK='http://www.stufstandaarden.nl/koppelvlak/ggk0210'/>"
    b"</soap:Body></soap:Envelope>",  # well-formed, not valid
], ids=["not-well-formed", "not-valid"])
def test_a_broken_envelope_gets_a_soap_fault_with_http_500_and_nothing_is_stored(keten, parties, sessions, body):
    answer = keten.http.post(PATH, content=body, headers={"Content-Type": "text/xml; charset=utf-8",
                                                          "SOAPAction": f'"{stuf.SOAP_ACTIONS["Di01"]}"'})
    assert answer.status_code == 500 and answer.headers["content-type"].startswith("text/xml")
    read = stuf.parse_response(answer.status_code, answer.content)
    assert isinstance(read, stuf.Fout) and read.stuurgegevens.berichtcode == "Fo03"
    root = etree.fromstring(answer.content)
    assert root.find(f"{{{stuf.SOAP_NS}}}Body/{{{stuf.SOAP_NS}}}Fault") is not None
    assert envelopes(sessions) == [] and _count(sessions, Bericht) == 0 and keten.published == []


def test_a_referentienummer_that_is_no_uuid_is_refused_by_the_envelope_schema(keten, parties, sessions):
    with pytest.raises(zeep.exceptions.Fault) as raised:
        keten.send("Di01", "JW315", example("JW315"), "geen-uuid")
    assert _fo03(raised.value).stuurgegevens.berichtcode == "Fo03"
    assert envelopes(sessions) == [] and _count(sessions, Bericht) == 0


# -- delivery: the chain's adapter down for a while ------------------------------------------------

def test_the_chain_answering_500_twice_then_bv03_gets_the_du01_delivered_once(keten, parties, sessions,
                                                                               read_clock):
    now = [clock.now()]
    read_clock(lambda: now[0])
    keten.stub.fail_next(2)
    ref = stuf.new_referentienummer()
    keten.send("Di01", "JW315", example("JW315"), ref)
    [sent] = [o for o in _outbox(sessions) if o.envelop_id is not None]
    ctx, factory = keten.app.state.ctx, keten.app.state.sessions
    assert "failed" in keten.work()
    for poging in (1, 2):
        assert outbox_work.process(factory, ctx, sent.id) == "skipped"  # not before its backoff
        now[0] += attempts.backoff(poging) + timedelta(seconds=1)
        assert outbox_work.process(factory, ctx, sent.id) == ("failed" if poging == 1 else "done")
    assert [r.status for r in keten.stub.received] == [500, 500, 200]
    assert {r.referentienummer for r in keten.stub.received} == {keten.stub.received[-1].referentienummer}
    [du01] = envelopes(sessions, richting="uit")
    assert (du01.status, du01.cross_refnummer, du01.afgeleverd_op is not None) == (AFGELEVERD, ref, True)
    with sessions() as session:
        pogingen = session.scalars(select(EnvelopPoging).where(EnvelopPoging.envelop_id == du01.id)
                                   .order_by(EnvelopPoging.poging)).all()
        assert [(p.poging, p.http_status, p.geslaagd) for p in pogingen] == [
            (1, 500, False), (2, 500, False), (3, 200, True)]
        assert all(p.fout for p in pogingen[:2]) and pogingen[2].fout is None
        assert session.get_one(Outbox, sent.id).status == "done"
    assert outbox_work.process(factory, ctx, sent.id) == "skipped"  # delivered once
    assert len(keten.stub.received) == 3


def test_an_envelope_given_up_is_mislukt_and_an_operator_retry_delivers_it(keten, parties, sessions, read_clock):
    now = [clock.now()]
    read_clock(lambda: now[0])
    keten.stub.fail_next(attempts.MAX_POGINGEN)
    keten.send("Di01", "JW315", example("JW315"), stuf.new_referentienummer())
    [sent] = [o for o in _outbox(sessions) if o.envelop_id is not None]
    ctx, factory = keten.app.state.ctx, keten.app.state.sessions
    keten.work()
    for poging in range(1, attempts.MAX_POGINGEN):
        now[0] += attempts.backoff(poging) + timedelta(seconds=1)
        outbox_work.process(factory, ctx, sent.id)
    [du01] = envelopes(sessions, richting="uit")
    assert du01.status == MISLUKT and len(keten.stub.received) == attempts.MAX_POGINGEN
    assert [o.status for o in _outbox(sessions) if o.id == sent.id] == ["mislukt"]

    with unit_of_work(factory) as session:  # what `gateway outbox retry ID` does
        assert queue.retry(session, [sent.id]) == 1
    assert envelopes(sessions, richting="uit")[0].status == TE_VERZENDEN
    assert outbox_work.process(factory, ctx, sent.id) == "done"
    [du01] = envelopes(sessions, richting="uit")
    assert du01.status == AFGELEVERD and keten.stub.received[-1].status == 200
    assert len({r.referentienummer for r in keten.stub.received}) == 1  # the same envelope throughout


def _outbox(sessions) -> list[Outbox]:
    with sessions() as session:
        rows = list(session.scalars(select(Outbox).order_by(Outbox.id)))
        session.expunge_all()
        return rows


# -- an Fo01 from the chain ------------------------------------------------------------------------

def test_an_fo01_from_the_chain_marks_the_jw301_envelope_geweigerd(keten, parties, sessions):
    with unit_of_work(sessions) as session:
        set_kanaal(session, AGB, "ggk")
    assert api_post(keten.http, parties["provider"], request("AGJ", "AGJ1")).status_code == 202
    keten.work()
    [di01] = sent_to_chain(keten.stub, "Di01", functie="JW301")
    bv03 = keten.fo01(di01.referentienummer, "BRS04", "Geadresseerde niet aangesloten bij VECOZO",
                      zender="VECOZO", applicatie="VECOZOWebservice")
    assert bv03.berichtcode == "Bv03"
    assert keten.work() == []  # nothing answers an Fo01
    [refused] = envelopes(sessions, richting="uit", referentienummer=di01.referentienummer)
    assert (refused.status, refused.fout_code, refused.fout_zender) == (GEWEIGERD, "BRS04", "VECOZO")
    assert refused.fout_omschrijving == "Geadresseerde niet aangesloten bij VECOZO"
    assert refused.geweigerd_op is not None
    [fo01] = envelopes(sessions, richting="in")
    assert (fo01.soort, fo01.cross_refnummer, fo01.status, fo01.bericht_id) == (
        "Fo01", di01.referentienummer, ONTVANGEN, refused.bericht_id)
    # A second refusal of the same envelope keeps the first.
    keten.fo01(di01.referentienummer, "IB102", "Geen route")
    [still] = envelopes(sessions, richting="uit", referentienummer=di01.referentienummer)
    assert still.fout_code == "BRS04"


def test_an_fo01_naming_no_envelope_of_ours_is_taken_and_kept(keten, parties, sessions):
    unknown, own = stuf.new_referentienummer(), stuf.new_referentienummer()
    bv03 = keten.fo01(unknown, "IB102", "Geen route", referentienummer=own)
    assert (bv03.berichtcode, bv03.crossRefnummer) == ("Bv03", own)  # the Fo01 itself acknowledged
    [fo01] = envelopes(sessions, richting="in")
    assert (fo01.soort, fo01.cross_refnummer, fo01.bericht_id) == ("Fo01", unknown, None)
