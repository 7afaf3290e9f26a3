"""Level-3 rules that read the message log (TR056, TR347, TR374)."""
from __future__ import annotations

from gateway.rules.engine import Failures, RuleContext, rule
from gateway.xml.view import present

HEEN_RECEIVED = ("AGJ", "JW315", "JW317", "JW305", "JW307")
REQUESTS = ("AGJ", "JW315", "JW317")
_REFERENTIE_PATHS = {
    "AGJ": "m:Client/m:AangevraagdeProducten/m:AangevraagdProduct/m:ReferentieAanbieder",
    "JW315": "m:Client/m:AangevraagdeProducten/m:AangevraagdProduct/m:ReferentieAanbieder",
    "JW317": "m:Client/m:Verzoek/m:ReferentieAanbieder",
}


@rule("TR056", level=3, retourcode="9056", messages=HEEN_RECEIVED, needs_state=True)
def tr056(ctx: RuleContext) -> Failures:
    """BerichtIdentificatie/Identificatie is unique per message type for the sending party."""
    msg = ctx.msg
    if ctx.log.identificatie_used(msg.type.name, present(msg.afzender), present(msg.identificatie)):
        yield msg.required("m:Header/m:BerichtIdentificatie/b:Identificatie")


@rule("TR347", level=3, retourcode="9347", messages=REQUESTS, needs_state=True)
def tr347(ctx: RuleContext) -> Failures:
    """ReferentieAanbieder was not used before by this provider (in any earlier request)."""
    for element in ctx.msg.findall(_REFERENTIE_PATHS[ctx.msg.type.name]):
        if ctx.log.referentie_used(present(ctx.msg.afzender), present(element.text)):
            yield element


@rule("TR374", level=3, retourcode="9374", messages=REQUESTS, needs_state=True)
def tr374(ctx: RuleContext) -> Failures:
    """No other request (AGJ, VOT or VOW) of this provider for this client is still open."""
    msg = ctx.msg
    if ctx.log.open_request(present(msg.afzender), present(msg.ontvanger), present(msg.bsn)):
        yield msg.required("m:Client/m:Verzoek") if msg.type.name == "JW317" else msg.required("m:Client")
