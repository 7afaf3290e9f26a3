"""Level-2 rules on the client (BSN, birth date, name, addresses, contacts) and the in-message
rules iJw defines per message type that also touch other classes: TR134 (not after the
Dagtekening), CS003 (end not before start) and TR101 (no duplicate classes).

Where the rule text leaves room, the rules follow the official iJw 3.2 rule XSLT
("TR-CD-CS regels JW 3.2.xsl", XsltVersie 2.10.5), because that is what the other side of
every exchange runs; the few places where that matters are noted at the rule. Dates are read
as the XSLT reads their raw text (`gateway.rules.xpath_values`): the XSD collapses the white
space around an xs:date, the XSLT does not, and some checks then reject a schema-valid date
(facts ijw-facts-declaratie-en-retours.md §5).

JW301's client rules also apply to the AGJ's client (design.md §4). Retours: the XSLT has
no templates for the retour namespaces; only its few namespace-agnostic templates reach an
echoed body (facts §3.2), so a retour gets only those rules, on whatever its echo holds.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from lxml import etree

from gateway.rules.engine import Failures, RuleContext, rule
from gateway.rules.xpath_values import date_number, last_characters, on_or_before, upper_bound
from gateway.xml.view import ParsedMessage

# Heen messages with a Client/Bsn.
BSN_MESSAGES = ("JW301", "JW305", "JW307", "JW315", "JW317", "AGJ")
# Heen messages whose client has a Geboortedatum (JW317 carries only the Bsn).
PERSON_MESSAGES = ("JW301", "JW305", "JW307", "JW315", "AGJ")
# Heen messages with JW301's full client: CDT_VolledigeNaam, Communicatie, Relaties,
# Contactgegevens.
FULL_CLIENT_MESSAGES = ("JW301", "AGJ")

# Retours echoing a client, by what their Client holds (facts §3.2). Observed on the JW302
# echo: CS002, CS139, TR002, CS050, CD007 and the address rules CD005, CD025, CS089 (and no
# other JW301 rule); on the JW316 echo: CS002 and TR002. Inferred there: CS139 on JW316, the
# same three on the JW306/JW308 echoes (their Client is JW305's/JW307's: Bsn, Geboortedatum,
# a CDT_VerkorteNaam without NaamGebruik), CS002 only on JW318 (its Client has only the Bsn).
# The facts say nothing of our AGR. It is built from the AGJ as the JW316 is from the JW315,
# and the XSLT's templates that reach an echo match elements, not messages: so (inferred) the
# AGR's Client, which has JW301's children, gets what the JW302 echo gets, and its
# AangevraagdProducts get what the JW316's get (no rule). A JW320 echoes no client and gets
# no rule at all.
FULL_CLIENT_ECHOES = ("JW302", "AGR")
PERSON_ECHOES = ("JW302", "JW306", "JW308", "JW316", "AGR")
BSN_ECHOES = (*PERSON_ECHOES, "JW318")

_RELATIE = "m:Client/m:Relaties/m:Relatie"
_CONTACTGEGEVENS_CONTACT = "m:Client/m:Contactgegevens/m:Contact"
_CLIENT_GEBOORTEDATUM = "m:Client/m:Geboortedatum"
_RELATIE_GEBOORTEDATUM = f"{_RELATIE}/m:Geboortedatum"
_GEBOORTEDATA = (_CLIENT_GEBOORTEDATUM, _RELATIE_GEBOORTEDATUM)
_NAMEN = ("m:Client/m:Naam", f"{_RELATIE}/m:Naam")
_CONTACTEN = (_CONTACTGEGEVENS_CONTACT, f"{_RELATIE}/m:Contact")
_ADRESSEN = tuple(f"{contact}/m:Adres" for contact in _CONTACTEN)

# COD170 DatumGebruik 3 (geheel onbekend) is sent as this date.
ONBEKENDE_DATUM = "1900-01-01"
# 120 years in the XSLT's reading of dates as numbers YYYYMMDD.
MAX_LEEFTIJD = 120 * 10000

# CS050 (COD700 NaamGebruik): 1-4 combine own and partner's name, 6 is a non-natural person.
_NAAMGEBRUIK_MET_PARTNER = frozenset({"1", "2", "3", "4"})
_NAAMGEBRUIK_ZONDER_PARTNER = frozenset({"1", "6"})

# CS089: the XSLT checks the pattern "1000ZZ", where 1 is a digit 1-9, 0 any digit and Z a
# letter of either case; so "1012lg" passes, "1012 LG" and "0123AB" do not.
_NL_POSTCODE = re.compile(r"[1-9][0-9]{3}[A-Za-z]{2}")

# Guards compare dates as numbers YYYYMMDD (XPath 1.0 has no dates). Where the Dagtekening
# is an upper bound, the XSLT cuts it to 10 characters first (see RuleContext.guard_variables).
_DAGTEKENING_BOUND = "$dagtekening_bound"

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

# CS003: (class, start, end) — in every such class the end date is not before the start.
_TOEGEWEZEN = ("m:Client/m:ToegewezenProducten/m:ToegewezenProduct", "m:Ingangsdatum",
               "m:Einddatum")
_AANGEVRAAGD = ("m:Client/m:AangevraagdeProducten/m:AangevraagdProduct",
                "m:ToewijzingIngangsdatum", "m:ToewijzingEinddatum")
_CONTACT_PERIODES = tuple((f"{contact}/m:Periode", "b:Begindatum", "b:Einddatum")
                          for contact in _CONTACTEN)
_EINDE_NA_BEGIN: dict[str, tuple[tuple[str, str, str], ...]] = {
    "JW301": (_TOEGEWEZEN, *_CONTACT_PERIODES),
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
    # The XSLT keys JW319's Antwoord by ReferentieAanbieder + VerzoekAntwoord, but there is
    # only one Antwoord (1..1), so TR101 can never fail on a JW319.
    "JW319": (("m:Antwoord", ("m:ReferentieAanbieder", "m:VerzoekAntwoord")),),
    "AGJ": (_RELATIE_SLEUTEL, _CONTACT_SLEUTEL, _AANGEVRAAGD_SLEUTEL),
}


def _all(msg: ParsedMessage, paths: Iterable[str]) -> Iterator[etree._Element]:
    for path in paths:
        yield from msg.findall(path)


def _geboortedata(msg: ParsedMessage) -> Iterator[tuple[etree._Element, str | None]]:
    """(Datum element, DatumGebruik) of every Geboortedatum of client and relaties."""
    for geboortedatum in _all(msg, _GEBOORTEDATA):
        datum = msg.find("b:Datum", geboortedatum)
        if datum is not None:
            yield datum, msg.text("b:DatumGebruik", geboortedatum)


@rule("CS002", level=2, messages=BSN_MESSAGES + BSN_ECHOES)
def cs002(ctx: RuleContext) -> Failures:
    """Client/Bsn passes the 11-proef."""
    element = ctx.msg.find("m:Client/m:Bsn")
    if element is not None and not _valid_bsn(element.text or ""):
        yield element


_BSN_GEWICHTEN = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def _valid_bsn(value: str) -> bool:
    """The 11-proef as the standard defines it (facts C.1, CS002): weights 9..2 on the first
    eight digits and -1 on the last, the sum divisible by 11. So 000000000 passes (sum 0),
    as it does in the official XSLT; BSN libraries refuse it (they want a number above 0),
    which is why the proef is written out here."""
    if len(value) != 9 or not value.isdigit():
        return False  # the XSD's pattern [0-9]{9} already refuses this
    total = sum(int(digit) * weight for digit, weight in zip(value, _BSN_GEWICHTEN, strict=True))
    return total % 11 == 0


@rule("CS139", level=2, messages=PERSON_MESSAGES + PERSON_ECHOES,
      guard=f"boolean(({' | '.join(_GEBOORTEDATA)})/b:DatumGebruik)")
def cs139(ctx: RuleContext) -> Failures:
    """Geboortedatum agrees with DatumGebruik: 1 day 01, 2 on 01-01, 3 exactly 1900-01-01."""
    # As the XSLT, on the raw text: the day (and month) are read from its end, so trailing
    # white space fails DatumGebruik 1 and 2, leading white space does not; 1900-01-01 is
    # compared as a string, so white space on either side fails DatumGebruik 3 (facts §5).
    # The facts show only 4-digit years; "from the end" is our reading of lead passing and
    # trail failing, and also decides years of other lengths.
    for datum, gebruik in _geboortedata(ctx.msg):
        text = datum.text
        if ((gebruik == "1" and last_characters(text, 2) != "01")
                or (gebruik == "2" and last_characters(text, 5) != "01-01")
                or (gebruik == "3" and text != ONBEKENDE_DATUM)):
            yield datum


def _onbekend(datum: etree._Element, gebruik: str | None) -> bool:
    """DatumGebruik 3 with exactly the text 1900-01-01: the only birth date TR002 skips."""
    return gebruik == "3" and datum.text == ONBEKENDE_DATUM


@rule("TR002", level=2, messages=PERSON_MESSAGES + PERSON_ECHOES, guard=(
    f"boolean(({' | '.join(_GEBOORTEDATA)})/b:Datum"
    f"[number(translate(., '-', '')) + {MAX_LEEFTIJD} < {_DAGTEKENING_BOUND}])"))
def tr002(ctx: RuleContext) -> Failures:
    """Geboortedatum is at most 120 years before the Dagtekening, unless unknown."""
    # As the XSLT: birth date + 120 years < Dagtekening as numbers YYYYMMDD, so exactly 120
    # years passes. The Dagtekening is the upper bound, cut to 10 characters: with leading
    # white space it shrinks to seven digits and TR002 can no longer fail (facts §5). A
    # 1900-01-01 with white space around it is no longer "unknown" and fails.
    limit = upper_bound(ctx.dagtekening_text)
    for datum, gebruik in _geboortedata(ctx.msg):
        if not _onbekend(datum, gebruik) and date_number(datum.text) + MAX_LEEFTIJD < limit:
            yield datum


@rule("TR134", level=2, messages=tuple(_NIET_NA_DAGTEKENING), guard={
    message: f"boolean(({' | '.join(paths)})"
             f"[not(number(translate(., '-', '')) <= {_DAGTEKENING_BOUND})])"
    for message, paths in _NIET_NA_DAGTEKENING.items()})
def tr134(ctx: RuleContext) -> Failures:
    """Geboortedatum and the message's event dates are not after the Dagtekening."""
    # As the XSLT: the Dagtekening is the upper bound, cut to 10 characters, so leading white
    # space on it fails every date checked here; white space on the dates themselves is
    # harmless (facts §5).
    dagtekening = ctx.dagtekening_text
    for element in _all(ctx.msg, _NIET_NA_DAGTEKENING[ctx.msg.type.name]):
        if not on_or_before(element.text, dagtekening):
            yield element


