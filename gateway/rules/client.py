"""Level-2 rules on the client (BSN, birth date, name, addresses, contacts) and the in-message
rules iJw defines per message type that also touch other classes: TR134 (not after the
Dagtekening), CS003 (end not before start) and TR101 (no duplicate classes).

Where the rule text leaves room, the rules follow the official iJw 3.2 rule XSLT
("TR-CD-CS regels JW 3.2.xsl", XsltVersie 2.10.5), because that is what the other side of
every exchange runs; the few places where that matters are noted at the rule.

JW301's client rules also apply to the AGJ's client (design.md §4) and to the client a JW302
echoes (the JW301's own client, received back from the provider).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date

from lxml import etree
from stdnum.nl import bsn

from gateway.rules.engine import RuleContext, date_number, rule
from gateway.xml.view import ParsedMessage, to_date

# Messages with a Client/Bsn.
BSN_MESSAGES = ("JW301", "JW302", "JW305", "JW307", "JW315", "JW317", "AGJ")
# Messages whose client has a Geboortedatum (JW317 carries only the Bsn).
PERSON_MESSAGES = ("JW301", "JW302", "JW305", "JW307", "JW315", "AGJ")
# Messages with JW301's full client: CDT_VolledigeNaam, Communicatie, Relaties, Contactgegevens.
FULL_CLIENT_MESSAGES = ("JW301", "JW302", "AGJ")

_RELATIE = "m:Client/m:Relaties/m:Relatie"
_CONTACTGEGEVENS_CONTACT = "m:Client/m:Contactgegevens/m:Contact"
_CLIENT_GEBOORTEDATUM = "m:Client/m:Geboortedatum"
_RELATIE_GEBOORTEDATUM = f"{_RELATIE}/m:Geboortedatum"
_GEBOORTEDATA = (_CLIENT_GEBOORTEDATUM, _RELATIE_GEBOORTEDATUM)
_NAMEN = ("m:Client/m:Naam", f"{_RELATIE}/m:Naam")
_CONTACTEN = (_CONTACTGEGEVENS_CONTACT, f"{_RELATIE}/m:Contact")
_ADRESSEN = tuple(f"{contact}/m:Adres" for contact in _CONTACTEN)

# COD170 DatumGebruik 3 (geheel onbekend) is sent as this date.
ONBEKENDE_DATUM = date(1900, 1, 1)
MAX_LEEFTIJD_JAREN = 120

# CS050 (COD700 NaamGebruik): 1-4 combine own and partner's name, 6 is a non-natural person.
_NAAMGEBRUIK_MET_PARTNER = frozenset({"1", "2", "3", "4"})
_NAAMGEBRUIK_ZONDER_PARTNER = frozenset({"1", "6"})

# CS089: the XSLT checks the pattern "1000ZZ", where 1 is a digit 1-9, 0 any digit and Z a
# letter of either case; so "1012lg" passes, "1012 LG" and "0123AB" do not.
_NL_POSTCODE = re.compile(r"[1-9][0-9]{3}[A-Za-z]{2}")

# Guards compare dates as numbers YYYYMMDD (XPath 1.0 has no dates).
_DAGTEKENING = "$dagtekening"

# TR134: the dates that may not lie after the message's Dagtekening, per message.
_NIET_NA_DAGTEKENING: dict[str, tuple[str, ...]] = {
    "JW301": (f"{_CLIENT_GEBOORTEDATUM}/b:Datum", f"{_RELATIE_GEBOORTEDATUM}/b:Datum",
              "m:Client/m:ToegewezenProducten/m:ToegewezenProduct/m:Toewijzingsdatum"),
    "JW305": (f"{_CLIENT_GEBOORTEDATUM}/b:Datum",
              "m:Client/m:StartProducten/m:StartProduct/m:Begindatum"),
    "JW307": (f"{_CLIENT_GEBOORTEDATUM}/b:Datum",
              "m:Client/m:StopProducten/m:StopProduct/m:Einddatum"),
    "JW315": (f"{_CLIENT_GEBOORTEDATUM}/b:Datum",),
    "AGJ": (f"{_CLIENT_GEBOORTEDATUM}/b:Datum", f"{_RELATIE_GEBOORTEDATUM}/b:Datum"),
}
# A JW302 echoes the JW301's client, so JW301's client rules apply to it.
_NIET_NA_DAGTEKENING["JW302"] = _NIET_NA_DAGTEKENING["JW301"]

# CS003: (class, start, end) — in every such class the end date is not before the start.
_TOEGEWEZEN = ("m:Client/m:ToegewezenProducten/m:ToegewezenProduct", "m:Ingangsdatum",
               "m:Einddatum")
_AANGEVRAAGD = ("m:Client/m:AangevraagdeProducten/m:AangevraagdProduct",
                "m:ToewijzingIngangsdatum", "m:ToewijzingEinddatum")
_CONTACT_PERIODES = tuple((f"{contact}/m:Periode", "b:Begindatum", "b:Einddatum")
                          for contact in _CONTACTEN)
_EINDE_NA_BEGIN: dict[str, tuple[tuple[str, str, str], ...]] = {
    "JW301": (_TOEGEWEZEN, *_CONTACT_PERIODES),
    "JW302": (_TOEGEWEZEN, *_CONTACT_PERIODES),
    "JW315": (_AANGEVRAAGD,),
    "JW317": (("m:Client/m:Verzoek/m:TeWijzigenProducten/m:TeWijzigenProduct",
               "m:GewensteIngangsdatum", "m:Einddatum"),
              ("m:Client/m:Verzoek/m:NieuweProducten/m:NieuwProduct",
               "m:GewensteIngangsdatum", "m:Einddatum")),
    "AGJ": (_AANGEVRAAGD, *_CONTACT_PERIODES),
}

# TR101: the repeating classes (maxOccurs n) per message with their logical key. iJw's
# "dubbele regels" are classes with the same key, not only byte-identical ones: the XSLT
# compares the key elements (an absent element counts as a value of its own), so two
# BRP-addresses (Contact Soort 01) or a delete and a re-send of one StartProduct (same key,
# IV008) in one message are duplicates too. Identical classes always share their key.
_PRODUCT = ("m:Product/b:Categorie", "m:Product/b:Code")
_RELATIE_SLEUTEL = (_RELATIE, ("m:Nummer",))
_CONTACT_SLEUTEL = (_CONTACTGEGEVENS_CONTACT, ("m:Soort",))
_AANGEVRAAGD_SLEUTEL = ("m:Client/m:AangevraagdeProducten/m:AangevraagdProduct",
                        ("m:ReferentieAanbieder",))
_SLEUTELS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "JW301": (_RELATIE_SLEUTEL, _CONTACT_SLEUTEL,
              ("m:Client/m:ToegewezenProducten/m:ToegewezenProduct", ("m:ToewijzingNummer",))),
    "JW305": (("m:Client/m:StartProducten/m:StartProduct",
               ("m:ToewijzingNummer", *_PRODUCT, "m:Begindatum")),),
    "JW307": (("m:Client/m:StopProducten/m:StopProduct",
               ("m:ToewijzingNummer", *_PRODUCT, "m:Begindatum", "m:RedenBeeindiging",
                "m:Einddatum")),),
    "JW315": (_AANGEVRAAGD_SLEUTEL,),
    "JW317": (("m:Client/m:Verzoek/m:OngewijzigdeProducten/m:OngewijzigdProduct",
               ("m:ToewijzingNummer",)),
              ("m:Client/m:Verzoek/m:TeWijzigenProducten/m:TeWijzigenProduct",
               ("m:ToewijzingNummer",)),
              ("m:Client/m:Verzoek/m:NieuweProducten/m:NieuwProduct",
               (*_PRODUCT, "m:GewensteIngangsdatum"))),
    # JW319 has no repeating class (Antwoord 1..1, Woonplaatsbeginsel 0..1); listed so the
    # rule covers every heen-bericht.
    "JW319": (("m:Antwoord/m:Woonplaatsbeginsel", ("m:Gemeente",)),),
    "AGJ": (_RELATIE_SLEUTEL, _CONTACT_SLEUTEL, _AANGEVRAAGD_SLEUTEL),
}
_SLEUTELS["JW302"] = _SLEUTELS["JW301"]


def _all(msg: ParsedMessage, paths: Iterable[str]) -> Iterator[etree._Element]:
    for path in paths:
        yield from msg.findall(path)


def _geboortedata(msg: ParsedMessage) -> Iterator[tuple[etree._Element, date | None, str | None]]:
    """(Datum element, its date, DatumGebruik) of every Geboortedatum of client and relaties."""
    for geboortedatum in _all(msg, _GEBOORTEDATA):
        datum = msg.find("b:Datum", geboortedatum)
        if datum is not None:
            yield datum, to_date(datum.text), msg.text("b:DatumGebruik", geboortedatum)


@rule("CS002", level=2, messages=BSN_MESSAGES)
def cs002(ctx: RuleContext):
    """Client/Bsn passes the 11-proef."""
    # python-stdnum also rejects 000000000 (it requires a number above 0). The official
    # XSLT's 11-proef lets it through (weighted sum 0 is divisible by 11); we reject it on
    # purpose, as it is no BSN of anyone.
    # The XSD has already made the value exactly nine digits, so the library's checksum is
    # all that is left of bsn.is_valid (which also re-cleans and re-checks the format, at
    # three times the cost on every message).
    element = ctx.msg.find("m:Client/m:Bsn")
    if element is not None and not _valid_bsn(element.text or ""):
        yield element


def _valid_bsn(value: str) -> bool:
    if len(value) != 9 or not value.isdigit():
        return bsn.is_valid(value)
    return value != "000000000" and bsn.checksum(value) == 0


@rule("CS139", level=2, messages=PERSON_MESSAGES,
      guard=f"boolean(({' | '.join(_GEBOORTEDATA)})/b:DatumGebruik)")
def cs139(ctx: RuleContext):
    """Geboortedatum agrees with DatumGebruik: 1 day 01, 2 on 01-01, 3 exactly 1900-01-01."""
    for datum, value, gebruik in _geboortedata(ctx.msg):
        if value is None or gebruik is None:
            continue
        if (gebruik == "1" and value.day != 1
                or gebruik == "2" and (value.month, value.day) != (1, 1)
                or gebruik == "3" and value != ONBEKENDE_DATUM):
            yield datum


# Guard: a birth date at least 119 years (1 190 000 in YYYYMMDD) before the Dagtekening.
@rule("TR002", level=2, messages=PERSON_MESSAGES, guard=(
    f"boolean(({' | '.join(_GEBOORTEDATA)})/b:Datum[number(translate(., '-', '')) < {_DAGTEKENING} - 1190000])"))
def tr002(ctx: RuleContext):
    """Geboortedatum is at most 120 years before the Dagtekening, unless unknown."""
    # As the XSLT: "unknown" is DatumGebruik 3 with 1900-01-01; exactly 120 years passes.
    dagtekening = ctx.msg.dagtekening
    if dagtekening is None:
        return
    limit = (dagtekening.year, dagtekening.month, dagtekening.day)
    for datum, value, gebruik in _geboortedata(ctx.msg):
        if value is None:
            # A year Python's date cannot hold (e.g. -0001): compare as YYYYMMDD, as the XSLT.
            number = date_number(datum.text)
            if number is not None and number + MAX_LEEFTIJD_JAREN * 10000 < date_number(dagtekening.isoformat()):
                yield datum
            continue
        if gebruik == "3" and value == ONBEKENDE_DATUM:
            continue
        if (value.year + MAX_LEEFTIJD_JAREN, value.month, value.day) < limit:
            yield datum


# Guard: one of the message's TR134 dates after the Dagtekening (compared as YYYYMMDD).
@rule("TR134", level=2, messages=tuple(_NIET_NA_DAGTEKENING), guard={
    message: f"boolean(({' | '.join(paths)})[number(translate(., '-', '')) > {_DAGTEKENING}])"
    for message, paths in _NIET_NA_DAGTEKENING.items()})
def tr134(ctx: RuleContext):
    """Geboortedatum and the message's event dates are not after the Dagtekening."""
    dagtekening = ctx.msg.dagtekening
    if dagtekening is None:
        return
    limit = date_number(ctx.msg.text("m:Header/m:BerichtIdentificatie/b:Dagtekening"))
    for element in _all(ctx.msg, _NIET_NA_DAGTEKENING[ctx.msg.type.name]):
        value = to_date(element.text)
        if value is not None and value > dagtekening:
            yield element
        elif value is None and (number := date_number(element.text)) is not None and number > limit:
            yield element  # a year Python's date cannot hold: compare as YYYYMMDD, as the XSLT


