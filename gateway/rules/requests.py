"""Request and answer rules (level 2, retourcode 0001): verzoek om wijziging (JW317),
antwoordbericht (JW319) and the dates of our aanvraagformulier (AGJ: AG001, AG002).

CS003 (end not before start) lives with the other CS003 checks in `gateway.rules.client`.
"""
from __future__ import annotations

from gateway.rules.engine import Failures, RuleContext, rule
from gateway.rules.products import overlapping
from gateway.rules.xpath_values import date_number
from gateway.xml.view import to_date

_VERZOEK = "m:Client/m:Verzoek"
_NIEUW = "m:Client/m:Verzoek/m:NieuweProducten/m:NieuwProduct"
_ANTWOORD = "m:Antwoord"
_WOONPLAATSBEGINSEL = "8"


# -- JW317 verzoek om wijziging ------------------------------------------------------------

@rule("TR352", level=2, messages=("JW317",))
def tr352(ctx: RuleContext) -> Failures:
    """A Verzoek lists at least one OngewijzigdProduct or TeWijzigenProduct."""
    verzoek = ctx.msg.find(_VERZOEK)
    if verzoek is not None \
            and ctx.msg.find("m:OngewijzigdeProducten/m:OngewijzigdProduct", verzoek) is None \
            and ctx.msg.find("m:TeWijzigenProducten/m:TeWijzigenProduct", verzoek) is None:
        yield verzoek


@rule("TR353", level=2, messages=("JW317",))
def tr353(ctx: RuleContext) -> Failures:
    """A Verzoek has at least one TeWijzigenProduct or NieuwProduct."""
    verzoek = ctx.msg.find(_VERZOEK)
    if verzoek is not None \
            and ctx.msg.find("m:TeWijzigenProducten/m:TeWijzigenProduct", verzoek) is None \
            and ctx.msg.find("m:NieuweProducten/m:NieuwProduct", verzoek) is None:
        yield verzoek


@rule("TR380", level=2, messages=("JW317",))
def tr380(ctx: RuleContext) -> Failures:
    """A NieuwProduct's GewensteIngangsdatum is after the Dagtekening."""
    # As the XSLT, both read as numbers: white space around either is harmless (facts §5).
    dagtekening = date_number(ctx.dagtekening_text)
    for ingang in ctx.msg.findall(f"{_NIEUW}/m:GewensteIngangsdatum"):
        if not date_number(ingang.text) > dagtekening:
            yield ingang


@rule("TR410", level=2, messages=("JW317",))
def tr410(ctx: RuleContext) -> Failures:
    """The same product is not asked twice as NieuwProduct with overlapping periods."""
    yield from overlapping(ctx, _NIEUW, "m:GewensteIngangsdatum", "m:Einddatum")


# -- JW319 antwoordbericht -----------------------------------------------------------------

@rule("CD085", level=2, messages=("JW319",))
def cd085(ctx: RuleContext) -> Failures:
    """VerzoekAntwoord 1 (verzoek afgewezen) has a RedenAfwijzingVerzoek."""
    antwoord = ctx.msg.find(_ANTWOORD)
    if antwoord is not None and ctx.msg.text("m:VerzoekAntwoord", antwoord) == "1" \
            and ctx.msg.find("m:RedenAfwijzingVerzoek", antwoord) is None:
        yield antwoord


@rule("CD086", level=2, messages=("JW319",))
def cd086(ctx: RuleContext) -> Failures:
    """VerzoekAntwoord 2 (aanvraag in onderzoek) has no RedenAfwijzingVerzoek."""
    antwoord = ctx.msg.find(_ANTWOORD)
    if antwoord is None:
        return
    reden = ctx.msg.find("m:RedenAfwijzingVerzoek", antwoord)
    if reden is not None and ctx.msg.text("m:VerzoekAntwoord", antwoord) == "2":
        yield reden


@rule("TR377", level=2, messages=("JW319",))
def tr377(ctx: RuleContext) -> Failures:
    """RedenAfwijzingVerzoek 8 (woonplaatsbeginsel) comes with a Woonplaatsbeginsel."""
    antwoord = ctx.msg.find(_ANTWOORD)
    if antwoord is None:
        return
    reden = ctx.msg.find("m:RedenAfwijzingVerzoek", antwoord)
    if reden is not None and reden.text == _WOONPLAATSBEGINSEL \
            and ctx.msg.find("m:Woonplaatsbeginsel", antwoord) is None:
        yield reden


@rule("TR409", level=2, messages=("JW319",))
def tr409(ctx: RuleContext) -> Failures:
    """A Woonplaatsbeginsel is only given with RedenAfwijzingVerzoek 8."""
    antwoord = ctx.msg.find(_ANTWOORD)
    if antwoord is None:
        return
    # As the official XSLT: fires on a RedenAfwijzingVerzoek other than 8; without any
    # reason, CD085/CD086 say what is wrong.
    woonplaatsbeginsel = ctx.msg.find("m:Woonplaatsbeginsel", antwoord)
    reden = ctx.msg.text("m:RedenAfwijzingVerzoek", antwoord)
    if woonplaatsbeginsel is not None and reden is not None and reden != _WOONPLAATSBEGINSEL:
        yield woonplaatsbeginsel


# -- AGJ aanvraagformulier -----------------------------------------------------------------

def _after_dagtekening(ctx: RuleContext, path: str) -> Failures:
    element = ctx.msg.find(path)
    if element is None:
        return
    day = to_date(element.text)
    if day is not None and ctx.msg.dagtekening is not None and day > ctx.msg.dagtekening:
        yield element


@rule("AG001", level=2, messages=("AGJ",))
def ag001(ctx: RuleContext) -> Failures:
    """ToestemmingOuders is not after the Dagtekening."""
    yield from _after_dagtekening(ctx, "m:Client/m:Aanvraagformulier/m:ToestemmingOuders")


@rule("AG002", level=2, messages=("AGJ",))
def ag002(ctx: RuleContext) -> Failures:
    """Afstemming/Datum is not after the Dagtekening."""
    yield from _after_dagtekening(ctx, "m:Client/m:Aanvraagformulier/m:Afstemming/m:Datum")
