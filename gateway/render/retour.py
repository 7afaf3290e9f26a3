"""Rendering the retour message for a received message (iJw IV028, OP090, design.md §4).

- level 2 (an in-message rule failed): the Header only, carrying RetourCode 0001;
- levels 3 and 4: a failure in the Header gives the Header only with that code; a failure in
  the client's data echoes the body with RetourCodes as last child of every echoed class:
  the rule's own code where it failed, 0200 where it did not; the Header then carries 0200;
- accepted: the Header only, without RetourCodes.

Pure rendering: the tree that comes out passes the one self-check of everything the gateway
sends (`gateway.domain.berichten.uitgaand.self_check`) before it is serialised, stored or answered: our
XSD, and the level-2 rules the provider's XSLT applies to a retour (the few that reach an
echo, gateway.rules.client).
"""
from __future__ import annotations

from datetime import date

from lxml import etree

from gateway.messages import BASIS_NS, MessageType, retour_of
from gateway.rules.engine import Outcome
from gateway.xml.build import finish, new_root, renamed
from gateway.xml.build import sub as _sub
from gateway.xml.schemas import SchemaSet
from gateway.xml.view import ParsedMessage

NO_REMARK = "0200"
REJECTED = "0001"


def render_retour(parsed: ParsedMessage, outcome: Outcome, *, identificatie: str, today: date,
                  schemas: SchemaSet) -> etree._ElementTree:
    heen = parsed.type
    retour = retour_of(heen)
    schema = schemas.for_message(retour.name)
    root = new_root(retour)
    header = _copy_header(parsed, retour, root)
    _sub(header, retour, "IdentificatieRetour", identificatie)
    _sub(header, retour, "DagtekeningRetour", today.isoformat())
    versie = _sub(header, retour, "XsdVersieRetour")
    etree.SubElement(versie, f"{{{BASIS_NS}}}BasisschemaXsdVersie").text = schema.basis_version
    etree.SubElement(versie, f"{{{BASIS_NS}}}BerichtXsdVersie").text = schema.message_version

    if outcome.findings:
        if outcome.level == 2:
            _codes(header, retour, [REJECTED])
        elif outcome.header_failed:
            _codes(header, retour, outcome.retourcodes)
        else:
            _codes(header, retour, [NO_REMARK])
            _echo_body(parsed, outcome, retour, root)

    # Copied elements bring the heen message's namespace declaration and layout along:
    # `finish` drops both and indents, so the retour reads like one document.
    return finish(root)


def _copy_header(parsed: ParsedMessage, retour: MessageType, root: etree._Element) -> etree._Element:
    """Afzender, Ontvanger, BerichtIdentificatie and XsdVersie copied unchanged (IV028)."""
    header = _sub(root, retour, "Header")
    for child in parsed.header:
        if not isinstance(child.tag, str):
            continue
        copied = renamed(child, parsed.type.namespace, retour)
        if etree.QName(child).localname == "BerichtCode":
            copied.text = retour.berichtcode
        header.append(copied)
    return header


def _echo_body(parsed: ParsedMessage, outcome: Outcome, retour: MessageType,
               root: etree._Element) -> None:
    original_classes = _class_elements(parsed.root, parsed.type, retour)
    body = renamed(parsed.required(f"m:{parsed.type.body}"), parsed.type.namespace, retour)
    root.append(body)
    copied_classes = _class_elements(root, retour, retour)
    codes = _codes_per_class(original_classes, outcome)
    # Both lists are in document order of identical structures, so they pair up.
    for original, copied in zip(original_classes, copied_classes, strict=True):
        _codes(copied, retour, codes.get(original, [NO_REMARK]))


def _class_elements(root: etree._Element, message: MessageType,
                    retour: MessageType) -> list[etree._Element]:
    found: list[etree._Element] = []
    for path in retour.retour_classes:
        steps = "/".join(f"{{{message.namespace}}}{step}" for step in path.split("/"))
        found.extend(root.findall(steps))
    return found


def _codes_per_class(classes: list[etree._Element], outcome: Outcome) -> dict[etree._Element, list[str]]:
    class_set = set(classes)
    result: dict[etree._Element, list[str]] = {}
    for finding in outcome.findings:
        node = finding.element
        while node is not None and node not in class_set:
            node = node.getparent()
        if node is not None:
            codes = result.setdefault(node, [])
            if finding.retourcode not in codes:
                codes.append(finding.retourcode)
    return result


def _codes(parent: etree._Element, retour: MessageType, codes: list[str]) -> None:
    wrapper = _sub(parent, retour, "RetourCodes")
    for code in codes:
        _sub(wrapper, retour, "RetourCode", code)
