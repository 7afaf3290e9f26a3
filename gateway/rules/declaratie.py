"""Rules of the declaration (JW323), one function per rule code.

Level 2 (0001, the whole message is rejected): CS337, CS340, CS100, TR319, TR335, and the
JW323 forms of CS002 and TR101. Levels 3 and 4 judge each prestatie (partial processing,
OP304/TR342): they all read one pass of the declaration through
`gateway.domain.declaraties.beoordeel`, so the rules and the booking cannot disagree. The
general Header rules (TR056, TR135, TR378) and TR304/TR381 are widened to JW323 here.
"""
from __future__ import annotations

import calendar
from datetime import date

from gateway.rules import external, state, wijziging  # noqa: F401  (registered before widened)
from gateway.domain.declaraties import CLIENT, Beoordeling, beoordeel
from gateway.rules.engine import RuleContext, extend, rule
from gateway.rules.client import _valid_bsn
from gateway.xml.view import to_date

JW323 = ("JW323",)
PRESTATIE = f"{CLIENT}/m:Prestaties/m:Prestatie"
EERSTE_DECLARATIEMAAND = date(2021, 1, 1)


def _periode(ctx: RuleContext, base, path: str) -> tuple[date | None, date | None]:
    return (to_date(ctx.msg.text(f"{path}/b:Begindatum", base)),
            to_date(ctx.msg.text(f"{path}/b:Einddatum", base)))


def _last_day(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


# -- level 2 -----------------------------------------------------------------------------------
@rule("CS337", level=2, messages=JW323)
def cs337(ctx: RuleContext):
    """A ProductPeriode lies inside one calendar month, its end not before its begin."""
    for p in ctx.msg.findall(PRESTATIE):
        begin, eind = _periode(ctx, p, "m:ProductPeriode")
        if begin and eind and (eind < begin or (begin.year, begin.month) != (eind.year, eind.month)):
            yield ctx.msg.find("m:ProductPeriode", p)


@rule("CS340", level=2, messages=JW323)
def cs340(ctx: RuleContext):
    """The DeclaratiePeriode is exactly one calendar month: the 1st up to its last day."""
    begin, eind = _periode(ctx, None, "m:Declaratie/m:DeclaratiePeriode")
    if begin and eind and (begin.day != 1 or eind != _last_day(begin)):
        yield ctx.msg.find("m:Declaratie/m:DeclaratiePeriode")


@rule("CS100", level=2, messages=JW323)
def cs100(ctx: RuleContext):
    """The DeclaratiePeriode begins on or after 2021-01-01 (earlier months went by JW303)."""
    begin, _ = _periode(ctx, None, "m:Declaratie/m:DeclaratiePeriode")
    if begin and begin < EERSTE_DECLARATIEMAAND:
        yield ctx.msg.find("m:Declaratie/m:DeclaratiePeriode")


@rule("TR319", level=2, messages=JW323)
def tr319(ctx: RuleContext):
    """Every ProductPeriode lies inside the DeclaratiePeriode. The facts give it 9319 at
    level 3 "also in the XSLT"; it needs nothing outside the message, so, as the XSLT does,
    we check it at level 2 (0001)."""
    begin, eind = _periode(ctx, None, "m:Declaratie/m:DeclaratiePeriode")
    for p in ctx.msg.findall(PRESTATIE):
        pb, pe = _periode(ctx, p, "m:ProductPeriode")
        if begin and eind and pb and pe and (pb < begin or pe > eind):
            yield ctx.msg.find("m:ProductPeriode", p)


@rule("TR335", level=2, messages=JW323)
def tr335(ctx: RuleContext):
    """A ProductPeriode ends at most 5 years before the DeclaratieDagtekening (the facts give
    TR335 no retourcode of its own: an in-message rule, 0001)."""
    dagtekening = ctx.msg.date("m:Declaratie/m:DeclaratieDagtekening")
    if dagtekening is None:
        return
    try:
        grens = dagtekening.replace(year=dagtekening.year - 5)
    except ValueError:  # 29 February
        grens = date(dagtekening.year - 5, 2, 28)
    for p in ctx.msg.findall(PRESTATIE):
        _, pe = _periode(ctx, p, "m:ProductPeriode")
        if pe and pe < grens:
            yield ctx.msg.find("m:ProductPeriode", p)


def cs002_jw323(ctx: RuleContext):
    """Every Bsn passes the elfproef."""
    for client in ctx.msg.findall(CLIENT):
        bsn = ctx.msg.find("m:Bsn", client)
        if not _valid_bsn(bsn.text or ""):
            yield bsn


def tr101_jw323(ctx: RuleContext):
    """No client twice (same Bsn) and no ProductReferentie twice in one declaration."""
    bsns, referenties = set(), set()
    for client in ctx.msg.findall(CLIENT):
        bsn = ctx.msg.text("m:Bsn", client)
        if bsn in bsns:
            yield client
        bsns.add(bsn)
        for p in ctx.msg.findall("m:Prestaties/m:Prestatie", client):
            referentie = ctx.msg.text("m:ProductReferentie/b:ReferentieNummer", p)
            if referentie in referenties:
                yield p
            referenties.add(referentie)


extend("CS002", JW323, cs002_jw323)
extend("TR101", JW323, tr101_jw323)
# The Header rules every heen-bericht has: identificatie unique, Dagtekening not in the
# future, the gemeente in the CBS list. Their functions read the Header only.
extend("TR056", JW323)
extend("TR135", JW323)
extend("TR378", JW323)


# -- levels 3 and 4: one pass, one function per rule code ---------------------------------
def _beoordeling(ctx: RuleContext) -> Beoordeling:
    if "declaratie" not in ctx.memo:
        if not hasattr(ctx.state, "declaratie_stand"):  # offline: no log, nothing judged
            return Beoordeling([], {}, {})
        stand = ctx.state.declaratie_stand(ctx.msg)
        ctx.memo["declaratie"] = beoordeel(ctx.msg, stand, ctx.reference)
    return ctx.memo["declaratie"]


def _prestaties_with(retourcode: str):
    def check(ctx: RuleContext):
        for element, codes in _beoordeling(ctx).prestaties.items():
            if retourcode in codes:
                yield element
    return check


def tr304_jw323(ctx: RuleContext):
    """The Bsn is a client of this provider (a toewijzing at this gemeente), and each
    prestatie's toewijzing belongs to that client."""
    b = _beoordeling(ctx)
    for client, codes in b.clients.items():
        if "8187" in codes:
            yield client
    yield from _prestaties_with("8187")(ctx)


def tr381_jw323(ctx: RuleContext):
    """ProductCode belongs to ProductCategorie in the product catalogue."""
    yield from _prestaties_with("S329")(ctx)


extend("TR304", JW323, tr304_jw323)
extend("TR381", JW323, tr381_jw323)


@rule("TR333", level=3, retourcode="9333", messages=JW323, needs_state=True)
def tr333(ctx: RuleContext):
    """The DeclaratieNummer was not used before by this provider for this gemeente; else
    the whole declaration is rejected."""
    if _beoordeling(ctx).declaratie:
        yield ctx.msg.find("m:Declaratie/m:DeclaratieNummer")


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

