"""The gateway's WSDL for GET <endpoint>?wsdl, and the files it refers to.

Approach: rewriting, not inlining. `wsdl(address)` is our
ggk0210_OntvangAsynchroon_ggkberichten.wsdl with the soap:address set to `address`, and its
import of stuf0301_types.wsdl and of the envelope XSD pointed at `<address>?xsd=NAME`; each of
those files (`schema_file(name)`) has its own imports and includes pointed the same way. A
client that knows only the endpoint (`GET <address>?wsdl`) so finds every part over HTTP, and
the files keep their own structure (the StUF messages stay in their own WSDL definitions, whose
namespace a single inlined WSDL could not hold).
"""
from __future__ import annotations

from lxml import etree

from gateway.stuf.names import GGK_STUF_XSD, GGK_XSD, SCHEMA_DIR, STUF_XSD, TYPES_WSDL, WSDL

# What GET <address>?xsd=NAME may serve: the files the WSDL reaches, nothing else.
SCHEMA_FILES = (TYPES_WSDL, GGK_XSD, GGK_STUF_XSD, STUF_XSD)

_WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
_SOAP_BINDING_NS = "http://schemas.xmlsoap.org/wsdl/soap/"
_XS = "http://www.w3.org/2001/XMLSchema"
_REFERENCES = ((f"{{{_WSDL_NS}}}import", "location"), (f"{{{_XS}}}import", "schemaLocation"),
               (f"{{{_XS}}}include", "schemaLocation"))


def _load(name: str) -> etree._ElementTree:
    # our own files, read as any XML: no DTD, no entities, no network
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.parse(str(SCHEMA_DIR / name), parser)


def _rewrite(tree: etree._ElementTree, prefix: str) -> None:
    for tag, attribute in _REFERENCES:
        for element in tree.iter(tag):
            location = element.get(attribute)
            if location is not None:
                element.set(attribute, f"{prefix}?xsd={location}")


def _serialise(tree: etree._ElementTree) -> bytes:
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def wsdl(address: str) -> bytes:
    """Our WSDL with `address` as the port's soap:address and every reference absolute under it."""
    tree = _load(WSDL)
    for element in tree.iter(f"{{{_SOAP_BINDING_NS}}}address"):
        element.set("location", address)
    _rewrite(tree, address)
    return _serialise(tree)


def schema_file(name: str, address: str | None = None) -> bytes | None:
    """One of the files the WSDL refers to (SCHEMA_FILES), None for any other name. Its
    references become `<address>?xsd=NAME`, or without `address` the relative `?xsd=NAME`,
    which a client resolves against the URL it fetched the file from (RFC 3986: same path,
    new query)."""
    if name not in SCHEMA_FILES:
        return None
    tree = _load(name)
    _rewrite(tree, address or "")
    return _serialise(tree)
