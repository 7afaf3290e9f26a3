"""TLS from the gateway to the chain's adapter (GATEWAY_GGK_CLIENT_CERT, _CLIENT_KEY,
_CA_BUNDLE): an adapter that asks for the gateway's client certificate, with certificates the
test makes itself (trustme). A handshake that fails is a failed attempt, recorded and retried,
never a lost envelope."""
from __future__ import annotations

import ssl
from pathlib import Path

import pytest
import trustme
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway import stuf
from gateway.db.models import EnvelopPoging
from gateway.domain.berichten.envelop import AFGELEVERD, TE_VERZENDEN
from gateway.ggk.stub import ChainStub
from gateway.main import create_app
from gateway.settings import Settings
from tests.ggk_route import ADAPTER, Keten, envelopes, sent_to_chain, soap_client
from tests.route import request


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> dict[str, Path]:
    """The adapter's CA and certificate, the CA that issued the gateway's client certificate,
    the gateway's certificate and key (apart, and in one file), and a CA that trusts neither."""
    folder = tmp_path_factory.mktemp("pki")
    adapter_ca, client_ca, stranger = trustme.CA(), trustme.CA(), trustme.CA()
    adapter = adapter_ca.issue_cert("127.0.0.1")
    gateway = client_ca.issue_cert("jeugdhulpgateway.gemeente.example")
    files = {"adapter_ca": adapter_ca.cert_pem, "client_ca": client_ca.cert_pem, "stranger_ca": stranger.cert_pem,
             "cert": gateway.cert_chain_pems[0], "key": gateway.private_key_pem,
             "cert_and_key": gateway.private_key_and_cert_chain_pem,
             "adapter_cert_and_key": adapter.private_key_and_cert_chain_pem}
    for name, blob in files.items():
        blob.write_to_path(str(folder / f"{name}.pem"))
    return {name: folder / f"{name}.pem" for name in files}


def _adapter_tls(pki: dict[str, Path]) -> ssl.SSLContext:
    """The adapter's side: its own certificate, and only callers with a certificate of client_ca."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki["adapter_cert_and_key"])
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(pki["client_ca"])
    return context


@pytest.fixture
def route(database_url, engine, published, parties, pki):
    """A gateway whose adapter speaks TLS with client certificates; `tls` sets its TLS files."""
    with ChainStub(tls=_adapter_tls(pki)) as stub:
        def start(**tls: Path | None) -> Keten:
            app = create_app(Settings(database_url=database_url, ggk_url=stub.url, **tls), publish=published.extend)
            http = TestClient(app, client=ADAPTER).__enter__()
            opened.append(http)
            return Keten(app, http, soap_client(http), stub, published)

        opened: list[TestClient] = []
        yield start
        for http in opened:
            http.__exit__(None, None, None)


def _send_jw315(keten: Keten, identificatie: str) -> str:
    ref = stuf.new_referentienummer()
    keten.send("Di01", "JW315", request("JW315", identificatie), ref)
    keten.work()
    return ref


def _attempts(sessions, envelop_id: int) -> list[EnvelopPoging]:
    with sessions() as session:
        rows = list(session.scalars(select(EnvelopPoging).where(EnvelopPoging.envelop_id == envelop_id)))
        session.expunge_all()
        return rows


@pytest.mark.parametrize("key_file", ["apart", "in the certificate's file"])
def test_the_du01_reaches_an_adapter_that_asks_for_the_client_certificate(route, pki, sessions, key_file):
    tls = ({"ggk_client_cert": pki["cert"], "ggk_client_key": pki["key"]} if key_file == "apart"
           else {"ggk_client_cert": pki["cert_and_key"]})
    keten = route(ggk_ca_bundle=pki["adapter_ca"], **tls)
    assert keten.stub.url.startswith("https://127.0.0.1:")
    ref = _send_jw315(keten, "TLS3151")
    [received] = sent_to_chain(keten.stub, "Du01", cross_refnummer=ref)
    assert received.functie == "JW316"
    [du01] = envelopes(sessions, richting="uit", soort="Du01")
    assert du01.status == AFGELEVERD
    assert [(a.http_status, a.geslaagd) for a in _attempts(sessions, du01.id)] == [(200, True)]


@pytest.mark.parametrize("case", ["no client certificate", "adapter not trusted"])
def test_a_failed_handshake_is_a_recorded_attempt_and_the_envelope_waits(route, pki, sessions, case):
    tls = ({"ggk_ca_bundle": pki["adapter_ca"]} if case == "no client certificate"
           else {"ggk_ca_bundle": pki["stranger_ca"], "ggk_client_cert": pki["cert_and_key"]})
    keten = route(**tls)
    _send_jw315(keten, "TLS3152")
    assert keten.stub.received == []  # no request got through the handshake
    [du01] = envelopes(sessions, richting="uit", soort="Du01")
    assert du01.status == TE_VERZENDEN  # kept, to be tried again
    [attempt] = _attempts(sessions, du01.id)
    assert attempt.http_status is None and not attempt.geslaagd
    assert "SSL" in (attempt.fout or "") or "certificate" in (attempt.fout or "").lower(), attempt.fout
