"""What the gemeente knows of a client, kept as a JW301 `Client` element (up to and
including Contactgegevens), so every JW301 for the client can carry it.

An aanvraagformulier (AGJ) carries exactly JW301's Client children (design.md §4): the
contact data and the gezagsdrager (Relatie, OP002) come along as sent. A JW315 carries only
Bsn, Geboortedatum, Geslacht and a short name (CDT_VerkorteNaam): enough to know who, not
where; the contact data then come from an earlier aanvraagformulier of the same client or
from the CJG's decision (`contactgegevens` in the besluit; in practice the CJG looks them up
in the BRP). The JW315's GezagsdragerBekend and Commentaar are messages to the gemeente, not
client data, and are not kept.

Identity (design.md §9). A client is known by BSN, but a BSN typed wrong by one provider
names somebody else: a message whose Geboortedatum or Geslachtsnaam differs from what is
known (`afwijkingen`) must not change the stored client, which every other provider's JW301
carries. The CJG sees both versions (`persoon`) and may take the message's over
(`overgenomen`).
"""
from __future__ import annotations

import copy
import re
import unicodedata
from dataclasses import dataclass

from lxml import etree

from gateway.messages import BASIS_NS, BY_NAME
from gateway.xml.build import basis, renamed, sub, tag
from gateway.xml.view import ParsedMessage

JW301 = BY_NAME["JW301"]
# JW301 Client children before ToegewezenProducten, in schema order.
_CLIENT_CHILDREN = ("Bsn", "Geboortedatum", "Geslacht", "Naam", "Communicatie", "JuridischeStatus",
                    "WettelijkeVertegenwoordiging", "Commentaar", "Relaties", "Contactgegevens")
_FROM_JW315 = ("Bsn", "Geboortedatum", "Geslacht", "Naam")
_EIGEN_NAAM = "1"  # COD700 NaamGebruik: eigen naam
GEBOORTEDATUM, GESLACHTSNAAM = "geboortedatum", "geslachtsnaam"
_B = f"{{{BASIS_NS}}}"


@dataclass(frozen=True)
class Contact:
    """One Contact from the CJG's decision (an address and/or a telephone number)."""

    __pydantic_config__ = {"extra": "forbid"}  # see besluiten._STRICT

    soort: str
    straatnaam: str | None = None
    huisnummer: int | None = None
    huisletter: str | None = None
    huisnummertoevoeging: str | None = None
    postcode: str | None = None
    plaatsnaam: str | None = None
    landcode: str | None = None
    telefoon: str | None = None
    landnummer: str = "0031"
    emailadres: str | None = None


def from_request(parsed: ParsedMessage) -> etree._Element:
    """The client of an AGJ or JW315 as a JW301 Client element."""
    source = parsed.type.namespace
    client = etree.Element(tag(JW301, "Client"))
    keep = _CLIENT_CHILDREN if parsed.type.name == "AGJ" else _FROM_JW315
    for child in parsed.required("m:Client"):
        if isinstance(child.tag, str) and etree.QName(child).localname in keep:
            client.append(renamed(child, source, JW301))
    naam = client.find(tag(JW301, "Naam"))
    if naam is not None and naam.find(f"{{{BASIS_NS}}}NaamGebruik") is None:
        # CDT_VerkorteNaam (JW315) has no NaamGebruik; JW301's CDT_VolledigeNaam requires it.
        basis(naam, "NaamGebruik", _EIGEN_NAAM)
    return client


def complete(client: etree._Element) -> bool:
    """True when the element can go into a JW301 as it is (it has Contactgegevens)."""
    return client.find(tag(JW301, "Contactgegevens")) is not None


def with_contacts(client: etree._Element, contacts: list[Contact]) -> etree._Element:
    """A copy of `client` whose Contactgegevens are `contacts` (the CJG's data win)."""
    result = etree.fromstring(etree.tostring(client))
    existing = result.find(tag(JW301, "Contactgegevens"))
    if existing is not None:
        result.remove(existing)
    gegevens = sub(result, JW301, "Contactgegevens")
    for contact in contacts:
        _contact(gegevens, contact)
    return result


def merged(known: etree._Element | None, new: etree._Element) -> etree._Element:
    """What to keep after a new request: an AGJ's full data replace what was known; a
    JW315's short data never overwrite richer data from an earlier aanvraagformulier."""
    if known is None or complete(new) or not complete(known):
        return new
    return known


def afwijkingen(known: etree._Element | None, new: etree._Element) -> tuple[str, ...]:
    """Which identity data `new` gives otherwise than `known` (GEBOORTEDATUM, GESLACHTSNAAM);
    empty when nothing is known yet or they agree. The Geslachtsnaam is compared as one text
    (Voorvoegsel + Achternaam), whitespace and case aside: "van der" + "Meer" is "van der Meer"."""
    if known is None:
        return ()
    found = []
    for name, read in ((GEBOORTEDATUM, _geboortedatum), (GESLACHTSNAAM, _geslachtsnaam)):
        old, now = read(known), read(new)
        if old is not None and now is not None and old != now:
            found.append(name)
    return tuple(found)


