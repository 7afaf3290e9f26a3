"""The StUF-GGk messages as values, built into trees and read back from them.

Di01/Du01 (`Envelop`), Fo01/Fo03 (`Fout`) and Bv03 (a bare `Stuurgegevens`), shaped as
shared/domain/ggk-koppelvlak.md §3.3-§3.6 describe: the root, stuurgegevens and parameters of a
Di01/Du01 in the GGK namespace, stuurgegevens' children in StUF; Fo01/Fo03/Bv03 all StUF.
Building writes what it is given (an optional value that is None is left out) and checks
nothing: `gateway.stuf.validate` is the check of everything sent. Reading assumes an element
that passed the schema.
"""
from __future__ import annotations

import binascii
import copy
import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from gateway.errors import GatewayError
from gateway.stuf.errors import EnvelopFout
from gateway.stuf.names import GGK_NS, NSMAP_GGK, NSMAP_STUF, ROOTS, STUF_NS, UUID_REFNUMMER


@dataclass(frozen=True)
class Systeem:
    organisatie: str | None
    applicatie: str
    administratie: str | None = None
    gebruiker: str | None = None


@dataclass(frozen=True)
class Stuurgegevens:
    berichtcode: str  # "Di01" | "Du01" | "Fo01" | "Bv03" | "Fo03"
    zender: Systeem
    ontvanger: Systeem
    referentienummer: str
    tijdstip_bericht: str
    cross_refnummer: str | None = None
    functie: str | None = None  # Di01/Du01 only


@dataclass(frozen=True)
class Versies:
    applicatie_versie: str
    applicatie_subversie: str
    # iJw 3.2: BerichtVersie 3, BerichtSubversie 2 (facts §3.5, §7 open point 4)
    functie_versie: str = "0003"
    functie_subversie: str = "0002"


@dataclass(frozen=True)
class Envelop:
    """A Di01 or Du01."""

    stuurgegevens: Stuurgegevens
    versies: Versies
    xml_bestand: bytes | None  # the payload, decoded
    tekst_bestand: bytes | None = None
    bestandsnaam: str | None = None
    element: etree._Element | None = None  # the received element (for detailsXML); None when built


@dataclass(frozen=True)
class Fout:
    """A Fo01 or Fo03."""

    stuurgegevens: Stuurgegevens
    code: str
    plek: str
    omschrijving: str
    details: str | None = None
    # Building: an element copied into detailsXML. Reading: detailsXML's first element, if any.
    details_xml: etree._Element | None = None


@dataclass(frozen=True)
class Ontvangen:
    """What `parse_request` read from a SOAP request."""

    soort: str  # "Di01" | "Du01" | "Fo01"
    bericht: Envelop | Fout
    element: etree._Element  # the Body's one element
    # That element in exclusive C14N: the same bytes for the same element, whatever the SOAP
    # envelope around it declared; what a repeated referentienummer is compared by.
    inhoud: bytes


# --- values ----------------------------------------------------------------------------------

def new_referentienummer() -> str:
    """A fresh UUID version 4, in the lower case the UUID-refnummer pattern demands."""
    return str(uuid.uuid4())


def is_referentienummer(value: str) -> bool:
    return UUID_REFNUMMER.fullmatch(value) is not None


def tijdstip(moment: datetime) -> str:
    """EEJJMMDDhhmmssddd (17 digits, milliseconds) of `moment` as given: the caller passes
    Dutch local time (the facts leave the zone open, §3.5; we use Dutch local time)."""
    return f"{moment:%Y%m%d%H%M%S}{moment.microsecond // 1000:03d}"


_TIJDSTIP = re.compile(r"[0-9]{8,17}")


def moment(tijdstip: str) -> datetime:
    """The naive moment of a Tijdstip; trailing parts may be left off down to the date
    (EEJJMMDD), and what is missing counts as zeros."""
    if not _TIJDSTIP.fullmatch(tijdstip):
        raise EnvelopFout("StUF055", f"tijdstipBericht {tijdstip!r} is geen tijdstip (EEJJMMDDhhmmssddd)")
    digits = tijdstip.ljust(17, "0")
    try:
        return datetime(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]), int(digits[8:10]),
                        int(digits[10:12]), int(digits[12:14]), int(digits[14:17]) * 1000)
    except ValueError:
        raise EnvelopFout("StUF055", f"tijdstipBericht {tijdstip!r} is geen bestaand tijdstip") from None


