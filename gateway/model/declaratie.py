"""Declarations (JW323) and their answer (JW325): the prestaties judged against what was
assigned and what was declared before, and the verdict per client and prestatie. Pure: the
caller loads the state (`gateway.domain.financien.declaraties.DeclaratieLog`) and books the verdict.

One pass through the declaration (`beoordeel`) gives every level-3/4 code of every prestatie,
so the registered rules (`gateway.rules.declaratie`) and the booking cannot disagree.
The pass goes in document order: a prestatie approved earlier in the same message counts as
declared for the ones after it (TR322, TR323, TR369, TR389, TR390), exactly as if it had come
in an earlier declaration; for TR314 any earlier line of the message counts, approved or not.

Amounts are eurocent and signed in the totals: a credit (DebetCredit C) is negative.
"""
from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Protocol

from lxml import etree

from gateway.db.models import Toewijzing
from gateway.reference import ReferenceData
from gateway.xml.view import ParsedMessage, present

TOEGEKEND = "toegekend"
AFGEWEZEN = "afgewezen"
NIET_BEOORDEELD = "0233"  # a prestatie of a rejected client: not assessed on its own
EURO = "83"  # Eenheid in euro: TR346 does not apply
MINUUT, UUR = "01", "04"  # TR341: care assigned in hours may be declared in minutes
TBGT = "6"

CLIENT = "m:Declaratie/m:Clienten/m:Client"


# -- reading the message -------------------------------------------------------------------
@dataclass(frozen=True)
class Regel:
    """One JW323 Prestatie as plain values."""

    element: etree._Element
    bsn: str
    referentie: str
    vorige_referentie: str | None
    toewijzingnummer: int
    categorie: str
    code: str
    begindatum: date
    einddatum: date
    volume: int
    eenheid: str
    tarief: int | None
    bedrag: int  # unsigned, as in the message
    debet_credit: str

    @property
    def credit(self) -> bool:
        return self.debet_credit == "C"

    @property
    def signed_bedrag(self) -> int:
        return -self.bedrag if self.credit else self.bedrag

    @property
    def signed_volume(self) -> int:
        return -self.volume if self.credit else self.volume


def clients(msg: ParsedMessage) -> list[tuple[etree._Element, list[Regel]]]:
    """Every client with its prestaties. Read only after the level-2 rules passed: every
    field the schema demands is there, and every date is one Python can hold (CS100 and
    TR137 refuse the years before 2021 and after the Dagtekening)."""
    out: list[tuple[etree._Element, list[Regel]]] = []
    for client in msg.findall(CLIENT):
        bsn = msg.required_text("m:Bsn", client)
        out.append((client, [_regel(msg, bsn, p) for p in msg.findall("m:Prestaties/m:Prestatie", client)]))
    return out


def _regel(msg: ParsedMessage, bsn: str, p: etree._Element) -> Regel:
    tarief = msg.text("m:ProductTarief", p)
    return Regel(
        element=p, bsn=bsn,
        referentie=msg.required_text("m:ProductReferentie/b:ReferentieNummer", p),
        vorige_referentie=msg.text("m:ProductReferentie/b:VorigReferentieNummer", p),
        toewijzingnummer=int(msg.required_text("m:ToewijzingNummer", p)),
        categorie=msg.required_text("m:ProductCategorie", p), code=msg.required_text("m:ProductCode", p),
        begindatum=_datum(msg, "m:ProductPeriode/b:Begindatum", p),
        einddatum=_datum(msg, "m:ProductPeriode/b:Einddatum", p),
        volume=int(msg.required_text("m:GeleverdVolume", p)), eenheid=msg.required_text("m:Eenheid", p),
        tarief=int(tarief) if tarief is not None else None,
        bedrag=int(msg.required_text("m:IngediendBedrag/b:Bedrag", p)),
        debet_credit=msg.required_text("m:IngediendBedrag/b:DebetCredit", p))


def _datum(msg: ParsedMessage, path: str, p: etree._Element) -> date:
    day = msg.date(path, p)
    if day is None:
        raise LookupError(f"{path} of a prestatie that passed the level-2 rules is no date")
    return day


def totaal_ingediend(msg: ParsedMessage) -> int:
    amount = int(msg.required_text("m:Declaratie/m:TotaalIngediendBedrag/b:TotaalBedrag"))
    return -amount if msg.text("m:Declaratie/m:TotaalIngediendBedrag/b:DebetCredit") == "C" else amount


