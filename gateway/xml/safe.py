"""Parsing untrusted XML.

Providers' systems are not trusted: entities, DTDs and network access are off, a DOCTYPE
is refused outright, and size, depth and element count are limited. libxml2 has no option
that bounds volume (two million elements in 8 MB parse in under a second), so the size is
checked on the raw bytes before parsing and the element count right after.
"""
from __future__ import annotations

from dataclasses import dataclass

from lxml import etree


class UnsafeXml(ValueError):
    """The body is not XML we are willing to read. `reason` is safe to show the sender."""

    def __init__(self, reason: str, line: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.line = line


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 1024 * 1024
    max_depth: int = 32
    max_elements: int = 50_000


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
        collect_ids=False,
    )


_PARSER = _parser()


def parse(body: bytes, limits: Limits = Limits()) -> etree._ElementTree:
    """Parse `body` or raise UnsafeXml; never expands entities or reads a DTD."""
    if len(body) > limits.max_bytes:
        raise UnsafeXml(f"bericht is groter dan {limits.max_bytes} bytes")
    # A DOCTYPE is never part of an iJw message; refusing it up front also rules out
    # entity tricks in encodings the byte scan below would miss (checked again after).
    head = body[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in body.lower():
        raise UnsafeXml("DOCTYPE en entiteiten zijn niet toegestaan")
    try:
        root = etree.fromstring(body, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml(f"geen goedgevormde XML: {exc.msg}", line=exc.lineno) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise UnsafeXml("DOCTYPE en entiteiten zijn niet toegestaan")
    _check_shape(root, limits)
    return tree


def _check_shape(root: etree._Element, limits: Limits) -> None:
    count = 0
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        count += 1
        if count > limits.max_elements:
            raise UnsafeXml(f"bericht heeft meer dan {limits.max_elements} elementen")
        if depth > limits.max_depth:
            raise UnsafeXml(f"bericht is dieper genest dan {limits.max_depth} niveaus")
        for child in element:
            if isinstance(child.tag, str):  # skip comments and processing instructions
                stack.append((child, depth + 1))
