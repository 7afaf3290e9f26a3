"""Helpers for the GGk endpoint tests: a gateway app with GATEWAY_GGK_URL at a `ChainStub`, the
adapter's TestClient (from a loopback address, as GATEWAY_GGK_ALLOW_FROM's default wants), a
SOAP client (zeep) that loads the gateway's own WSDL through it, and the work run as a worker would."""
from __future__ import annotations

from dataclasses import dataclass

import zeep
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import select
from zeep.transports import Transport

from gateway import clock, stuf
from gateway.db.models import Envelop
from gateway.ggk.stub import ChainStub, Received
from tests.route import run_work

PATH = "/ggk/OntvangAsynchroon"
ADAPTER = ("127.0.0.1", 50123)  # the Digikoppeling adapter's address, in the default allow list
AGB = "12345678"
GEMEENTE = "0363"
APPLICATIE = "ZorgDossierPro"


class ThroughTestClient(Transport):
    """zeep's HTTP, done by the FastAPI TestClient: the WSDL, its schemas and every POST reach
    the gateway's own endpoint in-process."""

    def __init__(self, http: TestClient) -> None:
        super().__init__()
        self.http = http

    def load(self, url: str) -> bytes:
        answer = self.http.get(url)
        assert answer.status_code == 200, (url, answer.status_code, answer.text[:500])
        return answer.content

    def post(self, address, message, headers):
        return self.http.post(address, content=message, headers=headers)


def soap_client(http: TestClient) -> zeep.Client:
    return zeep.Client(f"http://testserver{PATH}?wsdl", transport=ThroughTestClient(http))


@dataclass
class Keten:
    """The chain's side: the adapter calling the gateway (`http`, `soap`) and receiving what the
    gateway sends (`stub`)."""

    app: object
    http: TestClient
    soap: zeep.Client
    stub: ChainStub
    published: list[int]

    def work(self) -> list[str]:
        """Run the published work (intake follow-ups, envelope deliveries) as a worker would."""
        return run_work(self.app, self.published)

    def stuurgegevens(self, soort: str, functie: str, referentienummer: str, *, cross_ref: str | None = None,
                      zender: str = AGB, ontvanger: str = GEMEENTE, applicatie: str = APPLICATIE,
                      tijdstip: str | None = None) -> dict:
        systeem = self.soap.type_factory("ns0").SysteemGGK
        sg = {"berichtcode": soort, "zender": systeem(organisatie=zender, applicatie=applicatie),
              "ontvanger": systeem(organisatie=ontvanger, applicatie="GGk"),
              "referentienummer": referentienummer, "tijdstipBericht": tijdstip or stuf.tijdstip(clock.local_now())}
        if cross_ref is not None:
            sg["crossRefnummer"] = cross_ref
        sg["functie"] = functie
        return sg

    def send(self, soort: str, functie: str, payload: bytes, referentienummer: str, **kw):
        """The adapter calls ggk_Di01 or ggk_Du01 through zeep; returns the Bv03 (zeep raises a
        Fault for a Fo03)."""
        parameters = {"applicatieVersie": "0007", "applicatieSubversie": "0001", "functieVersie": "0003",
                      "functieSubversie": "0002", "bericht": {"xmlBestand": payload}}
        operation = self.soap.service.ggk_Di01 if soort == "Di01" else self.soap.service.ggk_Du01
        return operation(stuurgegevens=self.stuurgegevens(soort, functie, referentienummer, **kw),
                         parameters=parameters)

    def fo01(self, cross_ref: str, code: str, omschrijving: str, *, zender: str = "IB",
             applicatie: str = "GGKWebservice", ontvanger: str = GEMEENTE, referentienummer: str | None = None):
        """A chain party refusing one of the gateway's envelopes, through zeep's Fo01 operation
        (plain dicts: its parties are StUF's own Systeem, which zeep takes from the element)."""
        sg = {"berichtcode": "Fo01", "zender": {"organisatie": zender, "applicatie": applicatie},
              "ontvanger": {"organisatie": ontvanger, "applicatie": "GGk"},
              "referentienummer": referentienummer or stuf.new_referentienummer(),
              "tijdstipBericht": stuf.tijdstip(clock.local_now()), "crossRefnummer": cross_ref}
        return self.soap.service.Fo01(stuurgegevens=sg, body={"code": code, "plek": "client",
                                                              "omschrijving": omschrijving})


def bv03_cross_ref(answer) -> str:
    return answer.crossRefnummer if hasattr(answer, "crossRefnummer") else answer.stuurgegevens.crossRefnummer


def sent_to_chain(stub: ChainStub, soort: str, count: int = 1, **match) -> list[Received]:
    """The envelopes of `soort` the stub took (HTTP 200) whose fields equal `match`."""
    def fits(r: Received) -> bool:
        return r.soort == soort and r.status == 200 and all(getattr(r, k) == v for k, v in match.items())
    return stub.wait_for(count, timeout=5, where=fits)


def envelopes(sessions, **match) -> list[Envelop]:
    with sessions() as session:
        query = select(Envelop).order_by(Envelop.id)
        for name, value in match.items():
            query = query.where(getattr(Envelop, name) == value)
        rows = list(session.scalars(query))
        session.expunge_all()
        return rows


def payload_of(received: Received) -> etree._Element:
    assert received.payload is not None
    return etree.fromstring(received.payload)