@rule("CS318", level=2, messages=FULL_CLIENT_MESSAGES)
def cs318(ctx: RuleContext):
    """The client's NaamGebruik is not 6 (niet-natuurlijk persoon)."""
    element = ctx.msg.find("m:Client/m:Naam/b:NaamGebruik")
    if element is not None and element.text == "6":
        yield element


@rule("CS050", level=2, messages=FULL_CLIENT_MESSAGES)
def cs050(ctx: RuleContext):
    """NaamGebruik is 1-4 when a Partnernaam is given, else 1 or 6 (client and relaties)."""
    msg = ctx.msg
    for naam in _all(msg, _NAMEN):
        gebruik = msg.find("b:NaamGebruik", naam)
        if gebruik is None:
            continue
        allowed = (_NAAMGEBRUIK_MET_PARTNER if msg.find("b:Partnernaam", naam) is not None
                   else _NAAMGEBRUIK_ZONDER_PARTNER)
        if gebruik.text not in allowed:
            yield gebruik


@rule("CD007", level=2, messages=FULL_CLIENT_MESSAGES)
def cd007(ctx: RuleContext):
    """Communicatie/Taal is given exactly when Communicatie/Vorm is 1 (tolk taal)."""
    msg = ctx.msg
    communicatie = msg.find("m:Client/m:Communicatie")
    if communicatie is None:
        return
    taal = msg.find("b:Taal", communicatie)
    if (taal is not None) != (msg.text("b:Vorm", communicatie) == "1"):
        yield taal if taal is not None else msg.find("b:Vorm", communicatie)