# -- what was assigned and declared before -------------------------------------------------
@dataclass(frozen=True)
class Geboekt:
    """An approved prestatie (earlier, or earlier in this message)."""

    referentie: str
    vorige_referentie: str | None
    toewijzingnummer: int
    categorie: str
    code: str
    begindatum: date
    einddatum: date
    signed_volume: int
    signed_bedrag: int
    credit: bool
    eenheid: str | None = None


@dataclass
class DeclaratieStand:
    nummer_gebruikt: bool
    toewijzingen: dict[int, Toewijzing]  # by ToewijzingNummer, this gemeente (any provider)
    bekende_bsns: set[str]  # clients with a toewijzing at this provider and gemeente
    geboekt: list[Geboekt] = field(default_factory=list)  # approved lines of this provider
    # Per ToewijzingNummer the periods care ran (current starts up to their first current
    # stop, inclusive; open-ended while not stopped): TR318 asks whether care was delivered.
    zorg: dict[int, list[tuple[date, date | None]]] = field(default_factory=dict)


# -- the verdict -----------------------------------------------------------------------------
@dataclass
class Beoordeling:
    """Level-3/4 codes per client element, per prestatie element and for the declaration."""

    declaratie: list[str]
    clients: dict[etree._Element, list[str]]
    prestaties: dict[etree._Element, list[str]]


def _maand(day: date) -> tuple[int, int]:
    return day.year, day.month


def _overgeslagen(laatste: tuple[int, int], deze: tuple[int, int]) -> list[tuple[int, int]]:
    """The calendar months strictly between the last declared month and this one."""
    found: list[tuple[int, int]] = []
    jaar, maand = laatste
    while True:
        jaar, maand = (jaar + 1, 1) if maand == 12 else (jaar, maand + 1)
        if (jaar, maand) >= deze:
            return found
        found.append((jaar, maand))


def _zorg_in(maand: tuple[int, int], zorg: list[tuple[date, date | None]]) -> bool:
    eerste = date(maand[0], maand[1], 1)
    laatste = _laatste_dag(eerste)
    return any(begin <= laatste and (eind is None or eind >= eerste) for begin, eind in zorg)