@rule("CS318", level=2, messages=FULL_CLIENT_MESSAGES)
def cs318(ctx: RuleContext) -> Failures:
    """The client's NaamGebruik is not 6 (niet-natuurlijk persoon)."""
    element = ctx.msg.find("m:Client/m:Naam/b:NaamGebruik")
    if element is not None and element.text == "6":
        yield element


@rule("CS050", level=2, messages=FULL_CLIENT_MESSAGES + FULL_CLIENT_ECHOES)
def cs050(ctx: RuleContext) -> Failures:
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


@rule("CD007", level=2, messages=FULL_CLIENT_MESSAGES + FULL_CLIENT_ECHOES)
def cd007(ctx: RuleContext) -> Failures:
    """Communicatie/Taal is given exactly when Communicatie/Vorm is 1 (tolk taal)."""
    msg = ctx.msg
    communicatie = msg.find("m:Client/m:Communicatie")
    if communicatie is None:
        return
    taal = msg.find("b:Taal", communicatie)
    if (taal is not None) != (msg.text("b:Vorm", communicatie) == "1"):
        # Without a Taal the Vorm is 1 here, so it is there.
        yield taal if taal is not None else msg.required("b:Vorm", communicatie)


@rule("CD005", level=2, messages=FULL_CLIENT_MESSAGES + FULL_CLIENT_ECHOES)
def cd005(ctx: RuleContext) -> Failures:
    """An Adres has a LandCode exactly when it has a Postcode."""
    msg = ctx.msg
    for adres in _all(msg, _ADRESSEN):
        postcode = msg.find("b:Postcode", adres)
        landcode = msg.find("b:LandCode", adres)
        if postcode is not None and landcode is None:
            yield postcode
        elif postcode is None and landcode is not None:
            yield landcode