@rule("CD005", level=2, messages=FULL_CLIENT_MESSAGES)
def cd005(ctx: RuleContext):
    """An Adres has a LandCode exactly when it has a Postcode."""
    msg = ctx.msg
    for adres in _all(msg, _ADRESSEN):
        postcode = msg.find("b:Postcode", adres)
        landcode = msg.find("b:LandCode", adres)
        if (postcode is None) != (landcode is None):
            yield postcode if postcode is not None else landcode


@rule("CD025", level=2, messages=FULL_CLIENT_MESSAGES)
def cd025(ctx: RuleContext):
    """An Adres with LandCode NL has a Huis (Huisnummer)."""
    msg = ctx.msg
    for adres in _all(msg, _ADRESSEN):
        landcode = msg.find("b:LandCode", adres)
        if (landcode is not None and landcode.text == "NL"
                and msg.find("b:Huis/b:Huisnummer", adres) is None):
            yield landcode


@rule("CD034", level=2, messages=FULL_CLIENT_MESSAGES)
def cd034(ctx: RuleContext):
    """A Contact of Soort 01 (BRP-adres) or 03 (verblijfadres) has an Adres/Postcode."""
    msg = ctx.msg
    for contact in _all(msg, _CONTACTEN):
        if (msg.text("m:Soort", contact) in ("01", "03")
                and msg.find("m:Adres/b:Postcode", contact) is None):
            yield contact