def fo01_details(functie: str, versies: Versies) -> str:
    """Fo01 `details`: functie + "-" + functieVersie + functieSubversie, e.g. "JW315-00030002".
    The spec's text names the applicatie versions, its example the functie versions; we follow
    the example (facts §7 open point 5)."""
    return f"{functie}-{versies.functie_versie}{versies.functie_subversie}"


# --- building --------------------------------------------------------------------------------

def _sub(parent: etree._Element, namespace: str, name: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, f"{{{namespace}}}{name}")
    if text is not None:
        child.text = text
    return child


def _systeem(parent: etree._Element, name: str, systeem: Systeem) -> None:
    element = _sub(parent, STUF_NS, name)
    for field, value in (("organisatie", systeem.organisatie), ("applicatie", systeem.applicatie),
                         ("administratie", systeem.administratie), ("gebruiker", systeem.gebruiker)):
        if value is not None:
            _sub(element, STUF_NS, field, value)


def _stuurgegevens(parent: etree._Element, namespace: str, sg: Stuurgegevens) -> None:
    element = _sub(parent, namespace, "stuurgegevens")
    _sub(element, STUF_NS, "berichtcode", sg.berichtcode)
    _systeem(element, "zender", sg.zender)
    _systeem(element, "ontvanger", sg.ontvanger)
    _sub(element, STUF_NS, "referentienummer", sg.referentienummer)
    _sub(element, STUF_NS, "tijdstipBericht", sg.tijdstip_bericht)
    if sg.cross_refnummer is not None:
        _sub(element, STUF_NS, "crossRefnummer", sg.cross_refnummer)
    if sg.functie is not None:
        _sub(element, STUF_NS, "functie", sg.functie)


def _base64(data: bytes) -> str:
    return binascii.b2a_base64(data, newline=False).decode("ascii")


def _root(code: str) -> etree._Element:
    if code not in ROOTS:
        raise GatewayError(f"onbekende berichtcode {code!r} voor een StUF-GGk-bericht")
    return etree.Element(ROOTS[code], nsmap=NSMAP_GGK if code in ("Di01", "Du01") else NSMAP_STUF)


def _build_envelop(envelop: Envelop) -> etree._Element:
    sg = envelop.stuurgegevens
    if sg.berichtcode not in ("Di01", "Du01"):
        raise GatewayError(f"een envelop is een Di01 of Du01, geen {sg.berichtcode}")
    root = _root(sg.berichtcode)
    _stuurgegevens(root, GGK_NS, sg)
    parameters = _sub(root, GGK_NS, "parameters")
    versies = envelop.versies
    _sub(parameters, GGK_NS, "applicatieVersie", versies.applicatie_versie)
    _sub(parameters, GGK_NS, "applicatieSubversie", versies.applicatie_subversie)
    _sub(parameters, GGK_NS, "functieVersie", versies.functie_versie)
    _sub(parameters, GGK_NS, "functieSubversie", versies.functie_subversie)
    bericht = _sub(parameters, GGK_NS, "bericht")
    if envelop.xml_bestand is not None:
        _sub(bericht, GGK_NS, "xmlBestand", _base64(envelop.xml_bestand))
    if envelop.tekst_bestand is not None:
        tekst = _sub(bericht, GGK_NS, "tekstBestand", _base64(envelop.tekst_bestand))
        if envelop.bestandsnaam is not None:
            tekst.set("bestandsnaam", envelop.bestandsnaam)
    return root


def _build_fout(fout: Fout) -> etree._Element:
    sg = fout.stuurgegevens
    if sg.berichtcode not in ("Fo01", "Fo03"):
        raise GatewayError(f"een foutbericht is een Fo01 of Fo03, geen {sg.berichtcode}")
    root = _root(sg.berichtcode)
    _stuurgegevens(root, STUF_NS, sg)
    body = _sub(root, STUF_NS, "body")
    _sub(body, STUF_NS, "code", fout.code)
    _sub(body, STUF_NS, "plek", fout.plek)
    _sub(body, STUF_NS, "omschrijving", fout.omschrijving)
    if fout.details is not None:
        _sub(body, STUF_NS, "details", fout.details)
    if fout.details_xml is not None:
        # the original as plain child XML, never base64 or CDATA (facts §3.6)
        details_xml = _sub(body, STUF_NS, "detailsXML")
        details_xml.append(copy.deepcopy(fout.details_xml))
        # a received element brings the declarations in scope around it (the SOAP envelope's)
        etree.cleanup_namespaces(details_xml)
    return root


def build(bericht: Envelop | Fout) -> etree._Element:
    """The Di01/Du01 of an Envelop, the Fo01/Fo03 of a Fout (by its berichtcode)."""
    if isinstance(bericht, Envelop):
        return _build_envelop(bericht)
    return _build_fout(bericht)