@rule("CD025", level=2, messages=FULL_CLIENT_MESSAGES + FULL_CLIENT_ECHOES)
def cd025(ctx: RuleContext) -> Failures:
    """An Adres with LandCode NL has a Huis (Huisnummer)."""
    msg = ctx.msg
    for adres in _all(msg, _ADRESSEN):
        landcode = msg.find("b:LandCode", adres)
        if (landcode is not None and landcode.text == "NL"
                and msg.find("b:Huis/b:Huisnummer", adres) is None):
            yield landcode


@rule("CD034", level=2, messages=FULL_CLIENT_MESSAGES)
def cd034(ctx: RuleContext) -> Failures:
    """A Contact of Soort 01 (BRP-adres) or 03 (verblijfadres) has an Adres/Postcode."""
    msg = ctx.msg
    for contact in _all(msg, _CONTACTEN):
        if (msg.text("m:Soort", contact) in ("01", "03")
                and msg.find("m:Adres/b:Postcode", contact) is None):
            yield contact


@rule("CS089", level=2, messages=FULL_CLIENT_MESSAGES + FULL_CLIENT_ECHOES)
def cs089(ctx: RuleContext) -> Failures:
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
def cd009(ctx: RuleContext) -> Failures:
    """A Contact has a Periode only when its Soort is 04 (tijdelijk verblijfadres)."""
    msg = ctx.msg
    for contact in _all(msg, _CONTACTEN):
        periode = msg.find("m:Periode", contact)
        if periode is not None and msg.text("m:Soort", contact) != "04":
            yield periode


