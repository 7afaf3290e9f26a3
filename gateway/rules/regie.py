"""Regie rules (level 2, retourcode 0001) on start zorg (JW305) and stop zorg (JW307).

TR134 (Begindatum/Einddatum not after the Dagtekening) lives with the other TR134 checks in
`gateway.rules.client`.
"""
from __future__ import annotations

from gateway.rules.engine import Failures, RuleContext, rule
from gateway.rules.xpath_values import on_or_before

_STATUS = {
    "JW305": "m:Client/m:StartProducten/m:StartProduct/m:StatusAanlevering",
    "JW307": "m:Client/m:StopProducten/m:StopProduct/m:StatusAanlevering",
}
_STOP = "m:Client/m:StopProducten/m:StopProduct"


@rule("CS058", level=2, messages=tuple(_STATUS),
      guard={m: f"boolean({path}[. != '1' and . != '3'])" for m, path in _STATUS.items()})
def cs058(ctx: RuleContext) -> Failures:
    """StatusAanlevering is 1 (eerste aanlevering) or 3 (verwijderen)."""
    for status in ctx.msg.findall(_STATUS[ctx.msg.type.name]):
        if status.text not in ("1", "3"):
            yield status


# Guard and rule as the XSLT: the Einddatum is the upper bound, cut to 10 characters, so
# leading white space on it fails (facts §5); white space on the Begindatum does not.
@rule("TR018", level=2, messages=("JW307",), guard=(
    f"boolean({_STOP}[not(number(translate(m:Begindatum, '-', '')) <= "
    "number(translate(substring(m:Einddatum, 1, 10), '-', '')))])"))
def tr018(ctx: RuleContext) -> Failures:
    """A StopProduct's Einddatum is not before its Begindatum."""
    for stop in ctx.msg.findall(_STOP):
        einddatum = ctx.msg.find("m:Einddatum", stop)
        if einddatum is not None and not on_or_before(ctx.msg.text("m:Begindatum", stop),
                                                      einddatum.text):
            yield einddatum
