"""Our StUF-GGk WSDL as a SOAP client reads it (zeep): from the files, and as the endpoint
serves it (`wsdl(address)` with its parts at `<address>?xsd=NAME`)."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import zeep
from lxml import etree
from zeep.transports import Transport

from gateway.stuf import SCHEMA_FILES, SOAP_ACTIONS, schema_file, validate, wsdl
from gateway.stuf.names import SCHEMA_DIR, WSDL

ADDRESS = "https://gateway.example.nl/ggk/OntvangAsynchroon"
SERVICE = "StUFOntvangAsynchroonGGK0210Service"


class ServedByTheGateway(Transport):
    """What GET <ADDRESS>?xsd=NAME would answer, without a server; any other URL fails."""

    def __init__(self) -> None:
        super().__init__()
        self.fetched: list[str] = []

    def load(self, url: str) -> bytes:
        parts = urlsplit(url)
        if not parts.scheme:
            return super().load(url)  # the WSDL itself, written to a file
        if f"{parts.scheme}://{parts.netloc}{parts.path}" != ADDRESS:
            raise AssertionError(f"zeep asked for {url}")
        [name] = parse_qs(parts.query)["xsd"]
        self.fetched.append(name)
        body = schema_file(name)
        assert body is not None, name
        return body


def _operations(client: zeep.Client) -> dict[str, str]:
    binding = client.wsdl.services[SERVICE].ports["OntvangAsynchroon"].binding
    return {name: operation.soapaction for name, operation in binding._operations.items()}


def test_zeep_loads_our_wsdl_from_its_file():
    client = zeep.Client(str(SCHEMA_DIR / WSDL))
    assert client.service.ggk_Di01 and client.service.ggk_Du01 and client.service.Fo01
    assert _operations(client) == {"ggk_Di01": SOAP_ACTIONS["Di01"], "ggk_Du01": SOAP_ACTIONS["Du01"],
                                   "Fo01": SOAP_ACTIONS["Fo01"]}


def test_the_served_wsdl_carries_the_address_and_zeep_finds_its_parts_there(tmp_path: Path):
    body = wsdl(ADDRESS)
    assert ADDRESS.encode() in body and b"example.com/CGS" not in body
    path = tmp_path / "ggk.wsdl"
    path.write_bytes(body)
    transport = ServedByTheGateway()
    client = zeep.Client(str(path), transport=transport)
    assert set(transport.fetched) == set(SCHEMA_FILES)
    assert client.service._binding_options["address"] == ADDRESS
    assert set(_operations(client)) == {"ggk_Di01", "ggk_Du01", "Fo01"}
    # what zeep would send is what our schema accepts
    factory = client.type_factory("ns0")
    systeem = factory.SysteemGGK
    message = client.create_message(
        client.service, "ggk_Di01",
        stuurgegevens={"berichtcode": "Di01", "zender": systeem(organisatie="0363", applicatie="Jeugdhulpgateway"),
                       "ontvanger": systeem(organisatie="12345678", applicatie="GGk"),
                       "referentienummer": "4bef3459-17a2-44f6-a695-c6a57c7f1e34",
                       "tijdstipBericht": "20260415093012345", "functie": "JW301"},
        parameters={"applicatieVersie": "0001", "applicatieSubversie": "0000", "functieVersie": "0003",
                    "functieSubversie": "0002", "bericht": {"xmlBestand": b"<x/>"}})
    [element] = message.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")
    assert validate(element) == []


def test_only_the_wsdls_parts_are_served():
    assert schema_file("../../pyproject.toml") is None and schema_file(WSDL) is None
    for name in SCHEMA_FILES:
        body = schema_file(name, ADDRESS)
        assert body is not None
        root = etree.fromstring(body)
        locations = [e.get("schemaLocation") or e.get("location") for e in root.iter()
                     if isinstance(e.tag, str) and etree.QName(e).localname in ("import", "include")
                     and (e.get("schemaLocation") or e.get("location"))]
        assert all(location.startswith(f"{ADDRESS}?xsd=") for location in locations), name
        assert all(location.removeprefix(f"{ADDRESS}?xsd=") in SCHEMA_FILES for location in locations), name


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_relative_references_resolve_against_the_url_they_came_from(name):
    body = schema_file(name)
    assert body is not None and b'Location="http' not in body and b'location="http' not in body
