"""Rules the provider's XSLT runs on the declaration answer (JW325) we send (facts:
ijw-facts-declaratie-en-retours.md §2.2). Level 2 only: a JW325 we write must pass them, and
`gateway.domain.berichten.uitgaand` checks every outbound message before it is stored.

CS002, CD060, CS325 (TotaalIngediendBedrag, TotaalToegekendBedrag and every IngediendBedrag),
TR101, TR134 and TR137 are the JW323 rules of `gateway.rules.declaratie` on the answer's
echoed lines, dated against the JW325's own Header Dagtekening (DeclaratieIdentificatie's is
read by no rule). TR342 ties the totals to the listed lines. The XSLT runs none of CD087,
CS100, CS337, CS339, CS340, TR315, TR316, TR319, TR335, TR358 or TR416 on a JW325.
"""
from __future__ import annotations

from gateway.rules.declaratie import cs002_declaratie, tr101_declaratie, tr134_declaratie
from gateway.rules.declaratie_regels import regels
from gateway.rules.engine import Failures, RuleContext, extend, rule
from gateway.rules.xpath_values import number, number_string

JW325 = ("JW325",)
ANTWOORD = "m:DeclaratieAntwoord"
# TR342's first case: the answer's own codes say "approved" or "no remark" only.
ZONDER_AFWIJZING = frozenset({"0200", "8001"})

extend("CS002", JW325, cs002_declaratie)
extend("TR101", JW325, tr101_declaratie)
extend("TR134", JW325, tr134_declaratie)
extend("CD060", JW325)
extend("CS325", JW325)
extend("TR137", JW325)


def _signed(ctx: RuleContext, path: str) -> float:
    """s(x) of a CDT_TotaalBedragMetDC: +TotaalBedrag with D, -TotaalBedrag with C (raw 'C')."""
    amount = number(ctx.msg.text(f"{path}/b:TotaalBedrag"))
    return -amount if ctx.msg.text(f"{path}/b:DebetCredit") == "C" else amount


def _listed(ctx: RuleContext) -> float:
    """L: the listed D lines' Bedrag minus the listed C lines', whatever their own codes."""
    return regels(ctx).netto()


@rule("TR342", level=2, messages=JW325)
def tr342(ctx: RuleContext) -> Failures:
    """Only rejected prestaties are listed, and the totals say so."""
    # Codes of the DeclaratieAntwoord only 0200/8001: the listed lines (D minus C) equal
    # s(TotaalIngediend) - s(TotaalToegekend), compared as XPath number strings (NaN equals
    # NaN); any other code: TotaalToegekend is 0. Header and line codes play no part.
    antwoord = ctx.msg.find(ANTWOORD)
    if antwoord is None:
        return
    toegekend = _signed(ctx, f"{ANTWOORD}/m:TotaalToegekendBedrag")
    codes = [c.text for c in ctx.msg.findall("m:RetourCodes/m:RetourCode", antwoord)]
    # A RetourCode without text matches neither `text() != ...` test, as in the XSLT.
    if all(code is None or code in ZONDER_AFWIJZING for code in codes):
        verschil = _signed(ctx, f"{ANTWOORD}/m:TotaalIngediendBedrag") - toegekend
        if number_string(_listed(ctx)) != number_string(verschil):
            yield ctx.msg.required("m:TotaalToegekendBedrag", antwoord)
    elif toegekend != 0:  # NaN is not 0 either
        yield ctx.msg.required("m:TotaalToegekendBedrag", antwoord)
