"""Rules of the declaration (JW323), one function per rule code.

Level 2 (0001, the whole message is rejected) as the official rule XSLT 2.10.5 computes it
(facts: ijw-facts-declaratie-en-retours.md §0, §1.1, §5): CD060, CD087, CS100, CS325, CS337,
CS339, CS340, TR134, TR137, TR315, TR316, TR319, TR335, TR358, TR416 and the JW323 forms of
CS002 and TR101. Values are read as XPath 1.0 reads the raw text (gateway.rules.xpath_values),
so white space around a date or an amount gives the standard's verdict, quirks included: a
date cut to 10 characters as an upper bound, months read from character positions, keys
compared as raw strings, `+0` as NaN. The rules that also run on our JW325 (CD060, CS325,
TR137 and the CS002/TR101/TR134 forms) read the clients and prestaties of either message
through gateway.rules.declaratie_regels, which reads each prestatie's raw fields once per
check; gateway.rules.declaratie_antwoord applies them to the JW325.

Levels 3 and 4 judge each prestatie (partial processing, OP304/TR342): they all read one pass
of the declaration through `gateway.model.declaratie.beoordeel`, so the rules and the booking
cannot disagree. The general Header rules (TR056, TR135, TR378) and TR304/TR381 are widened to
JW323 here.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Protocol, cast

from lxml import etree

from gateway.model.declaratie import CLIENT, Beoordeling, DeclaratieStand, beoordeel
from gateway.rules import external, state, wijziging  # noqa: F401  (registered before widened)
from gateway.rules.client import _valid_bsn
from gateway.rules.declaratie_regels import Periode, read_periode, regels
from gateway.rules.engine import Failures, RuleContext, extend, rule
from gateway.rules.xpath_values import (
    TRUNCATE,
    add_days,
    add_months,
    date_chars,
    date_number,
    day_text,
    filled,
    format_number,
    normalize_space,
    number,
    number_string,
    upper_bound,
)
from gateway.xml.view import ParsedMessage

JW323 = ("JW323",)
PRESTATIE = f"{CLIENT}/m:Prestaties/m:Prestatie"
DECLARATIEPERIODE = "m:Declaratie/m:DeclaratiePeriode"
EERSTE_DECLARATIEDATUM = 20210101  # CS100: declarations over 2021 and later (YYYYMMDD)
EURO = "83"
MAANDEN_TERUG = -60  # TR335: five years before the DeclaratieDagtekening


# CDT_TotaalBedragMetDC elements per message (CS325)
_TOTALEN = {
    "JW323": ("m:Declaratie/m:TotaalIngediendBedrag",),
    "JW325": ("m:DeclaratieAntwoord/m:TotaalIngediendBedrag",
              "m:DeclaratieAntwoord/m:TotaalToegekendBedrag"),
}


class DeclaratieReader(Protocol):
    """What the level-3 JW323 rules read besides `StateReader`
    (gateway.domain.financien.declaraties.DeclaratieLog)."""

    def declaratie_stand(self, msg: ParsedMessage) -> DeclaratieStand: ...


def _declaratieperiode(ctx: RuleContext) -> Periode:
    """The JW323's DeclaratiePeriode, read once per check (schema-valid: always there)."""
    if "declaratieperiode" not in ctx.memo:
        ctx.memo["declaratieperiode"] = read_periode(ctx.msg.required("m:Declaratie"),
                                                     f"{{{ctx.msg.type.namespace}}}DeclaratiePeriode")
    periode: Periode = ctx.memo["declaratieperiode"]
    return periode


def _perioden(ctx: RuleContext) -> Iterator[Periode]:
    """The DeclaratiePeriode (JW323 only), then every ProductPeriode (schema-valid: every
    prestatie has one)."""
    if ctx.msg.type.name == "JW323":
        yield _declaratieperiode(ctx)
    for r in regels(ctx).regels:
        yield r.periode