def _laatste_dag(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def toegestaan(t: Toewijzing, begin: date, eind: date) -> Fraction | None:
    """The toewijzing's Omvang over [begin, eind] (inclusive), in its Eenheid: per dag ×
    days; per week × days / 7; per maand × the covered fraction of each calendar month;
    TBGT the whole volume (it is the total for the toewijzing period). None without Omvang."""
    if t.volume is None or t.frequentie is None:
        return None
    days = (eind - begin).days + 1
    if t.frequentie == "1":
        return Fraction(t.volume * days)
    if t.frequentie == "2":
        return Fraction(t.volume * days, 7)
    if t.frequentie == "4":
        total, day = Fraction(0), begin
        while day <= eind:
            last = min(_laatste_dag(day), eind)
            in_month = calendar.monthrange(day.year, day.month)[1]
            total += Fraction(t.volume * ((last - day).days + 1), in_month)
            day = date.fromordinal(last.toordinal() + 1)
        return total
    return Fraction(t.volume)  # TBGT


def beoordeel(msg: ParsedMessage, stand: DeclaratieStand, reference: ReferenceData) -> Beoordeling:
    aanbieder = present(msg.afzender)
    result = Beoordeling([], {}, {})
    if stand.nummer_gebruikt:  # TR333: the whole declaration, nothing else assessed
        result.declaratie.append("9333")
        return result
    geboekt = list(stand.geboekt)
    # TR314 within the message: every ReferentieNummer met so far, whatever its verdict (also
    # under another client, also on a line that was rejected or not assessed).
    in_bericht: set[str] = set()
    for client, regels in clients(msg):
        bsn = msg.text("m:Bsn", client)
        if bsn not in stand.bekende_bsns:
            result.clients[client] = ["8187"]  # TR304: no client of this provider
            for r in regels:
                result.prestaties[r.element] = [NIET_BEOORDEELD]
                in_bericht.add(r.referentie)
            continue
        result.clients[client] = []
        for r in regels:
            codes = _los(r, stand.toewijzingen.get(r.toewijzingnummer), aanbieder, reference)
            if r.referentie in in_bericht:
                codes.append("8021")  # TR314: this ReferentieNummer came earlier in the message
            elif not codes:
                codes = _cumulatief(r, stand.toewijzingen[r.toewijzingnummer], geboekt,
                                    stand.zorg.get(r.toewijzingnummer, []))
            in_bericht.add(r.referentie)
            result.prestaties[r.element] = codes
            if not codes:
                geboekt.append(Geboekt(r.referentie, r.vorige_referentie, r.toewijzingnummer, r.categorie,
                                       r.code, r.begindatum, r.einddatum, r.signed_volume,
                                       r.signed_bedrag, r.credit, r.eenheid))
    return result


def _los(r: Regel, t: Toewijzing | None, aanbieder: str, reference: ReferenceData) -> list[str]:
    """Checks of one prestatie on its own: the link to its toewijzing and the catalogue."""
    codes: list[str] = []
    product = reference.producten.get((r.categorie, r.code))
    per_minuut = (product is not None and r.eenheid == MINUUT and UUR in product.eenheden
                  and MINUUT not in product.eenheden)
    if product is None:
        codes.append("S329")  # TR381
    elif r.tarief is not None and r.tarief != (
            _centen(Fraction(product.tarief_eurocent, 60)) if per_minuut else product.tarief_eurocent):
        codes.append("0611")  # TR418 (in minutes: the hour tariff's rounded rate per minute)
    if per_minuut and product is not None:  # (per_minuut implies a product)
        # IV081: an hour tariff declared in minutes is (hour tariff × minutes) / 60 in whole cents.
        if r.bedrag != _centen(Fraction(product.tarief_eurocent * r.volume, 60)):
            codes.append("9346")  # TR346
    elif r.eenheid != EURO and r.tarief is not None and r.bedrag != r.volume * r.tarief:
        codes.append("9346")  # TR346 (integer eurocent tariff: the product is exact)
    if t is None or t.aanbieder != aanbieder:
        return codes + ["9338"]  # TR338: no ToegewezenProduct of this provider
    if t.bsn != r.bsn:
        return codes + ["8187"]  # TR304: the toewijzing belongs to another client
    if t.verwijderd:
        return codes + ["9384"]  # TR384
    if t.categorie is not None and r.categorie != t.categorie:
        codes.append("9339")
    if t.code is not None and r.code != t.code:
        codes.append("9340")
    if t.eenheid is not None:
        if r.eenheid != t.eenheid and (r.eenheid, t.eenheid) != (MINUUT, UUR):
            codes.append("9341")
    elif product is not None and r.eenheid not in product.eenheden and not per_minuut:
        codes.append("9341")  # aspecific or generic toewijzing: the contract's (catalogue's) unit
    if r.begindatum < t.ingangsdatum:
        codes.append("9307")
    if t.einddatum is not None and r.einddatum > t.einddatum:
        codes.append("9308")
    starts_inside = _maand(t.ingangsdatum) == _maand(r.begindatum) and t.ingangsdatum.day > 1
    if r.begindatum.day != 1 and not starts_inside:
        codes.append("9387")
    ends_inside = (t.einddatum is not None and _maand(t.einddatum) == _maand(r.einddatum)
                   and t.einddatum != _laatste_dag(t.einddatum))
    if r.einddatum != _laatste_dag(r.einddatum) and not ends_inside:
        codes.append("9388")
    if not r.credit and "9341" not in codes:
        allowed = toegestaan(t, r.begindatum, r.einddatum)
        if allowed is not None and _in_eenheid(r.volume, r.eenheid, t) > allowed:
            codes.append("9321")
    return codes


def _in_eenheid(volume: int, eenheid: str | None, t: Toewijzing) -> Fraction:
    """A declared volume in the toewijzing's Eenheid: minutes on an hours toewijzing / 60."""
    if eenheid == MINUUT and t.eenheid == UUR:
        return Fraction(volume, 60)
    return Fraction(volume)


def _centen(amount: Fraction) -> int:
    """Rounded to whole cents, half up (amounts are never negative here)."""
    return int(amount + Fraction(1, 2))


def _cumulatief(r: Regel, t: Toewijzing, geboekt: list[Geboekt],
                zorg: list[tuple[date, date | None]]) -> list[str]:
    """Checks against what was approved before (earlier declarations and earlier lines)."""
    if any(g.referentie == r.referentie for g in geboekt):
        return ["8021"]  # TR314: this ProductReferentie was already declared and approved
    if r.credit:
        debet = next((g for g in geboekt if not g.credit and g.referentie == r.vorige_referentie), None)
        if debet is None:
            return ["8017"]  # TR323
        if any(g.credit and g.vorige_referentie == debet.referentie for g in geboekt):
            return ["9390"]  # TR390
        return []
    op_toewijzing = [g for g in geboekt if g.toewijzingnummer == r.toewijzingnummer]
    gecrediteerd = {g.vorige_referentie for g in op_toewijzing if g.credit}
    open_debet = [g for g in op_toewijzing if not g.credit and g.referentie not in gecrediteerd]
    codes: list[str] = []
    if any(g.categorie == r.categorie and g.code == r.code and g.begindatum <= r.einddatum
           and r.begindatum <= g.einddatum for g in open_debet):
        codes.append("9389")  # TR389
    if open_debet:
        skipped = _overgeslagen(max(_maand(g.begindatum) for g in open_debet), _maand(r.begindatum))
        # TR318: months skipped while care was delivered in every one of them (D.3); a month
        # without care (not started, temporarily stopped) is no gap in the declarations.
        if skipped and all(_zorg_in(maand, zorg) for maand in skipped):
            codes.append("8214")
    eind = t.einddatum or r.einddatum
    allowed = toegestaan(t, t.ingangsdatum, eind)
    declared = sum(_in_eenheid(g.signed_volume, g.eenheid, t) for g in op_toewijzing)
    if allowed is not None and declared + _in_eenheid(r.volume, r.eenheid, t) > allowed:
        codes.append("9322")  # TR322
    if t.budget is not None and sum(g.signed_bedrag for g in op_toewijzing) + r.bedrag > t.budget:
        codes.append("9369")  # TR369
    return codes


# -- the answer and booking ------------------------------------------------------------------
@dataclass
class Antwoord:
    """What the JW325 says. `header` are the Header's codes; `declaratie` is None when the
    answer is the Header only (level 2, or a failure in the Header)."""

    header: list[str]
    nummer: str | None = None
    ingediend: int = 0
    toegekend: int = 0
    declaratie: list[str] = field(default_factory=list)
    # listed (rejected) clients: (client element, its codes, [(prestatie element, codes)])
    afgewezen: list[tuple[etree._Element, list[str], list[tuple[etree._Element, list[str]]]]] = \
        field(default_factory=list)
    verdicts: dict[etree._Element, list[str]] = field(default_factory=dict)  # every prestatie

    @property
    def header_only(self) -> bool:
        return self.nummer is None

    @property
    def taken_in(self) -> bool:
        """Booked (fully or partly approved): the HTTP answer is 202."""
        return not self.header_only and not self.declaratie and any(
            not codes for codes in self.verdicts.values())

    @property
    def recorded(self) -> bool:
        """The declaration is stored (also when every prestatie was rejected); not after a
        level-2 or Header failure, nor when its number was used before (TR333)."""
        return not self.header_only and not self.declaratie


class RuleFinding(Protocol):
    """What `antwoord` reads of a rule finding (gateway.rules.engine.Finding)."""

    @property
    def level(self) -> int: ...
    @property
    def retourcode(self) -> str: ...
    @property
    def location(self) -> str: ...
    @property
    def in_header(self) -> bool: ...


def antwoord(msg: ParsedMessage, findings: Sequence[RuleFinding]) -> Antwoord:
    """The JW325's content from the rule findings (level 2 → Header 0001; a failure in the
    Header → Header only with its codes; else per client and prestatie)."""
    if any(f.level == 2 for f in findings):
        return Antwoord(["0001"])
    header = list(dict.fromkeys(f.retourcode for f in findings if f.in_header))
    if header:
        return Antwoord(header)
    by_location: dict[str, list[str]] = {}
    for f in findings:
        codes = by_location.setdefault(f.location, [])
        if f.retourcode not in codes:
            codes.append(f.retourcode)
    nummer_path = msg.location(msg.required("m:Declaratie/m:DeclaratieNummer"))
    result = Antwoord(["0200"], nummer=msg.text("m:Declaratie/m:DeclaratieNummer"),
                      ingediend=totaal_ingediend(msg), declaratie=by_location.get(nummer_path, []))
    if result.declaratie:
        return result  # TR333: nothing assessed, nothing approved
    for client, regels in clients(msg):
        client_codes = by_location.get(msg.location(client), [])
        listed: list[tuple[etree._Element, list[str]]] = []
        for r in regels:
            codes = by_location.get(msg.location(r.element), [])
            if client_codes and not codes:
                codes = [NIET_BEOORDEELD]
            result.verdicts[r.element] = codes
            if codes:
                listed.append((r.element, codes))
            else:
                result.toegekend += r.signed_bedrag
        if listed:
            result.afgewezen.append((client, client_codes or ["0200"], listed))
    return result
