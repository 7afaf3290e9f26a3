"""SOAP 1.1 around the StUF-GGk messages: reading a request, writing one, the Fault with a Fo03,
and reading what the chain answers to what we send (shared/domain/ggk-koppelvlak.md §2).

What a broken request is answered with. Every such refusal is an `EnvelopFout`, which the
endpoint answers with a SOAP Fault carrying a Fo03 (design §8). The Fo03 codes are StUF 03.01's
(facts §4.6); none names "not XML" or "not SOAP", so we chose the closest:

| situation                                                     | code    | why                                  |
|---------------------------------------------------------------|---------|--------------------------------------|
| not well-formed, DOCTYPE/entity, too large/deep/many elements | StUF055 | the only "not conform schema" code   |
| not a SOAP 1.1 Envelope; Body missing, empty, or not one      |         |                                      |
| element; other children of the Envelope                       | StUF055 | idem: the SOAP message is malformed  |
| Body element is no StUF message at all                        | StUF022 | berichtcode unknown                  |
| Body element a StUF message this port does not take (Bv03,    |         |                                      |
| Fo03, Lk01 ...)                                               | StUF025 | berichtcode not supported            |
| SOAPAction given and not the body element's operation         | StUF040 | combination not supported            |
| element not valid against our XSD; base64 not decodable       | StUF055 | not conform schema (first error)     |

All with plek `client`: the cause lies with the sender. An answer to what *we* sent that is no
Bv03 and no Fault with a Fo03 raises EnvelopFout `StUF058` (processing failed), plek `server`;
it is never sent, the delivery counts it as a failed attempt.
"""
from __future__ import annotations

import copy

from lxml import etree

from gateway.stuf.envelope import Fout, Ontvangen, Stuurgegevens, read_envelop, read_fout, read_stuurgegevens
from gateway.stuf.errors import EnvelopFout
from gateway.stuf.names import BERICHTCODES, ROOTS, SOAP_ACTIONS, SOAP_NS, STUF_NS
from gateway.stuf.schemas import validate
from gateway.xml.safe import Limits, UnsafeXml, parse

# 25 MB is the chain's limit for a whole Di01/Du01 (facts §3.5; decimal or binary is open, §7
# point 10): we take the larger reading and leave room for the SOAP envelope around it.
MAX_BYTES = 25 * 1024 * 1024 + 64 * 1024

_ENVELOPE = f"{{{SOAP_NS}}}Envelope"
_HEADER = f"{{{SOAP_NS}}}Header"
_BODY = f"{{{SOAP_NS}}}Body"
_FAULT = f"{{{SOAP_NS}}}Fault"
_RECEIVED = ("Di01", "Du01", "Fo01")  # the operations of OntvangAsynchroon


def _parse(body: bytes, limits: Limits, code: str, plek: str) -> etree._Element:
    try:
        return parse(body, limits, huge_text=True).getroot()
    except UnsafeXml as exc:
        raise EnvelopFout(code, f"geen bruikbaar SOAP-bericht: {exc.reason}", plek) from None


def _body_element(root: etree._Element, code: str, plek: str) -> etree._Element:
    """The one element in the Body of a SOAP 1.1 Envelope (a Header is allowed and ignored)."""
    if root.tag != _ENVELOPE:
        raise EnvelopFout(code, f"geen SOAP 1.1-envelop maar {root.tag!r}", plek)
    children = [child for child in root if isinstance(child.tag, str)]
    names = [child.tag for child in children]
    if names not in ([_BODY], [_HEADER, _BODY]):
        raise EnvelopFout(code, "een SOAP-envelop bevat een Header (facultatief) en dan de Body, verder niets", plek)
    body = children[-1]
    elements = [child for child in body if isinstance(child.tag, str)]
    if len(elements) != 1 or (body.text or "").strip() or any((e.tail or "").strip() for e in elements):
        raise EnvelopFout(code, f"de SOAP-Body bevat {len(elements)} elementen; verwacht precies één bericht", plek)
    return elements[0]