@rule("CS089", level=2, messages=FULL_CLIENT_MESSAGES)
def cs089(ctx: RuleContext):
    """With LandCode NL the Postcode has the Dutch form 1234AB (first digit 1-9, no space)."""
    msg = ctx.msg
    for adres in _all(msg, _ADRESSEN):
        landcode = msg.find("b:LandCode", adres)
        if landcode is None or landcode.text != "NL":
            continue
        postcode = msg.find("b:Postcode", adres)
        if postcode is None:
            yield landcode  # as the XSLT: a missing postcode does not match the form either
        elif not _NL_POSTCODE.fullmatch(postcode.text or ""):
            yield postcode


@rule("CD009", level=2, messages=FULL_CLIENT_MESSAGES)
def cd009(ctx: RuleContext):
    """A Contact has a Periode only when its Soort is 04 (tijdelijk verblijfadres)."""
    msg = ctx.msg
    for contact in _all(msg, _CONTACTEN):
        periode = msg.find("m:Periode", contact)
        if periode is not None and msg.text("m:Soort", contact) != "04":
            yield periode


@rule("TR006", level=2, messages=FULL_CLIENT_MESSAGES)
def tr006(ctx: RuleContext):
    """Every Contact has a Telefoon and/or an Adres with both Huis and Postcode."""
    msg = ctx.msg
    for contact in _all(msg, _CONTACTEN):
        if msg.find("m:Telefoon", contact) is not None:
            continue
        if (msg.find("m:Adres/b:Huis", contact) is None
                or msg.find("m:Adres/b:Postcode", contact) is None):
            yield contact


