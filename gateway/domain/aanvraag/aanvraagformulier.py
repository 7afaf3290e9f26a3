"""The aanvraagformulier the CJG enters in the back office, as the AGJ message it becomes
(design.md §4 "The aanvraagformulier message"). No HTTP here: the page reads
and checks the form's fields, this module turns the checked values into the message.

Who sends it. The AGJ's Afzender is an LDT_AgbCode (8 digits), so the gemeente (a 4-digit
gemeentecode) cannot be the Afzender. The form's AGJ therefore carries as Afzender the
provider chosen with the parents and agreed by phone (seed step 4), exactly as that
provider's own AGJ would, and as Ontvanger the gemeente (one of the municipality parties the
gateway serves). The page runs it through the same intake as the API
(`gateway.intake.service.receive` with that provider's party): it is stored, checked (XSD and
rules) and answered with an AGR like any other AGJ, and the worker decides it (automatically
or into the CJG's queue). That the CJG entered it is recorded in the access log
(`audit.AANVRAAG_INGEVOERD`), not in the message.

What the form fills in by itself:
  * BerichtIdentificatie: "CJG" plus the form's key, 9 random hex digits given out with the
    empty form (12 characters, the maximum of LDT_IdentificatieBericht); TR056 wants it unique
    per message type for the Afzender, and the prefix keeps it apart from the provider's own
    numbering. The same form posted twice is the same message: a replay, not a second aanvraag.
  * Dagtekening: today (the receiving system's date, so TR135 holds).
  * XsdVersie: the versions in agj.xsd's appinfo, as the gateway's outbound messages do.
  * ReferentieAanbieder, when the worker leaves it empty: "CJG-" + the Dagtekening (YYYYMMDD)
    + "-" + the form's key + "-" + the product row (at most 26 of LDT_Referentie's 36 characters).
  * Naam/NaamGebruik "1" (eigen naam): the form has no partner name, and CS050 allows only 1
    or 6 without one (CS318 forbids 6 for a client).
  * Verwijzer Type "01" (gemeente) with the CJG's name; CD068 forbids a ZorgverlenerCode there.
  * The address's LandCode "NL" (the form takes Dutch addresses; CD005 wants it with the
    Postcode).
Left out of the form (optional in the AGJ): Communicatie, JuridischeStatus,
WettelijkeVertegenwoordiging, Commentaar, Relaties (the gezagsdrager), BeschikkingNummer,
Raamcontract and the product's Commentaar. A product is asked either with an Omvang (volume,
unit, frequency) or, for a PGB for instance, with a Budget (eurocent) and no Omvang: both
together break CD077/CD078, and the rules say so.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date

from lxml import etree

from gateway.domain.aanvraag import clientgegevens
from gateway.domain.aanvraag.clientgegevens import Contact
from gateway.messages import BY_NAME
from gateway.render.outbound import header
from gateway.xml.build import basis, finish, new_root, renamed, serialise, sub, tag
from gateway.xml.schemas import SchemaSet

AGJ = BY_NAME["AGJ"]
JW301 = BY_NAME["JW301"]

IDENTIFICATIE_PREFIX = "CJG"
IDENTIFICATIE_LENGTE = 12  # LDT_IdentificatieBericht maxLength
REFERENTIE_LENGTE = 36  # LDT_Referentie maxLength
EIGEN_NAAM = "1"  # COD700 NaamGebruik
VERWIJZER_GEMEENTE = "01"  # COD327 Code verwijzer
JA, NEE = "1", "2"  # COD260


@dataclass(frozen=True)
class ClientInvoer:
    """The client as the CJG recorded it with the parents."""

    bsn: str
    geboortedatum: date
    geslacht: str  # COD046
    achternaam: str
    voorvoegsel: str | None
    voornamen: str | None
    voorletters: str | None
    contact: Contact


@dataclass(frozen=True)
class ProductInvoer:
    """One requested product (AangevraagdProduct), with an Omvang from the catalogue's units."""

    referentie: str
    categorie: str
    code: str
    ingangsdatum: date
    einddatum: date | None
    volume: int | None  # None: no Omvang (a product asked as a Budget)
    eenheid: str
    frequentie: str
    budget: int | None = None  # eurocent


@dataclass(frozen=True)
class Aanvraagformulier:
    aanbieder: str  # AGB code: the Afzender (the provider agreed with the parents)
    gemeente: str  # gemeentecode: the Ontvanger
    verwijzer: str  # Verwijzer/Naam (type 01, gemeente), e.g. "CJG Amsterdam"
    client: ClientInvoer
    hulpvraag: str
    contextanalyse: str
    resultaten: tuple[str, ...]
    toestemming_ouders: date
    afstemming_datum: date
    overeenstemming: bool
    toelichting: str | None
    leveringsvorm: str  # "ZIN" | "PGB"
    producten: tuple[ProductInvoer, ...]


FORM_KEY_LENGTH = IDENTIFICATIE_LENGTE - len(IDENTIFICATIE_PREFIX)
_FORM_KEY = re.compile(f"[0-9A-F]{{{FORM_KEY_LENGTH}}}")


def new_form_key() -> str:
    """The key of one filled-in form, given out with the empty form: the AGJ's Identificatie
    and its generated references are made from it, so posting the same form twice (a double
    click, a reload) sends the same bytes, which the intake answers as a replay."""
    return secrets.token_hex(FORM_KEY_LENGTH)[:FORM_KEY_LENGTH].upper()


