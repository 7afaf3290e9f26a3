"""A schema-valid message as the rules see it: lxml tree plus typed accessors.

Paths use ElementPath with two prefixes: `m:` for the message's own namespace and `b:` for
the basisschema (the children of every CDT_* type), e.g. `m:Client/m:Naam/b:Geslachtsnaam`.
"""
from __future__ import annotations

import datetime as dt
import re
from functools import cached_property, lru_cache
from typing import cast

from lxml import etree

from gateway.errors import GatewayError
from gateway.messages import BASIS_NS, MessageType


class MissingValue(GatewayError):
    """A value the schema guarantees is missing from a checked message: a bug in the caller
    (500), never bad input. Carrying out a decision catches it, so such a bug sends the
    aanvraag back to the CJG instead of leaving it stuck."""

    slug = "ontbrekende-waarde"


class ParsedMessage:
    def __init__(self, tree: etree._ElementTree, message: MessageType):
        self.tree = tree
        self.root = tree.getroot()
        self.type = message
        # (parent, tag) → {child: position}; the elements are kept alive here, so lxml hands
        # out the same proxy objects and they work as keys.
        self._positions: dict[tuple[etree._Element, str], dict[etree._Element, int]] = {}

    # -- navigation -----------------------------------------------------------------
    def find(self, path: str, base: etree._Element | None = None) -> etree._Element | None:
        found = self.findall(path, base)
        return found[0] if found else None

    def findall(self, path: str, base: etree._Element | None = None) -> list[etree._Element]:
        steps = _steps(path, self.type.namespace)
        if steps is None:  # '.', '//', '*' or predicates: let lxml's ElementPath do it
            return (self.root if base is None else base).findall(_clark(path, self.type.namespace))
        # Plain child steps walk with iterchildren(tag): the tag match happens inside lxml,
        # which makes these lookups several times cheaper than ElementPath.
        level = [self.root if base is None else base]
        for tag in steps:
            level = [child for parent in level for child in parent.iterchildren(tag)]
            if not level:
                break
        return level

    def text(self, path: str, base: etree._Element | None = None) -> str | None:
        found = self.find(path, base)
        return found.text if found is not None else None

    def date(self, path: str, base: etree._Element | None = None) -> dt.date | None:
        return to_date(self.text(path, base))

    def required(self, path: str, base: etree._Element | None = None) -> etree._Element:
        """The element at `path` where the schema (or a check just made) guarantees one, in
        a schema-valid message: there its absence is a bug in the caller, not bad input,
        so it raises."""
        found = self.find(path, base)
        if found is None:
            raise MissingValue(f"{path} missing from a {self.type.name} the schema accepted")
        return found

    def required_text(self, path: str, base: etree._Element | None = None) -> str:
        """The text of an element the schema demands and keeps non-empty (a code, a number,
        a date), in a schema-valid message."""
        return present(self.text(path, base))

    def location(self, element: etree._Element) -> str:
        """XPath of `element` by local names, with [n] where siblings share the name."""
        steps = []
        node: etree._Element | None = element
        while node is not None:
            name = etree.QName(node).localname
            parent = node.getparent()
            if parent is not None and (position := self._position(parent, node)) is not None:
                name += f"[{position}]"
            steps.append(name)
            node = parent
        return "/" + "/".join(reversed(steps))

    def _position(self, parent: etree._Element, node: etree._Element) -> int | None:
        """The 1-based position of `node` among its parent's children of its tag, None when
        it is the only one. Indexed once per parent and tag: a declaration of thousands of
        failing prestaties gets each location without scanning every sibling again."""
        # An element's tag reads back as str (the stubs also allow what a setter accepts).
        tag = cast(str, node.tag)
        key = (parent, tag)
        positions = self._positions.get(key)
        if positions is None:
            same = list(parent.iterchildren(tag))
            positions = self._positions[key] = (
                {child: i for i, child in enumerate(same, 1)} if len(same) > 1 else {})
        return positions.get(node)

    # -- header -----------------------------------------------------------------------
    @cached_property
    def header(self) -> etree._Element:
        return self.required("m:Header")

    @property
    def afzender(self) -> str | None:
        return self.text("m:Header/m:Afzender")

    @property
    def ontvanger(self) -> str | None:
        return self.text("m:Header/m:Ontvanger")

    @property
    def identificatie(self) -> str | None:
        return self.text("m:Header/m:BerichtIdentificatie/b:Identificatie")

    @property
    def dagtekening(self) -> dt.date | None:
        return self.date("m:Header/m:BerichtIdentificatie/b:Dagtekening")

    @property
    def body(self) -> etree._Element | None:
        return self.find(f"m:{self.type.body}")

    @property
    def bsn(self) -> str | None:
        return self.text("m:Client/m:Bsn")

    def all_texts(self, local_name: str) -> list[str]:
        """Every value of an element with this local name in the message namespace."""
        return [e.text for e in self.root.iter(f"{{{self.type.namespace}}}{local_name}") if e.text]


_PREFIXED = re.compile(r"\b([mb]):(?=[A-Za-z])")


@lru_cache(maxsize=4096)
def _clark(path: str, namespace: str) -> str:
    """`m:Client/b:Datum` in Clark notation. lxml caches compiled paths only when no
    prefix map is passed, which makes a find several times faster on the hot path."""
    return _PREFIXED.sub(lambda m: "{%s}" % (namespace if m.group(1) == "m" else BASIS_NS), path)


@lru_cache(maxsize=4096)
def _steps(path: str, namespace: str) -> tuple[str, ...] | None:
    """A plain child path (`m:Client/m:Bsn`) as a tuple of Clark tags, else None."""
    if any(mark in path for mark in (".", "*", "[", "//")) or path.startswith("/"):
        return None
    return tuple(_clark(step, namespace) for step in path.split("/"))


def present(value: str | None) -> str:
    """A value the schema demands and keeps non-empty (Afzender, Ontvanger, Bsn,
    Identificatie, ReferentieAanbieder, a code): in a schema-valid message it is there, so its
    absence is a bug in the caller and raises."""
    if value is None:
        raise MissingValue("a value the schema demands is missing from a checked message")
    return value


def to_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return None