def _soap_action(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    if len(stripped) >= 2 and stripped[0] == stripped[-1] == '"':
        stripped = stripped[1:-1]
    return stripped or None


def parse_request(body: bytes, soap_action: str | None, *, max_depth: int = 64,
                  max_elements: int = 100_000, max_bytes: int = MAX_BYTES) -> Ontvangen:
    """Read a Di01, Du01 or Fo01 from a SOAP 1.1 request, or raise EnvelopFout (table above).
    `soap_action` is the HTTP header as received (quotes allowed; empty counts as absent)."""
    root = _parse(body, Limits(max_bytes, max_depth, max_elements), "StUF055", "client")
    element = _body_element(root, "StUF055", "client")
    tag = element.tag if isinstance(element.tag, str) else ""
    soort = BERICHTCODES.get(tag)
    if soort not in _RECEIVED:
        qname = etree.QName(tag)
        if qname.namespace == STUF_NS and qname.localname.endswith("Bericht"):
            raise EnvelopFout("StUF025", f"berichtsoort {qname.localname} wordt hier niet ontvangen "
                              "(alleen ggk_Di01, ggk_Du01 en Fo01)")
        raise EnvelopFout("StUF022", f"onbekend bericht {tag!r} in de SOAP-Body")
    assert soort is not None
    action = _soap_action(soap_action)
    if action is not None and action != SOAP_ACTIONS[soort]:
        raise EnvelopFout("StUF040", f"SOAPAction {action!r} hoort niet bij een {soort}; "
                          f"verwacht {SOAP_ACTIONS[soort]!r}")
    errors = validate(element)
    if errors:
        raise EnvelopFout("StUF055", f"{soort} niet conform schema: {errors[0]}")
    bericht = read_fout(element) if soort == "Fo01" else read_envelop(element)
    inhoud = etree.tostring(element, method="c14n", exclusive=True, with_comments=False)
    return Ontvangen(soort=soort, bericht=bericht, element=element, inhoud=inhoud)


def _envelope() -> tuple[etree._Element, etree._Element]:
    root = etree.Element(_ENVELOPE, nsmap={"soap": SOAP_NS})
    return root, etree.SubElement(root, _BODY)


def _serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def soap_request(element: etree._Element) -> bytes:
    """A SOAP 1.1 envelope with (a copy of) `element` in its Body, UTF-8 with declaration.
    Also what the endpoint answers a Bv03 in."""
    root, body = _envelope()
    body.append(copy.deepcopy(element))
    return _serialise(root)


def soap_fault(fo03: etree._Element, *, plek: str) -> bytes:
    """A SOAP 1.1 Fault: faultcode soap:Client (plek client) or soap:Server (plek server),
    faultstring the Fo03's omschrijving, detail holding the Fo03Bericht."""
    if plek not in ("client", "server"):
        raise EnvelopFout("StUF055", f"plek is client of server, niet {plek!r}", "server")
    root, body = _envelope()
    fault = etree.SubElement(body, _FAULT)
    # SOAP 1.1: faultcode, faultstring and detail are unqualified
    etree.SubElement(fault, "faultcode").text = "soap:Client" if plek == "client" else "soap:Server"
    omschrijving = fo03.findtext(f"{{{STUF_NS}}}body/{{{STUF_NS}}}omschrijving")
    etree.SubElement(fault, "faultstring").text = omschrijving or "Fo03"
    etree.SubElement(fault, "detail").append(copy.deepcopy(fo03))
    return _serialise(root)


def parse_response(status: int, body: bytes) -> Stuurgegevens | Fout:
    """What the chain answered to what we sent: HTTP 200 with a Bv03 -> its stuurgegevens; a
    Fault with a Fo03 in its detail (any status, normally 500) -> that Fout. Anything else
    raises EnvelopFout (StUF058, plek server) with a readable omschrijving."""
    if not body.strip():
        raise EnvelopFout("StUF058", f"antwoord HTTP {status} zonder inhoud; verwacht een Bv03", "server")
    root = _parse(body, Limits(MAX_BYTES, 64, 100_000), "StUF058", "server")
    element = _body_element(root, "StUF058", "server")
    if element.tag == _FAULT:
        fo03 = element.find(f"detail/{ROOTS['Fo03']}")
        if fo03 is None:
            faultstring = element.findtext("faultstring") or ""
            raise EnvelopFout("StUF058", f"SOAP-Fault (HTTP {status}) zonder Fo03: {faultstring}", "server")
        if errors := validate(fo03):
            raise EnvelopFout("StUF058", f"Fo03 in het antwoord niet conform schema: {errors[0]}", "server")
        return read_fout(fo03)
    if element.tag != ROOTS["Bv03"]:
        raise EnvelopFout("StUF058", f"antwoord HTTP {status} met {element.tag!r}; verwacht een Bv03", "server")
    if status != 200:
        raise EnvelopFout("StUF058", f"Bv03 met HTTP-status {status}; verwacht 200", "server")
    if errors := validate(element):
        raise EnvelopFout("StUF058", f"Bv03 in het antwoord niet conform schema: {errors[0]}", "server")
    return read_stuurgegevens(element)
