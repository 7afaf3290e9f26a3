"""The chain's side of the GGk route: `gateway.ggk.stub.ChainStub` receiving what
`gateway.ggk.client` posts, and the `gateway ggk` commands."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from lxml import etree

from gateway import stuf
from gateway.cli import main
from gateway.ggk import client
from gateway.ggk.stub import ChainStub
from tests.own_redis import free_port
from tests.support import edit, example

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DI01 = "87b52fbc-eea2-4292-a678-ef1437580aca"


@pytest.fixture
def stub(tmp_path):
    with ChainStub(out=tmp_path / "out") as running:
        yield running


def _jw301(referentienummer: str | None = None, payload: bytes | None = None) -> bytes:
    """A Di01 with a JW301 as the gateway sends it: from the gemeente to the provider."""
    return client.wrap(payload or example("JW301"), zender="0363", ontvanger="12345678",
                       applicatie="Jeugdhulpgateway", referentienummer=referentienummer)


def _ref(soap: bytes, soort: str = "Di01") -> str:
    return stuf.parse_request(soap, stuf.SOAP_ACTIONS[soort]).bericht.stuurgegevens.referentienummer


def test_the_stub_takes_a_good_envelope_with_a_bv03(stub, tmp_path):
    soap = _jw301()
    ref = _ref(soap)
    result = client.post(stub.url, soap, "Di01")
    assert result.ok, result.summary()
    bv03 = result.bv03
    assert bv03 is not None and bv03.cross_refnummer == ref and stuf.is_referentienummer(bv03.referentienummer)
    # From the envelope's ontvanger to its zender.
    assert (bv03.zender.organisatie, bv03.ontvanger) == ("12345678", stuf.Systeem("0363", "Jeugdhulpgateway"))
    assert result.summary() == f"Bv03 referentienummer {bv03.referentienummer} crossRefnummer {ref}"
    [received] = stub.received
    assert (received.status, received.soort, received.functie, received.referentienummer) == (200, "Di01", "JW301", ref)
    assert (received.zender, received.ontvanger, received.payload_valid) == ("0363", "12345678", True)
    assert received.payload == example("JW301")
    assert received.line().split("\t") == ["Di01", "JW301", ref, "-", "HTTP 200", "payload valid"]
    written = etree.fromstring((tmp_path / "out" / f"{ref}.xml").read_bytes())
    assert etree.QName(written).localname == "envelopHeenbericht-ggk_Di01"


def test_fail_next_answers_500_that_many_times_then_bv03(stub):
    soap = _jw301()
    stub.fail_next(2)
    first, second, third = (client.post(stub.url, soap, "Di01") for _ in range(3))
    assert (first.status, second.status, third.status) == (500, 500, 200)
    assert not first.ok and first.bv03 is None and first.fout is None and first.error
    assert third.ok
    assert [r.status for r in stub.received] == [500, 500, 200]
    assert "refused: HTTP 500 on purpose" in stub.received[0].line()


def test_an_invalid_payload_gets_a_fault_with_stuf055(stub, tmp_path):
    bad = edit(example("JW301"), "<jw301:Bsn>999994323<", "<jw301:Bsn>99999432X<")
    soap = _jw301(payload=bad)
    result = client.post(stub.url, soap, "Di01")
    assert result.status == 500 and not result.ok
    assert result.fout is not None and result.fout.stuurgegevens.berichtcode == "Fo03"
    assert result.fout.code == "StUF055" and result.fout.stuurgegevens.cross_refnummer == _ref(soap)
    assert result.fout.omschrijving.startswith("Berichtbody is niet conform schema in sectormodel: ")
    assert result.summary().startswith("HTTP 500 Fo03 StUF055: Berichtbody")
    [received] = stub.received
    assert received.payload_valid is False and "Bsn" in (received.error or "")
    assert "\tHTTP 500\tpayload invalid: " in received.line()
    assert (tmp_path / "out" / f"{received.referentienummer}.xml").exists()  # kept, to look at


def test_rules_are_reported_not_refused(stub):
    bad = edit(example("JW301"), "<jw301:Bsn>999994323<", "<jw301:Bsn>123456789<")  # CS002: elfproef
    result = client.post(stub.url, _jw301(payload=bad), "Di01")
    assert result.ok
    [received] = stub.received
    assert "CS002" in received.rules and "rules failing: " in received.line()


def test_envelope_and_payload_must_name_the_same_parties(stub):
    soap = client.wrap(example("JW301"), zender="0599", ontvanger="12345678", applicatie="Jeugdhulpgateway")
    result = client.post(stub.url, soap, "Di01")
    assert result.fout is not None and result.fout.code == "StUF055"
    assert "0599" in result.fout.omschrijving


def test_the_soap_action_must_match_and_be_there(stub):
    soap = _jw301()
    wrong = client.post(stub.url, soap, "Du01")
    assert wrong.status == 500 and wrong.fout is not None
    headers = {"Content-Type": "text/xml; charset=utf-8"}
    missing = httpx.post(stub.url, content=soap, headers=headers)
    assert missing.status_code == 500 and b"SOAPAction" in missing.content
    other_media = httpx.post(stub.url, content=soap, headers={
        "Content-Type": "application/soap+xml", "SOAPAction": f'"{stuf.SOAP_ACTIONS["Di01"]}"'})
    assert other_media.status_code == 500 and b"text/xml" in other_media.content
    assert [r.status for r in stub.received] == [500, 500, 500]
    assert stub.received[0].code is not None


def test_a_broken_envelope_gets_a_fault_and_is_not_written(stub, tmp_path):
    result = client.post(stub.url, b"<soap:Envelope", "Di01")
    assert result.status == 500 and result.fout is not None
    assert [r.soort for r in stub.received] == [None]
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_the_stub_takes_an_fo01_and_a_du01(stub):
    fo01 = client.fo01(cross_ref=DI01, code="StUF055", omschrijving="Berichtbody is niet conform schema",
                       ontvanger="12345678", zender="0363", applicatie="Jeugdhulpgateway")
    assert client.post(stub.url, fo01, "Fo01").ok
    jw306 = _jw306()
    du01 = client.wrap(jw306, zender="0363", ontvanger="12345678", applicatie="Jeugdhulpgateway", cross_ref=DI01)
    result = client.post(stub.url, du01, "Du01")
    assert result.ok, result.summary()
    fo, du = stub.received
    assert (fo.soort, fo.code, fo.cross_refnummer) == ("Fo01", "StUF055", DI01)
    assert fo.line().endswith("\tHTTP 200\tFo01 StUF055")
    assert (du.soort, du.functie, du.cross_refnummer, du.payload_valid) == ("Du01", "JW306", DI01, True)


def _jw306() -> bytes:
    """A JW306 on the example JW305, as the gateway renders it."""
    from gateway.render.retour import render_retour
    from tests.support import TODAY, check, schemas

    result = check(example("JW305"))
    assert result.parsed is not None and result.outcome is not None
    tree = render_retour(result.parsed, result.outcome, identificatie="RET306", today=TODAY, schemas=schemas())
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def test_wait_for_gives_up_after_its_timeout(stub):
    with pytest.raises(TimeoutError):
        stub.wait_for(1, timeout=0.2)


# -- the commands ----------------------------------------------------------------------------

def test_ggk_send_prints_the_bv03(stub, tmp_path):
    cli_env = CliRunner()
    payload = tmp_path / "jw315.xml"
    payload.write_bytes(example("JW315"))
    result = cli_env.invoke(main, ["ggk", "send", str(payload), "--zender", "12345678", "--url", stub.url])
    assert result.exit_code == 0, result.output
    [received] = stub.received
    assert (received.soort, received.functie, received.zender, received.ontvanger) == ("Di01", "JW315", "12345678",
                                                                                       "0363")
    assert result.stdout.startswith("Bv03 referentienummer ")
    assert result.stdout.strip().endswith(f"crossRefnummer {received.referentienummer}")
    assert f"Di01 {received.referentienummer} to {stub.url}" in result.stderr


def test_ggk_send_exits_1_on_a_fault_and_2_when_nothing_can_be_sent(stub, tmp_path):
    cli_env = CliRunner()
    bad = tmp_path / "bad.xml"
    bad.write_bytes(edit(example("JW315"), "<jw315:Bsn>999980919<", "<jw315:Bsn>X<"))
    result = cli_env.invoke(main, ["ggk", "send", str(bad), "--zender", "12345678", "--url", stub.url])
    assert result.exit_code == 1 and "Fo03 StUF055" in result.stdout
    retour = tmp_path / "jw302.xml"
    retour.write_bytes(example("JW302"))
    result = cli_env.invoke(main, ["ggk", "send", str(retour), "--zender", "12345678", "--url", stub.url])
    assert result.exit_code == 2 and "--cross-ref" in result.stderr
    stub.fail_next(1)
    good = tmp_path / "good.xml"
    good.write_bytes(example("JW315"))
    result = cli_env.invoke(main, ["ggk", "send", str(good), "--zender", "12345678", "--url", stub.url])
    assert result.exit_code == 1 and result.stdout.startswith("HTTP 500")


def test_ggk_send_without_an_answer_exits_1(tmp_path):
    cli_env = CliRunner()
    good = tmp_path / "good.xml"
    good.write_bytes(example("JW315"))
    url = f"http://127.0.0.1:{free_port()}/ggk/OntvangAsynchroon"
    result = cli_env.invoke(main, ["ggk", "send", str(good), "--zender", "12345678", "--url", url])
    assert result.exit_code == 1 and result.stdout.startswith("geen antwoord: ConnectError")


def test_ggk_fo01_needs_the_envelope_or_the_ontvanger(stub, cli_env):
    result = cli_env.invoke(main, ["ggk", "fo01", "--cross-ref", DI01, "--code", "IB102", "--omschrijving",
                                   "Geen route", "--url", stub.url])
    assert result.exit_code == 2 and "--ontvanger" in result.stderr
    result = cli_env.invoke(main, ["ggk", "fo01", "--cross-ref", DI01, "--code", "IB102", "--omschrijving",
                                   "Geen route", "--url", stub.url, "--ontvanger", "0363"])
    assert result.exit_code == 0, result.output
    [received] = stub.received
    assert (received.soort, received.code, received.zender, received.ontvanger) == ("Fo01", "IB102", "IB", "0363")


def test_ggk_stub_command_prints_one_line_per_envelope(tmp_path):
    port = free_port()
    env = {**os.environ, "GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path / 'g.db'}"}
    process = subprocess.Popen([sys.executable, "-m", "gateway.cli", "ggk", "stub", "--port", str(port),
                                "--out", str(tmp_path / "out")], cwd=PROJECT_ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/ggk/OntvangAsynchroon"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            try:
                wsdl = httpx.get(f"{url}?wsdl", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "ggk stub did not start"
                time.sleep(0.2)
        assert wsdl.status_code == 200 and b"OntvangAsynchroon" in wsdl.content
        soap = _jw301()
        assert client.post(url, soap, "Di01").ok
        assert process.stdout is not None
        line = process.stdout.readline().rstrip("\n")
        assert line.split("\t") == ["Di01", "JW301", _ref(soap), "-", "HTTP 200", "payload valid"]
        assert (tmp_path / "out" / f"{_ref(soap)}.xml").exists()
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert process.returncode == 128 + 15


def test_end_to_end_a_jw315_through_the_chain_and_its_jw316_back(database_url, tmp_path):
    """`gateway serve` with GATEWAY_GGK_URL at a stub: the chain's Di01 in through `ggk send`,
    the gateway's Du01 out to the stub, and a Fo01 refusing that Du01 back through `ggk fo01`."""
    if not database_url.startswith("sqlite"):
        pytest.skip("the embedded default, with a SQLite file of its own: runs in the SQLite pass")
    from tests.live_gateway import Served, cli, gateway_env

    with ChainStub() as chain:
        env = gateway_env(f"sqlite:///{tmp_path / 'gateway.db'}", GATEWAY_GGK_URL=chain.url)
        cli(env, "db", "upgrade", cwd=tmp_path)  # the party commands create no database themselves
        cli(env, "provider", "add", "--agb", "12345678", "--name", "Zorg BV", "--kanaal", "ggk", cwd=tmp_path)
        cli(env, "municipality", "add", "--code", "0363", "--name", "Amsterdam", cwd=tmp_path)
        served = Served(env, tmp_path).start(wait_for_worker=True)
        try:
            jw315 = tmp_path / "jw315.xml"
            jw315.write_bytes(example("JW315"))
            ref = "4bef3459-17a2-44f6-a695-c6a57c7f1e34"
            answer = cli(env, "ggk", "send", str(jw315), "--zender", "12345678", "--referentienummer", ref,
                         "--url", f"{served.base_url}/ggk/OntvangAsynchroon", cwd=tmp_path)
            assert answer.startswith("Bv03 referentienummer ") and answer.endswith(f"crossRefnummer {ref}")
            [du01] = chain.wait_for(1, timeout=60, where=lambda r: r.soort == "Du01")
            assert (du01.status, du01.functie, du01.cross_refnummer) == (200, "JW316", ref)
            assert (du01.zender, du01.ontvanger, du01.payload_valid) == ("0363", "12345678", True)
            refused = cli(env, "ggk", "fo01", "--cross-ref", du01.referentienummer or "", "--code", "BRS04",
                          "--omschrijving", "Geadresseerde niet aangesloten", "--zender", "VECOZO",
                          "--url", f"{served.base_url}/ggk/OntvangAsynchroon", cwd=tmp_path)
            assert refused.startswith("Bv03 referentienummer ")
        finally:
            served.stop()