def _credit(debet_credit: str | None) -> bool:
    return normalize_space(debet_credit) in ("C", "c")


def _last_duplicates(keyed: Iterable[tuple[object, etree._Element]]) -> Iterator[etree._Element]:
    """TR101 as the XSLT finds it: of each group of siblings with one key, the last one
    (it has an equal key before it and none after it)."""
    groups: dict[object, list[etree._Element]] = defaultdict(list)
    for key, element in keyed:
        groups[key].append(element)
    for group in groups.values():
        if len(group) > 1:
            yield group[-1]


# -- level 2, also on the JW325 -----------------------------------------------------------------
@rule("CD060", level=2, messages=JW323)
def cd060(ctx: RuleContext) -> Failures:
    """VorigReferentieNummer is filled (spaces only count as empty) exactly on a credit line."""
    for r in regels(ctx).regels:
        if (normalize_space(r.debet_credit) == "C") != filled(r.vorig_text):
            yield r.element


@rule("CS325", level=2, messages=JW323)
def cs325(ctx: RuleContext) -> Failures:
    """An amount that is numerically 0 is not credit (C); `+0` is NaN, so never 0."""
    msg = ctx.msg
    for path in _TOTALEN[msg.type.name]:
        for totaal in msg.findall(path):
            if number(msg.text("b:TotaalBedrag", totaal)) == 0 and _credit(msg.text("b:DebetCredit", totaal)):
                yield totaal
    for r in regels(ctx).regels:
        if number(r.bedrag) == 0 and _credit(r.debet_credit):
            yield r.ingediend()


@rule("TR137", level=2, messages=JW323)
def tr137(ctx: RuleContext) -> Failures:
    """Every period begins on or before its end, and ends on or before the Header Dagtekening."""
    # Two tests, two errors. The upper bound of each is cut to 10 characters (the Einddatum,
    # then the Dagtekening), so leading white space on it fails the test (facts §5); the
    # reference is the message's own Dagtekening, never DeclaratieDagtekening.
    dagtekening = upper_bound(ctx.dagtekening_text)
    for periode in _perioden(ctx):
        if date_number(periode.begin_text) > upper_bound(periode.eind_text):
            yield periode.element()
        if date_number(periode.eind_text) > dagtekening:
            yield periode.element()


def cs002_declaratie(ctx: RuleContext) -> Failures:
    """Every Client/Bsn of the declaration (answer) passes the elfproef."""
    for client in regels(ctx).clients:
        if client.bsn is not None and not _valid_bsn(client.bsn.text or ""):
            yield client.bsn


def tr101_declaratie(ctx: RuleContext) -> Failures:
    """No Client twice by Bsn, no Prestatie twice within one client by ReferentieNummer + Vorig."""
    # Raw text, as the XSLT compares it; an absent Vorig equals only an absent one; the last
    # of each group is the error. The same ReferentieNummer under two clients is TR314
    # (level 3, one prestatie rejected), not this.
    clients = regels(ctx).clients
    yield from _last_duplicates((c.bsn.text if c.bsn is not None else None, c.element) for c in clients)
    for client in clients:
        yield from _last_duplicates(((r.referentie_text, r.vorig_text), r.element) for r in client.regels)


def tr134_declaratie(ctx: RuleContext) -> Failures:
    """Declaratie- and ProductPeriode begin on or before the Header Dagtekening (cut to 10)."""
    dagtekening = upper_bound(ctx.dagtekening_text)
    for periode in _perioden(ctx):
        if date_number(periode.begin_text) > dagtekening:
            yield periode.begin()


extend("CS002", JW323, cs002_declaratie)
extend("TR101", JW323, tr101_declaratie)
extend("TR134", JW323, tr134_declaratie)
# The Header rules every heen-bericht has: identificatie unique, Dagtekening not in the
# future, the gemeente in the CBS list. Their functions read the Header only.
extend("TR056", JW323)
extend("TR135", JW323)
extend("TR378", JW323)


