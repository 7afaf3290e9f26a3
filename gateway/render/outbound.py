"""Rendering the messages the gemeente sends: JW301 (toewijzing) and JW319 (antwoord).

Pure rendering from plain values into a tree; choosing what goes in (OP087, IV093/IV094) is
`gateway.domain.berichten.uitgaand`'s job, and so is checking the tree against our XSD and rules
(`uitgaand.self_check`) before it is serialised and stored.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lxml import etree

from gateway.messages import BY_NAME, MessageType
from gateway.xml.build import basis, finish, new_root, sub
from gateway.xml.schemas import SchemaSet

JW301 = BY_NAME["JW301"]
JW319 = BY_NAME["JW319"]


@dataclass(frozen=True)
class Kop:
    """What a Header says: who to whom, which message, on which day."""

    gemeente: str
    aanbieder: str
    identificatie: str
    dagtekening: date


@dataclass(frozen=True)
class ToegewezenProductRegel:
    """One ToegewezenProduct, in the JW301's element order."""

    nummer: int
    referentie: str | None
    categorie: str | None
    code: str | None
    toewijzingsdatum: date
    toewijzingstijd: str
    ingangsdatum: date
    einddatum: date | None
    reden_wijziging: str | None
    volume: int | None
    eenheid: str | None
    frequentie: str | None
    budget: int | None


def render_jw301(kop: Kop, client: etree._Element, producten: list[ToegewezenProductRegel],
                 schemas: SchemaSet) -> etree._ElementTree:
    """`client` is a JW301 Client element up to and including Contactgegevens."""
    root = new_root(JW301)
    _header(root, JW301, kop, schemas)
    client_copy = etree.fromstring(etree.tostring(client))
    root.append(client_copy)
    lijst = sub(client_copy, JW301, "ToegewezenProducten")
    for regel in producten:
        _toegewezen_product(lijst, regel)
    return finish(root)


def render_jw319(kop: Kop, *, referentie: str, verzoek_antwoord: str, reden: str | None,
                 woonplaatsbeginsel: str | None, schemas: SchemaSet) -> etree._ElementTree:
    root = new_root(JW319)
    _header(root, JW319, kop, schemas)
    antwoord = sub(root, JW319, "Antwoord")
    sub(antwoord, JW319, "ReferentieAanbieder", referentie)
    sub(antwoord, JW319, "VerzoekAntwoord", verzoek_antwoord)
    if reden is not None:
        sub(antwoord, JW319, "RedenAfwijzingVerzoek", reden)
    if woonplaatsbeginsel is not None:
        sub(sub(antwoord, JW319, "Woonplaatsbeginsel"), JW319, "Gemeente", woonplaatsbeginsel)
    return finish(root)


def _header(root: etree._Element, message: MessageType, kop: Kop, schemas: SchemaSet) -> None:
    header(root, message, afzender=kop.gemeente, ontvanger=kop.aanbieder, identificatie=kop.identificatie,
           dagtekening=kop.dagtekening, schemas=schemas)


def header(root: etree._Element, message: MessageType, *, afzender: str, ontvanger: str, identificatie: str,
           dagtekening: date, schemas: SchemaSet, versie: tuple[str, str] = ("3", "2")) -> None:
    """A heen-bericht's Header (B.2): BerichtCode, version (iJw 3.2 by default; the AGJ is
    1.0), Afzender, Ontvanger, BerichtIdentificatie and the XsdVersie of our own schemas."""
    schema = schemas.for_message(message.name)
    element = sub(root, message, "Header")
    sub(element, message, "BerichtCode", message.berichtcode)
    sub(element, message, "BerichtVersie", versie[0])
    sub(element, message, "BerichtSubversie", versie[1])
    sub(element, message, "Afzender", afzender)
    sub(element, message, "Ontvanger", ontvanger)
    berichtidentificatie = sub(element, message, "BerichtIdentificatie")
    basis(berichtidentificatie, "Identificatie", identificatie)
    basis(berichtidentificatie, "Dagtekening", dagtekening.isoformat())
    xsd = sub(element, message, "XsdVersie")
    basis(xsd, "BasisschemaXsdVersie", schema.basis_version)
    basis(xsd, "BerichtXsdVersie", schema.message_version)


def _toegewezen_product(parent: etree._Element, regel: ToegewezenProductRegel) -> None:
    product = sub(parent, JW301, "ToegewezenProduct")
    sub(product, JW301, "ToewijzingNummer", str(regel.nummer))
    if regel.referentie:
        sub(product, JW301, "ReferentieAanbieder", regel.referentie)
    if regel.categorie:
        code = sub(product, JW301, "Product")
        basis(code, "Categorie", regel.categorie)
        if regel.code:
            basis(code, "Code", regel.code)
    sub(product, JW301, "Toewijzingsdatum", regel.toewijzingsdatum.isoformat())
    sub(product, JW301, "Toewijzingstijd", regel.toewijzingstijd)
    sub(product, JW301, "Ingangsdatum", regel.ingangsdatum.isoformat())
    if regel.einddatum is not None:
        sub(product, JW301, "Einddatum", regel.einddatum.isoformat())
    if regel.reden_wijziging:
        sub(product, JW301, "RedenWijziging", regel.reden_wijziging)
    if regel.volume is not None:
        omvang = sub(product, JW301, "Omvang")
        basis(omvang, "Volume", str(regel.volume))
        basis(omvang, "Eenheid", regel.eenheid)
        basis(omvang, "Frequentie", regel.frequentie)
    if regel.budget is not None:
        sub(product, JW301, "Budget", str(regel.budget))
