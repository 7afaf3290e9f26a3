"""Parsing untrusted XML.

Providers' systems are not trusted: entities, DTDs and network access are off, a DOCTYPE
is refused outright, and size, depth and element count are limited. libxml2 has no option
that bounds volume (two million elements in 8 MB parse in under a second), so the size is
checked on the raw bytes before parsing and the element count right after.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

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
_DECLARATION = re.compile(rb"<!(?:doctype|entity)", re.IGNORECASE)


def parse(body: bytes, limits: Limits = Limits()) -> etree._ElementTree:
    """Parse `body` or raise UnsafeXml; never expands entities or reads a DTD."""
    if len(body) > limits.max_bytes:
        raise UnsafeXml(f"bericht is groter dan {limits.max_bytes} bytes")
    # A DOCTYPE is never part of an iJw message; refusing it up front also rules out
    # entity tricks in encodings the byte scan below would miss (checked again after).
    if _DECLARATION.search(body):
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
    # One compiled XPath, run inside libxml2, answers both: a Python walk over the tree
    # would cost more than the XSD validation itself.
    count, too_deep = _shape(limits.max_depth)(root).split()
    if int(count) > limits.max_elements:
        raise UnsafeXml(f"bericht heeft meer dan {limits.max_elements} elementen")
    if too_deep == "true":
        raise UnsafeXml(f"bericht is dieper genest dan {limits.max_depth} niveaus")


@lru_cache(maxsize=8)
def _shape(depth: int) -> etree.XPath:
    """'<element count> <true|false>': the second is whether an element sits deeper than
    `depth` (the root is at depth 1)."""
    deeper = "/" + "/".join(["*"] * (depth + 1))
    return etree.XPath(f"concat(count(//*), ' ', boolean({deeper}))")