def overgenomen(known: etree._Element | None, new: etree._Element) -> etree._Element:
    """The CJG chose the message's data: an aanvraagformulier's full data replace the record;
    a JW315's short data replace who the client is (Geboortedatum, Geslacht, Naam) and keep
    the known contact data, as a matching JW315 would (`merged`)."""
    if known is None or complete(new) or not complete(known):
        return new
    # JW301's Client starts with the identity (Bsn, Geboortedatum, Geslacht, Naam): the
    # message's, then what else was known, both in schema order.
    result = etree.Element(tag(JW301, "Client"))
    for source, identity in ((new, True), (known, False)):
        for child in source:
            if isinstance(child.tag, str) and (etree.QName(child).localname in _FROM_JW315) == identity:
                result.append(copy.deepcopy(child))
    return result


@dataclass(frozen=True)
class Persoon:
    """Who a Client element names, as the case worker compares two versions."""

    naam: str | None
    geboortedatum: str | None  # ISO date as in the message
    adres: str | None


def persoon(client: etree._Element) -> Persoon:
    naam = client.find(tag(JW301, "Naam"))
    parts: list[str] = []
    if naam is not None:
        voornaam = naam.findtext(f"{_B}Voornamen") or naam.findtext(f"{_B}Voorletters")
        parts = [p for p in (voornaam, naam.findtext(f"{_B}Geslachtsnaam/{_B}Voorvoegsel"),
                             naam.findtext(f"{_B}Geslachtsnaam/{_B}Achternaam")) if p]
    return Persoon(" ".join(parts) or None, _geboortedatum(client), _adres(client))


def _geboortedatum(client: etree._Element) -> str | None:
    return client.findtext(f"{tag(JW301, 'Geboortedatum')}/{_B}Datum")


def _geslachtsnaam(client: etree._Element) -> str | None:
    naam = client.find(f"{tag(JW301, 'Naam')}/{_B}Geslachtsnaam")
    if naam is None:
        return None
    text = " ".join(t for t in (naam.findtext(f"{_B}Voorvoegsel"), naam.findtext(f"{_B}Achternaam")) if t)
    return " ".join(text.split()).casefold()


def _adres(client: etree._Element) -> str | None:
    """The first address in the Contactgegevens, on one line ("Damrak 96 B-1, 1012LG Amsterdam")."""
    return ", ".join(adresregels(client)) or None


def adresregels(client: etree._Element) -> list[str]:
    """The first address in the Contactgegevens as the lines of a letter's address block
    (["Damrak 96 B-1", "1012LG Amsterdam"]); empty when there is none."""
    adres = client.find(f"{tag(JW301, 'Contactgegevens')}/{tag(JW301, 'Contact')}/{tag(JW301, 'Adres')}")
    if adres is None:
        return []
    huis = " ".join(t for t in (adres.findtext(f"{_B}Huis/{_B}Huisnummer"), adres.findtext(f"{_B}Huis/{_B}Huisletter"))
                    if t)
    toevoeging = adres.findtext(f"{_B}Huis/{_B}HuisnummerToevoeging")
    straat = " ".join(t for t in (adres.findtext(f"{_B}Straatnaam"), huis + (f"-{toevoeging}" if toevoeging else ""))
                      if t)
    plaats = " ".join(t for t in (adres.findtext(f"{_B}Postcode"), adres.findtext(f"{_B}Plaatsnaam")) if t)
    return [t for t in (straat, plaats) if t]


def naam(client: etree._Element) -> str | None:
    """The client's name as the back office lists it and the search finds it: `persoon`'s,
    whitespace collapsed ("Zoë van der Meer")."""
    found = persoon(client).naam
    return " ".join(found.split()) if found else None


def zoektekst(text: str) -> str:
    """A name as the client search compares it, on SQLite and PostgreSQL alike: without
    accents, case folded, spaces collapsed ("Zoë  van der Meer" -> "zoe van der meer"). Done
    here, not in SQL: neither database folds accents by itself, and SQLite's LIKE folds
    ASCII only."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return re.sub(r"\s+", " ", plain).strip()


def to_bytes(client: etree._Element) -> bytes:
    return etree.tostring(client)


def from_bytes(data: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True)
    return etree.fromstring(data, parser)


def _contact(parent: etree._Element, contact: Contact) -> None:
    element = sub(parent, JW301, "Contact")
    sub(element, JW301, "Soort", contact.soort)
    if any((contact.huisnummer, contact.postcode, contact.straatnaam, contact.plaatsnaam)):
        adres = sub(element, JW301, "Adres")
        if contact.huisnummer is not None:
            huis = basis(adres, "Huis")
            basis(huis, "Huisnummer", str(contact.huisnummer))
            if contact.huisletter:
                basis(huis, "Huisletter", contact.huisletter)
            if contact.huisnummertoevoeging:
                basis(huis, "HuisnummerToevoeging", contact.huisnummertoevoeging)
        for name, value in (("Postcode", contact.postcode), ("Straatnaam", contact.straatnaam),
                            ("Plaatsnaam", contact.plaatsnaam),
                            ("LandCode", contact.landcode or ("NL" if contact.postcode else None))):
            if value:
                basis(adres, name, value)
    if contact.telefoon:
        telefoon = basis(sub(element, JW301, "Telefoon"), "Telefoon01")
        basis(telefoon, "Telefoonnummer", contact.telefoon)
        basis(telefoon, "Landnummer", contact.landnummer)
    if contact.emailadres:
        sub(element, JW301, "Emailadres", contact.emailadres)

