"""Small builders shared by the messages the gateway writes (retours, JW301, JW319, JW325)."""
from __future__ import annotations

import copy

from lxml import etree

from gateway.messages import BASIS_NS, MessageType


def tag(message: MessageType, name: str) -> str:
    return f"{{{message.namespace}}}{name}"


def sub(parent: etree._Element, message: MessageType, name: str,
        text: str | None = None) -> etree._Element:
    """A child in the message's own namespace."""
    element = etree.SubElement(parent, tag(message, name))
    if text is not None:
        element.text = text
    return element


def basis(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    """A child in the basisschema namespace (the children of every CDT_* type)."""
    element = etree.SubElement(parent, f"{{{BASIS_NS}}}{name}")
    if text is not None:
        element.text = text
    return element


def new_root(message: MessageType) -> etree._Element:
    return etree.Element(tag(message, "Bericht"),
                         nsmap={message.name.lower(): message.namespace, "ijw": BASIS_NS})


def renamed(element: etree._Element, source_namespace: str, target: MessageType) -> etree._Element:
    """A deep copy with the source message's own namespace replaced by the target's;
    basisschema children keep theirs."""
    copied = copy.deepcopy(element)
    copied.tail = None
    prefix = f"{{{source_namespace}}}"
    for node in copied.iter():
        if isinstance(node.tag, str) and node.tag.startswith(prefix):
            node.tag = f"{{{target.namespace}}}{node.tag[len(prefix):]}"
    return copied


def finish(root: etree._Element) -> etree._ElementTree:
    """Tidy namespaces and layout: the message as it will be serialised. Copied elements
    bring their source's namespace declarations along; they are dropped here. Not yet bytes:
    the self-check (`gateway.domain.berichten.uitgaand.self_check`) reads this tree and serialises it
    once it passes."""
    etree.cleanup_namespaces(root)
    etree.indent(root, space="  ")
    return etree.ElementTree(root)


def serialise(tree: etree._ElementTree) -> bytes:
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
