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
        # Whitespace between elements carries nothing in iJw (element-only content) and
        # makes up half the nodes of a pretty-printed message; leaf values keep theirs.
        remove_blank_text=True,
        # Comments and processing instructions carry nothing in iJw either; dropped, the
        # tree holds only the schema's elements and their text, as the rules assume.
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


_PARSER = _parser()
_DECLARATION = re.compile(rb"<!(?:doctype|entity)", re.IGNORECASE)


def parse(body: bytes, limits: Limits = Limits(), *, check_depth: bool = True) -> etree._ElementTree:
    """Parse `body` or raise UnsafeXml; never expands entities or reads a DTD.

    `check_depth=False` is for callers that validate against an XSD next: a schema-valid
    message is as shallow as its schema, so they check the depth only of what the schema
    rejects (see `check_depth`). libxml2 itself stops at 256 levels either way."""
    if len(body) > limits.max_bytes:
        raise UnsafeXml(f"bericht is groter dan {limits.max_bytes} bytes")
    # A DOCTYPE is never part of an iJw message: refuse it before parsing. The check on
    # the parsed document below also catches one in an encoding this byte scan cannot see.
    if b"<!" in body and (found := _DECLARATION.search(body)):  # '<!' also starts comments
        raise UnsafeXml("DOCTYPE en entiteiten zijn niet toegestaan",
                        line=body.count(b"\n", 0, found.start()) + 1)
    try:
        root = etree.fromstring(body, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml(f"geen goedgevormde XML: {exc.msg}", line=exc.lineno) from None
    tree = root.getroottree()
    info = tree.docinfo
    if info.doctype or info.internalDTD is not None:
        raise UnsafeXml("DOCTYPE en entiteiten zijn niet toegestaan")
    # Every element starts with '<', so the byte count bounds the element count: only a
    # body with more '<' than the limit needs the exact count.
    if body.count(b"<") > limits.max_elements and _count_elements(root) > limits.max_elements:
        raise UnsafeXml(f"bericht heeft meer dan {limits.max_elements} elementen")
    if check_depth:
        check_depth_of(root, limits)
    return tree


def check_depth_of(root: etree._Element, limits: Limits) -> None:
    # Compiled XPath, run inside libxml2: a Python walk would cost more than the XSD.
    if _deeper_than(limits.max_depth)(root):
        raise UnsafeXml(f"bericht is dieper genest dan {limits.max_depth} niveaus")


_count_elements = etree.XPath("count(//*)")


@lru_cache(maxsize=8)
def _deeper_than(depth: int) -> etree.XPath:
    """True when an element sits deeper than `depth` (the root is at depth 1)."""
    return etree.XPath("boolean(/" + "/".join(["*"] * (depth + 1)) + ")")
