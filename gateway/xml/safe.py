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
from typing import NoReturn

from lxml import etree

from gateway.errors import BadRequest
from gateway.xml.schemafouten import syntax_message


class UnsafeXml(BadRequest):
    """The body is not XML we are willing to read. `reason` is safe to show the sender, in
    Dutch; `original` is libxml2's English text when the parser refused it."""

    slug, title = "not-well-formed", "Bericht is geen bruikbare XML"

    def __init__(self, reason: str, line: int | None = None, original: str | None = None):
        super().__init__(reason, extra={"errors": [self.error_json(reason, line, original)]})
        self.reason = reason
        self.line = line
        self.original = original

    @staticmethod
    def error_json(reason: str, line: int | None, original: str | None) -> dict[str, object]:
        """The one member of `errors` (design.md §7), with libxml2's text as `original`."""
        return {"line": line, "path": "/", "message": reason, "original": original}


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 1024 * 1024
    max_depth: int = 32
    max_elements: int = 50_000


_DOCTYPE_REFUSED = "DOCTYPE en entiteiten zijn niet toegestaan"


class ExternalResourceRefused(UnsafeXml):
    """libxml2 asked for an external resource (a DTD, an entity, anything with a URL)."""


class _RefuseEveryResource(etree.Resolver):
    """The second fence: the options below already keep libxml2 from wanting anything
    outside the body, but should one ever do (a new option, a libxml2 or lxml change),
    the request ends here, before any file is opened or any connection is made. Without a
    resolver of ours, lxml falls back to libxml2's loader, which opens whatever it is given:
    reading `/dev/ptmx` or a FIFO blocks forever, and an error that differs between an
    existing and a missing path tells the sender which files exist."""

    def resolve(self, url: str | None, public_id: str | None, context: object) -> NoReturn:
        # Raised inside libxml2's callback; lxml re-raises it from the parse call.
        raise ExternalResourceRefused(_DOCTYPE_REFUSED)


def _parser(*, huge_tree: bool = False) -> etree.XMLParser:
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=huge_tree,
        # Whitespace between elements carries nothing in iJw (element-only content) and
        # makes up half the nodes of a pretty-printed message; leaf values keep theirs.
        remove_blank_text=True,
        # Comments and processing instructions carry nothing in iJw either; dropped, the
        # tree holds only the schema's elements and their text, as the rules assume.
        remove_comments=True,
        remove_pis=True,
        # collect_ids stays at its default (True) on purpose: with libxml2 before 2.15, lxml
        # implements collect_ids=False by setting a flag in libxml2's `loadsubset`, and any
        # non-zero `loadsubset` makes libxml2 load the external DTD subset a DOCTYPE names,
        # whatever load_dtd says.
    )
    parser.resolvers.add(_RefuseEveryResource())
    return parser


_PARSER = _parser()
# A StUF-GGk envelope carries its payload as one base64 text node of up to 25 MB; libxml2 refuses
# a text node over 10 MB unless the tree may be "huge". That also lifts libxml2's own depth
# limit, so callers of this parser keep check_depth on: volume stays bounded by max_bytes and
# the element count, depth by the check below.
_HUGE_TEXT_PARSER = _parser(huge_tree=True)
_DECLARATION = re.compile(rb"<!(?:doctype|entity)", re.IGNORECASE)
_DECLARATION_TEXT = re.compile(r"<!(?:doctype|entity)", re.IGNORECASE)
# How libxml2 recognises a body that is not in an ASCII-compatible encoding (XML 1.0,
# appendix F): by its byte order mark, or by the nul bytes around the first '<'. UTF-32's
# byte order marks come first: UTF-16 LE's is a prefix of UTF-32 LE's.
_WIDE_ENCODINGS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"), (b"\x00\x00\x00<", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"),
    (b"<\x00", "utf-16-le"), (b"\x00<", "utf-16-be"),
)


def _declaration_line(body: bytes) -> int | None:
    """The line of the first DOCTYPE or ENTITY declaration in `body`, or None.

    Refusing it before libxml2 sees it keeps the parser away from DTDs altogether. UTF-8
    (with or without BOM) and the other ASCII-compatible encodings are scanned as bytes;
    UTF-16 and UTF-32 are decoded first. A body in any other encoding libxml2 knows (EBCDIC,
    say) is still refused after parsing, with nothing loaded (see `_RefuseEveryResource`)."""
    for mark, encoding in _WIDE_ENCODINGS:
        if body.startswith(mark):
            text = body.decode(encoding, errors="replace")
            found = _DECLARATION_TEXT.search(text)
            return text.count("\n", 0, found.start()) + 1 if found else None
    if b"<!" in body and (found_bytes := _DECLARATION.search(body)):  # '<!' also starts comments
        return body.count(b"\n", 0, found_bytes.start()) + 1
    return None


def parse(body: bytes, limits: Limits = Limits(), *, check_depth: bool = True,
          huge_text: bool = False) -> etree._ElementTree:
    """Parse `body` or raise UnsafeXml; never expands entities or reads a DTD.

    `check_depth=False` is for callers that validate against an XSD next: a schema-valid
    message is as shallow as its schema, so they check the depth only of what the schema
    rejects (see `check_depth`). libxml2 itself stops at 256 levels either way, unless
    `huge_text` (text nodes over 10 MB allowed, for base64 payloads) is set: then keep
    `check_depth` on."""
    if len(body) > limits.max_bytes:
        raise UnsafeXml(f"bericht is groter dan {limits.max_bytes} bytes")
    # A DOCTYPE is never part of an iJw message: refuse it before parsing, in whichever
    # encoding it comes. The check on the parsed document below catches the rest.
    if (line := _declaration_line(body)) is not None:
        raise UnsafeXml(_DOCTYPE_REFUSED, line=line)
    try:
        root = etree.fromstring(body, parser=_HUGE_TEXT_PARSER if huge_text else _PARSER)
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml(f"geen goedgevormde XML: {syntax_message(exc.code, exc.msg)}", line=exc.lineno,
                        original=exc.msg) from None
    tree = root.getroottree()
    info = tree.docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise UnsafeXml(_DOCTYPE_REFUSED)
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
