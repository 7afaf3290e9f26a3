"""Helpers for the route tests: post messages, run the published work, read the postbus."""
from __future__ import annotations

import re

from lxml import etree

from gateway.messages import BY_NAME
from gateway.render.retour import render_retour
from gateway.rules.engine import Finding, Outcome
from gateway.work import outbox as outbox_work
from gateway.xml.build import serialise
from gateway.xml.view import ParsedMessage
from tests.conftest import auth
from tests.support import TODAY, edit, example, schemas

NS = {"ijw": "http://www.istandaarden.nl/ijw/3_2/basisschema/schema",
      "jw301": "http://www.istandaarden.nl/ijw/3_2/jw301/schema",
      "jw319": "http://www.istandaarden.nl/ijw/3_2/jw319/schema"}


def post(client, token: str, xml: bytes):
    return client.post("/api/v1/berichten", content=xml, headers=auth(token))


def run_work(app, published: list[int]) -> list[str]:
    """Process every published outbox row as a worker would, including the work it causes."""
    results = []
    while published:
        results.append(outbox_work.process(app.state.sessions, app.state.ctx, published.pop(0)))
    return results


def json_auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def postbus(client, token: str, status: str = "nieuw") -> list[dict]:
    answer = client.get(f"/api/v1/postbus?status={status}", headers=json_auth(token))
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def fetch(client, token: str, item: dict) -> etree._Element:
    answer = client.get(item["href"], headers=json_auth(token))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/xml")
    return etree.fromstring(answer.content)


def aanvragen(client, token: str, status: str | None = None) -> list[dict]:
    url = "/api/v1/aanvragen" + (f"?status={status}" if status else "")
    answer = client.get(url, headers=json_auth(token))
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def besluit(client, token: str, aanvraag_id: int, body: dict):
    return client.post(f"/api/v1/aanvragen/{aanvraag_id}/besluit", json=body, headers=json_auth(token))


def texts(root: etree._Element, path: str) -> list[str]:
    return [e.text for e in root.xpath(path, namespaces=NS)]


def retour_for(message: etree._Element, codes: list[str] = ()) -> bytes:
    """A JW302 (or JW320) answering `message` (JW301 or JW319): the Header copied (IV028),
    with RetourCodes when `codes` are given."""
    number = "302" if message.tag.endswith("}Bericht") and "jw301" in message.tag else "320"
    identificatie = message.xpath("string(*[local-name()='Header']/*[local-name()="
                                  "'BerichtIdentificatie']/ijw:Identificatie)", namespaces=NS)
    dagtekening = message.xpath("string(*[local-name()='Header']/*[local-name()="
                                "'BerichtIdentificatie']/ijw:Dagtekening)", namespaces=NS)
    xml = edit(example("JW302"), "VBJW3010001", identificatie)
    xml = edit(xml, "<ijw:Dagtekening>2026-09-08</ijw:Dagtekening>",
               f"<ijw:Dagtekening>{dagtekening}</ijw:Dagtekening>")
    if codes:
        xml = edit(xml, "</jw302:XsdVersieRetour>", "</jw302:XsdVersieRetour><jw302:RetourCodes>"
                   + "".join(f"<jw302:RetourCode>{c}</jw302:RetourCode>" for c in codes)
                   + "</jw302:RetourCodes>")
    if number == "320":
        xml = xml.replace(b"jw302", b"jw320").replace(b"<jw320:BerichtCode>437<", b"<jw320:BerichtCode>489<")
    return xml


def echo_retour_for(message: etree._Element, codes: dict[str, str] | None = None,
                    edits: list[tuple[str, str]] = ()) -> bytes:
    """A JW302 (or JW320) answering `message` with its body echoed, as a provider's system
    writes one (facts §3.1): the Header copied with 0200, every echoed class carrying 0200,
    except the classes named in `codes` (local name of the class, e.g. "ToegewezenProduct"
    or "Antwoord") which carry that code; then each (old, new) edit on the result."""
    heen = BY_NAME["JW301" if "jw301" in message.tag else "JW319"]
    parsed = ParsedMessage(etree.ElementTree(message), heen)
    marked = [Finding("ECHO", code, 3, f"/Bericht/{name}", element=element)
              for name, code in (codes or {}).items() for element in message.iter(f"{{{heen.namespace}}}{name}")]
    # A body finding on no element makes the echo without marking a class (all 0200).
    outcome = Outcome(marked or [Finding("ECHO", "0200", 3, f"/Bericht/{heen.body}")])
    # The provider's message, not one of ours: serialised as rendered, no self-check (the
    # edits below may break its rules on purpose).
    xml = serialise(render_retour(parsed, outcome, identificatie="RET" + heen.name[2:], today=TODAY,
                                  schemas=schemas()))
    for old, new in edits:
        xml = edit(xml, old, new)
    return xml


def request(name: str, identificatie: str, referentie: str | None = None,
            edits: list[tuple[str, str]] = ()) -> bytes:
    """Example message `name` (tests.support.EXAMPLE_FILES) with its own Identificatie and,
    when given, its (first) ReferentieAanbieder; then each (old, new) edit."""
    xml = re.sub(rb"<ijw:Identificatie>[^<]+<", f"<ijw:Identificatie>{identificatie}<".encode(), example(name),
                 count=1)
    if referentie is not None:
        xml = re.sub(rb"ReferentieAanbieder>[^<]+<", f"ReferentieAanbieder>{referentie}<".encode(), xml, count=1)
    for old, new in edits:
        xml = edit(xml, old, new)
    return xml