@rule("TR061", level=2, messages=FULL_CLIENT_MESSAGES)
def tr061(ctx: RuleContext):
    """The client has at least one Contactgegevens/Contact of Soort 01, 02 or 03."""
    msg = ctx.msg
    contacten = msg.findall(_CONTACTGEGEVENS_CONTACT)
    if contacten and not any(msg.text("m:Soort", c) in ("01", "02", "03") for c in contacten):
        yield from contacten


@rule("CS003", level=2, messages=tuple(_EINDE_NA_BEGIN))
def cs003(ctx: RuleContext):
    """An Einddatum is not before the start (Ingangsdatum, Begindatum) of its period."""
    # As the XSLT, a Contact/Periode with an Einddatum but no Begindatum fails as well.
    msg = ctx.msg
    for klasse, begin_path, eind_path in _EINDE_NA_BEGIN[msg.type.name]:
        for element in msg.findall(klasse):
            eind = msg.find(eind_path, element)
            if eind is None:
                continue
            begin = msg.find(begin_path, element)
            if begin is None:
                yield eind
                continue
            start, einde = to_date(begin.text), to_date(eind.text)
            if start is not None and einde is not None and einde < start:
                yield eind


def _tr101_guard(klassen: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
    # With two or more classes: one shares its first key element with a later sibling or
    # lacks it; only then can two keys be equal.
    parts = [f"({k}[2] and ({k}[{f} = following-sibling::*/{f}] or {k}[not({f})]))"
             for k, (f, *_) in klassen]
    return "boolean(" + " or ".join(parts) + ")"


@rule("TR101", level=2, messages=tuple(_SLEUTELS),
      guard={message: _tr101_guard(klassen) for message, klassen in _SLEUTELS.items()})
def tr101(ctx: RuleContext):
    """No two classes of one kind with the same logical key (duplicates) in one message."""
    msg = ctx.msg
    for klasse, sleutel in _SLEUTELS[msg.type.name]:
        elements = msg.findall(klasse)
        if len(elements) < 2:
            continue
        # Keys that differ in their first element differ: only a clash there needs the
        # whole key (keeps the common, valid message cheap).
        first = [msg.text(sleutel[0], element) for element in elements]
        if len(set(first)) == len(first):
            continue
        seen: set[tuple[str | None, ...]] = set()
        for element in elements:
            # Raw text, as the official XSLT compares the key elements.
            key = tuple(msg.text(path, element) for path in sleutel)
            if key in seen:
                yield element
            else:
                seen.add(key)
