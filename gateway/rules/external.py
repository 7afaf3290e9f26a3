"""Level-4 rules against external data: the system date, the CBS municipality list and
the product catalogue (TR135, TR378, TR381)."""
from __future__ import annotations

from datetime import date

from gateway.rules.engine import Failures, RuleContext, rule
from gateway.xml.view import present, to_date

HEEN = ("AGJ", "JW315", "JW317", "JW305", "JW307", "JW301", "JW319")
_START_DATES = ("Ingangsdatum", "ToewijzingIngangsdatum", "GewensteIngangsdatum",
                "BeschikkingIngangsdatum")
_PRODUCT_PATHS = {
    "JW301": ".//m:ToegewezenProduct/m:Product",
    "JW305": ".//m:StartProduct/m:Product",
    "JW307": ".//m:StopProduct/m:Product",
    "JW315": ".//m:AangevraagdProduct/m:Product",
    "AGJ": ".//m:AangevraagdProduct/m:Product",
    "JW317": ".//m:NieuwProduct/m:Product",
}


@rule("TR135", level=4, retourcode="8848", messages=HEEN, guard=(
    "$dagtekening > $today"))
def tr135(ctx: RuleContext) -> Failures:
    """The Dagtekening is not after the receiving system's date."""
    if ctx.msg.dagtekening and ctx.msg.dagtekening > ctx.today:
        yield ctx.msg.required("m:Header/m:BerichtIdentificatie/b:Dagtekening")


@rule("TR378", level=4, retourcode="S300", messages=HEEN)
def tr378(ctx: RuleContext) -> Failures:
    """Every gemeentecode is in the CBS list valid on the Dagtekening or on a start date in
    the message (during a merger the older list may be used for older assignments)."""
    msg = ctx.msg
    side = "m:Header/m:Afzender" if msg.type.sender == "gemeente" else "m:Header/m:Ontvanger"
    candidates = [msg.find(side), *msg.findall("m:Antwoord/m:Woonplaatsbeginsel/m:Gemeente")]
    days: list[date] = [msg.dagtekening] if msg.dagtekening else []
    for element in candidates:
        if element is None or ctx.reference.gemeente_valid(present(element.text), days[:1]):
            continue  # the common case: valid on the Dagtekening
        if len(days) <= 1:
            for name in _START_DATES:
                days.extend(d for d in map(to_date, msg.all_texts(name)) if d)
        if not ctx.reference.gemeente_valid(present(element.text), days):
            yield element


@rule("TR381", level=4, retourcode="S329", messages=tuple(_PRODUCT_PATHS))
def tr381(ctx: RuleContext) -> Failures:
    """A ProductCode belongs to its ProductCategorie in the product catalogue in use."""
    for product in ctx.msg.findall(_PRODUCT_PATHS[ctx.msg.type.name]):
        code = ctx.msg.text("b:Code", product)
        if code is not None and (ctx.msg.text("b:Categorie", product), code) not in ctx.reference.producten:
            yield product