def valid_form_key(text: str | None) -> str | None:
    return text if text and _FORM_KEY.fullmatch(text) else None


def identificatie_for(sleutel: str) -> str:
    """The BerichtIdentificatie/Identificatie of the form's AGJ (12 characters)."""
    return IDENTIFICATIE_PREFIX + sleutel


def referentie_for(dagtekening: date, sleutel: str, regel: int) -> str:
    """A ReferentieAanbieder for a product the worker gave none: unique per form and row
    (TR347 would reject a reuse by the same provider with 9347)."""
    return f"CJG-{dagtekening:%Y%m%d}-{sleutel}-{regel}"


def render_agj(formulier: Aanvraagformulier, *, identificatie: str, dagtekening: date,
               schemas: SchemaSet) -> bytes:
    """The AGJ message (UTF-8 bytes with XML declaration), elements in agj.xsd's order."""
    root = new_root(AGJ)
    header(root, AGJ, afzender=formulier.aanbieder, ontvanger=formulier.gemeente, identificatie=identificatie,
           dagtekening=dagtekening, schemas=schemas, versie=("1", "0"))
    client = sub(root, AGJ, "Client")
    _client(client, formulier.client)
    _aanvraagformulier(client, formulier)
    producten = sub(client, AGJ, "AangevraagdeProducten")
    for product in formulier.producten:
        _product(producten, product, formulier.verwijzer)
    return serialise(finish(root))


def _client(client: etree._Element, gegevens: ClientInvoer) -> None:
    sub(client, AGJ, "Bsn", gegevens.bsn)
    basis(sub(client, AGJ, "Geboortedatum"), "Datum", gegevens.geboortedatum.isoformat())
    sub(client, AGJ, "Geslacht", gegevens.geslacht)
    naam = sub(client, AGJ, "Naam")
    geslachtsnaam = basis(naam, "Geslachtsnaam")
    basis(geslachtsnaam, "Achternaam", gegevens.achternaam)
    if gegevens.voorvoegsel:
        basis(geslachtsnaam, "Voorvoegsel", gegevens.voorvoegsel)
    if gegevens.voornamen:
        basis(naam, "Voornamen", gegevens.voornamen)
    if gegevens.voorletters:
        basis(naam, "Voorletters", gegevens.voorletters)
    basis(naam, "NaamGebruik", EIGEN_NAAM)
    # The Contact is written by the same code that writes the CJG's contact data into a JW301
    # (the AGJ's Client has exactly JW301's children), then moved into the AGJ's namespace.
    jw301_client = clientgegevens.with_contacts(etree.Element(tag(JW301, "Client")), [gegevens.contact])
    contactgegevens = jw301_client.find(tag(JW301, "Contactgegevens"))
    assert contactgegevens is not None  # `with_contacts` writes it
    client.append(renamed(contactgegevens, JW301.namespace, AGJ))


def _aanvraagformulier(client: etree._Element, formulier: Aanvraagformulier) -> None:
    element = sub(client, AGJ, "Aanvraagformulier")
    sub(element, AGJ, "Hulpvraag", formulier.hulpvraag)
    sub(element, AGJ, "Contextanalyse", formulier.contextanalyse)
    resultaten = sub(element, AGJ, "Resultaten")
    for resultaat in formulier.resultaten:
        sub(resultaten, AGJ, "Resultaat", resultaat)
    sub(element, AGJ, "ToestemmingOuders", formulier.toestemming_ouders.isoformat())
    afstemming = sub(element, AGJ, "Afstemming")
    sub(afstemming, AGJ, "Datum", formulier.afstemming_datum.isoformat())
    sub(afstemming, AGJ, "Overeenstemming", JA if formulier.overeenstemming else NEE)
    if formulier.toelichting:
        sub(afstemming, AGJ, "Toelichting", formulier.toelichting)
    sub(element, AGJ, "Leveringsvorm", formulier.leveringsvorm)


def _product(parent: etree._Element, product: ProductInvoer, verwijzer: str) -> None:
    element = sub(parent, AGJ, "AangevraagdProduct")
    sub(element, AGJ, "ReferentieAanbieder", product.referentie)
    code = sub(element, AGJ, "Product")
    basis(code, "Categorie", product.categorie)
    if product.volume is not None:  # a Budget is asked for the category (CD041: a Code wants an Omvang)
        basis(code, "Code", product.code)
    sub(element, AGJ, "ToewijzingIngangsdatum", product.ingangsdatum.isoformat())
    if product.einddatum is not None:
        sub(element, AGJ, "ToewijzingEinddatum", product.einddatum.isoformat())
    if product.volume is not None:
        omvang = sub(element, AGJ, "Omvang")
        basis(omvang, "Volume", str(product.volume))
        basis(omvang, "Eenheid", product.eenheid)
        basis(omvang, "Frequentie", product.frequentie)
    if product.budget is not None:
        sub(element, AGJ, "Budget", str(product.budget))
    verwijzing = sub(element, AGJ, "Verwijzer")
    basis(verwijzing, "Type", VERWIJZER_GEMEENTE)
    if verwijzer:
        basis(verwijzing, "Naam", verwijzer)