# -- level 2, JW323 only ---------------------------------------------------------------------------
@rule("CD087", level=2, messages=JW323)
def cd087(ctx: RuleContext) -> Failures:
    """A ProductTarief is present exactly when the Eenheid is not 83 (euro)."""
    for r in regels(ctx).regels:
        if (normalize_space(r.eenheid_text) != EURO) != filled(r.tarief):
            yield r.eenheid()


@rule("CS100", level=2, messages=JW323)
def cs100(ctx: RuleContext) -> Failures:
    """DeclaratiePeriode and every ProductPeriode begin on or after 2021-01-01."""
    # Only the Begindatum is tested; earlier months went by JW303.
    for periode in _perioden(ctx):
        if date_number(periode.begin_text) < EERSTE_DECLARATIEDATUM:
            yield periode.begin()


@rule("CS337", level=2, messages=JW323)
def cs337(ctx: RuleContext) -> Failures:
    """A ProductPeriode begins and ends in the same calendar year and month."""
    # Two tests, two errors. The XSLT reads year and month from character positions of the
    # date without its dashes, so leading white space on either date fails; the order of
    # the dates is TR137's.
    for r in regels(ctx).regels:
        begin, eind = r.periode.begin_text, r.periode.eind_text
        if date_chars(eind, 1, 4) != date_chars(begin, 1, 4):
            yield r.periode.element()
        if date_chars(eind, 5, 2) != date_chars(begin, 5, 2):
            yield r.periode.element()


@rule("CS339", level=2, messages=JW323)
def cs339(ctx: RuleContext) -> Failures:
    """With Eenheid 83 the GeleverdVolume equals the IngediendBedrag as numbers."""
    # 05000 = 5000; DebetCredit plays no part; a `+` gives NaN, and NaN is never unequal here.
    for r in regels(ctx).regels:
        if r.eenheid_text != EURO:
            continue
        volume, bedrag = number(r.volume), number(r.bedrag)
        if volume < bedrag or bedrag < volume:
            yield r.element


@rule("CS340", level=2, messages=JW323)
def cs340(ctx: RuleContext) -> Failures:
    """The DeclaratiePeriode is exactly one calendar month, from day 01."""
    # Two tests, two errors: the day is the text after the second dash (trailing white space
    # fails), and Einddatum + 1 day = Begindatum + 1 month in the XSLT's date arithmetic
    # (February has 29 days when the year is divisible by 4, 2100 included).
    periode = _declaratieperiode(ctx)
    if day_text(periode.begin_text) != "01":
        yield periode.begin()
    volgende_dag = add_days(periode.eind_text, 1)
    if ("" if volgende_dag is None else number_string(volgende_dag)) != number_string(
            add_months(periode.begin_text, 1)):
        yield periode.element()


@rule("TR315", level=2, messages=JW323)
def tr315(ctx: RuleContext) -> Failures:
    """No VorigReferentieNummer occurs twice in the message."""
    # As the XSLT: this line's Vorig, trimmed, against the raw Vorig of every earlier line
    # (same client or an earlier one); the XSLT reports one error per earlier match,
    # we report the line once (the same verdict; n equal lines would give n² findings).
    eerdere: set[str] = set()
    for r in regels(ctx).regels:
        if not r.heeft_vorig:
            continue
        if normalize_space(r.vorig_text) in eerdere and (vorig := r.vorig()) is not None:
            yield vorig  # always there: the line has a VorigReferentieNummer
        if r.vorig_text is not None:
            eerdere.add(r.vorig_text)