@rule("TR006", level=2, messages=FULL_CLIENT_MESSAGES)
def tr006(ctx: RuleContext) -> Failures:
    """Every Contact has a Telefoon and/or an Adres with both Huis and Postcode."""
    msg = ctx.msg
    for contact in _all(msg, _CONTACTEN):
        if msg.find("m:Telefoon", contact) is not None:
            continue
        if (msg.find("m:Adres/b:Huis", contact) is None
                or msg.find("m:Adres/b:Postcode", contact) is None):
            yield contact


@rule("TR061", level=2, messages=FULL_CLIENT_MESSAGES)
def tr061(ctx: RuleContext) -> Failures:
    """The client has at least one Contactgegevens/Contact of Soort 01, 02 or 03."""
    msg = ctx.msg
    contacten = msg.findall(_CONTACTGEGEVENS_CONTACT)
    if contacten and not any(msg.text("m:Soort", c) in ("01", "02", "03") for c in contacten):
        yield from contacten


@rule("CS003", level=2, messages=tuple(_EINDE_NA_BEGIN))
def cs003(ctx: RuleContext) -> Failures:
    """An Einddatum is not before the start (Ingangsdatum, Begindatum) of its period."""
    # As the XSLT: the Einddatum is the upper bound, cut to 10 characters, so leading white
    # space on it fails; white space on the start date does not (facts §5). A
    # Contact/Periode with an Einddatum but no Begindatum fails as well.
    msg = ctx.msg
    for klasse, begin_path, eind_path in _EINDE_NA_BEGIN[msg.type.name]:
        for element in msg.findall(klasse):
            eind = msg.find(eind_path, element)
            if eind is not None and not on_or_before(msg.text(begin_path, element), eind.text):
                yield eind


def _tr101_guard(klassen: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
    # With two or more classes: one shares its first key element with a later sibling or
    # lacks it; only then can two keys be equal.
    parts = [f"({k}[2] and ({k}[{f} = following-sibling::*/{f}] or {k}[not({f})]))"
             for k, (f, *_) in klassen]
    return "boolean(" + " or ".join(parts) + ")"


@rule("TR101", level=2, messages=tuple(_SLEUTELS),
      guard={message: _tr101_guard(klassen) for message, klassen in _SLEUTELS.items()})
def tr101(ctx: RuleContext) -> Failures:
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
