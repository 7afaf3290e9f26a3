"""The raw fields of a declaration's clients and prestaties (JW323, and the lines our JW325
echoes), read once per check for every level-2 rule.

Seventeen rules walk every prestatie; each reading its own values with path lookups made a
5,000-line declaration cost over half a second. Here each prestatie is read in one pass over
its children (and its three groups' children), and the rules loop over the records.

Values stay the raw text (`.text`, None when the element is absent), white space included:
the official XSLT reads raw text, and the rules apply the XPath readings of
gateway.rules.xpath_values themselves. A child that occurs twice (never in a schema-valid
message) counts by its first occurrence, as `ParsedMessage.find` does.
"""
from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from gateway.messages import BASIS_NS
from gateway.rules.engine import RuleContext

_B = f"{{{BASIS_NS}}}"


@dataclass(frozen=True, slots=True)
class Periode:
    """A CDT_GeslotenPeriode: the element, its Begindatum and Einddatum and their texts."""

    element: etree._Element
    begin: etree._Element | None
    begin_text: str | None
    eind: etree._Element | None
    eind_text: str | None


@dataclass(frozen=True, slots=True)
class Regel:
    """One Prestatie as the level-2 rules read it."""

    element: etree._Element
    client: etree._Element
    referentie: etree._Element | None  # ProductReferentie/ReferentieNummer
    referentie_text: str | None
    vorig: etree._Element | None  # ProductReferentie/VorigReferentieNummer
    vorig_text: str | None
    toewijzingnummer: str | None
    categorie: str | None
    code: str | None
    periode: Periode | None
    volume: str | None
    eenheid: etree._Element | None
    eenheid_text: str | None
    tarief: str | None  # ProductTarief
    ingediend: etree._Element | None  # IngediendBedrag
    bedrag: str | None  # IngediendBedrag/Bedrag
    debet_credit: str | None  # IngediendBedrag/DebetCredit


@dataclass(frozen=True, slots=True)
class Client:
    element: etree._Element
    bsn: etree._Element | None
    regels: tuple[Regel, ...]


@dataclass(frozen=True, slots=True)
class Regels:
    """Every client and every prestatie of the message body, in document order."""

    clients: tuple[Client, ...]
    regels: tuple[Regel, ...]


_BODY = {"JW323": "Declaratie", "JW325": "DeclaratieAntwoord"}


def regels(ctx: RuleContext) -> Regels:
    """The message's clients and prestaties, read on first use within one check."""
    found = ctx.memo.get("declaratie_regels")
    if found is None:
        found = ctx.memo["declaratie_regels"] = _read(ctx.msg.root, ctx.msg.type.name,
                                                     f"{{{ctx.msg.type.namespace}}}")
    return found


def periode(element: etree._Element | None) -> Periode | None:
    if element is None:
        return None
    children = _children(element)
    begin, eind = children.get(_B + "Begindatum"), children.get(_B + "Einddatum")
    return Periode(element, begin, _text(begin), eind, _text(eind))


def _read(root: etree._Element, message: str, m: str) -> Regels:
    clients = []
    for body in root.iterchildren(m + _BODY[message]):
        for clienten in body.iterchildren(m + "Clienten"):
            for client in clienten.iterchildren(m + "Client"):
                lines = tuple(_regel(prestatie, client, m)
                              for prestaties in client.iterchildren(m + "Prestaties")
                              for prestatie in prestaties.iterchildren(m + "Prestatie"))
                clients.append(Client(client, next(client.iterchildren(m + "Bsn"), None), lines))
    return Regels(tuple(clients), tuple(r for c in clients for r in c.regels))


def _regel(prestatie: etree._Element, client: etree._Element, m: str) -> Regel:
    fields = _children(prestatie)
    referentie = _children(fields.get(m + "ProductReferentie"))
    ingediend = fields.get(m + "IngediendBedrag")
    bedrag = _children(ingediend)
    nummer, vorig = referentie.get(_B + "ReferentieNummer"), referentie.get(_B + "VorigReferentieNummer")
    eenheid = fields.get(m + "Eenheid")
    return Regel(
        prestatie, client, nummer, _text(nummer), vorig, _text(vorig),
        _text(fields.get(m + "ToewijzingNummer")), _text(fields.get(m + "ProductCategorie")),
        _text(fields.get(m + "ProductCode")), periode(fields.get(m + "ProductPeriode")),
        _text(fields.get(m + "GeleverdVolume")), eenheid, _text(eenheid),
        _text(fields.get(m + "ProductTarief")), ingediend, _text(bedrag.get(_B + "Bedrag")),
        _text(bedrag.get(_B + "DebetCredit")))


def _children(element: etree._Element | None) -> dict[object, etree._Element]:
    """The element's children by tag, the first of each (comments and processing
    instructions carry no string tag, so no lookup finds them)."""
    children: dict[object, etree._Element] = {}
    if element is not None:
        for child in element.iterchildren():
            children.setdefault(child.tag, child)
    return children


def _text(element: etree._Element | None) -> str | None:
    return element.text if element is not None else None