@rule("TR316", level=2, messages=JW323)
def tr316(ctx: RuleContext) -> Failures:
    """No line credits another line of the same message, nor itself."""
    # As the XSLT: this line's Vorig (trimmed) against every earlier line's raw
    # ReferentieNummer, this line's ReferentieNummer (trimmed) against every earlier raw Vorig,
    # and its own two trimmed; a blank ReferentieNummer without Vorig fails (blank = blank).
    referenties: set[str] = set()
    vorige: set[str] = set()
    for r in regels(ctx).regels:
        rn, vn = normalize_space(r.referentie_text), normalize_space(r.vorig_text)
        if vn in referenties or rn in vorige or rn == vn:
            yield r.referentie()
        if r.referentie_text is not None:
            referenties.add(r.referentie_text)
        if r.vorig_text is not None:
            vorige.add(r.vorig_text)


@rule("TR319", level=2, messages=JW323)
def tr319(ctx: RuleContext) -> Failures:
    """Every ProductPeriode lies in the current or an earlier declaration period."""
    # Begin and end (two errors) not after the DeclaratiePeriode's Einddatum, cut to 10
    # characters as the upper bound; no lower bound (CS100 and TR335 give one). The TR table
    # calls it level 3 (9319), but XSLT 2.10.5 checks it, so it rejects with 0001.
    grens = upper_bound(_declaratieperiode(ctx).eind_text)
    for r in regels(ctx).regels:
        if date_number(r.periode.begin_text) > grens:
            yield r.periode.element()
        if date_number(r.periode.eind_text) > grens:
            yield r.periode.element()


@rule("TR335", level=2, messages=JW323)
def tr335(ctx: RuleContext) -> Failures:
    """A ProductPeriode ends at most 60 months before the DeclaratieDagtekening."""
    # The XSLT's date arithmetic: a day that does not exist 60 months back is cut to the
    # month's end (2028-02-29 → 2023-02-28), also for years Python's dates cannot hold.
    grens = add_months(ctx.msg.text("m:Declaratie/m:DeclaratieDagtekening"), MAANDEN_TERUG, TRUNCATE)
    for r in regels(ctx).regels:
        if date_number(r.periode.eind_text) < grens:
            yield r.periode.eind()


@rule("TR358", level=2, messages=JW323)
def tr358(ctx: RuleContext) -> Failures:
    """TotaalIngediendBedrag is the debit lines minus the credit lines, as canonical text."""
    # N = ΣD - ΣC: with D the TotaalBedrag is N, with C it is -N, compared as text after
    # trimming (079000 and +79000 fail, " 79000 " passes); a line amount that is no number
    # (`+5000`) makes N NaN, and nothing equals it.
    msg = ctx.msg
    netto = regels(ctx).netto()
    totaal = msg.required("m:Declaratie/m:TotaalIngediendBedrag")
    debet_credit = normalize_space(msg.text("b:DebetCredit", totaal))
    if debet_credit not in ("D", "C"):
        return
    expected = format_number(netto if debet_credit == "D" else 0 - netto)
    if normalize_space(msg.text("b:TotaalBedrag", totaal)) != expected:
        yield totaal


@rule("TR416", level=2, messages=JW323)
def tr416(ctx: RuleContext) -> Failures:
    """No two debit lines of one client for the same period, product and ToewijzingNummer."""
    # Key: ProductPeriode Begindatum and Einddatum, ProductCategorie, ToewijzingNummer and
    # ProductCode as raw text (010073 is not 10073); credit lines play no part; partly
    # overlapping periods are not caught.
    for client in regels(ctx).clients:
        eerdere: set[tuple[str | None, ...]] = set()
        for r in client.regels:
            key = (r.periode.begin_text, r.periode.eind_text, r.categorie, r.toewijzingnummer, r.code)
            if r.debet_credit == "D" and key in eerdere:
                yield r.element
            if normalize_space(r.debet_credit) == "D":
                eerdere.add(key)


