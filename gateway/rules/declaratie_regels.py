"""The raw fields of a declaration's clients and prestaties (JW323, and the lines our JW325
echoes), read once per check for every level-2 rule.

Seventeen rules walk every prestatie; each reading its own values with path lookups made a
5,000-line declaration cost over half a second. Here each prestatie is read in one pass over
its descendants, and the rules loop over the records.

Values stay the raw text (`.text`, None when the element is absent), white space included:
the official XSLT reads raw text, and the rules apply the XPath readings of
gateway.rules.xpath_values themselves. Rules see schema-valid messages only, where each of
these elements occurs at most once in its place, so reading them by tag gives what the
rules' former path lookups gave.

The per-prestatie records are named tuples, not frozen dataclasses: as immutable, and built
four times faster (a frozen dataclass sets each field through `object.__setattr__`).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple, cast

from lxml import etree

from gateway.messages import BASIS_NS
from gateway.rules.engine import RuleContext
from gateway.rules.xpath_values import number

_B = f"{{{BASIS_NS}}}"


class Periode(NamedTuple):
    """A CDT_GeslotenPeriode (child `tag` of `owner`) by its Begindatum and Einddatum texts;
    the elements themselves are looked up only for a finding's location."""

    owner: etree._Element
    tag: str
    begin_text: str | None
    eind_text: str | None

    def element(self) -> etree._Element:
        return _required_child(self.owner, self.tag)

    def begin(self) -> etree._Element:
        return _required_child(self.element(), _B + "Begindatum")

    def eind(self) -> etree._Element:
        return _required_child(self.element(), _B + "Einddatum")


class Regel(NamedTuple):
    """One Prestatie as the level-2 rules read it: raw texts, None where absent."""

    element: etree._Element
    referentie_text: str | None  # ProductReferentie/ReferentieNummer
    heeft_vorig: bool  # a VorigReferentieNummer is present (it may be empty)
    vorig_text: str | None
    toewijzingnummer: str | None
    categorie: str | None
    code: str | None
    periode: Periode
    volume: str | None
    eenheid_text: str | None
    tarief: str | None  # ProductTarief
    bedrag: str | None  # IngediendBedrag/Bedrag
    debet_credit: str | None  # IngediendBedrag/DebetCredit

    def _m(self) -> str:
        tag = cast(str, self.element.tag)  # an element's tag reads back as str
        return tag[:tag.index("}") + 1]

    def referentie(self) -> etree._Element:
        return _required_child(_required_child(self.element, self._m() + "ProductReferentie"),
                               _B + "ReferentieNummer")

    def vorig(self) -> etree._Element | None:
        """The VorigReferentieNummer, None on a line without one (it is optional)."""
        return _child(_child(self.element, self._m() + "ProductReferentie"), _B + "VorigReferentieNummer")

    def eenheid(self) -> etree._Element:
        return _required_child(self.element, self._m() + "Eenheid")

    def ingediend(self) -> etree._Element:
        return _required_child(self.element, self._m() + "IngediendBedrag")


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

    def netto(self) -> float:
        """The D lines' Bedrag minus the C lines' (raw DebetCredit), as XPath sums them: one
        amount that is no number (`+5000`) makes the sum NaN. TR358 and TR342 compare it."""
        sums = {"D": 0.0, "C": 0.0}
        for r in self.regels:
            if r.debet_credit in sums:
                sums[r.debet_credit] += number(r.bedrag)
        return sums["D"] - sums["C"]


_BODY = {"JW323": "Declaratie", "JW325": "DeclaratieAntwoord"}


def regels(ctx: RuleContext) -> Regels:
    """The message's clients and prestaties, read on first use within one check."""
    found: Regels | None = ctx.memo.get("declaratie_regels")
    if found is None:
        found = ctx.memo["declaratie_regels"] = _read(ctx.msg.root, ctx.msg.type.name,
                                                     f"{{{ctx.msg.type.namespace}}}")
    return found


def read_periode(owner: etree._Element, tag: str) -> Periode:
    """The period `tag` of `owner` (schema-valid: always present)."""
    texts = _texts(_child(owner, tag))
    return Periode(owner, tag, texts.get(_B + "Begindatum"), texts.get(_B + "Einddatum"))


def _read(root: etree._Element, message: str, m: str) -> Regels:
    clients: list[Client] = []
    for body in root.iterchildren(m + _BODY[message]):
        for clienten in body.iterchildren(m + "Clienten"):
            for client in clienten.iterchildren(m + "Client"):
                lines = tuple(_regel(prestatie, m)
                              for prestaties in client.iterchildren(m + "Prestaties")
                              for prestatie in prestaties.iterchildren(m + "Prestatie"))
                clients.append(Client(client, _child(client, m + "Bsn"), lines))
    return Regels(tuple(clients), tuple(r for c in clients for r in c.regels))


def _regel(prestatie: etree._Element, m: str) -> Regel:
    # One pass over the prestatie's descendants, by tag: in a schema-valid Prestatie each tag
    # occurs once, at one place (b:Begindatum only in ProductPeriode, b:Bedrag only in
    # IngediendBedrag, ...), so this reads what the child paths read. Only the Prestatie
    # element is kept: holding every child's lxml proxy alive makes the garbage collector
    # walk them again and again (most of the time on 5,000 lines).
    t = _tags(m)
    texts = {element.tag: element.text for element in prestatie.iter()}
    get = texts.get
    return Regel(
        prestatie, get(t.referentie), t.vorig in texts, get(t.vorig), get(t.toewijzingnummer),
        get(t.categorie), get(t.code), Periode(prestatie, t.periode, get(t.begin), get(t.eind)),
        get(t.volume), get(t.eenheid), get(t.tarief), get(t.bedrag), get(t.debet_credit))


class _Tags(NamedTuple):
    referentie: str
    vorig: str
    toewijzingnummer: str
    categorie: str
    code: str
    periode: str
    begin: str
    eind: str
    volume: str
    eenheid: str
    tarief: str
    bedrag: str
    debet_credit: str


@lru_cache(maxsize=8)
def _tags(m: str) -> _Tags:
    """The Clark tags a prestatie's fields have in the message namespace `m` ("{ns}")."""
    return _Tags(_B + "ReferentieNummer", _B + "VorigReferentieNummer", m + "ToewijzingNummer",
                 m + "ProductCategorie", m + "ProductCode", m + "ProductPeriode", _B + "Begindatum",
                 _B + "Einddatum", m + "GeleverdVolume", m + "Eenheid", m + "ProductTarief",
                 _B + "Bedrag", _B + "DebetCredit")


def _texts(element: etree._Element | None) -> dict[object, str | None]:
    """The texts of the element's children by tag."""
    return {} if element is None else {child.tag: child.text for child in element.iterchildren()}


def _child(element: etree._Element | None, tag: str) -> etree._Element | None:
    """The first child with this tag, as `ParsedMessage.find` gives it."""
    return next(element.iterchildren(tag), None) if element is not None else None


def _required_child(element: etree._Element, tag: str) -> etree._Element:
    """The first child with this tag where the schema demands one: the rules see only
    schema-valid messages, and look these up only for a finding's location."""
    child = _child(element, tag)
    if child is None:
        raise LookupError(f"{tag} missing from a schema-valid prestatie")
    return child