def build_bv03(stuurgegevens: Stuurgegevens) -> etree._Element:
    if stuurgegevens.berichtcode != "Bv03":
        raise GatewayError(f"een Bv03 heeft berichtcode Bv03, niet {stuurgegevens.berichtcode}")
    root = _root("Bv03")
    _stuurgegevens(root, STUF_NS, stuurgegevens)
    return root


# --- reading (of schema-valid elements) ------------------------------------------------------

def _text(parent: etree._Element, namespace: str, name: str) -> str | None:
    found = parent.find(f"{{{namespace}}}{name}")
    if found is None:
        return None
    return found.text or ""


def _required(parent: etree._Element, namespace: str, name: str) -> str:
    value = _text(parent, namespace, name)
    if value is None:
        raise EnvelopFout("StUF055", f"{name} ontbreekt")
    return value


def _child(parent: etree._Element, namespace: str, name: str) -> etree._Element:
    found = parent.find(f"{{{namespace}}}{name}")
    if found is None:
        raise EnvelopFout("StUF055", f"{name} ontbreekt")
    return found


def _read_systeem(element: etree._Element) -> Systeem:
    return Systeem(organisatie=_text(element, STUF_NS, "organisatie"),
                   applicatie=_required(element, STUF_NS, "applicatie"),
                   administratie=_text(element, STUF_NS, "administratie"),
                   gebruiker=_text(element, STUF_NS, "gebruiker"))


def read_stuurgegevens(root: etree._Element) -> Stuurgegevens:
    """The stuurgegevens of any of the five messages (GGK or StUF element, StUF children)."""
    element = root.find(f"{{{GGK_NS}}}stuurgegevens")
    if element is None:
        element = _child(root, STUF_NS, "stuurgegevens")
    return Stuurgegevens(
        berichtcode=_required(element, STUF_NS, "berichtcode"),
        zender=_read_systeem(_child(element, STUF_NS, "zender")),
        ontvanger=_read_systeem(_child(element, STUF_NS, "ontvanger")),
        referentienummer=_required(element, STUF_NS, "referentienummer"),
        tijdstip_bericht=_required(element, STUF_NS, "tijdstipBericht"),
        cross_refnummer=_text(element, STUF_NS, "crossRefnummer"),
        functie=_text(element, STUF_NS, "functie"),
    )


_WHITESPACE = re.compile(rb"\s+")


def _decode(element: etree._Element) -> bytes:
    # base64Binary may hold whitespace (line breaks every 76 characters, say); strict past that
    text = _WHITESPACE.sub(b"", (element.text or "").encode("ascii", errors="replace"))
    try:
        return binascii.a2b_base64(text, strict_mode=True)
    except binascii.Error as exc:
        name = etree.QName(element).localname
        raise EnvelopFout("StUF055", f"{name} is geen geldige base64: {exc}") from None


def read_envelop(root: etree._Element) -> Envelop:
    parameters = _child(root, GGK_NS, "parameters")
    bericht = _child(parameters, GGK_NS, "bericht")
    xml = bericht.find(f"{{{GGK_NS}}}xmlBestand")
    tekst = bericht.find(f"{{{GGK_NS}}}tekstBestand")
    return Envelop(
        stuurgegevens=read_stuurgegevens(root),
        versies=Versies(applicatie_versie=_required(parameters, GGK_NS, "applicatieVersie"),
                        applicatie_subversie=_required(parameters, GGK_NS, "applicatieSubversie"),
                        functie_versie=_required(parameters, GGK_NS, "functieVersie"),
                        functie_subversie=_required(parameters, GGK_NS, "functieSubversie")),
        xml_bestand=_decode(xml) if xml is not None else None,
        tekst_bestand=_decode(tekst) if tekst is not None else None,
        bestandsnaam=tekst.get("bestandsnaam") if tekst is not None else None,
        element=root,
    )


def read_fout(root: etree._Element) -> Fout:
    body = _child(root, STUF_NS, "body")
    details_xml = body.find(f"{{{STUF_NS}}}detailsXML")
    first = None
    if details_xml is not None:
        first = next((child for child in details_xml if isinstance(child.tag, str)), None)
    return Fout(
        stuurgegevens=read_stuurgegevens(root),
        code=_required(body, STUF_NS, "code"),
        plek=_required(body, STUF_NS, "plek"),
        omschrijving=_required(body, STUF_NS, "omschrijving"),
        details=_text(body, STUF_NS, "details"),
        details_xml=first,
    )