# -- levels 3 and 4: one pass, one function per rule code ---------------------------------
def _beoordeling(ctx: RuleContext) -> Beoordeling:
    if "declaratie" not in ctx.memo:
        if not hasattr(ctx.state, "declaratie_stand"):  # offline: no log, nothing judged
            return Beoordeling([], {}, {})
        stand = cast(DeclaratieReader, ctx.state).declaratie_stand(ctx.msg)
        ctx.memo["declaratie"] = beoordeel(ctx.msg, stand, ctx.reference)
    beoordeling: Beoordeling = ctx.memo["declaratie"]
    return beoordeling


def _prestaties_with(retourcode: str) -> Callable[[RuleContext], Failures]:
    def check(ctx: RuleContext) -> Failures:
        for element, codes in _beoordeling(ctx).prestaties.items():
            if retourcode in codes:
                yield element
    return check


def tr304_jw323(ctx: RuleContext) -> Failures:
    """The Bsn is a client of this provider (a toewijzing at this gemeente), and each
    prestatie's toewijzing belongs to that client."""
    b = _beoordeling(ctx)
    for client, codes in b.clients.items():
        if "8187" in codes:
            yield client
    yield from _prestaties_with("8187")(ctx)


def tr381_jw323(ctx: RuleContext) -> Failures:
    """ProductCode belongs to ProductCategorie in the product catalogue."""
    yield from _prestaties_with("S329")(ctx)


extend("TR304", JW323, tr304_jw323)
extend("TR381", JW323, tr381_jw323)


@rule("TR333", level=3, retourcode="9333", messages=JW323, needs_state=True)
def tr333(ctx: RuleContext) -> Failures:
    """The DeclaratieNummer was not used before by this provider for this gemeente; else
    the whole declaration is rejected."""
    if _beoordeling(ctx).declaratie:
        yield ctx.msg.required("m:Declaratie/m:DeclaratieNummer")


_PRESTATIE_RULES = (
    ("TR307", 3, "9307", "ProductPeriode begins on or after the toewijzing's Ingangsdatum."),
    ("TR308", 3, "9308", "ProductPeriode ends on or before the toewijzing's Einddatum."),
    ("TR314", 3, "8021", "The ProductReferentie was not approved before for this provider."),
    ("TR318", 3, "8214", "No month skipped after the last declared month of the toewijzing."),
    ("TR321", 3, "9321", "GeleverdVolume fits the toewijzing's Omvang over the ProductPeriode."),
    ("TR322", 3, "9322", "The declared volumes together fit the toewijzing's Omvang."),
    ("TR323", 3, "8017", "A credit line names an approved debit line (VorigReferentieNummer)."),
    ("TR338", 3, "9338", "The ToewijzingNummer is a toewijzing of this provider."),
    ("TR339", 3, "9339", "ProductCategorie equals the toewijzing's."),
    ("TR340", 3, "9340", "ProductCode equals the toewijzing's."),
    ("TR341", 3, "9341", "Eenheid equals the toewijzing's."),
    ("TR346", 4, "9346", "IngediendBedrag = GeleverdVolume × ProductTarief (Eenheid not 83)."),
    ("TR369", 3, "9369", "The declared amounts together fit the toewijzing's Budget."),
    ("TR384", 3, "9384", "The toewijzing was not deleted (RedenWijziging 13)."),
    ("TR387", 3, "9387", "ProductPeriode begins on the 1st unless the toewijzing starts later that month."),
    ("TR388", 3, "9388", "ProductPeriode ends on the last day unless the toewijzing ends earlier that month."),
    ("TR389", 3, "9389", "No uncredited approved debit for the same period, product and toewijzing."),
    ("TR390", 3, "9390", "The debit line was not credited before."),
    ("TR418", 3, "0611", "ProductTarief equals the catalogue's tariff."),
)

for _code, _level, _retourcode, _doc in _PRESTATIE_RULES:
    _check = _prestaties_with(_retourcode)
    _check.__doc__ = _doc
    _check.__name__ = _code.lower()
    rule(_code, level=_level, retourcode=_retourcode, messages=JW323, needs_state=True)(_check)

